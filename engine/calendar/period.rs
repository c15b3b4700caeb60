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

/// The UTC instant of `secs` seconds after local midnight of `date` in `tz` (`86400` is the
/// next midnight; a time in a daylight-saving gap moves forward, one that occurs twice is the
/// first).
pub fn local_instant(tz: Tz, date: NaiveDate, secs: u32) -> Option<i64> {
    local_to_utc(tz, date, secs)
}

/// The local date and the seconds after local midnight of an instant in `tz`.
pub fn local_time(tz: Tz, t: i64) -> (NaiveDate, u32) {
    use chrono::Timelike;
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(utc) => {
            let local = tz.from_utc_datetime(&utc.naive_utc());
            (local.date_naive(), local.num_seconds_from_midnight())
        }
        None => (epoch(), 0),
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

/// The number of the period containing `t`: consecutive periods have consecutive numbers
/// (months count from January of year 0, weeks from Monday 1970-01-05, days from 1970-01-01,
/// each divided by the period's count).
pub fn number(period: Period, tz: Tz, t: i64) -> i64 {
    number_of_date(period, local_date(tz, t))
}

/// The number of the period containing local date `date` (see [`number`]).
pub fn number_of_date(period: Period, date: NaiveDate) -> i64 {
    let date = start_date(period, date);
    let count = i64::from(period.count.max(1));
    match period.unit {
        PeriodUnit::Day => (date - epoch()).num_days().div_euclid(count),
        PeriodUnit::Week => {
            let monday = NaiveDate::from_ymd_opt(1970, 1, 5).unwrap_or_default();
            (date - monday).num_days().div_euclid(7 * count)
        }
        PeriodUnit::Month => {
            (i64::from(date.year()) * 12 + i64::from(date.month0())).div_euclid(count)
        }
    }
}

/// The local date period number `n` starts on (see [`number`]).
pub fn start_of_number(period: Period, n: i64) -> NaiveDate {
    let count = i64::from(period.count.max(1));
    let days = |d: i64| {
        let base = match period.unit {
            PeriodUnit::Week => NaiveDate::from_ymd_opt(1970, 1, 5).unwrap_or_default(),
            _ => epoch(),
        };
        match u64::try_from(d) {
            Ok(d) => base + chrono::Days::new(d),
            Err(_) => base - chrono::Days::new(d.unsigned_abs()),
        }
    };
    match period.unit {
        PeriodUnit::Day => days(n.saturating_mul(count)),
        PeriodUnit::Week => days(n.saturating_mul(7 * count)),
        PeriodUnit::Month => {
            let months = n.saturating_mul(count);
            let year = i32::try_from(months.div_euclid(12)).unwrap_or(1970);
            let month = u32::try_from(months.rem_euclid(12)).unwrap_or(0) + 1;
            NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_else(epoch)
        }
    }
}

/// The start of period number `n` and the start of the next one, in `tz`.
pub fn bounds_of_number(period: Period, tz: Tz, n: i64) -> (i64, i64) {
    let start = start_of_number(period, n);
    let next = next_start_date(period, start);
    let from = local_to_utc(tz, start, 0).unwrap_or(0);
    let to = local_to_utc(tz, next, 0).unwrap_or(i64::MAX);
    (from, to)
}

/// How a period is written: `2026-10` for a month, `2026-Q4` for a quarter, `2026-H2` for a
/// half year, `2026` for a year, `2026-W45` for a week (ISO), `2026-10-05` for a day; other
/// periods by the date they start on (`2026-11-01`).
pub fn label(period: Period, n: i64) -> String {
    let start = start_of_number(period, n);
    match (period.unit, period.count) {
        (PeriodUnit::Month, 1) => start.format("%Y-%m").to_string(),
        (PeriodUnit::Month, 3) => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
        (PeriodUnit::Month, 6) => format!("{}-H{}", start.year(), start.month0() / 6 + 1),
        (PeriodUnit::Month, 12) => start.year().to_string(),
        (PeriodUnit::Week, 1) => {
            let week = start.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        _ => start.format("%Y-%m-%d").to_string(),
    }
}

/// The number of the period written `text` as [`label`] writes it (`2026-10`, `2026-Q4`,
/// `2026-H2`, `2026`, `2026-W45`, `2026-10-05`); `None` if `text` is not how `label` writes a
/// period of this length.
pub fn parse_label(period: Period, text: &str) -> Option<i64> {
    let text = text.trim();
    let year = |y: &str| y.parse::<i32>().ok().filter(|_| y.len() == 4);
    let date = match text.split('-').collect::<Vec<_>>().as_slice() {
        [y] => NaiveDate::from_ymd_opt(year(y)?, 1, 1),
        [y, part] => {
            let y = year(y)?;
            if let Some(q) = part.strip_prefix('Q') {
                NaiveDate::from_ymd_opt(y, 3 * q.parse::<u32>().ok()?.checked_sub(1)? + 1, 1)
            } else if let Some(h) = part.strip_prefix('H') {
                NaiveDate::from_ymd_opt(y, 6 * h.parse::<u32>().ok()?.checked_sub(1)? + 1, 1)
            } else if let Some(w) = part.strip_prefix('W') {
                NaiveDate::from_isoywd_opt(y, w.parse().ok()?, chrono::Weekday::Mon)
            } else {
                NaiveDate::from_ymd_opt(y, part.parse().ok()?, 1)
            }
        }
        [y, m, d] => NaiveDate::from_ymd_opt(year(y)?, m.parse().ok()?, d.parse().ok()?),
        _ => None,
    }?;
    let n = number_of_date(period, date);
    (label(period, n) == text).then_some(n)
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
    fn periods_are_numbered_and_labelled() {
        let monthly: Period = "monthly".parse().unwrap();
        let n = number(monthly, Stockholm, at("2026-10-31T23:30:00Z"));
        assert_eq!(label(monthly, n), "2026-11");
        assert_eq!(
            bounds_of_number(monthly, Stockholm, n),
            bounds(monthly, Stockholm, at("2026-10-31T23:30:00Z"))
        );
        let quarterly: Period = "quarterly".parse().unwrap();
        let q = number(quarterly, London, at("2026-11-15T12:00:00Z"));
        assert_eq!(label(quarterly, q), "2026-Q4");
        assert_eq!(label(quarterly, q + 1), "2027-Q1");
        let half: Period = "twice a year".parse().unwrap();
        assert_eq!(
            label(half, number(half, London, at("2026-08-01T00:00:00Z"))),
            "2026-H2"
        );
        let weekly: Period = "weekly".parse().unwrap();
        let w = number(weekly, London, at("2026-11-20T10:00:00Z"));
        assert_eq!(label(weekly, w), "2026-W47");
        assert_eq!(
            bounds_of_number(weekly, London, w).1,
            at("2026-11-23T00:00:00Z")
        );
        let yearly: Period = "annually".parse().unwrap();
        assert_eq!(
            label(yearly, number(yearly, London, at("2026-08-01T00:00:00Z"))),
            "2026"
        );
        for (p, text) in [
            (monthly, "2026-11"),
            (quarterly, "2027-Q1"),
            (half, "2026-H2"),
            (weekly, "2026-W47"),
            (yearly, "2026"),
        ] {
            let n = parse_label(p, text).unwrap();
            assert_eq!(label(p, n), text);
        }
        assert_eq!(parse_label(monthly, "2026-Q4"), None);
        assert_eq!(parse_label(quarterly, "2026-Q5"), None);
        assert_eq!(parse_label(monthly, "2026-13"), None);
        assert_eq!(parse_label(monthly, "soon"), None);
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
