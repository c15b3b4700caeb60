//! Imports real public-holiday feeds with RRULEs and checks known dates.
//!
//! Fixtures (copied verbatim, CRLF line endings as published) from the repository
//! `thunderbird/thunderbird-website`, the source of Mozilla Thunderbird's holiday calendars:
//! - `tests/fixtures/ics/UKHolidays.ics`     <- `media/caldata/UKHolidays.ics`
//!   (commit a19110f713efe18b26e930b310e67216d6abc5cc)
//! - `tests/fixtures/ics/USHolidays.ics`     <- `media/caldata/USHolidays.ics`
//!   (commit 60cde3a35ecfbdaef2e6d0c14d4b40fe079df556)
//! - `tests/fixtures/ics/SwedishHolidays.ics` <- `media/caldata/SwedishHolidays.ics`
//!   (commit ea2587cf7f34819c6e56db66ce2146e4672e7b01)

// Test code: helpers outside `#[test]` functions may panic on broken fixtures too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::helpers as support;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Europe::London;
use slaflow::calendar::{BusinessCalendar, Holiday, IcsError, parse_ics};
use support::{at, date, show_opt, weekdays};

const UK: &str = include_str!("../fixtures/ics/UKHolidays.ics");
const US: &str = include_str!("../fixtures/ics/USHolidays.ics");
const SE: &str = include_str!("../fixtures/ics/SwedishHolidays.ics");

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The `n`-th (`n < 0`: from the end) `wd` of month `m` of year `y`.
fn nth(y: i32, m: u32, wd: Weekday, n: i32) -> NaiveDate {
    let days: Vec<NaiveDate> = d(y, m, 1)
        .iter_days()
        .take_while(|x| x.month() == m)
        .filter(|x| x.weekday() == wd)
        .collect();
    if n > 0 {
        days[n as usize - 1]
    } else {
        days[days.len() - n.unsigned_abs() as usize]
    }
}

/// Dates that carry exactly the name `name`.
fn dates_named(holidays: &[Holiday], name: &str) -> Vec<NaiveDate> {
    holidays
        .iter()
        .filter(|h| h.name.as_deref() == Some(name))
        .map(|h| h.date)
        .collect()
}

/// Names on `date`.
fn names_on(holidays: &[Holiday], date: NaiveDate) -> Vec<&str> {
    holidays
        .iter()
        .filter(|h| h.date == date)
        .filter_map(|h| h.name.as_deref())
        .collect()
}

#[test]
fn uk_feed_known_dates() {
    let got = parse_ics(UK, d(2020, 1, 1), d(2035, 12, 31)).unwrap();
    // First Monday of May, 2021..=2030 (RRULE BYDAY=1MO;BYMONTH=5;UNTIL=20300531).
    let early_may: Vec<_> = (2021..=2030).map(|y| nth(y, 5, Weekday::Mon, 1)).collect();
    assert_eq!(dates_named(&got, "Early May Bank Holiday"), early_may);
    assert_eq!(early_may[5], d(2026, 5, 4));
    // Last Monday of May (BYDAY=-1MO).
    let spring: Vec<_> = (2021..=2030).map(|y| nth(y, 5, Weekday::Mon, -1)).collect();
    assert_eq!(dates_named(&got, "Spring Bank Holiday"), spring);
    // Summer: first Monday of August (Scotland) and last Monday of August (rest of the UK).
    let mut summer: Vec<_> = (2021..=2030)
        .flat_map(|y| [nth(y, 8, Weekday::Mon, 1), nth(y, 8, Weekday::Mon, -1)])
        .collect();
    summer.sort();
    assert_eq!(dates_named(&got, "Summer Bank Holiday"), summer);
    // Good Friday: the yearly master (2 April) is replaced every year by RECURRENCE-ID.
    let good_friday = dates_named(&got, "Good Friday");
    assert!(good_friday.contains(&d(2026, 4, 3)));
    assert!(!good_friday.contains(&d(2026, 4, 2)));
    assert_eq!(good_friday.len(), 10);
    assert_eq!(names_on(&got, d(2026, 4, 6)), vec!["Easter Monday"]);
    // Boxing Day 2026 (Saturday) moves to Monday 28 December.
    assert!(names_on(&got, d(2026, 12, 26)).is_empty());
    assert_eq!(
        names_on(&got, d(2026, 12, 28)),
        vec!["Boxing Day (substitute)"]
    );
    assert_eq!(names_on(&got, d(2026, 12, 25)), vec!["Christmas Day"]);
    // BYMONTHDAY=30;BYMONTH=11, and its substitute in 2025.
    assert_eq!(names_on(&got, d(2026, 11, 30)), vec!["St Andrew's Day"]);
    assert_eq!(
        names_on(&got, d(2025, 12, 1)),
        vec!["St Andrew's Day (substitute)"]
    );
    assert!(names_on(&got, d(2025, 11, 30)).is_empty());
    // UNTIL=20300131T000000Z on a DATE event still includes 2 January 2030.
    assert_eq!(names_on(&got, d(2030, 1, 2)), vec!["2nd January"]);
    // Nothing after the UNTILs; nothing before the DTSTARTs.
    assert_eq!(got.last().unwrap().date, d(2030, 12, 26));
    assert_eq!(got.first().unwrap().date, d(2021, 1, 1));
    // Window clipping.
    let y2026 = parse_ics(UK, d(2026, 1, 1), d(2026, 12, 31)).unwrap();
    let dates: Vec<String> = y2026
        .iter()
        .map(|h| h.date.format("%m-%d").to_string())
        .collect();
    assert_eq!(
        dates,
        [
            "01-01", "01-02", "03-17", "04-03", "04-06", "05-04", "05-25", "07-13", "08-03",
            "08-31", "11-30", "12-25", "12-28"
        ]
    );
}

