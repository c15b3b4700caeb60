//! The engine: applies events in time order to records, SLA clocks, record rules, escalation
//! triggers and process instances, fires timers, and collects the actions it takes.
//!
//! Before an event at `T` is applied, every timer due before `T` fires; timers due exactly at
//! `T` fire after it, so a clock stopped at the very second it is due is met. An event that
//! cannot be applied (no record type on a new record, older than the record's last event, or
//! older than the engine's time) is rejected with an `event.rejected` action and changes
//! nothing. The engine's state is plain data (serde), so the store can snapshot it.
//!
//! Clock actions and timers are in [`clocks`], escalations in [`escalations`], process
//! instances in [`super::process`].

mod clocks;
mod escalations;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::action::Action;
use super::compiled::Compiled;
use super::input::Line;
use super::timer::{Due, Timers};
use crate::base::{FastMap, FieldNames, Fields, Name, same_text};
use crate::condition::{Change, Evaluator};
use crate::escalation::{Escalation, Signal, Subject};
use crate::model::Event;
use crate::model::escalation::TriggerOn;
use crate::sla::{Because, Clocks, Effect, RecordClocks};

/// A ticket or other record the engine has seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Its id.
    pub id: Name,
    /// Its type.
    pub record_type: Name,
    /// Its fields, all updates merged (shared, so a change can be looked at while the engine
    /// acts on it; copied only if someone still holds the old version).
    pub fields: Arc<Fields>,
    /// The instant of its last event.
    pub last_at: i64,
    /// Its clocks, oldest first.
    pub clocks: RecordClocks,
}

/// A record id as the record index keeps it: a short id (most are) in the index's own memory,
/// so finding a record does not first read its id from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RecordKey {
    /// Up to [`RecordKey::SHORT`] bytes, kept here.
    Short(u8, [u8; RecordKey::SHORT]),
    /// A longer id.
    Long(Name),
}

impl RecordKey {
    const SHORT: usize = 22;

    fn new(id: &Name) -> RecordKey {
        let bytes = id.as_bytes();
        let mut short = [0u8; RecordKey::SHORT];
        match (short.get_mut(..bytes.len()), u8::try_from(bytes.len())) {
            (Some(to), Ok(len)) => {
                to.copy_from_slice(bytes);
                RecordKey::Short(len, short)
            }
            _ => RecordKey::Long(Name::clone(id)),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            RecordKey::Short(len, bytes) => bytes.get(..usize::from(*len)).unwrap_or_default(),
            RecordKey::Long(id) => id.as_bytes(),
        }
    }
}

// Looked up by the id's bytes: hashing and comparing them needs no UTF-8 check.
impl std::hash::Hash for RecordKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes().hash(state);
    }
}

impl std::borrow::Borrow<[u8]> for RecordKey {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
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
    /// Instances started so far, per base id (ordered, so snapshots are reproducible).
    pub instance_counts: std::collections::BTreeMap<String, u64>,
    /// Event names, interned for clock timelines.
    pub event_names: Vec<String>,
    /// The bundle version (hash) the engine runs now.
    pub bundle: String,
    /// Every bundle version the state has run under, oldest first; clocks and instances are
    /// pinned to one of them by index.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// The engine over one compiled bundle.
pub struct Engine {
    /// The bundle it runs.
    pub compiled: Arc<Compiled>,
    /// Its state.
    pub state: State,
    /// Records by id (rebuilt from the state on resume).
    record_index: FastMap<RecordKey, u32>,
    /// Escalations still climbing, by subject (rebuilt from the state on resume).
    climbing: FastMap<Subject, Vec<u32>>,
    /// Record types seen, so records of one type share its name.
    record_types: Vec<Name>,
    /// Field names seen, so records share them.
    field_names: FieldNames,
    /// What the last change did to clocks (kept to reuse its memory).
    effects: Vec<Effect>,
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

    /// The hash of the bundle version with this index.
    pub fn version_hash(&self, version: u16) -> &str {
        self.state
            .versions
            .get(usize::from(version))
            .map_or(self.state.bundle.as_str(), String::as_str)
    }

