//! The bundle model: the shape of the YAML documents, and nothing more.
//!
//! Types here derive `Deserialize` (read by [`crate::load`]) and `JsonSchema` (the editor schemas
//! in `schemas/`). Every field has a doc comment, which becomes its schema description. Values that
//! later passes point at are [`Spanned`]. No checks beyond syntax happen here; cross-references,
//! graphs and calendars are checked by [`crate::validate`], and compiled forms live in the modules
//! that run them.

pub mod agreement;
mod amount;
pub mod calendar;
pub mod commercial;
pub mod condition;
pub mod escalation;
pub mod event;
pub mod governance;
mod ids;
pub mod manifest;
pub mod measure;
pub mod process;
pub mod rule;
pub mod spanned;
pub mod test;
pub(crate) mod text_or;
mod value;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use agreement::{Agreement, AgreementType, CountBy, Target};
pub use amount::Amount;
pub use calendar::{Calendar, Role};
pub use commercial::RateCard;
pub use condition::{Action, Condition, Script};
pub use escalation::EscalationMatrix;
pub use event::Event;
pub use governance::{Forum, Kpi, Report};
pub use ids::{
    AgreementId, CalendarId, ForumId, ID_PATTERN, IdMap, KpiId, MatrixId, ProcessId, RateCardId,
    ReportId, RoleId, RuleId, StepId, TargetId, TestId, TopicId, check_id,
};
pub use manifest::Manifest;
pub use process::Process;
pub use rule::RecordRule;
pub use spanned::Spanned;
pub use test::BehaviourTest;
pub use value::{
    Date, Duration, Interval, Percent, Period, PeriodUnit, TimeOfDay, Timestamp, YearlyDay,
};

use crate::source::Span;

/// A deserialization error that carries its own diagnostic code (the bundle loader reads it;
/// other deserializers show the message).
pub(crate) fn coded_error<E: serde::de::Error>(
    code: crate::diagnostic::Code,
    message: impl std::fmt::Display,
) -> E {
    E::custom(format!("{CODE_MARK}{code}{CODE_MARK}{message}"))
}

/// Brackets a code at the start of a custom error message.
pub(crate) const CODE_MARK: char = '\u{1}';

/// The id of the built-in calendar that is always open.
pub const ALWAYS_OPEN: &str = "24x7";

/// One rule file of a bundle: every section is a mapping keyed by id, and sections of several
/// files merge into one bundle.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[schemars(title = "slaflow bundle file")]
pub struct BundleFile {
    /// Business calendars: time zone, working hours, holidays and exceptions.
    #[serde(default)]
    pub calendars: IdMap<CalendarId, Calendar>,
    /// Roles and their members; RACI letters and escalation levels refer to them.
    #[serde(default)]
    pub roles: IdMap<RoleId, Role>,
    /// Processes: procedures of steps, decisions, parallel branches, subprocesses and ends.
    #[serde(default)]
    pub processes: IdMap<ProcessId, Process>,
    /// Agreements (SLA, OLA, UC) and their targets.
    #[serde(default)]
    pub agreements: IdMap<AgreementId, Agreement>,
    /// Escalation matrices: topics, triggers and levels.
    #[serde(default)]
    pub escalations: IdMap<MatrixId, EscalationMatrix>,
    /// Key performance indicators with control limits.
    #[serde(default)]
    pub kpis: IdMap<KpiId, Kpi>,
    /// Periodic reports with their sections and due times.
    #[serde(default)]
    pub reports: IdMap<ReportId, Report>,
    /// Forums: recurring meetings and communication events with agenda and notices.
    #[serde(default)]
    pub forums: IdMap<ForumId, Forum>,
    /// Rate cards: transactions, time and materials, price items.
    #[serde(default)]
    pub rate_cards: IdMap<RateCardId, RateCard>,
    /// Record rules: rhai conditions over records that raise actions.
    #[serde(default)]
    pub rules: IdMap<RuleId, RecordRule>,
    /// Behaviour tests: events in, expected actions out.
    #[serde(default)]
    pub tests: IdMap<TestId, BehaviourTest>,
}

