//! A record's fields: each name once with its value, kept in place.
//!
//! Records have a handful of fields and the engine reads them on every change, so they are
//! kept together (in the record's allocation, no tree to walk) and their names are shared
//! between records (see [`SharedNames`]), which keeps a record small and its lookups in cache.
//! A record with many fields (an event may bring a hundred thousand) also gets an index of
//! them by name, so that merging fields into it stays linear.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::{FastHasher, Name, same_text};

/// Fields kept inside the record's own allocation; more go to a vector beside them.
const INLINE: usize = 6;

/// Fields beyond [`INLINE`] up to which a scan finds a name faster than an index.
const SCAN: usize = 32;

/// A record's fields, in the order they first appeared. Serialized as a JSON object with its
/// keys sorted.
///
/// The first [`INLINE`] fields are held in place (filled from the front, without gaps), so a
/// record behind an `Arc` is one allocation, read in one go.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    inline: [Option<(Name, Value)>; INLINE],
    more: Option<Box<More>>,
}

/// The fields beyond those held in place, with an index by name once they are many.
#[derive(Debug, Clone, Default)]
struct More {
    list: Vec<(Name, Value)>,
    /// Position in `list` by name, beyond [`SCAN`] fields. Names come from input, so the
    /// index uses the standard (randomly keyed) hasher: chosen names cannot make it slow.
    index: Option<HashMap<Name, usize>>,
}

/// The same fields with the same values in the same order (however they are stored).
impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.entries().eq(other.entries())
    }
}

impl More {
    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self.list.iter().position(|(n, _)| same_text(n, name)),
        }
    }

    fn push(&mut self, name: Name, value: Value) {
        match &mut self.index {
            Some(index) => {
                index.insert(Name::clone(&name), self.list.len());
            }
            None if self.list.len() >= SCAN => {
                let mut index: HashMap<Name, usize> = self
                    .list
                    .iter()
                    .enumerate()
                    .map(|(i, (n, _))| (Name::clone(n), i))
                    .collect();
                index.insert(Name::clone(&name), self.list.len());
                self.index = Some(index);
            }
            None => {}
        }
        self.list.push((name, value));
    }
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// No fields yet, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Fields {
        let beyond = capacity.saturating_sub(INLINE);
        Fields {
            more: (beyond > 0).then(|| {
                Box::new(More {
                    list: Vec::with_capacity(beyond),
                    index: None,
                })
            }),
            ..Fields::default()
        }
    }

    fn more_list(&self) -> &[(Name, Value)] {
        self.more.as_ref().map_or(&[], |more| more.list.as_slice())
    }

    fn entries(&self) -> impl Iterator<Item = &(Name, Value)> {
        self.inline
            .iter()
            .map_while(Option::as_ref)
            .chain(self.more_list().iter())
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.inline.iter().map_while(Option::as_ref).count() + self.more_list().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inline.first().is_none_or(Option::is_none)
    }

    /// A field's value. A name shared through [`SharedNames`] is found by its address first.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let same_name = |n: &Name| std::ptr::eq(n.as_ptr(), name.as_ptr()) && n.len() == name.len();
        if let Some(more) = self.more.as_ref().filter(|more| more.index.is_some()) {
            let inline = self.inline.iter().map_while(Option::as_ref);
            return inline
                .clone()
                .find(|(n, _)| same_name(n))
                .or_else(|| inline.clone().find(|(n, _)| same_text(n, name)))
                .map(|(_, v)| v)
                .or_else(|| more.list.get(more.position(name)?).map(|(_, v)| v));
        }
        self.entries()
            .find(|(n, _)| same_name(n))
            .or_else(|| self.entries().find(|(n, _)| same_text(n, name)))
            .map(|(_, v)| v)
    }

    /// A field's value, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        let inline = self
            .inline
            .iter()
            .map_while(Option::as_ref)
            .position(|(n, _)| same_text(n, name));
        if let Some(i) = inline {
            return self.inline.get_mut(i)?.as_mut().map(|(_, v)| v);
        }
        let more = self.more.as_mut()?;
        let i = more.position(name)?;
        more.list.get_mut(i).map(|(_, v)| v)
    }

    /// Sets a field; returns its previous value.
    pub fn insert(&mut self, name: Name, value: Value) -> Option<Value> {
        if let Some(slot) = self.get_mut(&name) {
            return Some(std::mem::replace(slot, value));
        }
        match self.inline.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some((name, value)),
            None => {
                let more = self.more.get_or_insert_with(Box::default);
                // Records rarely gain fields after their first event: grow by one.
                if more.list.len() < SCAN {
                    more.list.reserve_exact(1);
                }
                more.push(name, value);
            }
        }
        None
    }

    /// Removes a field; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let position = self.entries().position(|(n, _)| same_text(n, name))?;
        let mut all: Vec<(Name, Value)> = self.inline.iter_mut().map_while(Option::take).collect();
        all.extend(self.more.take().map_or_else(Vec::new, |more| more.list));
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

    /// The fields with their shared names, in the order they first appeared.
    pub fn shared(&self) -> impl Iterator<Item = (&Name, &Value)> {
        self.entries().map(|(n, v)| (n, v))
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

/// Names seen so far (field names, record types), each kept once, so everything that has one
/// shares it: records are smaller, and lookups find a shared name by its address. Found by hash,
/// so a feed of ever new names costs the same per name.
#[derive(Debug, Clone, Default)]
pub struct SharedNames {
    known: HashSet<Name, BuildHasherDefault<FastHasher>>,
}

impl SharedNames {
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
        let mut names = SharedNames::default();
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
        // Beyond the scan, with an index: the same answers.
        for i in 0..100 {
            fields.insert(format!("g{i}").into(), json!(i));
        }
        assert_eq!(fields.len(), 109);
        assert_eq!(fields.get("g77"), Some(&json!(77)));
        assert_eq!(fields.get("f1"), Some(&json!(1)));
        assert_eq!(fields.insert("g5".into(), json!("five")), Some(json!(5)));
        *fields.get_mut("g99").unwrap() = json!(null);
        assert_eq!(fields.get("g99"), Some(&json!(null)));
        assert_eq!(fields.remove("g0"), Some(json!(0)));
        assert_eq!(fields.get("g1"), Some(&json!(1)));
        assert_eq!(fields.get("g0"), None);
        assert_eq!(fields.len(), 108);
        assert!(!fields.is_empty() && Fields::new().is_empty());
        assert!(Name::ptr_eq(&names.get("status"), &names.get("status")));
    }
}
