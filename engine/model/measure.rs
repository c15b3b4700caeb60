//! How a KPI is computed (its `measure`), and where a report finds licence positions: the parts
//! of KPIs and reports that say what to count.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::condition::{FieldMatch, OneOrMany};
use super::{AgreementId, IdMap, Percent, Spanned, TargetId};

/// How a KPI's value is computed each period; give exactly one of the four.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct KpiMeasure {
    /// The share (in %) of clocks of the selected targets that met their goal, of those met or
    /// breached in the period (by when the outcome was decided).
    #[serde(default)]
    pub compliance: Option<Spanned<ClockSelection>>,
    /// The business time of clocks of the selected targets that ended in the period (met, or
    /// stopped after a breach): their average, or a percentile with `percentile`; in the KPI's
    /// `unit` (`hours` or `days` of 24 hours; seconds otherwise).
    #[serde(default)]
    pub elapsed: Option<Spanned<ClockSelection>>,
    /// The number of events or actions in the period that match.
    #[serde(default)]
    pub count: Option<Spanned<Tally>>,
    /// `of` as a share (in %) of `per`, both counted in the period.
    #[serde(default)]
    pub ratio: Option<Spanned<Ratio>>,
}

/// Which clocks a KPI looks at: the targets of one agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ClockSelection {
    /// The agreement.
    pub agreement: Spanned<AgreementId>,
    /// Its targets; all of them when left out.
    #[serde(default)]
    pub targets: Vec<Spanned<TargetId>>,
    /// For `elapsed`: this percentile instead of the average, e.g. `90%`.
    #[serde(default)]
    pub percentile: Option<Spanned<Percent>>,
}

/// What a `count` counts: input events (`event`) or the engine's actions (`action`), narrowed
/// by the other fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Tally {
    /// Record events with this name (or one of these), e.g. `created`.
    #[serde(default)]
    pub event: Option<OneOrMany<String>>,
    /// Actions of this kind, e.g. `task.completed` or `sla.breached`.
    #[serde(default)]
    pub action: Option<Spanned<String>>,
    /// Only records of this type (or these types).
    #[serde(default)]
    pub record_type: Option<OneOrMany<String>>,
    /// Only record events whose record has these field values (after the event), e.g.
    /// `{kanal: [webb, mail]}`.
    #[serde(default)]
    pub fields: IdMap<String, FieldMatch>,
    /// Only actions about this process.
    #[serde(default)]
    pub process: Option<String>,
    /// Only actions about this step.
    #[serde(default)]
    pub step: Option<String>,
    /// Only actions with this decision outcome.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Only actions about clocks of this agreement.
    #[serde(default)]
    pub agreement: Option<String>,
    /// Only actions about clocks of this target.
    #[serde(default)]
    pub target: Option<String>,
}

/// One count as a share of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Ratio {
    /// What is counted, e.g. Service Improvement Procedure activations.
    pub of: Tally,
    /// What it is a share of, e.g. SLA reviews.
    pub per: Tally,
}

/// Where a report finds licence positions: records of one type, with the fields that hold each
/// count (the latest value of each record in the period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct LicenceSource {
    /// The record type of a product's licence position, e.g. `licence`.
    pub record_type: String,
    /// The field naming the product; defaults to `product`.
    #[serde(default)]
    pub product: Option<String>,
    /// The field with the licences entitled (bought); defaults to `entitled`.
    #[serde(default)]
    pub entitled: Option<String>,
    /// The field with the licences deployed (provisioned); defaults to `deployed`.
    #[serde(default)]
    pub deployed: Option<String>,
    /// The field with the licences in use; defaults to `used`.
    #[serde(default)]
    pub used: Option<String>,
    /// The field with the licences in the re-use pool; defaults to `reuse_pool`.
    #[serde(default)]
    pub pool: Option<String>,
}
