//! Escalation matrices (E08xx): topics with triggers and levels, delays that increase, no more
//! levels than the matrix allows, and triggers that carry what their kind needs.

use super::Context;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Duration;
use crate::model::escalation::{EscalationTrigger, TriggerOn};
use crate::source::Span;

/// Checks every escalation matrix, and the matrices processes raise for overdue steps.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    overdue_matrices(cx, d);
    for (matrix_id, entry) in cx.bundle.escalations.iter() {
        let matrix = &entry.value;
        if matrix.topics.is_empty() {
            d.push(
                Diagnostic::new(
                    Code::EmptyTopic,
                    entry.id_span,
                    format!("escalation matrix `{matrix_id}` has no topics"),
                )
                .with_help("add `topics`, each with `triggers` and `levels`"),
            );
        }
        for (topic_id, topic) in matrix.topics.iter() {
            let what = if topic.levels.is_empty() {
                Some("levels")
            } else if topic.triggers.is_empty() {
                Some("triggers")
            } else {
                None
            };
            if let Some(what) = what {
                d.push(
                    Diagnostic::new(
                        Code::EmptyTopic,
                        topic_id.span,
                        format!("escalation topic `{}` has no {what}", topic_id.value),
                    )
                    .with_help("a topic needs at least one trigger and one level"),
                );
            }
            if let Some(max) = &matrix.max_levels {
                let count = topic.levels.len();
                if count > max.value as usize {
                    let first_extra = topic
                        .levels
                        .get(max.value as usize)
                        .map_or(topic_id.span, |l| l.span);
                    d.push(
                        Diagnostic::new(
                            Code::TooManyLevels,
                            first_extra,
                            format!("topic `{}` has {count} levels; matrix `{matrix_id}` allows at most {}", topic_id.value, max.value),
                        )
                        .with_secondary(max.span, "limit set here"),
                    );
                }
            }
            let mut previous: Option<(Duration, Span)> = None;
            for level in &topic.levels {
                if level.value.roles.is_empty() {
                    d.push(Diagnostic::new(
                        Code::EmptyTopic,
                        level.span,
                        format!("a level of topic `{}` escalates to no role", topic_id.value),
                    ));
                }
                let after = level
                    .value
                    .after
                    .as_ref()
                    .map_or((Duration::Seconds(0), level.span), |a| (a.value, a.span));
                if let Some((before, before_span)) = previous
                    && !increases(before, after.0)
                {
                    d.push(
                            Diagnostic::new(
                                Code::DelaysNotIncreasing,
                                after.1,
                                format!("level delay {} of topic `{}` is not later than the level before ({before})", after.0, topic_id.value),
                            )
                            .with_secondary(before_span, "previous level")
                            .with_help("each level is reached later than the one before it; `after` counts from when the topic was raised"),
                        );
                }
                previous = Some(after);
            }
            for trigger in &topic.triggers {
                incomplete(&trigger.value, trigger.span, d);
                misplaced(cx, &trigger.value, d);
            }
        }
    }
}

/// Whether `later` is strictly later than `earlier`, when the two can be compared.
fn increases(earlier: Duration, later: Duration) -> bool {
    match (earlier, later) {
        (Duration::Seconds(a), Duration::Seconds(b)) => b > a,
        (Duration::WorkingDays(a), Duration::WorkingDays(b)) => b > a,
        (Duration::Seconds(0), Duration::WorkingDays(b)) => b > 0,
        // Hours against working days depend on the calendar; a day is at least some hours.
        (Duration::Seconds(_), Duration::WorkingDays(_)) => true,
        (Duration::WorkingDays(_), Duration::Seconds(_)) => false,
    }
}

fn incomplete(t: &EscalationTrigger, span: Span, d: &mut Diagnostics) {
    let mut missing = |field: &str, why: &str| {
        d.push(
            Diagnostic::new(
                Code::InvalidTrigger,
                span,
                format!("`on: {}` trigger needs `{field}`", t.on.value.as_str()),
            )
            .with_help(why.to_string()),
        );
    };
    match t.on.value {
        TriggerOn::Condition if t.when.is_none() => {
            missing(
                "when",
                "give the rhai condition over the record, e.g. `when: record.used > record.entitled`",
            );
        }
        TriggerOn::Event if t.event.is_none() => {
            missing(
                "event",
                "give the event name, e.g. `event: customer.escalated`",
            );
        }
        _ => {}
    }
    if t.target.is_some() && t.agreement.is_none() {
        missing(
            "agreement",
            "a `target` is looked up in the trigger's `agreement`",
        );
    }
    if t.step.is_some() && t.process.is_none() {
        missing(
            "process",
            "a `step` is looked up in the trigger's `process`",
        );
    }
}