#[test]
fn uk_feed_drives_a_calendar() {
    // All UK regions' days, January 2027: Fri 1 (New Year) and Mon 4 (2nd January substitute).
    let holidays = parse_ics(UK, d(2026, 1, 1), d(2027, 12, 31)).unwrap();
    let mut spec = weekdays(London, &[("09:00", "17:30")]);
    spec.holidays.extend(holidays.iter().map(|h| h.date));
    let cal = BusinessCalendar::new(spec);
    let start = at(London, "2027-01-01 00:00");
    assert_eq!(
        show_opt(London, cal.add_working_days(start, 5)),
        "2027-01-11 17:30 +00:00"
    );
    assert_eq!(
        show_opt(
            London,
            cal.add_working_days(at(London, "2026-12-01 00:00"), 5)
        ),
        "2026-12-07 17:30 +00:00"
    );
}

#[test]
fn us_feed_known_dates() {
    let got = parse_ics(US, d(2020, 1, 1), d(2035, 12, 31)).unwrap();
    // Fourth Thursday of November, COUNT=10 from 2021.
    let thanksgiving: Vec<_> = (2021..=2030).map(|y| nth(y, 11, Weekday::Thu, 4)).collect();
    assert_eq!(dates_named(&got, "Thanksgiving Day"), thanksgiving);
    assert_eq!(thanksgiving[5], d(2026, 11, 26));
    let memorial: Vec<_> = (2021..=2030).map(|y| nth(y, 5, Weekday::Mon, -1)).collect();
    assert_eq!(dates_named(&got, "Memorial Day"), memorial);
    let mlk: Vec<_> = (2021..=2030).map(|y| nth(y, 1, Weekday::Mon, 3)).collect();
    assert_eq!(dates_named(&got, "ML King Day"), mlk);
    let labor: Vec<_> = (2021..=2030).map(|y| nth(y, 9, Weekday::Mon, 1)).collect();
    assert_eq!(dates_named(&got, "Labor Day"), labor);
    // DTEND as a UTC date-time on the same date (20210101T050001Z) covers one day only.
    assert_eq!(names_on(&got, d(2026, 1, 1)), vec!["New Year's Day"]);
    assert!(names_on(&got, d(2026, 1, 2)).is_empty());
    assert_eq!(names_on(&got, d(2026, 7, 4)), vec!["Independence Day"]);
    // One-off events without RRULE.
    assert_eq!(names_on(&got, d(2021, 4, 2)), vec!["Good Friday"]);
    assert!(dates_named(&got, "Good Friday").len() == 1);
    // Summaries are read from the VEVENT, not from its nested VALARM.
    assert_eq!(
        names_on(&got, nth(2026, 3, Weekday::Sun, 2)),
        vec!["Daylight Saving Time begins today"]
    );
    assert!(got.iter().all(|h| h.date.year() <= 2030));
}

