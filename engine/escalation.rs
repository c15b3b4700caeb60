//! Escalation matrices at run time: which topics a signal raises, and the climb from level to
//! level after business-time delays.
//!
//! A signal (an SLA breach or warning, an overdue step, a record event, a record condition that
//! became true) raises every topic whose triggers match it, in matrices that are not templates.
//! A raised topic reaches level 1 at once (or after its delay) and each later level after its
//! delay, counted from the raise in the matrix's calendar, up to the matrix's level limit. It
//! stops climbing when its subject is done: the clock stops or is cancelled, the task completes,
//! the record is closed, or the condition no longer holds. The same topic is raised once per
//! subject at a time. A raised topic climbs by the matrix of the bundle version it was raised
//! under. Matrices are built from the model in [`build`].

mod build;

use std::sync::Arc;

pub use build::matrices;

use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::condition::{Change, CompiledScript, Evaluator, Side};
use crate::model::escalation::TriggerOn;
use crate::model::{AgreementType, Duration};

/// A trigger of a topic, compiled.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// What it listens to.
    pub on: TriggerOn,
    /// Only this agreement.
    pub agreement: Option<String>,
    /// Only agreements of this type.
    pub agreement_type: Option<AgreementType>,
    /// Only this target.
    pub target: Option<String>,
    /// Only this process.
    pub process: Option<String>,
    /// Only this step.
    pub step: Option<String>,
    /// Only records of this type.
    pub record_type: Option<String>,
    /// Only this event name.
    pub event: Option<String>,
    /// Only this report (`report_overdue`).
    pub report: Option<String>,
    /// Only this KPI.
    pub kpi: Option<String>,
    /// A condition over the record.
    pub when: Option<CompiledScript>,
}

/// A level of a topic's path.
#[derive(Debug, Clone)]
pub struct Level {
    /// The roles escalated to, with their members.
    pub roles: crate::base::Roles,
    /// Delay from the raise.
    pub after: Option<Duration>,
    /// What the level is expected to do.
    pub action: Option<String>,
}

/// A topic, compiled.
#[derive(Debug, Clone)]
pub struct Topic {
    /// The topic id.
    pub id: crate::base::Name,
    /// Its triggers.
    pub triggers: Vec<Trigger>,
    /// Its levels, at most the matrix's limit.
    pub levels: Vec<Level>,
    /// Record fields carried into each escalation.
    pub include_fields: Vec<String>,
}

/// A matrix, compiled.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The matrix id.
    pub id: crate::base::Name,
    /// Templates are raised only by name, never by their triggers.
    pub template: bool,
    /// The calendar delays are counted in.
    pub calendar: Arc<BusinessCalendar>,
    /// Topics in document order.
    pub topics: Vec<Topic>,
}

/// Something that may raise a topic.
#[derive(Debug, Clone, Copy)]
pub enum Signal<'a> {
    /// An SLA clock breached.
    SlaBreached {
        /// Agreement id.
        agreement: &'a str,
        /// Agreement type.
        agreement_type: AgreementType,
        /// Target id.
        target: &'a str,
        /// Record type.
        record_type: &'a str,
    },
    /// An SLA clock reached a warning milestone.
    SlaWarning {
        /// Agreement id.
        agreement: &'a str,
        /// Agreement type.
        agreement_type: AgreementType,
        /// Target id.
        target: &'a str,
        /// Record type.
        record_type: &'a str,
    },
    /// A KPI's value for a period fell outside its control limits.
    KpiOutOfLimits {
        /// KPI id.
        kpi: &'a str,
    },
    /// A process step passed its due time.
    StepOverdue {
        /// Process id.
        process: &'a str,
        /// Step id.
        step: &'a str,
    },
    /// A report was not delivered by its due time.
    ReportOverdue {
        /// Report id.
        report: &'a str,
    },
    /// A record event.
    Event {
        /// The event name.
        name: &'a str,
        /// Record type.
        record_type: &'a str,
    },
}

