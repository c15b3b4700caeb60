//! Governance dates: report obligations (one report per period, due a business time after the
//! period ends) and forums (held once per period of their cadence, announced by notices a lead
//! time before), compiled from the model, with the date arithmetic that both the engine's timers
//! and the iCalendar export ([`ics`]) use.
//!
//! This module computes dates only; it never fires anything. The engine
//! (`runtime`) turns the same dates into `report.due`, `report.overdue` and
//! `forum.notice` actions, and reports call [`schedule`] and [`report_dues`] to list what is
//! coming.

pub mod ics;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::base::{Name, Roles};
use crate::calendar::BusinessCalendar;
use crate::calendar::period;
use crate::model::governance::{ForumKind, Item};
use crate::model::{Duration, Period};
use crate::validate::Context;

/// A report definition, compiled: what is due, for which period, by when.
#[derive(Debug, Clone)]
pub struct ReportDef {
    /// The report's id.
    pub id: Name,
    /// Its display name (the id without one).
    pub name: String,
    /// The period each report covers.
    pub period: Period,
    /// The calendar `due` is counted in; its time zone places the periods.
    pub calendar: Arc<BusinessCalendar>,
    /// How long after its period ends a report is due (none: it is never overdue).
    pub due: Option<Duration>,
    /// The role that produces it, with its members.
    pub owner: Roles,
    /// The roles that receive it, with their members.
    pub recipients: Roles,
    /// Its section titles, in order.
    pub sections: Vec<String>,
    /// The matrix its `escalation` names (an index into the program's matrices).
    pub escalation: Option<u32>,
}

impl ReportDef {
    /// The time zone its periods are bounded in.
    pub fn tz(&self) -> Tz {
        self.calendar.tz()
    }

    /// The start and end of period number `n` (see [`period::number`]).
    pub fn bounds(&self, n: i64) -> (i64, i64) {
        period::bounds_of_number(self.period, self.tz(), n)
    }

    /// How period number `n` is written, e.g. `2026-10`.
    pub fn label(&self, n: i64) -> String {
        period::label(self.period, n)
    }

    /// When the report for period number `n` is due: `due` counted in the report's calendar
    /// from the end of the period (`5 working days` is the close of the fifth working day that
    /// begins at or after it); `None` without `due` or past the calendar's horizon.
    pub fn due_for(&self, n: i64) -> Option<i64> {
        let (_, end) = self.bounds(n);
        match self.due? {
            Duration::Seconds(s) => self.calendar.add(end, s),
            Duration::WorkingDays(d) => self.calendar.add_working_days(end, d),
        }
    }
}

/// A notice of a forum, compiled.
#[derive(Debug, Clone)]
pub struct NoticeDef {
    /// How long before the forum it goes out.
    pub before: Duration,
    /// The role that sends it, with its members.
    pub from: Roles,
    /// The roles that receive it, with their members.
    pub to: Roles,
    /// What it says or carries.
    pub message: Option<String>,
}

/// A forum, compiled: when it is held in each period of its cadence, and its notices.
#[derive(Debug, Clone)]
pub struct ForumDef {
    /// The forum's id.
    pub id: Name,
    /// Its display name (the id without one).
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Meeting, communication or survey.
    pub kind: ForumKind,
    /// The cooperation level, e.g. `tactical`.
    pub level: Option<String>,
    /// How often it is held (none: held when needed, so never scheduled).
    pub cadence: Option<Period>,
    /// Its calendar: working days, opening times and the time zone of the cadence.
    pub calendar: Arc<BusinessCalendar>,
    /// The working day of each period it is held on (1 is the first).
    pub working_day: u32,
    /// The local time it starts, in seconds after midnight (none: the day's opening).
    pub time: Option<u32>,
    /// How long it lasts, in seconds of wall-clock time.
    pub duration: u64,
    /// The role that chairs it, with its members.
    pub chair: Roles,
    /// Its participants (provider's, then customer's), with their members.
    pub participants: Roles,
    /// The standard agenda: each item's title, with its description after ` - ` if it has one.
    pub agenda: Vec<String>,
    /// Its notices.
    pub notices: Vec<NoticeDef>,
}

impl ForumDef {
    /// The time zone of its cadence.
    pub fn tz(&self) -> Tz {
        self.calendar.tz()
    }

