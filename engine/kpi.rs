//! KPIs at run time: each KPI with a `measure`, compiled, and the running tally of its current
//! period, which the engine keeps in its state and closes at every period boundary (a timer, so
//! a live engine and a replay close the same periods at the same instants).
//!
//! A tally is a handful of counters (and, for a percentile of business time, the elapsed times
//! of the period's clocks): what a measure counts is folded in as actions are emitted and events
//! applied, never kept. Values are exact: a compliance of 2 met out of 3 is the fraction 200/3,
//! compared with a limit by cross-multiplication, and written rounded to two decimals.

use std::sync::Arc;

use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::base::Name;
use crate::condition::{Change, Condition, Evaluator};
use crate::model::governance::{Bounds, KpiUnit};
use crate::model::measure::{ClockSelection, KpiMeasure, Tally};
use crate::model::{Percent, Period};
use crate::validate::Context;

/// What a KPI looks at in an action the engine emits (the measure is built below the runtime,
/// so it reads these, not the action itself).
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The action's kind as written, e.g. `sla.met`.
    pub kind: &'a str,
    /// The record type.
    pub record_type: Option<&'a str>,
    /// The agreement of a clock.
    pub agreement: Option<&'a str>,
    /// The target of a clock.
    pub target: Option<&'a str>,
    /// The process.
    pub process: Option<&'a str>,
    /// The step.
    pub step: Option<&'a str>,
    /// The decision outcome.
    pub outcome: Option<&'a str>,
    /// Business seconds elapsed on a clock.
    pub elapsed: Option<u64>,
}

/// A KPI the engine computes.
#[derive(Debug)]
pub struct KpiDef {
    /// The KPI id.
    pub id: Name,
    /// How often it is measured.
    pub period: Period,
    /// The time zone its periods are bounded in.
    pub tz: Tz,
    /// What it counts.
    pub measure: Measure,
    /// Its unit.
    pub unit: Option<KpiUnit>,
    /// The lower control limit, exact.
    pub lower: Option<Decimal>,
    /// The upper control limit, exact.
    pub upper: Option<Decimal>,
    /// Whether a value equal to a limit is out of control.
    pub strict: bool,
}

/// What a KPI counts, compiled.
#[derive(Debug)]
pub enum Measure {
    /// The share of met clocks among those met or breached.
    Compliance(Clocks),
    /// The average (or a percentile) of the business time of clocks that ended.
    Elapsed(Clocks, Option<Percent>),
    /// A number of events or actions.
    Count(Counter),
    /// One count as a share of another.
    Ratio(Counter, Box<Counter>),
    /// Nothing in the events: the value comes from outside (a survey, a review's minutes) in
    /// `kpi.reported` events.
    Reported,
}

/// The clocks of some targets of one agreement.
#[derive(Debug)]
pub struct Clocks {
    agreement: String,
    targets: Vec<String>,
}

impl Clocks {
    fn of(selection: &ClockSelection) -> Clocks {
        Clocks {
            agreement: selection.agreement.value.to_string(),
            targets: selection
                .targets
                .iter()
                .map(|t| t.value.to_string())
                .collect(),
        }
    }

    fn selects(&self, action: &Facts<'_>) -> bool {
        action.agreement == Some(self.agreement.as_str())
            && (self.targets.is_empty()
                || action
                    .target
                    .is_some_and(|t| self.targets.iter().any(|w| w == t)))
    }
}

/// What a `count` counts, compiled.
#[derive(Debug)]
pub struct Counter {
    events: Vec<String>,
    action: Option<String>,
    record_types: Vec<String>,
    fields: Option<Condition>,
    process: Option<String>,
    step: Option<String>,
    outcome: Option<String>,
    agreement: Option<String>,
    target: Option<String>,
}

