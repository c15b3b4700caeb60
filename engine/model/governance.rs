//! Governance: KPIs, reports and forums (meetings and other communication events with a cadence).

use std::num::NonZeroU32;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::measure::{KpiMeasure, LicenceSource};
use super::text_or::text_or_struct;
use super::{
    AgreementId, CalendarId, Duration, ForumId, KpiId, MatrixId, Period, ProcessId, RateCardId,
    ReportId, RoleId, Spanned, StepId, TimeOfDay,
};

/// The unit a KPI is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    /// A percentage (limits are numbers from 0 to 100).
    Percent,
    /// A count.
    Count,
    /// Days.
    Days,
    /// Hours.
    Hours,
}

/// A key performance indicator with control limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Kpi {
    /// The indicator, in the process document's words.
    #[serde(default)]
    pub name: Option<String>,
    /// How it is measured.
    #[serde(default)]
    pub description: Option<String>,
    /// The process it measures.
    #[serde(default)]
    pub process: Option<Spanned<ProcessId>>,
    /// How often it is measured.
    pub frequency: Spanned<Period>,
    /// The unit of the value and the limits.
    #[serde(default)]
    pub unit: Option<KpiUnit>,
    /// Lower control limit: a value below it is out of control.
    #[serde(default)]
    pub lower_limit: Option<Spanned<f64>>,
    /// Upper control limit: a value above it is out of control.
    #[serde(default)]
    pub upper_limit: Option<Spanned<f64>>,
    /// The control limits in the document's words.
    #[serde(default)]
    pub limits: Option<String>,
    /// The objective the KPI serves.
    #[serde(default)]
    pub objective: Option<String>,
    /// The steps of `process` where its data is captured, e.g. `4.3`.
    #[serde(default)]
    pub data_capture: Vec<Spanned<StepId>>,
    /// The escalation matrix raised when the KPI leaves its limits.
    #[serde(default)]
    pub escalation: Option<Spanned<MatrixId>>,
    /// How the value is computed each period; without it the KPI's values come from outside
    /// the events (a survey, a review's minutes) in `kpi.reported` events.
    #[serde(default)]
    pub measure: Option<Spanned<KpiMeasure>>,
    /// Whether a value equal to a limit is within it (`inclusive`, the default) or out of
    /// control (`strict`).
    #[serde(default)]
    pub bounds: Option<Bounds>,
    /// The calendar whose time zone places the KPI's periods; defaults to the calendar of the
    /// agreement it measures, else `24x7` (UTC).
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
}

/// Whether a KPI value equal to a control limit is within the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bounds {
    /// A value equal to a limit is within the limits (`lower_limit: 100` is met by 100%).
    #[default]
    Inclusive,
    /// A value must lie strictly between the limits (`lower_limit: 10` needs more than 10%).
    Strict,
}

text_or_struct! {
    /// An agenda item or report section: a title, optionally with a description.
    pub struct Item (text: title, full: ItemFields) {
        /// The title, in the document's language (e.g. `Uppföljning SLA`).
        pub title: String,
        /// What it covers, e.g. an English description of a Swedish title.
        #[serde(default)]
        pub description: Option<String>,
    }
}

/// A periodic report, such as the monthly service report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Report {
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the report is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The period each report covers, e.g. `monthly`.
    pub period: Spanned<Period>,
    /// How long after the period ends the report is due, e.g. `5 working days`
    /// ("within five working days from the start of each month").
    #[serde(default)]
    pub due: Option<Spanned<Duration>>,
    /// The calendar `due` is counted in and whose time zone places period boundaries.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The role that produces the report.
    #[serde(default)]
    pub owner: Option<Spanned<RoleId>>,
    /// The roles that receive it.
    #[serde(default)]
    pub recipients: Vec<Spanned<RoleId>>,
    /// The agreements it reports on.
    #[serde(default)]
    pub agreements: Vec<Spanned<AgreementId>>,
    /// The KPIs it reports on.
    #[serde(default)]
    pub kpis: Vec<Spanned<KpiId>>,
    /// The rate cards whose invoice lines it lists.
    #[serde(default)]
    pub rate_cards: Vec<Spanned<RateCardId>>,
    /// Where it finds licence positions (entitled, deployed, used, re-use pool per product).
    #[serde(default)]
    pub licences: Option<LicenceSource>,
    /// A record field the compliance table is broken down by, e.g. `priority` (its value when
    /// the clock started).
    #[serde(default)]
    pub breakdown: Option<String>,
    /// The sections, in order.
    #[serde(default)]
    pub sections: Vec<Spanned<Item>>,
    /// The escalation matrix raised when the report is overdue (its `report_overdue` topics),
    /// besides every matrix with a `report_overdue` trigger for it.
    #[serde(default)]
    pub escalation: Option<Spanned<MatrixId>>,
}

