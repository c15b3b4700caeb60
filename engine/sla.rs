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
//! Clocks are pinned to the bundle version they started under: every decision about a clock
//! (pause, resume, stop, cancel, a change of target among its alternatives) is taken with its
//! version's targets, while new clocks attach under the version running now. A target of a new
//! version that says `on_new_version: adopt` takes over the running clocks of its measure at the
//! switch, by its `on_change` policy.
//!
//! The clock arithmetic itself is in [`clock`]; targets are built from the model in [`build`].

mod build;
pub mod clock;

use std::sync::Arc;

use crate::base::{Name, Roles, SharedNames};
use crate::calendar::BusinessCalendar;
use crate::condition::{Change, Condition, Evaluator};
use crate::model::AgreementType;
use crate::model::agreement::{ChangePolicy, VersionPolicy};

pub use build::{Scope, assignment, scope, targets};
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
    /// A share of the goal, exactly: numerator and denominator (3 and 4, or 75 and 100, for
    /// 75%). It falls at the first whole second at which at least that share has elapsed (the
    /// share of the goal rounded up to the second).
    Fraction(u64, u64),
    /// Business seconds before the due time.
    BeforeDue(u64),
    /// Business seconds after the due time.
    AfterDue(u64),
}

/// Something to do when a milestone or breach is reached (or a rule fires).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionSpec {
    /// Roles to notify, with their members.
    pub notify: Roles,
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
    pub measure: Name,
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
    /// The goal as written (`4h`, `5 working days`, `deadline in field ...`).
    pub goal_text: String,
    /// The calendar the goal is counted in.
    pub calendar: Arc<BusinessCalendar>,
    /// That calendar's id.
    pub calendar_id: Name,
    /// Milestones.
    pub milestones: Vec<Milestone>,
    /// Breach actions.
    pub breach: Vec<ActionSpec>,
    /// How this target takes over a clock from another of the same measure.
    pub policy: ChangePolicy,
    /// Whether this target, in a new bundle version, takes over the running clocks of its
    /// measure that started under an earlier version.
    pub on_new_version: VersionPolicy,
    /// Whether a breach stands whatever changes later.
    pub final_breach: bool,
    /// When a stopped clock of this target continues.
    pub reopen: Option<Reopen>,
}

/// When a stopped clock continues, compiled.
#[derive(Debug, Clone)]
pub struct Reopen {
    /// The window after the stop, in `calendar`.
    pub within: Window,
    /// The window as written (`5 working days`).
    pub within_text: String,
    /// The calendar the window is counted in.
    pub calendar: Arc<BusinessCalendar>,
    /// What reopens (`None`: the target's start condition).
    pub when: Option<Condition>,
}

/// A reopen window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Business seconds in the window's calendar.
    Seconds(u64),
    /// Whole working days: until the close of the N-th working day after the stop.
    WorkingDays(u32),
}

impl Reopen {
    /// Whether a reopening at `now` of a clock stopped at `stopped` falls in the window.
    /// A window of business time stays open while no more than it has passed (so through the
    /// closed hours that follow its last business second).
    pub fn open(&self, stopped: i64, now: i64) -> bool {
        match self.within {
            Window::Seconds(seconds) => self.calendar.between(stopped, now) <= seconds,
            Window::WorkingDays(days) => self
                .calendar
                .add_working_days(stopped, days)
                .is_none_or(|end| now <= end),
        }
    }

    /// An instant by which the window after a stop at `stopped` has surely closed; `None` if
    /// the calendar's horizon ends first (the window never closes).
    pub fn closed_by(&self, stopped: i64) -> Option<i64> {
        match self.within {
            Window::Seconds(seconds) => self.calendar.add(stopped, seconds.saturating_add(1)),
            Window::WorkingDays(days) => self
                .calendar
                .add_working_days(stopped, days)
                .map(|end| end.saturating_add(1)),
        }
    }
}

