//! Escalations in the engine: signals raising topics, actions of rules and milestones, and the
//! climb of a raised topic from level to level until its subject is done.

use std::sync::Arc;

use super::Engine;
use crate::base::FastMap;
use crate::condition::{Change, Evaluator};
use crate::escalation::{Escalation, Signal, Subject};
use crate::runtime::action::{Action, Kind, Name};
use crate::runtime::timer::Due;
use crate::sla::ActionSpec;

/// The escalations still climbing, by subject, and how many of those subjects are records:
/// every record change asks about its record, and most records never have a topic climbing
/// about them, so the usual answer comes without a look-up in a large map.
#[derive(Debug, Default)]
pub(in crate::runtime) struct Climbing {
    by_subject: FastMap<Subject, Vec<u32>>,
    records: usize,
}

impl Climbing {
    /// The escalations climbing about `subject`.
    pub(in crate::runtime) fn get(&self, subject: &Subject) -> Option<&Vec<u32>> {
        if self.records == 0 && matches!(subject, Subject::Record(_)) {
            return None;
        }
        self.by_subject.get(subject)
    }

    /// Whether any escalation climbs about `subject`.
    pub(in crate::runtime) fn contains(&self, subject: &Subject) -> bool {
        self.get(subject).is_some()
    }

    /// Lists escalation `index` under `subject`.
    pub(in crate::runtime) fn push(&mut self, subject: Subject, index: u32) {
        let records = &mut self.records;
        self.by_subject
            .entry(subject)
            .or_insert_with(|| {
                *records += usize::from(matches!(subject, Subject::Record(_)));
                Vec::new()
            })
            .push(index);
    }

    /// Keeps the escalations under `subject` that `keep` keeps (it may change them); returns
    /// whether none are left, and then forgets the subject.
    pub(in crate::runtime) fn retain(
        &mut self,
        subject: &Subject,
        keep: impl FnMut(&u32) -> bool,
    ) -> Option<bool> {
        if self.records == 0 && matches!(subject, Subject::Record(_)) {
            return None;
        }
        let list = self.by_subject.get_mut(subject)?;
        list.retain(keep);
        let emptied = list.is_empty();
        if emptied {
            self.by_subject.remove(subject);
            self.records -= usize::from(matches!(subject, Subject::Record(_)));
        }
        Some(emptied)
    }
}

