//! Record rules, compiled.

use std::collections::HashMap;

use crate::base::Name;
use crate::condition::Condition;
use crate::sla::ActionSpec;
use crate::validate::Context;

/// A record rule, compiled.
#[derive(Debug, Clone)]
pub struct RuleDef {
    /// The rule id.
    pub id: Name,
    /// Record types it watches (all when empty).
    pub record_types: Vec<String>,
    /// Event names it watches (all when empty).
    pub events: Vec<String>,
    /// The condition.
    pub when: Condition,
    /// What to do.
    pub actions: Vec<ActionSpec>,
}

/// Every record rule of the bundle, in document order.
pub fn rules(cx: &Context<'_>, matrices: &HashMap<String, u32>) -> Vec<RuleDef> {
    cx.bundle
        .rules
        .iter()
        .map(|(id, entry)| {
            let rule = &entry.value;
            let script = cx.script(Some(&rule.when), || format!("rule {id}"));
            RuleDef {
                id: id.as_str().into(),
                record_types: rule
                    .record_type
                    .as_ref()
                    .map(|r| r.value.0.clone())
                    .unwrap_or_default(),
                events: rule
                    .event
                    .as_ref()
                    .map(|e| e.value.0.clone())
                    .unwrap_or_default(),
                when: script.map(Condition::of_script).unwrap_or_default(),
                actions: ActionSpec::list(cx, &rule.actions, matrices),
            }
        })
        .collect()
}
