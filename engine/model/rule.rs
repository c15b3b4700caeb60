//! Record rules: rhai conditions over records that raise actions when they become true.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Spanned;
use super::condition::{Action, OneOrMany, Script};

/// A rule over records, e.g. licence usage above entitlement.
///
/// The rule fires when its condition becomes true for a record (it was false, or the record
/// was new), not on every change while it stays true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RecordRule {
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the rule watches for.
    #[serde(default)]
    pub description: Option<String>,
    /// Only records of this type, or of these types.
    #[serde(default)]
    pub record_type: Option<Spanned<OneOrMany<String>>>,
    /// Only changes carrying one of these event names.
    #[serde(default)]
    pub event: Option<Spanned<OneOrMany<String>>>,
    /// The rhai condition, e.g. `record.used > record.entitled`.
    pub when: Script,
    /// What to do when it fires.
    #[serde(default)]
    pub actions: Vec<Action>,
}
