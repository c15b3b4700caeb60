//! Escalation matrices: topics, the triggers that raise them and the path of levels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::agreement::AgreementType;
use super::condition::Script;
use super::{
    AgreementId, CalendarId, Duration, IdMap, KpiId, MatrixId, ProcessId, ReportId, RoleId,
    Spanned, StepId, TargetId, TopicId,
};

/// An escalation matrix: topics, each with triggers and a path of levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct EscalationMatrix {
    /// A matrix (e.g. a `rules/` template) this one is based on; the fields given here are merged over a copy of it.
    #[serde(default)]
    pub uses: Option<Spanned<MatrixId>>,
    /// Renames roles of the base matrix: `template-role: contract-role`.
    #[serde(default)]
    pub role_map: IdMap<RoleId, Spanned<RoleId>>,
    /// A template: its triggers raise nothing (actions may still raise it by name). Contracts
    /// base their matrices on templates with `uses`; `template` is not inherited.
    #[serde(default)]
    pub template: bool,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// How escalation works under this matrix.
    #[serde(default)]
    pub description: Option<String>,
    /// The calendar level delays are counted in; defaults to `24x7`.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The most levels any topic may have (the Swedish model allows three).
    #[serde(default)]
    pub max_levels: Option<Spanned<u32>>,
    /// The topics, in document order.
    #[serde(default)]
    pub topics: IdMap<TopicId, Topic>,
}

/// An escalation topic, e.g. `Licence Delivery Issues`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Topic {
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What belongs under this topic.
    #[serde(default)]
    pub description: Option<String>,
    /// What raises the topic.
    #[serde(default)]
    pub triggers: Vec<Spanned<EscalationTrigger>>,
    /// The path: level after level, each after a longer delay.
    #[serde(default)]
    pub levels: Vec<Spanned<Level>>,
    /// Record fields copied into every escalation of this topic, e.g. `notes`, so the next
    /// person sees the history.
    #[serde(default)]
    pub include_fields: Vec<String>,
}

/// What a trigger listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerOn {
    /// An SLA clock breached its goal.
    SlaBreached,
    /// An SLA clock reached a warning milestone (in danger of breaching).
    SlaWarning,
    /// A process step passed its due time.
    StepOverdue,
    /// A KPI fell outside its control limits.
    KpiOutOfLimits,
    /// A report was not delivered by its due time.
    ReportOverdue,
    /// A record event with a given name (e.g. a customer escalation).
    Event,
    /// A rhai condition over a record became true.
    Condition,
}

impl TriggerOn {
    /// The value as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerOn::SlaBreached => "sla_breached",
            TriggerOn::SlaWarning => "sla_warning",
            TriggerOn::StepOverdue => "step_overdue",
            TriggerOn::KpiOutOfLimits => "kpi_out_of_limits",
            TriggerOn::ReportOverdue => "report_overdue",
            TriggerOn::Event => "event",
            TriggerOn::Condition => "condition",
        }
    }
}

/// A trigger of an escalation topic; the filters given must all match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct EscalationTrigger {
    /// The trigger in the contract's words.
    #[serde(default)]
    pub description: Option<String>,
    /// What the trigger listens to.
    pub on: Spanned<TriggerOn>,
    /// Only clocks of this agreement (`sla_breached`, `sla_warning`).
    #[serde(default)]
    pub agreement: Option<Spanned<AgreementId>>,
    /// Only clocks of agreements of this type: `sla`, `ola` or `uc`.
    #[serde(default)]
    pub agreement_type: Option<Spanned<AgreementType>>,
    /// Only clocks of this target of `agreement`.
    #[serde(default)]
    pub target: Option<Spanned<TargetId>>,
    /// Only steps of this process (`step_overdue`).
    #[serde(default)]
    pub process: Option<Spanned<ProcessId>>,
    /// Only this step of `process`.
    #[serde(default)]
    pub step: Option<Spanned<StepId>>,
    /// Only this KPI (`kpi_out_of_limits`).
    #[serde(default)]
    pub kpi: Option<Spanned<KpiId>>,
    /// Only this report (`report_overdue`).
    #[serde(default)]
    pub report: Option<Spanned<ReportId>>,
    /// Only records of this type.
    #[serde(default)]
    pub record_type: Option<Spanned<String>>,
    /// The event name (`event`).
    #[serde(default)]
    pub event: Option<Spanned<String>>,
    /// A rhai condition over the record (required for `condition`, a filter otherwise).
    #[serde(default)]
    pub when: Option<Script>,
}

/// One level of an escalation path.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Level {
    /// Display name, e.g. `Operational`.
    #[serde(default)]
    pub name: Option<String>,
    /// The roles escalated to at this level; their members are notified.
    pub roles: Vec<Spanned<RoleId>>,
    /// Business time after the topic is raised when this level is reached; the first level
    /// usually has none (immediately). Delays must increase from level to level.
    #[serde(default)]
    pub after: Option<Spanned<Duration>>,
    /// What the level is expected to do.
    #[serde(default)]
    pub action: Option<String>,
}
