//! Agreements (SLA, OLA, underpinning contract) and their targets: which records a target
//! applies to, the six clock conditions, the goal, milestones, breach actions, the in-flight
//! change policy and penalties.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::condition::{Action, Condition, FieldMatch, OneOrMany, Script};
use super::{
    AgreementId, Amount, CalendarId, Date, Duration, IdMap, Percent, Period, RoleId, Spanned,
    TargetId,
};

/// The type of an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementType {
    /// Service level agreement, between the provider and its customer.
    Sla,
    /// Operational level agreement, between the provider and an internal team.
    Ola,
    /// Underpinning contract, between the provider and an external supplier.
    Uc,
}

impl AgreementType {
    /// `sla`, `ola` or `uc`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementType::Sla => "sla",
            AgreementType::Ola => "ola",
            AgreementType::Uc => "uc",
        }
    }
}

/// An agreement: an SLA, OLA or underpinning contract with its targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Agreement {
    /// An agreement this one is based on; the fields given here are merged over a copy of it.
    #[serde(default)]
    pub uses: Option<Spanned<AgreementId>>,
    /// `sla`, `ola` or `uc`.
    #[serde(rename = "type")]
    pub kind: Spanned<AgreementType>,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the agreement covers.
    #[serde(default)]
    pub description: Option<String>,
    /// The service the agreement is for, e.g. `e-mail`.
    #[serde(default)]
    pub service: Option<String>,
    /// The party that delivers the service.
    #[serde(default)]
    pub provider: Option<Party>,
    /// The party that receives the service.
    #[serde(default)]
    pub customer: Option<Party>,
    /// Roles that sign the agreement.
    #[serde(default)]
    pub signatories: Vec<Spanned<RoleId>>,
    /// The calendar goals are counted in; its time zone places period boundaries. Defaults to `24x7`.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The compliance period objectives are measured over; defaults to `monthly`.
    #[serde(default)]
    pub period: Option<Spanned<Period>>,
    /// Which period a clock counts in for compliance: `stop` (default: when its outcome is
    /// decided, the stop of a met or cancelled clock, the breach of a breached one), `start`
    /// or `due`.
    #[serde(default)]
    pub count_by: Option<CountBy>,
    /// How often the agreement itself is reviewed.
    #[serde(default)]
    pub review: Option<Spanned<Period>>,
    /// The contract term.
    #[serde(default)]
    pub term: Option<Term>,
    /// The record field that holds the assigned group, for `assigned` conditions; defaults to `assignment_group`.
    #[serde(default)]
    pub assignment_field: Option<String>,
    /// The record types this agreement covers; each needs at least one target.
    #[serde(default)]
    pub record_types: Vec<Spanned<String>>,
    /// The OLAs and UCs this agreement depends on; their goals must fit inside this one's.
    #[serde(default)]
    pub underpinned_by: Vec<Spanned<AgreementId>>,
    /// Whether a breach of this agreement's targets stands whatever changes later (the default
    /// of each target's `final_breach`); `false` when left out.
    #[serde(default)]
    pub final_breach: Option<bool>,
    /// The targets, in order: for one measure, the first target that applies to a record wins.
    #[serde(default)]
    pub targets: IdMap<TargetId, Target>,
}

/// Which instant of a clock places it in a compliance period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountBy {
    /// The instant its outcome is decided: the stop of a met or cancelled clock, the breach of
    /// a breached one. A clock still running at the period's end counts in a later period.
    #[default]
    Stop,
    /// The instant it started: each period's clocks are a cohort, their outcomes as known when
    /// the report is made.
    Start,
    /// Its due time.
    Due,
}

impl CountBy {
    /// `stop`, `start` or `due`.
    pub fn as_str(self) -> &'static str {
        match self {
            CountBy::Stop => "stop",
            CountBy::Start => "start",
            CountBy::Due => "due",
        }
    }
}

/// A party to an agreement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Party {
    /// The organisation or team, e.g. `Atos` or `FNAL Computing Sector e-mail team`.
    #[serde(default)]
    pub name: Option<String>,
    /// The assignment group that stands for this party in ticket records.
    #[serde(default)]
    pub group: Option<String>,
    /// The role that represents the party.
    #[serde(default)]
    pub role: Option<Spanned<RoleId>>,
}