/// Filters a trigger of this kind never looks at, and an agreement of another type than
/// `agreement_type` says.
fn misplaced(cx: &Context<'_>, t: &EscalationTrigger, d: &mut Diagnostics) {
    let on = t.on.value;
    let sla = matches!(on, TriggerOn::SlaBreached | TriggerOn::SlaWarning);
    let checks: [(Option<Span>, &str, bool); 9] = [
        (t.agreement.as_ref().map(|x| x.span), "agreement", sla),
        (
            t.agreement_type.as_ref().map(|x| x.span),
            "agreement_type",
            sla,
        ),
        (t.target.as_ref().map(|x| x.span), "target", sla),
        (
            t.process.as_ref().map(|x| x.span),
            "process",
            on == TriggerOn::StepOverdue,
        ),
        (
            t.step.as_ref().map(|x| x.span),
            "step",
            on == TriggerOn::StepOverdue,
        ),
        (
            t.kpi.as_ref().map(|x| x.span),
            "kpi",
            on == TriggerOn::KpiOutOfLimits,
        ),
        (
            t.report.as_ref().map(|x| x.span),
            "report",
            on == TriggerOn::ReportOverdue,
        ),
        (
            t.event.as_ref().map(|x| x.span),
            "event",
            on == TriggerOn::Event,
        ),
        (
            t.record_type.as_ref().map(|x| x.span),
            "record_type",
            sla || matches!(on, TriggerOn::Event | TriggerOn::Condition),
        ),
    ];
    for (span, field, applies) in checks {
        if let (Some(span), false) = (span, applies) {
            d.push(
                Diagnostic::new(
                    Code::InvalidTrigger,
                    span,
                    format!("`{field}` does not apply to `on: {}` triggers", on.as_str()),
                )
                .with_help("the trigger would never look at it; remove it or change `on`"),
            );
        }
    }
    if let (Some(agreement), Some(kind)) = (&t.agreement, &t.agreement_type)
        && let Some(found) = cx.bundle.agreements.get(agreement.value.as_str())
        && found.kind.value != kind.value
    {
        d.push(
            Diagnostic::new(
                Code::InvalidTrigger,
                kind.span,
                format!(
                    "`agreement_type: {}` contradicts agreement `{}`, which is an {}",
                    kind.value.as_str(),
                    agreement.value,
                    found.kind.value.as_str().to_uppercase()
                ),
            )
            .with_help("the trigger could never match; remove one of the two"),
        );
    }
}

/// A process or step that names a matrix for overdue steps needs a topic listening for them.
fn overdue_matrices(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.processes.iter() {
        let process = &entry.value;
        let steps = process.procedures.values().flat_map(|p| p.steps.values());
        let named = process
            .escalation
            .iter()
            .chain(steps.filter_map(|s| s.escalation.as_ref()));
        for matrix_id in named {
            let Some(matrix) = cx.bundle.escalations.get(matrix_id.value.as_str()) else {
                continue; // unknown matrices are reported by the reference pass
            };
            if matrix.template && !process.template {
                d.push(
                    Diagnostic::new(
                        Code::TemplateEscalation,
                        matrix_id.span,
                        format!("overdue steps escalate to template matrix `{}`", matrix_id.value),
                    )
                    .with_help("a template's roles are the library's; base a matrix of your own on it (`uses`, `role_map`) and name that one"),
                );
            }
            let listens = matrix.topics.values().any(|t| {
                t.triggers
                    .iter()
                    .any(|tr| tr.value.on.value == TriggerOn::StepOverdue)
            });
            if !listens {
                d.push(
                    Diagnostic::new(
                        Code::NoOverdueTopic,
                        matrix_id.span,
                        format!("escalation matrix `{}` has no topic for overdue steps", matrix_id.value),
                    )
                    .with_help("add a topic with a trigger `on: step_overdue`, or name a matrix that has one"),
                );
            }
        }
    }
}
