//! SLA clocks: compiled targets, and what a record change does to the clocks of its record.
//!
//! On every change of a record the conditions are evaluated in a fixed order:
//!
//! 1. **Choose**: for each agreement and measure, the first target (in document order) whose
//!    `applies_to` holds is the one that applies.
//! 2. **Attach**: a target that applies and has no active clock on the record attaches one when
//!    its start condition becomes true with this change (it did not hold before, or the record is
//!    new) while stop and cancel do not hold. A target that replaces the active clock's target
//!    (a priority change, say) takes the clock over by its change policy.
//! 3. **Update** every active clock, new ones included: cancel, then stop, then reset (which
//!    completes the clock and attaches the next cycle), then pause or resume.
//!
//! The clock arithmetic itself is in [`clock`].

pub mod clock;

use std::sync::Arc;

use crate::base::Name;
use crate::calendar::BusinessCalendar;
use crate::condition::{Change, Condition, Evaluator};
use crate::model::AgreementType;
use crate::model::agreement::ChangePolicy;

pub use clock::{Because, Clock, Entry, Next, State, Timeline, What};

/// A per-record goal.
#[derive(Debug, Clone, PartialEq)]
pub enum Goal {
    /// Business seconds in the target's calendar.
    Seconds(u64),
    /// Working days: converted to business seconds when the clock starts.
    WorkingDays(u32),
    /// A fixed due instant read from this record field; pauses do not move it.
    Deadline(String),
}

/// Where a milestone falls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// A share of the goal (0.75 for 75%).
    Fraction(f64),
    /// Business seconds before the due time.
    BeforeDue(u64),
    /// Business seconds after the due time.
    AfterDue(u64),
}

/// Something to do when a milestone or breach is reached (or a rule fires).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionSpec {
    /// Roles to notify.
    pub notify: Vec<String>,
    /// An escalation matrix and topic to raise.
    pub escalate: Option<(String, Option<String>)>,
    /// The message.
    pub message: Option<String>,
}

/// A milestone of a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    /// Its name (given, or derived from its point, e.g. `75%`).
    pub name: Name,
    /// Where it falls.
    pub point: Point,
    /// What to do.
    pub actions: Vec<ActionSpec>,
}

/// A target, compiled.
#[derive(Debug, Clone)]
pub struct Target {
    /// Index in the compiled bundle.
    pub index: u32,
    /// The agreement id.
    pub agreement: Name,
    /// The agreement's type.
    pub agreement_type: AgreementType,
    /// The target id.
    pub id: Name,
    /// The measure: targets of one agreement and measure are alternatives.
    pub measure: String,
    /// The record types it applies to.
    pub record_types: Vec<String>,
    /// The rest of `applies_to`.
    pub applies: Condition,
    /// Start condition.
    pub start: Condition,
    /// Stop condition.
    pub stop: Condition,
    /// Pause condition.
    pub pause: Option<Condition>,
    /// Resume condition.
    pub resume: Option<Condition>,
    /// Cancel condition.
    pub cancel: Option<Condition>,
    /// Reset condition.
    pub reset: Option<Condition>,
    /// The record field with a retroactive start instant.
    pub start_from: Option<String>,
    /// The goal.
    pub goal: Goal,
    /// The calendar the goal is counted in.
    pub calendar: Arc<BusinessCalendar>,
    /// Milestones.
    pub milestones: Vec<Milestone>,
    /// Breach actions.
    pub breach: Vec<ActionSpec>,
    /// How this target takes over a clock from another of the same measure.
    pub policy: ChangePolicy,
}

/// A group of alternative targets: one agreement, one measure, in document order.
#[derive(Debug, Clone)]
pub struct Group {
    /// Target indices, first match wins.
    pub targets: Vec<u32>,
}

/// What a change did to a clock; the engine turns these into actions and timers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// A clock started (index into the clock list).
    Started(u32),
    /// A clock paused.
    Paused(u32),
    /// A clock resumed.
    Resumed(u32),
    /// A clock stopped in time.
    Met(u32),
    /// A clock stopped after breaching (no action; its timeline records it).
    Stopped(u32),
    /// A clock was cancelled, and why.
    Cancelled(u32, Because),
    /// A clock now measures against another target (clock, previous target).
    Retargeted(u32, u32),
}

