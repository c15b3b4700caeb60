//! KPIs, forums, reports, triggers and embedded tests (E10xx): control limits in order, forums
//! that are scheduled, reports that can go overdue, triggers that test something, and test
//! events a run can accept.

use std::collections::HashSet;

use super::Context;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

/// Checks KPIs, process triggers and embedded tests.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    for (id, entry) in cx.bundle.kpis.iter() {
        let k = &entry.value;
        if let (Some(lower), Some(upper)) = (&k.lower_limit, &k.upper_limit)
            && lower.value > upper.value
        {
            d.push(
                Diagnostic::new(
                    Code::KpiLimits,
                    lower.span,
                    format!(
                        "lower control limit {} of KPI `{id}` is above its upper limit {}",
                        lower.value, upper.value
                    ),
                )
                .with_secondary(upper.span, "upper limit"),
            );
        }
        if let Some(measure) = &k.measure {
            check_measure(id.as_str(), &measure.value, measure.span, d);
        }
    }
    for (id, entry) in cx.bundle.forums.iter() {
        let f = &entry.value;
        if f.cadence.is_some() || f.template {
            continue;
        }
        let span = match (&f.held, f.notices.first()) {
            (Some(held), _) => held
                .working_day
                .as_ref()
                .map(|w| w.span)
                .or(held.time.as_ref().map(|t| t.span))
                .or(held.duration.as_ref().map(|t| t.span)),
            (None, Some(notice)) => Some(notice.span),
            (None, None) => None,
        };
        if let Some(span) = span {
            d.push(
                Diagnostic::new(
                    Code::UnscheduledForum,
                    span,
                    format!("forum `{id}` has no `cadence`: it is never scheduled, so no notice goes out"),
                )
                .with_help("give the forum a `cadence` (e.g. `monthly`), or remove `held` and `notices` from a forum held when needed"),
            );
        }
    }
    for (id, entry) in cx.bundle.reports.iter() {
        let r = &entry.value;
        if let (Some(m), None) = (&r.escalation, &r.due) {
            d.push(
                Diagnostic::new(
                    Code::ReportNeverOverdue,
                    m.span,
                    format!("report `{id}` has an `escalation` but no `due`: it is never overdue"),
                )
                .with_help("give the report a `due` (e.g. `5 working days` after its period), or remove `escalation`"),
            );
        }
    }
    for (id, entry) in cx.bundle.processes.iter() {
        let p = &entry.value;
        let procedure_triggers = p.procedures.values().flat_map(|proc| proc.triggers.iter());
        for trigger in p.triggers.iter().chain(procedure_triggers) {
            let t = &trigger.value;
            if t.event.is_none() && t.schedule.is_none() && t.when.is_none() {
                d.push(
                    Diagnostic::new(Code::EmptyCondition, trigger.span, format!("a trigger of process `{id}` has no `event`, `schedule` or `when`"))
                        .with_help("a trigger starts instances on an event, on a schedule (e.g. `monthly`) or when a condition becomes true"),
                );
            } else if t.schedule.is_some() && (t.event.is_some() || t.when.is_some()) {
                d.push(
                    Diagnostic::new(
                        Code::EmptyCondition,
                        trigger.span,
                        format!(
                            "a trigger of process `{id}` has a `schedule` and a record condition"
                        ),
                    )
                    .with_help("a scheduled start has no record to test; use two triggers"),
                );
            }
        }
    }
    for (id, entry) in cx.bundle.tests.iter() {
        let mut seen = HashSet::new();
        let mut last_at = None;
        for event in &entry.value.events {
            let e = &event.value;
            if let Some(previous) = last_at
                && e.at < previous
            {
                d.push(
                    Diagnostic::new(
                        Code::InvalidTestEvent,
                        event.span,
                        format!(
                            "event of test `{id}` at {} is earlier than the event before it",
                            e.at
                        ),
                    )
                    .with_help("events are applied in time order; sort them by `at`"),
                );
            }
            last_at = Some(e.at);
            if let Some(record) = &e.record {
                if seen.insert(record.clone()) && e.record_type.is_none() {
                    d.push(
                        Diagnostic::new(
                            Code::InvalidTestEvent,
                            event.span,
                            format!(
                                "first event of record `{record}` in test `{id}` has no `type`"
                            ),
                        )
                        .with_help(
                            "the first event of a record names its type, e.g. `type: incident`",
                        ),
                    );
                }
            } else if e.event == "step.completed" && (e.instance.is_none() || e.step.is_none()) {
                d.push(
                    Diagnostic::new(
                        Code::InvalidTestEvent,
                        event.span,
                        format!(
                            "`step.completed` event of test `{id}` needs `instance` and `step`"
                        ),
                    )
                    .with_help(
                        "name the instance (as in `instance.started`) and the step it completes",
                    ),
                );
            }
        }
        for expectation in entry.value.expect.iter().chain(&entry.value.expect_none) {
            for key in expectation.value.0.keys() {
                if !crate::model::event::ACTION_FIELDS.contains(&key.as_str()) {
                    d.push(
                        Diagnostic::new(
                            Code::InvalidTestEvent,
                            expectation.span,
                            format!("expectation of test `{id}` has unknown field `{key}`"),
                        )
                        .with_help(
                            crate::diagnostic::fuzzy::did_you_mean(key, crate::model::event::ACTION_FIELDS.iter().copied())
                                .unwrap_or_else(|| "an unquoted comma in a flow mapping (`message: a, b`) makes a field of each part; quote the value".into()),
                        ),
                    );
                }
            }
            if !expectation.value.0.contains_key("kind") {
                d.push(
                    Diagnostic::new(
                        Code::InvalidTestEvent,
                        expectation.span,
                        format!("expectation of test `{id}` has no `kind`"),
                    )
                    .with_help("say which action is expected, e.g. `kind: sla.breached`"),
                );
            }
        }
    }
}

/// A KPI measure gives exactly one way to compute the value, and a percentile within 0-100%.
fn check_measure(
    id: &str,
    m: &crate::model::measure::KpiMeasure,
    at: crate::source::Span,
    d: &mut Diagnostics,
) {
    let spans: Vec<crate::source::Span> = [
        m.compliance.as_ref().map(|s| s.span),
        m.elapsed.as_ref().map(|s| s.span),
        m.count.as_ref().map(|s| s.span),
        m.ratio.as_ref().map(|s| s.span),
    ]
    .into_iter()
    .flatten()
    .collect();
    if spans.is_empty() {
        d.push(
            Diagnostic::new(
                Code::KpiMeasure,
                at,
                format!("the measure of KPI `{id}` says nothing to compute"),
            )
            .with_help("give one of `compliance`, `elapsed`, `count` or `ratio`"),
        );
    }
    if spans.len() > 1
        && let Some(second) = spans.get(1)
    {
        d.push(
            Diagnostic::new(
                Code::KpiMeasure,
                *second,
                format!("the measure of KPI `{id}` gives more than one way to compute it"),
            )
            .with_help("give one of `compliance`, `elapsed`, `count` or `ratio`"),
        );
    }
    if let Some(p) = m
        .elapsed
        .as_ref()
        .or(m.compliance.as_ref())
        .and_then(|s| s.value.percentile.as_ref())
        && p.value.0 > 100.0
    {
        d.push(Diagnostic::new(
            Code::KpiMeasure,
            p.span,
            format!("percentile {} of KPI `{id}` is above 100%", p.value),
        ));
    }
}
