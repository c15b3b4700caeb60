//! Building targets from the model: conditions compiled, goals and milestones resolved, targets
//! of one agreement and measure grouped per record type.

use std::collections::HashMap;

use super::{ActionSpec, Goal, Group, Milestone, Point, Reopen, Target, Window};
use crate::base::{FastMap, Name};
use crate::condition::{Assignment, Condition};
use crate::model::agreement::Agreement;
use crate::model::{self, Duration};
use crate::validate::Context;

impl ActionSpec {
    /// The actions of a milestone, breach or rule; an escalation of an unknown matrix (reported
    /// by validation) is left out.
    pub fn list(
        cx: &Context<'_>,
        list: &[model::Action],
        matrices: &HashMap<String, u32>,
    ) -> Vec<ActionSpec> {
        list.iter()
            .map(|a| ActionSpec {
                notify: cx.roles(a.notify.iter().map(|r| r.value.to_string()).collect()),
                escalate: a
                    .escalate
                    .as_ref()
                    .filter(|m| matrices.contains_key(m.value.as_str()))
                    .map(|m| {
                        (
                            m.value.to_string(),
                            a.topic.as_ref().map(|t| t.value.to_string()),
                        )
                    }),
                message: a.message.clone(),
            })
            .collect()
    }
}

/// The assignment `assigned` conditions of an agreement's targets test: its provider's group
/// in the agreement's assignment field.
pub fn assignment(agreement: &Agreement) -> Option<Assignment> {
    agreement
        .provider
        .as_ref()
        .and_then(|p| p.group.clone())
        .map(|group| Assignment {
            field: agreement
                .assignment_field
                .as_deref()
                .unwrap_or("assignment_group")
                .into(),
            group,
        })
}

/// What a target applies to, and when its clock (or outage) starts and stops, compiled.
pub struct Scope {
    /// The record types.
    pub record_types: Vec<String>,
    /// The rest of `applies_to`.
    pub applies: Condition,
    /// The start condition.
    pub start: Condition,
    /// The stop condition.
    pub stop: Condition,
}

/// The scope of target `target` of agreement `agreement`.
pub fn scope(
    cx: &Context<'_>,
    agreement: &str,
    target: &str,
    t: &model::agreement::Target,
    assignment: &Option<Assignment>,
) -> Scope {
    let name = |what: &'static str| move || format!("target {target} of {agreement} ({what})");
    Scope {
        record_types: t.applies_to.record_type.value.0.clone(),
        applies: Condition::of_fields(
            &t.applies_to.fields,
            cx.script(t.applies_to.when.as_ref(), name("applies_to")),
        ),
        start: cx
            .condition(Some(&t.start), assignment, name("start"))
            .unwrap_or_default(),
        stop: cx
            .condition(Some(&t.stop), assignment, name("stop"))
            .unwrap_or_default(),
    }
}