/// Reads a timestamp field (RFC 3339 text or epoch seconds) for retroactive starts and deadlines.
pub fn instant_field(fields: &crate::base::Fields, name: &str) -> Option<i64> {
    match fields.get(name)? {
        serde_json::Value::String(text) => {
            text.parse::<crate::model::Timestamp>().ok().map(|t| t.0)
        }
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The clocks of one record, oldest first, each with its target and whether it is active, so a
/// change finds the clocks it concerns without reading the others (clocks are many and scattered
/// in memory; this list sits with its record).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordClocks(Vec<RecordClock>);

/// One clock of a record: its index, and its target's index with [`ACTIVE`] set while the clock
/// runs or is paused (a bundle has far fewer than 2^31 targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct RecordClock {
    clock: u32,
    target: u32,
}

/// The flag of an active clock in [`RecordClock::target`].
const ACTIVE: u32 = 1 << 31;

impl RecordClock {
    fn target(self) -> u32 {
        self.target & !ACTIVE
    }

    fn active(self) -> bool {
        self.target & ACTIVE != 0
    }
}

impl RecordClocks {
    /// How many clocks the record has had.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has had none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The clocks' indices, oldest first.
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().map(|c| c.clock)
    }

    fn push(&mut self, clock: u32, target: u32) {
        self.0.push(RecordClock {
            clock,
            target: target | ACTIVE,
        });
    }

    /// The first active clock of a group: its position here and its index.
    fn active_in(&self, group: &Group) -> Option<(usize, u32)> {
        self.0
            .iter()
            .position(|c| c.active() && group.targets.contains(&c.target()))
            .and_then(|p| self.0.get(p).map(|c| (p, c.clock)))
    }

    /// How many clocks of a group the record has had: a new one is the next cycle.
    fn cycles(&self, group: &Group) -> u32 {
        self.0
            .iter()
            .filter(|c| group.targets.contains(&c.target()))
            .count() as u32
    }

    fn stopped(&mut self, position: usize) {
        if let Some(c) = self.0.get_mut(position) {
            c.target &= !ACTIVE;
        }
    }

    fn retargeted(&mut self, position: usize, target: u32) {
        if let Some(c) = self.0.get_mut(position) {
            c.target = target | (c.target & ACTIVE);
        }
    }
}

/// The clocks of all records, and the rules that move them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Clocks {
    /// Every clock ever attached, in attach order.
    pub all: Vec<Clock>,
    /// The bundle version new clocks are pinned to (an index into the engine's versions).
    #[serde(default)]
    pub version: u16,
}

