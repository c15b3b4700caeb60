//! KPIs in the engine: every action emitted and every record event applied is folded into the
//! tallies of the current version's KPIs, and at each period boundary (a timer) a KPI's period
//! closes with a `kpi.measured` action; a value outside the control limits adds a
//! `kpi.out_of_limits` action and raises the `kpi_out_of_limits` topics of escalation matrices.
//! A raised KPI topic calms when a later period is back within its limits.

use std::sync::Arc;

use super::Engine;
use crate::base::Name;
use crate::calendar::period::{
    bounds, bounds_of_number, label, next_boundary, number, parse_label,
};
use crate::condition::{Change, Evaluator};
use crate::escalation::{Signal, Subject};
use crate::kpi::{Facts, KpiDef, KpiTally, Measure, Value};
use crate::model::{Event, Timestamp};
use crate::program::Program;
use crate::runtime::action::{Action, Kind};
use crate::runtime::timer::Due;

impl Engine {
    /// Starts the periods of the current version's KPIs at `from`; a KPI the previous version
    /// also had keeps its tally (its period goes on).
    pub(super) fn init_kpis(&mut self, from: i64) {
        let program = Arc::clone(&self.current);
        let version = self.state.current;
        let old = std::mem::take(&mut self.state.kpis);
        for (index, def) in program.kpis.iter().enumerate() {
            let (start, next) = bounds(def.period, def.tz, from);
            let tally = old
                .iter()
                .find(|t| t.id == def.id)
                .cloned()
                .unwrap_or_else(|| KpiTally {
                    id: Name::clone(&def.id),
                    start,
                    ..KpiTally::default()
                });
            self.state.kpis.push(tally);
            // A reported KPI's values come in events; nothing closes its periods.
            if !matches!(def.measure, Measure::Reported) {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                self.state.timers.push(next, Due::Kpi(version, index));
            }
        }
    }

    /// Folds an action about to be emitted into the KPI tallies.
    pub(super) fn kpi_action(&mut self, action: &Action) {
        let facts = Facts {
            kind: action.kind.as_str(),
            record_type: action.record_type.as_deref(),
            agreement: action.agreement.as_deref(),
            target: action.target.as_deref(),
            process: action.process.as_deref(),
            step: action.step.as_deref(),
            outcome: action.outcome.as_deref(),
            elapsed: action.elapsed,
        };
        for (def, tally) in self.current.kpis.iter().zip(self.state.kpis.iter_mut()) {
            def.on_action(tally, &facts);
        }
    }

    /// Folds a record event into the KPI tallies that count events.
    pub(super) fn kpi_event(
        &mut self,
        program: &Program,
        change: &Change<'_>,
        eval: &mut Evaluator<'_>,
    ) {
        for (def, tally) in program.kpis.iter().zip(self.state.kpis.iter_mut()) {
            if def.counts_events() {
                def.on_event(tally, change, eval);
            }
        }
    }

    /// The id of the current version's KPI `index`.
    pub(super) fn kpi_id(&self, index: u32) -> Option<Name> {
        self.current
            .kpis
            .get(index as usize)
            .map(|k| Name::clone(&k.id))
    }

    /// The end of a KPI's period: its value is emitted, checked against the control limits,
    /// and the next period begins.
    pub(super) fn kpi_timer(&mut self, version: u16, index: u32, at: i64) {
        if version != self.state.current {
            return;
        }
        let program = Arc::clone(&self.current);
        let Some(def) = program.kpis.get(index as usize).map(Arc::clone) else {
            return;
        };
        let Some(tally) = self.state.kpis.get_mut(index as usize) else {
            return;
        };
        let closed = std::mem::replace(
            tally,
            KpiTally {
                id: Name::clone(&def.id),
                start: at,
                ..KpiTally::default()
            },
        );
        let value = def.value(&closed);
        self.kpi_value(index, &def, (closed.start, at), at, value, Source::Measured);
        let next = next_boundary(def.period, def.tz, at);
        self.state.timers.push(next, Due::Kpi(version, index));
    }

    /// A KPI's value for the period `[from, to)`, known at `at`: `kpi.measured`, and out of its
    /// control limits `kpi.out_of_limits` and the `kpi_out_of_limits` signal; back within them,
    /// the KPI's raised topics calm (unless a later period was reported already).
    fn kpi_value(
        &mut self,
        index: u32,
        def: &KpiDef,
        (from, to): (i64, i64),
        at: i64,
        value: Option<Value>,
        source: Source,
    ) {
        let program = Arc::clone(&self.current);
        let version = self.state.current;
        let out = value.and_then(|v| def.out_of_limits(v));
        let mut measured = kpi_action(Kind::KpiMeasured, at, def, (from, to), value);
        measured.reason = Some(match (value, &out) {
            (None, _) => "nothing to measure in the period".to_string(),
            (Some(_), Some(why)) => why.clone(),
            (Some(v), None) if def.lower.is_none() && def.upper.is_none() => {
                format!("{}{} (no control limits)", v.rounded(), def.unit_suffix())
            }
            (Some(v), None) => format!(
                "{}{} within the control limits",
                v.rounded(),
                def.unit_suffix()
            ),
        });
        if let (Source::Reported { .. }, Some(reason)) = (source, &mut measured.reason) {
            reason.push_str(" (reported)");
        }
        self.emit(measured);
        if let Some(why) = out {
            let mut action = kpi_action(Kind::KpiOutOfLimits, at, def, (from, to), value);
            action.reason = Some(why);
            self.emit(action);
            let mut eval = self.evaluator(&program, version);
            let signal = Signal::KpiOutOfLimits { kpi: &def.id };
            self.signal(
                version,
                &signal,
                Subject::Kpi(index),
                at,
                None,
                &mut eval,
                None,
            );
        } else if value.is_some() && !matches!(source, Source::Reported { latest: false }) {
            self.calm(Subject::Kpi(index), |_, _| true);
        }
    }

