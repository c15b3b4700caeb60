//! RFC 5545 recurrence rules at date resolution: this module owns parsing an `RRULE` value,
//! the DATE / DATE-TIME value type, and expanding a rule into the dates of its occurrences.
//!
//! Supported: `FREQ` = `YEARLY`, `MONTHLY`, `WEEKLY`, `DAILY`; `INTERVAL`, `COUNT`, `UNTIL`,
//! `BYMONTH`, `BYMONTHDAY`, `BYYEARDAY`, `BYDAY` (with ordinals such as `1MO` / `-1MO` under
//! `MONTHLY` and `YEARLY`), `BYSETPOS` and `WKST`. `BYHOUR`, `BYMINUTE` and `BYSECOND` with a
//! single value are accepted and ignored (they do not change which dates occur); `X-` parts are
//! ignored. Everything else (`FREQ=HOURLY` and finer, `BYWEEKNO`, `RSCALE`, `SKIP`, several
//! `BYHOUR` values) is an error. Expansion follows RFC 5545 (the same result as
//! python-dateutil): the `DTSTART` date is an occurrence only when it matches the rule.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};

use super::ics::Budget;

/// Why an `RRULE` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RruleError {
    /// A well-formed part this implementation does not support.
    #[error("unsupported rrule part {0}")]
    Unsupported(String),
    /// A part that is not valid RFC 5545.
    #[error("{0}")]
    Invalid(String),
}

/// A DATE or DATE-TIME value as written (no time zone conversion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Stamp {
    /// The date as written.
    pub(super) date: NaiveDate,
    /// Seconds after midnight for a DATE-TIME, `None` for a DATE.
    pub(super) time: Option<u32>,
}

impl Stamp {
    /// The stamp as a naive date-time (a DATE is its midnight).
    pub(super) fn naive(self) -> NaiveDateTime {
        let time = self
            .time
            .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
            .unwrap_or(NaiveTime::MIN);
        self.date.and_time(time)
    }
}

/// Parses `YYYYMMDD` or `YYYYMMDDTHHMMSS` with an optional trailing `Z`.
pub(super) fn parse_stamp(value: &str) -> Option<Stamp> {
    let value = value.trim();
    let value = value.strip_suffix(['Z', 'z']).unwrap_or(value);
    let (date_part, time_part) = match value.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (value, None),
    };
    let num = |s: &str, from: usize, to: usize| -> Option<u32> {
        let digits = s.get(from..to)?;
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()
        } else {
            None
        }
    };
    if date_part.len() != 8 {
        return None;
    }
    let year = i32::try_from(num(date_part, 0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(date_part, 4, 6)?, num(date_part, 6, 8)?)?;
    let time = match time_part {
        None => None,
        Some(t) if t.len() == 6 => {
            let (h, m, s) = (num(t, 0, 2)?, num(t, 2, 4)?, num(t, 4, 6)?);
            if h > 23 || m > 59 || s > 60 {
                return None;
            }
            Some(h * 3_600 + m * 60 + s.min(59))
        }
        Some(_) => return None,
    };
    Some(Stamp { date, time })
}

/// Recurrence frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freq {
    /// Every `INTERVAL` years.
    Yearly,
    /// Every `INTERVAL` months.
    Monthly,
    /// Every `INTERVAL` weeks.
    Weekly,
    /// Every `INTERVAL` days.
    Daily,
}

/// A parsed recurrence rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rule {
    /// `FREQ`.
    freq: Freq,
    /// `INTERVAL`, at least 1.
    interval: u32,
    /// `COUNT`.
    count: Option<u32>,
    /// `UNTIL`, inclusive.
    until: Option<Stamp>,
    /// `BYMONTH`, 1..=12.
    by_month: Vec<u32>,
    /// `BYMONTHDAY`, ±1..=31.
    by_month_day: Vec<i32>,
    /// `BYYEARDAY`, ±1..=366.
    by_year_day: Vec<i32>,
    /// `BYDAY` entries without ordinal.
    by_day: Vec<Weekday>,
    /// `BYDAY` entries with ordinal.
    by_nth_day: Vec<(i32, Weekday)>,
    /// `BYSETPOS`, ±1..=366.
    by_set_pos: Vec<i32>,
    /// `WKST`.
    week_start: Weekday,
}

