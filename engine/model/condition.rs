//! Conditions over records, rhai scripts and actions: the pieces agreements, escalation matrices
//! and record rules share.

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{IdMap, MatrixId, RoleId, Spanned, TopicId};

/// A rhai expression, compiled once when the bundle loads.
///
/// The variables it may use depend on where it is written; see `docs/scripting.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Script(pub Spanned<String>);

impl Script {
    /// The source text.
    pub fn text(&self) -> &str {
        &self.0.value
    }
}

impl JsonSchema for Script {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Script".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A rhai expression that evaluates to true or false. Records are read through `record.<field>` (or `record[\"field name\"]`).",
        })
    }
}

/// One value or a list of values; `event: resolved` and `event: [resolved, closed]` both work.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> OneOrMany<T> {
    /// The values.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(de::value::StrDeserializer::<E>::new(text))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }
        deserializer.deserialize_struct(
            super::text_or::NAME,
            &[],
            SeqOrText(V(std::marker::PhantomData)),
        )
    }
}

/// Adapts a visitor so that a mapping (what `text_or::NAME` falls back to) is refused clearly.
struct SeqOrText<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for SeqOrText<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        self.0.visit_str(text)
    }
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        self.0.visit_str(text)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _map: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Map,
            &"a value or a list of values",
        ))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<T>();
        json_schema!({ "anyOf": [one.clone(), { "type": "array", "items": one }] })
    }
}

/// A value a record field is compared with; a list matches any of its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldMatch(pub serde_json::Value);

impl JsonSchema for FieldMatch {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FieldMatch".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The value the field must have; a list matches any of its items.",
            "anyOf": [
                { "type": ["string", "number", "boolean", "null"] },
                { "type": "array", "items": { "type": ["string", "number", "boolean", "null"] } }
            ]
        })
    }
}

/// A condition over a record change. Every part that is given must hold.
///
/// `event` holds only for the change that carries that event name; `fields`, `assigned` and
/// `when` look at the record's state after the change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Condition {
    /// The event name of the change, or a list of names any of which will do (`created`, `responded`, `resolved`, ...).
    #[serde(default)]
    pub event: Option<Spanned<OneOrMany<String>>>,
    /// Record fields and the values they must have, e.g. `{status: on_hold}`; a list of values matches any of them.
    #[serde(default)]
    pub fields: IdMap<String, FieldMatch>,
    /// `true`: the record is assigned to the agreement's provider group (its `assignment_field` equals the provider's `group`); `false`: it is not.
    #[serde(default)]
    pub assigned: Option<bool>,
    /// A rhai expression that must be true.
    #[serde(default)]
    pub when: Option<Script>,
    /// Alternatives: at least one of these conditions must hold too (an OR), e.g.
    /// `any: [{assigned: false}, {event: resolved}]`.
    #[serde(default)]
    pub any: Vec<Spanned<Condition>>,
}

impl Condition {
    /// Whether the condition tests nothing at all.
    pub fn is_empty(&self) -> bool {
        self.event.as_ref().is_none_or(|e| e.value.0.is_empty())
            && self.fields.is_empty()
            && self.assigned.is_none()
            && self.when.is_none()
            && self.any.is_empty()
    }

    /// Every script of the condition, its alternatives included.
    pub fn scripts(&self) -> Vec<&Script> {
        let mut out: Vec<&Script> = self.when.iter().collect();
        for alternative in &self.any {
            out.extend(alternative.value.scripts());
        }
        out
    }

    /// The event names, if the condition names any.
    pub fn events(&self) -> impl Iterator<Item = &str> {
        self.event
            .iter()
            .flat_map(|e| e.value.iter().map(String::as_str))
    }
}

/// Something the engine does when a milestone, breach, rule or escalation fires.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Action {
    /// Roles whose members are notified.
    #[serde(default)]
    pub notify: Vec<Spanned<RoleId>>,
    /// An escalation matrix to raise.
    #[serde(default)]
    pub escalate: Option<Spanned<MatrixId>>,
    /// The topic of `escalate` to raise; defaults to the matrix's first topic.
    #[serde(default)]
    pub topic: Option<Spanned<TopicId>>,
    /// The message sent with the notification or escalation.
    #[serde(default)]
    pub message: Option<String>,
}