    /// An engine continuing from a saved state.
    pub fn resume(compiled: Arc<Compiled>, mut state: State) -> Engine {
        // New clocks and instances are pinned to the version now running.
        let version = match state.versions.iter().position(|v| *v == compiled.hash) {
            Some(i) => i,
            None => {
                state.versions.push(compiled.hash.clone());
                state.versions.len() - 1
            }
        };
        state.bundle = compiled.hash.clone();
        state.clocks.version = u16::try_from(version).unwrap_or(u16::MAX);
        let record_index = state
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (RecordKey::new(&r.id), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let mut climbing: FastMap<Subject, Vec<u32>> = FastMap::default();
        for (i, e) in state.escalations.iter().enumerate() {
            if e.active {
                climbing
                    .entry(e.subject)
                    .or_default()
                    .push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        Engine {
            field_names: compiled.names.clone(),
            compiled,
            state,
            record_index,
            climbing,
            record_types: Vec::new(),
            effects: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Takes the actions emitted since the last call, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// Drains the actions emitted since the last call, in order, keeping the buffer for the
    /// next event (the replay loops use this: a fresh buffer per event costs an allocation).
    pub fn drain_actions(&mut self) -> std::vec::Drain<'_, Action> {
        self.out.drain(..)
    }

    /// The record with this id.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.record_index
            .get(id.as_bytes())
            .and_then(|i| self.state.records.get(*i as usize))
    }

    pub(super) fn emit(&mut self, mut action: Action) {
        self.state.emitted += 1;
        action.id = self.state.emitted;
        self.out.push(action);
    }

    /// Shared copies of a record's id and type, for an action about it.
    pub(super) fn names_of(&self, record: Option<u32>) -> (Option<Name>, Option<Name>) {
        match record.and_then(|r| self.state.records.get(r as usize)) {
            Some(r) => (Some(Name::clone(&r.id)), Some(Name::clone(&r.record_type))),
            None => (None, None),
        }
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
        // One look-up of the record per event (records are never removed, so it stays valid).
        let existing = event
            .record
            .as_deref()
            .and_then(|id| self.record_index.get(id.as_bytes()).copied());
        // The more specific reason first: an event older than its own record's last one.
        let record_last = existing
            .and_then(|i| self.state.records.get(i as usize))
            .map(|r| r.last_at)
            .filter(|last| at < *last);
        if let (Some(last), Some(id)) = (record_last, event.record.as_deref()) {
            let last = crate::model::Timestamp(last);
            return self.reject(
                at,
                line,
                format!(
                    "event at {} is older than the last event of record `{id}` ({last})",
                    event.at
                ),
            );
        }
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
        match existing.and_then(|i| self.state.records.get(i as usize)) {
            None if event.record_type.is_none() => {
                return self.reject(
                    at,
                    line,
                    format!("first event of record `{record_id}` has no `type`"),
                );
            }
            Some(record)
                if event
                    .record_type
                    .as_deref()
                    .is_some_and(|t| t != &*record.record_type) =>
            {
                let was = Name::clone(&record.record_type);
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
                let id = Name::from(record_id);
                let record_type = self.record_type(event.record_type.as_deref().unwrap_or(""));
                self.state.records.push(Record {
                    id: Name::clone(&id),
                    record_type,
                    fields: Arc::new(Fields::with_capacity(event.fields.len())),
                    last_at: at,
                    clocks: RecordClocks::default(),
                });
                self.record_index.insert(RecordKey::new(&id), i);
                i
            }
        };
        self.change_record(index, event, existing.is_none());
    }

    /// The shared name of a record type.
    fn record_type(&mut self, name: &str) -> Name {
        if let Some(known) = self.record_types.iter().find(|t| &***t == name) {
            return Name::clone(known);
        }
        let new = Name::from(name);
        self.record_types.push(Name::clone(&new));
        new
    }

    fn intern(&mut self, name: &str) -> u32 {
        match self
            .state
            .event_names
            .iter()
            .position(|n| same_text(n, name))
        {
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
        let mut before: Vec<(&str, Option<Value>)> = Vec::with_capacity(event.fields.len());
        for (key, value) in &event.fields {
            let old = match fields.get_mut(key) {
                Some(slot) => Some(std::mem::replace(slot, value.clone())),
                None => fields.insert(self.field_names.get(key), value.clone()),
            };
            before.push((key, old));
        }
        record.last_at = at;
        // Shared copies: the record itself may change while the engine acts on this change.
        let id = Name::clone(&record.id);
        let record_type = Name::clone(&record.record_type);
        let fields = Arc::clone(&record.fields);
        let mut mine = std::mem::take(&mut record.clocks);
        let change = Change {
            record: &id,
            record_type: &record_type,
            event: &event.event,
            fields: &fields,
            before: &before,
            is_new,
        };
        let mut eval = Evaluator::new(&compiled.script);
        // SLA clocks.
        let mut effects = std::mem::take(&mut self.effects);
        if let Some(groups) = compiled.groups.get(&*record_type) {
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
        }
        if let Some(r) = self.state.records.get_mut(index as usize) {
            r.clocks = mine;
        }
        for effect in effects.drain(..) {
            self.clock_effect(effect, at);
        }
        self.effects = effects;
        // Record rules.
        for rule in &compiled.rules {
            let type_ok = rule.record_types.is_empty()
                || rule.record_types.iter().any(|t| *t == *record_type);
            let event_ok = rule.events.is_empty() || rule.events.contains(&event.event);
            if type_ok
                && event_ok
                && rule.when.holds(&change, &mut eval)
                && !rule.when.held_before(&change, &mut eval)
            {
                let mut action = Action::new("rule.fired", at);
                action.rule = Some(Name::clone(&rule.id));
                action.record = Some(Name::clone(&id));
                action.record_type = Some(Name::clone(&record_type));
                self.emit(action);
                let reason = format!("rule {} fired", rule.id);
                self.run_actions(
                    &rule.actions,
                    at,
                    &reason,
                    Subject::Record(index),
                    Some(index),
                );
            }
        }
        // Escalation topics listening to record events and conditions.
        let signal = Signal::Event {
            name: &event.event,
            record_type: &record_type,
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
                            .as_deref()
                            .is_none_or(|r| r == &*record_type);
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
                        raise.push((key, format!("event {} on {}", event.event, id)));
                    }
                }
            }
        }
        for ((m, t), reason) in raise {
            self.raise(m, t, Subject::Record(index), at, reason);
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
        self.script_failures(failures, at, Some(&id));
    }

    pub(super) fn script_failures(
        &mut self,
        failures: Vec<crate::condition::ScriptFailure>,
        at: i64,
        record: Option<&Name>,
    ) {
        if failures.is_empty() {
            return;
        }
        let record_type = record
            .and_then(|id| self.record(id))
            .map(|r| Name::clone(&r.record_type));
        for failure in failures {
            let mut action = Action::new("script.failed", at);
            action.record = record.cloned();
            action.record_type = record_type.clone();
            action.reason = Some(format!("{} at {}", failure.owner, failure.origin));
            action.error = Some(failure.error.clone());
            eprintln!(
                "warning: script of {} at {} failed: {}",
                failure.owner, failure.origin, failure.error
            );
            self.emit(action);
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

    /// Runs every timer up to `until` (by default the last event's instant) and moves the
    /// engine's time there.
    pub fn finish(&mut self, until: Option<i64>) {
        let Some(until) = until.or(self.state.now) else {
            return;
        };
        self.advance(until);
        // The engine's time is now `until` (or the last event's, if later), whichever timers
        // were left to fire: what explain shows of a clock still paused runs up to it.
        self.state.now = Some(self.state.now.map_or(until, |now| now.max(until)));
    }

    /// The clocks of a record, for explain.
    pub fn clocks_of(&self, record: &str) -> Vec<u32> {
        self.record(record)
            .map(|r| r.clocks.indices().collect())
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
