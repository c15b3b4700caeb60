//! Readable table tests of the calendar semantics: DST changes in London, New York and
//! Stockholm, year ends, holidays, split and night shifts, zero durations, starts and due times
//! exactly at openings and closings, working-day offsets, exceptions, 24x7 and the horizon.

// Test code: helpers outside `#[test]` functions may panic on broken fixtures too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::helpers as support;

use chrono_tz::America::New_York;
use chrono_tz::Europe::{London, Stockholm};
use chrono_tz::Tz;
use slaflow::calendar::{BusinessCalendar, CalendarSpec, HORIZON_END, HORIZON_START};
use support::{at, date, dur, ivs, show, show_opt, weekdays};

/// England and Wales bank holidays 2026-2027 (gov.uk).
const ENGLAND: &[&str] = &[
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
];

fn with_england(mut spec: CalendarSpec) -> CalendarSpec {
    spec.holidays.extend(ENGLAND.iter().map(|d| date(d)));
    spec
}

/// Office hours 09:00-17:30 Monday to Friday in London, England holidays.
fn office() -> BusinessCalendar {
    BusinessCalendar::new(with_england(weekdays(London, &[("09:00", "17:30")])))
}

/// A calendar open only on Sundays during `pairs`.
fn sundays(tz: Tz, pairs: &[(&str, &str)]) -> BusinessCalendar {
    let mut spec = CalendarSpec::closed(tz);
    spec.week[6] = ivs(pairs);
    BusinessCalendar::new(spec)
}

/// Checks `add(start, d)` rows: (start, duration, expected due time), all local.
fn check_add(cal: &BusinessCalendar, rows: &[(&str, u64, &str)]) {
    let tz = cal.tz();
    for &(start, d, want) in rows {
        let got = show_opt(tz, cal.add(at(tz, start), d));
        assert_eq!(got, want, "add({start}, {d}s)");
    }
}

/// Checks `between(a, b)` rows: (a, b, expected seconds).
fn check_between(cal: &BusinessCalendar, rows: &[(&str, &str, u64)]) {
    let tz = cal.tz();
    for &(a, b, want) in rows {
        assert_eq!(cal.between(at(tz, a), at(tz, b)), want, "between({a}, {b})");
    }
}

/// Checks `add_working_days(start, n)` rows.
fn check_days(cal: &BusinessCalendar, rows: &[(&str, u32, &str)]) {
    let tz = cal.tz();
    for &(start, n, want) in rows {
        let got = show_opt(tz, cal.add_working_days(at(tz, start), n));
        assert_eq!(got, want, "add_working_days({start}, {n})");
    }
}

#[test]
fn office_hours_add() {
    check_add(
        &office(),
        &[
            // Friday before the spring change: the remainder lands on Monday in BST.
            ("2026-03-27 16:00", dur(2, 0), "2026-03-30 09:30 +01:00"),
            // A due time landing exactly at closing is that closing time.
            ("2026-03-27 16:00", dur(1, 30), "2026-03-27 17:30 +00:00"),
            ("2026-03-30 09:00", dur(8, 30), "2026-03-30 17:30 +01:00"),
            // Start exactly at closing starts at the next opening.
            ("2026-03-27 17:30", 0, "2026-03-30 09:00 +01:00"),
            ("2026-03-27 17:30", 60, "2026-03-30 09:01 +01:00"),
            // Start exactly at opening.
            ("2026-03-30 09:00", 0, "2026-03-30 09:00 +01:00"),
            ("2026-03-30 09:00", 1, "2026-03-30 09:00:01 +01:00"),
            // Zero durations: inside working time is the start, outside the next opening.
            ("2026-03-30 10:15", 0, "2026-03-30 10:15 +01:00"),
            ("2026-03-28 12:00", 0, "2026-03-30 09:00 +01:00"),
            // Year end: Thu 31 Dec, Fri 1 Jan is a holiday.
            ("2026-12-31 17:00", dur(1, 0), "2027-01-04 09:30 +00:00"),
            // Christmas and the Boxing Day substitute (Mon 28 Dec).
            ("2026-12-24 17:00", dur(1, 0), "2026-12-29 09:30 +00:00"),
            // Easter: Good Friday and Easter Monday.
            ("2026-04-02 17:00", dur(1, 0), "2026-04-07 09:30 +01:00"),
            // 90 working days of 8.5 h from Monday 5 Jan: 3 holidays on the way.
            (
                "2026-01-05 09:00",
                90 * dur(8, 30),
                "2026-05-13 17:30 +01:00",
            ),
        ],
    );
}