impl Counter {
    fn of(tally: &Tally) -> Counter {
        let list = |v: &Option<crate::model::condition::OneOrMany<String>>| {
            v.as_ref()
                .map(|v| v.iter().cloned().collect())
                .unwrap_or_default()
        };
        Counter {
            events: list(&tally.event),
            action: tally.action.as_ref().map(|a| a.value.clone()),
            record_types: list(&tally.record_type),
            fields: (!tally.fields.is_empty()).then(|| Condition::of_fields(&tally.fields, None)),
            process: tally.process.clone(),
            step: tally.step.clone(),
            outcome: tally.outcome.clone(),
            agreement: tally.agreement.clone(),
            target: tally.target.clone(),
        }
    }

    /// Whether it counts events (else actions).
    pub fn counts_events(&self) -> bool {
        self.action.is_none()
    }

    /// Whether it counts this record event.
    pub fn event(&self, change: &Change<'_>, eval: &mut Evaluator<'_>) -> bool {
        self.counts_events()
            && (self.events.is_empty() || self.events.iter().any(|e| e == change.event))
            && (self.record_types.is_empty()
                || self.record_types.iter().any(|t| t == change.record_type))
            && self.fields.as_ref().is_none_or(|f| f.holds(change, eval))
    }

    /// Whether it counts this action.
    pub fn action(&self, action: &Facts<'_>) -> bool {
        let same = |wanted: &Option<String>, have: Option<&str>| {
            wanted.as_deref().is_none_or(|w| have == Some(w))
        };
        self.action.as_deref() == Some(action.kind)
            && (self.record_types.is_empty()
                || action
                    .record_type
                    .is_some_and(|t| self.record_types.iter().any(|w| w == t)))
            && same(&self.process, action.process)
            && same(&self.step, action.step)
            && same(&self.outcome, action.outcome)
            && same(&self.agreement, action.agreement)
            && same(&self.target, action.target)
    }
}

/// The running tally of one KPI's current period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiTally {
    /// The KPI id.
    pub id: Name,
    /// The start of the period being counted.
    pub start: i64,
    /// Clocks met, events or actions counted (`of` of a ratio).
    pub hits: u64,
    /// Clocks breached (`per` of a ratio).
    pub misses: u64,
    /// Business seconds of the clocks that ended, for an average.
    pub seconds: u128,
    /// The business seconds of each clock that ended, for a percentile (empty otherwise).
    pub times: Vec<u64>,
}

/// A KPI's value for a period, exact: `numerator / denominator` in the KPI's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value {
    /// The numerator.
    pub numerator: Decimal,
    /// The denominator (positive).
    pub denominator: Decimal,
}

impl Value {
    /// The value rounded to two decimals (for display).
    pub fn rounded(self) -> Decimal {
        (self.numerator / self.denominator)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    }

    /// `-1` if below `limit`, `0` if equal, `1` if above: exactly, by cross-multiplication.
    pub fn compare(self, limit: Decimal) -> std::cmp::Ordering {
        self.numerator.cmp(&(limit * self.denominator))
    }
}

impl KpiDef {
    /// Folds an action into the tally.
    pub fn on_action(&self, tally: &mut KpiTally, action: &Facts<'_>) {
        match &self.measure {
            Measure::Compliance(clocks) if clocks.selects(action) => match action.kind {
                "sla.met" => tally.hits += 1,
                "sla.breached" => tally.misses += 1,
                _ => {}
            },
            Measure::Elapsed(clocks, percentile)
                if matches!(action.kind, "sla.met" | "sla.stopped") && clocks.selects(action) =>
            {
                let seconds = action.elapsed.unwrap_or(0);
                tally.hits += 1;
                tally.seconds += u128::from(seconds);
                if percentile.is_some() {
                    tally.times.push(seconds);
                }
            }
            Measure::Count(counter) if counter.action(action) => tally.hits += 1,
            Measure::Ratio(of, per) => {
                tally.hits += u64::from(of.action(action));
                tally.misses += u64::from(per.action(action));
            }
            _ => {}
        }
    }