impl Clocks {
    /// Applies one record change to the clocks of the record (`mine` lists them and gets new
    /// ones appended). `event` is the interned event name for timelines.
    #[allow(clippy::too_many_arguments)]
    pub fn on_change(
        &mut self,
        targets: &[Target],
        groups: &[Group],
        record: u32,
        mine: &mut RecordClocks,
        change: &Change<'_>,
        now: i64,
        event: u32,
        eval: &mut Evaluator<'_>,
        effects: &mut Vec<Effect>,
    ) {
        let event = Some(event);
        // Clocks attached by this change are not updated by its reset condition.
        let existing = mine.len();
        // 1 and 2: choose, take over or attach.
        for group in groups {
            let chosen = group
                .targets
                .iter()
                .filter_map(|t| targets.get(*t as usize))
                .find(|t| t.applies.holds(change, eval));
            let active = mine.active_in(group);
            match (active, chosen) {
                (Some((position, index)), Some(to)) if self.target_of(index) != Some(to.index) => {
                    let Some(from) = self.target_of(index).and_then(|t| targets.get(t as usize))
                    else {
                        continue;
                    };
                    let cycle = mine.cycles(group) + 1;
                    let Some(clock) = self.all.get_mut(index as usize) else {
                        continue;
                    };
                    if to.policy == ChangePolicy::Restart {
                        clock.cancel(&from.calendar, now, Because::TargetChanged, event);
                        mine.stopped(position);
                        effects.push(Effect::Cancelled(index, Because::TargetChanged));
                        let start = Clock::start(to, record, cycle, now, deadline(to, change));
                        self.attach(
                            start,
                            &to.calendar,
                            now,
                            Because::TargetChanged,
                            event,
                            mine,
                            effects,
                        );
                    } else {
                        let previous = clock.target;
                        let keep = to.policy == ChangePolicy::KeepElapsed;
                        clock.retarget(from, to, now, keep, deadline(to, change), event);
                        mine.retargeted(position, to.index);
                        effects.push(Effect::Retargeted(index, previous));
                    }
                }
                (Some((position, index)), None) => {
                    let Some(from) = self.target_of(index).and_then(|t| targets.get(t as usize))
                    else {
                        continue;
                    };
                    if let Some(clock) = self.all.get_mut(index as usize) {
                        clock.cancel(&from.calendar, now, Because::NoLongerApplies, event);
                        mine.stopped(position);
                        effects.push(Effect::Cancelled(index, Because::NoLongerApplies));
                    }
                }
                (None, Some(to)) => {
                    // Start must become true for this target with this change: either start did
                    // not hold before, or the target did not apply before.
                    let became = to.start.holds(change, eval)
                        && (!to.start.held_before(change, eval) || {
                            let before = group
                                .targets
                                .iter()
                                .filter_map(|t| targets.get(*t as usize))
                                .find(|t| !change.is_new && t.applies.held_before(change, eval));
                            before.is_none_or(|t| t.index != to.index)
                        });
                    let attach = became
                        && !to.stop.holds(change, eval)
                        && !to.cancel.as_ref().is_some_and(|c| c.holds(change, eval));
                    if attach {
                        let (start, because) = match to
                            .start_from
                            .as_deref()
                            .and_then(|f| instant_field(change.fields, f))
                        {
                            Some(at) if at <= now => (at, Because::StartFrom),
                            _ => (now, Because::Start),
                        };
                        let cycle = mine.cycles(group) + 1;
                        let clock = Clock::start(to, record, cycle, start, deadline(to, change));
                        self.attach(clock, &to.calendar, start, because, event, mine, effects);
                    }
                }
                _ => {}
            }
        }
        // 3: update every active clock of the record (not those a reset attaches on the way).
        let attached = mine.len();
        for position in 0..attached {
            // Updating one clock never changes another, so this is whether it was active
            // before the first update.
            let Some(&entry) = mine.0.get(position).filter(|c| c.active()) else {
                continue;
            };
            let index = entry.clock;
            let Some(target) = targets.get(entry.target() as usize) else {
                continue;
            };
            let calendar = &target.calendar;
            let Some(clock) = self.all.get_mut(index as usize) else {
                continue;
            };
            if target
                .cancel
                .as_ref()
                .is_some_and(|c| c.holds(change, eval))
            {
                clock.cancel(calendar, now, Because::Cancel, event);
                mine.stopped(position);
                effects.push(Effect::Cancelled(index, Because::Cancel));
            } else if target.stop.holds(change, eval) {
                let met = clock.stop(calendar, now, Because::Stop, event);
                mine.stopped(position);
                effects.push(if met {
                    Effect::Met(index)
                } else {
                    Effect::Stopped(index)
                });
            } else if position < existing
                && target.reset.as_ref().is_some_and(|c| c.holds(change, eval))
            {
                let met = clock.stop(calendar, now, Because::Reset, event);
                mine.stopped(position);
                let cycle = clock.cycle + 1;
                effects.push(if met {
                    Effect::Met(index)
                } else {
                    Effect::Stopped(index)
                });
                let next = Clock::start(target, record, cycle, now, deadline(target, change));
                self.attach(next, calendar, now, Because::Reset, event, mine, effects);
            } else {
                if let Goal::Deadline(field) = &target.goal {
                    let moved = position < existing
                        && change.before.iter().any(|(k, old)| {
                            *k == field.as_str() && old.as_ref() != change.fields.get(field)
                        });
                    if moved {
                        let previous = clock.target;
                        clock.set_deadline(calendar, now, instant_field(change.fields, field));
                        effects.push(Effect::Retargeted(index, previous));
                    }
                }
                let pausing = target.pause.as_ref().is_some_and(|c| c.holds(change, eval));
                match clock.state {
                    State::Running if pausing => {
                        clock.pause(calendar, now, event);
                        effects.push(Effect::Paused(index));
                    }
                    State::Paused => {
                        let resuming = match &target.resume {
                            Some(resume) => resume.holds(change, eval),
                            None => !pausing,
                        };
                        if resuming {
                            clock.resume(calendar, now, event);
                            effects.push(Effect::Resumed(index));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn attach(
        &mut self,
        mut clock: Clock,
        calendar: &BusinessCalendar,
        at: i64,
        because: Because,
        event: Option<u32>,
        mine: &mut RecordClocks,
        effects: &mut Vec<Effect>,
    ) {
        clock.log(calendar, at, What::Started, because, event);
        clock.version = self.version;
        let index = u32::try_from(self.all.len()).unwrap_or(u32::MAX);
        mine.push(index, clock.target);
        self.all.push(clock);
        effects.push(Effect::Started(index));
    }

    /// The target index of a clock.
    pub fn target_of(&self, clock: u32) -> Option<u32> {
        self.all.get(clock as usize).map(|c| c.target)
    }

    /// The clock at `index`.
    pub fn get(&self, index: u32) -> Option<&Clock> {
        self.all.get(index as usize)
    }

    /// The clock at `index`, mutably.
    pub fn get_mut(&mut self, index: u32) -> Option<&mut Clock> {
        self.all.get_mut(index as usize)
    }
}

fn deadline(target: &Target, change: &Change<'_>) -> Option<i64> {
    match &target.goal {
        Goal::Deadline(field) => instant_field(change.fields, field),
        _ => None,
    }
}
