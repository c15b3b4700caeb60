//! Behaviour tests embedded in a bundle: events in, expected actions out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::event::Event;
use super::{Spanned, Timestamp};

/// A behaviour test, run by `slaflow test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct BehaviourTest {
    /// What the test shows.
    #[serde(default)]
    pub description: Option<String>,
    /// The events, in time order, as in an event file.
    pub events: Vec<Spanned<Event>>,
    /// Run timers up to this instant after the last event.
    #[serde(default)]
    pub until: Option<Spanned<Timestamp>>,
    /// Actions that must be emitted, in this order (other actions may come between them).
    #[serde(default)]
    pub expect: Vec<Spanned<Expectation>>,
    /// Actions that must not be emitted.
    #[serde(default)]
    pub expect_none: Vec<Spanned<Expectation>>,
}

/// A pattern for an output action: every field given must be equal in the action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Expectation(pub serde_json::Map<String, serde_json::Value>);

impl JsonSchema for Expectation {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Expectation".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "Fields of an expected output action, e.g. `{kind: sla.breached, record: INC1, target: p1-response}`; every field given must match.",
            "required": ["kind"],
            "properties": {
                "kind": { "type": "string", "description": "The action kind, e.g. `sla.breached`." },
                "at": { "type": "string", "description": "The instant of the action, RFC 3339." }
            },
            "additionalProperties": true,
        })
    }
}
