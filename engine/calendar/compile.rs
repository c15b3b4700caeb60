//! From model calendars to [`BusinessCalendar`]s: time zones resolved, intervals checked,
//! holidays gathered from dates, iCalendar files and inherited calendars.
//!
//! Compiling is also the calendar validation pass: every problem is a diagnostic (E06xx) and a
//! calendar with problems is left out, so later passes only see calendars they can compute with.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::holidays::{Coverage, expand};
use super::{BusinessCalendar, CalendarSpec, FIRST_YEAR, LAST_YEAR, parse_ics};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, fuzzy};
use crate::model::calendar::Calendar;
use crate::model::{ALWAYS_OPEN, Bundle, Interval, Spanned};
use crate::source::{SourceMap, Span};

/// The compiled calendars of a bundle, by id, with the built-in `24x7`.
#[derive(Debug, Clone)]
pub struct Calendars {
    compiled: HashMap<String, Arc<BusinessCalendar>>,
    always_open: Arc<BusinessCalendar>,
    /// How far the holidays of each calendar (holiday lists too) reach, for those that have any.
    coverage: HashMap<String, Coverage>,
}

impl Default for Calendars {
    fn default() -> Calendars {
        Calendars {
            compiled: HashMap::new(),
            always_open: Arc::new(BusinessCalendar::always_open()),
            coverage: HashMap::new(),
        }
    }
}

impl Calendars {
    /// The calendar under `id` (`24x7` included), if it compiled.
    pub fn get(&self, id: &str) -> Option<&Arc<BusinessCalendar>> {
        if id == ALWAYS_OPEN {
            return Some(&self.always_open);
        }
        self.compiled.get(id)
    }

    /// The calendar under `id`, or `24x7` when no id is given.
    pub fn get_or_always(&self, id: Option<&str>) -> Option<&Arc<BusinessCalendar>> {
        self.get(id.unwrap_or(ALWAYS_OPEN))
    }

    /// How far the holidays of calendar `id` are known: `None` when it observes none (or does
    /// not exist, or its holidays could not be read).
    pub fn holidays_cover(&self, id: &str) -> Option<Coverage> {
        self.coverage.get(id).copied()
    }

    /// Compiles every calendar of the bundle, reporting problems.
    pub fn compile(
        bundle: &Bundle,
        sources: &SourceMap,
        diagnostics: &mut Diagnostics,
    ) -> Calendars {
        let mut calendars = Calendars::default();
        let mut holidays_of: HashMap<String, Option<Observed>> = HashMap::new();
        for (id, entry) in bundle.calendars.iter() {
            let holidays = holidays(
                bundle,
                sources,
                id.as_str(),
                &mut holidays_of,
                &mut Vec::new(),
                diagnostics,
            );
            if let Some(coverage) = holidays.as_ref().and_then(|h| h.coverage) {
                calendars.coverage.insert(id.as_str().to_string(), coverage);
            }
            let holidays = holidays.map(|h| h.dates);
            let calendar = &entry.value;
            let Some(hours) = &calendar.hours else {
                // A holiday list, for others to inherit: it counts no time, but a zone it names
                // must still exist.
                if let Some(name) = &calendar.timezone {
                    zone(name, diagnostics);
                }
                continue;
            };
            let Some(tz) = timezone(calendar, entry.id_span, diagnostics) else {
                continue;
            };
            let mut ok = true;
            let mut week: [Vec<(u32, u32)>; 7] = Default::default();
            for (slot, intervals) in week.iter_mut().zip(hours.days()) {
                match intervals_of(intervals, diagnostics) {
                    Some(list) => *slot = list,
                    None => ok = false,
                }
            }
            let mut exceptions = BTreeMap::new();
            for exception in &calendar.exceptions {
                match intervals_of(&exception.value.hours, diagnostics) {
                    Some(list) => {
                        exceptions.insert(exception.value.date.0, list);
                    }
                    None => ok = false,
                }
            }
            let Some(holidays) = holidays else { continue };
            if !ok {
                continue;
            }
            let compiled = BusinessCalendar::new(CalendarSpec {
                tz,
                week,
                holidays,
                exceptions,
            });
            if !compiled.has_working_time() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::NoWorkingTime,
                        entry.id_span,
                        format!("calendar `{id}` has no working time"),
                    )
                    .with_help(
                        "give `hours` for at least one weekday, e.g. `weekdays: [\"09:00-17:30\"]`",
                    ),
                );
                continue;
            }
            calendars
                .compiled
                .insert(id.as_str().to_string(), Arc::new(compiled));
        }
        used_without_hours(bundle, diagnostics);
        calendars
    }
}

