//! `Spanned<T>`: a model value together with where it was written.

use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::source::{FileId, Span};

/// The struct name the YAML deserializer recognises to hand out spans.
pub(crate) const NAME: &str = "$__slaflow_spanned";
/// Field carrying the file id.
pub(crate) const FILE: &str = "$__slaflow_file";
/// Field carrying the first byte.
pub(crate) const START: &str = "$__slaflow_start";
/// Field carrying one past the last byte.
pub(crate) const END: &str = "$__slaflow_end";
/// Field carrying the value itself.
pub(crate) const VALUE: &str = "$__slaflow_value";
/// All fields, in the order the deserializer yields them.
pub(crate) const FIELDS: &[&str] = &[FILE, START, END, VALUE];

/// A value and the span of the YAML node it was read from.
///
/// Only the bundle loader can produce spans; other deserializers (JSON) cannot read a `Spanned`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with a span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }

    /// A value with no source location (built-in defaults).
    pub fn builtin(value: T) -> Spanned<T> {
        Spanned {
            value,
            span: Span::BUILTIN,
        }
    }

    /// The value.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// Maps the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: serde::Serialize> serde::Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(NAME, FIELDS, SpannedVisitor(PhantomData))
    }
}

struct SpannedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
    type Value = Spanned<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value read by the bundle loader")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut file = None;
        let mut start = None;
        let mut end = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::File => file = Some(map.next_value::<u32>()?),
                Field::Start => start = Some(map.next_value::<u32>()?),
                Field::End => end = Some(map.next_value::<u32>()?),
                Field::Value => {
                    let value = map.next_value::<T>()?;
                    let span = Span {
                        file: FileId(file.unwrap_or(FileId::BUILTIN.0)),
                        start: start.unwrap_or(0),
                        end: end.unwrap_or(0),
                    };
                    return Ok(Spanned { value, span });
                }
            }
        }
        Err(de::Error::missing_field(VALUE))
    }
}

/// The fields of the span protocol, read without allocating.
enum Field {
    File,
    Start,
    End,
    Value,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span field")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                match v {
                    FILE => Ok(Field::File),
                    START => Ok(Field::Start),
                    END => Ok(Field::End),
                    VALUE => Ok(Field::Value),
                    other => Err(de::Error::unknown_field(other, FIELDS)),
                }
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}
