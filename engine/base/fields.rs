//! A record's fields: each name once with its value, kept in place.
//!
//! Records have a handful of fields and the engine reads them on every change, so they are
//! kept together (in the record's allocation, no tree to walk) and their names are shared
//! between records (see [`FieldNames`]), which keeps a record small and its lookups in cache.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::{FastHasher, Name, same_text};

/// Fields kept inside the record's own allocation; more go to a vector beside them.
const INLINE: usize = 6;

/// A record's fields, in the order they first appeared. Serialized as a JSON object with its
/// keys sorted.
///
/// The first [`INLINE`] fields are held in place (filled from the front, without gaps), so a
/// record behind an `Arc` is one allocation, read in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    inline: [Option<(Name, Value)>; INLINE],
    more: Vec<(Name, Value)>,
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// No fields yet, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Fields {
        Fields {
            more: Vec::with_capacity(capacity.saturating_sub(INLINE)),
            ..Fields::default()
        }
    }

    fn entries(&self) -> impl Iterator<Item = &(Name, Value)> {
        self.inline
            .iter()
            .map_while(Option::as_ref)
            .chain(self.more.iter())
    }

    fn entries_mut(&mut self) -> impl Iterator<Item = &mut (Name, Value)> {
        self.inline
            .iter_mut()
            .map_while(Option::as_mut)
            .chain(self.more.iter_mut())
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.entries().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inline.first().is_none_or(Option::is_none)
    }

    /// A field's value. A name shared through [`FieldNames`] is found by its address first.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let same_name = |n: &Name| std::ptr::eq(n.as_ptr(), name.as_ptr()) && n.len() == name.len();
        self.entries()
            .find(|(n, _)| same_name(n))
            .or_else(|| self.entries().find(|(n, _)| same_text(n, name)))
            .map(|(_, v)| v)
    }

    /// A field's value, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.entries_mut()
            .find(|(n, _)| same_text(n, name))
            .map(|(_, v)| v)
    }

    /// Sets a field; returns its previous value.
    pub fn insert(&mut self, name: Name, value: Value) -> Option<Value> {
        if let Some(slot) = self.get_mut(&name) {
            return Some(std::mem::replace(slot, value));
        }
        match self.inline.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some((name, value)),
            None => {
                // Records rarely gain fields after their first event: grow by one.
                self.more.reserve_exact(1);
                self.more.push((name, value));
            }
        }
        None
    }

    /// Removes a field; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let position = self.entries().position(|(n, _)| same_text(n, name))?;
        let mut all: Vec<(Name, Value)> = self
            .inline
            .iter_mut()
            .map_while(Option::take)
            .chain(self.more.drain(..))
            .collect();
        let (_, value) = all.remove(position);
        for (name, value) in all {
            self.insert(name, value);
        }
        Some(value)
    }

    /// The fields, in the order they first appeared.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries().map(|(n, v)| (&**n, v))
    }

    /// The field names, in the order they first appeared.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries().map(|(n, _)| &**n)
    }
}

impl From<serde_json::Map<String, Value>> for Fields {
    fn from(map: serde_json::Map<String, Value>) -> Fields {
        let mut fields = Fields::with_capacity(map.len());
        for (name, value) in map {
            fields.insert(Name::from(name), value);
        }
        fields
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&(Name, Value)> = self.entries().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut map = serializer.serialize_map(Some(sorted.len()))?;
        for (name, value) in sorted {
            map.serialize_entry(&**name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Fields, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of record fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Fields::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    fields.insert(Name::from(name), value);
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// Field names seen so far, so the records that have a field share its name.
#[derive(Debug, Clone, Default)]
pub struct FieldNames {
    known: HashSet<Name, BuildHasherDefault<FastHasher>>,
}

impl FieldNames {
    /// The shared name for `name`.
    pub fn get(&mut self, name: &str) -> Name {
        if let Some(known) = self.known.get(name) {
            return Name::clone(known);
        }
        let new = Name::from(name);
        self.known.insert(Name::clone(&new));
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_set_replace_remove_and_serialize_sorted() {
        let mut names = FieldNames::default();
        let mut fields = Fields::new();
        assert_eq!(fields.insert(names.get("status"), json!("new")), None);
        assert_eq!(fields.insert(names.get("vip"), json!(true)), None);
        assert_eq!(
            fields.insert(names.get("status"), json!("open")),
            Some(json!("new"))
        );
        assert_eq!(fields.get("status"), Some(&json!("open")));
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["status", "vip"]);
        let text = serde_json::to_string(&fields).unwrap();
        assert_eq!(text, r#"{"status":"open","vip":true}"#);
        let back: Fields = serde_json::from_str(r#"{"vip":true,"status":"open"}"#).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
        assert_eq!(fields.remove("vip"), Some(json!(true)));
        assert_eq!(fields.len(), 1);
        // Beyond the fields kept in place, and removing from the middle keeps the order.
        for i in 0..9 {
            fields.insert(names.get(&format!("f{i}")), json!(i));
        }
        assert_eq!(fields.len(), 10);
        assert_eq!(fields.get("f8"), Some(&json!(8)));
        assert_eq!(fields.remove("f2"), Some(json!(2)));
        let keys: Vec<&str> = fields.keys().collect();
        assert_eq!(
            keys,
            ["status", "f0", "f1", "f3", "f4", "f5", "f6", "f7", "f8"]
        );
        assert!(!fields.is_empty() && Fields::new().is_empty());
        assert!(Name::ptr_eq(&names.get("status"), &names.get("status")));
    }
}