fn timezone(calendar: &Calendar, id_span: Span, diagnostics: &mut Diagnostics) -> Option<Tz> {
    let Some(name) = &calendar.timezone else {
        diagnostics.push(
            Diagnostic::new(Code::MissingField, id_span, "missing field `timezone`")
                .with_help("a calendar with working hours needs an IANA time zone, e.g. `timezone: Europe/London`"),
        );
        return None;
    };
    zone(name, diagnostics)
}

/// The IANA zone `name` names, or an unknown-zone diagnostic with a "did you mean".
fn zone(name: &Spanned<String>, diagnostics: &mut Diagnostics) -> Option<Tz> {
    match Tz::from_str(name.value.trim()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
            diagnostics.push(
                Diagnostic::new(Code::UnknownTimezone, name.span, format!("unknown time zone `{}`", name.value))
                    .with_label("not in the IANA time zone database")
                    .with_help(
                        fuzzy::did_you_mean(name.value.trim(), names)
                            .unwrap_or_else(|| "use an IANA name such as `Europe/London`, `America/New_York` or `Europe/Stockholm`".into()),
                    ),
            );
            None
        }
    }
}

/// Checks one day's intervals: each closes after it opens, none overlap. Returns them sorted.
fn intervals_of(
    intervals: &[Spanned<Interval>],
    diagnostics: &mut Diagnostics,
) -> Option<Vec<(u32, u32)>> {
    let mut ok = true;
    let mut sorted: Vec<&Spanned<Interval>> = Vec::new();
    for interval in intervals {
        if interval.value.close <= interval.value.open {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidInterval,
                    interval.span,
                    format!("working interval `{}` closes before it opens", interval.value),
                )
                .with_help("a night shift is two intervals: `22:00-24:00` on one day and `00:00-06:00` on the next"),
            );
            ok = false;
        } else {
            sorted.push(interval);
        }
    }
    sorted.sort_by_key(|i| i.value.open);
    for pair in sorted.windows(2) {
        if let [a, b] = pair
            && b.value.open < a.value.close
        {
            diagnostics.push(
                Diagnostic::new(
                    Code::OverlappingIntervals,
                    b.span,
                    format!("working intervals `{}` and `{}` overlap", a.value, b.value),
                )
                .with_secondary(a.span, "overlaps this interval")
                .with_help(
                    "intervals of one day may touch (`09:00-12:00`, `12:00-17:00`) but not overlap",
                ),
            );
            ok = false;
        }
    }
    ok.then(|| {
        sorted
            .iter()
            .map(|i| (i.value.open.0, i.value.close.0))
            .collect()
    })
}

/// The holidays a calendar observes, and how far into the years they are known.
#[derive(Debug, Clone)]
struct Observed {
    dates: BTreeSet<NaiveDate>,
    coverage: Option<Coverage>,
}

/// The holidays a calendar observes: its own dates and rules, its iCalendar files, and those of
/// the calendars it inherits. `None` when a problem makes them unknown.
fn holidays(
    bundle: &Bundle,
    sources: &SourceMap,
    id: &str,
    memo: &mut HashMap<String, Option<Observed>>,
    stack: &mut Vec<String>,
    diagnostics: &mut Diagnostics,
) -> Option<Observed> {
    if let Some(done) = memo.get(id) {
        return done.clone();
    }
    let calendar = &bundle.calendars.get(id)?;
    let dated: BTreeSet<NaiveDate> = calendar.holidays.iter().map(|h| h.value.date.0).collect();
    let mut ok = rule_years_in_order(calendar, diagnostics);
    let mut coverage = Coverage::of_dates(&dated).max(Coverage::of_rules(
        calendar.holiday_rules.iter().map(|r| &r.value),
    ));
    // A year either side, for substitutes that cross a new year into the horizon.
    let years = FIRST_YEAR - 1..=LAST_YEAR + 1;
    let mut dates = expand(
        calendar.holiday_rules.iter().map(|r| &r.value),
        &dated,
        years,
    );
    for file in &calendar.holiday_files {
        match ics_dates(bundle, sources, file, diagnostics) {
            Some(found) => {
                coverage = coverage.max(Coverage::of_dates(&found));
                dates.extend(found);
            }
            None => ok = false,
        }
    }
    stack.push(id.to_string());
    for parent in &calendar.inherit {
        let parent_id = parent.value.as_str();
        if stack.iter().any(|s| s == parent_id) {
            let mut chain = stack.clone();
            chain.push(parent_id.to_string());
            diagnostics.push(
                Diagnostic::new(
                    Code::InheritCycle,
                    parent.span,
                    format!(
                        "calendars inherit from each other in a cycle: {}",
                        chain.join(" -> ")
                    ),
                )
                .with_help("a calendar cannot inherit its own holidays"),
            );
            ok = false;
            continue;
        }
        if parent_id == ALWAYS_OPEN || !bundle.calendars.defines(parent_id) {
            continue; // Unknown calendars are reported by the reference pass.
        }
        match holidays(bundle, sources, parent_id, memo, stack, diagnostics) {
            Some(inherited) => {
                coverage = coverage.max(inherited.coverage);
                dates.extend(inherited.dates);
            }
            None => ok = false,
        }
    }
    stack.pop();
    let result = ok.then_some(Observed { dates, coverage });
    memo.insert(id.to_string(), result.clone());
    result
}

