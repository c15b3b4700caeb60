//! The state as of an instant, record by record: every clock (its state, due time, business
//! time elapsed, remaining and paused, when it breached or warned) and every open process
//! instance (where it waits, its open tasks). `slaflow status` prints it; the live server
//! answers from it.
//!
//! Figures are computed at the engine's time (`Engine::finish` moves it to the instant asked
//! for), each clock in its own version's calendar. A paused clock shows the due time it would
//! have if it resumed at that instant; a clock that breached shows when it breached.

use serde::Serialize;

use super::engine::{Engine, Record};
use crate::model::Timestamp;
use crate::process::Instance;
use crate::sla::{Clock, Point, State, Target, What};

/// One record's clocks and open instances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordStatus {
    /// The record id.
    pub record: String,
    /// Its type.
    pub record_type: String,
    /// Its clocks, oldest first.
    pub clocks: Vec<ClockStatus>,
    /// Its process instances that have not completed.
    pub instances: Vec<InstanceStatus>,
}

/// One clock as of the instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockStatus {
    /// Agreement id.
    pub agreement: String,
    /// Target id.
    pub target: String,
    /// Cycle number.
    pub cycle: u32,
    /// The bundle version (hash) whose rules the clock runs under.
    pub version: String,
    /// `running`, `paused`, `breached` (still counting, past its due), `met`, `stopped`
    /// (ended after a breach), `cancelled`, or `waiting` (a deadline clock whose field is not
    /// set).
    pub state: &'static str,
    /// When it started.
    pub started: Timestamp,
    /// When it is (or was) due; for a paused clock, when it would be due if it resumed now.
    pub due: Option<Timestamp>,
    /// Business seconds elapsed (up to its end, for a clock that ended).
    pub elapsed: u64,
    /// Business seconds left before the due time (0 once past it); none while waiting.
    pub remaining: Option<u64>,
    /// Business seconds spent paused.
    pub paused: u64,
    /// When it breached.
    pub breached_at: Option<Timestamp>,
    /// When it reached its first warning milestone.
    pub warning_at: Option<Timestamp>,
    /// When it ended (met, stopped, cancelled or reset).
    pub ended_at: Option<Timestamp>,
}

/// An open process instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceStatus {
    /// Its id.
    pub instance: String,
    /// Its process.
    pub process: String,
    /// The bundle version (hash) it runs under.
    pub version: String,
    /// When it started.
    pub started: Timestamp,
    /// The steps it waits at: open tasks, running subprocess calls, joins.
    pub steps: Vec<String>,
    /// Its open tasks.
    pub tasks: Vec<TaskStatus>,
}

/// An open task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskStatus {
    /// The step.
    pub step: String,
    /// The roles that do it.
    pub roles: Vec<String>,
    /// When it opened.
    pub opened: Timestamp,
    /// When it is due.
    pub due: Option<Timestamp>,
    /// Whether it is past its due time.
    pub overdue: bool,
}

/// The status of every record (or of those named in `only`, in that order), as of the
/// engine's time, and then of the open instances that are about no record.
pub fn status(
    engine: &Engine,
    only: Option<&[String]>,
) -> (Vec<RecordStatus>, Vec<InstanceStatus>) {
    let now = engine.state.now.unwrap_or(0);
    // Open instances by record, in one pass.
    let mut by_record: Vec<Vec<u32>> = vec![Vec::new(); engine.state.records.len()];
    let mut loose = Vec::new();
    for (index, instance) in engine.state.instances.iter().enumerate() {
        if instance.completed {
            continue;
        }
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        match instance.record.and_then(|r| by_record.get_mut(r as usize)) {
            Some(list) => list.push(index),
            None => loose.push(index),
        }
    }
    let describe = |index: usize| -> Option<RecordStatus> {
        let record = engine.state.records.get(index)?;
        let instances = by_record
            .get(index)
            .map(|list| list.iter().filter_map(|i| instance(engine, *i)).collect())
            .unwrap_or_default();
        Some(record_status(engine, record, now, instances))
    };
    let records = match only {
        Some(ids) => ids
            .iter()
            .filter_map(|id| engine.record_number(id))
            .filter_map(|i| describe(i as usize))
            .collect(),
        None => engine
            .records_in_order()
            .into_iter()
            .filter_map(|i| describe(i as usize))
            .collect(),
    };
    let loose = if only.is_some() {
        Vec::new()
    } else {
        loose.iter().filter_map(|i| instance(engine, *i)).collect()
    };
    (records, loose)
}

