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

/// Whether every field of `pattern` has the same value in `action` (test expectations).
pub fn matches(action: &Value, pattern: &serde_json::Map<String, Value>) -> bool {
    pattern.iter().all(|(key, wanted)| match action.get(key) {
        Some(have) => {
            crate::condition::same(have, wanted)
                || matches!((have, wanted), (Value::Array(items), Value::String(s)) if items.iter().any(|i| i == s))
        }
        None => wanted.is_null(),
    })
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
    fn patterns_match_partially() {
        let action = json!({"kind": "notify", "record": "INC1", "roles": ["sdm", "cedp"]});
        let pattern = json!({"kind": "notify", "roles": "cedp"});
        assert!(matches(&action, pattern.as_object().unwrap()));
        let wrong = json!({"kind": "notify", "record": "INC2"});
        assert!(!matches(&action, wrong.as_object().unwrap()));
    }
}