impl Trigger {
    /// Whether the trigger matches a signal; `change` (the record's latest change) lets `when`
    /// be evaluated.
    pub fn matches(
        &self,
        signal: &Signal<'_>,
        change: Option<&Change<'_>>,
        eval: &mut Evaluator<'_>,
    ) -> bool {
        let same =
            |wanted: &Option<String>, have: &str| wanted.as_deref().is_none_or(|w| w == have);
        let fits = match (*signal, self.on) {
            (
                Signal::SlaBreached {
                    agreement,
                    agreement_type,
                    target,
                    record_type,
                },
                TriggerOn::SlaBreached,
            )
            | (
                Signal::SlaWarning {
                    agreement,
                    agreement_type,
                    target,
                    record_type,
                },
                TriggerOn::SlaWarning,
            ) => {
                same(&self.agreement, agreement)
                    && self.agreement_type.is_none_or(|t| t == agreement_type)
                    && same(&self.target, target)
                    && same(&self.record_type, record_type)
            }
            (Signal::StepOverdue { process, step }, TriggerOn::StepOverdue) => {
                same(&self.process, process) && same(&self.step, step)
            }
            (Signal::ReportOverdue { report }, TriggerOn::ReportOverdue) => {
                same(&self.report, report)
            }
            (Signal::Event { name, record_type }, TriggerOn::Event) => {
                same(&self.event, name) && same(&self.record_type, record_type)
            }
            (Signal::KpiOutOfLimits { kpi }, TriggerOn::KpiOutOfLimits) => same(&self.kpi, kpi),
            _ => false,
        };
        fits && self.when_holds(change, eval)
    }

    /// Whether `when` held before the change (false without `when`, and for a new record).
    pub fn when_held_before(&self, change: &Change<'_>, eval: &mut Evaluator<'_>) -> bool {
        self.when
            .as_ref()
            .is_some_and(|script| !change.is_new && eval.truthy(script, change, Side::Before))
    }

    /// Whether `when` holds for the change (true without `when`; false without a record).
    pub fn when_holds(&self, change: Option<&Change<'_>>, eval: &mut Evaluator<'_>) -> bool {
        match (&self.when, change) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(script), Some(change)) => eval.truthy(script, change, Side::After),
        }
    }
}

/// What an escalation is about; it stops climbing when its subject is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Subject {
    /// An SLA clock (index).
    Clock(u32),
    /// A process task (index).
    Task(u32),
    /// A record (index).
    Record(u32),
    /// A report's obligation (report index, period number): it stops climbing when the report
    /// is delivered.
    Report(u32, i32),
    /// An availability target (index among the availability targets): it stops climbing when
    /// no outage counted against it is open.
    Availability(u32),
    /// A KPI (its index in the current version): it calms when a period is back in limits.
    Kpi(u32),
}

/// A raised topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// The bundle version its matrix belongs to (an index into the engine's versions).
    pub version: u16,
    /// Matrix index.
    pub matrix: u32,
    /// Topic index.
    pub topic: u32,
    /// What it is about.
    pub subject: Subject,
    /// When it was raised.
    pub raised_at: i64,
    /// Levels reached so far.
    pub reached: u32,
    /// Whether it still climbs.
    pub active: bool,
    /// Why it was raised.
    pub reason: String,
    /// Its slot's generation: a timer it left is stale for the next escalation in the slot.
    #[serde(default)]
    pub generation: u32,
}

impl Matrix {
    /// When level `index` (from 0) of a topic raised at `raised_at` is reached.
    pub fn level_at(&self, topic: &Topic, index: usize, raised_at: i64) -> Option<i64> {
        let level = topic.levels.get(index)?;
        match level.after {
            None | Some(Duration::Seconds(0)) => Some(raised_at),
            Some(Duration::Seconds(s)) => self.calendar.add(raised_at, s),
            Some(Duration::WorkingDays(d)) => self.calendar.add_working_days(raised_at, d),
        }
    }
}
