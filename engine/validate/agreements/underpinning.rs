//! Underpinning fit (E0703, W0704): each OLA or UC target must be able to finish inside the SLA
//! target it underpins, in business time, each in its own calendar.
//!
//! For every SLA target and every target of an agreement in its `underpinned_by` with the same
//! measure and a shared record type, both due times are computed for a start every hour across a
//! year (the SLA's term from its start, or the calendar year 2026 without one): if the OLA/UC is
//! due later for every start, it can never fit (error); if for some starts, it does not always fit
//! (warning, with the first start where it fails).

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};

use crate::calendar::BusinessCalendar;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::agreement::{Agreement, Target};
use crate::model::{Duration, Spanned, Timestamp};
use crate::validate::Context;

const STEP: i64 = 3600;

/// Checks every SLA against the agreements that underpin it.
pub fn check(cx: &Context<'_>, d: &mut Diagnostics) {
    for (_, entry) in cx.bundle.agreements.iter() {
        let sla = &entry.value;
        for under in &sla.underpinned_by {
            let Some(other) = cx.bundle.agreements.get(under.value.as_str()) else {
                continue;
            };
            for (sla_id, sla_target) in sla.targets.iter() {
                for (ola_id, ola_target) in other.targets.iter() {
                    if !comparable(sla_id, sla_target, ola_id, ola_target) {
                        continue;
                    }
                    compare(
                        cx,
                        sla,
                        (sla_id, sla_target),
                        other,
                        (ola_id, ola_target),
                        under.value.as_ref(),
                        d,
                    );
                }
            }
        }
    }
}

fn comparable(
    sla_id: &Spanned<crate::model::TargetId>,
    sla: &Target,
    ola_id: &Spanned<crate::model::TargetId>,
    ola: &Target,
) -> bool {
    sla.measure(sla_id.value.as_str()) == ola.measure(ola_id.value.as_str())
        && sla
            .applies_to
            .record_type
            .value
            .iter()
            .any(|t| ola.applies_to.record_type.value.iter().any(|o| o == t))
        && sla.goal.is_some()
        && ola.goal.is_some()
        && !disjoint(&sla.applies_to.fields, &ola.applies_to.fields)
}

/// Whether two field constraints can never hold together (a field both constrain to values
/// with nothing in common), e.g. `severity: 1` and `severity: 2`.
fn disjoint(
    a: &crate::model::IdMap<String, crate::model::condition::FieldMatch>,
    b: &crate::model::IdMap<String, crate::model::condition::FieldMatch>,
) -> bool {
    let values = |m: &crate::model::condition::FieldMatch| match &m.0 {
        serde_json::Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    a.iter().any(|(field, wanted)| {
        b.get(&field.value).is_some_and(|other| {
            let (x, y) = (values(wanted), values(other));
            !x.iter().any(|v| y.iter().any(|w| crate::base::same(v, w)))
        })
    })
}

fn calendar_of(
    cx: &Context<'_>,
    agreement: &Agreement,
    target: &Target,
) -> Option<Arc<BusinessCalendar>> {
    let id = target
        .calendar
        .as_ref()
        .or(agreement.calendar.as_ref())
        .map(|c| c.value.as_str());
    cx.calendars.get_or_always(id).cloned()
}

fn due(calendar: &BusinessCalendar, start: i64, goal: Duration) -> Option<i64> {
    match goal {
        Duration::Seconds(s) => calendar.add(start, s),
        Duration::WorkingDays(n) => calendar.add_working_days(start, n),
    }
}

fn window(sla: &Agreement) -> (i64, i64) {
    let start = sla
        .term
        .as_ref()
        .and_then(|t| t.start.as_ref())
        .map(|d| d.value.0)
        .or_else(|| NaiveDate::from_ymd_opt(2026, 1, 1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |t| Utc.from_utc_datetime(&t).timestamp());
    (start, start + 365 * 86_400)
}

fn compare(
    cx: &Context<'_>,
    sla: &Agreement,
    (sla_id, sla_target): (&Spanned<crate::model::TargetId>, &Target),
    ola: &Agreement,
    (ola_id, ola_target): (&Spanned<crate::model::TargetId>, &Target),
    ola_name: &str,
    d: &mut Diagnostics,
) {
    let (Some(sla_cal), Some(ola_cal)) = (
        calendar_of(cx, sla, sla_target),
        calendar_of(cx, ola, ola_target),
    ) else {
        return;
    };
    let (Some(sla_goal), Some(ola_goal)) = (&sla_target.goal, &ola_target.goal) else {
        return;
    };
    let (from, to) = window(sla);
    let mut samples = 0u32;
    let mut late = 0u32;
    let mut first_late: Option<(i64, i64, i64)> = None;
    let mut t = from;
    while t < to {
        samples += 1;
        if let Some(sla_due) = due(&sla_cal, t, sla_goal.value) {
            let ola_due = due(&ola_cal, t, ola_goal.value);
            if ola_due.is_none_or(|o| o > sla_due) {
                late += 1;
                if first_late.is_none() {
                    first_late = Some((t, ola_due.unwrap_or(i64::MAX), sla_due));
                }
            }
        }
        t += STEP;
    }
    let Some((start, ola_due, sla_due)) = first_late else {
        return;
    };
    let what = format!(
        "{} target `{}` of `{ola_name}` ({}) underpins SLA target `{}` ({})",
        ola.kind.value.as_str().to_uppercase(),
        ola_id.value,
        ola_goal.value,
        sla_id.value,
        sla_goal.value
    );
    let diagnostic = if late == samples {
        Diagnostic::new(Code::UnderpinningCannotFit, ola_goal.span, format!("{what} but can never finish inside it"))
            .with_help("shorten the OLA/UC goal or use a calendar with more working time, so it can be met before the SLA is due")
    } else {
        Diagnostic::new(
            Code::UnderpinningMayNotFit,
            ola_goal.span,
            format!(
                "{what} but does not always finish inside it: started at {}, it is due at {}, after the SLA's {}",
                Timestamp(start),
                Timestamp(ola_due),
                Timestamp(sla_due)
            ),
        )
        .with_help(format!(
            "{late} of {samples} hourly start times over a year miss; compare the two calendars' hours and holidays"
        ))
    };
    d.push(diagnostic.with_secondary(sla_goal.span, "the SLA goal it must fit inside"));
}
