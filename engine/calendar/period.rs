//! Period boundaries (days, weeks, months, quarters, years) in a calendar's time zone.
//!
//! A period starts at local midnight: days at every midnight, weeks on Mondays, months on the
//! 1st. Periods of several units are aligned to fixed origins so they never drift: months to
//! January (quarters start in January, April, July and October; halves in January and July),
//! weeks to Monday 1970-01-05, days to 1970-01-01.

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::local::local_to_utc;
use crate::model::{Period, PeriodUnit};

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// The local date of the start of the period that contains local date `date`.
fn start_date(period: Period, date: NaiveDate) -> NaiveDate {
    let count = i64::from(period.count.max(1));
    match period.unit {
        PeriodUnit::Day => {
            let days = (date - epoch()).num_days();
            date - chrono::Days::new(u64::try_from(days.rem_euclid(count)).unwrap_or(0))
        }
        PeriodUnit::Week => {
            let monday = NaiveDate::from_ymd_opt(1970, 1, 5).unwrap_or_default();
            let days = (date - monday).num_days();
            date - chrono::Days::new(u64::try_from(days.rem_euclid(7 * count)).unwrap_or(0))
        }
        PeriodUnit::Month => {
            let months = i64::from(date.year()) * 12 + i64::from(date.month0());
            let start = months - months.rem_euclid(count);
            let year = i32::try_from(start.div_euclid(12)).unwrap_or(1970);
            let month = u32::try_from(start.rem_euclid(12)).unwrap_or(0) + 1;
            NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(date)
        }
    }
}

fn next_start_date(period: Period, start: NaiveDate) -> NaiveDate {
    let count = period.count.max(1);
    match period.unit {
        PeriodUnit::Day => start + chrono::Days::new(u64::from(count)),
        PeriodUnit::Week => start + chrono::Days::new(7 * u64::from(count)),
        PeriodUnit::Month => start + chrono::Months::new(count),
    }
}

/// The local date of an instant in `tz`.
pub fn local_date(tz: Tz, t: i64) -> NaiveDate {
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(utc) => tz.from_utc_datetime(&utc.naive_utc()).date_naive(),
        None => epoch(),
    }
}

/// The start of the period containing `t`, and the start of the next one.
pub fn bounds(period: Period, tz: Tz, t: i64) -> (i64, i64) {
    let start = start_date(period, local_date(tz, t));
    let next = next_start_date(period, start);
    let from = local_to_utc(tz, start, 0).unwrap_or(t);
    let to = local_to_utc(tz, next, 0).unwrap_or(i64::MAX);
    (from, to)
}

/// The first period start strictly after `t`.
pub fn next_boundary(period: Period, tz: Tz, t: i64) -> i64 {
    let (from, to) = bounds(period, tz, t);
    if from > t { from } else { to }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::{London, Stockholm};

    fn at(s: &str) -> i64 {
        s.parse::<crate::model::Timestamp>().unwrap().0
    }

    #[test]
    fn months_start_at_local_midnight() {
        let monthly: Period = "monthly".parse().unwrap();
        // 2026-10-31T23:30Z is already November in Stockholm (UTC+1).
        let (from, to) = bounds(monthly, Stockholm, at("2026-10-31T23:30:00Z"));
        assert_eq!(from, at("2026-10-31T23:00:00Z"));
        assert_eq!(to, at("2026-11-30T23:00:00Z"));
        // In London, March 2026 starts at midnight GMT and April at midnight BST.
        let (from, to) = bounds(monthly, London, at("2026-03-15T12:00:00Z"));
        assert_eq!(from, at("2026-03-01T00:00:00Z"));
        assert_eq!(to, at("2026-03-31T23:00:00Z"));
    }

    #[test]
    fn quarters_halves_years_and_weeks_align() {
        let quarterly: Period = "quarterly".parse().unwrap();
        assert_eq!(
            next_boundary(quarterly, London, at("2026-05-10T00:00:00Z")),
            at("2026-06-30T23:00:00Z")
        );
        let half: Period = "twice a year".parse().unwrap();
        assert_eq!(
            next_boundary(half, London, at("2026-02-01T00:00:00Z")),
            at("2026-06-30T23:00:00Z")
        );
        let yearly: Period = "annually".parse().unwrap();
        assert_eq!(
            next_boundary(yearly, London, at("2026-02-01T00:00:00Z")),
            at("2027-01-01T00:00:00Z")
        );
        let weekly: Period = "weekly".parse().unwrap();
        // 2026-11-23 is a Monday.
        assert_eq!(
            next_boundary(weekly, London, at("2026-11-20T10:00:00Z")),
            at("2026-11-23T00:00:00Z")
        );
        assert_eq!(
            next_boundary(weekly, London, at("2026-11-23T00:00:00Z")),
            at("2026-11-30T00:00:00Z")
        );
    }
}