/// Parses a two-letter weekday.
fn weekday(code: &str) -> Option<Weekday> {
    Some(match code.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// Parses a comma list of non-zero integers within `±limit` (or `1..=limit` if `!signed`).
fn int_list(key: &str, value: &str, limit: i32, signed: bool) -> Result<Vec<i32>, RruleError> {
    value
        .split(',')
        .map(|item| {
            item.trim()
                .parse::<i32>()
                .ok()
                .filter(|n| *n != 0 && n.abs() <= limit && (signed || *n > 0))
                .ok_or_else(|| invalid(key, item))
        })
        .collect()
}

/// The error for an invalid value of `key`.
fn invalid(key: &str, value: &str) -> RruleError {
    RruleError::Invalid(format!(
        "invalid rrule {} value \"{}\"",
        key.to_ascii_lowercase(),
        value.to_ascii_lowercase()
    ))
}

/// Parses an `RRULE` property value such as `FREQ=YEARLY;BYMONTH=5;BYDAY=1MO`.
pub(super) fn parse(value: &str) -> Result<Rule, RruleError> {
    let mut seen: Vec<String> = Vec::new();
    let mut freq = None;
    let mut rule = Rule {
        freq: Freq::Yearly,
        interval: 1,
        count: None,
        until: None,
        by_month: Vec::new(),
        by_month_day: Vec::new(),
        by_year_day: Vec::new(),
        by_day: Vec::new(),
        by_nth_day: Vec::new(),
        by_set_pos: Vec::new(),
        week_start: Weekday::Mon,
    };
    for part in value.trim().split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, val)) = part.split_once('=') else {
            return Err(RruleError::Invalid(format!(
                "rrule part \"{}\" has no '='",
                part.to_ascii_lowercase()
            )));
        };
        let key = key.trim().to_ascii_uppercase();
        let val = val.trim();
        if seen.contains(&key) {
            return Err(RruleError::Invalid(format!(
                "rrule part {} appears twice",
                key.to_ascii_lowercase()
            )));
        }
        seen.push(key.clone());
        match key.as_str() {
            "FREQ" => {
                freq = Some(match val.to_ascii_uppercase().as_str() {
                    "YEARLY" => Freq::Yearly,
                    "MONTHLY" => Freq::Monthly,
                    "WEEKLY" => Freq::Weekly,
                    "DAILY" => Freq::Daily,
                    "HOURLY" | "MINUTELY" | "SECONDLY" => {
                        return Err(RruleError::Unsupported(format!(
                            "freq={}",
                            val.to_ascii_lowercase()
                        )));
                    }
                    _ => return Err(invalid(&key, val)),
                });
            }
            "INTERVAL" => {
                rule.interval = val
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| invalid(&key, val))?;
            }
            "COUNT" => rule.count = Some(val.parse().map_err(|_| invalid(&key, val))?),
            "UNTIL" => rule.until = Some(parse_stamp(val).ok_or_else(|| invalid(&key, val))?),
            "BYMONTH" => {
                rule.by_month = int_list(&key, val, 12, false)?
                    .into_iter()
                    .map(i32::unsigned_abs)
                    .collect();
            }
            "BYMONTHDAY" => rule.by_month_day = int_list(&key, val, 31, true)?,
            "BYYEARDAY" => rule.by_year_day = int_list(&key, val, 366, true)?,
            "BYSETPOS" => rule.by_set_pos = int_list(&key, val, 366, true)?,
            "BYDAY" => {
                for item in val.split(',') {
                    let item = item.trim();
                    let split = item.len().saturating_sub(2);
                    let (ord, day) = (item.get(..split), item.get(split..));
                    let day = day.and_then(weekday).ok_or_else(|| invalid(&key, item))?;
                    match ord {
                        Some("") => rule.by_day.push(day),
                        Some(ord) => {
                            let n = ord
                                .parse::<i32>()
                                .ok()
                                .filter(|n| *n != 0 && n.abs() <= 53)
                                .ok_or_else(|| invalid(&key, item))?;
                            rule.by_nth_day.push((n, day));
                        }
                        None => return Err(invalid(&key, item)),
                    }
                }
            }
            "WKST" => rule.week_start = weekday(val).ok_or_else(|| invalid(&key, val))?,
            "BYHOUR" | "BYMINUTE" | "BYSECOND" => {
                if val.contains(',') {
                    return Err(RruleError::Unsupported(format!(
                        "{} with several values",
                        key.to_ascii_lowercase()
                    )));
                }
                val.parse::<u32>()
                    .ok()
                    .filter(|n| *n <= 60)
                    .ok_or_else(|| invalid(&key, val))?;
            }
            "BYWEEKNO" | "RSCALE" | "SKIP" => {
                return Err(RruleError::Unsupported(key.to_ascii_lowercase()));
            }
            k if k.starts_with("X-") => {}
            _ => {
                return Err(RruleError::Invalid(format!(
                    "unknown rrule part {}",
                    key.to_ascii_lowercase()
                )));
            }
        }
    }
    rule.freq = freq.ok_or_else(|| RruleError::Invalid("rrule has no freq".to_owned()))?;
    if !rule.by_nth_day.is_empty() && matches!(rule.freq, Freq::Weekly | Freq::Daily) {
        return Err(RruleError::Invalid(
            "byday ordinals need freq=monthly or freq=yearly".to_owned(),
        ));
    }
    Ok(rule)
}