    /// Whether record events matter to the measure.
    pub fn counts_events(&self) -> bool {
        match &self.measure {
            Measure::Count(c) => c.counts_events(),
            Measure::Ratio(of, per) => of.counts_events() || per.counts_events(),
            _ => false,
        }
    }

    /// Folds a record event into the tally.
    pub fn on_event(&self, tally: &mut KpiTally, change: &Change<'_>, eval: &mut Evaluator<'_>) {
        match &self.measure {
            Measure::Count(counter) => tally.hits += u64::from(counter.event(change, eval)),
            Measure::Ratio(of, per) => {
                tally.hits += u64::from(of.event(change, eval));
                tally.misses += u64::from(per.event(change, eval));
            }
            _ => {}
        }
    }

    /// The value of a closed period, if there is one (no clock ended, nothing to divide by:
    /// none).
    pub fn value(&self, tally: &KpiTally) -> Option<Value> {
        let d = Decimal::from;
        let hundred = Decimal::ONE_HUNDRED;
        let scale = match self.unit {
            Some(KpiUnit::Hours) => d(3_600u64),
            Some(KpiUnit::Days) => d(86_400u64),
            _ => Decimal::ONE,
        };
        let value = match &self.measure {
            Measure::Compliance(_) => Value {
                numerator: d(tally.hits) * hundred,
                denominator: d(tally.hits + tally.misses),
            },
            Measure::Elapsed(_, None) => Value {
                numerator: Decimal::from_i128_with_scale(
                    i128::try_from(tally.seconds).unwrap_or(i128::MAX),
                    0,
                ),
                denominator: d(tally.hits) * scale,
            },
            Measure::Elapsed(_, Some(p)) => {
                let mut times = tally.times.clone();
                times.sort_unstable();
                let seconds = nearest_rank(&times, *p)?;
                Value {
                    numerator: d(seconds),
                    denominator: scale,
                }
            }
            Measure::Count(_) => Value {
                numerator: d(tally.hits),
                denominator: Decimal::ONE,
            },
            Measure::Ratio(..) => Value {
                numerator: d(tally.hits) * hundred,
                denominator: d(tally.misses),
            },
            Measure::Reported => return None,
        };
        (!value.denominator.is_zero()).then_some(value)
    }

    /// The unit as written after a value: `%`, ` h`, ` d` or nothing.
    pub fn unit_suffix(&self) -> &'static str {
        match self.unit {
            Some(KpiUnit::Percent) => "%",
            Some(KpiUnit::Hours) => " h",
            Some(KpiUnit::Days) => " d",
            Some(KpiUnit::Count) | None => "",
        }
    }

    /// Why a value is out of the control limits, if it is.
    pub fn out_of_limits(&self, value: Value) -> Option<String> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let unit = self.unit_suffix();
        let shown = value.rounded();
        if let Some(lower) = self.lower {
            match value.compare(lower) {
                Less => {
                    return Some(format!(
                        "{shown}{unit} is below the lower control limit {lower}{unit}"
                    ));
                }
                Equal if self.strict => {
                    return Some(format!(
                        "{shown}{unit} is not above the lower control limit {lower}{unit} (strict bounds)"
                    ));
                }
                _ => {}
            }
        }
        if let Some(upper) = self.upper {
            match value.compare(upper) {
                Greater => {
                    return Some(format!(
                        "{shown}{unit} is above the upper control limit {upper}{unit}"
                    ));
                }
                Equal if self.strict => {
                    return Some(format!(
                        "{shown}{unit} is not below the upper control limit {upper}{unit} (strict bounds)"
                    ));
                }
                _ => {}
            }
        }
        None
    }
}

