//! The input event: one line of the JSON Lines stream, or one event of an embedded test.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A change to a record, or the completion of a process step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Event {
    /// When it happened, RFC 3339 with an offset; events are ordered by it.
    pub at: Timestamp,
    /// The record id, e.g. `INC0001`.
    #[serde(default)]
    pub record: Option<String>,
    /// The record type, required on a record's first event, e.g. `incident`.
    #[serde(default, rename = "type")]
    pub record_type: Option<String>,
    /// The event name: `created`, `updated`, `responded`, `resolved`, `closed`, `reopened`,
    /// `step.completed` or any other.
    pub event: String,
    /// Fields merged into the record (a partial update).
    #[serde(default)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// For `step.completed`: the process instance.
    #[serde(default)]
    pub instance: Option<String>,
    /// For `step.completed`: the step.
    #[serde(default)]
    pub step: Option<String>,
    /// For `step.completed` on a decision: the outcome chosen.
    #[serde(default)]
    pub outcome: Option<String>,
    /// For events that start processes: the process to start.
    #[serde(default)]
    pub process: Option<String>,
}

/// The fields an action can have, in output order.
pub const ACTION_FIELDS: &[&str] = &[
    "id",
    "at",
    "kind",
    "record",
    "record_type",
    "agreement",
    "target",
    "previous_target",
    "cycle",
    "milestone",
    "due",
    "elapsed",
    "instance",
    "process",
    "step",
    "outcome",
    "matrix",
    "topic",
    "level",
    "rule",
    "version",
    "roles",
    "recipients",
    "reason",
    "message",
    "fields",
    "line",
    "error",
];
