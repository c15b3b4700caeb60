//! Process instances: triggers start them, tasks open for the roles that do them, decisions
//! take outcomes from `step.completed` events or from conditions, parallel branches fork and
//! join, subprocesses run, and overdue tasks escalate.
//!
//! An instance waits at open tasks, running subprocesses and joins; it completes when it
//! reaches an end step with nothing else waiting. Moves that need no person (conditional
//! decisions, parallel forks) happen at once; a chain of more than [`MAX_MOVES`] of them within
//! one event is stopped as a loop.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::action::{Action, Name};
use super::engine::Engine;
use super::timer::Due;
use crate::condition::{Change, Evaluator, Side};
use crate::escalation::{Signal, Subject};
use crate::model::Event;
use crate::model::process::StepKind;

/// Most automatic moves one event may cause in one instance.
pub const MAX_MOVES: u32 = 1_000;

/// A join waiting for parallel branches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Join {
    /// The step branches join at.
    pub join: u32,
    /// Branches that must arrive.
    pub expected: u32,
    /// Branches arrived.
    pub arrived: u32,
}

/// A running or completed process instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Its id, `<process>-<n>`.
    pub id: Name,
    /// Process index.
    pub process: u32,
    /// The record it is about, if any.
    pub record: Option<u32>,
    /// When it started.
    pub started_at: i64,
    /// Places it waits at (open tasks, running subprocesses).
    pub waiting: u32,
    /// Joins it waits at.
    pub joins: Vec<Join>,
    /// Whether it has completed.
    pub completed: bool,
    /// The instance and step that called it as a subprocess.
    pub parent: Option<(u32, u32)>,
    /// The version of the bundle it started under (an index into the engine's versions).
    #[serde(default)]
    pub version: u16,
}

/// A task of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Instance index.
    pub instance: u32,
    /// Step index in the process.
    pub step: u32,
    /// When it opened.
    pub opened_at: i64,
    /// When it is due.
    pub due: Option<i64>,
    /// Whether it is still open.
    pub open: bool,
    /// Whether it passed its due time.
    pub overdue: bool,
}

impl Engine {
    fn instance_action(
        &self,
        kind: &'static str,
        at: i64,
        instance: u32,
        step: Option<u32>,
    ) -> Action {
        let mut action = Action::new(kind, at);
        let Some(i) = self.state.instances.get(instance as usize) else {
            return action;
        };
        let process = self.compiled.processes.get(i.process as usize);
        action.instance = Some(Name::clone(&i.id));
        action.process = process.map(|p| Name::clone(&p.id));
        action.step = step.and_then(|s| {
            process
                .and_then(|p| p.steps.get(s as usize))
                .map(|s| Name::clone(&s.id))
        });
        if let Some(r) = i.record.and_then(|r| self.state.records.get(r as usize)) {
            action.record = Some(Name::clone(&r.id));
            action.record_type = Some(Name::clone(&r.record_type));
        }
        action
    }

    /// The id of a new instance: `<process>:<record>` for one started by a record,
    /// `<parent>/<step>` for a subprocess, `<process>@<local date>` for a scheduled one and
    /// `<process>` otherwise; a repeated id gets `#2`, `#3`...
    fn instance_id(
        &mut self,
        process: u32,
        record: Option<u32>,
        parent: Option<(u32, u32)>,
        scheduled: Option<String>,
    ) -> String {
        let name = self
            .compiled
            .processes
            .get(process as usize)
            .map_or("", |p| &*p.id);
        let base = if let Some((parent, step)) = parent {
            let parent_id = self
                .state
                .instances
                .get(parent as usize)
                .map_or("", |i| &*i.id);
            let step_id = self
                .state
                .instances
                .get(parent as usize)
                .and_then(|i| self.compiled.processes.get(i.process as usize))
                .and_then(|p| p.steps.get(step as usize))
                .map_or("", |s| &*s.id);
            format!("{parent_id}/{step_id}")
        } else if let Some(r) = record.and_then(|r| self.state.records.get(r as usize)) {
            format!("{name}:{}", r.id)
        } else if let Some(date) = scheduled {
            format!("{name}@{date}")
        } else {
            name.to_string()
        };
        let count = self.state.instance_counts.entry(base.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            base
        } else {
            format!("{base}#{count}")
        }
    }

