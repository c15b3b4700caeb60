//! Agreements and targets (E07xx): one goal each, positive; milestones inside the goal; start
//! conditions that do not imply stop; targets an earlier one shadows; covered record types with
//! no target; OLAs/UCs whose goals do not fit inside the SLA they underpin ([`underpinning`]);
//! and terms that run past the holidays of their calendars ([`term`]).

pub mod term;
pub mod underpinning;

use super::Context;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::agreement::{AppliesTo, Milestone, Target};
use crate::model::condition::{Condition, FieldMatch};
use crate::model::{Duration, IdMap, Spanned};
use crate::source::Span;

/// Checks every agreement.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.agreements.iter() {
        let agreement = &entry.value;
        let targets: Vec<_> = agreement.targets.iter().collect();
        for (i, (id, target)) in targets.iter().enumerate() {
            goal(id.value.as_str(), id.span, target, d);
            for m in &target.milestones {
                milestone(id.value.as_str(), target, m, d);
            }
            conditions(id.value.as_str(), target, d);
            let has_group = agreement
                .provider
                .as_ref()
                .is_some_and(|p| p.group.is_some());
            let clock = [
                Some(&target.start),
                target.pause.as_ref(),
                target.resume.as_ref(),
                Some(&target.stop),
                target.cancel.as_ref(),
                target.reset.as_ref(),
                target.reopen.as_ref().and_then(|r| r.when.as_ref()),
            ];
            if let Some(condition) = clock
                .into_iter()
                .flatten()
                .find(|c| uses_assigned(&c.value))
                .filter(|_| !has_group)
            {
                d.push(
                    Diagnostic::new(
                        Code::MissingField,
                        condition.span,
                        format!("target `{}` tests `assigned`, but the agreement's provider has no `group`", id.value),
                    )
                    .with_help("`assigned` compares the record's assignment field with `provider: {group: ...}`; add the group"),
                );
            }
            for (earlier_id, earlier) in targets.iter().take(i) {
                if earlier.measure(earlier_id.value.as_str()) == target.measure(id.value.as_str())
                    && covers(&earlier.applies_to, &target.applies_to)
                {
                    d.push(
                        Diagnostic::new(
                            Code::ShadowedTarget,
                            id.span,
                            format!(
                                "target `{}` never applies: `{}` comes first for the same measure `{}` and matches every record it would",
                                id.value,
                                earlier_id.value,
                                target.measure(id.value.as_str())
                            ),
                        )
                        .with_secondary(earlier_id.span, "this earlier target wins")
                        .with_help("put the more specific target first"),
                    );
                    break;
                }
            }
        }
        for record_type in &agreement.record_types {
            let covered = agreement.targets.values().any(|t| {
                t.applies_to
                    .record_type
                    .value
                    .iter()
                    .any(|rt| rt == &record_type.value)
            });
            if !covered {
                d.push(
                    Diagnostic::new(
                        Code::RecordTypeWithoutTarget,
                        record_type.span,
                        format!("record type `{}` is covered by the agreement but no target applies to it", record_type.value),
                    )
                    .with_help("add a target with `applies_to: {record_type: ...}`, or remove it from `record_types`"),
                );
            }
        }
    }
    underpinning::check(cx, d);
    term::check(cx, d);
}