impl Target {
    /// Takes the field names its conditions read from `names` (see [`SharedNames`]).
    pub fn share_names(&mut self, names: &mut SharedNames) {
        for condition in [&mut self.applies, &mut self.start, &mut self.stop] {
            condition.share_names(names);
        }
        let optional = [
            &mut self.pause,
            &mut self.resume,
            &mut self.cancel,
            &mut self.reset,
        ];
        for condition in optional.into_iter().flatten() {
            condition.share_names(names);
        }
        if let Some(when) = self.reopen.as_mut().and_then(|r| r.when.as_mut()) {
            when.share_names(names);
        }
    }

    /// Whether `other` (of any version) measures the same thing: same agreement and measure.
    pub fn same_measure(&self, other: &Target) -> bool {
        same_name(&self.agreement, &other.agreement) && same_name(&self.measure, &other.measure)
    }
}

fn same_name(a: &Name, b: &Name) -> bool {
    Arc::ptr_eq(a, b) || crate::base::same_text(a, b)
}

/// A group of alternative targets: one agreement, one measure, in document order.
#[derive(Debug, Clone)]
pub struct Group {
    /// The agreement.
    pub agreement: Name,
    /// The measure.
    pub measure: Name,
    /// Target indices, first match wins.
    pub targets: Vec<u32>,
    /// Whether any of them continues a stopped clock when the record reopens.
    pub reopens: bool,
}

impl Group {
    /// Whether `target` measures what this group measures.
    fn measures(&self, target: &Target) -> bool {
        same_name(&self.agreement, &target.agreement) && same_name(&self.measure, &target.measure)
    }
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
    /// A stopped clock continues: the record reopened within its window.
    Reopened(u32),
    /// A clock now measures against another target (clock, previous target in the clock's
    /// version before the change, that version).
    Retargeted(u32, u32, u16),
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

/// The clocks of one record, oldest first, each with its version, target and whether it is
/// active, so a change finds the clocks it concerns without reading the others (clocks are many
/// and scattered in memory; this list sits with its record).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordClocks(Vec<RecordClock>);

/// One clock of a record: its index, its target's index (in its version) with [`ACTIVE`] set
/// while the clock runs or is paused (a bundle has far fewer than 2^31 targets), and its
/// version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct RecordClock {
    clock: u32,
    target: u32,
    version: u16,
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

    /// The versions of the record's active clocks other than `current`, each once.
    pub fn other_versions(&self, current: u16) -> impl Iterator<Item = u16> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(move |(i, c)| {
                c.active()
                    && c.version != current
                    && !self
                        .0
                        .iter()
                        .take(*i)
                        .any(|e| e.active() && e.version == c.version)
            })
            .map(|(_, c)| c.version)
    }

    /// The active clocks, with their version and target.
    pub fn active(&self) -> impl Iterator<Item = (u32, u16, u32)> + '_ {
        self.0
            .iter()
            .filter(|c| c.active())
            .map(|c| (c.clock, c.version, c.target()))
    }

    fn push(&mut self, clock: u32, version: u16, target: u32) {
        self.0.push(RecordClock {
            clock,
            target: target | ACTIVE,
            version,
        });
    }

    /// The active clock measuring what `group` (of `view`'s version) measures, in any version:
    /// its position here, its index, and whether it is of `view`'s version.
    fn active_in(&self, view: &View<'_>, group: &Group) -> Option<(usize, u32, bool)> {
        self.0.iter().enumerate().find_map(|(p, c)| {
            if !c.active() {
                return None;
            }
            let mine = c.version == view.version;
            let same = if mine {
                group.targets.contains(&c.target())
            } else {
                (view.other)(c.version, c.target()).is_some_and(|t| group.measures(t))
            };
            same.then_some((p, c.clock, mine))
        })
    }

    /// How many clocks of a group's measure the record has had, in every version: a new one is
    /// the next cycle.
    fn cycles(&self, view: &View<'_>, group: &Group) -> u32 {
        self.0
            .iter()
            .filter(|c| {
                if c.version == view.version {
                    group.targets.contains(&c.target())
                } else {
                    (view.other)(c.version, c.target()).is_some_and(|t| group.measures(t))
                }
            })
            .count() as u32
    }

    /// The record's latest clock of `group`'s measure in `view`'s version: its position and
    /// entry.
    fn latest_in(&self, view: &View<'_>, group: &Group) -> Option<(usize, RecordClock)> {
        self.0
            .iter()
            .enumerate()
            .rev()
            .find(|(_, c)| c.version == view.version && group.targets.contains(&c.target()))
            .map(|(p, c)| (p, *c))
    }

    fn reactivated(&mut self, position: usize) {
        if let Some(c) = self.0.get_mut(position) {
            c.target |= ACTIVE;
        }
    }

    fn stopped(&mut self, position: usize) {
        if let Some(c) = self.0.get_mut(position) {
            c.target &= !ACTIVE;
        }
    }

    fn retargeted(&mut self, position: usize, version: u16, target: u32) {
        if let Some(c) = self.0.get_mut(position) {
            c.target = target | (c.target & ACTIVE);
            c.version = version;
        }
    }
}

