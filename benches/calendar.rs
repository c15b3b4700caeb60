//! Criterion benchmarks of the business-time arithmetic on a realistic calendar: Europe/London,
//! split shifts Monday to Friday 08:00-12:00 and 13:00-17:30, Saturday 09:00-13:00, the 2026
//! UK holidays imported from the Thunderbird feed, and a few exceptions. Starts are spread over
//! 2026; durations range from a minute to 90 working days. Warm benchmarks run on materialised
//! years; cold ones include the first-touch materialisation of a year.

// Benchmark setup may panic on a broken fixture.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::London;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use slaflow::calendar::{BusinessCalendar, CalendarSpec, parse_ics};

const UK: &str = include_str!("../tests/fixtures/ics/UKHolidays.ics");
const INPUTS: usize = 4_096;
const WORKING_DAY: u64 = 8 * 3_600 + 30 * 60;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn spec() -> CalendarSpec {
    let mut spec = CalendarSpec::closed(London);
    for day in spec.week.iter_mut().take(5) {
        *day = vec![(8 * 3_600, 12 * 3_600), (13 * 3_600, 17 * 3_600 + 1_800)];
    }
    spec.week[5] = vec![(9 * 3_600, 13 * 3_600)];
    let holidays = parse_ics(UK, date(2026, 1, 1), date(2026, 12, 31)).unwrap();
    spec.holidays.extend(holidays.iter().map(|h| h.date));
    spec.exceptions
        .insert(date(2026, 12, 24), vec![(8 * 3_600, 12 * 3_600)]);
    spec.exceptions
        .insert(date(2026, 12, 31), vec![(8 * 3_600, 12 * 3_600)]);
    spec.exceptions
        .insert(date(2026, 6, 14), vec![(10 * 3_600, 16 * 3_600)]);
    spec.exceptions.insert(date(2026, 8, 14), Vec::new());
    spec
}

/// Deterministic pseudo-random numbers (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Starts spread uniformly over 2026.
fn starts(rng: &mut Lcg) -> Vec<i64> {
    let begin = London
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    (0..INPUTS)
        .map(|_| begin + rng.below(365 * 86_400) as i64)
        .collect()
}

/// Durations log-uniform between one minute and 90 working days of 8.5 h.
fn durations(rng: &mut Lcg) -> Vec<u64> {
    let (lo, hi) = (60f64.ln(), ((90 * WORKING_DAY) as f64).ln());
    (0..INPUTS)
        .map(|_| {
            let x = rng.below(1 << 20) as f64 / f64::from(1 << 20);
            (lo + x * (hi - lo)).exp() as u64
        })
        .collect()
}

fn warm(c: &mut Criterion) {
    let cal = BusinessCalendar::new(spec());
    let mut rng = Lcg(42);
    let s = starts(&mut rng);
    let d = durations(&mut rng);
    let ends: Vec<i64> = s
        .iter()
        .map(|&a| a + rng.below(120 * 86_400) as i64)
        .collect();
    let days: Vec<u32> = (0..INPUTS).map(|_| 1 + rng.below(90) as u32).collect();
    // Materialise every year the inputs touch.
    for i in 0..INPUTS {
        black_box(cal.add(s[i], d[i]));
        black_box(cal.add_working_days(s[i], days[i]));
        black_box(cal.between(s[i], ends[i]));
    }
    let mask = INPUTS - 1;

    let mut group = c.benchmark_group("warm");
    let mut i = 0;
    group.bench_function("add/mixed_1min_to_90days", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.add(black_box(s[i]), black_box(d[i]))
        })
    });
    let mut i = 0;
    group.bench_function("add/5min", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.add(black_box(s[i]), black_box(300))
        })
    });
    let mut i = 0;
    group.bench_function("add/90_working_days", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.add(black_box(s[i]), black_box(90 * WORKING_DAY))
        })
    });
    let mut i = 0;
    group.bench_function("between/up_to_120_days", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.between(black_box(s[i]), black_box(ends[i]))
        })
    });
    let mut i = 0;
    group.bench_function("add_working_days/1_to_90", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.add_working_days(black_box(s[i]), black_box(days[i]))
        })
    });
    let mut i = 0;
    group.bench_function("is_open", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.is_open(black_box(s[i]))
        })
    });
    let mut i = 0;
    group.bench_function("next_open", |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            cal.next_open(black_box(s[i]))
        })
    });
    group.finish();
}

fn cold(c: &mut Criterion) {
    let spec = spec();
    let start = London
        .with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .unwrap()
        .timestamp();
    let mut group = c.benchmark_group("cold");
    group.bench_function("new_only", |b| {
        b.iter_batched(
            || spec.clone(),
            |spec| BusinessCalendar::new(black_box(spec)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("new_plus_first_add_in_2026", |b| {
        b.iter_batched(
            || spec.clone(),
            |spec| {
                let cal = BusinessCalendar::new(spec);
                cal.add(black_box(start), black_box(300))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("cold_worst_case");
    group.sample_size(10);
    group.bench_function("new_plus_between_whole_horizon_231_years", |b| {
        b.iter_batched(
            || spec.clone(),
            |spec| {
                let cal = BusinessCalendar::new(spec);
                cal.between(black_box(i64::MIN), black_box(i64::MAX))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = warm, cold
}
criterion_main!(benches);