/// Reports holiday rules whose first year is after their last; whether there are none.
fn rule_years_in_order(calendar: &Calendar, diagnostics: &mut Diagnostics) -> bool {
    let mut ok = true;
    for rule in &calendar.holiday_rules {
        let (Some(first), Some(last)) = (&rule.value.first_year, &rule.value.last_year) else {
            continue;
        };
        if first.value > last.value {
            diagnostics.push(
                Diagnostic::new(
                    Code::HolidayRuleYears,
                    last.span,
                    format!(
                        "holiday rule `{}` ends in {} before it starts in {}",
                        rule.value.on.value, last.value, first.value
                    ),
                )
                .with_label("before the first year")
                .with_secondary(first.span, "first year")
                .with_help("`first_year` and `last_year` are the first and last years the rule applies, both included"),
            );
            ok = false;
        }
    }
    ok
}

fn ics_dates(
    bundle: &Bundle,
    sources: &SourceMap,
    file: &Spanned<String>,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<NaiveDate>> {
    let attached = *bundle.attachments.get(&file.span)?;
    let text = sources.file(attached)?.text();
    let from = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let to = NaiveDate::from_ymd_opt(2200, 12, 31)?;
    match parse_ics(text, from, to) {
        Ok(holidays) => Some(holidays.into_iter().map(|h| h.date).collect()),
        Err(error) => {
            let offset = sources
                .file(attached)
                .and_then(|f| f.offset_of(error.line(), 1))
                .unwrap_or(0);
            diagnostics.push(
                Diagnostic::new(
                    Code::HolidayFile,
                    Span::new(attached, offset, offset + 1),
                    format!("holiday file `{}`: {}", file.value, error.message()),
                )
                .with_secondary(file.span, "named here"),
            );
            None
        }
    }
}

/// Reports calendars used for time arithmetic that have no weekly hours (holiday lists).
fn used_without_hours(bundle: &Bundle, diagnostics: &mut Diagnostics) {
    let mut check = |id: &Spanned<crate::model::CalendarId>| {
        if let Some(calendar) = bundle.calendars.get(id.value.as_str())
            && calendar.hours.is_none()
        {
            diagnostics.push(
                Diagnostic::new(
                    Code::NoWorkingTime,
                    id.span,
                    format!(
                        "calendar `{}` has no working hours to count time in",
                        id.value
                    ),
                )
                .with_help("it lists holidays only; use a calendar with `hours` that inherits it"),
            );
        }
    };
    for (_, p) in bundle.processes.iter() {
        p.value.calendar.iter().for_each(&mut check);
        for procedure in p.value.procedures.values() {
            for trigger in &procedure.triggers {
                trigger.value.calendar.iter().for_each(&mut check);
            }
            for step in procedure.steps.values() {
                step.calendar.iter().for_each(&mut check);
            }
        }
        for trigger in &p.value.triggers {
            trigger.value.calendar.iter().for_each(&mut check);
        }
    }
    for (_, a) in bundle.agreements.iter() {
        a.value.calendar.iter().for_each(&mut check);
        for target in a.value.targets.values() {
            target.calendar.iter().for_each(&mut check);
        }
    }
    for (_, m) in bundle.escalations.iter() {
        m.value.calendar.iter().for_each(&mut check);
    }
    for (_, r) in bundle.reports.iter() {
        r.value.calendar.iter().for_each(&mut check);
    }
    for (_, f) in bundle.forums.iter() {
        f.value.calendar.iter().for_each(&mut check);
    }
}