/// Every target of the bundle with a clock (availability targets have none), in document order,
/// and the groups of alternatives per record type.
pub fn targets(
    cx: &Context<'_>,
    matrices: &HashMap<String, u32>,
) -> (Vec<Target>, FastMap<String, Vec<Group>>) {
    let mut targets = Vec::new();
    let mut groups: FastMap<String, Vec<Group>> = FastMap::default();
    for (agreement_id, entry) in cx.bundle.agreements.iter() {
        let agreement: &Agreement = &entry.value;
        let agreement_name = Name::from(agreement_id.as_str());
        let assignment = assignment(agreement);
        let mut measures: Vec<(Name, Vec<u32>)> = Vec::new();
        for (target_id, t) in agreement.targets.iter() {
            let goal = match (&t.goal, &t.deadline) {
                (Some(goal), _) => match goal.value {
                    Duration::Seconds(s) => Goal::Seconds(s),
                    Duration::WorkingDays(d) => Goal::WorkingDays(d),
                },
                (None, Some(field)) => Goal::Deadline(field.value.clone()),
                (None, None) => continue, // availability targets have no clock
            };
            let index = u32::try_from(targets.len()).unwrap_or(u32::MAX);
            let name = |what: &'static str| {
                let a = agreement_id.to_string();
                let t = target_id.value.to_string();
                move || format!("target {t} of {a} ({what})")
            };
            let scope = scope(
                cx,
                agreement_id.as_str(),
                target_id.value.as_str(),
                t,
                &assignment,
            );
            let milestones = t
                .milestones
                .iter()
                .filter_map(|m| milestone(cx, &m.value, matrices))
                .collect();
            let calendar_id = t.calendar.as_ref().or(agreement.calendar.as_ref());
            let target = Target {
                index,
                agreement: Name::clone(&agreement_name),
                agreement_type: agreement.kind.value,
                id: target_id.value.as_str().into(),
                measure: t.measure(target_id.value.as_str()).into(),
                record_types: scope.record_types,
                applies: scope.applies,
                start: scope.start,
                stop: scope.stop,
                pause: cx.condition(t.pause.as_ref(), &assignment, name("pause")),
                resume: cx.condition(t.resume.as_ref(), &assignment, name("resume")),
                cancel: cx.condition(t.cancel.as_ref(), &assignment, name("cancel")),
                reset: cx.condition(t.reset.as_ref(), &assignment, name("reset")),
                start_from: t.start_from.as_ref().map(|f| f.value.clone()),
                goal,
                goal_text: match (&t.goal, &t.deadline) {
                    (Some(goal), _) => goal.value.to_string(),
                    (None, Some(field)) => format!("deadline in field `{}`", field.value),
                    (None, None) => String::new(),
                },
                calendar: cx.calendar(calendar_id),
                calendar_id: calendar_id
                    .map_or(model::ALWAYS_OPEN, |c| c.value.as_str())
                    .into(),
                milestones,
                breach: ActionSpec::list(cx, &t.breach, matrices),
                policy: t.on_change.as_ref().map(|p| p.value).unwrap_or_default(),
                on_new_version: t
                    .on_new_version
                    .as_ref()
                    .map(|p| p.value)
                    .unwrap_or_default(),
                final_breach: t.final_breach.or(agreement.final_breach).unwrap_or(false),
                reopen: t.reopen.as_ref().map(|r| Reopen {
                    within: match r.within.value {
                        Duration::Seconds(s) => Window::Seconds(s),
                        Duration::WorkingDays(d) => Window::WorkingDays(d),
                    },
                    within_text: r.within.value.to_string(),
                    calendar: cx.calendar(r.calendar.as_ref().or(calendar_id)),
                    when: cx.condition(r.when.as_ref(), &assignment, name("reopen")),
                }),
            };
            match measures.iter_mut().find(|(m, _)| *m == target.measure) {
                Some((_, list)) => list.push(index),
                None => measures.push((Name::clone(&target.measure), vec![index])),
            }
            targets.push(target);
        }
        for (measure, members) in measures {
            let mut types: Vec<&String> = members
                .iter()
                .filter_map(|i| targets.get(*i as usize))
                .flat_map(|t: &Target| t.record_types.iter())
                .collect();
            types.sort();
            types.dedup();
            for record_type in types {
                let of_type: Vec<u32> = members
                    .iter()
                    .copied()
                    .filter(|i| {
                        targets
                            .get(*i as usize)
                            .is_some_and(|t| t.record_types.contains(record_type))
                    })
                    .collect();
                let reopens = of_type
                    .iter()
                    .any(|i| targets.get(*i as usize).is_some_and(|t| t.reopen.is_some()));
                groups.entry(record_type.clone()).or_default().push(Group {
                    agreement: Name::clone(&agreement_name),
                    measure: Name::clone(&measure),
                    targets: of_type,
                    reopens,
                });
            }
        }
    }
    (targets, groups)
}

fn milestone(
    cx: &Context<'_>,
    m: &model::agreement::Milestone,
    matrices: &HashMap<String, u32>,
) -> Option<Milestone> {
    let (point, label) = if let Some(at) = &m.at {
        let (numerator, denominator) = at.value.ratio();
        (
            Point::Fraction(numerator, denominator),
            at.value.to_string(),
        )
    } else if let Some(before) = &m.before_due {
        (
            Point::BeforeDue(before.value.seconds()?),
            format!("{} before due", before.value),
        )
    } else if let Some(after) = &m.after_due {
        (
            Point::AfterDue(after.value.seconds()?),
            format!("{} after due", after.value),
        )
    } else {
        return None;
    };
    Some(Milestone {
        name: m.name.clone().unwrap_or(label).into(),
        point,
        actions: ActionSpec::list(cx, &m.actions, matrices),
    })
}