/// A forum: a recurring meeting or communication event with a cadence, agenda and notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Forum {
    /// A forum (usually from the `rules/` library) this one is based on; the fields given here
    /// are merged over a copy of it.
    #[serde(default)]
    pub uses: Option<Spanned<ForumId>>,
    /// A template: never scheduled, announced or exported. Library forums are templates that
    /// contracts base their own on with `uses`, giving them a calendar and participants;
    /// `template` is not inherited.
    #[serde(default)]
    pub template: bool,
    /// Display name, in the document's language (e.g. `Förvaltningsforum`).
    #[serde(default)]
    pub name: Option<String>,
    /// What the forum is for.
    #[serde(default)]
    pub description: Option<String>,
    /// `meeting` (default), `communication` (a notice or mailing) or `survey`.
    #[serde(default)]
    pub kind: Option<ForumKind>,
    /// The cooperation level, e.g. `operational`, `tactical` or `strategic`.
    #[serde(default)]
    pub level: Option<String>,
    /// How often it happens: `monthly`, `quarterly`, `twice a year`, `annually`, ...; leave out
    /// for events held when needed.
    #[serde(default)]
    pub cadence: Option<Spanned<Period>>,
    /// When in each period of the cadence it is held: the working day of the period, the local
    /// time and how long it lasts; defaults to the first working day's opening, for an hour.
    #[serde(default)]
    pub held: Option<Held>,
    /// The calendar whose time zone places the cadence.
    #[serde(default)]
    pub calendar: Option<Spanned<CalendarId>>,
    /// The role that runs the forum.
    #[serde(default)]
    pub chair: Option<Spanned<RoleId>>,
    /// Participants from the provider.
    #[serde(default)]
    pub provider: Vec<Spanned<RoleId>>,
    /// Participants from the customer.
    #[serde(default)]
    pub customer: Vec<Spanned<RoleId>>,
    /// The standard agenda.
    #[serde(default)]
    pub agenda: Vec<Spanned<Item>>,
    /// Notices sent ahead of each occurrence, e.g. 7 days before.
    #[serde(default)]
    pub notices: Vec<Spanned<Notice>>,
    /// Reports reviewed at the forum.
    #[serde(default)]
    pub reports: Vec<Spanned<ReportId>>,
    /// What the forum produces, e.g. `Meeting minutes`, `Corrective Action Plans`.
    #[serde(default)]
    pub artifacts: Vec<String>,
}

/// When in each period of its cadence a forum is held.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Held {
    /// The working day of the period, in the forum's calendar: 1 is the first working day that
    /// begins in the period. Defaults to 1.
    #[serde(default)]
    pub working_day: Option<Spanned<NonZeroU32>>,
    /// The local time it starts, in the forum's calendar's time zone, e.g. `10:00`; defaults to
    /// the opening of that working day.
    #[serde(default)]
    pub time: Option<Spanned<TimeOfDay>>,
    /// How long it lasts, e.g. `1h30m` (wall-clock time); defaults to `1h`.
    #[serde(default)]
    pub duration: Option<Spanned<Duration>>,
}

/// What kind of communication event a forum is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForumKind {
    /// A meeting of the participants.
    Meeting,
    /// A one-way communication, such as a notice or mailing.
    Communication,
    /// A survey sent to the participants.
    Survey,
}

/// A notice sent a lead time before a forum: `7 days` is seven calendar days before, at the
/// same local time; `2 working days` is the opening of the second working day before the
/// forum's day, in the forum's calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Notice {
    /// How long before the forum, e.g. `7 days` (calendar time) or `2 working days`.
    pub before: Spanned<Duration>,
    /// The role that sends it.
    #[serde(default)]
    pub from: Option<Spanned<RoleId>>,
    /// The roles that receive it.
    pub to: Vec<Spanned<RoleId>>,
    /// What it says or carries, e.g. `E-mail and meeting invite`.
    #[serde(default)]
    pub message: Option<String>,
}