#[test]
fn office_hours_between() {
    check_between(
        &office(),
        &[
            ("2026-03-23 00:00", "2026-03-30 00:00", 5 * dur(8, 30)),
            ("2026-03-23 00:00", "2026-04-06 00:00", 9 * dur(8, 30)),
            ("2026-03-30 10:00", "2026-03-30 10:00", 0),
            ("2026-03-30 11:00", "2026-03-30 10:00", 0),
            ("2026-03-27 17:00", "2026-03-30 09:30", dur(1, 0)),
            ("2026-12-31 00:00", "2027-01-05 00:00", 2 * dur(8, 30)),
        ],
    );
}

#[test]
fn working_day_offsets() {
    let cal = office();
    check_days(
        &cal,
        &[
            // Start mid-day: that day does not count.
            ("2026-03-23 10:00", 5, "2026-03-30 17:30 +01:00"),
            // Start before the first opening: that day counts.
            ("2026-03-23 08:00", 5, "2026-03-27 17:30 +00:00"),
            ("2026-03-23 09:00", 1, "2026-03-23 17:30 +00:00"),
            ("2026-03-23 09:01", 1, "2026-03-24 17:30 +00:00"),
            // Within five working days from the start of the month.
            ("2026-11-01 00:00", 5, "2026-11-06 17:30 +00:00"),
            ("2026-12-01 00:00", 5, "2026-12-07 17:30 +00:00"),
            // Over Christmas and New Year.
            ("2026-12-24 00:00", 5, "2027-01-04 17:30 +00:00"),
            ("2026-01-05 09:00", 90, "2026-05-13 17:30 +01:00"),
            // Zero days is add(start, 0).
            ("2026-03-23 10:00", 0, "2026-03-23 10:00 +00:00"),
            ("2026-03-28 10:00", 0, "2026-03-30 09:00 +01:00"),
        ],
    );
}

#[test]
fn split_shift() {
    let cal = BusinessCalendar::new(weekdays(London, &[("09:00", "12:00"), ("13:00", "17:30")]));
    check_add(
        &cal,
        &[
            ("2026-06-01 11:30", dur(1, 0), "2026-06-01 13:30 +01:00"),
            ("2026-06-01 11:00", dur(1, 0), "2026-06-01 12:00 +01:00"),
            ("2026-06-01 12:00", 0, "2026-06-01 13:00 +01:00"),
            ("2026-06-01 12:30", 0, "2026-06-01 13:00 +01:00"),
            ("2026-06-01 12:30", 60, "2026-06-01 13:01 +01:00"),
            ("2026-06-01 17:30", 60, "2026-06-02 09:01 +01:00"),
        ],
    );
    check_between(
        &cal,
        &[
            ("2026-06-01 08:00", "2026-06-01 18:00", dur(7, 30)),
            ("2026-06-01 11:00", "2026-06-01 14:00", dur(2, 0)),
        ],
    );
    check_days(&cal, &[("2026-06-01 12:30", 1, "2026-06-02 17:30 +01:00")]);
    let t = |s| at(London, s);
    assert!(cal.is_open(t("2026-06-01 11:59")));
    assert!(!cal.is_open(t("2026-06-01 12:00")));
    assert!(cal.is_open(t("2026-06-01 13:00")));
}

/// Nights Monday to Friday, 22:00 to 06:00 the next morning, in Stockholm.
fn night_shift() -> BusinessCalendar {
    let mut spec = CalendarSpec::closed(Stockholm);
    spec.week[0] = ivs(&[("22:00", "24:00")]);
    for day in 1..=4 {
        spec.week[day] = ivs(&[("00:00", "06:00"), ("22:00", "24:00")]);
    }
    spec.week[5] = ivs(&[("00:00", "06:00")]);
    BusinessCalendar::new(spec)
}

