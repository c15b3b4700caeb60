//! The engine: applies events in time order to records, SLA clocks, record rules, escalation
//! triggers and process instances, fires timers, and collects the actions it takes.
//!
//! Before an event at `T` is applied, every timer due before `T` fires; timers due exactly at
//! `T` fire after it, so a clock stopped at the very second it is due is met. An event that
//! cannot be applied (no record type on a new record, older than the record's last event, or
//! older than the engine's time) is rejected with an `event.rejected` action and changes
//! nothing. The engine's state is plain data (serde), so the store can snapshot it.
//!
//! The engine keeps every bundle version it has run ([`Program`]s, by index); each clock,
//! instance and escalation records its version and is moved by that version's rules, while new
//! ones take the current version (see [`Engine::switch`]).
//!
//! Clock actions and timers are in [`clocks`], escalations in [`escalations`], process
//! instances in [`instances`].

mod availability;
mod clocks;
mod escalations;
mod governance;
mod instances;
mod kpis;
mod penalties;
mod seen;

pub use availability::Tracker;
use escalations::Climbing;
pub use governance::Owed;

pub use instances::MAX_MOVES;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::action::{Action, Kind};
use super::input::Line;
use super::timer::{Due, Timers};
use crate::base::{FastMap, Fields, Name, Roles, SharedNames, place, same_text};
use crate::calendar::{FIRST_YEAR, HORIZON_END, HORIZON_START, LAST_YEAR};
use crate::condition::{Change, Evaluator};
use crate::escalation::{Escalation, Signal, Subject};
use crate::model::Event;
use crate::model::escalation::TriggerOn;
use crate::process::{Instance, Task};
use crate::program::Program;
use crate::sla::{Because, Clocks, Effect, Moment, RecordClocks, Target, View};

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
    /// Its number among the records the engine has seen (their order of first appearance).
    #[serde(default)]
    pub serial: u64,
    /// Bumped whenever something happens to it; a release timer carries the stamp it was set
    /// with, so any activity since makes it stale.
    #[serde(default)]
    pub stamp: u32,
    /// Its process instances that have not completed.
    #[serde(default)]
    pub open_instances: u32,
    /// Instances started for it so far, per base id (`proc:R`, `proc:R/3`), to number repeats.
    #[serde(default)]
    pub instance_counts: Vec<(Name, u64)>,
    /// When the fields that scripts read through `since` last changed (only those fields, and
    /// only when some script reads one).
    #[serde(default)]
    pub changed_at: Option<Box<Vec<(Name, i64)>>>,
}

impl Record {
    /// Whether the slot holds a record (not one the engine released).
    pub fn is_live(&self) -> bool {
        !self.id.is_empty()
    }

