//! SLA clocks in the engine: the actions a clock change emits, and the timers of milestones and
//! breaches.

use std::sync::Arc;

use super::Engine;
use crate::escalation::{Signal, Subject};
use crate::runtime::action::{Action, Kind, Name};
use crate::runtime::timer::Due;
use crate::sla::{Effect, Next, Point};

impl Engine {
    /// Emits an action of `kind` about a clock, with its record, target, cycle, due time and
    /// (but when it starts) the business time elapsed; `more` adds what is particular to it.
    fn emit_clock(
        &mut self,
        kind: Kind,
        at: i64,
        clock: u32,
        more: impl FnOnce(&Engine, &mut Action),
    ) {
        self.emit_new(kind, at, |engine, action| {
            engine.clock_action(action, clock);
            more(engine, action);
        });
    }

    fn clock_action(&self, action: &mut Action, clock: u32) {
        let Some(c) = self.state.clocks.get(clock) else {
            return;
        };
        let Some(target) = self.clock_target(c) else {
            return;
        };
        (action.record, action.record_type) = self.names_of(Some(c.record));
        action.agreement = Some(Name::clone(&target.agreement));
        action.target = Some(Name::clone(&target.id));
        action.cycle = Some(c.cycle);
        action.due = c.due(&target.calendar).map(crate::model::Timestamp);
        if action.kind != Kind::SlaStarted {
            action.elapsed = Some(c.business_logged(&target.calendar, action.at.0));
        }
    }

    /// Emits what a record change did to a clock and schedules its next timer.
    pub(super) fn clock_effect(&mut self, effect: Effect, at: i64) {
        let (kind, clock) = match effect {
            Effect::Started(c) => (Kind::SlaStarted, c),
            Effect::Paused(c) => (Kind::SlaPaused, c),
            Effect::Resumed(c) => (Kind::SlaResumed, c),
            Effect::Met(c) => (Kind::SlaMet, c),
            Effect::Stopped(c) => (Kind::SlaStopped, c),
            Effect::Cancelled(c, _) => (Kind::SlaCancelled, c),
            Effect::Retargeted(c, ..) => (Kind::SlaRetargeted, c),
            Effect::Reopened(c) => (Kind::SlaReopened, c),
        };
        // The due the action carries is the breach's instant: the timer need not work it out
        // again.
        let mut due = None;
        self.emit_clock(kind, at, clock, |engine, action| {
            due = action.due.map(|t| t.0);
            engine.effect_detail(effect, at, action);
        });
        if matches!(effect, Effect::Started(_) | Effect::Retargeted(..)) {
            self.waiting(clock, at);
        }
        if matches!(
            effect,
            Effect::Met(_) | Effect::Stopped(_) | Effect::Cancelled(..)
        ) {
            self.calm(Subject::Clock(clock), |_, _| true);
        }
        self.schedule_clock_due(clock, due);
    }

