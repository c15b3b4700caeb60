//! Actions out: what the engine did, one JSON object per line.
//!
//! Every action has a stable `id` (its position in the run, the same in every run of the same
//! input), an `at` instant and a `kind`, plus the ids it concerns. Fields are written in a fixed
//! order and omitted when empty, so the same input gives byte-identical output.

use serde::Serialize;
use serde_json::Value;

use crate::model::Timestamp;

/// One action.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Action {
    /// Stable id: `a` and the action's sequence number in the run.
    pub id: String,
    /// When it happened.
    pub at: Timestamp,
    /// What happened: `sla.started`, `sla.paused`, `sla.resumed`, `sla.warning`,
    /// `sla.breached`, `sla.met`, `sla.cancelled`, `sla.retargeted`, `escalation.raised`,
    /// `task.opened`, `task.overdue`, `task.completed`, `instance.started`,
    /// `instance.completed`, `notify`, `rule.fired`, `event.rejected`, `script.failed`.
    pub kind: &'static str,
    /// The record concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The record's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    /// The agreement of an SLA clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
    /// The target of an SLA clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The target a clock was measured against before a change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_target: Option<String>,
    /// The clock's cycle (1 for the first clock of a target on a record, 2 after a reset...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle: Option<u32>,
    /// The milestone reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// The clock's or task's due time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// Business seconds elapsed on the clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed: Option<u64>,
    /// The process instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// The step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The decision outcome taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The escalation matrix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<String>,
    /// The escalation topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The escalation level (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// The record rule that fired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Roles concerned (the R roles of a task, the roles of an escalation level...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Who is notified: the members of the roles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// Why it happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A message from the bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Record fields carried along (e.g. an escalation's notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<serde_json::Map<String, Value>>,
    /// The input line an event came from (rejections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What went wrong (rejections, script failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Action {
    /// An action of `kind` at `at`; the id is given when it is emitted.
    pub fn new(kind: &'static str, at: i64) -> Action {
        Action {
            kind,
            at: Timestamp(at),
            ..Action::default()
        }
    }

    /// The action as one line of JSON (without the newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The action as a JSON object, for matching test expectations.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The fields an action can have, in output order.
pub const FIELDS: &[&str] = &[
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
    "roles",
    "recipients",
    "reason",
    "message",
    "fields",
    "line",
    "error",
];

/// Whether every field of `pattern` has the same value in `action` (test expectations).
///
/// Instants compare as instants (`2026-10-05T09:00:00-04:00` matches `...13:00:00Z`), numbers
/// as numbers, a string matches a list containing it, and `null` matches a missing field.
pub fn matches(action: &Value, pattern: &serde_json::Map<String, Value>) -> bool {
    pattern.iter().all(|(key, wanted)| match action.get(key) {
        Some(have) => same_value(have, wanted),
        None => wanted.is_null(),
    })
}

fn same_value(have: &Value, wanted: &Value) -> bool {
    if crate::condition::same(have, wanted) {
        return true;
    }
    match (have, wanted) {
        (Value::Array(items), Value::String(s)) => items.iter().any(|i| i == s),
        (Value::String(a), Value::String(b)) => {
            matches!((a.parse::<Timestamp>(), b.parse::<Timestamp>()), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_in_a_fixed_order_without_empty_fields() {
        let mut a = Action::new("sla.breached", 1_790_000_000);
        a.id = "a1".into();
        a.record = Some("INC1".into());
        a.target = Some("p1".into());
        assert_eq!(
            a.to_json(),
            r#"{"id":"a1","at":"2026-09-21T14:13:20Z","kind":"sla.breached","record":"INC1","target":"p1"}"#
        );
    }

    #[test]
    fn the_field_list_is_every_serialized_field() {
        let full = Action {
            id: "a1".into(),
            kind: "notify",
            record: Some(String::new()),
            record_type: Some(String::new()),
            agreement: Some(String::new()),
            target: Some(String::new()),
            previous_target: Some(String::new()),
            cycle: Some(1),
            milestone: Some(String::new()),
            due: Some(Timestamp(0)),
            elapsed: Some(0),
            instance: Some(String::new()),
            process: Some(String::new()),
            step: Some(String::new()),
            outcome: Some(String::new()),
            matrix: Some(String::new()),
            topic: Some(String::new()),
            level: Some(1),
            rule: Some(String::new()),
            roles: vec![String::new()],
            recipients: vec![String::new()],
            reason: Some(String::new()),
            message: Some(String::new()),
            fields: Some(serde_json::Map::new()),
            line: Some(1),
            error: Some(String::new()),
            at: Timestamp(0),
        };
        let value = full.to_value();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected: Vec<&str> = FIELDS.to_vec();
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
    }

    #[test]
    fn instants_compare_as_instants() {
        let action = json!({"kind": "sla.breached", "at": "2026-10-05T13:00:00Z"});
        let pattern = json!({"at": "2026-10-05T09:00:00-04:00"});
        assert!(matches(&action, pattern.as_object().unwrap()));
    }

    #[test]
    fn patterns_match_partially() {
        let action = json!({"kind": "notify", "record": "INC1", "roles": ["sdm", "cedp"]});
        let pattern = json!({"kind": "notify", "roles": "cedp"});
        assert!(matches(&action, pattern.as_object().unwrap()));
        let wrong = json!({"kind": "notify", "record": "INC2"});
        assert!(!matches(&action, wrong.as_object().unwrap()));
    }
}
