//! The state of process instances and their tasks, as the engine keeps (and snapshots) it.

use serde::{Deserialize, Serialize};

use crate::base::Name;

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
    /// Its id: `<process>:<record>`, `<parent>/<step>`, `<process>@<date>` or `<process>`,
    /// with `#2`, `#3`... when repeated.
    pub id: Name,
    /// Process index in its version's program.
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
    /// The bundle version it runs under (an index into the engine's versions).
    pub version: u16,
    /// Its open tasks (indices into the engine's tasks).
    #[serde(default)]
    pub open: Vec<u32>,
    /// Its subprocess calls still running: the calling step and the called instance.
    #[serde(default)]
    pub calls: Vec<(u32, u32)>,
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
    /// Its slot's generation: a timer it left is stale for the next task in the slot.
    #[serde(default)]
    pub generation: u32,
}
