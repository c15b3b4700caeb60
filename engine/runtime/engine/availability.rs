//! Availability targets in the engine: outages opened and closed by record changes, and a
//! timer at the instant an open outage exhausts the period's downtime budget (or at the
//! period's end, when the budget starts again), which breaches the target like any other
//! breach: `sla.breached`, the target's breach actions and the `sla_breached` signal. The
//! timer is set from the outages alone, so a replay and a live engine breach at the same
//! instant; the figures are [`crate::availability`]'s.
//!
//! Each target keeps a running tally of its current period (counted outages open, since when
//! the service is down, the downtime before that), so an outage's change costs the same however
//! many outages came before; the open outages are indexed by record. The tally equals
//! [`crate::availability::per_period`]'s downtime, which the breach's figures and the reports
//! use: the union of the counted outages, in service time, inside the period.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::availability::{AvailabilityDef, Outage, breach_at, per_period};
use crate::base::{FastMap, Name};
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
    /// Whether the tally below is kept (not in state written before it existed, or after a
    /// switch of version: then it is made again from the outages).
    #[serde(default)]
    pub tallied: bool,
    /// The period the tally is for.
    #[serde(default)]
    pub period: Option<i64>,
    /// Counted outages open now.
    #[serde(default)]
    pub open: u32,
    /// Since when the service is down (while a counted outage is open).
    #[serde(default)]
    pub down_since: Option<i64>,
    /// Downtime seconds in the period before `down_since`.
    #[serde(default)]
    pub downtime: u64,
}

impl Tracker {
    /// Starts the tally again when `n` is a new period.
    fn roll(&mut self, n: i64) {
        if self.period != Some(n) {
            self.period = Some(n);
            self.downtime = 0;
        }
    }

    /// A counted outage opened at `now`.
    fn opened(&mut self, def: &AvailabilityDef, now: i64) {
        self.roll(def.period_of(now));
        if self.open == 0 {
            self.down_since = Some(now);
        }
        self.open += 1;
    }

    /// A counted outage ended at `now`.
    fn closed(&mut self, def: &AvailabilityDef, now: i64) {
        self.roll(def.period_of(now));
        self.open = self.open.saturating_sub(1);
        if self.open == 0 {
            self.downtime = self.downtime_at(def, now);
            self.down_since = None;
        }
    }

    /// The downtime of the period containing `now`, up to `now`.
    fn downtime_at(&self, def: &AvailabilityDef, now: i64) -> u64 {
        let n = def.period_of(now);
        let (from, _) = def.bounds(n);
        let before = if self.period == Some(n) {
            self.downtime
        } else {
            0
        };
        let running = self
            .down_since
            .map_or(0, |since| def.calendar.between(since.max(from), now));
        before + running
    }
}