/// Number of days in `date`'s month.
fn month_len(date: NaiveDate) -> i32 {
    let first = date.with_day(1).unwrap_or(date);
    first.checked_add_months(Months::new(1)).map_or(31, |next| {
        i32::try_from((next - first).num_days()).unwrap_or(31)
    })
}

/// Number of days in `date`'s year.
fn year_len(date: NaiveDate) -> i32 {
    if date.leap_year() { 366 } else { 365 }
}

/// The `n`-th (from the end if negative) `day` within `[first, last]`.
fn nth_weekday(first: NaiveDate, last: NaiveDate, n: i32, day: Weekday) -> Option<NaiveDate> {
    if n > 0 {
        let skip = (day.num_days_from_monday() + 7 - first.weekday().num_days_from_monday()) % 7;
        let date = first + TimeDelta::days(i64::from(skip) + 7 * i64::from(n - 1));
        (date <= last).then_some(date)
    } else {
        let back = (last.weekday().num_days_from_monday() + 7 - day.num_days_from_monday()) % 7;
        let date = last - TimeDelta::days(i64::from(back) + 7 * i64::from(-n - 1));
        (date >= first).then_some(date)
    }
}

/// The rule with RFC 5545 defaults taken from `DTSTART` filled in.
fn with_defaults(rule: &Rule, start: NaiveDate) -> Rule {
    let mut rule = rule.clone();
    let day = i32::try_from(start.day()).unwrap_or(1);
    if rule.by_year_day.is_empty()
        && rule.by_month_day.is_empty()
        && rule.by_day.is_empty()
        && rule.by_nth_day.is_empty()
    {
        match rule.freq {
            Freq::Yearly => {
                if rule.by_month.is_empty() {
                    rule.by_month.push(start.month());
                }
                rule.by_month_day.push(day);
            }
            Freq::Monthly => rule.by_month_day.push(day),
            Freq::Weekly => rule.by_day.push(start.weekday()),
            Freq::Daily => {}
        }
    }
    rule
}

impl Rule {
    /// First and last date of period number `k` (counted in `INTERVAL` steps from `start`).
    fn period(&self, start: NaiveDate, k: i64) -> Option<(NaiveDate, NaiveDate)> {
        let steps = k.checked_mul(i64::from(self.interval))?;
        match self.freq {
            Freq::Yearly => {
                let year = i32::try_from(i64::from(start.year()).checked_add(steps)?).ok()?;
                Some((
                    NaiveDate::from_ymd_opt(year, 1, 1)?,
                    NaiveDate::from_ymd_opt(year, 12, 31)?,
                ))
            }
            Freq::Monthly => {
                let first = start
                    .with_day(1)?
                    .checked_add_months(Months::new(u32::try_from(steps).ok()?))?;
                let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
                Some((first, last))
            }
            Freq::Weekly => {
                let back = (start.weekday().num_days_from_monday() + 7
                    - self.week_start.num_days_from_monday())
                    % 7;
                let first = start
                    .checked_sub_signed(TimeDelta::days(i64::from(back)))?
                    .checked_add_signed(TimeDelta::try_days(steps.checked_mul(7)?)?)?;
                Some((first, first.checked_add_signed(TimeDelta::days(6))?))
            }
            Freq::Daily => {
                let day = start.checked_add_signed(TimeDelta::try_days(steps)?)?;
                Some((day, day))
            }
        }
    }

