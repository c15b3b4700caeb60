//! Availability targets: outages give downtime in the target's calendar (its service hours),
//! and each period of the agreement has a downtime budget, the service time the objective
//! leaves (`99.5%` of a month's service time leaves 0.5% of it).
//!
//! An outage is a record the target applies to (its `applies_to`), down from the change where
//! the target's `start` holds until the change where its `stop` holds, e.g. record type
//! `outage`, events `created` and `restored`. It is planned maintenance if its `planned` field
//! is `true` when it starts; with `maintenance: excluded` the service counts as up while only
//! planned outages are under way (the period's service time stays the same, so the budget is
//! known when the period starts). Outages that overlap count once: the service is down while any
//! counted outage is open. Downtime is the business seconds of the target's calendar inside
//! the period; periods are bounded in the agreement calendar's time zone.
//!
//! The budget is the whole seconds of `service × (1 − objective)`, rounded down, so a period
//! whose downtime equals it still achieves the objective exactly. The breach instant is when the
//! downtime reaches the budget while an outage is open: an outage that ends at that very second
//! is in time (as a clock stopped at its due is met), one that lasts longer breaches. For a
//! `100%` target the budget is zero and an outage breaches at its first second of service time.
//!
//! [`per_period`] is the figure a report shows; the engine keeps a running tally of the same
//! downtime and arms a timer at [`breach_at`].

use std::sync::Arc;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::base::Name;
use crate::calendar::{BusinessCalendar, period};
use crate::condition::Condition;
use crate::model::agreement::Maintenance;
use crate::model::{AgreementType, Period};
use crate::sla::ActionSpec;
use crate::validate::Context;

/// The period of an agreement that names none.
const MONTHLY: Period = Period {
    unit: crate::model::PeriodUnit::Month,
    count: 1,
};

/// An availability target, compiled.
#[derive(Debug, Clone)]
pub struct AvailabilityDef {
    /// The agreement id.
    pub agreement: Name,
    /// The agreement's type.
    pub agreement_type: AgreementType,
    /// The target id.
    pub id: Name,
    /// Its display name (the id without one).
    pub name: String,
    /// The record types it applies to.
    pub record_types: Vec<String>,
    /// The rest of `applies_to`.
    pub applies: Condition,
    /// When an outage starts.
    pub start: Condition,
    /// When it ends.
    pub stop: Condition,
    /// The objective as a ratio (`99.5%` is 995/1000).
    pub objective: (u64, u64),
    /// The objective as written.
    pub objective_text: String,
    /// Whether planned outages are downtime.
    pub maintenance: Maintenance,
    /// The calendar of service hours downtime is counted in.
    pub calendar: Arc<BusinessCalendar>,
    /// The agreement's period (`monthly` by default).
    pub period: Period,
    /// The time zone periods are bounded in (the agreement calendar's).
    pub tz: Tz,
    /// Breach actions.
    pub breach: Vec<ActionSpec>,
}

/// One outage of a target: a record down from `start` until `end`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outage {
    /// The agreement id.
    pub agreement: Name,
    /// The target id.
    pub target: Name,
    /// The outage record.
    pub record: Name,
    /// When it started.
    pub start: i64,
    /// When it ended (`None`: still open).
    pub end: Option<i64>,
    /// Whether it is planned maintenance.
    pub planned: bool,
}

/// One outage as a period sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodOutage {
    /// The outage record.
    pub record: Name,
    /// When it started (maybe before the period).
    pub start: i64,
    /// When it ended (`None`: open at the instant the figures are for).
    pub end: Option<i64>,
    /// Whether it is planned maintenance.
    pub planned: bool,
    /// Whether it counts against the target.
    pub counted: bool,
    /// Its service seconds inside the period (overlaps with other outages included).
    pub service_seconds: u64,
}

