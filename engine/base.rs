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
