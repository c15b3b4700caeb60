//! The input event: one line of the JSON Lines stream, or one event of an embedded test.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Timestamp;

/// A change to a record, or the completion of a process step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Event {
    /// An id the sender gives the event, e.g. the ticket system's audit id: an event sent
    /// again with the same id (a retry) is applied once.
    #[serde(default)]
    pub id: Option<String>,
    /// When it happened, RFC 3339 with an offset; events are ordered by it.
    pub at: Timestamp,
    /// The record id, e.g. `INC0001`.
    #[serde(default)]
    pub record: Option<String>,
    /// The record type, required on a record's first event, e.g. `incident`.
    #[serde(default, rename = "type")]
    pub record_type: Option<String>,
    /// The event name: `created`, `updated`, `responded`, `resolved`, `closed`, `reopened`,
    /// `step.completed`, `report.delivered`, `kpi.reported` or any other.
    pub event: String,
    /// Fields merged into the record (a partial update). On an outage (a record an availability
    /// target applies to, e.g. type `outage`, events `created` and `restored`), `planned: true`
    /// marks planned maintenance.
    #[serde(default)]
    pub fields: EventFields,
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
    /// For `report.delivered`: the report delivered (its id in the bundle).
    #[serde(default)]
    pub report: Option<String>,
    /// For `report.delivered`: the period the report covers, as the engine writes it (`2026-10`
    /// for a month, `2026-Q4`, `2026-H2`, `2026`); without it, the oldest period still awaiting
    /// the report. For `kpi.reported`: the period the value is for (required).
    #[serde(default)]
    pub period: Option<String>,
    /// For `kpi.reported`: the KPI (its id in the bundle), one without a `measure`.
    #[serde(default)]
    pub kpi: Option<String>,
    /// For `kpi.reported`: the KPI's value for the period, in its unit (a number, or a decimal
    /// written as text, e.g. `"87.5"`), taken exactly.
    #[serde(default)]
    pub value: Option<Value>,
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
    "report",
    "forum",
    "period",
    "kpi",
    "version",
    "roles",
    "recipients",
    "reason",
    "message",
    "agenda",
    "fields",
    "line",
    "error",
];

/// The fields of an event, in the order written: a JSON object read into a list, which is
/// cheaper to read and to walk than a sorted map (events are many and short-lived). A field
/// written twice is applied twice, so the last value wins, as in a JSON object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventFields(pub Vec<(String, Value)>);

impl EventFields {
    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A field's value (the last one written).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

impl<'a> IntoIterator for &'a EventFields {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl From<serde_json::Map<String, Value>> for EventFields {
    fn from(map: serde_json::Map<String, Value>) -> EventFields {
        EventFields(map.into_iter().collect())
    }
}

impl Serialize for EventFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for EventFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EventFields, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = EventFields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of record fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventFields, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(4).min(64));
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(EventFields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

impl JsonSchema for EventFields {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventFields".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": true,
            "description": "Fields merged into the record (a partial update).",
        })
    }
}