#[test]
fn night_shift_across_midnight() {
    let cal = night_shift();
    check_add(
        &cal,
        &[
            ("2026-06-01 23:00", dur(2, 0), "2026-06-02 01:00 +02:00"),
            ("2026-06-01 22:00", dur(8, 0), "2026-06-02 06:00 +02:00"),
            ("2026-06-06 05:00", dur(2, 0), "2026-06-08 23:00 +02:00"),
            // Across the year end: Thu 31 Dec 22:00 to Fri 1 Jan 06:00 is one span.
            ("2026-12-31 23:30", dur(1, 0), "2027-01-01 00:30 +01:00"),
            // ... and through the UTC year boundary (01:00 local) inside the span.
            ("2026-12-31 23:30", dur(2, 0), "2027-01-01 01:30 +01:00"),
            ("2026-12-31 22:00", dur(3, 0), "2027-01-01 01:00 +01:00"),
        ],
    );
    check_between(
        &cal,
        &[
            ("2026-06-01 21:00", "2026-06-02 07:00", dur(8, 0)),
            ("2026-12-31 21:00", "2027-01-01 12:00", dur(8, 0)),
            ("2026-12-31 23:30", "2027-01-01 01:30", dur(2, 0)),
        ],
    );
    assert!(cal.is_open(at(Stockholm, "2027-01-01 01:00")));
    let t = |s| at(Stockholm, s);
    assert!(cal.is_open(t("2026-06-02 00:00")));
    assert!(cal.is_open(t("2026-06-01 23:59")));
    assert!(!cal.is_open(t("2026-06-01 21:59")));
    // Monday's only interval closes at 24:00; Tuesday begins at 00:00.
    check_days(
        &cal,
        &[
            ("2026-06-01 22:00", 1, "2026-06-02 00:00 +02:00"),
            ("2026-06-01 22:30", 1, "2026-06-03 00:00 +02:00"),
        ],
    );
}

#[test]
fn dst_whole_days_are_23_and_25_hours() {
    let mut spec = CalendarSpec::closed(London);
    spec.week = std::array::from_fn(|_| ivs(&[("00:00", "24:00")]));
    let cal = BusinessCalendar::new(spec);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", dur(23, 0)),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(25, 0)),
            ("2026-03-22 00:00", "2026-03-23 00:00", dur(24, 0)),
        ],
    );
    check_add(
        &cal,
        &[
            ("2026-03-28 12:00", dur(24, 0), "2026-03-29 13:00 +01:00"),
            ("2026-10-24 12:00", dur(24, 0), "2026-10-25 11:00 +00:00"),
        ],
    );
    check_days(&cal, &[("2026-03-29 00:00", 1, "2026-03-30 00:00 +01:00")]);
}

#[test]
fn dst_london_intervals_touching_the_change() {
    // 00:30-02:30: spring 00:30 GMT..02:30 BST = 1 h; autumn 00:30 BST..02:30 GMT = 3 h.
    let cal = sundays(London, &[("00:30", "02:30")]);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", dur(1, 0)),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(3, 0)),
            ("2026-03-22 00:00", "2026-03-23 00:00", dur(2, 0)),
        ],
    );
    check_add(
        &cal,
        &[
            ("2026-03-29 00:00", dur(0, 30), "2026-03-29 02:00 +01:00"),
            ("2026-03-29 00:00", dur(1, 0), "2026-03-29 02:30 +01:00"),
            // The second 01:30 of the autumn night is reached after 2 h.
            ("2026-10-25 00:00", dur(2, 0), "2026-10-25 01:30 +00:00"),
        ],
    );
    // 01:30-02:30 in spring: 01:30 does not exist and moves to 02:30: empty that day.
    let cal = sundays(London, &[("01:30", "02:30")]);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", 0),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(2, 0)),
        ],
    );
    check_add(&cal, &[("2026-03-29 00:00", 0, "2026-04-05 01:30 +01:00")]);
    // 01:00-02:00 is exactly the spring gap.
    let cal = sundays(London, &[("01:00", "02:00")]);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", 0),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(2, 0)),
        ],
    );
}

#[test]
fn dst_new_york_intervals_touching_the_change() {
    // Spring 2026-03-08 02:00 EST -> 03:00 EDT; autumn 2026-11-01 02:00 EDT -> 01:00 EST.
    let cal = sundays(New_York, &[("01:00", "03:00")]);
    check_between(
        &cal,
        &[
            ("2026-03-08 00:00", "2026-03-09 00:00", dur(1, 0)),
            ("2026-11-01 00:00", "2026-11-02 00:00", dur(3, 0)),
        ],
    );
    check_add(
        &cal,
        &[
            ("2026-03-08 00:00", dur(0, 59), "2026-03-08 01:59 -05:00"),
            ("2026-03-08 00:00", dur(1, 0), "2026-03-08 03:00 -04:00"),
            ("2026-11-01 00:00", dur(1, 30), "2026-11-01 01:30 -05:00"),
        ],
    );
    let cal = sundays(New_York, &[("02:30", "04:00")]);
    check_between(
        &cal,
        &[("2026-03-08 00:00", "2026-03-09 00:00", dur(0, 30))],
    );
    check_add(&cal, &[("2026-03-08 00:00", 0, "2026-03-08 03:30 -04:00")]);
    let cal = sundays(New_York, &[("01:30", "02:30")]);
    check_between(&cal, &[("2026-11-01 00:00", "2026-11-02 00:00", dur(2, 0))]);
}