/// A target's availability in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// The agreement id.
    pub agreement: Name,
    /// The target id.
    pub target: Name,
    /// The period, e.g. `2026-10`.
    pub period: String,
    /// The period's start.
    pub from: i64,
    /// The period's end.
    pub to: i64,
    /// The service seconds of the period (the target calendar's working time in it).
    pub service_seconds: u64,
    /// Seconds of service time the service was down (overlapping outages once).
    pub downtime_seconds: u64,
    /// Seconds of service time only planned outages were under way (downtime too if
    /// maintenance is counted).
    pub planned_seconds: u64,
    /// The downtime the objective allows in the period, whole seconds rounded down.
    pub allowed_seconds: u64,
    /// Availability as an exact ratio: up seconds over service seconds (`(0, 0)` for a period
    /// without service time).
    pub percent: (u64, u64),
    /// The objective as a ratio (`99.5%` is 995/1000).
    pub objective: (u64, u64),
    /// Whether the objective is achieved (`downtime <= allowed`).
    pub achieved: bool,
    /// The outages that overlap the period, by start.
    pub outages: Vec<PeriodOutage>,
}

impl Availability {
    /// The availability in percent, with `decimals` decimals, rounded down (never shows a
    /// missed objective as met); `100` for a period without service time.
    pub fn percent_text(&self, decimals: u32) -> String {
        let (up, of) = self.percent;
        if of == 0 {
            return "100".into();
        }
        let scale = 10u128.pow(decimals);
        let value = u128::from(up) * 100 * scale / u128::from(of);
        if decimals == 0 {
            return value.to_string();
        }
        let whole = value / scale;
        let fraction = value % scale;
        format!("{whole}.{fraction:0width$}", width = decimals as usize)
    }
}

impl AvailabilityDef {
    /// The bounds of period `n`.
    pub fn bounds(&self, n: i64) -> (i64, i64) {
        period::bounds_of_number(self.period, self.tz, n)
    }

    /// The number of the period containing `t`.
    pub fn period_of(&self, t: i64) -> i64 {
        period::number(self.period, self.tz, t)
    }

    /// The downtime budget of a period with `service` seconds of service time.
    pub fn allowed(&self, service: u64) -> u64 {
        let (num, den) = self.objective;
        if den == 0 || num >= den {
            return 0;
        }
        let allowed = u128::from(service) * u128::from(den - num) / u128::from(den);
        u64::try_from(allowed).unwrap_or(u64::MAX)
    }

    /// The downtime budget of period `n`.
    pub fn budget(&self, n: i64) -> u64 {
        let (from, to) = self.bounds(n);
        self.allowed(self.calendar.between(from, to))
    }

    /// Whether an outage counts against the target.
    pub fn counts(&self, outage: &Outage) -> bool {
        !(outage.planned && self.maintenance == Maintenance::Excluded)
    }

    /// Whether an outage is one of this target's.
    pub fn owns(&self, outage: &Outage) -> bool {
        outage.agreement == self.agreement && outage.target == self.id
    }
}

/// Service seconds of `calendar` in the union of `intervals`, clipped to `[from, to)`.
fn union_seconds(
    calendar: &BusinessCalendar,
    mut intervals: Vec<(i64, i64)>,
    from: i64,
    to: i64,
) -> u64 {
    intervals.retain_mut(|(s, e)| {
        *s = (*s).max(from);
        *e = (*e).min(to);
        s < e
    });
    intervals.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for (s, e) in intervals {
        match &mut current {
            Some((_, ce)) if s <= *ce => *ce = (*ce).max(e),
            _ => {
                if let Some((cs, ce)) = current {
                    total += calendar.between(cs, ce);
                }
                current = Some((s, e));
            }
        }
    }
    if let Some((cs, ce)) = current {
        total += calendar.between(cs, ce);
    }
    total
}

