//! Property tests over random calendars (split shifts, touching intervals, random holidays and
//! exceptions, zones Europe/London, America/New_York, Europe/Stockholm and UTC), and a
//! comparison against a brute-force reference that walks local dates with chrono-tz directly.

// Test code: helpers outside `#[test]` functions may panic on broken fixtures too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeDelta};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::select;
use slaflow::calendar::{BusinessCalendar, CalendarSpec};

/// Brute-force model: materialises every local date of a window by walking it with chrono-tz
/// and answers queries by scanning the merged spans one by one.
mod reference {
    use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};
    use chrono_tz::Tz;

    use slaflow::calendar::CalendarSpec;

    /// The offset (seconds east of UTC) in force at instant `u`.
    fn offset_at(tz: Tz, u: i64) -> i64 {
        let utc = DateTime::from_timestamp(u, 0).unwrap().naive_utc();
        i64::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
    }

    /// All instants whose local time in `tz` is `naive`, ascending.
    fn readings(tz: Tz, naive: NaiveDateTime) -> Vec<i64> {
        let local = naive.and_utc().timestamp();
        let mut out: Vec<i64> = [-36, -12, -3, 0, 3, 12, 36]
            .iter()
            .map(|h| offset_at(tz, local - h * 3600))
            .filter(|&o| offset_at(tz, local - o) == o)
            .map(|o| local - o)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Local date + seconds (0..=86400) to UTC: first reading; in a gap, the offset of the last
    /// valid minute before it.
    pub fn local_to_utc(tz: Tz, date: NaiveDate, secs: u32) -> i64 {
        let naive = date.and_hms_opt(0, 0, 0).unwrap() + TimeDelta::seconds(i64::from(secs));
        if let Some(&first) = readings(tz, naive).first() {
            return first;
        }
        let mut back = naive;
        loop {
            back -= TimeDelta::minutes(1);
            if let Some(&last) = readings(tz, back).last() {
                let offset = back.and_utc().timestamp() - last;
                return naive.and_utc().timestamp() - offset;
            }
        }
    }

    /// The model over local dates `[first, last]`.
    pub struct Reference {
        /// Merged spans.
        spans: Vec<(i64, i64)>,
        /// Working days (begin, close), by begin.
        days: Vec<(i64, i64)>,
        /// Instants up to which the model is complete.
        pub valid_until: i64,
    }

    impl Reference {
        pub fn new(spec: &CalendarSpec, first: NaiveDate, last: NaiveDate) -> Self {
            let mut raw = Vec::new();
            let mut days = Vec::new();
            for date in first.iter_days().take_while(|d| *d <= last) {
                let intervals: Vec<(u32, u32)> = match spec.exceptions.get(&date) {
                    Some(ex) => ex.clone(),
                    None if spec.holidays.contains(&date) => Vec::new(),
                    None => spec.week[date.weekday().num_days_from_monday() as usize].clone(),
                };
                let mut mapped = Vec::new();
                for (open, close) in intervals {
                    let close = close.min(86_400);
                    if open >= close {
                        continue;
                    }
                    let (a, b) = (
                        local_to_utc(spec.tz, date, open),
                        local_to_utc(spec.tz, date, close),
                    );
                    if a < b {
                        mapped.push((a, b));
                    }
                }
                if !mapped.is_empty() {
                    let begin = mapped.iter().map(|m| m.0).min().unwrap();
                    let close = mapped.iter().map(|m| m.1).max().unwrap();
                    days.push((begin, close));
                }
                raw.extend(mapped);
            }
            raw.sort();
            let mut spans: Vec<(i64, i64)> = Vec::new();
            for (a, b) in raw {
                match spans.last_mut() {
                    Some(last) if last.1 >= a => last.1 = last.1.max(b),
                    _ => spans.push((a, b)),
                }
            }
            days.sort();
            let valid_until = local_to_utc(spec.tz, last, 0) - 2 * 86_400;
            Self {
                spans,
                days,
                valid_until,
            }
        }

        pub fn is_open(&self, t: i64) -> bool {
            self.spans.iter().any(|&(a, b)| a <= t && t < b)
        }

        pub fn between(&self, s: i64, e: i64) -> u64 {
            self.spans
                .iter()
                .map(|&(a, b)| (b.min(e) - a.max(s)).max(0) as u64)
                .sum()
        }

        /// `None` when the answer lies beyond the model's window.
        pub fn add(&self, s: i64, d: u64) -> Option<i64> {
            let mut remaining = d;
            for &(a, b) in self.spans.iter().filter(|sp| sp.1 > s) {
                let from = a.max(s);
                if remaining == 0 {
                    return Some(from).filter(|&t| t < self.valid_until);
                }
                let len = (b - from) as u64;
                if len >= remaining {
                    return Some(from + remaining as i64).filter(|&t| t < self.valid_until);
                }
                remaining -= len;
            }
            None
        }

        pub fn add_working_days(&self, s: i64, n: u32) -> Option<i64> {
            if n == 0 {
                return self.add(s, 0);
            }
            self.days
                .iter()
                .filter(|d| d.0 >= s)
                .nth(n as usize - 1)
                .map(|d| d.1)
                .filter(|&t| t < self.valid_until)
        }
    }
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 15).unwrap()
}