#[test]
fn dst_stockholm_intervals_touching_the_change() {
    // Spring 2026-03-29 02:00 CET -> 03:00 CEST; autumn 2026-10-25 03:00 CEST -> 02:00 CET.
    let cal = sundays(Stockholm, &[("02:00", "03:00")]);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", 0),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(2, 0)),
        ],
    );
    let cal = sundays(Stockholm, &[("01:00", "03:30")]);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", dur(1, 30)),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(3, 30)),
        ],
    );
    let cal = sundays(Stockholm, &[("02:30", "04:00")]);
    check_between(
        &cal,
        &[
            ("2026-03-29 00:00", "2026-03-30 00:00", dur(0, 30)),
            ("2026-10-25 00:00", "2026-10-26 00:00", dur(2, 30)),
        ],
    );
    check_add(
        &cal,
        &[
            ("2026-03-29 00:00", 0, "2026-03-29 03:30 +02:00"),
            ("2026-10-25 00:00", 0, "2026-10-25 02:30 +02:00"),
            ("2026-10-25 00:00", dur(1, 0), "2026-10-25 02:30 +01:00"),
        ],
    );
}

#[test]
fn holiday_on_a_weekend() {
    // Boxing Day 2026 is a Saturday: no effect on a Monday-Friday calendar.
    let plain = office();
    let mut spec = with_england(weekdays(London, &[("09:00", "17:30")]));
    spec.holidays.insert(date("2026-12-26"));
    let with_sat = BusinessCalendar::new(spec.clone());
    let (a, b) = (
        at(London, "2026-12-21 00:00"),
        at(London, "2027-01-11 00:00"),
    );
    assert_eq!(plain.between(a, b), with_sat.between(a, b));
    // With Saturday mornings, the Saturday holiday removes the morning.
    spec.week[5] = ivs(&[("09:00", "13:00")]);
    let cal = BusinessCalendar::new(spec.clone());
    check_add(
        &cal,
        &[("2026-12-24 17:30", dur(1, 0), "2026-12-29 10:00 +00:00")],
    );
    spec.holidays.remove(&date("2026-12-26"));
    let cal = BusinessCalendar::new(spec);
    check_add(
        &cal,
        &[("2026-12-24 17:30", dur(1, 0), "2026-12-26 10:00 +00:00")],
    );
}

#[test]
fn exceptions() {
    let mut spec = with_england(weekdays(London, &[("09:00", "17:30")]));
    spec.exceptions
        .insert(date("2026-12-24"), ivs(&[("09:00", "13:00")])); // half day
    spec.exceptions
        .insert(date("2026-11-14"), ivs(&[("10:00", "14:00")])); // extra Saturday
    spec.exceptions.insert(date("2026-11-18"), Vec::new()); // closure
    spec.exceptions
        .insert(date("2026-12-28"), ivs(&[("09:00", "12:00")])); // beats holiday
    let cal = BusinessCalendar::new(spec);
    check_between(&cal, &[("2026-12-24 00:00", "2026-12-25 00:00", dur(4, 0))]);
    check_add(
        &cal,
        &[
            ("2026-12-24 12:00", dur(2, 0), "2026-12-28 10:00 +00:00"),
            ("2026-11-13 17:00", dur(1, 0), "2026-11-14 10:30 +00:00"),
            ("2026-11-17 17:00", dur(1, 0), "2026-11-19 09:30 +00:00"),
        ],
    );
    check_days(
        &cal,
        &[
            ("2026-11-13 10:00", 1, "2026-11-14 14:00 +00:00"),
            ("2026-11-17 10:00", 1, "2026-11-19 17:30 +00:00"),
            ("2026-12-24 00:00", 2, "2026-12-28 12:00 +00:00"),
        ],
    );
    assert!(cal.is_open(at(London, "2026-12-28 10:00")));
    assert!(!cal.is_open(at(London, "2026-12-28 13:00")));
}