    /// The first period index that can hold a date at or after `lo` (0 if `lo <= start`).
    fn first_period(&self, start: NaiveDate, lo: NaiveDate) -> i64 {
        let interval = i64::from(self.interval);
        let units = match self.freq {
            Freq::Yearly => i64::from(lo.year()) - i64::from(start.year()),
            Freq::Monthly => {
                (i64::from(lo.year()) - i64::from(start.year())) * 12 + i64::from(lo.month())
                    - i64::from(start.month())
            }
            Freq::Weekly => (lo - start).num_days() / 7 - 1,
            Freq::Daily => (lo - start).num_days(),
        };
        (units / interval).max(0)
    }

    /// Whether `date` passes the `BYMONTH`, `BYYEARDAY`, `BYMONTHDAY` and `BYDAY` filters;
    /// `nth` holds the dates selected by ordinal `BYDAY` entries in the current period.
    fn matches(&self, date: NaiveDate, nth: &[NaiveDate]) -> bool {
        if !self.by_month.is_empty() && !self.by_month.contains(&date.month()) {
            return false;
        }
        if !self.by_year_day.is_empty() {
            let n = i32::try_from(date.ordinal()).unwrap_or(0);
            let from_end = n - year_len(date) - 1;
            if !self.by_year_day.iter().any(|&d| d == n || d == from_end) {
                return false;
            }
        }
        if !self.by_month_day.is_empty() {
            let n = i32::try_from(date.day()).unwrap_or(0);
            let from_end = n - month_len(date) - 1;
            if !self.by_month_day.iter().any(|&d| d == n || d == from_end) {
                return false;
            }
        }
        if self.by_day.is_empty() && self.by_nth_day.is_empty() {
            return true;
        }
        self.by_day.contains(&date.weekday()) || nth.contains(&date)
    }

    /// Dates picked by ordinal `BYDAY` entries in the period `[first, last]`.
    fn nth_dates(&self, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
        if self.by_nth_day.is_empty() {
            return Vec::new();
        }
        let mut ranges = Vec::new();
        if self.freq == Freq::Yearly && !self.by_month.is_empty() {
            for &month in &self.by_month {
                if let Some(m_first) = NaiveDate::from_ymd_opt(first.year(), month, 1) {
                    let m_last = m_first
                        .checked_add_months(Months::new(1))
                        .and_then(|d| d.pred_opt())
                        .unwrap_or(m_first);
                    ranges.push((m_first, m_last));
                }
            }
        } else {
            ranges.push((first, last));
        }
        let mut dates = Vec::new();
        for (a, b) in ranges {
            for &(n, day) in &self.by_nth_day {
                dates.extend(nth_weekday(a, b, n, day));
            }
        }
        dates
    }

    /// Whether an occurrence on `date` (at the DTSTART time of day) is after `UNTIL`.
    fn past_until(&self, date: NaiveDate, start: Stamp) -> bool {
        match self.until {
            None => false,
            Some(until) => match (start.time, until.time) {
                (Some(time), Some(_)) => {
                    Stamp {
                        date,
                        time: Some(time),
                    }
                    .naive()
                        > until.naive()
                }
                _ => date > until.date,
            },
        }
    }

