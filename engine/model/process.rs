//! Processes: procedures of numbered steps, decisions, parallel negotiation, subprocesses and
//! ends, with triggers, inputs, outputs, due times and RACI.

use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use super::condition::Script;
use super::text_or::text_or_struct;
use super::{CalendarId, Duration, IdMap, MatrixId, Period, ProcessId, RoleId, Spanned, StepId};

/// A process: a graph of procedures and steps, run as instances started by triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Process {
    /// A process (usually from the `rules/` library) this one is based on; the fields given
    /// here are merged over a copy of it.
    #[serde(default)]
    pub uses: Option<Spanned<ProcessId>>,
    /// Changes to steps of the base process, by step id; each is merged over that step.
    #[serde(default)]
    pub overrides: Option<IdMap<StepId, Overlay>>,
    /// Renames roles of the base process: `library-role: contract-role`.
    #[serde(default)]
    pub role_map: IdMap<RoleId, Spanned<RoleId>>,
    /// A template: its triggers do not start instances. Library processes are templates that
    /// contracts base their own on with `uses`; `template` is not inherited.
    #[serde(default)]
    pub template: bool,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the process achieves.
    #[serde(default)]
    pub description: Option<String>,
    /// The role that owns the process.
    #[serde(default)]
    pub owner: Option<Spanned<RoleId>>,
    /// The calendar step due times are counted in; defaults to `24x7`.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The escalation matrix raised when a step is overdue, unless the step names its own.
    #[serde(default)]
    pub escalation: Option<Spanned<MatrixId>>,
    /// The step or procedure an instance starts at; defaults to the first step of the first procedure.
    #[serde(default)]
    pub start: Option<Spanned<StepId>>,
    /// What starts an instance at `start`.
    #[serde(default)]
    pub triggers: Vec<Spanned<Trigger>>,
    /// Policies the process follows.
    #[serde(default)]
    pub policies: Vec<String>,
    /// The procedures, in document order, keyed by number (`1.0`, `2.0`, ...).
    #[serde(default)]
    pub procedures: IdMap<StepId, Procedure>,
}

/// Opaque content of an override; checked once merged into the step it overrides.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Overlay;

impl<'de> Deserialize<'de> for Overlay {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Overlay)
    }
}

impl JsonSchema for Overlay {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StepOverride".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "Fields of a step to change; mappings merge, other values replace.",
        })
    }
}

/// A procedure: a numbered group of steps with its own triggers, inputs and outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Procedure {
    /// Display name, e.g. `Define Capabilities`.
    #[serde(default)]
    pub name: Option<String>,
    /// What the procedure is for.
    #[serde(default)]
    pub description: Option<String>,
    /// What starts an instance at this procedure's first step.
    #[serde(default)]
    pub triggers: Vec<Spanned<Trigger>>,
    /// Documents and data the procedure reads.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Documents and data the procedure produces.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// General comments from the process document.
    #[serde(default)]
    pub comments: Option<String>,
    /// The steps, in document order, keyed by number (`1.1`, `1.2`, ...).
    #[serde(default)]
    pub steps: IdMap<StepId, Step>,
}

/// The kind of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Work done by the R role (or the A role when there is no R), then `next`.
    #[default]
    Task,
    /// A choice among `outcomes`, made by a person or by rhai conditions.
    Decision,
    /// Starts every step of `branches` at once; continues at `join` when all have reached it.
    Parallel,
    /// Runs another process to completion, then `next`.
    Subprocess,
    /// Completes the instance.
    End,
}

impl StepKind {
    /// The kind as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Task => "task",
            StepKind::Decision => "decision",
            StepKind::Parallel => "parallel",
            StepKind::Subprocess => "subprocess",
            StepKind::End => "end",
        }
    }
}

/// One step of a procedure.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Step {
    /// Display name, e.g. `Assess Current Capabilities`.
    #[serde(default)]
    pub name: Option<String>,
    /// `task` (default), `decision`, `parallel`, `subprocess` or `end`.
    #[serde(default)]
    pub kind: Option<Spanned<StepKind>>,
    /// What is done, from the procedure narrative.
    #[serde(default)]
    pub description: Option<String>,
    /// For decisions: the question asked.
    #[serde(default)]
    pub question: Option<String>,
    /// RACI letters per role, e.g. `service-level-manager: A, R`.
    #[serde(default)]
    pub raci: IdMap<RoleId, Spanned<Raci>>,
    /// The step or procedure that follows (tasks and subprocesses).
    #[serde(default)]
    pub next: Option<Spanned<StepId>>,
    /// For decisions: each outcome and the step or procedure it leads to.
    #[serde(default)]
    pub outcomes: IdMap<String, Spanned<Outcome>>,
    /// For parallel steps: the steps started together.
    #[serde(default)]
    pub branches: Vec<Spanned<StepId>>,
    /// For parallel steps: the step that runs once every branch has reached it.
    #[serde(default)]
    pub join: Option<Spanned<StepId>>,
    /// For subprocesses: the process to run.
    #[serde(default)]
    pub process: Option<Spanned<ProcessId>>,
    /// How long the step may take, in the step's calendar; overdue steps escalate.
    #[serde(default)]
    pub due: Option<Spanned<Duration>>,
    /// The calendar `due` is counted in; defaults to the process calendar.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The escalation matrix raised when the step is overdue; defaults to the process's.
    #[serde(default)]
    pub escalation: Option<Spanned<MatrixId>>,
    /// Documents and data the step reads.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Documents and data the step produces.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Notes from the process document.
    #[serde(default)]
    pub notes: Option<String>,
}

