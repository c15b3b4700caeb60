//! References between documents: every role, calendar, process, agreement, target, escalation
//! matrix, topic, KPI and report that is named must be defined (E03xx).

use super::{Context, unknown};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::{
    ALWAYS_OPEN, Action, AgreementId, AgreementType, CalendarId, MatrixId, ProcessId, RoleId,
    Spanned, TargetId,
};

/// Checks every cross-document reference.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    calendars(cx, d);
    processes(cx, d);
    agreements(cx, d);
    escalations(cx, d);
    governance(cx, d);
    for (_, rule) in cx.bundle.rules.iter() {
        for action in &rule.value.actions {
            self::action(cx, action, d);
        }
    }
}

fn role(cx: &Context<'_>, id: &Spanned<RoleId>, d: &mut Diagnostics) {
    cx.known(&cx.bundle.roles, Code::UnknownRole, "role", id, d);
}

fn roles<'r>(
    cx: &Context<'_>,
    ids: impl IntoIterator<Item = &'r Spanned<RoleId>>,
    d: &mut Diagnostics,
) {
    for id in ids {
        role(cx, id, d);
    }
}

/// Reports an unknown calendar; the built-in `24x7` is always known.
pub fn calendar(cx: &Context<'_>, id: &Spanned<CalendarId>, d: &mut Diagnostics) {
    if id.value.as_str() == ALWAYS_OPEN || cx.bundle.calendars.defines(id.value.as_str()) {
        return;
    }
    let builtin = std::iter::once(ALWAYS_OPEN);
    d.push(unknown(
        Code::UnknownCalendar,
        "calendar",
        id.value.as_str(),
        id.span,
        cx.bundle.calendars.ids().chain(builtin),
    ));
}

fn matrix(cx: &Context<'_>, id: &Spanned<MatrixId>, d: &mut Diagnostics) -> bool {
    cx.known(
        &cx.bundle.escalations,
        Code::UnknownEscalation,
        "escalation matrix",
        id,
        d,
    )
}

fn process(cx: &Context<'_>, id: &Spanned<ProcessId>, d: &mut Diagnostics) -> bool {
    cx.known(&cx.bundle.processes, Code::UnknownProcess, "process", id, d)
}

fn action(cx: &Context<'_>, action: &Action, d: &mut Diagnostics) {
    roles(cx, &action.notify, d);
    match (&action.escalate, &action.topic) {
        (Some(m), topic) => {
            if matrix(cx, m, d)
                && let (Some(topic), Some(found)) =
                    (topic, cx.bundle.escalations.get(m.value.as_str()))
                && !found.topics.contains(topic.value.as_str())
            {
                d.push(unknown(
                    Code::UnknownTopic,
                    "escalation topic",
                    topic.value.as_str(),
                    topic.span,
                    found.topics.keys().map(|k| k.value.as_str()),
                ));
            }
        }
        (None, Some(topic)) => d.push(
            Diagnostic::new(
                Code::UnknownTopic,
                topic.span,
                format!("topic `{}` without `escalate`", topic.value),
            )
            .with_help("name the escalation matrix the topic belongs to with `escalate`"),
        ),
        (None, None) => {}
    }
}

fn calendars(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.calendars.iter() {
        for parent in &entry.value.inherit {
            calendar(cx, parent, d);
        }
    }
}

fn processes(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.processes.iter() {
        let p = &entry.value;
        for (from, to) in p.role_map.iter() {
            role(cx, from, d);
            role(cx, to, d);
        }
        roles(cx, &p.owner, d);
        if let Some(c) = &p.calendar {
            calendar(cx, c, d);
        }
        if let Some(m) = &p.escalation {
            matrix(cx, m, d);
        }
        let procedure_triggers = p.procedures.values().flat_map(|proc| proc.triggers.iter());
        for trigger in p.triggers.iter().chain(procedure_triggers) {
            if let Some(c) = &trigger.value.calendar {
                calendar(cx, c, d);
            }
        }
        for procedure in p.procedures.values() {
            for step in procedure.steps.values() {
                roles(cx, step.raci.keys(), d);
                if let Some(c) = &step.calendar {
                    calendar(cx, c, d);
                }
                if let Some(m) = &step.escalation {
                    matrix(cx, m, d);
                }
                if let Some(sub) = &step.process {
                    process(cx, sub, d);
                }
            }
        }
    }
}

fn agreements(cx: &Context<'_>, d: &mut Diagnostics) {
    for (id, entry) in cx.bundle.agreements.iter() {
        let a = &entry.value;
        roles(cx, &a.signatories, d);
        for party in a.provider.iter().chain(a.customer.iter()) {
            roles(cx, &party.role, d);
        }
        if let Some(c) = &a.calendar {
            calendar(cx, c, d);
        }
        for under in &a.underpinned_by {
            if !agreement(cx, under, d) {
                continue;
            }
            if under.value == *id {
                d.push(
                    Diagnostic::new(
                        Code::WrongAgreementType,
                        under.span,
                        format!("agreement `{id}` cannot underpin itself"),
                    )
                    .with_help("`underpinned_by` lists the OLAs and UCs this agreement depends on"),
                );
            } else if let Some(other) = cx.bundle.agreements.get(under.value.as_str())
                && other.kind.value == AgreementType::Sla
            {
                d.push(
                    Diagnostic::new(
                        Code::WrongAgreementType,
                        under.span,
                        format!(
                            "`{}` is an SLA; only OLAs and UCs underpin an agreement",
                            under.value
                        ),
                    )
                    .with_secondary(other.kind.span, "declared as an SLA here"),
                );
            }
        }
        for target in a.targets.values() {
            for c in [
                target.calendar.as_ref(),
                target.reopen.as_ref().and_then(|r| r.calendar.as_ref()),
            ]
            .into_iter()
            .flatten()
            {
                calendar(cx, c, d);
            }
            for m in &target.milestones {
                for act in &m.value.actions {
                    action(cx, act, d);
                }
            }
            for act in &target.breach {
                action(cx, act, d);
            }
            if let Some(p) = target.penalty.as_ref().and_then(|p| p.process.as_ref()) {
                process(cx, p, d);
            }
        }
    }
}