#[test]
fn swedish_feed_known_dates() {
    let got = parse_ics(SE, d(2020, 1, 1), d(2030, 12, 31)).unwrap();
    // Midsummer Eve: the Friday between 19 and 25 June.
    let eve = dates_named(&got, "Midsommarafton");
    let want: Vec<_> = (2020..=2030)
        .map(|y| {
            (19..=25)
                .map(|day| d(y, 6, day))
                .find(|x| x.weekday() == Weekday::Fri)
                .unwrap()
        })
        .collect();
    assert_eq!(eve, want);
    assert_eq!(names_on(&got, d(2026, 6, 19)), vec!["Midsommarafton"]);
    assert_eq!(names_on(&got, d(2026, 6, 20)), vec!["Midsommardagen"]);
    // All Saints' Day: the Saturday between 31 October and 6 November (two RRULEs).
    assert_eq!(names_on(&got, d(2026, 10, 31)), vec!["Alla helgons dag"]);
    assert_eq!(names_on(&got, d(2027, 11, 6)), vec!["Alla helgons dag"]);
    // DTSTART 2020-01-01 does not match those rules, so it is not an occurrence of them.
    assert_eq!(names_on(&got, d(2020, 1, 1)), vec!["Nyårsdagen"]);
    assert_eq!(names_on(&got, d(2026, 4, 3)), vec!["Långfredagen"]);
    assert_eq!(names_on(&got, d(2026, 12, 24)), vec!["Julafton"]);
    assert_eq!(names_on(&got, d(2029, 12, 31)), vec!["Nyårsafton"]);
}

#[test]
fn line_endings_do_not_matter() {
    for feed in [UK, US, SE] {
        assert!(feed.contains("\r\n"));
        let lf = feed.replace("\r\n", "\n");
        assert_eq!(
            parse_ics(feed, d(2020, 1, 1), d(2031, 1, 1)).unwrap(),
            parse_ics(&lf, d(2020, 1, 1), d(2031, 1, 1)).unwrap()
        );
    }
}

#[test]
fn errors_point_into_the_real_feed() {
    let rule = "RRULE:FREQ=YEARLY;UNTIL=20300531;BYDAY=1MO;BYMONTH=5";
    let line = UK.lines().position(|l| l.trim_end() == rule).unwrap() + 1;
    let broken = UK.replacen(rule, "RRULE:FREQ=YEARLY;BYWEEKNO=18", 1);
    let err = parse_ics(&broken, d(2026, 1, 1), d(2026, 12, 31)).unwrap_err();
    assert_eq!(err.line(), line);
    assert!(matches!(err, IcsError::Unsupported { .. }));
    assert_eq!(err.message(), "unsupported rrule part byweekno");
    assert_eq!(
        err.to_string(),
        format!("line {line}: unsupported rrule part byweekno")
    );

    let broken = UK.replacen(
        "DTSTART;VALUE=DATE:20210503",
        "DTSTART;VALUE=DATE:2021-05-03",
        1,
    );
    let err = parse_ics(&broken, d(2026, 1, 1), d(2026, 12, 31)).unwrap_err();
    assert_eq!(err.line(), line + 1);
    assert_eq!(err.message(), "invalid dtstart value \"2021-05-03\"");

    let truncated: String = UK.lines().take(300).map(|l| format!("{l}\n")).collect();
    let err = parse_ics(&truncated, d(2026, 1, 1), d(2026, 12, 31)).unwrap_err();
    assert!(err.message().ends_with("is never closed"), "{err}");
    assert!(!err.message().ends_with('.'));
}

#[test]
fn holidays_feed_round_trip_through_dates() {
    // Parsed dates are usable as CalendarSpec holidays directly.
    let got = parse_ics(UK, date("2026-01-01"), date("2026-12-31")).unwrap();
    let set: std::collections::BTreeSet<NaiveDate> = got.iter().map(|h| h.date).collect();
    assert!(set.contains(&date("2026-05-04")));
    assert!(set.contains(&date("2026-07-13")));
}