    /// When it is held in period number `n` of its cadence (start and end instants): on the
    /// `working_day`-th working day that begins in the period (the period's last working day if
    /// it has fewer), at `time` or the day's opening. `None` without a cadence, or if the
    /// period has no working day.
    pub fn occurrence(&self, n: i64) -> Option<(i64, i64)> {
        let cadence = self.cadence?;
        let tz = self.tz();
        let (from, to) = period::bounds_of_number(cadence, tz, n);
        // The local date of the k-th working day from the period's start, if it begins in the
        // period; a later k never does once one does not, so the last one is found by halving.
        let day_of = |k: u32| -> Option<chrono::NaiveDate> {
            let close = self.calendar.add_working_days(from, k)?;
            let (date, _) = period::local_time(tz, close.saturating_sub(1));
            let midnight = period::local_instant(tz, date, 0)?;
            (midnight < to).then_some(date)
        };
        let wanted = self.working_day.max(1);
        let day = match day_of(wanted) {
            Some(day) => day,
            None => {
                day_of(1)?;
                let (mut lo, mut hi) = (1, wanted - 1);
                while lo < hi {
                    let mid = lo + (hi - lo).div_ceil(2);
                    if day_of(mid).is_some() {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                day_of(lo)?
            }
        };
        let start = match self.time {
            Some(secs) => period::local_instant(tz, day, secs)?,
            None => self
                .calendar
                .next_open(period::local_instant(tz, day, 0)?)?,
        };
        let end = start.saturating_add(i64::try_from(self.duration).unwrap_or(3600));
        Some((start, end))
    }

    /// When `notice` goes out for a forum starting at `start`: whole days of `before` are
    /// calendar days back at the same local time, the rest wall-clock time; `N working days` is
    /// the opening of the N-th working day before the forum's day.
    pub fn notice_at(&self, notice: &NoticeDef, start: i64) -> Option<i64> {
        let tz = self.tz();
        let (date, secs) = period::local_time(tz, start);
        match notice.before {
            Duration::Seconds(s) => {
                let days = s / 86_400;
                let rest = i64::try_from(s % 86_400).ok()?;
                let day = date.checked_sub_days(chrono::Days::new(days))?;
                Some(period::local_instant(tz, day, secs)?.saturating_sub(rest))
            }
            Duration::WorkingDays(k) => {
                let mut day = date;
                let mut found = 0;
                // A year of dates is more than any notice needs.
                for _ in 0..400 {
                    day = day.pred_opt()?;
                    if let Some(open) = self.opening(day) {
                        found += 1;
                        if found >= k {
                            return Some(open);
                        }
                    }
                }
                None
            }
        }
    }

    /// The first opening on local date `day`, if it has working time.
    fn opening(&self, day: NaiveDate) -> Option<i64> {
        let tz = self.tz();
        let midnight = period::local_instant(tz, day, 0)?;
        let next = period::local_instant(tz, day.succ_opt()?, 0)?;
        self.calendar.next_open(midnight).filter(|t| *t < next)
    }

    /// The number of the first period whose `notice` goes out at or after `from`.
    pub fn first_notice_period(&self, notice: &NoticeDef, from: i64) -> Option<i64> {
        let cadence = self.cadence?;
        // Start well before `from`: a notice may go out several periods before its forum.
        let lead = match notice.before {
            Duration::Seconds(s) => i64::try_from(s).unwrap_or(i64::MAX / 4),
            Duration::WorkingDays(d) => i64::from(d) * 3 * 86_400 + 30 * 86_400,
        };
        let first = period::number(cadence, self.tz(), from) - 1;
        let earliest = period::number(cadence, self.tz(), from.saturating_sub(lead));
        let first = first.min(earliest - 1);
        (first..first.saturating_add(10_000)).find(|n| {
            self.occurrence(*n)
                .and_then(|(start, _)| self.notice_at(notice, start))
                .is_some_and(|at| at >= from)
        })
    }
}

/// A notice as it goes out for one meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    /// When it goes out.
    pub at: i64,
    /// The lead time as written, e.g. `7 days`.
    pub before: String,
    /// The roles that send it.
    pub from: Arc<[String]>,
    /// The roles that receive it.
    pub to: Arc<[String]>,
    /// Their members.
    pub recipients: Arc<[String]>,
    /// What it says.
    pub message: Option<String>,
}

/// One meeting of a forum, with its notices and agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// The forum's id.
    pub forum: Name,
    /// The forum's name.
    pub name: String,
    /// The period of the cadence it is held for, e.g. `2026-Q4`.
    pub period: String,
    /// When it starts.
    pub start: i64,
    /// When it ends.
    pub end: i64,
    /// Its notices, in the order the forum lists them.
    pub notices: Vec<Announcement>,
    /// Its agenda.
    pub agenda: Vec<String>,
}

/// Every meeting of the forums that starts in `[from, to)`, by start (then by the forums'
/// order), with the notices that announce it (which may go out before `from`). Forums without a
/// cadence are held when needed, so they have none.
pub fn schedule(forums: &[ForumDef], from: i64, to: i64) -> Vec<Meeting> {
    let mut out = Vec::new();
    for forum in forums {
        let Some(cadence) = forum.cadence else {
            continue;
        };
        let tz = forum.tz();
        // A meeting may fall in the period after the one it belongs to (see `occurrence`).
        let mut n = period::number(cadence, tz, from) - 1;
        let last = period::number(cadence, tz, to.saturating_sub(1));
        while n <= last {
            if let Some((start, end)) = forum.occurrence(n)
                && (from..to).contains(&start)
            {
                out.push(meeting(forum, cadence, n, start, end));
            }
            n += 1;
        }
    }
    out.sort_by_key(|m| m.start);
    out
}