    /// When the fields scripts read through `since` last changed.
    pub fn changed_at(&self) -> &[(Name, i64)] {
        self.changed_at.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Shared copies of its id, type and fields, to look at while the engine changes.
    pub fn shared(&self) -> (Name, Name, Arc<Fields>) {
        (
            Name::clone(&self.id),
            Name::clone(&self.record_type),
            Arc::clone(&self.fields),
        )
    }
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
    pub instances: Vec<Instance>,
    /// Process tasks.
    pub tasks: Vec<Task>,
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
    /// Every bundle version (hash) the engine has run, oldest first; clocks, instances and
    /// escalations are pinned to one of them by index.
    pub versions: Vec<String>,
    /// The version new clocks and instances take (an index into `versions`).
    pub current: u16,
    /// Every switch of version so far: its instant and the version switched to.
    pub switches: Vec<(i64, u16)>,
    /// How long a quiet record is kept, in seconds (`None`: forever).
    #[serde(default)]
    pub retention: Option<i64>,
    /// Records created so far.
    #[serde(default)]
    pub created: u64,
    /// Records released so far.
    #[serde(default)]
    pub released: u64,
    /// Input lines rejected so far.
    #[serde(default)]
    pub rejections: u64,
    /// Slots of released records, to reuse.
    #[serde(default)]
    pub free_records: Vec<u32>,
    /// Slots of completed process instances, to reuse.
    #[serde(default)]
    pub free_instances: Vec<u32>,
    /// Slots of closed tasks, to reuse.
    #[serde(default)]
    pub free_tasks: Vec<u32>,
    /// Slots of escalations that stopped climbing, to reuse.
    #[serde(default)]
    pub free_escalations: Vec<u32>,
    /// Failed evaluations so far, per script (`<version> <file:line:col>`).
    #[serde(default)]
    pub script_failures: std::collections::BTreeMap<String, u32>,
    /// The instant up to which a live engine has run its timers: events at or before it are
    /// refused.
    #[serde(default)]
    pub sealed: Option<i64>,
    /// Ids of the events applied within [`DEDUP_WINDOW`], oldest first, so a retried event is
    /// applied once.
    #[serde(default)]
    pub seen_ids: std::collections::VecDeque<(i64, Name)>,
    /// Reports owed and delivered, per report and period, in the order they were owed.
    #[serde(default)]
    pub owed: Vec<Owed>,
    /// The outages of availability targets, in the order they started.
    #[serde(default)]
    pub outages: Vec<crate::availability::Outage>,
    /// Per availability target, its timer's generation and last breached period.
    #[serde(default)]
    pub trackers: Vec<Tracker>,
    /// Availability timers armed so far (each armed timer's generation).
    #[serde(default)]
    pub generations: u32,
    /// The running tallies of the current version's KPIs, by index, for their current period.
    #[serde(default)]
    pub kpis: Vec<crate::kpi::KpiTally>,
    /// The clocks of the current version's penalties, by index, in their current period.
    #[serde(default)]
    pub penalties: Vec<crate::penalty::PenaltyTally>,
}

/// How long (of event time) an event's `id` is remembered to recognise a retry: 7 days.
pub const DEDUP_WINDOW: i64 = 7 * 86_400;

/// Failed evaluations of one script a run reports; at the last, it stops evaluating it (it
/// counts as false) and says so with a `script.disabled` action.
pub const SCRIPT_FAILURES: u32 = 100;

/// The most bundle versions one engine (and its journal) can hold.
pub const MAX_VERSIONS: usize = u16::MAX as usize;

/// The engine: every bundle version it has run, and its state.
pub struct Engine {
    /// The programs of the versions, by index (see [`State::versions`]).
    versions: Vec<Arc<Program>>,
    /// The program of the current version (`versions[state.current]`).
    current: Arc<Program>,
    /// Its state.
    pub state: State,
    /// Records by id (rebuilt from the state on resume).
    record_index: FastMap<RecordKey, u32>,
    /// Process instances by id (rebuilt from the state on resume).
    instance_index: FastMap<Name, u32>,
    /// Escalations still climbing, by subject (rebuilt from the state on resume).
    climbing: Climbing,
    /// Record types seen, so records of one type share its name.
    record_types: SharedNames,
    /// The index of each name in `state.event_names` (rebuilt from the state on resume).
    event_index: FastMap<Name, u32>,
    /// Field names seen, so records share them.
    field_names: SharedNames,
    /// What the last change did to clocks (kept to reuse its memory).
    effects: Vec<Effect>,
    out: Vec<Action>,
    /// The fields of released records (none, shared).
    empty_fields: Arc<Fields>,
    /// Per version, the scripts no longer evaluated (rebuilt from the state on resume).
    disabled: Vec<Arc<crate::condition::Disabled>>,
    /// The ids of `state.seen_ids`, to look up (rebuilt from the state on resume).
    seen_index: seen::SeenIds,
    /// The open outages of `state.outages` by record (rebuilt from the state on resume).
    open_outages: FastMap<Name, Vec<u32>>,
    /// `state.owed` by report and period (rebuilt from the state on resume).
    owed: governance::OwedIndex,
}

impl Engine {
    /// A fresh engine running `program`.
    pub fn new(program: Arc<Program>) -> Engine {
        let state = State {
            versions: vec![program.hash.clone()],
            ..State::default()
        };
        Engine::build(vec![Arc::clone(&program)], program, state)
    }