    /// A `kpi.reported` event: the value of a KPI without a `measure` for a period that has
    /// ended, from outside the events (a survey's score, a count from a review's minutes).
    pub(super) fn kpi_reported(&mut self, event: &Event, line: u64) {
        let at = event.at.0;
        let program = Arc::clone(&self.current);
        let Some(id) = event.kpi.as_deref() else {
            return self.reject(
                at,
                line,
                "event `kpi.reported` has no `kpi`: name the KPI reported".into(),
            );
        };
        let Some((index, def)) = program.kpis.iter().enumerate().find(|(_, k)| &*k.id == id) else {
            let known = program.kpis.iter().map(|k| &*k.id);
            let hint = crate::diagnostic::fuzzy::did_you_mean(id, known)
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            return self.reject(at, line, format!("event names unknown KPI `{id}`{hint}"));
        };
        if !matches!(def.measure, Measure::Reported) {
            return self.reject(
                at,
                line,
                format!("KPI `{id}` has a `measure`: the engine measures it from the events, so a value cannot be reported for it"),
            );
        }
        let example = || label(def.period, number(def.period, def.tz, at) - 1);
        let Some(n) = event
            .period
            .as_deref()
            .and_then(|p| parse_label(def.period, p))
        else {
            let given = event
                .period
                .as_deref()
                .map_or("no `period`".to_string(), |p| format!("`period` `{p}`"));
            return self.reject(
                at,
                line,
                format!(
                    "event `kpi.reported` has {given}: name a {} period of KPI `{id}` as the engine writes it, e.g. `{}`",
                    def.period,
                    example()
                ),
            );
        };
        let (from, to) = bounds_of_number(def.period, def.tz, n);
        if to > at {
            return self.reject(
                at,
                line,
                format!(
                    "KPI `{id}`'s period `{}` ends at {}, after this event: report a period's value once it has ended",
                    label(def.period, n),
                    Timestamp(to)
                ),
            );
        }
        let reported = match &event.value {
            Some(serde_json::Value::Number(n)) => {
                n.to_string().parse::<rust_decimal::Decimal>().ok()
            }
            Some(serde_json::Value::String(s)) => s.trim().parse::<rust_decimal::Decimal>().ok(),
            _ => None,
        };
        let Some(reported) = reported else {
            let given = event
                .value
                .as_ref()
                .map_or("no `value`".to_string(), |v| format!("`value` {v}"));
            return self.reject(
                at,
                line,
                format!("event `kpi.reported` has {given}: give the KPI's value as a number, e.g. `87.5`"),
            );
        };
        let value = Value {
            numerator: reported,
            denominator: rust_decimal::Decimal::ONE,
        };
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let def = Arc::clone(def);
        // A value for an earlier period than one already reported (a correction, a late
        // survey) does not calm what the later period raised. A reported KPI's tally keeps
        // the start of the latest period reported.
        let latest = match self.state.kpis.get_mut(index as usize) {
            Some(tally) if from >= tally.start => {
                tally.start = from;
                true
            }
            _ => false,
        };
        self.kpi_value(
            index,
            &def,
            (from, to),
            at,
            Some(value),
            Source::Reported { latest },
        );
    }
}

/// Where a KPI's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The engine measured it at the period's end.
    Measured,
    /// A `kpi.reported` event gave it; `latest` when no later period was reported before.
    Reported { latest: bool },
}

/// A KPI action: the KPI, its period `[from, to)`, value and limits (exact decimals, as text).
fn kpi_action(
    kind: Kind,
    at: i64,
    def: &KpiDef,
    (from, to): (i64, i64),
    value: Option<Value>,
) -> Action {
    let mut action = Action::new(kind, at);
    action.kpi = Some(Name::clone(&def.id));
    let mut fields = serde_json::Map::new();
    let text = |s: String| serde_json::Value::String(s);
    fields.insert("period_start".into(), text(Timestamp(from).to_string()));
    fields.insert("period_end".into(), text(Timestamp(to).to_string()));
    if let Some(v) = value {
        fields.insert("value".into(), text(v.rounded().to_string()));
        fields.insert(
            "numerator".into(),
            text(v.numerator.normalize().to_string()),
        );
        fields.insert(
            "denominator".into(),
            text(v.denominator.normalize().to_string()),
        );
    }
    if let Some(lower) = def.lower {
        fields.insert("lower_limit".into(), text(lower.to_string()));
    }
    if let Some(upper) = def.upper {
        fields.insert("upper_limit".into(), text(upper.to_string()));
    }
    action.fields = Some(fields);
    action
}
