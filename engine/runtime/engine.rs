//! The engine: applies events in time order to records, SLA clocks, record rules, escalation
//! triggers and process instances, fires timers, and collects the actions it takes.
//!
//! Before an event at `T` is applied, every timer due before `T` fires; timers due exactly at
//! `T` fire after it, so a clock stopped at the very second it is due is met. An event that
//! cannot be applied (no record type on a new record, older than the record's last event, or
//! older than the engine's time) is rejected with an `event.rejected` action and changes
//! nothing. The engine's state is plain data (serde), so the store can snapshot it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::action::Action;
use super::compiled::{Compiled, find_topic};
use super::input::Line;
use super::timer::{Due, Timers};
use crate::condition::{Change, Evaluator, Fields};
use crate::escalation::{Escalation, Signal, Subject};
use crate::model::Event;
use crate::model::escalation::TriggerOn;
use crate::sla::{ActionSpec, Because, Clocks, Effect, Next, Point};

/// A ticket or other record the engine has seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Its id.
    pub id: String,
    /// Its type.
    pub record_type: String,
    /// Its fields, all updates merged (shared, so a change can be looked at while the engine
    /// acts on it; copied only if someone still holds the old version).
    pub fields: Arc<Fields>,
    /// The instant of its last event.
    pub last_at: i64,
    /// Its clocks, oldest first.
    pub clocks: Vec<u32>,
}

/// Everything the engine knows; restored from a snapshot, it continues exactly.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// The engine's time: the latest event or timer applied.
    pub now: Option<i64>,
    /// Records in order of first appearance.
    pub records: Vec<Record>,
    /// SLA clocks.
    pub clocks: Clocks,
    /// Process instances.
    pub instances: Vec<super::process::Instance>,
    /// Process tasks.
    pub tasks: Vec<super::process::Task>,
    /// Raised escalations.
    pub escalations: Vec<Escalation>,
    /// Pending timers.
    pub timers: Timers,
    /// Actions emitted so far (the next action's sequence number).
    pub emitted: u64,
    /// Instances started so far, per process.
    pub instance_counts: HashMap<String, u64>,
    /// Event names, interned for clock timelines.
    pub event_names: Vec<String>,
    /// The bundle version (hash) the state was built under.
    pub bundle: String,
}

/// The engine over one compiled bundle.
pub struct Engine {
    /// The bundle it runs.
    pub compiled: Arc<Compiled>,
    /// Its state.
    pub state: State,
    record_index: HashMap<String, u32>,
    /// Escalations still climbing, by subject (rebuilt from the state on resume).
    climbing: HashMap<Subject, Vec<u32>>,
    out: Vec<Action>,
}

impl Engine {
    /// A fresh engine.
    pub fn new(compiled: Arc<Compiled>) -> Engine {
        let state = State {
            bundle: compiled.hash.clone(),
            ..State::default()
        };
        Engine::resume(compiled, state)
    }

