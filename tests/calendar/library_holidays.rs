//! The library's holiday calendars (`rules/calendars/`) are right for every year of the table in
//! `tests/fixtures/holidays/2026-2035.csv`, generated once by python-holidays (the command is in
//! `generate.py` beside it).
//!
//! Dates are compared, weekends included; names are not (the libraries word them differently).
//! Sweden's table includes python-holidays' `de_facto` category, which holds exactly the eves the
//! library treats as holidays (julafton, midsommarafton, nyårsafton), so the comparison is exact
//! both ways for every country.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use slaflow::calendar::{BusinessCalendar, Calendars};
use slaflow::diagnostic::Diagnostics;

use super::helpers::utc;
use crate::common::root;

/// The table's dates per country, and the years it spans.
fn table(path: &Path) -> (BTreeMap<String, BTreeSet<NaiveDate>>, (i32, i32)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut dates: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut fields = line.splitn(3, ',');
        let country = fields.next().unwrap().to_string();
        let date = NaiveDate::parse_from_str(fields.next().unwrap(), "%Y-%m-%d").unwrap();
        dates.entry(country).or_default().insert(date);
    }
    let all = dates.values().flatten();
    let first = all.clone().map(|d| d.year()).min().unwrap();
    let last = all.map(|d| d.year()).max().unwrap();
    (dates, (first, last))
}

fn library() -> Calendars {
    let (loaded, sources) = slaflow::load::load_bundle(&root().join("rules")).unwrap();
    let mut diagnostics = Diagnostics::new();
    let calendars = Calendars::compile(&loaded.bundle, &sources, &mut diagnostics);
    assert!(diagnostics.is_empty());
    calendars
}

fn holidays_in(calendar: &BusinessCalendar, (first, last): (i32, i32)) -> BTreeSet<NaiveDate> {
    calendar
        .holidays()
        .filter(|d| (first..=last).contains(&d.year()))
        .collect()
}

#[test]
fn library_holidays_match_an_independent_table_2026_to_2035() {
    let (expected, years) = table(&root().join("tests/fixtures/holidays/2026-2035.csv"));
    assert_eq!(years, (2026, 2035));
    let calendars = library();
    for (country, calendar) in [
        ("uk", "uk-office"),
        ("us", "us-eastern-office"),
        ("se", "se-office"),
    ] {
        let ours = holidays_in(calendars.get(calendar).unwrap(), years);
        let theirs = &expected[country];
        let missing: Vec<_> = theirs.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(theirs).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{calendar}: missing {missing:?}, not in the table {extra:?}"
        );
    }
}

#[test]
fn uk_office_five_working_days_from_2028_12_22_skip_christmas_boxing_day_and_new_year() {
    let calendars = library();
    let office = calendars.get("uk-office").unwrap();
    // Friday 22, Wednesday 27, Thursday 28, Friday 29 December, Tuesday 2 January.
    let due = office.add_working_days(utc("2028-12-22T09:00:00Z"), 5);
    assert_eq!(due, Some(utc("2029-01-02T17:30:00Z")));
}

#[test]
fn se_office_is_closed_on_national_day_and_midsummer_eve_2028() {
    let calendars = library();
    let office = calendars.get("se-office").unwrap();
    assert!(!office.is_open(utc("2028-06-06T10:00:00+02:00")));
    assert!(!office.is_open(utc("2028-06-23T10:00:00+02:00")));
    assert!(office.is_open(utc("2028-06-22T10:00:00+02:00")));
}