/// What a change is evaluated against: the targets and groups of one bundle version, and how to
/// read targets of the others.
pub struct View<'a> {
    /// The version (an index into the engine's versions).
    pub version: u16,
    /// Its targets.
    pub targets: &'a [Target],
    /// Its groups for the record's type.
    pub groups: &'a [Group],
    /// Whether new clocks attach under this version (the version running now) or only the
    /// clocks already pinned to it are updated.
    pub attach: bool,
    /// A target of another version, by version and index.
    pub other: &'a dyn Fn(u16, u32) -> Option<&'a Target>,
}

/// The clocks of all records, and the rules that move them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Clocks {
    /// The clocks of the records the engine keeps (released clocks leave a free slot).
    pub all: Vec<Clock>,
    /// Slots of released clocks, to reuse.
    #[serde(default)]
    pub free: Vec<u32>,
}

/// What a change of one record carries for its clocks.
#[derive(Clone, Copy)]
pub struct Moment<'a, 'c> {
    /// The record's index.
    pub record: u32,
    /// The change.
    pub change: &'a Change<'c>,
    /// Its instant.
    pub now: i64,
    /// The interned event name, for timelines (`None` for a change without an event).
    pub event: Option<u32>,
}

impl Clocks {
    /// Applies one record change to the record's clocks of one version (`mine` lists them and
    /// gets new ones appended): choose, take over or attach (only with `view.attach`), then
    /// update the active clocks of that version.
    pub fn on_change(
        &mut self,
        view: &View<'_>,
        at: Moment<'_, '_>,
        mine: &mut RecordClocks,
        eval: &mut Evaluator<'_>,
        effects: &mut Vec<Effect>,
    ) {
        let Moment {
            record,
            change,
            now,
            event,
        } = at;
        // Clocks attached by this change are not updated by its reset condition.
        let existing = mine.len();
        // 1 and 2: choose, take over or attach.
        for group in view.groups {
            let chosen = group
                .targets
                .iter()
                .filter_map(|t| view.targets.get(*t as usize))
                .find(|t| t.applies.holds(change, eval));
            let active = mine.active_in(view, group);
            match (active, chosen) {
                // A clock of another version keeps its own rules; this group neither takes it
                // over nor attaches beside it.
                (Some((_, _, false)), _) => {}
                (Some((position, index, true)), Some(to))
                    if self.target_of(index) != Some(to.index) =>
                {
                    let Some(from) = self
                        .target_of(index)
                        .and_then(|t| view.targets.get(t as usize))
                        .filter(|from| from.policy != ChangePolicy::Fixed)
                    else {
                        continue;
                    };
                    let cycle = mine.cycles(view, group) + 1;
                    self.take_over(
                        view.version,
                        index,
                        position,
                        from,
                        to,
                        cycle,
                        at,
                        mine,
                        effects,
                    );
                }
                (Some((position, index, true)), None) => {
                    let Some(from) = self
                        .target_of(index)
                        .and_then(|t| view.targets.get(t as usize))
                        .filter(|from| from.policy != ChangePolicy::Fixed)
                    else {
                        continue;
                    };
                    if let Some(clock) = self.all.get_mut(index as usize) {
                        clock.cancel(&from.calendar, now, Because::NoLongerApplies, event);
                        mine.stopped(position);
                        effects.push(Effect::Cancelled(index, Because::NoLongerApplies));
                    }
                }
                (None, Some(to)) if view.attach => {
                    if group.reopens && self.reopen(view, group, to, at, mine, eval, effects) {
                        continue;
                    }
                    // Start must become true for this target with this change: either start did
                    // not hold before, or the target did not apply before.
                    let became = to.start.holds(change, eval)
                        && (!to.start.held_before(change, eval) || {
                            let before = group
                                .targets
                                .iter()
                                .filter_map(|t| view.targets.get(*t as usize))
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
                        let cycle = mine.cycles(view, group) + 1;
                        let clock = Clock::start(to, record, cycle, start, deadline(to, change));
                        self.attach(
                            clock,
                            view.version,
                            to,
                            start,
                            because,
                            event,
                            mine,
                            effects,
                        );
                    }
                }
                _ => {}
            }
        }
        // 3: update every active clock of this version (not those a reset attaches on the way).
        let attached = mine.len();
        for position in 0..attached {
            // Updating one clock never changes another, so this is whether it was active
            // before the first update.
            let Some(&entry) = mine
                .0
                .get(position)
                .filter(|c| c.active() && c.version == view.version)
            else {
                continue;
            };
            let index = entry.clock;
            let Some(target) = view.targets.get(entry.target() as usize) else {
                continue;
            };
            let calendar = &target.calendar;
            let Some(clock) = self.all.get_mut(index as usize) else {
                continue;
            };
            // Stop before cancel: a record resolved and cancelled by one change is resolved
            // (a contract that wants otherwise says so in its stop condition).
            if target.stop.holds(change, eval) {
                let met = clock.stop(calendar, now, Because::Stop, event);
                mine.stopped(position);
                effects.push(if met {
                    Effect::Met(index)
                } else {
                    Effect::Stopped(index)
                });
            } else if target
                .cancel
                .as_ref()
                .is_some_and(|c| c.holds(change, eval))
            {
                clock.cancel(calendar, now, Because::Cancel, event);
                mine.stopped(position);
                effects.push(Effect::Cancelled(index, Because::Cancel));
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
                self.attach(
                    next,
                    view.version,
                    target,
                    now,
                    Because::Reset,
                    event,
                    mine,
                    effects,
                );
            } else {
                if let Goal::Deadline(field) = &target.goal {
                    let moved = position < existing
                        && change.before.iter().any(|(k, old)| {
                            *k == field.as_str() && old.as_ref() != change.fields.get(field)
                        });
                    if moved {
                        let previous = clock.target;
                        let due = instant_field(change.fields, field);
                        clock.set_deadline(calendar, now, due, target.final_breach);
                        effects.push(Effect::Retargeted(index, previous, view.version));
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

    /// Moves the record's clocks of earlier versions whose measure has, in `view` (the version
    /// just switched to), a target that applies and says `on_new_version: adopt`: by that
    /// target's `on_change` policy, as if the record had changed to it.
    pub fn adopt(
        &mut self,
        view: &View<'_>,
        at: Moment<'_, '_>,
        mine: &mut RecordClocks,
        eval: &mut Evaluator<'_>,
        effects: &mut Vec<Effect>,
    ) {
        for group in view.groups {
            let Some((position, index, false)) = mine.active_in(view, group) else {
                continue;
            };
            let Some(to) = group
                .targets
                .iter()
                .filter_map(|t| view.targets.get(*t as usize))
                .find(|t| t.applies.holds(at.change, eval))
                .filter(|t| t.on_new_version == VersionPolicy::Adopt)
            else {
                continue;
            };
            let Some(&entry) = mine.0.get(position) else {
                continue;
            };
            let Some(from) = (view.other)(entry.version, entry.target()) else {
                continue;
            };
            let cycle = mine.cycles(view, group) + 1;
            self.take_over(
                view.version,
                index,
                position,
                from,
                to,
                cycle,
                at,
                mine,
                effects,
            );
        }
    }

    /// Continues the record's latest clock of `group`'s measure if it stopped (met or late, not
    /// cancelled or reset), its target says `reopen`, the reopen condition becomes true with
    /// this change and the change falls within the window: same cycle, the time spent kept,
    /// the gap not counted. If another target of the measure applies now (`to`), it then
    /// takes the clock over by its policy. Whether the clock continued.
    #[allow(clippy::too_many_arguments)]
    fn reopen(
        &mut self,
        view: &View<'_>,
        group: &Group,
        to: &Target,
        at: Moment<'_, '_>,
        mine: &mut RecordClocks,
        eval: &mut Evaluator<'_>,
        effects: &mut Vec<Effect>,
    ) -> bool {
        let Some((position, entry)) = mine.latest_in(view, group) else {
            return false;
        };
        if entry.active() {
            return false;
        }
        let Some(target) = view.targets.get(entry.target() as usize) else {
            return false;
        };
        let Some(rule) = &target.reopen else {
            return false;
        };
        let Some(stopped) = self.get(entry.clock).and_then(Clock::stopped_at) else {
            return false;
        };
        let change = at.change;
        let when = rule.when.as_ref().unwrap_or(&target.start);
        let reopens = when.holds(change, eval)
            && !when.held_before(change, eval)
            && !target.stop.holds(change, eval)
            && !target
                .cancel
                .as_ref()
                .is_some_and(|c| c.holds(change, eval))
            && rule.open(stopped, at.now);
        if !reopens {
            return false;
        }
        let Some(clock) = self.all.get_mut(entry.clock as usize) else {
            return false;
        };
        clock.reopen(&target.calendar, stopped, at.now, at.event);
        mine.reactivated(position);
        effects.push(Effect::Reopened(entry.clock));
        if to.index != target.index && target.policy != ChangePolicy::Fixed {
            let cycle = mine.cycles(view, group) + 1;
            self.take_over(
                view.version,
                entry.clock,
                position,
                target,
                to,
                cycle,
                at,
                mine,
                effects,
            );
        }
        true
    }

    /// `to` (of `version`) takes over the active clock `index` (at `position` in `mine`),
    /// measured until now against `from`, by `to`'s change policy.
    #[allow(clippy::too_many_arguments)]
    fn take_over(
        &mut self,
        version: u16,
        index: u32,
        position: usize,
        from: &Target,
        to: &Target,
        cycle: u32,
        at: Moment<'_, '_>,
        mine: &mut RecordClocks,
        effects: &mut Vec<Effect>,
    ) {
        let Some(clock) = self.all.get_mut(index as usize) else {
            return;
        };
        let Moment {
            record,
            change,
            now,
            event,
        } = at;
        if to.policy == ChangePolicy::Restart {
            clock.cancel(&from.calendar, now, Because::TargetChanged, event);
            mine.stopped(position);
            effects.push(Effect::Cancelled(index, Because::TargetChanged));
            let start = Clock::start(to, record, cycle, now, deadline(to, change));
            self.attach(
                start,
                version,
                to,
                now,
                Because::TargetChanged,
                event,
                mine,
                effects,
            );
        } else {
            let (previous, was) = (clock.target, clock.version);
            // `retarget` records the version change, if any, in the timeline.
            let keep = to.policy == ChangePolicy::KeepElapsed;
            clock.retarget(from, (version, to), now, keep, deadline(to, change), event);
            mine.retargeted(position, version, to.index);
            effects.push(Effect::Retargeted(index, previous, was));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn attach(
        &mut self,
        mut clock: Clock,
        version: u16,
        target: &Target,
        at: i64,
        because: Because,
        event: Option<u32>,
        mine: &mut RecordClocks,
        effects: &mut Vec<Effect>,
    ) {
        clock.log(&target.calendar, at, What::Started, because, event);
        clock.version = version;
        // A reused slot's clock goes on counting generations from the released one, so a timer
        // the released clock left behind is stale for the new one.
        if let Some(released) = self.free.last().and_then(|i| self.all.get(*i as usize)) {
            clock.generation = released.generation.wrapping_add(1);
        }
        let target = clock.target;
        let index = crate::base::place(&mut self.all, &mut self.free, clock);
        mine.push(index, version, target);
        effects.push(Effect::Started(index));
    }

    /// Releases the clocks of a record the engine forgets: their slots are reused.
    pub fn release(&mut self, mine: &RecordClocks) {
        for index in mine.indices() {
            if let Some(clock) = self.all.get_mut(index as usize) {
                *clock = Clock::released(clock.generation);
                self.free.push(index);
            }
        }
    }

    /// The target index of a clock (in its version).
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
