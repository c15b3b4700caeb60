//! Basic types every other module shares: shared names, record fields, a fast deterministic
//! hash map, value comparison, JSON errors in plain words, and text made safe to show on a
//! terminal.
//!
//! This module sits at the bottom of the tree: it depends on no other module of the crate, so
//! anything may use it without tying modules into an import circle. It holds data types only,
//! no bundle or engine logic.

mod fields;
mod hash;
mod json;
mod printable;
mod value;

pub use fields::{FieldNames, Fields};
pub use hash::{FastHasher, FastMap, FastSet};
pub use json::json_problem;
pub use printable::{printable, printable_columns, printable_lines};
pub use value::{same, same_text};

use std::sync::Arc;

/// A shared name: a bundle id, a record id or type, an instance id. Cloning one is cheap, so
/// every action can carry the names it concerns without copying them.
pub type Name = Arc<str>;

/// A list of roles with their members, worked out once when a bundle compiles and shared by
/// every action that names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// The role ids, in the order written.
    pub names: Arc<[String]>,
    /// Who holds them: their members, sorted, without repeats (for roles whose members depend
    /// on the record, those they have for a record that names none of their values).
    pub members: Arc<[String]>,
    /// The roles whose members depend on the record (`members_by`): the field, the members
    /// per value, and the role's own members for other records; empty for most sets.
    pub by_field: Arc<[ByField]>,
    /// The members of the roles whose members do not depend on the record.
    pub fixed: Arc<[String]>,
}

/// A role whose members a record field picks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ByField {
    /// The field.
    pub field: String,
    /// Members per value of the field.
    pub members: std::collections::BTreeMap<String, Vec<String>>,
    /// The role's members for a record without one of those values.
    pub otherwise: Vec<String>,
}

impl Roles {
    /// Whether no role is named.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Who holds these roles for a record with `fields` (none: no record), sorted, without
    /// repeats. Sets without record-picked members answer with their one list, unchanged.
    pub fn members_for(&self, fields: Option<&Fields>) -> Arc<[String]> {
        let Some(fields) = fields.filter(|_| !self.by_field.is_empty()) else {
            return Arc::clone(&self.members);
        };
        let picked: Vec<&Vec<String>> = self
            .by_field
            .iter()
            .map(|by| {
                fields
                    .get(&by.field)
                    .and_then(|value| match value {
                        serde_json::Value::String(text) => by.members.get(text.as_str()),
                        other => by.members.get(other.to_string().as_str()),
                    })
                    .unwrap_or(&by.otherwise)
            })
            .collect();
        let mut members: Vec<String> = self.fixed.to_vec();
        members.extend(picked.into_iter().flatten().cloned());
        members.sort();
        members.dedup();
        members.into()
    }
}

/// Puts `item` in a freed slot of `list` (the last index of `free`), or at its end; returns its
/// index. Engines that release what they no longer need keep their lists as long as what is
/// live, not as long as everything they ever held.
pub fn place<T>(list: &mut Vec<T>, free: &mut Vec<u32>, item: T) -> u32 {
    if let Some(index) = free.pop()
        && let Some(slot) = list.get_mut(index as usize)
    {
        *slot = item;
        return index;
    }
    list.push(item);
    u32::try_from(list.len() - 1).unwrap_or(u32::MAX)
}