    /// What an action about a clock's change says in particular: why it started late, why it
    /// was cancelled or continued, the target it moved from.
    fn effect_detail(&self, effect: Effect, at: i64, action: &mut Action) {
        match effect {
            Effect::Started(c) => {
                if let Some(start) = self
                    .state
                    .clocks
                    .get(c)
                    .map(|c| c.start)
                    .filter(|s| *s != at)
                {
                    action.reason = Some(format!(
                        "started retroactively at {}",
                        crate::model::Timestamp(start)
                    ));
                }
            }
            Effect::Cancelled(_, because) => action.reason = Some(because.describe().to_string()),
            Effect::Reopened(c) => action.reason = self.reopen_reason(c),
            Effect::Retargeted(c, previous, was) => {
                let same = self
                    .state
                    .clocks
                    .get(c)
                    .is_some_and(|c| c.target == previous && c.version == was);
                if same {
                    action.reason = Some("the record's deadline field changed".into());
                } else {
                    action.previous_target = self
                        .version(was)
                        .and_then(|p| p.targets.get(previous as usize))
                        .map(|t| Name::clone(&t.id));
                    let now = self.state.clocks.get(c).map(|c| c.version);
                    if now.is_some_and(|v| v != was) {
                        action.reason = Some(format!(
                            "adopted by bundle version {}",
                            super::short_hash(self.program().hash.as_str())
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    /// Why a clock continued: the window, and the gap not counted.
    fn reopen_reason(&self, clock: u32) -> Option<String> {
        let c = self.state.clocks.get(clock)?;
        let target = self.clock_target(c)?;
        let rule = target.reopen.as_ref()?;
        let (stopped, reopened) = c.pauses(0).last().copied()?;
        let gap = crate::model::Duration::Seconds(target.calendar.between(stopped, reopened));
        Some(format!(
            "reopened within {} of its stop at {}: the clock continues, the {gap} between not counted",
            rule.within_text,
            crate::model::Timestamp(stopped)
        ))
    }

    /// Says so when a deadline clock has no due because its record lacks the deadline field.
    fn waiting(&mut self, clock: u32, at: i64) {
        let Some(c) = self.state.clocks.get(clock) else {
            return;
        };
        let Some(target) = self.clock_target(c) else {
            return;
        };
        let crate::sla::Goal::Deadline(field) = &target.goal else {
            return;
        };
        if !c.state.is_active() || c.due(&target.calendar).is_some() {
            return;
        }
        let reason = format!(
            "the record has no `{field}` field with an instant: the clock has no due until it has"
        );
        self.emit_clock(Kind::SlaWaiting, at, clock, |_, action| {
            action.reason = Some(reason);
        });
    }

    /// Queues the timer of a clock's next milestone or breach, if it is counting.
    fn schedule_clock(&mut self, clock: u32) {
        self.schedule_clock_due(clock, None);
    }

    /// [`Self::schedule_clock`], given the clock's due if the caller has just worked it out.
    fn schedule_clock_due(&mut self, clock: u32, due: Option<i64>) {
        let Some(c) = self.state.clocks.get(clock) else {
            return;
        };
        let Some(target) = self.clock_target(c) else {
            return;
        };
        if let Some((at, _)) = c.next_given_due(target, due) {
            self.state.timers.push(at, Due::Clock(clock, c.generation));
        }
        // A timer is current while what it belongs to has the generation (or stamp) it was
        // set with: a changed clock, a closed task, a stopped escalation or a record touched
        // again never changes back, so a timer they left behind can go.
        let super::State {
            timers,
            clocks,
            tasks,
            escalations,
            records,
            ..
        } = &mut self.state;
        timers.compact(|due| match *due {
            Due::Clock(c, generation) => clocks.get(c).is_some_and(|c| c.generation == generation),
            Due::Task(t, generation) => tasks
                .get(t as usize)
                .is_some_and(|t| t.open && t.generation == generation),
            Due::Escalation(e, _, generation) => escalations
                .get(e as usize)
                .is_some_and(|e| e.active && e.generation == generation),
            Due::Release(r, stamp) => records.get(r as usize).is_some_and(|r| r.stamp == stamp),
            Due::Schedule(..)
            | Due::ReportDue(..)
            | Due::ReportOverdue(..)
            | Due::ForumNotice(..)
            | Due::Availability(..)
            | Due::Kpi(..)
            | Due::Penalty(..) => true,
        });
    }

    /// A clock's timer: the milestone or breach it was set for, unless the clock changed since.
    pub(super) fn clock_timer(&mut self, clock: u32, generation: u32, at: i64) {
        let Some(c) = self.state.clocks.get(clock) else {
            return;
        };
        if c.generation != generation || !c.state.is_active() {
            return;
        }
        // The clock's own version decides what its milestones and breach do.
        let version = c.version;
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        let Some(target) = program.targets.get(c.target as usize) else {
            return;
        };
        let Some((_, next)) = c.next(target) else {
            return;
        };
        let record_index = c.record;
        if let Some(c) = self.state.clocks.get_mut(clock) {
            c.reach(&target.calendar, at, next);
        }
        let (record_id, record_type) = self.names_of(Some(record_index));
        let record = record_id.as_ref().map(|_| record_index);
        let record_type = record_type.as_deref().unwrap_or("");
        let mut eval = self.evaluator(&program, version);
        match next {
            Next::Milestone(i) => {
                let Some(milestone) = target.milestones.get(i as usize) else {
                    return;
                };
                let warning = !matches!(milestone.point, Point::AfterDue(_));
                if warning {
                    self.emit_clock(Kind::SlaWarning, at, clock, |_, action| {
                        action.milestone = Some(Name::clone(&milestone.name));
                    });
                }
                if !milestone.actions.is_empty() {
                    let reason = format!("milestone {} of target {}", milestone.name, target.id);
                    let subject = Subject::Clock(clock);
                    self.run_actions(version, &milestone.actions, at, &reason, subject, record);
                }
                if warning {
                    let signal = Signal::SlaWarning {
                        agreement: &target.agreement,
                        agreement_type: target.agreement_type,
                        target: &target.id,
                        record_type,
                    };
                    let subject = Subject::Clock(clock);
                    self.signal(version, &signal, subject, at, record, &mut eval, None);
                }
            }
            Next::Breach => {
                self.emit_clock(Kind::SlaBreached, at, clock, |_, _| {});
                if !target.breach.is_empty() {
                    let reason = format!("breach of target {}", target.id);
                    let subject = Subject::Clock(clock);
                    self.run_actions(version, &target.breach, at, &reason, subject, record);
                }
                let signal = Signal::SlaBreached {
                    agreement: &target.agreement,
                    agreement_type: target.agreement_type,
                    target: &target.id,
                    record_type,
                };
                let subject = Subject::Clock(clock);
                self.signal(version, &signal, subject, at, record, &mut eval, None);
            }
        }
        let failures = eval.take_failures();
        self.script_failures(failures, at, record_id.as_ref());
        self.schedule_clock(clock);
    }
}