/// The nearest-rank percentile of sorted values: the smallest value at or above which `p` of
/// them lie.
pub fn nearest_rank(sorted: &[u64], p: Percent) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let (num, den) = p.ratio();
    let n = sorted.len() as u128;
    // rank = ceil(p * n), at least 1.
    let rank = (u128::from(num) * n)
        .div_ceil(u128::from(den.max(1)))
        .max(1);
    let index = usize::try_from(rank - 1).unwrap_or(usize::MAX);
    sorted.get(index.min(sorted.len() - 1)).copied()
}

/// An f64 limit as the decimal it was written as (the shortest text that reads back as it).
pub fn exact(value: f64) -> Decimal {
    value.to_string().parse().unwrap_or_default()
}

/// Compiles the KPIs of a checked bundle, in document order: those with a `measure` measured
/// from the events, the others [`Measure::Reported`].
pub fn kpis(cx: &Context<'_>) -> Vec<Arc<KpiDef>> {
    let mut out = Vec::new();
    for (id, entry) in cx.bundle.kpis.iter() {
        let k = &entry.value;
        let m: Option<&KpiMeasure> = k.measure.as_ref().map(|m| &m.value);
        let compiled = if let Some(s) = m.and_then(|m| m.compliance.as_ref()) {
            Measure::Compliance(Clocks::of(&s.value))
        } else if let Some(s) = m.and_then(|m| m.elapsed.as_ref()) {
            Measure::Elapsed(
                Clocks::of(&s.value),
                s.value.percentile.as_ref().map(|p| p.value),
            )
        } else if let Some(t) = m.and_then(|m| m.count.as_ref()) {
            Measure::Count(Counter::of(&t.value))
        } else if let Some(r) = m.and_then(|m| m.ratio.as_ref()) {
            Measure::Ratio(
                Counter::of(&r.value.of),
                Box::new(Counter::of(&r.value.per)),
            )
        } else if m.is_none() {
            Measure::Reported
        } else {
            continue;
        };
        let agreement = m
            .and_then(|m| m.compliance.as_ref().or(m.elapsed.as_ref()))
            .and_then(|s| cx.bundle.agreements.get(s.value.agreement.value.as_str()));
        // The process measured, or a process tailored from it (`uses`), may name a calendar.
        let process = k.process.as_ref().and_then(|p| {
            cx.bundle.processes.iter().find_map(|(id, entry)| {
                let mine = id.as_str() == p.value.as_str()
                    || entry
                        .value
                        .uses
                        .as_ref()
                        .is_some_and(|u| u.value.as_str() == p.value.as_str());
                mine.then_some(entry.value.calendar.as_ref()).flatten()
            })
        });
        let calendar = k
            .calendar
            .as_ref()
            .map(|c| c.value.as_str())
            .or_else(|| agreement.and_then(|a| a.calendar.as_ref().map(|c| c.value.as_str())))
            .or_else(|| process.map(|c| c.value.as_str()));
        let tz = cx
            .calendars
            .get_or_always(calendar)
            .map_or(chrono_tz::UTC, |c| c.tz());
        out.push(Arc::new(KpiDef {
            id: Name::from(id.as_str()),
            period: k.frequency.value,
            tz,
            measure: compiled,
            unit: k.unit,
            lower: k.lower_limit.as_ref().map(|l| exact(l.value)),
            upper: k.upper_limit.as_ref().map(|l| exact(l.value)),
            strict: k.bounds == Some(Bounds::Strict),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_exactly_with_limits() {
        let two_of_three = Value {
            numerator: Decimal::from(200),
            denominator: Decimal::from(3),
        };
        assert_eq!(two_of_three.rounded().to_string(), "66.67");
        assert_eq!(two_of_three.compare(exact(66.67)), std::cmp::Ordering::Less);
        assert_eq!(exact(0.1).to_string(), "0.1");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let p90: Percent = "90%".parse().unwrap();
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p90), Some(9));
        assert_eq!(nearest_rank(&[5], p90), Some(5));
        assert_eq!(nearest_rank(&[], p90), None);
    }
}
