//! The deserializer behind [`PathParams`](super::PathParams): route parameters are strings, so
//! each value is parsed with `FromStr` into what the field asks for.
//!
//! The target is a struct or a map (by name), a tuple or a sequence (in route order), or, for a
//! route with one parameter, that parameter alone. [`shape`] learns which, without a request,
//! so that `build()` can check it against the route.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};
use serde::forward_to_deserialize_any;

use crate::request::RawPathParams;

/// Why the parameters did not deserialize: the parameter at fault, if known, and what was wrong.
#[derive(Debug)]
pub(crate) struct DeError {
    pub(crate) param: Option<String>,
    pub(crate) message: String,
}

impl DeError {
    fn in_param(mut self, name: &str) -> Self {
        self.param.get_or_insert_with(|| name.to_owned());
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            param: None,
            message: message.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            param: Some(field.to_owned()),
            message: "not a parameter of this route".to_owned(),
        }
    }
}

macro_rules! forward_to_single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let (param, value) = self.single()?;
            value.$method(visitor).map_err(|e| e.in_param(param))
        }
    )*};
}

/// Deserializes the route's parameters.
pub(crate) struct ParamsDeserializer<'a>(pub(crate) &'a RawPathParams);

impl<'de> de::Deserializer<'de> for ParamsDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(Params {
            params: Box::new(self.0.iter()),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(Params {
            params: Box::new(self.0.iter()),
            value: None,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    // A single value: the route's only parameter.
    forward_to_single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let (param, value) = self.single()?;
        value
            .deserialize_unit_struct(name, visitor)
            .map_err(|e| e.in_param(param))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let (param, value) = self.single()?;
        value
            .deserialize_enum(name, variants, visitor)
            .map_err(|e| e.in_param(param))
    }
}

impl<'de> ParamsDeserializer<'de> {
    fn single(&self) -> Result<(&'de str, Value<'de>), DeError> {
        let mut params = self.0.iter();
        match (params.next(), params.next()) {
            (Some((name, value)), None) => Ok((name, Value(value))),
            _ => Err(de::Error::custom(format_args!(
                "expected one route parameter, the route has {}",
                self.0.iter().count()
            ))),
        }
    }
}

/// The parameters as a map (name → value) or a sequence (values in route order).
struct Params<'de> {
    params: Box<dyn Iterator<Item = (&'de str, &'de str)> + 'de>,
    value: Option<(&'de str, &'de str)>,
}

impl<'de> de::MapAccess<'de> for Params<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((name, value)) = self.params.next() else {
            return Ok(None);
        };
        self.value = Some((name, value));
        seed.deserialize(BorrowedStrDeserializer::new(name))
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let Some((name, value)) = self.value.take() else {
            return Err(de::Error::custom("a value was asked for before its name"));
        };
        seed.deserialize(Value(value)).map_err(|e| e.in_param(name))
    }
}

impl<'de> de::SeqAccess<'de> for Params<'de> {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        let Some((name, value)) = self.params.next() else {
            return Ok(None);
        };
        seed.deserialize(Value(value))
            .map(Some)
            .map_err(|e| e.in_param(name))
    }
}

/// One parameter's value, parsed with `FromStr` into what the visitor wants.
struct Value<'de>(&'de str);

macro_rules! parse_value {
    ($($method:ident => $visit:ident,)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.0.parse() {
                Ok(value) => visitor.$visit(value),
                Err(error) => Err(de::Error::custom(error)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.0)
    }

    parse_value! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
        deserialize_char => visit_char,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let value = BorrowedStrDeserializer::<DeError>::new(self.0);
        de::Deserializer::deserialize_enum(value, name, variants, visitor)
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// What a type deserializes from, as far as `build()` can check it against a route.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A struct with these field names: each must be a parameter.
    Struct(&'static [&'static str]),
    /// A tuple of this many values: one per parameter.
    Tuple(usize),
    /// A single value: the route must have exactly one parameter.
    Single,
    /// A map, a sequence, or something only a request can tell.
    Any,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Shape {}

impl de::Error for Shape {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Shape::Any
    }
}

/// Learns `T`'s shape from the first `deserialize_*` call it makes: the recorder answers every
/// call with an error that carries the shape.
pub(crate) fn shape<T: de::DeserializeOwned>() -> Shape {
    match T::deserialize(Recorder) {
        Ok(_) => Shape::Any,
        Err(shape) => shape,
    }
}

struct Recorder;

macro_rules! record {
    ($shape:expr => $($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Shape> {
            Err($shape)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Recorder {
    type Error = Shape;

    record! { Shape::Any => deserialize_any deserialize_map deserialize_seq deserialize_ignored_any }
    record! { Shape::Single =>
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Shape> {
        Err(Shape::Single)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Shape> {
        Err(Shape::Single)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Shape> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, _: V) -> Result<V::Value, Shape> {
        Err(Shape::Tuple(len))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        _: V,
    ) -> Result<V::Value, Shape> {
        Err(Shape::Tuple(len))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Shape> {
        Err(Shape::Struct(fields))
    }
}