/// The names of the sections of a bundle file, in the order they are documented.
pub const SECTIONS: &[&str] = &[
    "calendars",
    "roles",
    "processes",
    "agreements",
    "escalations",
    "kpis",
    "reports",
    "forums",
    "rate_cards",
    "rules",
    "tests",
];

/// One entry of a section, with where its id was written.
#[derive(Debug, Clone)]
pub struct Entry<V> {
    /// The span of the id (the mapping key).
    pub id_span: Span,
    /// The entry.
    pub value: V,
}

/// The merged entries of one section across all files, in load order.
///
/// Entries that failed to read are kept as `broken` ids, so references to them do not cause a
/// second, misleading "unknown id" diagnostic.
#[derive(Debug, Clone)]
pub struct Section<K, V> {
    entries: IndexMap<K, Entry<V>>,
    broken: IndexMap<K, Span>,
}

impl<K, V> Default for Section<K, V> {
    fn default() -> Self {
        Section {
            entries: IndexMap::new(),
            broken: IndexMap::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + std::borrow::Borrow<str>, V> Section<K, V> {
    /// Adds an entry that was read successfully.
    pub fn insert(&mut self, id: K, id_span: Span, value: V) {
        self.entries.insert(id, Entry { id_span, value });
    }

    /// Records an id whose entry could not be read.
    pub fn insert_broken(&mut self, id: K, span: Span) {
        self.broken.insert(id, span);
    }

    /// The entry under `id`.
    pub fn get(&self, id: &str) -> Option<&V> {
        self.entries.get(id).map(|e| &e.value)
    }

    /// The entry (with id span) under `id`.
    pub fn entry(&self, id: &str) -> Option<&Entry<V>> {
        self.entries.get(id)
    }

    /// Whether `id` is defined, even if its entry could not be read.
    pub fn defines(&self, id: &str) -> bool {
        self.entries.contains_key(id) || self.broken.contains_key(id)
    }

    /// Entries in load order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Entry<V>)> {
        self.entries.iter()
    }

    /// Mutable entries in load order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut Entry<V>)> {
        self.entries.iter_mut()
    }

    /// Every defined id, readable or not, for "did you mean".
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries
            .keys()
            .chain(self.broken.keys())
            .map(|k| k.borrow())
    }

    /// How many entries were read.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none were read.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A loaded bundle: every section merged across files, `uses` and `overrides` applied.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    /// The manifest's name, if the bundle has one.
    pub name: Option<String>,
    /// Business calendars (the built-in `24x7` is not listed).
    pub calendars: Section<CalendarId, Calendar>,
    /// Roles.
    pub roles: Section<RoleId, Role>,
    /// Processes.
    pub processes: Section<ProcessId, Process>,
    /// Agreements.
    pub agreements: Section<AgreementId, Agreement>,
    /// Escalation matrices.
    pub escalations: Section<MatrixId, EscalationMatrix>,
    /// KPIs.
    pub kpis: Section<KpiId, Kpi>,
    /// Reports.
    pub reports: Section<ReportId, Report>,
    /// Forums.
    pub forums: Section<ForumId, Forum>,
    /// Rate cards.
    pub rate_cards: Section<RateCardId, RateCard>,
    /// Record rules.
    pub rules: Section<RuleId, RecordRule>,
    /// Behaviour tests.
    pub tests: Section<TestId, BehaviourTest>,
    /// Files named by the bundle (iCalendar holiday files), by the span of the name that refers to them.
    pub attachments: std::collections::HashMap<Span, crate::source::FileId>,
}

impl Bundle {
    /// Whether a calendar id is defined or built in.
    pub fn defines_calendar(&self, id: &str) -> bool {
        id == ALWAYS_OPEN || self.calendars.defines(id)
    }
}