    /// The occurrence dates of the rule anchored at `start` that fall within `[lo, hi]`, each
    /// taken from `budget`; `None` when the budget runs out first.
    pub(super) fn expand(
        &self,
        start: Stamp,
        lo: NaiveDate,
        hi: NaiveDate,
        budget: &mut Budget,
    ) -> Option<Vec<NaiveDate>> {
        let rule = with_defaults(self, start.date);
        let mut out = Vec::new();
        let mut seen: u64 = 0;
        let mut k = if rule.count.is_some() {
            0
        } else {
            rule.first_period(start.date, lo)
        };
        while let Some((first, last)) = rule.period(start.date, k) {
            if first > hi || rule.past_until(first, start) {
                break;
            }
            k += 1;
            if last < start.date {
                continue;
            }
            let nth = rule.nth_dates(first, last);
            let mut set: Vec<NaiveDate> = first
                .iter_days()
                .take_while(|d| *d <= last)
                .filter(|d| rule.matches(*d, &nth))
                .collect();
            if !rule.by_set_pos.is_empty() {
                let len = i64::try_from(set.len()).unwrap_or(i64::MAX);
                let mut picked: Vec<NaiveDate> = rule
                    .by_set_pos
                    .iter()
                    .filter_map(|&pos| {
                        let i = if pos > 0 {
                            i64::from(pos) - 1
                        } else {
                            len + i64::from(pos)
                        };
                        set.get(usize::try_from(i).ok()?).copied()
                    })
                    .collect();
                picked.sort_unstable();
                picked.dedup();
                set = picked;
            }
            for date in set {
                if date < start.date {
                    continue;
                }
                if rule.past_until(date, start) {
                    return Some(out);
                }
                seen += 1;
                if rule.count.is_some_and(|c| seen > u64::from(c)) {
                    return Some(out);
                }
                if date >= lo && date <= hi {
                    if !budget.take() {
                        return None;
                    }
                    out.push(date);
                }
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn run(rule: &str, start: NaiveDate, lo: NaiveDate, hi: NaiveDate) -> Vec<NaiveDate> {
        parse(rule)
            .unwrap()
            .expand(
                Stamp {
                    date: start,
                    time: None,
                },
                lo,
                hi,
                &mut Budget(1000),
            )
            .unwrap()
    }

    #[test]
    fn rfc_thanksgiving() {
        assert_eq!(
            run(
                "FREQ=YEARLY;BYDAY=4TH;BYMONTH=11;COUNT=3",
                d(1997, 11, 6),
                d(1990, 1, 1),
                d(2100, 1, 1)
            ),
            vec![d(1997, 11, 27), d(1998, 11, 26), d(1999, 11, 25)]
        );
    }

    #[test]
    fn rfc_last_weekday_of_month_bysetpos() {
        // RFC 5545: the last work day of the month, 6 times.
        assert_eq!(
            run(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6",
                d(1997, 9, 29),
                d(1997, 1, 1),
                d(1999, 1, 1)
            ),
            vec![
                d(1997, 9, 30),
                d(1997, 10, 31),
                d(1997, 11, 28),
                d(1997, 12, 31),
                d(1998, 1, 30),
                d(1998, 2, 27)
            ]
        );
    }

    #[test]
    fn rfc_friday_13th_with_unsynchronised_dtstart() {
        // RFC 5545 example with EXDATE of DTSTART; here DTSTART simply does not match.
        assert_eq!(
            run(
                "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
                d(1997, 9, 2),
                d(1997, 1, 1),
                d(2000, 10, 31)
            ),
            vec![
                d(1998, 2, 13),
                d(1998, 3, 13),
                d(1998, 11, 13),
                d(1999, 8, 13),
                d(2000, 10, 13)
            ]
        );
    }

    #[test]
    fn rfc_every_other_week_with_wkst() {
        // RFC 5545: WKST changes the outcome of FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU.
        let mo = run(
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
            d(1997, 8, 5),
            d(1997, 1, 1),
            d(1998, 1, 1),
        );
        assert_eq!(
            mo,
            vec![
                d(1997, 8, 5),
                d(1997, 8, 10),
                d(1997, 8, 19),
                d(1997, 8, 24)
            ]
        );
        let su = run(
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
            d(1997, 8, 5),
            d(1997, 1, 1),
            d(1998, 1, 1),
        );
        assert_eq!(
            su,
            vec![
                d(1997, 8, 5),
                d(1997, 8, 17),
                d(1997, 8, 19),
                d(1997, 8, 31)
            ]
        );
    }

    #[test]
    fn rfc_misc_examples() {
        // Every 20th Monday of the year.
        assert_eq!(
            run(
                "FREQ=YEARLY;BYDAY=20MO",
                d(1997, 5, 19),
                d(1997, 1, 1),
                d(1999, 12, 31)
            ),
            vec![d(1997, 5, 19), d(1998, 5, 18), d(1999, 5, 17)]
        );
        // Every third year on the 1st, 100th and 200th day.
        assert_eq!(
            run(
                "FREQ=YEARLY;INTERVAL=3;COUNT=4;BYYEARDAY=1,100,200",
                d(1997, 1, 1),
                d(1990, 1, 1),
                d(2010, 1, 1)
            ),
            vec![d(1997, 1, 1), d(1997, 4, 10), d(1997, 7, 19), d(2000, 1, 1)]
        );
        // Second-to-last day of the month.
        assert_eq!(
            run(
                "FREQ=MONTHLY;BYMONTHDAY=-2;COUNT=3",
                d(1997, 9, 28),
                d(1997, 1, 1),
                d(1999, 1, 1)
            ),
            vec![d(1997, 9, 29), d(1997, 10, 30), d(1997, 11, 29)]
        );
        // Every day in January, for 3 years (UNTIL as DATE-TIME with a DATE DTSTART).
        let jan = run(
            "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
            d(1998, 1, 1),
            d(1990, 1, 1),
            d(2010, 1, 1),
        );
        assert_eq!(jan.len(), 93);
        // Every other month's first and last Sunday.
        assert_eq!(
            run(
                "FREQ=MONTHLY;INTERVAL=2;COUNT=4;BYDAY=1SU,-1SU",
                d(1997, 9, 7),
                d(1997, 1, 1),
                d(1999, 1, 1)
            ),
            vec![
                d(1997, 9, 7),
                d(1997, 9, 28),
                d(1997, 11, 2),
                d(1997, 11, 30)
            ]
        );
        // Third instance of Tu/We/Th in a month.
        assert_eq!(
            run(
                "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
                d(1997, 9, 4),
                d(1997, 1, 1),
                d(1999, 1, 1)
            ),
            vec![d(1997, 9, 4), d(1997, 10, 7), d(1997, 11, 6)]
        );
        // Every other day, window far from DTSTART (skips ahead without COUNT).
        assert_eq!(
            run(
                "FREQ=DAILY;INTERVAL=2",
                d(2000, 1, 1),
                d(2026, 1, 1),
                d(2026, 1, 6)
            ),
            vec![d(2026, 1, 2), d(2026, 1, 4), d(2026, 1, 6)]
        );
        // Leap day only in leap years.
        assert_eq!(
            run("FREQ=YEARLY", d(2000, 2, 29), d(2000, 1, 1), d(2009, 1, 1)),
            vec![d(2000, 2, 29), d(2004, 2, 29), d(2008, 2, 29)]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse("FREQ=HOURLY"),
            Err(RruleError::Unsupported("freq=hourly".to_owned()))
        );
        assert_eq!(
            parse("FREQ=YEARLY;BYWEEKNO=20"),
            Err(RruleError::Unsupported("byweekno".to_owned()))
        );
        assert!(matches!(parse("BYMONTH=1"), Err(RruleError::Invalid(_))));
        assert!(matches!(
            parse("FREQ=YEARLY;BYMONTH=13"),
            Err(RruleError::Invalid(_))
        ));
        assert!(matches!(
            parse("FREQ=WEEKLY;BYDAY=1MO"),
            Err(RruleError::Invalid(_))
        ));
        assert!(matches!(
            parse("FREQ=YEARLY;FOO=1"),
            Err(RruleError::Invalid(_))
        ));
        assert!(matches!(
            parse("FREQ=YEARLY;FREQ=DAILY"),
            Err(RruleError::Invalid(_))
        ));
        assert!(parse("FREQ=YEARLY;X-FOO=1;BYHOUR=9").is_ok());
    }

    #[test]
    fn stamps() {
        assert_eq!(parse_stamp("20210101").unwrap().time, None);
        assert_eq!(parse_stamp("20210101T050001Z").unwrap().time, Some(18_001));
        assert!(parse_stamp("2021-01-01").is_none());
        assert!(parse_stamp("20210230").is_none());
        assert!(parse_stamp("20210101T2500").is_none());
    }
}
