//! Process instances in the engine: triggers start them, tasks open for the roles that do them,
//! decisions take outcomes from `step.completed` events or from conditions, parallel branches
//! fork and join, subprocesses run, and overdue tasks escalate.
//!
//! An instance runs the process definition of the bundle version it started under (a
//! subprocess that of its caller), whatever versions come later. It waits at open tasks,
//! running subprocesses and joins; it completes when it reaches an end step with nothing else
//! waiting. Moves that need no person (conditional decisions, parallel forks) happen at once; a
//! chain of more than [`MAX_MOVES`] of them within one event is stopped as a loop. Instances are
//! found by id, and an instance's open tasks by the instance, so the cost of an event does not
//! grow with the number of instances or tasks.

use std::sync::Arc;

use super::Engine;
use crate::base::{Name, Roles};
use crate::condition::{Change, Evaluator, Side};
use crate::escalation::{Signal, Subject};
use crate::model::Event;
use crate::model::process::StepKind;
use crate::process::{Instance, Join, ProcessDef, StepDef, Task};
use crate::program::Program;
use crate::runtime::action::{Action, Kind};
use crate::runtime::timer::Due;

/// Most automatic moves one event may cause in one instance.
pub const MAX_MOVES: u32 = 1_000;

/// Deepest nesting of subprocess calls (validation refuses processes that call each other in
/// a cycle; this bounds the engine whatever the bundle).
pub const MAX_CALL_DEPTH: u32 = 32;

/// How a new instance is named and where it comes from.
pub(super) struct Start {
    pub(super) process: u32,
    pub(super) entry: u32,
    pub(super) record: Option<u32>,
    pub(super) reason: String,
    pub(super) parent: Option<(u32, u32)>,
    pub(super) scheduled: Option<String>,
}

impl Engine {
    /// The program an instance runs.
    fn instance_program(&self, instance: u32) -> Option<Arc<Program>> {
        let version = self.state.instances.get(instance as usize)?.version;
        self.version(version).map(Arc::clone)
    }