    /// Starts an instance of `process` at step `entry`.
    pub(super) fn start_instance(
        &mut self,
        process: u32,
        entry: u32,
        record: Option<u32>,
        at: i64,
        reason: String,
        parent: Option<(u32, u32)>,
    ) {
        self.start_instance_named(process, entry, record, at, reason, parent, None);
    }

    #[allow(clippy::too_many_arguments)]
    fn start_instance_named(
        &mut self,
        process: u32,
        entry: u32,
        record: Option<u32>,
        at: i64,
        reason: String,
        parent: Option<(u32, u32)>,
        scheduled: Option<String>,
    ) {
        if self.compiled.processes.get(process as usize).is_none() {
            return;
        }
        let id = self.instance_id(process, record, parent, scheduled);
        let index = u32::try_from(self.state.instances.len()).unwrap_or(u32::MAX);
        self.state.instances.push(Instance {
            id: id.into(),
            process,
            record,
            started_at: at,
            waiting: 0,
            joins: Vec::new(),
            completed: false,
            parent,
            version: self.state.clocks.version,
        });
        let mut action = self.instance_action("instance.started", at, index, Some(entry));
        action.reason = Some(reason);
        self.emit(action);
        let mut moves = MAX_MOVES;
        self.enter(index, entry, at, &mut moves);
    }

    fn enter(&mut self, instance: u32, step: u32, at: i64, moves: &mut u32) {
        if *moves == 0 {
            let mut action = self.instance_action("script.failed", at, instance, Some(step));
            action.error = Some(format!(
                "more than {MAX_MOVES} automatic moves in one event: the process loops without waiting for anyone"
            ));
            self.emit(action);
            return;
        }
        *moves -= 1;
        let compiled = Arc::clone(&self.compiled);
        let Some(inst) = self.state.instances.get_mut(instance as usize) else {
            return;
        };
        if let Some(position) = inst.joins.iter().position(|j| j.join == step) {
            let Some(join) = inst.joins.get_mut(position) else {
                return;
            };
            join.arrived += 1;
            if join.arrived < join.expected {
                return;
            }
            inst.joins.remove(position);
        }
        let Some(def) = compiled.processes.get(inst.process as usize) else {
            return;
        };
        let Some(spec) = def.steps.get(step as usize) else {
            return;
        };
        match spec.kind {
            StepKind::Task => self.open_task(instance, step, at),
            StepKind::Decision => {
                if spec.outcomes.iter().any(|(_, _, when)| when.is_some()) {
                    let chosen = self.decide(instance, step, at);
                    if let Some((name, to)) = chosen {
                        let mut action =
                            self.instance_action("task.completed", at, instance, Some(step));
                        action.outcome = Some(name.into());
                        action.reason = Some("decided by conditions".into());
                        self.emit(action);
                        self.enter(instance, to, at, moves);
                    }
                } else {
                    self.open_task(instance, step, at);
                }
            }
            StepKind::Parallel => {
                if let Some(join) = spec.join {
                    if let Some(inst) = self.state.instances.get_mut(instance as usize) {
                        inst.joins.push(Join {
                            join,
                            expected: u32::try_from(spec.branches.len()).unwrap_or(0),
                            arrived: 0,
                        });
                    }
                }
                for branch in spec.branches.clone() {
                    self.enter(instance, branch, at, moves);
                }
            }
            StepKind::Subprocess => {
                let Some(child) = spec.subprocess else { return };
                let Some(entry) = compiled.processes.get(child as usize).and_then(|p| p.start)
                else {
                    return;
                };
                if let Some(inst) = self.state.instances.get_mut(instance as usize) {
                    inst.waiting += 1;
                }
                let record = self
                    .state
                    .instances
                    .get(instance as usize)
                    .and_then(|i| i.record);
                self.raci_notices(instance, step, at, spec, true);
                let reason = format!("called by step {} of {}", spec.id, def.id);
                self.start_instance(child, entry, record, at, reason, Some((instance, step)));
            }
            StepKind::End => {
                let done = self
                    .state
                    .instances
                    .get(instance as usize)
                    .is_some_and(|i| i.waiting == 0 && i.joins.is_empty() && !i.completed);
                if done {
                    if let Some(inst) = self.state.instances.get_mut(instance as usize) {
                        inst.completed = true;
                    }
                    let action =
                        self.instance_action("instance.completed", at, instance, Some(step));
                    self.emit(action);
                    let parent = self
                        .state
                        .instances
                        .get(instance as usize)
                        .and_then(|i| i.parent);
                    if let Some((parent, call)) = parent {
                        if let Some(p) = self.state.instances.get_mut(parent as usize) {
                            p.waiting = p.waiting.saturating_sub(1);
                        }
                        let next = self
                            .state
                            .instances
                            .get(parent as usize)
                            .and_then(|p| compiled.processes.get(p.process as usize))
                            .and_then(|d| d.steps.get(call as usize))
                            .and_then(|s| s.next);
                        if let Some(next) = next {
                            self.enter(parent, next, at, moves);
                        }
                    }
                }
            }
        }
    }

