//! A serde `Deserializer` over the spanned node tree.
//!
//! Model types derive `Deserialize`; this module feeds them from [`Node`]s, hands out spans to
//! [`Spanned`](crate::model::Spanned) fields, and turns every serde error into a diagnostic at the
//! innermost node that caused it. It resolves plain scalars lazily: the same `1.10` is the text
//! "1.10" for a string field and the number 1.1 for a float field.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::yaml::{Node, Style, Value};
use crate::diagnostic::{Code, Diagnostic, fuzzy};
use crate::model::{self, spanned, text_or};
use crate::source::Span;

/// A deserialization failure, located at the innermost node that caused it.
#[derive(Debug, Clone)]
pub struct Error {
    code: Code,
    message: String,
    help: Option<String>,
    span: Option<Span>,
}

impl Error {
    fn at(mut self, span: Span) -> Error {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    /// Turns the error into a diagnostic; `fallback` is used if no node claimed it.
    pub fn into_diagnostic(self, fallback: Span) -> Diagnostic {
        Diagnostic::new(self.code, self.span.unwrap_or(fallback), self.message)
            .with_help_opt(self.help)
    }

    fn new(code: Code, message: String) -> Error {
        Error {
            code,
            message,
            help: None,
            span: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        let text = msg.to_string();
        let coded = text
            .strip_prefix(model::CODE_MARK)
            .and_then(|rest| rest.split_once(model::CODE_MARK))
            .and_then(|(code, message)| Some((Code::parse(code)?, message)));
        match coded {
            Some((code, message)) => Error::new(code, message.to_string()),
            None => Error::new(Code::InvalidValue, text),
        }
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Error {
        Error::new(
            Code::InvalidType,
            format!("expected {expected}, found {}", describe(&unexpected)),
        )
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Error {
        Error::new(
            Code::InvalidValue,
            format!(
                "invalid value {}, expected {expected}",
                describe(&unexpected)
            ),
        )
    }

    fn invalid_length(len: usize, expected: &dyn de::Expected) -> Error {
        Error::new(
            Code::InvalidType,
            format!("expected {expected}, found {len} items"),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Error {
        let mut error = Error::new(Code::InvalidValue, format!("unknown value `{variant}`"));
        error.help = Some(
            fuzzy::did_you_mean(variant, expected.iter().copied())
                .unwrap_or_else(|| format!("expected one of {}", list(expected))),
        );
        error
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Error {
        let mut error = Error::new(Code::UnknownField, format!("unknown field `{field}`"));
        error.help = Some(
            fuzzy::did_you_mean(field, expected.iter().copied())
                .unwrap_or_else(|| format!("expected one of {}", list(expected))),
        );
        error
    }

    fn missing_field(field: &'static str) -> Error {
        Error::new(Code::MissingField, format!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Error {
        Error::new(Code::DuplicateKey, format!("duplicate field `{field}`"))
    }
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        return "nothing here".into();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(unexpected: &de::Unexpected<'_>) -> String {
    match unexpected {
        de::Unexpected::Str(s) => format!("`{s}`"),
        de::Unexpected::Map => "a mapping".into(),
        de::Unexpected::Seq => "a list".into(),
        de::Unexpected::Unit | de::Unexpected::Option => "an empty value".into(),
        de::Unexpected::Bool(b) => format!("`{b}`"),
        de::Unexpected::Signed(i) => format!("`{i}`"),
        de::Unexpected::Unsigned(u) => format!("`{u}`"),
        de::Unexpected::Float(f) => format!("`{f}`"),
        other => other.to_string(),
    }
}

/// Deserializes a `T` from a node.
pub fn from_node<'a, T: de::Deserialize<'a>>(node: &'a Node) -> Result<T, Error> {
    T::deserialize(NodeDeserializer { node }).map_err(|e| e.at(node.span))
}

/// A deserializer reading one node.
#[derive(Clone, Copy)]
pub struct NodeDeserializer<'a> {
    node: &'a Node,
}

impl<'a> NodeDeserializer<'a> {
    /// A deserializer for `node`.
    pub fn new(node: &'a Node) -> NodeDeserializer<'a> {
        NodeDeserializer { node }
    }

    fn scalar(&self) -> Option<(&'a str, Style)> {
        match &self.node.value {
            Value::Scalar(text, style) => Some((text.as_str(), *style)),
            _ => None,
        }
    }

    fn unexpected(&self) -> de::Unexpected<'a> {
        match &self.node.value {
            Value::Null => de::Unexpected::Unit,
            Value::Scalar(text, _) => de::Unexpected::Str(text),
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
        }
    }

    fn wrong<V>(&self, expected: &dyn de::Expected) -> Result<V, Error> {
        Err(de::Error::invalid_type(self.unexpected(), expected))
    }

    fn spanned<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(SpannedAccess {
            node: self.node,
            field: 0,
        })
    }
}

macro_rules! number {
    ($method:ident, $visit:ident, $ty:ty, $what:literal) => {
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
            let result = match self.scalar() {
                Some((text, _)) => match parse_number::<$ty>(text) {
                    Some(n) => visitor.$visit(n),
                    None => Err(Error::new(
                        Code::InvalidType,
                        format!("expected {}, found `{}`", $what, text),
                    )),
                },
                None => self.wrong(&$what),
            };
            result.map_err(|e| e.at(self.node.span))
        }
    };
}

fn parse_number<T: std::str::FromStr>(text: &str) -> Option<T> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    cleaned.strip_prefix('+').unwrap_or(&cleaned).parse().ok()
}

/// Whether a plain scalar is written as a whole number: digits, with an optional sign.
fn is_whole_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn plain_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

impl<'a> Deserializer<'a> for NodeDeserializer<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        let span = self.node.span;
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Scalar(text, Style::Plain) => {
                if let Some(b) = plain_bool(text) {
                    visitor.visit_bool(b)
                } else if let Ok(i) = text.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(u) = text.parse::<u64>() {
                    visitor.visit_u64(u)
                } else if is_whole_number(text) {
                    // Read as a float it would compare equal to its neighbours (and, parsed
                    // apart from the JSON number, not even to itself).
                    let mut error = Error::new(
                        Code::InvalidValue,
                        format!("whole number `{text}` is too large to compare exactly"),
                    );
                    error.help = Some(format!(
                        "whole numbers compare exactly from {} to {}; quote it to compare text, or write it with an exponent (`1.5e38`) to compare it as a floating point number",
                        i64::MIN,
                        u64::MAX
                    ));
                    Err(error)
                } else if let Some(f) = text
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && text.chars().any(|c| c.is_ascii_digit()))
                {
                    visitor.visit_f64(f)
                } else {
                    visitor.visit_str(text)
                }
            }
            Value::Scalar(text, _) => visitor.visit_str(text),
            Value::Seq(items) => visitor.visit_seq(SeqDeserializer {
                items: items.iter(),
            }),
            Value::Map(entries) => visitor.visit_map(MapDeserializer {
                entries: entries.iter(),
                value: None,
            }),
        };
        result.map_err(|e| e.at(span))
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.scalar() {
            Some((text, _)) => match plain_bool(text) {
                Some(b) => visitor.visit_bool(b),
                None => Err(Error::new(
                    Code::InvalidType,
                    format!("expected `true` or `false`, found `{text}`"),
                )),
            },
            None => self.wrong(&"`true` or `false`"),
        };
        result.map_err(|e| e.at(self.node.span))
    }

    number!(deserialize_i8, visit_i8, i8, "a whole number");
    number!(deserialize_i16, visit_i16, i16, "a whole number");
    number!(deserialize_i32, visit_i32, i32, "a whole number");
    number!(deserialize_i64, visit_i64, i64, "a whole number");
    number!(deserialize_u8, visit_u8, u8, "a whole number of at least 0");
    number!(
        deserialize_u16,
        visit_u16,
        u16,
        "a whole number of at least 0"
    );
    number!(
        deserialize_u32,
        visit_u32,
        u32,
        "a whole number of at least 0"
    );
    number!(
        deserialize_u64,
        visit_u64,
        u64,
        "a whole number of at least 0"
    );
    number!(deserialize_f32, visit_f32, f32, "a number");
    number!(deserialize_f64, visit_f64, f64, "a number");

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.scalar() {
            Some((text, _)) => visitor.visit_borrowed_str(text),
            None => self.wrong(&"text"),
        };
        result.map_err(|e| e.at(self.node.span))
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_unit(),
            _ => self.wrong(&"an empty value"),
        }
        .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) => visitor.visit_seq(SeqDeserializer {
                items: items.iter(),
            }),
            Value::Null => visitor.visit_seq(SeqDeserializer { items: [].iter() }),
            _ => self.wrong(&"a list"),
        }
        .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(entries) => visitor.visit_map(MapDeserializer {
                entries: entries.iter(),
                value: None,
            }),
            Value::Null => visitor.visit_map(MapDeserializer {
                entries: [].iter(),
                value: None,
            }),
            _ => self.wrong(&"a mapping"),
        }
        .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == spanned::NAME {
            return self.spanned(visitor);
        }
        if name == text_or::NAME {
            // Text stays raw text (`3.10` is not the number 3.1); lists and mappings go on.
            return match self.scalar() {
                Some((text, _)) => visitor.visit_borrowed_str(text),
                None => self.deserialize_any(visitor),
            }
            .map_err(|e| e.at(self.node.span));
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let span = self.node.span;
        match &self.node.value {
            Value::Scalar(..) => visitor.visit_enum(UnitVariant { node: self.node }),
            Value::Map(entries) if entries.len() == 1 => match entries.first() {
                Some((key, value)) => visitor.visit_enum(TaggedVariant { key, value }),
                None => self.wrong(&"a choice"),
            },
            _ => self.wrong(&"one of the listed values"),
        }
        .map_err(|e| e.at(span))
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct SeqDeserializer<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'a> SeqAccess<'a> for SeqDeserializer<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(node) => seed
                .deserialize(NodeDeserializer { node })
                .map(Some)
                .map_err(|e| e.at(node.span)),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDeserializer<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a Node>,
}

