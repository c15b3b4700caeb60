//! Building escalation matrices from the model: triggers with their conditions compiled, levels
//! cut to the matrix's limit, delays in the matrix's calendar.

use std::collections::HashMap;

use super::{Level, Matrix, Topic, Trigger};
use crate::validate::Context;

/// Every matrix of the bundle, in document order, and its index by id.
pub fn matrices(cx: &Context<'_>) -> (Vec<Matrix>, HashMap<String, u32>) {
    let mut list = Vec::new();
    let mut index = HashMap::new();
    for (id, entry) in cx.bundle.escalations.iter() {
        let m = &entry.value;
        let max = m
            .max_levels
            .as_ref()
            .map_or(usize::MAX, |l| l.value as usize);
        let topics = m
            .topics
            .iter()
            .map(|(topic_id, topic)| Topic {
                id: topic_id.value.as_str().into(),
                triggers: topic
                    .triggers
                    .iter()
                    .map(|t| {
                        let t = &t.value;
                        let owner = || format!("escalation {id} topic {}", topic_id.value);
                        Trigger {
                            on: t.on.value,
                            agreement: t.agreement.as_ref().map(|a| a.value.to_string()),
                            agreement_type: t.agreement_type.as_ref().map(|a| a.value),
                            target: t.target.as_ref().map(|a| a.value.to_string()),
                            process: t.process.as_ref().map(|a| a.value.to_string()),
                            step: t.step.as_ref().map(|a| a.value.to_string()),
                            record_type: t.record_type.as_ref().map(|a| a.value.clone()),
                            event: t.event.as_ref().map(|a| a.value.clone()),
                            report: t.report.as_ref().map(|a| a.value.to_string()),
                            kpi: t.kpi.as_ref().map(|a| a.value.to_string()),
                            when: cx.script(t.when.as_ref(), owner),
                        }
                    })
                    .collect(),
                levels: topic
                    .levels
                    .iter()
                    .take(max)
                    .map(|l| Level {
                        roles: cx
                            .roles(l.value.roles.iter().map(|r| r.value.to_string()).collect()),
                        after: l.value.after.as_ref().map(|a| a.value),
                        action: l.value.action.clone(),
                    })
                    .collect(),
                include_fields: topic.include_fields.clone(),
            })
            .collect();
        index.insert(
            id.as_str().to_string(),
            u32::try_from(list.len()).unwrap_or(u32::MAX),
        );
        list.push(Matrix {
            id: id.as_str().into(),
            template: m.template,
            calendar: cx.calendar(m.calendar.as_ref()),
            topics,
        });
    }
    (list, index)
}
