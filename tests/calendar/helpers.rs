//! Helpers shared by the integration tests: building specs from readable `HH:MM` strings and
//! converting between instants and readable local times.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use slaflow::calendar::{BusinessCalendar, CalendarSpec};

/// `"09:30"` -> seconds after midnight; `"24:00"` -> 86 400.
pub fn hm(s: &str) -> u32 {
    let (h, m) = s.split_once(':').unwrap();
    h.parse::<u32>().unwrap() * 3600 + m.parse::<u32>().unwrap() * 60
}

/// Intervals from `("09:00", "17:30")` pairs.
pub fn ivs(pairs: &[(&str, &str)]) -> Vec<(u32, u32)> {
    pairs.iter().map(|(a, b)| (hm(a), hm(b))).collect()
}

/// A spec in `tz` with the same intervals Monday to Friday.
pub fn weekdays(tz: Tz, pairs: &[(&str, &str)]) -> CalendarSpec {
    let mut spec = CalendarSpec::closed(tz);
    for day in spec.week.iter_mut().take(5) {
        *day = ivs(pairs);
    }
    spec
}

/// `"2026-03-27"`.
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A local time `"2026-03-27 16:00"` (first occurrence if ambiguous) or one with an explicit
/// offset `"2026-10-25 01:30 +00:00"`, as an instant.
pub fn at(tz: Tz, s: &str) -> i64 {
    if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M %:z") {
        return dt.timestamp();
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .unwrap_or_else(|e| panic!("bad local time {s:?}: {e}"));
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .timestamp()
}

/// An instant as a readable local time with offset: `"2026-03-30 10:00 +01:00"`
/// (seconds shown only when non-zero).
pub fn show(tz: Tz, t: i64) -> String {
    let dt = DateTime::from_timestamp(t, 0).unwrap().with_timezone(&tz);
    if t % 60 == 0 {
        dt.format("%Y-%m-%d %H:%M %:z").to_string()
    } else {
        dt.format("%Y-%m-%d %H:%M:%S %:z").to_string()
    }
}

/// [`show`] for an optional instant.
pub fn show_opt(tz: Tz, t: Option<i64>) -> String {
    t.map_or_else(|| "none".to_owned(), |t| show(tz, t))
}

/// A compiled calendar from a spec.
pub fn compile(spec: CalendarSpec) -> BusinessCalendar {
    BusinessCalendar::new(spec)
}

/// `"1h30m"`-style durations: hours and minutes.
pub fn dur(h: u64, m: u64) -> u64 {
    h * 3600 + m * 60
}

/// An RFC 3339 instant, `"2026-12-28T08:30:00Z"`, as seconds.
pub fn utc(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text).unwrap().timestamp()
}