fn goal(id: &str, span: Span, target: &Target, d: &mut Diagnostics) {
    let given: Vec<&str> = [
        (target.goal.is_some(), "goal"),
        (target.deadline.is_some(), "deadline"),
        (target.availability.is_some(), "availability"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if given.len() != 1 {
        d.push(
            Diagnostic::new(
                Code::GoalShape,
                span,
                if given.is_empty() {
                    format!("target `{id}` has no goal")
                } else {
                    format!("target `{id}` has several goals: {}", given.join(", "))
                },
            )
            .with_help("give exactly one of `goal` (a duration), `deadline` (a record field) or `availability` (a percentage)"),
        );
    }
    if let Some(goal) = &target.goal
        && goal.value.is_zero()
    {
        d.push(
            Diagnostic::new(
                Code::GoalNotPositive,
                goal.span,
                format!("goal of target `{id}` is zero"),
            )
            .with_help("a goal is the business time allowed; it must be more than zero"),
        );
    }
    if let Some(reopen) = &target.reopen
        && reopen.within.value.is_zero()
    {
        d.push(
            Diagnostic::new(
                Code::GoalNotPositive,
                reopen.within.span,
                format!("reopen window of target `{id}` is zero"),
            )
            .with_help("the window is how long after a stop a reopening continues the clock; give more than zero, or leave `reopen` out"),
        );
    }
    if let Some(a) = &target.availability
        && (a.value.0 <= 0.0 || a.value.0 > 100.0)
    {
        d.push(Diagnostic::new(
            Code::GoalNotPositive,
            a.span,
            format!("availability of target `{id}` must be more than 0% and at most 100%"),
        ));
    }
    if let Some(m) = &target.maintenance
        && target.availability.is_none()
    {
        d.push(
            Diagnostic::new(
                Code::MaintenanceWithoutAvailability,
                m.span,
                format!("`maintenance` of target `{id}` has no effect: it has no `availability`"),
            )
            .with_help("`maintenance` says whether planned outages count against an availability target; remove it here"),
        );
    }
    if let Some(o) = &target.objective
        && (o.value.0 <= 0.0 || o.value.0 > 100.0)
    {
        d.push(Diagnostic::new(
            Code::GoalNotPositive,
            o.span,
            format!("objective of target `{id}` must be more than 0% and at most 100%"),
        ));
    }
}

fn milestone(id: &str, target: &Target, m: &Spanned<Milestone>, d: &mut Diagnostics) {
    let mut out = |span: Span, message: String, help: &str| {
        d.push(Diagnostic::new(Code::MilestoneOutOfRange, span, message).with_help(help));
    };
    let points = [
        m.value.at.is_some(),
        m.value.before_due.is_some(),
        m.value.after_due.is_some(),
    ];
    if points.iter().filter(|p| **p).count() != 1 {
        out(
            m.span,
            format!(
                "milestone of target `{id}` needs exactly one of `at`, `before_due` and `after_due`"
            ),
            "`at: 75%` of the goal, `before_due: 1h`, or `after_due: 2h`",
        );
        return;
    }
    if let Some(at) = &m.value.at
        && (at.value.0 <= 0.0 || at.value.0 >= 100.0)
    {
        out(
            at.span,
            format!(
                "milestone at {} of target `{id}` is outside the goal",
                at.value
            ),
            "milestones lie strictly between 0% and 100%; the breach itself is 100%, use `after_due` after it",
        );
    }
    for offset in [&m.value.before_due, &m.value.after_due]
        .into_iter()
        .flatten()
    {
        if let Duration::WorkingDays(days) = offset.value {
            out(
                offset.span,
                format!("milestone offset of target `{id}` is in working days"),
                &format!(
                    "give offsets before or after the due time in business hours of the target's calendar: for {days} working days, {days} times the hours of a working day (e.g. `before_due: 17h` for two days of 09:00-17:30)"
                ),
            );
            return;
        }
    }
    if let Some(before) = &m.value.before_due {
        let beyond = match (before.value, target.goal.as_ref().map(|g| g.value)) {
            (Duration::Seconds(b), Some(Duration::Seconds(g))) => b >= g,
            (Duration::WorkingDays(b), Some(Duration::WorkingDays(g))) => b >= g,
            _ => false,
        };
        if before.value.is_zero() || beyond {
            out(
                before.span,
                format!(
                    "milestone {} before due of target `{id}` is outside the goal",
                    before.value
                ),
                "`before_due` must be more than zero and less than the goal",
            );
        }
    }
    if let Some(after) = &m.value.after_due
        && after.value.is_zero()
    {
        out(
            after.span,
            format!("milestone 0 after due of target `{id}` is the breach itself"),
            "use the target's `breach` actions instead",
        );
    }
}

/// Whether a condition (or one of its alternatives) uses `assigned`.
fn uses_assigned(condition: &Condition) -> bool {
    condition.assigned.is_some() || condition.any.iter().any(|c| uses_assigned(&c.value))
}

fn conditions(id: &str, target: &Target, d: &mut Diagnostics) {
    let named = [
        ("start", Some(&target.start)),
        ("stop", Some(&target.stop)),
        ("pause", target.pause.as_ref()),
        ("resume", target.resume.as_ref()),
        ("cancel", target.cancel.as_ref()),
        ("reset", target.reset.as_ref()),
        (
            "reopen.when",
            target.reopen.as_ref().and_then(|r| r.when.as_ref()),
        ),
    ];
    for (name, condition) in named {
        if let Some(c) = condition
            && c.value.is_empty()
        {
            d.push(
                Diagnostic::new(
                    Code::EmptyCondition,
                    c.span,
                    format!("`{name}` condition of target `{id}` tests nothing"),
                )
                .with_help("give `event`, `fields`, `assigned` or `when`"),
            );
        }
    }
    if !target.stop.value.is_empty() && implies(&target.start.value, &target.stop.value) {
        d.push(
            Diagnostic::new(
                Code::StartImpliesStop,
                target.start.span,
                format!("the clock of target `{id}` can never run: whenever `start` holds, `stop` holds too"),
            )
            .with_secondary(target.stop.span, "stop condition")
            .with_help("a clock attaches only when start holds and stop does not; make `stop` test something `start` does not"),
        );
    }
}

/// Whether `a` holding guarantees that `b` holds, judged from their written parts (a `b` with
/// alternatives is not judged).
fn implies(a: &Condition, b: &Condition) -> bool {
    if !b.any.is_empty() {
        return false;
    }
    let events = match (&b.event, &a.event) {
        (None, _) => true,
        (Some(b_events), Some(_)) => a.events().all(|e| b_events.value.iter().any(|x| x == e)),
        (Some(_), None) => false,
    };
    let assigned = b.assigned.is_none() || b.assigned == a.assigned;
    let when = match (&b.when, &a.when) {
        (None, _) => true,
        (Some(bw), Some(aw)) => bw.text().trim() == aw.text().trim(),
        (Some(_), None) => false,
    };
    events && assigned && when && fields_imply(&a.fields, &b.fields)
}

/// Whether every field constraint of `b` is implied by `a`'s constraint on the same field.
fn fields_imply(a: &IdMap<String, FieldMatch>, b: &IdMap<String, FieldMatch>) -> bool {
    b.iter().all(|(field, wanted)| {
        a.get(&field.value)
            .is_some_and(|have| values(have).iter().all(|v| values(wanted).contains(v)))
    })
}

fn values(m: &FieldMatch) -> Vec<&serde_json::Value> {
    match &m.0 {
        serde_json::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Whether every record `later` applies to is also matched by `earlier`.
fn covers(earlier: &AppliesTo, later: &AppliesTo) -> bool {
    let types = later
        .record_type
        .value
        .iter()
        .all(|t| earlier.record_type.value.iter().any(|e| e == t));
    let when = match (&earlier.when, &later.when) {
        (None, _) => true,
        (Some(e), Some(l)) => e.text().trim() == l.text().trim(),
        (Some(_), None) => false,
    };
    types && when && fields_imply(&later.fields, &earlier.fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::de::from_node;
    use crate::load::yaml::{Limits, parse};
    use crate::source::FileId;

    fn condition(text: &str) -> Condition {
        let mut diags = Diagnostics::new();
        let node = parse(FileId(0), text, Limits::default(), &mut diags).unwrap();
        from_node(&node).unwrap()
    }

    #[test]
    fn implication_follows_written_parts() {
        assert!(implies(
            &condition("event: created"),
            &condition("event: [created, updated]")
        ));
        assert!(!implies(
            &condition("event: created"),
            &condition("event: resolved")
        ));
        assert!(implies(
            &condition("fields: {status: new, vip: true}"),
            &condition("fields: {status: [new, open]}")
        ));
        assert!(!implies(
            &condition("fields: {status: [new, open]}"),
            &condition("fields: {status: new}")
        ));
        assert!(!implies(
            &condition("event: created"),
            &condition("when: record.x")
        ));
    }
}
