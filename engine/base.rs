//! Basic types every other module shares: shared names, record fields, a fast deterministic
//! hash map, and value comparison.
//!
//! This module sits at the bottom of the tree: it depends on no other module of the crate, so
//! anything may use it without tying modules into an import circle. It holds data types only,
//! no bundle or engine logic.

mod fields;
mod hash;
mod value;

pub use fields::{FieldNames, Fields};
pub use hash::{FastHasher, FastMap, FastSet};
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
