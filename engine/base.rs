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

pub use fields::{Fields, SharedNames};
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
    /// With exactly one role whose members depend on the record (the usual case), the whole
    /// answer per value of its field, and for records without one of those values, worked out
    /// once: a notice then shares its list instead of building and sorting one.
    pub picked: Option<Arc<Picked>>,
}

/// The members of a set of roles per value of the one field that picks some of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picked {
    /// The members for each value, the fixed members included, sorted, without repeats.
    pub by_value: std::collections::BTreeMap<String, Arc<[String]>>,
    /// The members for any other value, or none.
    pub otherwise: Arc<[String]>,
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

    /// A set of roles: their ids in the order written, all their members, the members of
    /// those whose members do not depend on the record, and the roles whose members do.
    pub fn new(
        names: Vec<String>,
        members: Vec<String>,
        fixed: Vec<String>,
        by_field: Vec<ByField>,
    ) -> Roles {
        let fixed = sorted(fixed);
        let picked = match by_field.as_slice() {
            [by] => {
                let with_fixed =
                    |list: &[String]| sorted(fixed.iter().chain(list).cloned().collect());
                Some(Arc::new(Picked {
                    by_value: by
                        .members
                        .iter()
                        .map(|(value, list)| (value.clone(), with_fixed(list)))
                        .collect(),
                    otherwise: with_fixed(&by.otherwise),
                }))
            }
            _ => None,
        };
        Roles {
            names: names.into(),
            members: sorted(members),
            fixed,
            by_field: by_field.into(),
            picked,
        }
    }

    /// Who holds these roles for a record with `fields` (none: no record), sorted, without
    /// repeats. Sets without record-picked members answer with their one list, unchanged.
    pub fn members_for(&self, fields: Option<&Fields>) -> Arc<[String]> {
        let Some(fields) = fields.filter(|_| !self.by_field.is_empty()) else {
            return Arc::clone(&self.members);
        };
        let value_of = |by: &ByField| -> Option<std::borrow::Cow<'_, str>> {
            fields.get(&by.field).map(|value| match value {
                serde_json::Value::String(text) => text.as_str().into(),
                other => other.to_string().into(),
            })
        };
        if let (Some(picked), [by]) = (&self.picked, &*self.by_field) {
            let list = value_of(by).and_then(|value| picked.by_value.get(&*value));
            return Arc::clone(list.unwrap_or(&picked.otherwise));
        }
        let picked: Vec<&Vec<String>> = self
            .by_field
            .iter()
            .map(|by| {
                value_of(by)
                    .and_then(|value| by.members.get(&*value))
                    .unwrap_or(&by.otherwise)
            })
            .collect();
        let mut members: Vec<String> = self.fixed.to_vec();
        members.extend(picked.into_iter().flatten().cloned());
        sorted(members)
    }
}

/// The members sorted, without repeats.
fn sorted(mut members: Vec<String>) -> Arc<[String]> {
    members.sort();
    members.dedup();
    members.into()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn by(field: &str, values: &[(&str, &[&str])], otherwise: &[&str]) -> ByField {
        ByField {
            field: field.into(),
            members: values
                .iter()
                .map(|(value, members)| (value.to_string(), strings(members)))
                .collect(),
            otherwise: strings(otherwise),
        }
    }

    fn record(pairs: &[(&str, serde_json::Value)]) -> Fields {
        let mut fields = Fields::new();
        for (name, value) in pairs {
            fields.insert(Name::from(*name), value.clone());
        }
        fields
    }

    #[test]
    fn a_record_field_picks_members_with_the_fixed_ones_sorted_once() {
        let owners = by(
            "service",
            &[("e-mail", &["mail-owner"]), ("2", &["two-owner"])],
            &["mail-owner", "desk-owner"],
        );
        let roles = Roles::new(
            strings(&["lead", "owners"]),
            strings(&["z-lead", "mail-owner", "desk-owner"]),
            strings(&["z-lead", "a-lead"]),
            vec![owners],
        );
        let members = |fields: Option<&Fields>| roles.members_for(fields).to_vec();
        let mail = record(&[("service", json!("e-mail"))]);
        assert_eq!(members(Some(&mail)), ["a-lead", "mail-owner", "z-lead"]);
        // A value that is not text is looked up as written.
        let two = record(&[("service", json!(2))]);
        assert_eq!(members(Some(&two)), ["a-lead", "two-owner", "z-lead"]);
        let other = record(&[("service", json!("unknown"))]);
        let all = ["a-lead", "desk-owner", "mail-owner", "z-lead"];
        assert_eq!(members(Some(&other)), all);
        assert_eq!(members(Some(&record(&[]))), all);
        assert_eq!(members(None), ["desk-owner", "mail-owner", "z-lead"]);
        // The answer is shared, not built again.
        assert!(Arc::ptr_eq(
            &roles.members_for(Some(&mail)),
            &roles.members_for(Some(&mail))
        ));
    }

    #[test]
    fn two_record_fields_pick_members_together() {
        let roles = Roles::new(
            strings(&["a", "b", "c"]),
            strings(&["fixed", "a1", "b1"]),
            strings(&["fixed"]),
            vec![
                by("service", &[("mail", &["a2"])], &["a1"]),
                by("site", &[("west", &["b2", "a2"])], &["b1"]),
            ],
        );
        let fields = record(&[("service", json!("mail")), ("site", json!("west"))]);
        assert_eq!(
            roles.members_for(Some(&fields)).to_vec(),
            ["a2", "b2", "fixed"]
        );
        let fields = record(&[("site", json!("east"))]);
        assert_eq!(
            roles.members_for(Some(&fields)).to_vec(),
            ["a1", "b1", "fixed"]
        );
    }
}