    /// The definition of an instance's process.
    fn definition<'p>(&self, program: &'p Program, instance: u32) -> Option<&'p ProcessDef> {
        let process = self.state.instances.get(instance as usize)?.process;
        program.processes.get(process as usize)
    }

    /// The record an instance is about, if any.
    fn instance_record(&self, instance: u32) -> Option<u32> {
        self.state
            .instances
            .get(instance as usize)
            .and_then(|i| i.record)
    }

    /// Emits an action of `kind` about a process instance and its step (with the record it
    /// runs for); `more` adds what is particular to it.
    fn emit_instance(
        &mut self,
        kind: Kind,
        at: i64,
        (instance, step): (u32, u32),
        more: impl FnOnce(&Engine, &mut Action),
    ) {
        self.emit_new(kind, at, |engine, action| {
            engine.instance_action(action, instance, step);
            more(engine, action);
        });
    }

    /// Names the instance, its process and step and the record it runs for in `action`.
    fn instance_action(&self, action: &mut Action, instance: u32, step: u32) {
        let Some(i) = self.state.instances.get(instance as usize) else {
            return;
        };
        let process = self
            .version(i.version)
            .and_then(|p| p.processes.get(i.process as usize));
        action.instance = Some(Name::clone(&i.id));
        action.process = process.map(|p| Name::clone(&p.id));
        action.step = process
            .and_then(|p| p.steps.get(step as usize))
            .map(|s| Name::clone(&s.id));
        if let Some(r) = i.record.and_then(|r| self.state.records.get(r as usize)) {
            action.record = Some(Name::clone(&r.id));
            action.record_type = Some(Name::clone(&r.record_type));
        }
    }

    /// The id of a new instance: `<process>:<record>` for one started by a record,
    /// `<parent>/<step>` for a subprocess, `<process>@<local date>` for a scheduled one and
    /// `<process>` otherwise; a repeated id gets `#2`, `#3`...
    fn instance_id(&mut self, program: &Program, start: &Start) -> String {
        let name = program
            .processes
            .get(start.process as usize)
            .map_or("", |p| &*p.id);
        let base = if let Some((parent, step)) = start.parent {
            let parent_id = self
                .state
                .instances
                .get(parent as usize)
                .map_or("", |i| &*i.id);
            let step_id = self
                .definition(program, parent)
                .and_then(|p| p.steps.get(step as usize))
                .map_or("", |s| &*s.id);
            format!("{parent_id}/{step_id}")
        } else if let Some(r) = start
            .record
            .and_then(|r| self.state.records.get(r as usize))
        {
            format!("{name}:{}", r.id)
        } else if let Some(date) = &start.scheduled {
            format!("{name}@{date}")
        } else {
            name.to_string()
        };
        // Instances of a record are counted with the record (and forgotten with it).
        let count = match start
            .record
            .and_then(|r| self.state.records.get_mut(r as usize))
        {
            Some(record) => {
                match record
                    .instance_counts
                    .iter_mut()
                    .find(|(b, _)| **b == *base)
                {
                    Some((_, count)) => {
                        *count += 1;
                        *count
                    }
                    None => {
                        record.instance_counts.push((Name::from(base.as_str()), 1));
                        1
                    }
                }
            }
            None => {
                let count = self.state.instance_counts.entry(base.clone()).or_insert(0);
                *count += 1;
                *count
            }
        };
        if count == 1 {
            base
        } else {
            format!("{base}#{count}")
        }
    }

    /// Starts an instance of `start.process` of bundle version `version`.
    pub(super) fn start_instance(&mut self, version: u16, start: Start, at: i64, moves: &mut u32) {
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        if program.processes.get(start.process as usize).is_none() {
            return;
        }
        let id = self.instance_id(&program, &start);
        let instance = Instance {
            id: id.into(),
            process: start.process,
            record: start.record,
            started_at: at,
            waiting: 0,
            joins: Vec::new(),
            completed: false,
            parent: start.parent,
            version,
            open: Vec::new(),
            calls: Vec::new(),
        };
        let index = crate::base::place(
            &mut self.state.instances,
            &mut self.state.free_instances,
            instance,
        );
        self.index_instance(index);
        if let Some(record) = start
            .record
            .and_then(|r| self.state.records.get_mut(r as usize))
        {
            record.open_instances += 1;
        }
        if let Some((parent, step)) = start.parent
            && let Some(p) = self.state.instances.get_mut(parent as usize)
        {
            p.calls.push((step, index));
        }
        self.emit_instance(
            Kind::InstanceStarted,
            at,
            (index, start.entry),
            |_, action| {
                action.reason = Some(start.reason);
            },
        );
        self.enter(index, start.entry, at, moves);
    }

    fn enter(&mut self, instance: u32, step: u32, at: i64, moves: &mut u32) {
        if *moves == 0 {
            self.emit_instance(Kind::ScriptFailed, at, (instance, step), |_, action| {
                action.error = Some(format!(
                    "more than {MAX_MOVES} automatic moves in one event: the process loops without waiting for anyone"
                ));
            });
            return;
        }
        *moves -= 1;
        let Some(program) = self.instance_program(instance) else {
            return;
        };
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
        let version = inst.version;
        let Some(def) = program.processes.get(inst.process as usize) else {
            return;
        };
        let Some(spec) = def.steps.get(step as usize) else {
            return;
        };
        match spec.kind {
            StepKind::Task => self.open_task(&program, instance, step, at),
            StepKind::Decision => {
                if spec.outcomes.iter().any(|(_, _, when)| when.is_some()) {
                    let chosen = self.decide(&program, instance, spec, at);
                    if let Some((name, to)) = chosen {
                        self.emit_instance(
                            Kind::TaskCompleted,
                            at,
                            (instance, step),
                            |_, action| {
                                action.outcome = Some(name.into());
                                action.reason = Some("decided by conditions".into());
                            },
                        );
                        self.enter(instance, to, at, moves);
                    }
                } else {
                    self.open_task(&program, instance, step, at);
                }
            }
            StepKind::Parallel => {
                if let Some(join) = spec.join
                    && let Some(inst) = self.state.instances.get_mut(instance as usize)
                {
                    inst.joins.push(Join {
                        join,
                        expected: u32::try_from(spec.branches.len()).unwrap_or(0),
                        arrived: 0,
                    });
                }
                for branch in &spec.branches {
                    self.enter(instance, *branch, at, moves);
                }
            }
            StepKind::Subprocess => {
                let Some(child) = spec.subprocess else { return };
                if self.call_depth(instance) >= MAX_CALL_DEPTH {
                    self.emit_instance(Kind::ScriptFailed, at, (instance, step), |_, action| {
                        action.error = Some(format!(
                            "subprocess calls nested more than {MAX_CALL_DEPTH} deep: the processes call each other without end"
                        ));
                    });
                    return;
                }
                let Some(entry) = program.processes.get(child as usize).and_then(|p| p.start)
                else {
                    return;
                };
                let Some(inst) = self.state.instances.get_mut(instance as usize) else {
                    return;
                };
                inst.waiting += 1;
                let record = inst.record;
                self.raci_notices(instance, step, at, spec, true);
                let start = Start {
                    process: child,
                    entry,
                    record,
                    reason: format!("called by step {} of {}", spec.id, def.id),
                    parent: Some((instance, step)),
                    scheduled: None,
                };
                self.start_instance(version, start, at, moves);
            }
            StepKind::End => self.reach_end(&program, instance, step, at, moves),
        }
    }

    /// How many callers an instance has above it.
    fn call_depth(&self, instance: u32) -> u32 {
        let mut depth = 0;
        let mut at = instance;
        while let Some((parent, _)) = self.state.instances.get(at as usize).and_then(|i| i.parent) {
            depth += 1;
            if depth > MAX_CALL_DEPTH {
                break;
            }
            at = parent;
        }
        depth
    }

    /// An instance reaching an end step: it completes if nothing else waits, and its caller
    /// goes on.
    fn reach_end(&mut self, program: &Program, instance: u32, step: u32, at: i64, moves: &mut u32) {
        let Some(inst) = self.state.instances.get_mut(instance as usize) else {
            return;
        };
        if inst.waiting != 0 || !inst.joins.is_empty() || inst.completed {
            return;
        }
        inst.completed = true;
        let (parent, record) = (inst.parent, inst.record);
        self.emit_instance(Kind::InstanceCompleted, at, (instance, step), |_, _| {});
        self.release_instance(instance);
        if let Some(record) = record {
            if let Some(r) = self.state.records.get_mut(record as usize) {
                r.open_instances = r.open_instances.saturating_sub(1);
            }
            self.touch(record);
        }
        let Some((parent, call)) = parent else {
            return;
        };
        if let Some(p) = self.state.instances.get_mut(parent as usize) {
            p.waiting = p.waiting.saturating_sub(1);
            p.calls.retain(|(_, child)| *child != instance);
        }
        let next = self
            .definition(program, parent)
            .and_then(|d| d.steps.get(call as usize))
            .and_then(|s| s.next);
        if let Some(next) = next {
            self.enter(parent, next, at, moves);
        }
    }

    /// Frees a completed instance's slot: nothing refers to it any more (its tasks closed,
    /// its subprocesses completed, its caller was told).
    fn release_instance(&mut self, instance: u32) {
        let Some(slot) = self.state.instances.get_mut(instance as usize) else {
            return;
        };
        let id = std::mem::replace(&mut slot.id, Name::from(""));
        slot.joins = Vec::new();
        slot.open = Vec::new();
        slot.calls = Vec::new();
        self.unindex_instance(&id);
        self.state.free_instances.push(instance);
    }

    /// Picks a decision's outcome by its conditions: the first that holds, else the one without.
    fn decide(
        &mut self,
        program: &Program,
        instance: u32,
        spec: &StepDef,
        at: i64,
    ) -> Option<(String, u32)> {
        let inst = self.state.instances.get(instance as usize)?;
        let record = inst.record.and_then(|r| self.state.records.get(r as usize));
        let view = record.map(|r| (&*r.id, &*r.record_type, &r.fields));
        let mut map = rhai::Map::new();
        map.insert("id".into(), inst.id.to_string().into());
        map.insert("started_at".into(), inst.started_at.into());
        let mut eval = self.evaluator(program, inst.version);
        let mut chosen = None;
        for (name, to, when) in &spec.outcomes {
            if let Some(script) = when
                && eval.decision(script, view, rhai::Dynamic::from_map(map.clone()))
            {
                chosen = Some((name.clone(), *to));
                break;
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

    fn open_task(&mut self, program: &Program, instance: u32, step: u32, at: i64) {
        let generation = self
            .state
            .free_tasks
            .last()
            .and_then(|t| self.state.tasks.get(*t as usize))
            .map_or(0, |t| t.generation.wrapping_add(1));
        let task = Task {
            instance,
            step,
            opened_at: at,
            due: None,
            open: true,
            overdue: false,
            generation,
        };
        let index = crate::base::place(&mut self.state.tasks, &mut self.state.free_tasks, task);
        let Some(inst) = self.state.instances.get_mut(instance as usize) else {
            return;
        };
        let Some(spec) = program
            .processes
            .get(inst.process as usize)
            .and_then(|p| p.steps.get(step as usize))
        else {
            return;
        };
        inst.waiting += 1;
        inst.open.push(index);
        let due = spec.due.and_then(|d| match d {
            crate::model::Duration::Seconds(s) => spec.calendar.add(at, s),
            crate::model::Duration::WorkingDays(n) => spec.calendar.add_working_days(at, n),
        });
        if let Some(task) = self.state.tasks.get_mut(index as usize) {
            task.due = due;
        }
        self.emit_instance(Kind::TaskOpened, at, (instance, step), |engine, action| {
            action.roles = Arc::clone(&spec.doers.names);
            action.recipients = engine.recipients(&spec.doers, engine.instance_record(instance));
            action.due = due.map(crate::model::Timestamp);
        });
        self.raci_notices(instance, step, at, spec, false);
        if let Some(due) = due {
            self.state.timers.push(due, Due::Task(index, generation));
        }
    }

    /// Notifies the roles a step's RACI names: A (when not also the doer), C and I, and with
    /// `doers` the roles that do it too (a subprocess step has no task to open for them).
    fn raci_notices(&mut self, instance: u32, step: u32, at: i64, spec: &StepDef, doers: bool) {
        let none = Roles::default();
        let responsible = if doers { &spec.doers } else { &none };
        for (roles, why) in [
            (responsible, "responsible for"),
            (&spec.accountable, "accountable for"),
            (&spec.consulted, "consulted on"),
            (&spec.informed, "informed of"),
        ] {
            if roles.is_empty() {
                continue;
            }
            self.emit_instance(Kind::Notify, at, (instance, step), |engine, action| {
                action.roles = Arc::clone(&roles.names);
                action.recipients = engine.recipients(roles, engine.instance_record(instance));
                action.reason = Some(format!("{why} step {}", spec.id));
            });
        }
    }

    /// Applies a `step.completed` event.
    pub(super) fn complete_step(&mut self, event: &Event, line: u64) {
        let at = event.at.0;
        let (Some(instance_id), Some(step_id)) = (&event.instance, &event.step) else {
            return self.reject(
                at,
                line,
                "`step.completed` needs `instance` and `step`".into(),
            );
        };
        let Some((instance, _)) = self.instance(instance_id) else {
            return self.reject(
                at,
                line,
                format!("unknown process instance `{instance_id}`"),
            );
        };
        let Some(program) = self.instance_program(instance) else {
            return;
        };
        let Some(process) = self.definition(&program, instance) else {
            return;
        };
        let Some(step) = process.step_index(step_id) else {
            return self.reject(
                at,
                line,
                format!("process `{}` has no step `{step_id}`", process.id),
            );
        };
        let task = self.state.instances.get(instance as usize).and_then(|i| {
            i.open.iter().rev().copied().find(|t| {
                self.state
                    .tasks
                    .get(*t as usize)
                    .is_some_and(|t| t.step == step && t.open)
            })
        });
        let Some(task) = task else {
            return self.reject(
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
                match event
                    .outcome
                    .as_deref()
                    .and_then(|o| spec.outcomes.iter().find(|(n, _, _)| n == o))
                {
                    Some((_, to, _)) => Some(*to),
                    None => {
                        let names: Vec<String> = spec
                            .outcomes
                            .iter()
                            .map(|(n, _, _)| format!("`{n}`"))
                            .collect();
                        let given = event
                            .outcome
                            .as_deref()
                            .map_or("no outcome".to_string(), |o| format!("outcome `{o}`"));
                        return self.reject(
                            at,
                            line,
                            format!(
                                "decision `{step_id}` of `{instance_id}` got {given}; expected one of {}",
                                names.join(", ")
                            ),
                        );
                    }
                }
            }
            _ => spec.next,
        };
        if let Some(t) = self.state.tasks.get_mut(task as usize) {
            // Closed: its slot is free for the next task.
            t.open = false;
            self.state.free_tasks.push(task);
        }
        if let Some(inst) = self.state.instances.get_mut(instance as usize) {
            inst.waiting = inst.waiting.saturating_sub(1);
            inst.open.retain(|t| *t != task);
        }
        self.calm(Subject::Task(task), |_, _| true);
        self.emit_instance(Kind::TaskCompleted, at, (instance, step), |_, action| {
            action.outcome = event.outcome.as_deref().map(Name::from);
        });
        let record = self
            .state
            .instances
            .get(instance as usize)
            .and_then(|i| i.record);
        if let Some(next) = next {
            let mut moves = MAX_MOVES;
            self.enter(instance, next, at, &mut moves);
        }
        if let Some(record) = record {
            self.touch(record);
        }
    }

    pub(super) fn task_timer(&mut self, task: u32, generation: u32, at: i64) {
        let Some(t) = self.state.tasks.get_mut(task as usize) else {
            return;
        };
        if !t.open || t.overdue || t.generation != generation {
            return;
        }
        t.overdue = true;
        let (instance, step) = (t.instance, t.step);
        self.emit_instance(Kind::TaskOverdue, at, (instance, step), |_, action| {
            action.due = Some(crate::model::Timestamp(at));
        });
        let Some(program) = self.instance_program(instance) else {
            return;
        };
        let Some(inst) = self.state.instances.get(instance as usize) else {
            return;
        };
        let version = inst.version;
        let Some(process) = program.processes.get(inst.process as usize) else {
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
        let mut eval = self.evaluator(&program, version);
        let subject = Subject::Task(task);
        self.signal(
            version,
            &signal,
            subject,
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

    /// Names a task's instance, process, step and record in `action` (an escalation about it).
    pub(super) fn describe_task(&self, task: u32, action: &mut Action) {
        let Some(t) = self.state.tasks.get(task as usize) else {
            return;
        };
        self.instance_action(action, t.instance, t.step);
    }

    /// Schedules every scheduled trigger of the current version from `from` on.
    pub(super) fn init_schedules(&mut self, from: i64) {
        self.init_kpis(from);
        self.init_penalties(from);
        let version = self.state.current;
        let program = Arc::clone(self.program());
        for (index, trigger) in program.triggers.iter().enumerate() {
            if let Some((period, tz)) = trigger.schedule {
                let at = crate::calendar::period::next_boundary(period, tz, from.saturating_sub(1));
                let index = u32::try_from(index).unwrap_or(0);
                self.state.timers.push(at, Due::Schedule(version, index));
            }
        }
        // Report dues and forum notices start (and follow a switch) with the schedules.
        self.init_governance(from);
    }

    pub(super) fn schedule_timer(&mut self, version: u16, trigger: u32, at: i64) {
        // Schedules of a version that is no longer current have stopped.
        if version != self.state.current {
            return;
        }
        let program = Arc::clone(self.program());
        let Some(def) = program.triggers.get(trigger as usize) else {
            return;
        };
        let Some((period, tz)) = def.schedule else {
            return;
        };
        let date = crate::calendar::period::local_date(tz, at)
            .format("%Y-%m-%d")
            .to_string();
        let start = Start {
            process: def.process,
            entry: def.entry,
            record: None,
            reason: format!("schedule: {period}"),
            parent: None,
            scheduled: Some(date),
        };
        let mut moves = MAX_MOVES;
        self.start_instance(version, start, at, &mut moves);
        let next = crate::calendar::period::next_boundary(period, tz, at);
        self.state
            .timers
            .push(next, Due::Schedule(version, trigger));
    }

    /// Whether an event may start `process`: any process, unless the event names one.
    fn wanted(&self, event: &Event, process: u32) -> bool {
        event.process.as_deref().is_none_or(|name| {
            self.program()
                .processes
                .get(process as usize)
                .is_some_and(|p| &*p.id == name)
        })
    }

    /// Why an event naming a `process` cannot start it, checked before the event is applied.
    pub(super) fn process_mismatch(&self, event: &Event) -> Option<String> {
        let name = event.process.as_deref()?;
        let program = self.program();
        let Some(index) = program.process_index.get(name) else {
            return Some(format!("event names unknown process `{name}`"));
        };
        let starts = program.triggers.iter().any(|t| {
            t.process == *index
                && (t.event.as_deref() == Some(event.event.as_str())
                    || (t.event.is_none() && t.schedule.is_none()))
        });
        (!starts).then(|| format!("process `{name}` is not started by event `{}`", event.event))
    }

    /// Starts the processes an event without a record triggers; returns whether any started.
    pub(super) fn start_by_event(&mut self, event: &Event) -> bool {
        let program = Arc::clone(self.program());
        let version = self.state.current;
        let mut started = false;
        for def in &program.triggers {
            if def.event.as_deref() == Some(event.event.as_str())
                && def.record_type.is_none()
                && def.when.is_none()
                && self.wanted(event, def.process)
            {
                let start = Start {
                    process: def.process,
                    entry: def.entry,
                    record: None,
                    reason: format!("event {}", event.event),
                    parent: None,
                    scheduled: None,
                };
                let mut moves = MAX_MOVES;
                self.start_instance(version, start, event.at.0, &mut moves);
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
        let program = Arc::clone(self.program());
        let version = self.state.current;
        for def in &program.triggers {
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
                let start = Start {
                    process: def.process,
                    entry: def.entry,
                    record: Some(index),
                    reason,
                    parent: None,
                    scheduled: None,
                };
                let mut moves = MAX_MOVES;
                self.start_instance(version, start, event.at.0, &mut moves);
            }
        }
    }
}