#[test]
fn twenty_four_seven() {
    let cal = BusinessCalendar::always_open();
    let utc = chrono_tz::UTC;
    let t = at(utc, "2026-06-01 10:00");
    for d in [0, 1, 59, 3_600, 86_400 * 400] {
        assert_eq!(cal.add(t, d), Some(t + d as i64));
        assert_eq!(cal.between(t, t + d as i64), d);
    }
    check_add(
        &cal,
        &[("2026-12-31 23:59", 120, "2027-01-01 00:01 +00:00")],
    );
    check_days(
        &cal,
        &[
            ("2026-06-01 10:00", 1, "2026-06-03 00:00 +00:00"),
            ("2026-06-01 00:00", 1, "2026-06-02 00:00 +00:00"),
            ("2026-06-01 00:00", 0, "2026-06-01 00:00 +00:00"),
        ],
    );
    assert!(cal.is_open(t));
    assert_eq!(cal.next_open(t), Some(t));
}

#[test]
fn horizon_and_extreme_inputs_never_panic() {
    let open = BusinessCalendar::always_open();
    assert_eq!(open.add(HORIZON_END - 1, 1), Some(HORIZON_END));
    assert_eq!(open.add(HORIZON_END - 1, 2), None);
    assert_eq!(open.between(i64::MIN, i64::MAX), HORIZON_END.unsigned_abs());
    assert_eq!(open.next_open(i64::MIN), Some(HORIZON_START));
    assert_eq!(open.add(i64::MIN, 5), Some(5));
    let cal = office();
    for t in [i64::MIN, -1, 0, HORIZON_END - 1, HORIZON_END, i64::MAX] {
        let _ = cal.is_open(t);
        let _ = cal.next_open(t);
        for d in [0, 1, u64::MAX] {
            let _ = cal.add(t, d);
        }
        for n in [0, 1, u32::MAX] {
            let _ = cal.add_working_days(t, n);
        }
        let _ = cal.between(t, i64::MAX);
        let _ = cal.between(i64::MIN, t);
    }
    assert_eq!(cal.add(i64::MAX, 1), None);
    assert_eq!(cal.add(0, u64::MAX), None);
    assert_eq!(cal.add_working_days(0, u32::MAX), None);
    assert!(!cal.is_open(i64::MIN));
    // 1970-01-01 was a Thursday (and not an English holiday then): opens 09:00 BST (UTC+1).
    assert_eq!(
        show(London, cal.next_open(i64::MIN).unwrap()),
        "1970-01-01 09:00 +01:00"
    );
    // Malformed intervals are ignored rather than panicking.
    let mut spec = CalendarSpec::closed(London);
    spec.week[0] = vec![(50_000, 40_000), (0, 200_000), (86_400, 86_400)];
    let cal = BusinessCalendar::new(spec);
    assert!(cal.has_working_time());
    check_between(
        &cal,
        &[("2026-06-01 00:00", "2026-06-02 00:00", dur(24, 0))],
    );
}

#[test]
fn has_working_time() {
    assert!(office().has_working_time());
    assert!(BusinessCalendar::always_open().has_working_time());
    let mut spec = CalendarSpec::closed(London);
    assert!(!BusinessCalendar::new(spec.clone()).has_working_time());
    spec.exceptions
        .insert(date("2100-02-03"), ivs(&[("10:00", "11:00")]));
    let cal = BusinessCalendar::new(spec.clone());
    assert!(cal.has_working_time());
    assert_eq!(show_opt(London, cal.add(0, 60)), "2100-02-03 10:01 +00:00");
    spec.exceptions.clear();
    spec.exceptions
        .insert(date("2300-02-03"), ivs(&[("10:00", "11:00")]));
    assert!(!BusinessCalendar::new(spec).has_working_time());
}

#[test]
fn shared_across_threads() {
    let cal = std::sync::Arc::new(office());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let cal = std::sync::Arc::clone(&cal);
            std::thread::spawn(move || {
                let start = at(London, "2026-01-05 09:00") + i * 86_400 * 40;
                cal.add(start, 90 * dur(8, 30))
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.iter().all(Option::is_some));
    assert_eq!(
        show_opt(London, results[0]),
        "2026-05-13 17:30 +01:00".to_owned()
    );
}