fn escalations(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.escalations.iter() {
        let m = &entry.value;
        for (from, to) in m.role_map.iter() {
            role(cx, from, d);
            role(cx, to, d);
        }
        if let Some(c) = &m.calendar {
            calendar(cx, c, d);
        }
        for topic in m.topics.values() {
            for level in &topic.levels {
                roles(cx, &level.value.roles, d);
            }
            for trigger in &topic.triggers {
                let t = &trigger.value;
                if let Some(a) = &t.agreement {
                    targets(cx, a, t.target.as_slice(), d);
                }
                if let Some(p) = &t.process
                    && process(cx, p, d)
                    && let (Some(step), Some(graph)) = (&t.step, cx.graphs.get(p.value.as_str()))
                    && graph.resolve(step.value.as_str()).is_none()
                {
                    d.push(unknown(
                        Code::UnknownStep,
                        &format!("step of `{}`", p.value),
                        step.value.as_str(),
                        step.span,
                        graph.names(),
                    ));
                }
                if let Some(kpi) = &t.kpi {
                    cx.known(&cx.bundle.kpis, Code::UnknownKpi, "KPI", kpi, d);
                }
                if let Some(report) = &t.report {
                    cx.known(&cx.bundle.reports, Code::UnknownReport, "report", report, d);
                }
            }
        }
    }
}

fn governance(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.kpis.iter() {
        let k = &entry.value;
        if let Some(m) = &k.escalation {
            matrix(cx, m, d);
        }
        if let Some(c) = &k.calendar {
            calendar(cx, c, d);
        }
        if let Some(measure) = &k.measure {
            let measure = &measure.value;
            for selection in measure.compliance.iter().chain(&measure.elapsed) {
                targets(cx, &selection.value.agreement, &selection.value.targets, d);
            }
        }
        let graph = match &k.process {
            Some(p) if process(cx, p, d) => cx.graphs.get(p.value.as_str()),
            _ => None,
        };
        for step in &k.data_capture {
            match graph {
                Some(graph) if graph.resolve(step.value.as_str()).is_none() => d.push(unknown(
                    Code::UnknownStep,
                    "step",
                    step.value.as_str(),
                    step.span,
                    graph.names(),
                )),
                Some(_) => {}
                None if k.process.is_none() => d.push(
                    Diagnostic::new(
                        Code::UnknownStep,
                        step.span,
                        format!("step `{}` of no process", step.value),
                    )
                    .with_help("name the process the KPI measures with `process`"),
                ),
                None => {}
            }
        }
    }
    for (_, entry) in cx.bundle.reports.iter() {
        let r = &entry.value;
        if let Some(c) = &r.calendar {
            calendar(cx, c, d);
        }
        roles(cx, r.owner.iter().chain(&r.recipients), d);
        for a in &r.agreements {
            agreement(cx, a, d);
        }
        for k in &r.kpis {
            cx.known(&cx.bundle.kpis, Code::UnknownKpi, "KPI", k, d);
        }
        if let Some(m) = &r.escalation {
            matrix(cx, m, d);
        }
        for card in &r.rate_cards {
            cx.known(
                &cx.bundle.rate_cards,
                Code::UnknownRateCard,
                "rate card",
                card,
                d,
            );
        }
    }
    for (_, entry) in cx.bundle.forums.iter() {
        let f = &entry.value;
        if let Some(c) = &f.calendar {
            calendar(cx, c, d);
        }
        roles(cx, f.chair.iter().chain(&f.provider).chain(&f.customer), d);
        for notice in &f.notices {
            roles(cx, notice.value.from.iter().chain(&notice.value.to), d);
        }
        for r in &f.reports {
            cx.known(&cx.bundle.reports, Code::UnknownReport, "report", r, d);
        }
    }
}

/// An agreement id must name an agreement.
fn agreement(cx: &Context<'_>, id: &Spanned<AgreementId>, d: &mut Diagnostics) -> bool {
    cx.known(
        &cx.bundle.agreements,
        Code::UnknownAgreement,
        "agreement",
        id,
        d,
    )
}

/// An agreement (a trigger's, a KPI measure's) and the targets named with it must exist.
fn targets(
    cx: &Context<'_>,
    id: &Spanned<AgreementId>,
    targets: &[Spanned<TargetId>],
    d: &mut Diagnostics,
) {
    if !agreement(cx, id, d) {
        return;
    }
    let Some(found) = cx.bundle.agreements.get(id.value.as_str()) else {
        return;
    };
    for target in targets {
        if !found.targets.contains(target.value.as_str()) {
            d.push(unknown(
                Code::UnknownTarget,
                &format!("target of `{}`", id.value),
                target.value.as_str(),
                target.span,
                found.targets.keys().map(|k| k.value.as_str()),
            ));
        }
    }
}
