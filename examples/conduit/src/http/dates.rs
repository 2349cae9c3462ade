//! Dates as the spec writes them (`format: date-time`): RFC 3339 in UTC with milliseconds,
//! e.g. `2016-02-18T03:22:56.637Z`, the precision they are stored with, and their schema.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde::Serializer;
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Serializes `at` (a UTC date, as the data layer returns them) in the spec's format. Fails
/// only for years outside 0 to 9999, which the JSON response then answers with a 500.
pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    let text = at.format(FORMAT).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// The schema of a date [`serialize`] writes, for `#[schemars(schema_with = ..)]`.
pub fn schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "format": "date-time"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct At(#[serde(serialize_with = "serialize")] OffsetDateTime);

    fn json(at: OffsetDateTime) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::new(&mut out);
        serde::Serialize::serialize(&At(at), &mut serializer).expect("serializes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn dates_are_rfc3339_utc_with_milliseconds() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(1_455_765_776_637_000_000).expect("in range");
        assert_eq!(json(at), "\"2016-02-18T03:22:56.637Z\"");
        let whole = OffsetDateTime::from_unix_timestamp(0).expect("in range");
        assert_eq!(json(whole), "\"1970-01-01T00:00:00.000Z\"");
    }
}