impl<'a> MapAccess<'a> for MapDeserializer<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(NodeDeserializer { node: key })
                    .map(Some)
                    .map_err(|e| e.at(key.span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(node) => seed
                .deserialize(NodeDeserializer { node })
                .map_err(|e| e.at(node.span)),
            None => Err(Error::new(
                Code::InvalidType,
                "value requested before key".into(),
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// Yields the file, start, end and value fields of a `Spanned<T>`.
struct SpannedAccess<'a> {
    node: &'a Node,
    field: usize,
}

impl<'a> MapAccess<'a> for SpannedAccess<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match spanned::FIELDS.get(self.field) {
            Some(name) => seed.deserialize((*name).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let span = self.node.span;
        let field = self.field;
        self.field += 1;
        match field {
            0 => seed.deserialize(span.file.0.into_deserializer()),
            1 => seed.deserialize(span.start.into_deserializer()),
            2 => seed.deserialize(span.end.into_deserializer()),
            _ => seed.deserialize(NodeDeserializer { node: self.node }),
        }
    }
}

struct UnitVariant<'a> {
    node: &'a Node,
}

impl<'a> EnumAccess<'a> for UnitVariant<'a> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'a>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let value = seed.deserialize(NodeDeserializer { node: self.node })?;
        Ok((value, self))
    }
}