impl Step {
    /// The step's kind (`task` when not given).
    pub fn kind(&self) -> StepKind {
        self.kind.as_ref().map(|k| k.value).unwrap_or_default()
    }
}

text_or_struct! {
    /// A decision outcome: the step it leads to, and optionally the rhai condition that picks it.
    pub struct Outcome (text: to, full: OutcomeFields) {
        /// The step or procedure this outcome leads to.
        pub to: StepId,
        /// A rhai condition; the first outcome whose condition holds is taken. Without
        /// conditions, a `step.completed` event names the outcome.
        #[serde(default)]
        pub when: Option<Script>,
    }
}

/// What starts a process instance: an event, a schedule or a condition over records.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Trigger {
    /// What the trigger is, in the process document's words.
    #[serde(default)]
    pub description: Option<String>,
    /// An event name that starts an instance, e.g. `service.requested`.
    #[serde(default)]
    pub event: Option<Spanned<String>>,
    /// Only records of this type trigger.
    #[serde(default)]
    pub record_type: Option<Spanned<String>>,
    /// A recurring start, e.g. `monthly` or `annually`, at the start of each period.
    #[serde(default)]
    pub schedule: Option<Spanned<Period>>,
    /// The calendar whose time zone places schedule boundaries; defaults to the process calendar.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// A rhai condition over the record that must hold (alone: starts when it becomes true).
    #[serde(default)]
    pub when: Option<Script>,
}

/// RACI letters of one role on one step, written like `A, R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Raci {
    /// Responsible: does the work.
    pub responsible: bool,
    /// Accountable: owns the outcome and approves.
    pub accountable: bool,
    /// Consulted before or during the work.
    pub consulted: bool,
    /// Informed of progress.
    pub informed: bool,
}

impl FromStr for Raci {
    type Err = String;

    fn from_str(text: &str) -> Result<Raci, String> {
        let mut raci = Raci::default();
        let mut any = false;
        for part in text.split([',', '/', ' ']).filter(|p| !p.is_empty()) {
            let slot = match part.trim().to_ascii_uppercase().as_str() {
                "R" => &mut raci.responsible,
                "A" => &mut raci.accountable,
                "C" => &mut raci.consulted,
                "I" => &mut raci.informed,
                other => {
                    return Err(format!(
                        "invalid RACI letter `{other}` in `{text}`: use R, A, C and I, e.g. `A, R`"
                    ));
                }
            };
            if *slot {
                return Err(format!("RACI letter `{part}` given twice in `{text}`"));
            }
            *slot = true;
            any = true;
        }
        if !any {
            return Err("empty RACI letters: use R, A, C and I, e.g. `A, R`".into());
        }
        Ok(raci)
    }
}

impl fmt::Display for Raci {
    /// Prints letters in the order of the FNAL Appendix 1: `A, R`, `A, C`, `R`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letters: Vec<&str> = [
            (self.accountable, "A"),
            (self.responsible, "R"),
            (self.consulted, "C"),
            (self.informed, "I"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, l)| *l)
        .collect();
        f.write_str(&letters.join(", "))
    }
}

impl<'de> Deserialize<'de> for Raci {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|m| super::coded_error(crate::diagnostic::Code::InvalidRaci, m))
    }
}

impl Serialize for Raci {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Raci {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Raci".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^\\s*[RACIraci](\\s*[,/ ]\\s*[RACIraci])*\\s*$",
            "description": "RACI letters: R responsible, A accountable, C consulted, I informed; e.g. `A, R`.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raci_reads_appendix_cells() {
        let r: Raci = "A, R".parse().unwrap();
        assert!(r.accountable && r.responsible && !r.consulted);
        assert_eq!(r.to_string(), "A, R");
        assert_eq!("R".parse::<Raci>().unwrap().to_string(), "R");
        assert!("A, X".parse::<Raci>().is_err());
        assert!("A, A".parse::<Raci>().is_err());
        assert!("".parse::<Raci>().is_err());
    }
}
