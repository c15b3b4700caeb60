//! Processes as the engine runs them: compiled definitions (steps with their RACI doers, go-tos,
//! decision conditions, due times, escalations; the triggers that start instances) and the state
//! of running instances and their tasks.
//!
//! Definitions are built once per bundle version by [`build`] from the validated model and the
//! process graphs of the compile context; the engine moves instances through them
//! (`runtime::engine`). This module holds data and its construction, no engine behaviour.

mod build;
mod instance;

use std::sync::Arc;

pub use build::processes;
pub use instance::{Instance, Join, Task};

use crate::base::{Name, Roles};
use crate::calendar::BusinessCalendar;
use crate::condition::CompiledScript;
use crate::graph::ProcessGraph;
use crate::model::process::StepKind;
use crate::model::{Duration, Period};

/// A process step, compiled.
#[derive(Debug, Clone)]
pub struct StepDef {
    /// The step id.
    pub id: Name,
    /// Its kind.
    pub kind: StepKind,
    /// Who does it: the R roles, or the A role when there is no R.
    pub doers: Roles,
    /// The accountable role(s) that do not also do it (they are told the step started).
    pub accountable: Roles,
    /// Consulted roles.
    pub consulted: Roles,
    /// Informed roles.
    pub informed: Roles,
    /// The next step.
    pub next: Option<u32>,
    /// Decision outcomes: name, step, condition.
    pub outcomes: Vec<(String, u32, Option<CompiledScript>)>,
    /// Parallel branches.
    pub branches: Vec<u32>,
    /// Parallel join.
    pub join: Option<u32>,
    /// Subprocess index.
    pub subprocess: Option<u32>,
    /// How long the step may take.
    pub due: Option<Duration>,
    /// The calendar `due` counts in.
    pub calendar: Arc<BusinessCalendar>,
    /// The matrix raised when the step is overdue.
    pub escalation: Option<u32>,
}

/// What starts instances of a process.
#[derive(Debug, Clone)]
pub struct TriggerDef {
    /// The process.
    pub process: u32,
    /// The step instances start at.
    pub entry: u32,
    /// An event name.
    pub event: Option<String>,
    /// A record type.
    pub record_type: Option<String>,
    /// A schedule and the time zone of its boundaries.
    pub schedule: Option<(Period, chrono_tz::Tz)>,
    /// A condition.
    pub when: Option<CompiledScript>,
}

/// A process, compiled.
#[derive(Debug, Clone)]
pub struct ProcessDef {
    /// The process id.
    pub id: Name,
    /// Whether its triggers are inactive.
    pub template: bool,
    /// Its graph.
    pub graph: ProcessGraph,
    /// Its steps, by graph index.
    pub steps: Vec<StepDef>,
    /// The step an instance called as a subprocess starts at.
    pub start: Option<u32>,
}

impl ProcessDef {
    /// The index of the step with this id.
    pub fn step_index(&self, id: &str) -> Option<u32> {
        self.steps
            .iter()
            .position(|s| &*s.id == id)
            .and_then(|i| u32::try_from(i).ok())
    }
}