fn ts(y: i32, m: u32, d: u32, h: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

/// An interval boundary, biased towards quarter hours and the 01:00-03:30 DST zone.
fn point() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => (0u32..=96).prop_map(|q| q * 900),
        2 => select(vec![0u32, 3_600, 5_400, 7_200, 9_000, 10_800, 12_600, 86_400]),
        1 => 0u32..=86_400,
    ]
}

/// One day's sorted, non-overlapping intervals: none, separate, or touching (split shifts).
fn day() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop_oneof![
        1 => Just(Vec::new()),
        1 => Just(vec![(32_400, 43_200), (46_800, 63_000)]),
        3 => prop::collection::vec(point(), 2..=6).prop_map(|mut p| {
            p.sort_unstable();
            p.dedup();
            p.chunks_exact(2).map(|c| (c[0], c[1])).collect()
        }),
        1 => prop::collection::vec(point(), 2..=4).prop_map(|mut p| {
            p.sort_unstable();
            p.dedup();
            p.windows(2).map(|w| (w[0], w[1])).collect()
        }),
    ]
}

fn zone() -> impl Strategy<Value = Tz> {
    select(vec![
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Europe::Stockholm,
        chrono_tz::UTC,
    ])
}

fn spec() -> impl Strategy<Value = CalendarSpec> {
    (
        zone(),
        proptest::array::uniform7(day()),
        prop::collection::vec(0i64..420, 0..30),
        prop::collection::vec((0i64..420, day()), 0..8),
    )
        .prop_map(|(tz, week, holidays, exceptions)| CalendarSpec {
            tz,
            week,
            holidays: holidays
                .into_iter()
                .map(|n| base() + TimeDelta::days(n))
                .collect::<BTreeSet<_>>(),
            exceptions: exceptions
                .into_iter()
                .map(|(n, iv)| (base() + TimeDelta::days(n), iv))
                .collect::<BTreeMap<_, _>>(),
        })
}

/// Instants over 2026, biased towards DST changes and the year end.
fn instant() -> impl Strategy<Value = i64> {
    let specials = vec![
        ts(2026, 3, 29, 1),  // London / Stockholm spring
        ts(2026, 10, 25, 1), // London / Stockholm autumn
        ts(2026, 3, 8, 7),   // New York spring
        ts(2026, 11, 1, 6),  // New York autumn
        ts(2027, 1, 1, 0),   // year end
    ];
    prop_oneof![
        3 => ts(2025, 12, 25, 0)..ts(2027, 1, 5, 0),
        2 => (select(specials), -3 * 86_400i64..3 * 86_400).prop_map(|(a, b)| a + b),
    ]
}

/// Working durations from seconds to weeks of working time.
fn duration() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        3 => 1u64..=7_200,
        3 => 1u64..=3 * 86_400,
        1 => 1u64..=40 * 86_400,
    ]
}