impl<'a> VariantAccess<'a> for UnitVariant<'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(Error::new(
            Code::InvalidType,
            "this choice needs a value; write it as `choice: value`".into(),
        ))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::new(
            Code::InvalidType,
            "this choice needs a list of values".into(),
        ))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(Error::new(
            Code::InvalidType,
            "this choice needs fields; write it as a mapping".into(),
        ))
    }
}

struct TaggedVariant<'a> {
    key: &'a Node,
    value: &'a Node,
}

impl<'a> EnumAccess<'a> for TaggedVariant<'a> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'a>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let value = seed
            .deserialize(NodeDeserializer { node: self.key })
            .map_err(|e| e.at(self.key.span))?;
        Ok((value, self))
    }
}

impl<'a> VariantAccess<'a> for TaggedVariant<'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value.value {
            Value::Null => Ok(()),
            _ => Err(
                Error::new(Code::InvalidType, "this choice takes no value".into())
                    .at(self.value.span),
            ),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(NodeDeserializer { node: self.value })
            .map_err(|e| e.at(self.value.span))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        NodeDeserializer { node: self.value }.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        NodeDeserializer { node: self.value }.deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostics;
    use crate::load::yaml::{Limits, parse};
    use crate::model::Spanned;
    use crate::source::FileId;
    use serde::Deserialize;

    fn node(text: &str) -> Node {
        let mut diags = Diagnostics::new();
        let node = parse(FileId(0), text, Limits::default(), &mut diags).unwrap();
        assert!(diags.is_empty());
        node
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Step {
        name: Spanned<String>,
        due: Option<f64>,
        #[serde(default)]
        tags: Vec<Spanned<String>>,
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Task,
        Decision,
    }

    #[test]
    fn spans_survive_nesting() {
        let n = node("name: Assess\ndue: 1.10\ntags: [a, 'b']\nkind: decision\n");
        let step: Step = from_node(&n).unwrap();
        assert_eq!(step.name.value, "Assess");
        assert_eq!((step.name.span.start, step.name.span.end), (6, 12));
        assert_eq!(step.due, Some(1.1));
        assert_eq!(step.tags[1].span.start, 33);
        assert_eq!(step.kind, Some(Kind::Decision));
    }

    #[test]
    fn unknown_field_points_at_key_with_suggestion() {
        let n = node("name: x\ndeu: 3\n");
        let err = from_node::<Step>(&n).unwrap_err().into_diagnostic(n.span);
        assert_eq!(err.code, Code::UnknownField);
        assert_eq!(err.span.start, 8);
        assert_eq!(err.help.as_deref(), Some("did you mean `due`?"));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let n = node("name: x\ndue: soon\n");
        let err = from_node::<Step>(&n).unwrap_err().into_diagnostic(n.span);
        assert_eq!(err.code, Code::InvalidType);
        assert_eq!(err.span.start, 13);
        assert_eq!(err.message, "expected a number, found `soon`");
    }

    #[test]
    fn unknown_variant_lists_choices() {
        let n = node("name: x\nkind: fork\n");
        let err = from_node::<Step>(&n).unwrap_err().into_diagnostic(n.span);
        assert_eq!(err.code, Code::InvalidValue);
        assert_eq!(err.span.start, 14);
        assert_eq!(
            err.help.as_deref(),
            Some("expected one of `task`, `decision`")
        );
    }

    #[test]
    fn missing_field_points_at_mapping() {
        let n = node("a:\n  due: 3\n");
        let inner = n.get("a").unwrap();
        let err = from_node::<Step>(inner)
            .unwrap_err()
            .into_diagnostic(n.span);
        assert_eq!(err.code, Code::MissingField);
        assert_eq!(err.span.start, inner.span.start);
    }
}
