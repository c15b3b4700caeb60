//! Id newtypes and the id-keyed map every section uses.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::Spanned;

/// Checks id syntax: a letter or digit, then letters, digits, `.`, `_` or `-`; at most 128 chars.
pub fn check_id(text: &str) -> Result<(), String> {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return Err("an id cannot be empty".into());
    };
    if !first.is_alphanumeric() {
        return Err(format!(
            "invalid id `{text}`: ids start with a letter or digit"
        ));
    }
    if let Some(bad) = chars.find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(format!(
            "invalid id `{text}`: `{bad}` is not allowed (use letters, digits, `.`, `_` and `-`)"
        ));
    }
    if text.chars().count() > 128 {
        return Err(format!("invalid id `{text}`: longer than 128 characters"));
    }
    Ok(())
}

/// The JSON Schema pattern ids follow.
pub const ID_PATTERN: &str = "^[A-Za-z0-9\\u00C0-\\uFFFF][A-Za-z0-9\\u00C0-\\uFFFF._-]*$";

macro_rules! id_type {
    ($( $name:ident, $doc:literal; )*) => {$(
        #[doc = $doc]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a string already known to be a valid id.
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                check_id(&text).map_err(|m| super::coded_error(crate::diagnostic::Code::InvalidId, m))?;
                Ok($name(text))
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": ID_PATTERN,
                    "description": $doc,
                })
            }

            fn inline_schema() -> bool {
                true
            }
        }
    )*};
}

id_type! {
    CalendarId, "The id of a calendar.";
    RoleId, "The id of a role.";
    ProcessId, "The id of a process.";
    StepId, "The id of a procedure or step within a process, e.g. `3.2`.";
    AgreementId, "The id of an agreement.";
    TargetId, "The id of a target within an agreement.";
    MatrixId, "The id of an escalation matrix.";
    TopicId, "The id of a topic within an escalation matrix.";
    KpiId, "The id of a KPI.";
    ReportId, "The id of a report.";
    ForumId, "The id of a forum.";
    RateCardId, "The id of a rate card.";
    RuleId, "The id of a record rule.";
    TestId, "The id of a behaviour test.";
}

/// A mapping keyed by id, in document order, each key with its span.
///
/// YAML already rejects duplicate keys, so keys are unique.
#[derive(Debug, Clone, PartialEq)]
pub struct IdMap<K, V> {
    entries: Vec<(Spanned<K>, V)>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Borrow<str>, V> IdMap<K, V> {
    /// The value under `id`.
    pub fn get(&self, id: &str) -> Option<&V> {
        self.entries
            .iter()
            .find(|(k, _)| k.value.borrow() == id)
            .map(|(_, v)| v)
    }

    /// The key (with span) and value under `id`.
    pub fn entry(&self, id: &str) -> Option<(&Spanned<K>, &V)> {
        self.entries
            .iter()
            .find(|(k, _)| k.value.borrow() == id)
            .map(|(k, v)| (k, v))
    }

    /// Whether `id` is present.
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Entries in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<K>, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Mutable entries in document order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Spanned<K>, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in document order.
    pub fn keys(&self) -> impl Iterator<Item = &Spanned<K>> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in document order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an entry at the end.
    pub fn push(&mut self, key: Spanned<K>, value: V) {
        self.entries.push((key, value));
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Spanned<K>, &V) -> bool) {
        self.entries.retain(|(k, v)| keep(k, v));
    }

    /// Rewrites every key.
    pub fn map_keys(self, mut f: impl FnMut(Spanned<K>) -> Spanned<K>) -> IdMap<K, V> {
        IdMap {
            entries: self.entries.into_iter().map(|(k, v)| (f(k), v)).collect(),
        }
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for IdMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(&k.value, v)?;
        }
        map.end()
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for IdMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = IdMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping keyed by id")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IdMap::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<K>>()? {
                    let value = map.next_value::<V>()?;
                    entries.push((key, value));
                }
                Ok(IdMap { entries })
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<K: JsonSchema, V: JsonSchema> JsonSchema for IdMap<K, V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("IdMap_{}_{}", K::schema_name(), V::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        let key = generator.subschema_for::<K>();
        json_schema!({
            "type": "object",
            "propertyNames": key,
            "additionalProperties": value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_allow_step_numbers_and_swedish_names() {
        assert!(check_id("3.2").is_ok());
        assert!(check_id("förvaltningsforum").is_ok());
        assert!(check_id("service-level-manager").is_ok());
        assert!(check_id("-x").is_err());
        assert!(check_id("a b").is_err());
        assert!(check_id("").is_err());
    }
}