/// Meeting `n` of `forum`, held from `start` to `end`.
pub fn meeting(forum: &ForumDef, cadence: Period, n: i64, start: i64, end: i64) -> Meeting {
    let notices = forum
        .notices
        .iter()
        .filter_map(|notice| {
            Some(Announcement {
                at: forum.notice_at(notice, start)?,
                before: notice.before.to_string(),
                from: Arc::clone(&notice.from.names),
                to: Arc::clone(&notice.to.names),
                recipients: Arc::clone(&notice.to.members),
                message: notice.message.clone(),
            })
        })
        .collect();
    Meeting {
        forum: Name::clone(&forum.id),
        name: forum.name.clone(),
        period: period::label(cadence, n),
        start,
        end,
        notices,
        agenda: forum.agenda.clone(),
    }
}

/// A report owed for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDue {
    /// The report's id.
    pub report: Name,
    /// The report's name.
    pub name: String,
    /// The period it covers, e.g. `2026-10`.
    pub period: String,
    /// The period's start.
    pub from: i64,
    /// The period's end, when the report becomes due.
    pub to: i64,
    /// When it is due.
    pub due: i64,
}

/// Every report with a `due` whose due time falls in `[from, to)`, by due time (then by the
/// reports' order).
pub fn report_dues(reports: &[ReportDef], from: i64, to: i64) -> Vec<ReportDue> {
    let mut out = Vec::new();
    for report in reports.iter().filter(|r| r.due.is_some()) {
        let tz = report.tz();
        // A report is due after its period: start with the period before `from`, and stop at
        // the period containing `to`.
        let mut n = period::number(report.period, tz, from) - 1;
        let last = period::number(report.period, tz, to.saturating_sub(1));
        while n <= last {
            let (start, end) = report.bounds(n);
            if let Some(due) = report.due_for(n)
                && (from..to).contains(&due)
            {
                out.push(ReportDue {
                    report: Name::clone(&report.id),
                    name: report.name.clone(),
                    period: report.label(n),
                    from: start,
                    to: end,
                    due,
                });
            }
            n += 1;
        }
    }
    out.sort_by_key(|r| r.due);
    out
}

fn item_text(item: &Item) -> String {
    match &item.description {
        Some(d) => format!(
            "{} - {}",
            item.title,
            d.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        None => item.title.clone(),
    }
}

/// Every report of the bundle, compiled, in document order; `matrices` gives the index of each
/// escalation matrix.
pub fn reports(cx: &Context<'_>, matrices: &HashMap<String, u32>) -> Vec<ReportDef> {
    cx.bundle
        .reports
        .iter()
        .map(|(id, entry)| {
            let r = &entry.value;
            ReportDef {
                id: id.as_str().into(),
                name: r.name.clone().unwrap_or_else(|| id.to_string()),
                period: r.period.value,
                calendar: cx.calendar(r.calendar.as_ref()),
                due: r.due.as_ref().map(|d| d.value),
                owner: cx.roles(r.owner.iter().map(|o| o.value.to_string()).collect()),
                recipients: cx.roles(r.recipients.iter().map(|o| o.value.to_string()).collect()),
                sections: r.sections.iter().map(|s| s.value.title.clone()).collect(),
                escalation: r
                    .escalation
                    .as_ref()
                    .and_then(|m| matrices.get(m.value.as_str()).copied()),
            }
        })
        .collect()
}

/// Every forum of the bundle that meets (templates do not), compiled, in document order.
pub fn forums(cx: &Context<'_>) -> Vec<ForumDef> {
    cx.bundle
        .forums
        .iter()
        .filter(|(_, entry)| !entry.value.template)
        .map(|(id, entry)| {
            let f = &entry.value;
            let held = f.held.clone().unwrap_or_default();
            let participants = f
                .provider
                .iter()
                .chain(&f.customer)
                .map(|r| r.value.to_string())
                .collect();
            ForumDef {
                id: id.as_str().into(),
                name: f.name.clone().unwrap_or_else(|| id.to_string()),
                description: f.description.clone(),
                kind: f.kind.unwrap_or(ForumKind::Meeting),
                level: f.level.clone(),
                cadence: f.cadence.as_ref().map(|c| c.value),
                calendar: cx.calendar(f.calendar.as_ref()),
                working_day: held.working_day.map_or(1, |d| d.value.get()),
                time: held.time.map(|t| t.value.0),
                duration: held
                    .duration
                    .and_then(|d| d.value.seconds())
                    .unwrap_or(3600),
                chair: cx.roles(f.chair.iter().map(|r| r.value.to_string()).collect()),
                participants: cx.roles(participants),
                agenda: f.agenda.iter().map(|i| item_text(&i.value)).collect(),
                notices: f
                    .notices
                    .iter()
                    .map(|n| NoticeDef {
                        before: n.value.before.value,
                        from: cx.roles(n.value.from.iter().map(|r| r.value.to_string()).collect()),
                        to: cx.roles(n.value.to.iter().map(|r| r.value.to_string()).collect()),
                        message: n.value.message.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}