/// The open outages by record.
pub(super) fn open_index(outages: &[Outage]) -> FastMap<Name, Vec<u32>> {
    let mut index: FastMap<Name, Vec<u32>> = FastMap::default();
    for (i, o) in outages.iter().enumerate() {
        if o.end.is_none()
            && let Ok(i) = u32::try_from(i)
        {
            index.entry(Name::clone(&o.record)).or_default().push(i);
        }
    }
    index
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
            let open = self.open_outage(def, change.record);
            let changed = match open {
                Some(o) if def.stop.holds(change, eval) => {
                    let t = self.tallied(def, change.now);
                    let mut counted = false;
                    if let Some(outage) = self.state.outages.get_mut(o as usize) {
                        outage.end = Some(change.now);
                        counted = def.counts(outage);
                    }
                    if let Some(list) = self.open_outages.get_mut(change.record) {
                        list.retain(|x| *x != o);
                        if list.is_empty() {
                            self.open_outages.remove(change.record);
                        }
                    }
                    if counted && let Some(tracker) = self.state.trackers.get_mut(t) {
                        tracker.closed(def, change.now);
                    }
                    true
                }
                None if def.applies.holds(change, eval)
                    && def.start.holds(change, eval)
                    && !def.stop.holds(change, eval) =>
                {
                    let t = self.tallied(def, change.now);
                    let planned =
                        change.fields.get("planned") == Some(&serde_json::Value::Bool(true));
                    let outage = Outage {
                        agreement: Name::clone(&def.agreement),
                        target: Name::clone(&def.id),
                        record: Name::from(change.record),
                        start: change.now,
                        end: None,
                        planned,
                    };
                    if def.counts(&outage)
                        && let Some(tracker) = self.state.trackers.get_mut(t)
                    {
                        tracker.opened(def, change.now);
                    }
                    if let Ok(n) = u32::try_from(self.state.outages.len()) {
                        self.open_outages
                            .entry(Name::clone(&outage.record))
                            .or_default()
                            .push(n);
                    }
                    self.state.outages.push(outage);
                    true
                }
                _ => false,
            };
            if changed {
                self.arm_availability(i, def, change.now);
            }
        }
    }

    /// The open outage of `record` for the target, if there is one.
    fn open_outage(&self, def: &AvailabilityDef, record: &str) -> Option<u32> {
        self.open_outages
            .get(record)?
            .iter()
            .rev()
            .copied()
            .find(|o| {
                self.state
                    .outages
                    .get(*o as usize)
                    .is_some_and(|o| def.owns(o) && o.end.is_none())
            })
    }

    /// Re-arms every availability target's timer (after a switch of version, whose targets'
    /// indices and calendars may differ: their tallies are made again).
    pub(super) fn init_availability(&mut self, now: i64) {
        for tracker in &mut self.state.trackers {
            tracker.tallied = false;
        }
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
                    tallied: false,
                    period: None,
                    open: 0,
                    down_since: None,
                    downtime: 0,
                });
                self.state.trackers.len() - 1
            }
        }
    }

    /// The tracker of a target with its tally as of `now`, made from the outages when it is
    /// not kept (once: state from before tallies, a new target, a switch of version).
    fn tallied(&mut self, def: &AvailabilityDef, now: i64) -> usize {
        let t = self.tracker(def);
        if self.state.trackers.get(t).is_some_and(|t| !t.tallied) {
            let n = def.period_of(now);
            let figures = per_period(def, &self.state.outages, n, now);
            let open = self
                .state
                .outages
                .iter()
                .filter(|o| def.owns(o) && o.end.is_none() && def.counts(o))
                .count();
            if let Some(tracker) = self.state.trackers.get_mut(t) {
                tracker.tallied = true;
                tracker.period = Some(n);
                tracker.open = u32::try_from(open).unwrap_or(u32::MAX);
                tracker.downtime = figures.downtime_seconds;
                tracker.down_since = (open > 0).then_some(now);
            }
        }
        t
    }

    /// Arms target `i`'s timer from `now`: at its breach instant, or at the end of a period it
    /// already breached in, while a counted outage is open. Any timer armed before is stale.
    fn arm_availability(&mut self, i: usize, def: &AvailabilityDef, now: i64) {
        self.state.generations = self.state.generations.wrapping_add(1);
        let generation = self.state.generations;
        let t = self.tallied(def, now);
        let Some(tracker) = self.state.trackers.get_mut(t) else {
            return;
        };
        tracker.generation = generation;
        let tracker = tracker.clone();
        let open = tracker.open > 0;
        let n = def.period_of(now);
        // While down: at the breach instant, else (breached already, or the budget outlasts
        // the period) at the period's end, when the budget starts again.
        let at = open.then(|| {
            let end = def.bounds(n).1;
            if tracker.breached == Some(n) {
                end
            } else {
                breach_at(def, now, tracker.downtime_at(def, now)).unwrap_or(end)
            }
        });
        if let (Some(at), Ok(i)) = (at, u32::try_from(i)) {
            self.state.timers.push(at, Due::Availability(i, generation));
        }
        if !open && let Ok(i) = u32::try_from(i) {
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
        let t = self.tallied(def, at);
        let Some(tracker) = self.state.trackers.get(t) else {
            return;
        };
        if tracker.generation != generation {
            return;
        }
        let n = def.period_of(at);
        if tracker.breached != Some(n)
            && tracker.open > 0
            && tracker.downtime_at(def, at) >= def.budget(n)
        {
            // The breach, once per period: its figures and the outage it names (the first
            // counted one open) from the outages themselves.
            let figures = per_period(def, &self.state.outages, n, at);
            let record = self
                .open_outages
                .values()
                .flatten()
                .copied()
                .filter(|o| {
                    self.state
                        .outages
                        .get(*o as usize)
                        .is_some_and(|o| def.owns(o) && def.counts(o))
                })
                .min()
                .and_then(|o| self.state.outages.get(o as usize))
                .map(|o| Name::clone(&o.record));
            if let Some(record) = record {
                if let Some(tracker) = self.state.trackers.get_mut(t) {
                    tracker.breached = Some(n);
                }
                self.availability_breach(def, i, &figures, &record, at);
            }
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