/// The contract term.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Term {
    /// First day of the term.
    #[serde(default)]
    pub start: Option<Spanned<Date>>,
    /// Last day of the term.
    #[serde(default)]
    pub end: Option<Spanned<Date>>,
    /// Length of the term in months, e.g. 36.
    #[serde(default)]
    pub months: Option<u32>,
}

/// Which records a target applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct AppliesTo {
    /// The record type, or a list of types.
    pub record_type: Spanned<OneOrMany<String>>,
    /// Record fields and the values they must have, e.g. `{vip: true}`.
    #[serde(default)]
    pub fields: IdMap<String, FieldMatch>,
    /// A rhai condition the record must meet.
    #[serde(default)]
    pub when: Option<Script>,
}

/// A service level target and its clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Target {
    /// Display name, e.g. `VIP response`.
    #[serde(default)]
    pub name: Option<String>,
    /// What the target promises, in the contract's words.
    #[serde(default)]
    pub description: Option<String>,
    /// What is measured (`response`, `resolution`, ...). Targets of one measure are alternatives:
    /// the first that applies to a record wins. Defaults to the target id.
    #[serde(default)]
    pub measure: Option<Spanned<String>>,
    /// Which records the target applies to.
    pub applies_to: AppliesTo,
    /// When the clock starts (attached when start holds and neither stop nor cancel does).
    pub start: Spanned<Condition>,
    /// When a running clock pauses.
    #[serde(default)]
    pub pause: Option<Spanned<Condition>>,
    /// When a paused clock resumes; without it, the clock resumes when `pause` no longer holds.
    #[serde(default)]
    pub resume: Option<Spanned<Condition>>,
    /// When the clock stops: the target is met if it stops before its due time.
    pub stop: Spanned<Condition>,
    /// When the clock is cancelled: the record no longer counts for this target.
    #[serde(default)]
    pub cancel: Option<Spanned<Condition>>,
    /// When the running clock completes and a new one is attached (e.g. `reopened`).
    #[serde(default)]
    pub reset: Option<Spanned<Condition>>,
    /// A record field holding the instant the clock really started (retroactive start), e.g. `opened_at`.
    #[serde(default)]
    pub start_from: Option<Spanned<String>>,
    /// The per-record goal: business time in `calendar` from start to stop.
    #[serde(default)]
    pub goal: Option<Spanned<Duration>>,
    /// A record field holding the due instant, for deadlines such as a renewal date.
    #[serde(default)]
    pub deadline: Option<Spanned<String>>,
    /// For availability targets: the share of coverage hours (`calendar`) the service must be
    /// up in each of the agreement's periods.
    #[serde(default)]
    pub availability: Option<Spanned<Percent>>,
    /// For availability targets: whether planned maintenance (outage records whose `planned`
    /// field is `true`) is downtime: `counted` (default) or `excluded`.
    #[serde(default)]
    pub maintenance: Option<Spanned<Maintenance>>,
    /// The calendar the goal is counted in; defaults to the agreement's.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The share of records per period that must meet the goal, e.g. `95%`.
    #[serde(default)]
    pub objective: Option<Spanned<Percent>>,
    /// Points before (or after) the due time that warn or act.
    #[serde(default)]
    pub milestones: Vec<Spanned<Milestone>>,
    /// What happens when the goal is breached.
    #[serde(default)]
    pub breach: Vec<Action>,
    /// When a change (e.g. of priority) makes this target apply instead of another of the same
    /// measure: `keep_elapsed`, `restart` or `retarget` (default).
    #[serde(default)]
    pub on_change: Option<Spanned<ChangePolicy>>,
    /// When a new version of the bundle is loaded while clocks run: `keep` (default) leaves the
    /// clocks of this measure that started under an earlier version on that version's rules
    /// until they end; `adopt` makes this target take them over at the switch, by its
    /// `on_change` policy.
    #[serde(default)]
    pub on_new_version: Option<Spanned<VersionPolicy>>,
    /// Whether a breach stands whatever changes later: `true` keeps it when a change of
    /// priority brings a longer goal or a deadline moves later; `false` lifts it when the clock
    /// is within the new goal. Defaults to the agreement's `final_breach`, else `false`.
    #[serde(default)]
    pub final_breach: Option<bool>,
    /// A stopped clock that the record reopens within a window continues (same cycle, the time
    /// already spent kept, the gap not counted) instead of a new cycle starting.
    #[serde(default)]
    pub reopen: Option<Reopen>,
    /// Penalties or service credits for missing the target.
    #[serde(default)]
    pub penalty: Option<Penalty>,
}

