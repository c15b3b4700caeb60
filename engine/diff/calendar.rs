//! Calendars in a diff: weekly hours day by day, holidays as dates (a calendar's own, its
//! holiday files' and those it inherits, so an edit to a library holiday list shows in every
//! calendar that inherits it), exceptions by date, and the working time that changes month by
//! month over the next 12 months, from the compiled calendars' `between`.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Months, NaiveDate, TimeZone};
use serde_json::Value;

use super::{Area, Changes, Side, What, WorkingTime, each, json};
use crate::calendar::{Calendars, parse_ics};
use crate::diagnostic::Diagnostics;
use crate::model::Bundle;
use crate::model::calendar::Calendar;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Compares the calendars of two bundles.
pub(super) fn calendars(old: Side<'_>, new: Side<'_>, out: &mut Changes) {
    each(&old.bundle.calendars, &new.bundle.calendars, |id, a, b| {
        let (Some(a), Some(b)) = (a, b) else {
            return out.presence(Area::Calendar, id, a.is_some());
        };
        out.values(
            Area::Calendar,
            id,
            "",
            &json(a),
            &json(b),
            &["hours", "holidays", "exceptions"],
        );
        for (day, (x, y)) in DAYS.iter().zip(week(a).into_iter().zip(week(b))) {
            if x != y {
                let hours = |list: Vec<String>| {
                    Value::String(if list.is_empty() {
                        "closed".into()
                    } else {
                        list.join(", ")
                    })
                };
                out.push(
                    Area::Calendar,
                    id,
                    What::Changed,
                    Some(format!("hours.{day}")),
                    Some(hours(x)),
                    Some(hours(y)),
                );
            }
        }
        let (x, y) = (holidays(old, id), holidays(new, id));
        for (date, name) in &x {
            if !y.contains_key(date) {
                out.push(
                    Area::Calendar,
                    id,
                    What::Removed,
                    Some("holiday".into()),
                    Some(holiday(date, name)),
                    None,
                );
            }
        }
        for (date, name) in &y {
            if !x.contains_key(date) {
                out.push(
                    Area::Calendar,
                    id,
                    What::Added,
                    Some("holiday".into()),
                    None,
                    Some(holiday(date, name)),
                );
            }
        }
        let exceptions = |c: &Calendar| -> BTreeMap<String, Value> {
            c.exceptions
                .iter()
                .map(|e| (e.value.date.to_string(), json(&e.value)))
                .collect()
        };
        let (x, y) = (exceptions(a), exceptions(b));
        for date in x.keys().chain(y.keys().filter(|d| !x.contains_key(*d))) {
            let (p, q) = (x.get(date), y.get(date));
            if p != q {
                let change = What::between(p.is_some(), q.is_some());
                out.push(
                    Area::Calendar,
                    id,
                    change,
                    Some(format!("exception {date}")),
                    p.cloned(),
                    q.cloned(),
                );
            }
        }
    });
}

/// The working intervals of each weekday, Monday first, as written (`08:00-17:00`).
fn week(calendar: &Calendar) -> [Vec<String>; 7] {
    match &calendar.hours {
        Some(hours) => hours
            .days()
            .map(|day| day.iter().map(|i| i.value.to_string()).collect()),
        None => Default::default(),
    }
}

fn holiday(date: &NaiveDate, name: &Option<String>) -> Value {
    Value::String(match name {
        Some(name) => format!("{date} {name}"),
        None => date.to_string(),
    })
}

/// The holidays a calendar observes: its own, its holiday files', and those of the calendars it
/// inherits from (transitively), by date, with a name when one is known.
fn holidays(side: Side<'_>, id: &str) -> BTreeMap<NaiveDate, Option<String>> {
    let mut dates = BTreeMap::new();
    let mut seen = HashSet::new();
    collect(side, id, &mut dates, &mut seen);
    dates
}

fn collect(
    side: Side<'_>,
    id: &str,
    dates: &mut BTreeMap<NaiveDate, Option<String>>,
    seen: &mut HashSet<String>,
) {
    if !seen.insert(id.to_string()) {
        return;
    }
    let Some(calendar) = side.bundle.calendars.get(id) else {
        return;
    };
    for h in &calendar.holidays {
        let name = dates.entry(h.value.date.0).or_insert(None);
        if name.is_none() {
            name.clone_from(&h.value.name);
        }
    }
    for file in &calendar.holiday_files {
        let text = side
            .bundle
            .attachments
            .get(&file.span)
            .and_then(|f| side.sources.file(*f))
            .map(|f| f.text());
        let (Some(text), Some(from), Some(to)) = (
            text,
            NaiveDate::from_ymd_opt(1970, 1, 1),
            NaiveDate::from_ymd_opt(2200, 12, 31),
        ) else {
            continue;
        };
        for h in parse_ics(text, from, to).unwrap_or_default() {
            let name = dates.entry(h.date).or_insert(None);
            if name.is_none() {
                *name = h.name;
            }
        }
    }
    for parent in &calendar.inherit {
        collect(side, parent.value.as_str(), dates, seen);
    }
}

/// Months whose working time differs, for every calendar with hours in both bundles: the
/// first month runs from `from` (local midnight) to the first of the next month, the last ends
/// 12 months after `from`.
pub(super) fn working_time(old: Side<'_>, new: Side<'_>, from: NaiveDate) -> Vec<WorkingTime> {
    let compile = |bundle: &Bundle, side: Side<'_>| {
        Calendars::compile(bundle, side.sources, &mut Diagnostics::default())
    };
    let (a, b) = (compile(old.bundle, old), compile(new.bundle, new));
    let mut out = Vec::new();
    for (id, _) in old.bundle.calendars.iter() {
        let id = id.as_str();
        let (Some(x), Some(y)) = (a.get(id), b.get(id)) else {
            continue;
        };
        for (month, start, end) in months(from) {
            let seconds = |c: &crate::calendar::BusinessCalendar| -> Option<u64> {
                let at = |d: NaiveDate| {
                    c.tz()
                        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                        .earliest()
                        .map(|t| t.timestamp())
                };
                Some(c.between(at(start)?, at(end)?))
            };
            let (Some(p), Some(q)) = (seconds(x), seconds(y)) else {
                continue;
            };
            if p != q {
                out.push(WorkingTime {
                    calendar: id.to_string(),
                    month: month.clone(),
                    old_seconds: p,
                    new_seconds: q,
                });
            }
        }
    }
    out
}

/// The 12 months from `from`: `(name, first day, first day after)`, the first starting at
/// `from` and the last ending on the same day 12 months later.
fn months(from: NaiveDate) -> Vec<(String, NaiveDate, NaiveDate)> {
    let end = from.checked_add_months(Months::new(12)).unwrap_or(from);
    let mut out = Vec::new();
    let mut start = from;
    while start < end {
        let next = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .map_or(end, |d| d.min(end));
        out.push((format!("{}", start.format("%Y-%m")), start, next));
        if next <= start {
            break;
        }
        start = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_from_a_mid_month_day_end_on_the_same_day_a_year_later() {
        let from = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
        let months = months(from);
        assert_eq!(months.len(), 13);
        assert_eq!(months[0].1, from);
        assert_eq!(months[0].2, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(months[12].0, "2027-10");
        assert_eq!(months[12].2, NaiveDate::from_ymd_opt(2027, 10, 15).unwrap());
    }
}
