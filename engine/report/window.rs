//! The period a report covers: `2026-11`, `2026-Q4`, `2026-H2` or `2026`, bounded in a time
//! zone (an agreement's, so its month ends at its own midnight).

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// A period as local dates: its first day and the first day of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    /// The first day.
    pub first: NaiveDate,
    /// The first day of the next period.
    pub next: NaiveDate,
}

/// A period bounded in a time zone: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// Its first instant.
    pub start: i64,
    /// The first instant after it.
    pub end: i64,
}

impl Window {
    /// The period `dates` in `tz`.
    pub fn of(dates: Dates, tz: Tz) -> Window {
        Window {
            start: midnight(tz, dates.first),
            end: midnight(tz, dates.next),
        }
    }

    /// Whether `at` lies in it.
    pub fn holds(&self, at: i64) -> bool {
        (self.start..self.end).contains(&at)
    }
}

/// The first instant of a local date in `tz` (the first valid instant, across a DST gap).
fn midnight(tz: Tz, date: NaiveDate) -> i64 {
    let mut time = date.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&time).earliest() {
            return t.timestamp();
        }
        time += chrono::Duration::hours(1);
    }
    time.and_utc().timestamp()
}

/// Reads a period: `2026-11` (a month), `2026-Q4` (a quarter), `2026-H2` (a half year) or
/// `2026` (a year).
pub fn parse_period(text: &str) -> Result<Dates, String> {
    let bad = || {
        format!(
            "invalid period `{text}`: write a month `2026-11`, a quarter `2026-Q4`, a half year `2026-H2` or a year `2026`"
        )
    };
    let (year, rest) = match text.split_once('-') {
        Some((y, rest)) => (y, Some(rest)),
        None => (text, None),
    };
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (1970..=2200).contains(y))
        .ok_or_else(bad)?;
    let (month, months) = match rest {
        None => (1, 12),
        Some(q) if q.starts_with(['Q', 'q']) => {
            let n: u32 = q.get(1..).and_then(|n| n.parse().ok()).ok_or_else(bad)?;
            if !(1..=4).contains(&n) {
                return Err(bad());
            }
            (3 * n - 2, 3)
        }
        Some(h) if h.starts_with(['H', 'h']) => {
            let n: u32 = h.get(1..).and_then(|n| n.parse().ok()).ok_or_else(bad)?;
            if !(1..=2).contains(&n) {
                return Err(bad());
            }
            (6 * n - 5, 6)
        }
        Some(m) if m.len() == 2 => {
            let n: u32 = m.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&n) {
                return Err(bad());
            }
            (n, 1)
        }
        Some(_) => return Err(bad()),
    };
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
    let next = first
        .checked_add_months(chrono::Months::new(months))
        .ok_or_else(bad)?;
    Ok(Dates { first, next })
}

/// The period of `months` months (1, 3, 6 or 12, as a rate card's allowance) holding `date`.
pub fn holding(date: NaiveDate, months: u32) -> Dates {
    let months = months.clamp(1, 12);
    let index = (date.month0() / months) * months;
    let first = NaiveDate::from_ymd_opt(date.year(), index + 1, 1).unwrap_or(date);
    let next = first
        .checked_add_months(chrono::Months::new(months))
        .unwrap_or(first);
    Dates { first, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_months_quarters_halves_and_years() {
        let d = |s: &str| parse_period(s).map(|d| (d.first.to_string(), d.next.to_string()));
        assert_eq!(d("2026-11"), Ok(("2026-11-01".into(), "2026-12-01".into())));
        assert_eq!(d("2026-Q4"), Ok(("2026-10-01".into(), "2027-01-01".into())));
        assert_eq!(d("2026-H1"), Ok(("2026-01-01".into(), "2026-07-01".into())));
        assert_eq!(d("2026"), Ok(("2026-01-01".into(), "2027-01-01".into())));
        assert!(d("2026-13").is_err());
        assert!(d("November").is_err());
    }

    #[test]
    fn a_month_ends_at_the_zones_midnight() {
        let dates = parse_period("2026-10").unwrap();
        let w = Window::of(dates, chrono_tz::Europe::London);
        assert_eq!(
            crate::model::Timestamp(w.start).to_string(),
            "2026-09-30T23:00:00Z"
        );
        assert_eq!(
            crate::model::Timestamp(w.end).to_string(),
            "2026-11-01T00:00:00Z"
        );
    }
}
