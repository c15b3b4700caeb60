//! The bundle manifest, `bundle.yaml`: marks a directory as a bundle and lists its imports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Spanned;

/// `bundle.yaml`: the root of a bundle.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Manifest {
    /// The bundle's name, e.g. the contract.
    #[serde(default)]
    pub name: Option<String>,
    /// What the bundle models.
    #[serde(default)]
    pub description: Option<String>,
    /// Directories or files loaded into this bundle too, relative to this file, e.g. `../../rules`.
    #[serde(default)]
    pub imports: Vec<Spanned<String>>,
}
