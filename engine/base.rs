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
    /// Who holds them: their members, sorted, without repeats.
    pub members: Arc<[String]>,
}

impl Roles {
    /// Whether no role is named.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
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
