//! The default rejection's detail: one line of text, the error and its causes, with echoed
//! input capped.

use std::error::Error as StdError;

use http::StatusCode;

use crate::response::Problem;

/// The most characters of a quoted piece of input a rejection body repeats.
pub(crate) const MAX_ECHO: usize = 64;

/// `status` detailed by the error's message and its causes' joined by `: `, each shortened.
pub(crate) fn rejection_problem(status: StatusCode, error: &(dyn StdError + 'static)) -> Problem {
    Problem::new(status).detail(rejection_text(error))
}

/// `path` as a JSON Pointer (RFC 6901): `items[0].price` is `/items/0/price`, the whole
/// document is the empty pointer. A segment the deserializer could not name ends it: the
/// pointer then names the nearest known parent.
pub(crate) fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path {
        let token = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.replace('~', "~0").replace('/', "~1"),
            Segment::Enum { variant } => variant.replace('~', "~0").replace('/', "~1"),
            Segment::Unknown => break,
        };
        pointer.push('/');
        pointer.push_str(&token);
    }
    pointer
}

/// The detail of [`rejection_problem`].
pub(crate) fn rejection_text(error: &(dyn StdError + 'static)) -> String {
    let mut text = shorten(&error.to_string());
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&shorten(&error.to_string()));
        cause = error.source();
    }
    text
}

/// Caps each piece of text between double quotes or backticks at [`MAX_ECHO`] characters,
/// followed by `…`: that is where parsers (serde's "invalid type: string \"...\"") and watchful
/// put what the client sent.
pub(crate) fn shorten(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(512));
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        let (mut kept, mut escaped, mut closed) = (0, false, false);
        for inner in chars.by_ref() {
            if !escaped && inner == c {
                if kept > MAX_ECHO {
                    out.push('…');
                }
                out.push(c);
                closed = true;
                break;
            }
            escaped = c == '"' && inner == '\\' && !escaped;
            if kept < MAX_ECHO {
                out.push(inner);
            }
            kept += 1;
        }
        if !closed && kept > MAX_ECHO {
            out.push('…');
        }
    }
    out
}

/// `text` in backticks, to name what the client sent in a message.
pub(crate) fn quote(text: &str) -> String {
    format!("`{text}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_quoted_input_only() {
        let long = "x".repeat(100);
        let capped = format!("{}…", "x".repeat(MAX_ECHO));
        assert_eq!(
            shorten(&format!("invalid type: string \"{long}\", expected u32")),
            format!("invalid type: string \"{capped}\", expected u32")
        );
        assert_eq!(
            shorten(&format!("unknown variant `{long}`, expected `a`")),
            format!("unknown variant `{capped}`, expected `a`")
        );
        assert_eq!(
            shorten("`id`: a \"quoted\\\" bit\""),
            "`id`: a \"quoted\\\" bit\""
        );
        assert_eq!(
            shorten(&format!("open \"{long}")),
            format!("open \"{capped}")
        );
        let exact = "y".repeat(MAX_ECHO);
        assert_eq!(shorten(&format!("`{exact}`")), format!("`{exact}`"));
    }
}