    /// An engine continuing from a saved state.
    pub fn resume(compiled: Arc<Compiled>, state: State) -> Engine {
        let record_index = state
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let mut climbing: HashMap<Subject, Vec<u32>> = HashMap::new();
        for (i, e) in state.escalations.iter().enumerate() {
            if e.active {
                climbing
                    .entry(e.subject)
                    .or_default()
                    .push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        Engine {
            compiled,
            state,
            record_index,
            climbing,
            out: Vec::new(),
        }
    }

    /// Takes the actions emitted since the last call, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// The record with this id.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.record_index
            .get(id)
            .and_then(|i| self.state.records.get(*i as usize))
    }

    pub(super) fn emit(&mut self, mut action: Action) {
        self.state.emitted += 1;
        action.id = format!("a{}", self.state.emitted);
        self.out.push(action);
    }

    fn reject(&mut self, at: i64, line: u64, error: String) {
        let mut action = Action::new("event.rejected", at.max(self.state.now.unwrap_or(at)));
        action.line = Some(line);
        action.error = Some(error);
        self.emit(action);
    }

    /// Applies one input line: a parsed event, or a rejection for a line that did not parse.
    pub fn apply_line(&mut self, line: &Line) {
        match &line.event {
            Ok(event) => self.apply(event, line.number),
            Err(error) => {
                let at = self.state.now.unwrap_or(0);
                self.reject(at, line.number, error.clone());
            }
        }
    }

    /// Applies one event from input line `line`.
    pub fn apply(&mut self, event: &Event, line: u64) {
        let at = event.at.0;
        if let Some(now) = self.state.now {
            if at < now {
                return self.reject(
                    at,
                    line,
                    format!("event at {} is older than the engine's time {}: events must be ordered by `at`", event.at, crate::model::Timestamp(now)),
                );
            }
        }
        if let Some(why) = self.process_mismatch(event) {
            return self.reject(at, line, why);
        }
        if event.event == "step.completed" {
            self.begin(at);
            return self.complete_step(event, line);
        }
        let Some(record_id) = event.record.as_deref() else {
            self.begin(at);
            if !self.start_by_event(event, None) {
                self.reject(
                    at,
                    line,
                    format!(
                        "event `{}` has no `record` and starts no process",
                        event.event
                    ),
                );
            }
            return;
        };
        let existing = self.record_index.get(record_id).copied();
        match existing.and_then(|i| self.state.records.get(i as usize)) {
            None if event.record_type.is_none() => {
                return self.reject(
                    at,
                    line,
                    format!("first event of record `{record_id}` has no `type`"),
                );
            }
            Some(record) if at < record.last_at => {
                let last = crate::model::Timestamp(record.last_at);
                return self.reject(
                    at,
                    line,
                    format!(
                        "event at {} is older than the last event of record `{record_id}` ({last})",
                        event.at
                    ),
                );
            }
            Some(record)
                if event
                    .record_type
                    .as_ref()
                    .is_some_and(|t| *t != record.record_type) =>
            {
                let was = record.record_type.clone();
                return self.reject(
                    at,
                    line,
                    format!("record `{record_id}` is a `{was}`; its type cannot change"),
                );
            }
            _ => {}
        }
        self.begin(at);
        let index = match existing {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.state.records.len()).unwrap_or(u32::MAX);
                self.state.records.push(Record {
                    id: record_id.to_string(),
                    record_type: event.record_type.clone().unwrap_or_default(),
                    fields: Arc::new(Fields::new()),
                    last_at: at,
                    clocks: Vec::new(),
                });
                self.record_index.insert(record_id.to_string(), i);
                i
            }
        };
        self.change_record(index, event, existing.is_none());
    }

    fn intern(&mut self, name: &str) -> u32 {
        match self.state.event_names.iter().position(|n| n == name) {
            Some(i) => u32::try_from(i).unwrap_or(0),
            None => {
                self.state.event_names.push(name.to_string());
                u32::try_from(self.state.event_names.len() - 1).unwrap_or(0)
            }
        }
    }

    fn change_record(&mut self, index: u32, event: &Event, is_new: bool) {
        let at = event.at.0;
        let name_id = self.intern(&event.event);
        let compiled = Arc::clone(&self.compiled);
        let Some(record) = self.state.records.get_mut(index as usize) else {
            return;
        };
        let fields = Arc::make_mut(&mut record.fields);
        let mut before = Vec::with_capacity(event.fields.len());
        for (key, value) in &event.fields {
            let old = fields.insert(key.clone(), value.clone());
            before.push((key.clone(), old));
        }
        record.last_at = at;
        // A cheap copy: the fields are shared.
        let record = record.clone();
        let change = Change {
            record: &record.id,
            record_type: &record.record_type,
            event: &event.event,
            fields: &record.fields,
            before: &before,
            is_new,
        };
        let mut eval = Evaluator::new(&compiled.script);
        // SLA clocks.
        let mut effects = Vec::new();
        if let Some(groups) = compiled.groups.get(&record.record_type) {
            let mut mine = record.clocks.clone();
            self.state.clocks.on_change(
                &compiled.targets,
                groups,
                index,
                &mut mine,
                &change,
                at,
                name_id,
                &mut eval,
                &mut effects,
            );
            if let Some(r) = self.state.records.get_mut(index as usize) {
                r.clocks = mine;
            }
        }
        for effect in effects {
            self.clock_effect(&effect, at, &record);
        }
        // Record rules.
        for rule in &compiled.rules {
            let type_ok =
                rule.record_types.is_empty() || rule.record_types.contains(&record.record_type);
            let event_ok = rule.events.is_empty() || rule.events.contains(&event.event);
            if type_ok
                && event_ok
                && rule.when.holds(&change, &mut eval)
                && !rule.when.held_before(&change, &mut eval)
            {
                let mut action = Action::new("rule.fired", at);
                action.rule = Some(rule.id.clone());
                action.record = Some(record.id.clone());
                action.record_type = Some(record.record_type.clone());
                self.emit(action);
                let reason = format!("rule {} fired", rule.id);
                self.run_actions(
                    &rule.actions,
                    at,
                    &reason,
                    Subject::Record(index),
                    Some(&record),
                    Some(&change),
                    &mut eval,
                );
            }
        }
        // Escalation topics listening to record events and conditions.
        let signal = Signal::Event {
            name: &event.event,
            record_type: &record.record_type,
        };
        let mut raise = Vec::new();
        let mut calm = Vec::new();
        for (m, matrix) in compiled.matrices.iter().enumerate() {
            if matrix.template {
                continue;
            }
            for (t, topic) in matrix.topics.iter().enumerate() {
                for trigger in &topic.triggers {
                    let key = (u32::try_from(m).unwrap_or(0), u32::try_from(t).unwrap_or(0));
                    if trigger.on == TriggerOn::Condition {
                        let type_ok = trigger
                            .record_type
                            .as_ref()
                            .is_none_or(|r| *r == record.record_type);
                        if !type_ok {
                            continue;
                        }
                        let now = trigger.when_holds(Some(&change), &mut eval);
                        let before = trigger.when_held_before(&change, &mut eval);
                        if now && !before {
                            raise.push((
                                key,
                                format!("condition of topic {} became true", topic.id),
                            ));
                        } else if !now && before {
                            calm.push(key);
                        }
                    } else if trigger.matches(&signal, Some(&change), &mut eval) {
                        raise.push((key, format!("event {} on {}", event.event, record.id)));
                    }
                }
            }
        }
        for ((m, t), reason) in raise {
            self.raise(m, t, Subject::Record(index), at, reason, Some(&record));
        }
        for (m, t) in calm {
            self.calm(Subject::Record(index), |e| e.matrix == m && e.topic == t);
        }
        if matches!(event.event.as_str(), "resolved" | "closed") {
            self.calm(Subject::Record(index), |_| true);
        }
        // Processes started by this change.
        self.start_by_event_with(event, Some((index, &change)), &mut eval);
        let failures = eval.take_failures();
        self.script_failures(failures, at, Some(&record.id));
    }

    pub(super) fn script_failures(
        &mut self,
        failures: Vec<crate::condition::ScriptFailure>,
        at: i64,
        record: Option<&str>,
    ) {
        for failure in failures {
            let mut action = Action::new("script.failed", at);
            action.record = record.map(str::to_string);
            action.reason = Some(format!("{} at {}", failure.owner, failure.origin));
            action.error = Some(failure.error.clone());
            eprintln!(
                "warning: script of {} at {} failed: {}",
                failure.owner, failure.origin, failure.error
            );
            self.emit(action);
        }
    }

    fn clock_action(&self, kind: &'static str, at: i64, clock: u32) -> Action {
        let mut action = Action::new(kind, at);
        let Some(c) = self.state.clocks.get(clock) else {
            return action;
        };
        let Some(target) = self.compiled.targets.get(c.target as usize) else {
            return action;
        };
        let record = self.state.records.get(c.record as usize);
        action.record = record.map(|r| r.id.clone());
        action.record_type = record.map(|r| r.record_type.clone());
        action.agreement = Some(target.agreement.clone());
        action.target = Some(target.id.clone());
        action.cycle = Some(c.cycle);
        action.due = c.due(&target.calendar).map(crate::model::Timestamp);
        if kind != "sla.started" {
            action.elapsed = Some(c.business(&target.calendar, at));
        }
        action
    }

    fn clock_effect(&mut self, effect: &Effect, at: i64, _record: &Record) {
        let (kind, clock) = match effect {
            Effect::Started(c) => ("sla.started", *c),
            Effect::Paused(c) => ("sla.paused", *c),
            Effect::Resumed(c) => ("sla.resumed", *c),
            Effect::Met(c) => ("sla.met", *c),
            Effect::Stopped(c) => {
                self.calm(Subject::Clock(*c), |_| true);
                return;
            }
            Effect::Cancelled(c, _) => ("sla.cancelled", *c),
            Effect::Retargeted(c, _) => ("sla.retargeted", *c),
        };
        let mut action = self.clock_action(kind, at, clock);
        match effect {
            Effect::Started(c) => {
                if let Some(start) = self
                    .state
                    .clocks
                    .get(*c)
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
            Effect::Retargeted(_, previous) => {
                action.previous_target = self
                    .compiled
                    .targets
                    .get(*previous as usize)
                    .map(|t| t.id.clone());
            }
            _ => {}
        }
        self.emit(action);
        if matches!(effect, Effect::Met(_) | Effect::Cancelled(..)) {
            self.calm(Subject::Clock(clock), |_| true);
        }
        self.schedule_clock(clock);
    }

    fn schedule_clock(&mut self, clock: u32) {
        let Some(c) = self.state.clocks.get(clock) else {
            return;
        };
        let Some(target) = self.compiled.targets.get(c.target as usize) else {
            return;
        };
        if let Some((at, _)) = c.next(target) {
            self.state.timers.push(at, Due::Clock(clock, c.generation));
        }
    }

    /// Moves the engine to `at`: schedules start with the first event, and every timer due
    /// strictly before `at` fires.
    fn begin(&mut self, at: i64) {
        if self.state.now.is_none() {
            self.init_schedules(at);
        }
        self.advance(at.saturating_sub(1));
        self.state.now = Some(at);
    }

    /// Fires every timer due at or before `until`, in time order.
    pub fn advance(&mut self, until: i64) {
        while let Some((at, due)) = self.state.timers.pop_until(until) {
            let at = at.max(self.state.now.unwrap_or(at));
            self.state.now = Some(at);
            match due {
                Due::Clock(clock, generation) => self.clock_timer(clock, generation, at),
                Due::Escalation(e, level) => self.escalation_timer(e, level, at),
                Due::Task(task) => self.task_timer(task, at),
                Due::Schedule(trigger) => self.schedule_timer(trigger, at),
            }
        }
    }

    fn clock_timer(&mut self, clock: u32, generation: u32, at: i64) {
        let compiled = Arc::clone(&self.compiled);
        let Some(c) = self.state.clocks.get(clock) else {
            return;
        };
        if c.generation != generation || !c.state.is_active() {
            return;
        }
        let Some(target) = compiled.targets.get(c.target as usize) else {
            return;
        };
        let Some((_, next)) = c.next(target) else {
            return;
        };
        let record_index = c.record;
        if let Some(c) = self.state.clocks.get_mut(clock) {
            c.reach(&target.calendar, at, next);
        }
        let record = self.state.records.get(record_index as usize).cloned();
        let record_type = record.as_ref().map_or("", |r| r.record_type.as_str());
        let mut eval = Evaluator::new(&compiled.script);
        match next {
            Next::Milestone(i) => {
                let Some(milestone) = target.milestones.get(i as usize) else {
                    return;
                };
                let warning = !matches!(milestone.point, Point::AfterDue(_));
                if warning {
                    let mut action = self.clock_action("sla.warning", at, clock);
                    action.milestone = Some(milestone.name.clone());
                    self.emit(action);
                }
                let reason = format!("milestone {} of target {}", milestone.name, target.id);
                self.run_actions(
                    &milestone.actions,
                    at,
                    &reason,
                    Subject::Clock(clock),
                    record.as_ref(),
                    None,
                    &mut eval,
                );
                if warning {
                    let signal = Signal::SlaWarning {
                        agreement: &target.agreement,
                        agreement_type: target.agreement_type,
                        target: &target.id,
                        record_type,
                    };
                    self.signal(
                        &signal,
                        Subject::Clock(clock),
                        at,
                        record.as_ref(),
                        &mut eval,
                    );
                }
            }
            Next::Breach => {
                let action = self.clock_action("sla.breached", at, clock);
                self.emit(action);
                let reason = format!("breach of target {}", target.id);
                self.run_actions(
                    &target.breach,
                    at,
                    &reason,
                    Subject::Clock(clock),
                    record.as_ref(),
                    None,
                    &mut eval,
                );
                let signal = Signal::SlaBreached {
                    agreement: &target.agreement,
                    agreement_type: target.agreement_type,
                    target: &target.id,
                    record_type,
                };
                self.signal(
                    &signal,
                    Subject::Clock(clock),
                    at,
                    record.as_ref(),
                    &mut eval,
                );
            }
        }
        let failures = eval.take_failures();
        self.script_failures(failures, at, record.as_ref().map(|r| r.id.as_str()));
        self.schedule_clock(clock);
    }

    /// Raises every non-template topic whose triggers match the signal.
    pub(super) fn signal(
        &mut self,
        signal: &Signal<'_>,
        subject: Subject,
        at: i64,
        record: Option<&Record>,
        eval: &mut Evaluator<'_>,
    ) {
        let compiled = Arc::clone(&self.compiled);
        let change = record.map(|r| Change {
            record: &r.id,
            record_type: &r.record_type,
            event: "",
            fields: &r.fields,
            before: &[],
            is_new: false,
        });
        let reason = match signal {
            Signal::SlaBreached { target, .. } => format!("target {target} breached"),
            Signal::SlaWarning { target, .. } => format!("target {target} in danger of breaching"),
            Signal::StepOverdue { process, step } => format!("step {step} of {process} overdue"),
            Signal::Event { name, .. } => format!("event {name}"),
        };
        for (m, matrix) in compiled.matrices.iter().enumerate() {
            if matrix.template {
                continue;
            }
            for (t, topic) in matrix.topics.iter().enumerate() {
                if topic
                    .triggers
                    .iter()
                    .any(|tr| tr.matches(signal, change.as_ref(), eval))
                {
                    let key = (u32::try_from(m).unwrap_or(0), u32::try_from(t).unwrap_or(0));
                    self.raise(key.0, key.1, subject, at, reason.clone(), record);
                }
            }
        }
    }

    /// Performs actions: notifications and escalations.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_actions(
        &mut self,
        actions: &[ActionSpec],
        at: i64,
        reason: &str,
        subject: Subject,
        record: Option<&Record>,
        _change: Option<&Change<'_>>,
        _eval: &mut Evaluator<'_>,
    ) {
        for spec in actions {
            if !spec.notify.is_empty() {
                let mut action = Action::new("notify", at);
                action.record = record.map(|r| r.id.clone());
                action.record_type = record.map(|r| r.record_type.clone());
                action.roles = spec.notify.clone();
                action.recipients = self.compiled.recipients(&spec.notify);
                action.reason = Some(reason.to_string());
                action.message = spec.message.clone();
                self.emit(action);
            }
            if let Some((matrix, topic)) = &spec.escalate {
                if let Some((m, t)) = find_topic(&self.compiled, matrix, topic.as_deref()) {
                    self.raise(m, t, subject, at, reason.to_string(), record);
                }
            }
        }
    }

    /// Raises a topic for a subject, unless it is already climbing for it.
    pub(super) fn raise(
        &mut self,
        matrix: u32,
        topic: u32,
        subject: Subject,
        at: i64,
        reason: String,
        record: Option<&Record>,
    ) {
        let duplicate =
            self.state.escalations.iter().any(|e| {
                e.active && e.matrix == matrix && e.topic == topic && e.subject == subject
            });
        if duplicate {
            return;
        }
        let index = u32::try_from(self.state.escalations.len()).unwrap_or(u32::MAX);
        self.state.escalations.push(Escalation {
            matrix,
            topic,
            subject,
            raised_at: at,
            reached: 0,
            active: true,
            reason,
        });
        self.climbing.entry(subject).or_default().push(index);
        let _ = record;
        self.schedule_level(index);
        // A first level without delay is reached at once.
        if let Some(first) = self.level_time(index, 0) {
            if first <= at {
                self.escalation_timer(index, 0, at);
            }
        }
    }

    fn level_time(&self, escalation: u32, level: u32) -> Option<i64> {
        let e = self.state.escalations.get(escalation as usize)?;
        let matrix = self.compiled.matrices.get(e.matrix as usize)?;
        let topic = matrix.topics.get(e.topic as usize)?;
        matrix.level_at(topic, level as usize, e.raised_at)
    }

    fn schedule_level(&mut self, escalation: u32) {
        let Some(e) = self.state.escalations.get(escalation as usize) else {
            return;
        };
        if !e.active {
            return;
        }
        let level = e.reached;
        if let Some(at) = self.level_time(escalation, level) {
            let now = self.state.now.unwrap_or(at);
            if at > now {
                self.state
                    .timers
                    .push(at, Due::Escalation(escalation, level));
            }
        }
    }

    fn escalation_timer(&mut self, escalation: u32, level: u32, at: i64) {
        let compiled = Arc::clone(&self.compiled);
        let Some(e) = self.state.escalations.get(escalation as usize).cloned() else {
            return;
        };
        if !e.active || e.reached != level {
            return;
        }
        let Some(matrix) = compiled.matrices.get(e.matrix as usize) else {
            return;
        };
        let Some(topic) = matrix.topics.get(e.topic as usize) else {
            return;
        };
        let Some(spec) = topic.levels.get(level as usize) else {
            return;
        };
        let mut action = Action::new("escalation.raised", at);
        action.matrix = Some(matrix.id.clone());
        action.topic = Some(topic.id.clone());
        action.level = Some(level + 1);
        action.roles = spec.roles.clone();
        action.recipients = compiled.recipients(&spec.roles);
        action.reason = Some(e.reason.clone());
        action.message = spec.action.clone();
        let record = match e.subject {
            Subject::Record(r) => Some(r),
            Subject::Clock(c) => self.state.clocks.get(c).map(|c| c.record),
            Subject::Task(t) => self.task_record(t),
        };
        if let Some(r) = record.and_then(|r| self.state.records.get(r as usize)) {
            action.record = Some(r.id.clone());
            action.record_type = Some(r.record_type.clone());
            if !topic.include_fields.is_empty() {
                let included: Fields = topic
                    .include_fields
                    .iter()
                    .filter_map(|f| r.fields.get(f).map(|v| (f.clone(), v.clone())))
                    .collect();
                action.fields = (!included.is_empty()).then_some(included);
            }
        }
        if let Subject::Clock(c) = e.subject {
            if let Some(target) = self
                .state
                .clocks
                .get(c)
                .and_then(|c| compiled.targets.get(c.target as usize))
            {
                action.agreement = Some(target.agreement.clone());
                action.target = Some(target.id.clone());
            }
        }
        if let Subject::Task(t) = e.subject {
            self.describe_task(t, &mut action);
        }
        self.emit(action);
        if let Some(e) = self.state.escalations.get_mut(escalation as usize) {
            e.reached = level + 1;
            if e.reached as usize >= topic.levels.len() {
                e.active = false;
                let subject = e.subject;
                if let Some(list) = self.climbing.get_mut(&subject) {
                    list.retain(|i| *i != escalation);
                }
            }
        }
        self.schedule_level(escalation);
    }

    /// Stops the escalations of a subject that `done` picks.
    pub(super) fn calm(&mut self, subject: Subject, done: impl Fn(&Escalation) -> bool) {
        let Some(list) = self.climbing.get_mut(&subject) else {
            return;
        };
        let escalations = &mut self.state.escalations;
        list.retain(|i| match escalations.get_mut(*i as usize) {
            Some(e) if done(e) => {
                e.active = false;
                false
            }
            Some(_) => true,
            None => false,
        });
        if list.is_empty() {
            self.climbing.remove(&subject);
        }
    }

    /// Runs every timer up to `until` and returns whether anything was pending.
    pub fn finish(&mut self, until: Option<i64>) {
        if let Some(until) = until {
            self.advance(until);
        } else if let Some(now) = self.state.now {
            self.advance(now);
        }
    }

    /// The clocks of a record, for explain.
    pub fn clocks_of(&self, record: &str) -> Vec<u32> {
        self.record(record)
            .map(|r| r.clocks.clone())
            .unwrap_or_default()
    }

    /// Why a clock changed, for explain.
    pub fn because_text(&self, because: Because, event: Option<u32>) -> String {
        match event.and_then(|e| self.state.event_names.get(e as usize)) {
            Some(name) => format!("{} on event `{name}`", because.describe()),
            None => because.describe().to_string(),
        }
    }
}