/// When a stopped clock continues: a record reopened within `within` of the stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Reopen {
    /// How long after the stop a reopening continues the clock, in `calendar` (`5 working
    /// days`, `48h`); later, the start condition begins a new cycle as usual.
    pub within: Spanned<Duration>,
    /// The calendar the window is counted in; defaults to the target's. `24x7` counts calendar
    /// time.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// What reopens the record: when this becomes true (it did not hold before the change) on a
    /// record whose clock stopped. Defaults to the target's start condition.
    #[serde(default)]
    pub when: Option<Spanned<Condition>>,
}

impl Target {
    /// The measure, defaulting to the target id.
    pub fn measure<'a>(&'a self, id: &'a str) -> &'a str {
        self.measure.as_ref().map_or(id, |m| m.value.as_str())
    }
}

/// A point on a clock's way to its due time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Milestone {
    /// Display name, e.g. `75% warning`.
    #[serde(default)]
    pub name: Option<String>,
    /// At this share of the goal, e.g. `75%`.
    #[serde(default)]
    pub at: Option<Spanned<Percent>>,
    /// This much business time before the due time.
    #[serde(default)]
    pub before_due: Option<Spanned<Duration>>,
    /// This much business time after the due time (after a breach).
    #[serde(default)]
    pub after_due: Option<Spanned<Duration>>,
    /// What to do.
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// Whether planned maintenance counts against an availability target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Maintenance {
    /// Planned outages are downtime like any other.
    #[default]
    Counted,
    /// Planned outages are not downtime: the service counts as up while only planned
    /// maintenance is under way.
    Excluded,
}

/// What a new bundle version does to the running clocks of a target's measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionPolicy {
    /// Running clocks keep the rules of the version they started under until they end.
    #[default]
    Keep,
    /// This target takes running clocks of its measure over at the switch, by its `on_change`
    /// policy.
    Adopt,
}

/// What happens to a running clock when a change makes another target of the same measure apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangePolicy {
    /// Carry the business time elapsed so far over to the new target's goal.
    KeepElapsed,
    /// Start the new target's clock afresh at the change.
    Restart,
    /// Measure the new goal from the original start, with the same pauses, in its own calendar.
    #[default]
    Retarget,
    /// Keep the target the clock started with, whatever changes later: a clock started under
    /// this target is neither taken over by another target of the measure nor cancelled when
    /// no target applies any more ("the priority at creation decides"). Only its cancel
    /// condition (or a new bundle version that adopts it) ends that.
    Fixed,
}

/// Penalties or service credits for missing a target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Penalty {
    /// Currency of amounts, e.g. `USD`.
    #[serde(default)]
    pub currency: Option<String>,
    /// An amount due for each breached record.
    #[serde(default)]
    pub per_breach: Option<Amount>,
    /// Service credits by compliance band, highest threshold first.
    #[serde(default)]
    pub credits: Vec<Spanned<CreditBand>>,
    /// The period's charge the credit bands are a share of, e.g. the monthly fee `48000`.
    #[serde(default)]
    pub charge: Option<Amount>,
    /// The most that is due for this target in one period (penalties and credits together).
    #[serde(default)]
    pub cap: Option<Amount>,
    /// The process that handles a penalty case: an instance starts for each period in which
    /// the target owes something (e.g. Proact's `viteshantering`).
    #[serde(default)]
    pub process: Option<Spanned<super::ProcessId>>,
    /// How penalties are handled, in the contract's words.
    #[serde(default)]
    pub description: Option<String>,
}

/// A service-credit band: below this compliance, credit this share of the period's charge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct CreditBand {
    /// Applies when compliance falls below this, e.g. `95%`.
    pub below: Percent,
    /// The credit, as a share of the period's charge, e.g. `5%`.
    pub credit: Percent,
}