    /// An engine continuing from a saved state; `program` gives the program of each version
    /// the state has run, by hash.
    pub fn resume(
        state: State,
        mut program: impl FnMut(&str) -> Option<Arc<Program>>,
    ) -> Result<Engine, String> {
        let versions = state
            .versions
            .iter()
            .map(|hash| program(hash).ok_or_else(|| format!("bundle version {hash} is not known")))
            .collect::<Result<Vec<_>, String>>()?;
        let current = versions
            .get(usize::from(state.current))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the saved state runs version {} of {}",
                    state.current + 1,
                    versions.len()
                )
            })?;
        Ok(Engine::build(versions, current, state))
    }

    fn build(versions: Vec<Arc<Program>>, current: Arc<Program>, state: State) -> Engine {
        let event_index = state
            .event_names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                (
                    Name::from(name.as_str()),
                    u32::try_from(i).unwrap_or(u32::MAX),
                )
            })
            .collect();
        let record_index = state
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (RecordKey::new(&r.id), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let instance_index = state
            .instances
            .iter()
            .enumerate()
            .map(|(i, instance)| {
                (
                    Name::clone(&instance.id),
                    u32::try_from(i).unwrap_or(u32::MAX),
                )
            })
            .collect();
        let mut climbing = Climbing::default();
        for (i, e) in state.escalations.iter().enumerate() {
            if e.active {
                climbing.push(e.subject, u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        let field_names = current.names.clone();
        let mut disabled: Vec<crate::condition::Disabled> =
            vec![Default::default(); versions.len()];
        for (key, count) in &state.script_failures {
            if *count < SCRIPT_FAILURES {
                continue;
            }
            let Some((version, origin)) = key.split_once(' ') else {
                continue;
            };
            if let Some(set) = version
                .parse::<usize>()
                .ok()
                .and_then(|v| disabled.get_mut(v))
            {
                set.insert(Arc::from(origin));
            }
        }
        let disabled = disabled.into_iter().map(Arc::new).collect();
        Engine {
            seen_index: seen::SeenIds::of(state.seen_ids.iter().map(|(_, i)| i)),
            open_outages: availability::open_index(&state.outages),
            owed: governance::OwedIndex::of(&state.owed),
            disabled,
            versions,
            current,
            state,
            record_index,
            instance_index,
            climbing,
            record_types: SharedNames::default(),
            event_index,
            field_names,
            effects: Vec::new(),
            out: Vec::new(),
            empty_fields: Arc::new(Fields::new()),
        }
    }

    /// The program new clocks and instances take.
    pub fn program(&self) -> &Arc<Program> {
        &self.current
    }

    /// The program of version `index`.
    pub fn version(&self, index: u16) -> Option<&Arc<Program>> {
        self.versions.get(usize::from(index))
    }

    /// Every version the engine has run, oldest first.
    pub fn versions(&self) -> &[Arc<Program>] {
        &self.versions
    }

    /// The hash of the bundle version with this index.
    pub fn version_hash(&self, version: u16) -> &str {
        self.version(version).map_or("", |p| p.hash.as_str())
    }

    /// The target of a clock, in the clock's own version.
    pub fn clock_target(&self, clock: &crate::sla::Clock) -> Option<&crate::sla::Target> {
        self.version(clock.version)?
            .targets
            .get(clock.target as usize)
    }

    /// Switches to `program` at `at`: timers due before `at` fire first, then new clocks and
    /// instances take the new version, schedules follow it, and targets of the new version
    /// that say `on_new_version: adopt` take over the running clocks of their measure. Running
    /// clocks, instances and escalations otherwise keep their own version. Switching to a
    /// version already run (the same hash) makes it current again. Fails if `at` is before
    /// the engine's time.
    pub fn switch(&mut self, at: i64, program: Arc<Program>) -> Result<(), String> {
        if let Some(why) = implausible(at) {
            return Err(format!("cannot switch bundle version: {why}"));
        }
        if let Some(now) = self.state.now.filter(|now| at < *now) {
            return Err(format!(
                "cannot switch bundle version at {}: the engine is already at {}",
                crate::model::Timestamp(at),
                crate::model::Timestamp(now)
            ));
        }
        let index = match self.state.versions.iter().position(|h| *h == program.hash) {
            Some(index) => index,
            None if self.versions.len() != self.state.versions.len() => {
                return Err("the engine's versions do not match its state".into());
            }
            None if self.versions.len() >= MAX_VERSIONS => {
                return Err(format!(
                    "cannot switch bundle version: the engine already holds {MAX_VERSIONS} versions; start a new journal"
                ));
            }
            None => {
                self.state.versions.push(program.hash.clone());
                self.versions.push(program);
                self.disabled.push(Arc::default());
                self.versions.len() - 1
            }
        };
        let started = self.state.now.is_some();
        self.begin(at);
        let previous = self.state.current;
        if let (Ok(index), Some(program)) = (u16::try_from(index), self.versions.get(index)) {
            self.state.current = index;
            self.current = Arc::clone(program);
            self.state.switches.push((at, index));
        }
        let mut action = Action::new(Kind::BundleSwitched, at);
        action.version = Some(Name::from(self.program().hash.as_str()));
        action.reason = Some(format!(
            "from version {}",
            short_hash(self.version_hash(previous))
        ));
        self.emit(action);
        if started {
            // The schedules of the previous version stop (their timers are dropped when they
            // come up); the new version's start from here.
            self.init_schedules(at);
        }
        self.adopt_clocks(at);
        Ok(())
    }

    /// Takes the actions emitted since the last call, in order.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// The actions emitted since they were last cleared, in order.
    pub fn pending(&self) -> &[Action] {
        &self.out
    }

    /// Forgets the pending actions, keeping the buffer for the next input.
    pub fn clear_pending(&mut self) {
        self.out.clear();
    }

    /// Drains the actions emitted since the last call, in order, keeping the buffer for the
    /// next event.
    pub fn drain_actions(&mut self) -> std::vec::Drain<'_, Action> {
        self.out.drain(..)
    }

    /// The record with this id.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.record_index
            .get(id.as_bytes())
            .and_then(|i| self.state.records.get(*i as usize))
    }

    /// The indices of the records the engine keeps, in the order they first appeared.
    pub fn records_in_order(&self) -> Vec<u32> {
        let mut live: Vec<(u64, u32)> = self
            .state
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_live())
            .map(|(i, r)| (r.serial, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        live.sort_unstable();
        live.into_iter().map(|(_, i)| i).collect()
    }

    /// The index of the record with this id.
    pub fn record_number(&self, id: &str) -> Option<u32> {
        self.record_index.get(id.as_bytes()).copied()
    }

    /// The process instance with this id.
    pub fn instance(&self, id: &str) -> Option<(u32, &Instance)> {
        let index = *self.instance_index.get(id)?;
        Some((index, self.state.instances.get(index as usize)?))
    }

    pub(super) fn emit(&mut self, action: Action) {
        self.emit_with(action, |_, _| {});
    }

    /// Emits an action of `kind` at `at` that `build` fills where it stays, among the pending
    /// actions: an action is large (about 550 bytes), and the clock actions that make most of a
    /// replay's output are cheaper built in place than built and then copied along.
    pub(super) fn emit_new(
        &mut self,
        kind: Kind,
        at: i64,
        build: impl FnOnce(&Engine, &mut Action),
    ) {
        self.emit_with(Action::new(kind, at), build);
    }

    /// The pending actions are set aside while the new one is built and tallied: `build` only
    /// reads the engine, and the tallies emit nothing (checked in debug builds).
    fn emit_with(&mut self, action: Action, build: impl FnOnce(&Engine, &mut Action)) {
        let mut out = std::mem::take(&mut self.out);
        out.push(action);
        if let Some(action) = out.last_mut() {
            build(self, action);
            if !self.current.kpis.is_empty() {
                self.kpi_action(action);
            }
            if !self.current.penalties.is_empty() {
                self.penalty_action(action);
            }
            self.state.emitted += 1;
            action.id = self.state.emitted;
        }
        debug_assert!(self.out.is_empty(), "a tally emitted an action");
        self.out = out;
    }

    /// Shared copies of a record's id and type, for an action about it.
    /// Who holds `roles` for `record` (roles whose members a record field picks get those of
    /// the record's value).
    pub(super) fn recipients(&self, roles: &Roles, record: Option<u32>) -> Arc<[String]> {
        let fields = record
            .and_then(|r| self.state.records.get(r as usize))
            .map(|r| &*r.fields);
        roles.members_for(fields)
    }

    pub(super) fn names_of(&self, record: Option<u32>) -> (Option<Name>, Option<Name>) {
        match record.and_then(|r| self.state.records.get(r as usize)) {
            Some(r) => (Some(Name::clone(&r.id)), Some(Name::clone(&r.record_type))),
            None => (None, None),
        }
    }

    pub(super) fn reject(&mut self, at: i64, line: u64, error: String) {
        self.state.rejections += 1;
        let mut action = Action::new(Kind::EventRejected, at.max(self.state.now.unwrap_or(at)));
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
        if let Some(why) = implausible(at) {
            return self.reject(self.state.now.unwrap_or(0), line, why);
        }
        // A retried event is acknowledged and applied once, whatever came since: its batch's
        // later events or the timers may have moved the engine past it.
        if event.id.as_deref().is_some_and(|id| self.seen(id)) {
            return;
        }
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
        if let Some(now) = self.state.now
            && at < now
        {
            return self.reject(
                    at,
                    line,
                    format!("event at {} is older than the engine's time {}: events must be ordered by `at`", event.at, crate::model::Timestamp(now)),
                );
        }
        if let Some(sealed) = self.state.sealed
            && at <= sealed
        {
            return self.reject(
                at,
                line,
                format!(
                    "event at {} came after the engine's timers had run to {}: a live engine takes events up to its grace behind the clock",
                    event.at,
                    crate::model::Timestamp(sealed)
                ),
            );
        }
        // The id is remembered only for an event that is applied: a refused one (an unknown
        // instance, a first event without its type) may be sent again, corrected, under its id.
        let Some(id) = event.id.as_deref() else {
            return self.apply_in_order(event, line, at, existing);
        };
        let rejections = self.state.rejections;
        self.apply_in_order(event, line, at, existing);
        if self.state.rejections == rejections {
            self.remember(id, at);
        }
    }

    /// Applies an event whose id (if any) is new and whose instant is in order.
    fn apply_in_order(&mut self, event: &Event, line: u64, at: i64, existing: Option<u32>) {
        if let Some(why) = self.process_mismatch(event) {
            return self.reject(at, line, why);
        }
        if event.event == "step.completed" {
            self.begin(at);
            return self.complete_step(event, line);
        }
        if event.event == "report.delivered" && event.record.is_none() {
            self.begin(at);
            return self.report_delivered(event, line);
        }
        if event.event == "kpi.reported" && event.record.is_none() {
            self.begin(at);
            return self.kpi_reported(event, line);
        }
        let Some(record_id) = event.record.as_deref() else {
            self.begin(at);
            if !self.start_by_event(event) {
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
                let id = Name::from(record_id);
                let record_type = self.record_type(event.record_type.as_deref().unwrap_or(""));
                self.state.created += 1;
                let stamp = self
                    .state
                    .free_records
                    .last()
                    .and_then(|i| self.state.records.get(*i as usize))
                    .map_or(0, |r| r.stamp.wrapping_add(1));
                let record = Record {
                    id: Name::clone(&id),
                    record_type,
                    fields: Arc::new(Fields::with_capacity(event.fields.len())),
                    last_at: at,
                    clocks: RecordClocks::default(),
                    serial: self.state.created,
                    stamp,
                    open_instances: 0,
                    instance_counts: Vec::new(),
                    changed_at: None,
                };
                let i = place(
                    &mut self.state.records,
                    &mut self.state.free_records,
                    record,
                );
                self.record_index.insert(RecordKey::new(&id), i);
                i
            }
        };
        self.change_record(index, event, existing.is_none());
        self.touch(index);
    }

    /// Notes activity on a record: if it is quiet now (no running clock, no open process
    /// instance, no escalation climbing about it) and the engine releases quiet records, it is
    /// released after the retention, unless something happens to it before.
    pub(super) fn touch(&mut self, record: u32) {
        let now = self.state.now.unwrap_or(0);
        let quiet = self.quiet(record);
        let Some(r) = self.state.records.get_mut(record as usize) else {
            return;
        };
        r.stamp = r.stamp.wrapping_add(1);
        let stamp = r.stamp;
        if let (true, Some(retention)) = (quiet, self.state.retention) {
            let at = now.saturating_add(retention);
            self.state.timers.push(at, Due::Release(record, stamp));
        }
    }

    /// Whether nothing runs on a record: no active clock, no open process instance, no
    /// escalation climbing about it (those about its clocks and tasks end with them).
    fn quiet(&self, record: u32) -> bool {
        self.state.records.get(record as usize).is_some_and(|r| {
            r.is_live()
                && r.clocks.active().next().is_none()
                && r.open_instances == 0
                && !self.climbing.contains(&Subject::Record(record))
        })
    }

    /// When the last reopen window of a record's stopped clocks surely closes (`i64::MAX` if
    /// one never does); `None` if no stopped clock of it can be continued.
    fn reopen_window(&self, record: u32) -> Option<i64> {
        let r = self.state.records.get(record as usize)?;
        r.clocks
            .indices()
            .filter_map(|c| self.state.clocks.get(c))
            .filter_map(|clock| {
                let rule = self.clock_target(clock)?.reopen.as_ref()?;
                let stopped = clock.stopped_at()?;
                Some(rule.closed_by(stopped).unwrap_or(i64::MAX))
            })
            .max()
    }

    /// A release timer: the record is forgotten if nothing happened to it since the timer was
    /// set and it is still quiet.
    fn release_timer(&mut self, record: u32, stamp: u32) {
        let current = self
            .state
            .records
            .get(record as usize)
            .is_some_and(|r| r.stamp == stamp);
        if !current || !self.quiet(record) {
            return;
        }
        // A record whose clock may still be continued by a reopening is kept until its window
        // closes, however short the retention.
        if let Some(until) = self.reopen_window(record)
            && until > self.state.now.unwrap_or(0)
        {
            if until != i64::MAX {
                self.state.timers.push(until, Due::Release(record, stamp));
            }
            return;
        }
        let Some(r) = self.state.records.get_mut(record as usize) else {
            return;
        };
        let stamp = r.stamp;
        let released = std::mem::replace(
            r,
            Record {
                id: Name::from(""),
                record_type: Name::from(""),
                fields: Arc::clone(&self.empty_fields),
                last_at: 0,
                clocks: RecordClocks::default(),
                serial: 0,
                stamp,
                open_instances: 0,
                instance_counts: Vec::new(),
                changed_at: None,
            },
        );
        self.state.clocks.release(&released.clocks);
        self.record_index.remove(released.id.as_bytes());
        self.state.free_records.push(record);
        self.state.released += 1;
    }

    /// Forget records once they have been quiet for `retention` seconds (`None`: keep every
    /// record). A record that comes back after that is a new record.
    pub fn retain(&mut self, retention: Option<i64>) {
        self.state.retention = retention;
    }

    /// The shared name of a record type.
    fn record_type(&mut self, name: &str) -> Name {
        self.record_types.get(name)
    }

    /// The number of an event name, for clock timelines (names are kept once, in
    /// `state.event_names`).
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&known) = self.event_index.get(name) {
            return known;
        }
        let number = u32::try_from(self.state.event_names.len()).unwrap_or(u32::MAX);
        self.state.event_names.push(name.to_string());
        self.event_index.insert(Name::from(name), number);
        number
    }

    fn change_record(&mut self, index: u32, event: &Event, is_new: bool) {
        let at = event.at.0;
        let name_id = self.intern(&event.event);
        let program = Arc::clone(&self.current);
        let Some(record) = self.state.records.get_mut(index as usize) else {
            return;
        };
        let fields = Arc::make_mut(&mut record.fields);
        // Most changes set a few fields: what they were before is kept on the stack.
        let mut few: [(&str, Option<Value>); 4] = Default::default();
        let mut many = Vec::new();
        let before = match few.get_mut(..event.fields.len()) {
            Some(slots) => slots,
            None => {
                many.resize(event.fields.len(), ("", None));
                many.as_mut_slice()
            }
        };
        for ((key, value), slot) in (&event.fields).into_iter().zip(before.iter_mut()) {
            let old = match fields.get_mut(key) {
                Some(slot) => Some(std::mem::replace(slot, value.clone())),
                None => fields.insert(self.field_names.get(key), value.clone()),
            };
            *slot = (key, old);
        }
        let before: &[(&str, Option<Value>)] = before;
        let previous_event = (!is_new).then_some(record.last_at);
        record.last_at = at;
        // What `since` reads is as of before this change; then this change's fields are noted.
        let changed_at = record.changed_at().to_vec();
        if program.since.any() {
            let noted = record.changed_at.get_or_insert_default();
            for (key, old) in before {
                let changed = old.as_ref() != event.fields.get(key);
                if changed && program.since.tracks(key) {
                    match noted.iter_mut().find(|(k, _)| same_text(k, key)) {
                        Some(slot) => slot.1 = at,
                        None => noted.push((Name::from(*key), at)),
                    }
                }
            }
        }
        // Shared copies: the record itself may change while the engine acts on this change.
        let (id, record_type, fields) = record.shared();
        let change = Change {
            record: &id,
            record_type: &record_type,
            event: &event.event,
            fields: &fields,
            before,
            is_new,
            now: at,
            previous_event,
            changed_at: &changed_at,
        };
        let mut eval = self.evaluator(&program, self.state.current);
        // SLA clocks: the current version attaches and updates its clocks; clocks pinned to
        // earlier versions are updated by their own version's rules.
        let moment = Moment {
            record: index,
            change: &change,
            now: at,
            event: Some(name_id),
        };
        self.clocks_on_change(&program, moment, &mut eval, false);
        // Outages of availability targets.
        if !program.availability.is_empty() {
            self.outages_on_change(&change, &mut eval);
        }
        // Record rules.
        for rule in &program.rules {
            let type_ok = rule.record_types.is_empty()
                || rule.record_types.iter().any(|t| *t == *record_type);
            let event_ok = rule.events.is_empty() || rule.events.contains(&event.event);
            if type_ok
                && event_ok
                && rule.when.holds(&change, &mut eval)
                && !rule.when.held_before(&change, &mut eval)
            {
                let mut action = Action::new(Kind::RuleFired, at);
                action.rule = Some(Name::clone(&rule.id));
                action.record = Some(Name::clone(&id));
                action.record_type = Some(Name::clone(&record_type));
                self.emit(action);
                let reason = format!("rule {} fired", rule.id);
                let subject = Subject::Record(index);
                self.run_actions(
                    self.state.current,
                    &rule.actions,
                    at,
                    &reason,
                    subject,
                    Some(index),
                );
            }
        }
        self.record_triggers(&program, index, &change, &mut eval);
        if program.kpi_events {
            self.kpi_event(&program, &change, &mut eval);
        }
        if matches!(event.event.as_str(), "resolved" | "closed") {
            self.calm(Subject::Record(index), |_, _| true);
        }
        // Processes started by this change.
        self.start_by_event_with(event, Some((index, &change)), &mut eval);
        let failures = eval.take_failures();
        self.script_failures(failures, at, Some(&id));
    }

    /// Applies a record change to the record's clocks: under the current version (which may
    /// attach new ones; with `adopting`, only the adoption of earlier versions' clocks), then
    /// under each earlier version with active clocks on the record.
    fn clocks_on_change(
        &mut self,
        program: &Arc<Program>,
        at: Moment<'_, '_>,
        eval: &mut Evaluator<'_>,
        adopting: bool,
    ) {
        let Some(record) = self.state.records.get_mut(at.record as usize) else {
            return;
        };
        let mut mine = std::mem::take(&mut record.clocks);
        let mut effects = std::mem::take(&mut self.effects);
        let mut failures = Vec::new();
        let current = self.state.current;
        let versions = &self.versions;
        let other = |version: u16, target: u32| -> Option<&Target> {
            versions
                .get(usize::from(version))?
                .targets
                .get(target as usize)
        };
        let groups = program
            .groups
            .get(at.change.record_type)
            .map_or(&[][..], Vec::as_slice);
        let view = View {
            version: current,
            targets: &program.targets,
            groups,
            attach: true,
            other: &other,
        };
        if adopting {
            self.state
                .clocks
                .adopt(&view, at, &mut mine, eval, &mut effects);
        } else {
            self.state
                .clocks
                .on_change(&view, at, &mut mine, eval, &mut effects);
            let older: Vec<u16> = mine.other_versions(current).collect();
            for version in older {
                let Some(old) = versions.get(usize::from(version)) else {
                    continue;
                };
                let view = View {
                    version,
                    targets: &old.targets,
                    groups: old
                        .groups
                        .get(at.change.record_type)
                        .map_or(&[][..], Vec::as_slice),
                    attach: false,
                    other: &other,
                };
                // Its own version's scripts run in the program they were compiled for.
                let mut own = Evaluator::for_version(
                    &old.script,
                    version,
                    self.disabled.get(usize::from(version)).map(Arc::clone),
                );
                self.state
                    .clocks
                    .on_change(&view, at, &mut mine, &mut own, &mut effects);
                failures.extend(own.take_failures());
            }
        }
        if let Some(r) = self.state.records.get_mut(at.record as usize) {
            r.clocks = mine;
        }
        if !failures.is_empty() {
            let id = Name::from(at.change.record);
            self.script_failures(failures, at.now, Some(&id));
        }
        for effect in effects.drain(..) {
            self.clock_effect(effect, at.now);
        }
        self.effects = effects;
    }

    /// After a switch, lets the new version's adopting targets take over running clocks.
    fn adopt_clocks(&mut self, at: i64) {
        let program = Arc::clone(&self.current);
        let adopts = program
            .targets
            .iter()
            .any(|t| t.on_new_version == crate::model::agreement::VersionPolicy::Adopt);
        if !adopts {
            return;
        }
        let current = self.state.current;
        for index in 0..self.state.records.len() {
            let Some(record) = self.state.records.get(index) else {
                continue;
            };
            if record.clocks.other_versions(current).next().is_none() {
                continue;
            }
            let (id, record_type, fields) = record.shared();
            let changed_at = record.changed_at().to_vec();
            let change = Change {
                record: &id,
                record_type: &record_type,
                event: "",
                fields: &fields,
                before: &[],
                is_new: false,
                now: at,
                previous_event: Some(record.last_at),
                changed_at: &changed_at,
            };
            let mut eval = self.evaluator(&program, self.state.current);
            let moment = Moment {
                record: u32::try_from(index).unwrap_or(u32::MAX),
                change: &change,
                now: at,
                event: None,
            };
            self.clocks_on_change(&program, moment, &mut eval, true);
            let failures = eval.take_failures();
            self.script_failures(failures, at, Some(&id));
        }
    }

    /// Escalation topics of the current version listening to record events and conditions;
    /// and condition topics raised under any version that no longer hold.
    fn record_triggers(
        &mut self,
        program: &Arc<Program>,
        index: u32,
        change: &Change<'_>,
        eval: &mut Evaluator<'_>,
    ) {
        let at = self.state.now.unwrap_or(0);
        let signal = Signal::Event {
            name: change.event,
            record_type: change.record_type,
        };
        let current = self.state.current;
        let mut raise = Vec::new();
        for (m, matrix) in program.matrices.iter().enumerate() {
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
                            .is_none_or(|r| r == change.record_type);
                        if type_ok
                            && trigger.when_holds(Some(change), eval)
                            && !trigger.when_held_before(change, eval)
                        {
                            raise.push((
                                key,
                                format!("condition of topic {} became true", topic.id),
                            ));
                        }
                    } else if trigger.matches(&signal, Some(change), eval) {
                        raise.push((key, format!("event {} on {}", change.event, change.record)));
                    }
                }
            }
        }
        // A condition topic calms when its condition no longer holds, judged by the version it
        // was raised under.
        let subject = Subject::Record(index);
        let calm: Vec<u32> = self
            .climbing
            .get(&subject)
            .map(|list| {
                list.iter()
                    .copied()
                    .filter(|e| {
                        let Some(e) = self.state.escalations.get(*e as usize) else {
                            return false;
                        };
                        let Some(topic) = self
                            .version(e.version)
                            .and_then(|p| p.matrices.get(e.matrix as usize))
                            .and_then(|m| m.topics.get(e.topic as usize))
                        else {
                            return false;
                        };
                        let conditions = topic
                            .triggers
                            .iter()
                            .filter(|t| t.on == TriggerOn::Condition)
                            .collect::<Vec<_>>();
                        conditions.iter().any(|t| {
                            t.when_held_before(change, eval) && !t.when_holds(Some(change), eval)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        for ((m, t), reason) in raise {
            self.raise(current, m, t, subject, at, reason);
        }
        if !calm.is_empty() {
            self.calm(subject, |i, _| calm.contains(&i));
        }
    }

    /// An evaluator of the scripts of version `version` (of `program`), which skips the scripts
    /// this run no longer evaluates.
    pub(super) fn evaluator<'p>(&self, program: &'p Program, version: u16) -> Evaluator<'p> {
        let disabled = self.disabled.get(usize::from(version)).map(Arc::clone);
        Evaluator::for_version(&program.script, version, disabled)
    }

    /// Emits a `script.failed` action per failed evaluation, counting them per script; at
    /// [`SCRIPT_FAILURES`] the script is no longer evaluated (a `script.disabled` action says so).
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
            let key = format!("{} {}", failure.version, failure.origin);
            let count = self.state.script_failures.entry(key).or_insert(0);
            if *count >= SCRIPT_FAILURES {
                continue;
            }
            *count += 1;
            let last = *count == SCRIPT_FAILURES;
            let mut action = Action::new(Kind::ScriptFailed, at);
            action.record = record.cloned();
            action.record_type = record_type.clone();
            action.reason = Some(format!("{} at {}", failure.owner, failure.origin));
            action.error = Some(failure.error);
            self.emit(action);
            if last {
                if let Some(set) = self.disabled.get_mut(usize::from(failure.version)) {
                    Arc::make_mut(set).insert(Arc::from(failure.origin.as_str()));
                }
                let mut action = Action::new(Kind::ScriptDisabled, at);
                action.reason = Some(format!("{} at {}", failure.owner, failure.origin));
                action.error = Some(format!(
                    "failed {SCRIPT_FAILURES} times: it is not evaluated again in this run, and counts as false"
                ));
                self.emit(action);
            }
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
                Due::Escalation(e, level, generation) => {
                    self.escalation_timer(e, level, generation, at)
                }
                Due::Task(task, generation) => self.task_timer(task, generation, at),
                Due::Release(record, stamp) => self.release_timer(record, stamp),
                Due::Schedule(version, trigger) => self.schedule_timer(version, trigger, at),
                Due::ReportDue(version, report, period) => {
                    self.report_due_timer(version, report, period, at)
                }
                Due::ReportOverdue(version, report, period) => {
                    self.report_overdue_timer(version, report, period, at)
                }
                Due::ForumNotice(version, forum, notice, period) => {
                    self.forum_notice_timer(version, forum, notice, period, at)
                }
                Due::Availability(target, generation) => {
                    self.availability_timer(target, generation, at)
                }
                Due::Kpi(version, kpi) => self.kpi_timer(version, kpi, at),
                Due::Penalty(version, penalty) => self.penalty_timer(version, penalty, at),
            }
        }
    }

    /// Runs every timer up to `until` (by default the last event's instant) and moves the
    /// engine's time there; an instant beyond the years slaflow computes is taken as their end.
    pub fn finish(&mut self, until: Option<i64>) {
        let Some(until) = until.or(self.state.now) else {
            return;
        };
        let until = until.clamp(HORIZON_START, HORIZON_END - 1);
        self.advance(until);
        // The engine's time is now `until` (or the last event's, if later), whichever timers
        // were left to fire: what explain shows of a clock still paused runs up to it.
        self.state.now = Some(self.state.now.map_or(until, |now| now.max(until)));
    }

    /// Moves a live engine's time to `to`: every timer due at or before it fires, and events at
    /// or before it are refused from then on (they would come after timers that, in a replay,
    /// they come before).
    pub fn advance_to(&mut self, to: i64) {
        let to = to.clamp(HORIZON_START, HORIZON_END - 1);
        if self.state.sealed.is_some_and(|sealed| to <= sealed) {
            return;
        }
        if self.state.now.is_none() {
            self.init_schedules(to);
        }
        self.advance(to);
        self.state.now = Some(self.state.now.map_or(to, |now| now.max(to)));
        self.state.sealed = Some(to);
        self.forget_ids();
    }

    /// When the next timer is due, if any (stale ones included: they fire nothing).
    pub fn next_timer(&mut self) -> Option<i64> {
        self.state.timers.next_at()
    }

    /// The instant a live switch takes effect: after everything the engine has applied.
    pub fn next_instant(&self) -> i64 {
        let now = self.state.now.unwrap_or(HORIZON_START);
        now.max(self.state.sealed.unwrap_or(HORIZON_START))
            .saturating_add(1)
    }

    /// Whether an event with this id was applied within the deduplication window.
    fn seen(&mut self, id: &str) -> bool {
        if self.seen_index.len() != self.state.seen_ids.len() {
            self.seen_index = seen::SeenIds::of(self.state.seen_ids.iter().map(|(_, i)| i));
        }
        self.seen_index.contains(id)
    }

    /// Whether an event applied within the deduplication window has the id `head` or an id
    /// `head>...` (see [`Engine::remembers_tail`]).
    pub fn remembers_head(&self, head: &str) -> bool {
        self.seen_index.has_head(head)
    }

    /// Whether an event applied within the deduplication window has an id `...>tail`: an id
    /// may be written `HEAD>TAIL` to be found by either part in constant time (the webhook
    /// receivers put the delivery in the head and an event that happens once per record in
    /// the tail).
    pub fn remembers_tail(&self, tail: &str) -> bool {
        self.seen_index.has_tail(tail)
    }

    fn remember(&mut self, id: &str, at: i64) {
        let name = Name::from(id);
        self.seen_index.insert(Name::clone(&name));
        self.state.seen_ids.push_back((at, name));
        self.forget_ids();
    }

    /// Forgets event ids older than [`DEDUP_WINDOW`] before the engine's time.
    fn forget_ids(&mut self) {
        let horizon = self.state.now.unwrap_or(0).saturating_sub(DEDUP_WINDOW);
        while let Some((at, id)) = self.state.seen_ids.front() {
            if *at >= horizon {
                break;
            }
            self.seen_index.remove(id);
            self.state.seen_ids.pop_front();
        }
    }

    /// The clocks of a record, for explain.
    pub fn clocks_of(&self, record: &str) -> Vec<u32> {
        self.record(record)
            .map(|r| r.clocks.indices().collect())
            .unwrap_or_default()
    }

    /// Indexes an instance by its id.
    pub(super) fn index_instance(&mut self, index: u32) {
        if let Some(instance) = self.state.instances.get(index as usize) {
            self.instance_index.insert(Name::clone(&instance.id), index);
        }
    }

    /// Forgets an instance's id.
    pub(super) fn unindex_instance(&mut self, id: &str) {
        self.instance_index.remove(id);
    }

    /// Why a clock changed, for explain.
    pub fn because_text(&self, because: Because, event: Option<u32>) -> String {
        match event.and_then(|e| self.state.event_names.get(e as usize)) {
            Some(name) => format!("{} on event `{name}`", because.describe()),
            None => because.describe().to_string(),
        }
    }
}

/// Why an instant cannot be an event's or a run's: it lies outside the years slaflow computes
/// business time for (a typo such as the year 9999 would otherwise make the engine run every
/// schedule and timer up to it).
pub fn implausible(at: i64) -> Option<String> {
    (!(HORIZON_START..HORIZON_END).contains(&at)).then(|| {
        format!(
            "the instant {} lies outside the years slaflow computes with ({FIRST_YEAR} to {LAST_YEAR})",
            crate::model::Timestamp(at)
        )
    })
}

/// The first twelve digits of a version hash, as people see it.
pub fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