fn record_status(
    engine: &Engine,
    record: &Record,
    now: i64,
    instances: Vec<InstanceStatus>,
) -> RecordStatus {
    let clocks = record
        .clocks
        .indices()
        .filter_map(|i| engine.state.clocks.get(i))
        .filter_map(|clock| {
            let target = engine.clock_target(clock)?;
            Some(clock_status(engine, clock, target, now))
        })
        .collect();
    RecordStatus {
        record: record.id.to_string(),
        record_type: record.record_type.to_string(),
        clocks,
        instances,
    }
}

/// One clock as of `now`.
pub fn clock_status(engine: &Engine, clock: &Clock, target: &Target, now: i64) -> ClockStatus {
    let calendar = &target.calendar;
    let ended_at = clock.ended_at();
    let at = ended_at.map_or(now, |end| end.min(now));
    let elapsed = clock.business(calendar, at);
    let paused = clock.paused_business(calendar, at);
    // A deadline clock without its field waits; another clock with no goal in the calendar's
    // horizon is never due.
    let unbounded = clock.goal() == u64::MAX;
    let waiting = unbounded && matches!(target.goal, crate::sla::Goal::Deadline(_));
    let breached_at = clock
        .timeline
        .iter()
        .find(|e| e.what == What::Breached)
        .map(|e| e.at);
    let warning_at = clock
        .timeline
        .iter()
        .find(|e| match e.what {
            What::Milestone(i) => target
                .milestones
                .get(usize::from(i))
                .is_some_and(|m| !matches!(m.point, Point::AfterDue(_))),
            _ => false,
        })
        .map(|e| e.at);
    let remaining = (!unbounded).then(|| clock.goal().saturating_sub(elapsed));
    let due = if unbounded {
        None
    } else if let Some(breached) = breached_at {
        Some(breached)
    } else {
        match clock.state {
            // If it resumed now, the business time left would be counted from now.
            State::Paused => match clock.due(calendar) {
                Some(deadline) => Some(deadline),
                None => remaining.and_then(|left| calendar.add(now, left)),
            },
            _ => clock.due(calendar),
        }
    };
    let state = match clock.state {
        _ if waiting && clock.state.is_active() => "waiting",
        State::Running if clock.breached => "breached",
        State::Running => "running",
        State::Paused => "paused",
        State::Met => "met",
        State::Stopped => "stopped",
        State::Cancelled => "cancelled",
    };
    ClockStatus {
        agreement: target.agreement.to_string(),
        target: target.id.to_string(),
        cycle: clock.cycle,
        version: engine.version_hash(clock.version).to_string(),
        state,
        started: Timestamp(clock.start),
        due: due.map(Timestamp),
        elapsed,
        remaining,
        paused,
        breached_at: breached_at.map(Timestamp),
        warning_at: warning_at.map(Timestamp),
        ended_at: ended_at.map(Timestamp),
    }
}

/// An open instance.
fn instance(engine: &Engine, index: u32) -> Option<InstanceStatus> {
    let instance: &Instance = engine.state.instances.get(index as usize)?;
    let program = engine.version(instance.version)?;
    let process = program.processes.get(instance.process as usize)?;
    let step_id = |step: u32| {
        process
            .steps
            .get(step as usize)
            .map_or(String::from("?"), |s| s.id.to_string())
    };
    let tasks: Vec<TaskStatus> = instance
        .open
        .iter()
        .filter_map(|t| engine.state.tasks.get(*t as usize))
        .filter(|t| t.open)
        .map(|t| TaskStatus {
            step: step_id(t.step),
            roles: process
                .steps
                .get(t.step as usize)
                .map(|s| s.doers.names.to_vec())
                .unwrap_or_default(),
            opened: Timestamp(t.opened_at),
            due: t.due.map(Timestamp),
            overdue: t.overdue,
        })
        .collect();
    let mut steps: Vec<String> = tasks.iter().map(|t| t.step.clone()).collect();
    steps.extend(instance.calls.iter().map(|(step, _)| step_id(*step)));
    steps.extend(instance.joins.iter().map(|j| step_id(j.join)));
    steps.dedup();
    Some(InstanceStatus {
        instance: instance.id.to_string(),
        process: process.id.to_string(),
        version: program.hash.clone(),
        started: Timestamp(instance.started_at),
        steps,
        tasks,
    })
}