/// `a <= b` with `None` as +infinity.
fn le(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x <= y,
        (_, None) => true,
        (None, Some(_)) => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn add_lands_at_working_time_or_a_closing(spec in spec(), s in instant(), d in duration()) {
        let cal = BusinessCalendar::new(spec);
        match cal.add(s, d) {
            Some(r) if d > 0 => {
                prop_assert!(r > s);
                prop_assert_eq!(cal.between(s, r), d);
                prop_assert!(cal.is_open(r - 1), "r - 1 must be working time");
            }
            Some(r) => {
                prop_assert!(r >= s);
                prop_assert!(cal.is_open(r));
                prop_assert_eq!(cal.between(s, r), 0);
                prop_assert_eq!(cal.next_open(s), Some(r));
            }
            None => prop_assert!(d > 0 || !cal.is_open(s)),
        }
    }

    #[test]
    fn add_composes_and_is_monotone(
        spec in spec(),
        s1 in instant(),
        s2 in instant(),
        a in duration(),
        b in duration(),
    ) {
        let cal = BusinessCalendar::new(spec);
        let first = cal.add(s1, a);
        if b > 0 {
            prop_assert_eq!(first.and_then(|r| cal.add(r, b)), cal.add(s1, a + b));
        }
        prop_assert!(le(first, cal.add(s1, a + b)), "monotone in duration");
        let (lo, hi) = (s1.min(s2), s1.max(s2));
        prop_assert!(le(cal.add(lo, a), cal.add(hi, a)), "monotone in start");
        if let Some(r) = cal.add(s1, a) {
            prop_assert_eq!(cal.between(s1, r), a);
        }
    }

    #[test]
    fn between_is_additive(spec in spec(), a in instant(), b in instant(), c in instant()) {
        let cal = BusinessCalendar::new(spec);
        let mut v = [a, b, c];
        v.sort_unstable();
        let [a, b, c] = v;
        prop_assert_eq!(cal.between(a, b) + cal.between(b, c), cal.between(a, c));
        prop_assert!(cal.between(a, c) <= (c - a) as u64);
        prop_assert_eq!(cal.between(c, a), 0);
    }

    #[test]
    fn working_days_are_monotone_and_end_at_closings(
        spec in spec(),
        s1 in instant(),
        s2 in instant(),
        n in 0u32..30,
    ) {
        let cal = BusinessCalendar::new(spec);
        prop_assert_eq!(cal.add_working_days(s1, 0), cal.add(s1, 0));
        let r = cal.add_working_days(s1, n + 1);
        if let Some(r) = r {
            prop_assert!(r > s1);
            prop_assert!(cal.is_open(r - 1));
        }
        prop_assert!(le(cal.add_working_days(s1, n), r), "monotone in days");
        let (lo, hi) = (s1.min(s2), s1.max(s2));
        prop_assert!(le(cal.add_working_days(lo, n), cal.add_working_days(hi, n)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn matches_brute_force_reference(
        spec in spec(),
        s in instant(),
        t in instant(),
        d in duration(),
        n in 0u32..25,
    ) {
        let first = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        let model = reference::Reference::new(&spec, first, last);
        let cal = BusinessCalendar::new(spec);
        prop_assert_eq!(cal.is_open(s), model.is_open(s));
        prop_assert_eq!(cal.is_open(t), model.is_open(t));
        let (lo, hi) = (s.min(t), s.max(t));
        prop_assert_eq!(cal.between(lo, hi), model.between(lo, hi));
        if let Some(want) = model.add(s, d) {
            prop_assert_eq!(cal.add(s, d), Some(want));
        }
        if let Some(want) = model.add(t, 0) {
            prop_assert_eq!(cal.next_open(t), Some(want));
        }
        if let Some(want) = model.add_working_days(s, n) {
            prop_assert_eq!(cal.add_working_days(s, n), Some(want));
        }
    }
}

#[test]
fn reference_gap_rule_agrees_with_documented_examples() {
    let london = chrono_tz::Europe::London;
    let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
    // 01:30 does not exist: read as 01:30 GMT.
    assert_eq!(
        reference::local_to_utc(london, day, 5_400),
        ts(2026, 3, 29, 1) + 1_800
    );
    let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
    // 01:30 occurs twice: first is BST, 00:30Z.
    assert_eq!(
        reference::local_to_utc(london, autumn, 5_400),
        ts(2026, 10, 25, 0) + 1_800
    );
}
