//! Availability targets in the engine: outages opened and closed by record changes, and a
//! timer at the instant an open outage exhausts the period's downtime budget (or at the
//! period's end, when the budget starts again), which breaches the target like any other
//! breach: `sla.breached`, the target's breach actions and the `sla_breached` signal. The
//! timer is set from the outages alone, so a replay and a live engine breach at the same
//! instant; the figures are [`crate::availability`]'s.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::availability::{AvailabilityDef, Outage, breach_at};
use crate::base::Name;
use crate::condition::{Change, Evaluator};
use crate::escalation::{Signal, Subject};
use crate::model::Timestamp;
use crate::runtime::action::{Action, Kind};
use crate::runtime::timer::Due;

/// What the engine keeps per availability target: the generation of its pending timer and the
/// last period it breached in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    /// The agreement id.
    pub agreement: Name,
    /// The target id.
    pub target: Name,
    /// The generation of its current timer (others are stale).
    pub generation: u32,
    /// The number of the last period it breached in.
    pub breached: Option<i64>,
}

impl Engine {
    /// Opens or closes the outages a record change starts or stops, for every availability
    /// target of the current version that applies to the record.
    pub(super) fn outages_on_change(&mut self, change: &Change<'_>, eval: &mut Evaluator<'_>) {
        let program = Arc::clone(self.program());
        for (i, def) in program.availability.iter().enumerate() {
            if !def.record_types.iter().any(|t| t == change.record_type) {
                continue;
            }
            let open = self
                .state
                .outages
                .iter()
                .rposition(|o| def.owns(o) && o.end.is_none() && &*o.record == change.record);
            let changed = match open {
                Some(o) if def.stop.holds(change, eval) => {
                    if let Some(outage) = self.state.outages.get_mut(o) {
                        outage.end = Some(change.now);
                    }
                    true
                }
                None if def.applies.holds(change, eval)
                    && def.start.holds(change, eval)
                    && !def.stop.holds(change, eval) =>
                {
                    let planned =
                        change.fields.get("planned") == Some(&serde_json::Value::Bool(true));
                    self.state.outages.push(Outage {
                        agreement: Name::clone(&def.agreement),
                        target: Name::clone(&def.id),
                        record: Name::from(change.record),
                        start: change.now,
                        end: None,
                        planned,
                    });
                    true
                }
                _ => false,
            };
            if changed {
                self.arm_availability(i, def, change.now);
            }
        }
    }

    /// Re-arms every availability target's timer (after a switch of version, whose targets'
    /// indices may differ).
    pub(super) fn init_availability(&mut self, now: i64) {
        let program = Arc::clone(self.program());
        for (i, def) in program.availability.iter().enumerate() {
            self.arm_availability(i, def, now);
        }
    }

    /// The tracker of a target, made if new.
    fn tracker(&mut self, def: &AvailabilityDef) -> usize {
        match self
            .state
            .trackers
            .iter()
            .position(|t| t.agreement == def.agreement && t.target == def.id)
        {
            Some(i) => i,
            None => {
                self.state.trackers.push(Tracker {
                    agreement: Name::clone(&def.agreement),
                    target: Name::clone(&def.id),
                    generation: 0,
                    breached: None,
                });
                self.state.trackers.len() - 1
            }
        }
    }

    /// Arms target `i`'s timer from `now`: at its breach instant, or at the end of a period it
    /// already breached in, while a counted outage is open. Any timer armed before is stale.
    fn arm_availability(&mut self, i: usize, def: &AvailabilityDef, now: i64) {
        self.state.generations = self.state.generations.wrapping_add(1);
        let generation = self.state.generations;
        let t = self.tracker(def);
        let breached = self.state.trackers.get(t).and_then(|t| t.breached);
        if let Some(tracker) = self.state.trackers.get_mut(t) {
            tracker.generation = generation;
        }
        let open = self
            .state
            .outages
            .iter()
            .any(|o| def.owns(o) && o.end.is_none() && def.counts(o));
        let calm = !open;
        let n = def.period_of(now);
        let at = if breached == Some(n) {
            open.then(|| def.bounds(n).1)
        } else {
            breach_at(def, &self.state.outages, now).or_else(|| open.then(|| def.bounds(n).1))
        };
        if let (Some(at), Ok(i)) = (at, u32::try_from(i)) {
            self.state.timers.push(at, Due::Availability(i, generation));
        }
        if calm && let Ok(i) = u32::try_from(i) {
            self.calm(Subject::Availability(i), |_, _| true);
        }
    }

    /// Target `i`'s timer: a breach if the budget is exhausted now and the period has not
    /// breached yet; then the next timer.
    pub(super) fn availability_timer(&mut self, i: u32, generation: u32, at: i64) {
        let program = Arc::clone(self.program());
        let Some(def) = program.availability.get(i as usize) else {
            return;
        };
        let t = self.tracker(def);
        let Some(tracker) = self.state.trackers.get(t) else {
            return;
        };
        if tracker.generation != generation {
            return;
        }
        let n = def.period_of(at);
        let figures = crate::availability::per_period(def, &self.state.outages, n, at);
        let record = self
            .state
            .outages
            .iter()
            .find(|o| def.owns(o) && o.end.is_none() && def.counts(o))
            .map(|o| Name::clone(&o.record));
        if tracker.breached != Some(n)
            && figures.downtime_seconds >= figures.allowed_seconds
            && let Some(record) = record
        {
            if let Some(tracker) = self.state.trackers.get_mut(t) {
                tracker.breached = Some(n);
            }
            self.availability_breach(def, i, &figures, &record, at);
        }
        self.arm_availability(i as usize, def, at);
    }

    /// Emits a target's breach: `sla.breached` about the open outage, the breach actions and
    /// the `sla_breached` signal.
    fn availability_breach(
        &mut self,
        def: &AvailabilityDef,
        i: u32,
        figures: &crate::availability::Availability,
        record: &Name,
        at: i64,
    ) {
        let index = self.record_number(record);
        let mut action = Action::new(Kind::SlaBreached, at);
        (action.record, action.record_type) = self.names_of(index);
        action.record = Some(Name::clone(record));
        action.agreement = Some(Name::clone(&def.agreement));
        action.target = Some(Name::clone(&def.id));
        action.period = Some(Name::from(figures.period.as_str()));
        action.due = Some(Timestamp(at));
        action.elapsed = Some(figures.downtime_seconds);
        action.reason = Some(if figures.allowed_seconds == 0 {
            format!(
                "availability below {} in {}: the objective allows no downtime",
                def.objective_text, figures.period
            )
        } else {
            format!(
                "availability below {} in {}: the {} s of downtime the period allows are used up",
                def.objective_text, figures.period, figures.allowed_seconds
            )
        });
        self.emit(action);
        let version = self.state.current;
        let subject = Subject::Availability(i);
        if !def.breach.is_empty() {
            let reason = format!("breach of target {}", def.id);
            self.run_actions(version, &def.breach, at, &reason, subject, index);
        }
        let program = Arc::clone(self.program());
        let record_type = index
            .and_then(|r| self.state.records.get(r as usize))
            .map(|r| Name::clone(&r.record_type));
        let signal = Signal::SlaBreached {
            agreement: &def.agreement,
            agreement_type: def.agreement_type,
            target: &def.id,
            record_type: record_type.as_deref().unwrap_or(""),
        };
        let mut eval = self.evaluator(&program, version);
        self.signal(version, &signal, subject, at, index, &mut eval, None);
        let failures = eval.take_failures();
        self.script_failures(failures, at, Some(record));
    }
}