    /// Picks a decision's outcome by its conditions: the first that holds, else the one without.
    fn decide(&mut self, instance: u32, step: u32, at: i64) -> Option<(String, u32)> {
        let compiled = Arc::clone(&self.compiled);
        let inst = self.state.instances.get(instance as usize)?;
        let spec = compiled
            .processes
            .get(inst.process as usize)?
            .steps
            .get(step as usize)?;
        let record = inst.record.and_then(|r| self.state.records.get(r as usize));
        let view = record.map(|r| (&*r.id, &*r.record_type, &r.fields));
        let mut map = rhai::Map::new();
        map.insert("id".into(), inst.id.to_string().into());
        map.insert("started_at".into(), inst.started_at.into());
        let mut eval = Evaluator::new(&compiled.script);
        let mut chosen = None;
        for (name, to, when) in &spec.outcomes {
            if let Some(script) = when {
                if eval.decision(script, view, rhai::Dynamic::from_map(map.clone())) {
                    chosen = Some((name.clone(), *to));
                    break;
                }
            }
        }
        let chosen = chosen.or_else(|| {
            spec.outcomes
                .iter()
                .find(|(_, _, when)| when.is_none())
                .map(|(name, to, _)| (name.clone(), *to))
        });
        let failures = eval.take_failures();
        let record_id = record.map(|r| Name::clone(&r.id));
        self.script_failures(failures, at, record_id.as_ref());
        chosen
    }

    fn open_task(&mut self, instance: u32, step: u32, at: i64) {
        let compiled = Arc::clone(&self.compiled);
        let Some(inst) = self.state.instances.get_mut(instance as usize) else {
            return;
        };
        inst.waiting += 1;
        let Some(spec) = compiled
            .processes
            .get(inst.process as usize)
            .and_then(|p| p.steps.get(step as usize))
        else {
            return;
        };
        let due = spec.due.and_then(|d| match d {
            crate::model::Duration::Seconds(s) => spec.calendar.add(at, s),
            crate::model::Duration::WorkingDays(n) => spec.calendar.add_working_days(at, n),
        });
        let index = u32::try_from(self.state.tasks.len()).unwrap_or(u32::MAX);
        self.state.tasks.push(Task {
            instance,
            step,
            opened_at: at,
            due,
            open: true,
            overdue: false,
        });
        let mut action = self.instance_action("task.opened", at, instance, Some(step));
        action.roles = spec.doers.clone();
        action.recipients = compiled.recipients(&spec.doers);
        action.due = due.map(crate::model::Timestamp);
        self.emit(action);
        self.raci_notices(instance, step, at, spec, false);
        if let Some(due) = due {
            self.state.timers.push(due, Due::Task(index));
        }
    }

    /// Notifies the roles a step's RACI names: A (when not also the doer), C and I, and with
    /// `doers` the roles that do it too (a subprocess step has no task to open for them).
    fn raci_notices(
        &mut self,
        instance: u32,
        step: u32,
        at: i64,
        spec: &super::compiled::StepDef,
        doers: bool,
    ) {
        let accountable: Vec<String> = spec
            .accountable
            .iter()
            .filter(|r| !spec.doers.contains(r))
            .cloned()
            .collect();
        let none = Vec::new();
        let responsible = if doers { &spec.doers } else { &none };
        for (roles, why) in [
            (responsible, "responsible for"),
            (&accountable, "accountable for"),
            (&spec.consulted, "consulted on"),
            (&spec.informed, "informed of"),
        ] {
            if roles.is_empty() {
                continue;
            }
            let mut action = self.instance_action("notify", at, instance, Some(step));
            action.roles = roles.clone();
            action.recipients = self.compiled.recipients(roles);
            action.reason = Some(format!("{why} step {}", spec.id));
            self.emit(action);
        }
    }