/// A target's availability in period `n`, from its outages as of `now` (open outages count up
/// to `now`; the period's later part is up time so far). Outages of other targets are skipped.
pub fn per_period(def: &AvailabilityDef, outages: &[Outage], n: i64, now: i64) -> Availability {
    let (from, to) = def.bounds(n);
    let until = to.min(now.max(from));
    let mine: Vec<&Outage> = outages
        .iter()
        .filter(|o| def.owns(o) && o.start < until && o.end.is_none_or(|e| e > from))
        .collect();
    let interval = |o: &Outage| (o.start, o.end.unwrap_or(now).min(until));
    let all = union_seconds(
        &def.calendar,
        mine.iter().map(|o| interval(o)).collect(),
        from,
        until,
    );
    let unplanned = union_seconds(
        &def.calendar,
        mine.iter()
            .filter(|o| !o.planned)
            .map(|o| interval(o))
            .collect(),
        from,
        until,
    );
    let planned_seconds = all - unplanned.min(all);
    let downtime_seconds = match def.maintenance {
        Maintenance::Counted => all,
        Maintenance::Excluded => unplanned,
    };
    let service_seconds = def.calendar.between(from, to);
    let allowed_seconds = def.allowed(service_seconds);
    let mut list: Vec<PeriodOutage> = mine
        .iter()
        .map(|o| {
            let (s, e) = interval(o);
            PeriodOutage {
                record: Name::clone(&o.record),
                start: o.start,
                end: o.end,
                planned: o.planned,
                counted: def.counts(o),
                service_seconds: def.calendar.between(s.max(from), e.min(until)),
            }
        })
        .collect();
    list.sort_by_key(|o| o.start);
    Availability {
        agreement: Name::clone(&def.agreement),
        target: Name::clone(&def.id),
        period: period::label(def.period, n),
        from,
        to,
        service_seconds,
        downtime_seconds,
        planned_seconds,
        allowed_seconds,
        percent: (
            service_seconds.saturating_sub(downtime_seconds),
            service_seconds,
        ),
        objective: def.objective,
        achieved: downtime_seconds <= allowed_seconds,
        outages: list,
    }
}

/// When the target's downtime reaches the budget of the period containing `now`, given the
/// period's `downtime` up to `now` with a counted outage open, if that comes before the period
/// ends; otherwise `None`.
pub fn breach_at(def: &AvailabilityDef, now: i64, downtime: u64) -> Option<i64> {
    let n = def.period_of(now);
    let (_, to) = def.bounds(n);
    let remaining = def.budget(n).saturating_sub(downtime);
    let at = if remaining == 0 {
        def.calendar.next_open(now)?
    } else {
        def.calendar.add(now, remaining)?
    };
    (at < to).then_some(at)
}

/// Every availability target of the bundle, in document order.
pub fn targets(
    cx: &Context<'_>,
    matrices: &std::collections::HashMap<String, u32>,
) -> Vec<AvailabilityDef> {
    let mut out = Vec::new();
    for (agreement_id, entry) in cx.bundle.agreements.iter() {
        let agreement = &entry.value;
        let assignment = crate::sla::assignment(agreement);
        let period_calendar = cx.calendar(agreement.calendar.as_ref());
        for (target_id, t) in agreement.targets.iter() {
            let Some(objective) = &t.availability else {
                continue;
            };
            let scope = crate::sla::scope(
                cx,
                agreement_id.as_str(),
                target_id.value.as_str(),
                t,
                &assignment,
            );
            out.push(AvailabilityDef {
                agreement: agreement_id.as_str().into(),
                agreement_type: agreement.kind.value,
                id: target_id.value.as_str().into(),
                name: t
                    .name
                    .clone()
                    .unwrap_or_else(|| target_id.value.to_string()),
                record_types: scope.record_types,
                applies: scope.applies,
                start: scope.start,
                stop: scope.stop,
                objective: objective.value.ratio(),
                objective_text: objective.value.to_string(),
                maintenance: t.maintenance.as_ref().map(|m| m.value).unwrap_or_default(),
                calendar: cx.calendar(t.calendar.as_ref().or(agreement.calendar.as_ref())),
                period: agreement.period.as_ref().map_or(MONTHLY, |p| p.value),
                tz: period_calendar.tz(),
                breach: ActionSpec::list(cx, &t.breach, matrices),
            });
        }
    }
    out
}