impl Engine {
    /// Raises every topic of bundle version `version` whose triggers match the signal, in
    /// matrices that are not templates and in `named` (the matrix a step names for its overdue
    /// escalation, even a template).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::runtime) fn signal(
        &mut self,
        version: u16,
        signal: &Signal<'_>,
        subject: Subject,
        at: i64,
        record: Option<u32>,
        eval: &mut Evaluator<'_>,
        named: Option<u32>,
    ) {
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        // Shared copies, so the engine can change while the change is looked at.
        let seen = record
            .and_then(|r| self.state.records.get(r as usize))
            .map(|r| (r.shared(), r.last_at, r.changed_at().to_vec()));
        let change = seen
            .as_ref()
            .map(|((id, record_type, fields), last_at, changed_at)| Change {
                record: id,
                record_type,
                event: "",
                fields,
                before: &[],
                is_new: false,
                now: at,
                previous_event: Some(*last_at),
                changed_at,
            });
        let mut reason = None;
        for (m, matrix) in program.matrices.iter().enumerate() {
            if matrix.template && named != u32::try_from(m).ok() {
                continue;
            }
            for (t, topic) in matrix.topics.iter().enumerate() {
                if topic
                    .triggers
                    .iter()
                    .any(|tr| tr.matches(signal, change.as_ref(), eval))
                {
                    let reason = reason.get_or_insert_with(|| match signal {
                        Signal::SlaBreached { target, .. } => format!("target {target} breached"),
                        Signal::SlaWarning { target, .. } => {
                            format!("target {target} in danger of breaching")
                        }
                        Signal::StepOverdue { process, step } => {
                            format!("step {step} of {process} overdue")
                        }
                        Signal::Event { name, .. } => format!("event {name}"),
                        Signal::ReportOverdue { report } => format!("report {report} overdue"),
                        Signal::KpiOutOfLimits { kpi } => {
                            format!("KPI {kpi} out of its control limits")
                        }
                    });
                    let key = (u32::try_from(m).unwrap_or(0), u32::try_from(t).unwrap_or(0));
                    self.raise(version, key.0, key.1, subject, at, reason.clone());
                }
            }
        }
    }

    /// Performs actions of bundle version `version`: notifications and escalations.
    pub(in crate::runtime) fn run_actions(
        &mut self,
        version: u16,
        actions: &[ActionSpec],
        at: i64,
        reason: &str,
        subject: Subject,
        record: Option<u32>,
    ) {
        let Some(program) = self.version(version).map(Arc::clone) else {
            return;
        };
        for spec in actions {
            if !spec.notify.is_empty() {
                self.emit_new(Kind::Notify, at, |engine, action| {
                    (action.record, action.record_type) = engine.names_of(record);
                    action.roles = Arc::clone(&spec.notify.names);
                    action.recipients = engine.recipients(&spec.notify, record);
                    action.reason = Some(reason.to_string());
                    action.message = spec.message.clone();
                });
            }
            if let Some((matrix, topic)) = &spec.escalate
                && let Some((m, t)) = program.find_topic(matrix, topic.as_deref())
            {
                self.raise(version, m, t, subject, at, reason.to_string());
            }
        }
    }

    /// Raises a topic of bundle version `version` for a subject, unless it is already climbing
    /// for it.
    pub(in crate::runtime) fn raise(
        &mut self,
        version: u16,
        matrix: u32,
        topic: u32,
        subject: Subject,
        at: i64,
        reason: String,
    ) {
        // Every escalation still climbing is listed under its subject.
        let duplicate = self.climbing.get(&subject).is_some_and(|list| {
            list.iter().any(|i| {
                self.state.escalations.get(*i as usize).is_some_and(|e| {
                    e.active && e.version == version && e.matrix == matrix && e.topic == topic
                })
            })
        });
        if duplicate {
            return;
        }
        let generation = self
            .state
            .free_escalations
            .last()
            .and_then(|i| self.state.escalations.get(*i as usize))
            .map_or(0, |e| e.generation.wrapping_add(1));
        let escalation = Escalation {
            version,
            matrix,
            topic,
            subject,
            raised_at: at,
            reached: 0,
            active: true,
            reason,
            generation,
        };
        let index = crate::base::place(
            &mut self.state.escalations,
            &mut self.state.free_escalations,
            escalation,
        );
        self.climbing.push(subject, index);
        self.schedule_level(index);
        // A first level without delay is reached at once.
        if let Some(first) = self.level_time(index, 0)
            && first <= at
        {
            self.escalation_timer(index, 0, generation, at);
        }
    }

    fn level_time(&self, escalation: u32, level: u32) -> Option<i64> {
        let e = self.state.escalations.get(escalation as usize)?;
        let matrix = self.version(e.version)?.matrices.get(e.matrix as usize)?;
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
        let (level, generation) = (e.reached, e.generation);
        if let Some(at) = self.level_time(escalation, level) {
            let now = self.state.now.unwrap_or(at);
            if at > now {
                self.state
                    .timers
                    .push(at, Due::Escalation(escalation, level, generation));
            }
        }
    }

    /// An escalation reaching a level: the level's roles are told, and the next is scheduled.
    pub(super) fn escalation_timer(
        &mut self,
        escalation: u32,
        level: u32,
        generation: u32,
        at: i64,
    ) {
        let Some(e) = self.state.escalations.get(escalation as usize) else {
            return;
        };
        if !e.active || e.reached != level || e.generation != generation {
            return;
        }
        let Some(program) = self.version(e.version).map(Arc::clone) else {
            return;
        };
        let Some(matrix) = program.matrices.get(e.matrix as usize) else {
            return;
        };
        let Some(topic) = matrix.topics.get(e.topic as usize) else {
            return;
        };
        let Some(spec) = topic.levels.get(level as usize) else {
            return;
        };
        let subject = e.subject;
        let mut action = Action::new(Kind::EscalationRaised, at);
        action.matrix = Some(Name::clone(&matrix.id));
        action.topic = Some(Name::clone(&topic.id));
        action.level = Some(level + 1);
        action.roles = Arc::clone(&spec.roles.names);
        action.reason = Some(e.reason.clone());
        action.message = spec.action.clone();
        let record = match subject {
            Subject::Record(r) => Some(r),
            Subject::Clock(c) => self.state.clocks.get(c).map(|c| c.record),
            Subject::Task(t) => self.task_record(t),
            Subject::Report(..) | Subject::Availability(_) | Subject::Kpi(_) => None,
        };
        action.recipients = self.recipients(&spec.roles, record);
        if let Some(r) = record.and_then(|r| self.state.records.get(r as usize)) {
            action.record = Some(Name::clone(&r.id));
            action.record_type = Some(Name::clone(&r.record_type));
            if !topic.include_fields.is_empty() {
                let included: serde_json::Map<String, serde_json::Value> = topic
                    .include_fields
                    .iter()
                    .filter_map(|f| r.fields.get(f).map(|v| (f.clone(), v.clone())))
                    .collect();
                action.fields = (!included.is_empty()).then_some(included);
            }
        }
        if let Subject::Clock(c) = subject
            && let Some(target) = self.state.clocks.get(c).and_then(|c| self.clock_target(c))
        {
            action.agreement = Some(Name::clone(&target.agreement));
            action.target = Some(Name::clone(&target.id));
        }
        if let Subject::Task(t) = subject {
            self.describe_task(t, &mut action);
        }
        self.describe_governance(subject, &program, &mut action);
        if let Subject::Kpi(k) = subject {
            action.kpi = self.kpi_id(k);
        }
        self.emit(action);
        let mut last = false;
        if let Some(e) = self.state.escalations.get_mut(escalation as usize) {
            e.reached = level + 1;
            last = e.reached as usize >= topic.levels.len();
        }
        if last {
            self.calm(subject, |i, _| i == escalation);
        } else {
            self.schedule_level(escalation);
        }
    }

    /// Stops the escalations of a subject that `done` picks (given their index).
    pub(in crate::runtime) fn calm(
        &mut self,
        subject: Subject,
        done: impl Fn(u32, &Escalation) -> bool,
    ) {
        let escalations = &mut self.state.escalations;
        let free = &mut self.state.free_escalations;
        let emptied = self.climbing.retain(&subject, |i| {
            match escalations.get_mut(*i as usize) {
                Some(e) if done(*i, e) => {
                    // Stopped: its slot is free for the next escalation (timers it left behind
                    // are stale by its generation).
                    e.active = false;
                    e.reason = String::new();
                    free.push(*i);
                    false
                }
                Some(_) => true,
                None => false,
            }
        });
        if emptied == Some(true)
            && let Subject::Record(record) = subject
        {
            self.touch(record);
        }
    }
}