    /// Applies a `step.completed` event.
    pub(super) fn complete_step(&mut self, event: &Event, line: u64) {
        let at = event.at.0;
        let compiled = Arc::clone(&self.compiled);
        let (Some(instance_id), Some(step_id)) = (&event.instance, &event.step) else {
            return self.reject_line(
                at,
                line,
                "`step.completed` needs `instance` and `step`".into(),
            );
        };
        let Some(instance) = self
            .state
            .instances
            .iter()
            .position(|i| *i.id == **instance_id)
        else {
            return self.reject_line(
                at,
                line,
                format!("unknown process instance `{instance_id}`"),
            );
        };
        let instance = u32::try_from(instance).unwrap_or(u32::MAX);
        let Some(process) = self
            .state
            .instances
            .get(instance as usize)
            .and_then(|i| compiled.processes.get(i.process as usize))
        else {
            return;
        };
        let Some(step) = process.steps.iter().position(|s| *s.id == **step_id) else {
            return self.reject_line(
                at,
                line,
                format!("process `{}` has no step `{step_id}`", process.id),
            );
        };
        let step = u32::try_from(step).unwrap_or(u32::MAX);
        let Some(task) = self
            .state
            .tasks
            .iter()
            .rposition(|t| t.instance == instance && t.step == step && t.open)
        else {
            return self.reject_line(
                at,
                line,
                format!("step `{step_id}` of instance `{instance_id}` has no open task"),
            );
        };
        let Some(spec) = process.steps.get(step as usize) else {
            return;
        };
        let next = match spec.kind {
            StepKind::Decision => {
                let names: Vec<&str> = spec.outcomes.iter().map(|(n, _, _)| n.as_str()).collect();
                match event
                    .outcome
                    .as_deref()
                    .and_then(|o| spec.outcomes.iter().find(|(n, _, _)| n == o))
                {
                    Some((_, to, _)) => Some(*to),
                    None => {
                        let given = event
                            .outcome
                            .as_deref()
                            .map_or("no outcome".to_string(), |o| format!("outcome `{o}`"));
                        return self.reject_line(at, line, format!("decision `{step_id}` of `{instance_id}` got {given}; expected one of {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")));
                    }
                }
            }
            _ => spec.next,
        };
        if let Some(t) = self.state.tasks.get_mut(task) {
            t.open = false;
        }
        if let Some(inst) = self.state.instances.get_mut(instance as usize) {
            inst.waiting = inst.waiting.saturating_sub(1);
        }
        let task = u32::try_from(task).unwrap_or(u32::MAX);
        self.calm(Subject::Task(task), |_| true);
        let mut action = self.instance_action("task.completed", at, instance, Some(step));
        action.outcome = event.outcome.as_deref().map(Name::from);
        self.emit(action);
        if let Some(next) = next {
            let mut moves = MAX_MOVES;
            self.enter(instance, next, at, &mut moves);
        }
    }

    fn reject_line(&mut self, at: i64, line: u64, error: String) {
        let mut action = Action::new("event.rejected", at);
        action.line = Some(line);
        action.error = Some(error);
        self.emit(action);
    }

    pub(super) fn task_timer(&mut self, task: u32, at: i64) {
        let compiled = Arc::clone(&self.compiled);
        let Some(t) = self.state.tasks.get_mut(task as usize) else {
            return;
        };
        if !t.open || t.overdue {
            return;
        }
        t.overdue = true;
        let (instance, step) = (t.instance, t.step);
        let mut action = self.instance_action("task.overdue", at, instance, Some(step));
        action.due = Some(crate::model::Timestamp(at));
        self.emit(action);
        let Some(inst) = self.state.instances.get(instance as usize) else {
            return;
        };
        let Some(process) = compiled.processes.get(inst.process as usize) else {
            return;
        };
        let Some(spec) = process.steps.get(step as usize) else {
            return;
        };
        let record = inst
            .record
            .filter(|r| self.state.records.get(*r as usize).is_some());
        let signal = Signal::StepOverdue {
            process: &process.id,
            step: &spec.id,
        };
        let mut eval = Evaluator::new(&compiled.script);
        self.signal(
            &signal,
            Subject::Task(task),
            at,
            record,
            &mut eval,
            spec.escalation,
        );
    }

    pub(super) fn task_record(&self, task: u32) -> Option<u32> {
        let t = self.state.tasks.get(task as usize)?;
        self.state.instances.get(t.instance as usize)?.record
    }

    pub(super) fn describe_task(&self, task: u32, action: &mut Action) {
        let Some(t) = self.state.tasks.get(task as usize) else {
            return;
        };
        let described = self.instance_action("x", action.at.0, t.instance, Some(t.step));
        action.instance = described.instance;
        action.process = described.process;
        action.step = described.step;
    }

    /// Schedules every scheduled trigger from `from` on.
    pub(super) fn init_schedules(&mut self, from: i64) {
        for (index, trigger) in self.compiled.triggers.iter().enumerate() {
            if let Some((period, tz)) = trigger.schedule {
                let at = crate::calendar::period::next_boundary(period, tz, from.saturating_sub(1));
                self.state
                    .timers
                    .push(at, Due::Schedule(u32::try_from(index).unwrap_or(0)));
            }
        }
    }

    pub(super) fn schedule_timer(&mut self, trigger: u32, at: i64) {
        let compiled = Arc::clone(&self.compiled);
        let Some(def) = compiled.triggers.get(trigger as usize) else {
            return;
        };
        let Some((period, tz)) = def.schedule else {
            return;
        };
        let reason = format!("schedule: {period}");
        let date = crate::calendar::period::local_date(tz, at)
            .format("%Y-%m-%d")
            .to_string();
        self.start_instance_named(def.process, def.entry, None, at, reason, None, Some(date));
        let next = crate::calendar::period::next_boundary(period, tz, at);
        self.state.timers.push(next, Due::Schedule(trigger));
    }

    /// Whether an event may start `process`: any process, unless the event names one.
    fn wanted(&self, event: &Event, process: u32) -> bool {
        event.process.as_deref().is_none_or(|name| {
            self.compiled
                .processes
                .get(process as usize)
                .is_some_and(|p| &*p.id == name)
        })
    }

    /// Why an event naming a `process` cannot start it, checked before the event is applied.
    pub(super) fn process_mismatch(&self, event: &Event) -> Option<String> {
        let name = event.process.as_deref()?;
        let Some(index) = self.compiled.process_index.get(name) else {
            return Some(format!("event names unknown process `{name}`"));
        };
        let starts = self.compiled.triggers.iter().any(|t| {
            t.process == *index
                && (t.event.as_deref() == Some(event.event.as_str())
                    || (t.event.is_none() && t.schedule.is_none()))
        });
        (!starts).then(|| format!("process `{name}` is not started by event `{}`", event.event))
    }

    /// Starts the processes an event without a record triggers; returns whether any started.
    pub(super) fn start_by_event(&mut self, event: &Event, _record: Option<u32>) -> bool {
        let compiled = Arc::clone(&self.compiled);
        let mut started = false;
        for def in &compiled.triggers {
            if def.event.as_deref() == Some(event.event.as_str())
                && def.record_type.is_none()
                && def.when.is_none()
                && self.wanted(event, def.process)
            {
                let reason = format!("event {}", event.event);
                self.start_instance(def.process, def.entry, None, event.at.0, reason, None);
                started = true;
            }
        }
        started
    }

    /// Starts the processes a record change triggers: by event name, or by a condition that
    /// became true.
    pub(super) fn start_by_event_with(
        &mut self,
        event: &Event,
        record: Option<(u32, &Change<'_>)>,
        eval: &mut Evaluator<'_>,
    ) {
        let Some((index, change)) = record else {
            return;
        };
        let compiled = Arc::clone(&self.compiled);
        for def in &compiled.triggers {
            if !self.wanted(event, def.process) {
                continue;
            }
            if def.schedule.is_some()
                || def
                    .record_type
                    .as_deref()
                    .is_some_and(|t| t != change.record_type)
            {
                continue;
            }
            let holds = |eval: &mut Evaluator<'_>, side| {
                def.when
                    .as_ref()
                    .is_some_and(|script| eval.truthy(script, change, side))
            };
            let fire = match (&def.event, &def.when) {
                (Some(name), None) => *name == event.event,
                (Some(name), Some(_)) => *name == event.event && holds(eval, Side::After),
                (None, Some(_)) => {
                    holds(eval, Side::After) && (change.is_new || !holds(eval, Side::Before))
                }
                (None, None) => false,
            };
            if fire {
                let reason = match &def.event {
                    Some(name) => format!("event {name} on {}", change.record),
                    None => format!("condition became true on {}", change.record),
                };
                self.start_instance(
                    def.process,
                    def.entry,
                    Some(index),
                    event.at.0,
                    reason,
                    None,
                );
            }
        }
    }
}
