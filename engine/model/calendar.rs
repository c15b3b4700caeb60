//! Business calendars and roles: when work happens and who does it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::text_or::text_or_struct;
use super::{CalendarId, Date, Interval, Spanned, YearlyDay};

/// A business calendar: a time zone, working hours per weekday, holidays and dated exceptions.
///
/// Working time is the union, over non-holiday local dates, of the half-open local intervals of
/// that weekday. The built-in calendar `24x7` is always open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Calendar {
    /// A calendar this one is based on (e.g. a library calendar); the fields given here are merged
    /// over a copy of it: `hours` day by day, other fields (lists too) replace the base's.
    #[serde(default)]
    pub uses: Option<Spanned<CalendarId>>,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the calendar is for.
    #[serde(default)]
    pub description: Option<String>,
    /// IANA time zone, e.g. `Europe/London`. Required when `hours` are given.
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
    /// Working hours per weekday. Leave out for a list of holidays that other calendars inherit.
    #[serde(default)]
    pub hours: Option<WeekHours>,
    /// Calendars whose holidays (their own, imported and inherited) this calendar also observes.
    #[serde(default)]
    pub inherit: Vec<Spanned<CalendarId>>,
    /// Holidays: each removes its local date, midnight to midnight. Dated holidays suit one-offs
    /// (a coronation, a jubilee); `holiday_rules` give those that come back every year.
    #[serde(default)]
    pub holidays: Vec<Spanned<Holiday>>,
    /// Holidays that come back every year by a rule (`12-25`, `easter-2`, `last mon of may`),
    /// each with an optional weekend substitute and first and last year.
    #[serde(default)]
    pub holiday_rules: Vec<Spanned<HolidayRule>>,
    /// iCalendar (`.ics`) files of holidays, relative to this file; recurring events (RRULE) are expanded.
    #[serde(default)]
    pub holiday_files: Vec<Spanned<String>>,
    /// Dated exceptions: an extra working day, a half day, or a closure (empty `hours`).
    #[serde(default)]
    pub exceptions: Vec<Spanned<Exception>>,
}

/// Working intervals per weekday. A specific day replaces `weekdays` or `every_day` for that day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct WeekHours {
    /// Intervals for Monday to Friday.
    #[serde(default)]
    pub weekdays: Option<Vec<Spanned<Interval>>>,
    /// Intervals for every day of the week.
    #[serde(default)]
    pub every_day: Option<Vec<Spanned<Interval>>>,
    /// Monday.
    #[serde(default)]
    pub mon: Option<Vec<Spanned<Interval>>>,
    /// Tuesday.
    #[serde(default)]
    pub tue: Option<Vec<Spanned<Interval>>>,
    /// Wednesday.
    #[serde(default)]
    pub wed: Option<Vec<Spanned<Interval>>>,
    /// Thursday.
    #[serde(default)]
    pub thu: Option<Vec<Spanned<Interval>>>,
    /// Friday.
    #[serde(default)]
    pub fri: Option<Vec<Spanned<Interval>>>,
    /// Saturday.
    #[serde(default)]
    pub sat: Option<Vec<Spanned<Interval>>>,
    /// Sunday.
    #[serde(default)]
    pub sun: Option<Vec<Spanned<Interval>>>,
}

impl WeekHours {
    /// The intervals of each weekday, Monday first, after applying `every_day` and `weekdays`.
    pub fn days(&self) -> [&[Spanned<Interval>]; 7] {
        let base = |weekday: bool| -> &[Spanned<Interval>] {
            let group = if weekday {
                self.weekdays.as_deref()
            } else {
                None
            };
            group.or(self.every_day.as_deref()).unwrap_or(&[])
        };
        [
            self.mon.as_deref().unwrap_or(base(true)),
            self.tue.as_deref().unwrap_or(base(true)),
            self.wed.as_deref().unwrap_or(base(true)),
            self.thu.as_deref().unwrap_or(base(true)),
            self.fri.as_deref().unwrap_or(base(true)),
            self.sat.as_deref().unwrap_or(base(false)),
            self.sun.as_deref().unwrap_or(base(false)),
        ]
    }
}

text_or_struct! {
    /// A holiday: a date, or a date with a name.
    pub struct Holiday (text: date, full: HolidayFields) {
        /// The local date that is not worked.
        pub date: Date,
        /// The holiday's name.
        #[serde(default)]
        pub name: Option<String>,
    }
}

/// A holiday that comes back every year by a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct HolidayRule {
    /// When it falls each year: `12-25`, `easter-2`, `first mon of may`, `last mon of may` or
    /// `fri on or after 06-19`.
    pub on: Spanned<YearlyDay>,
    /// The holiday's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Which weekday is off instead when the holiday falls on a Saturday or Sunday (the day itself
    /// stays a holiday); by default none.
    #[serde(default)]
    pub substitute: Option<Substitute>,
    /// The first year the rule applies; by default every year up to `last_year`.
    #[serde(default)]
    pub first_year: Option<Spanned<i32>>,
    /// The last year the rule applies; by default every year from `first_year` on.
    #[serde(default)]
    pub last_year: Option<Spanned<i32>>,
}

/// Which weekday is off instead of a holiday that falls on a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Substitute {
    /// The next Monday to Friday that is not already a holiday of this calendar's `holidays` or
    /// `holiday_rules` (UK substitute days: Christmas on a Saturday and Boxing Day on a Sunday
    /// give Monday 27 and Tuesday 28).
    NextFreeWeekday,
    /// Saturday's holiday on the Friday before, Sunday's on the Monday after (US federal
    /// "observed" days; New Year's Day on a Saturday is observed on 31 December).
    NearestWeekday,
}

/// A dated exception to the weekly hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Exception {
    /// The local date.
    pub date: Date,
    /// The working intervals of that date instead of the weekday's; empty means closed.
    #[serde(default)]
    pub hours: Vec<Spanned<Interval>>,
    /// Why, e.g. `Christmas Eve half day`.
    #[serde(default)]
    pub name: Option<String>,
}

/// Members of a role chosen by a record field's value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct MembersBy {
    /// The record field whose value picks the members, e.g. `service`.
    pub field: String,
    /// The members for each value of the field (its text, or a number or `true`/`false` as
    /// JSON writes it), e.g. `e-mail: [group:cs-email-service-owner]`.
    pub members: std::collections::BTreeMap<String, Vec<String>>,
}

/// A role in processes, escalations and agreements. RACI letters assign roles to steps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Role {
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
    /// What the role does.
    #[serde(default)]
    pub description: Option<String>,
    /// Who holds the role: people, groups or addresses, as the notification system knows them.
    /// With `members_by`, who holds it for a record that names none of its values.
    #[serde(default)]
    pub members: Vec<String>,
    /// Who holds the role depends on the record: the value of one of its fields (the service,
    /// the site) picks the members, e.g. the owner of the service whose SLA is at risk.
    #[serde(default)]
    pub members_by: Option<MembersBy>,
    /// The role's responsibilities, as listed in the process document.
    #[serde(default)]
    pub responsibilities: Vec<String>,
    /// Which side of the agreement the role belongs to, e.g. `provider` or `customer`.
    #[serde(default)]
    pub party: Option<String>,
}
