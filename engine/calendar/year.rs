//! The supported horizon and its per-year materialisation: this module owns the calendar rules
//! as compiled from a spec, the mapping from instants to UTC years, and [`YearData`], the merged
//! working spans (UTC second ranges), their prefix sums and the working days of one UTC year.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, TimeDelta};
use chrono_tz::Tz;

use super::local::{DAY_SECONDS, local_to_utc};

/// First UTC year of the supported horizon.
pub const FIRST_YEAR: i32 = 1970;
/// Last UTC year of the supported horizon (inclusive).
pub const LAST_YEAR: i32 = 2200;
/// First instant of the horizon: 1970-01-01T00:00:00Z.
pub const HORIZON_START: i64 = year_start(FIRST_YEAR);
/// End of the horizon (exclusive): 2201-01-01T00:00:00Z.
pub const HORIZON_END: i64 = year_start(LAST_YEAR + 1);
/// Number of UTC years in the horizon.
pub(super) const YEAR_COUNT: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// First instant (UTC) of the UTC year `year`.
pub(super) const fn year_start(year: i32) -> i64 {
    days_from_civil(year as i64, 1, 1) * DAY_SECONDS as i64
}

/// First instant of the horizon year with index `idx` (0 = [`FIRST_YEAR`]).
pub(super) fn index_start(idx: usize) -> i64 {
    year_start(FIRST_YEAR.saturating_add(i32::try_from(idx).unwrap_or(i32::MAX / 2)))
}

/// The first instant of every year of the horizon, and of the year after it.
// Computed at compile time, where an index out of bounds fails the build, not a run.
#[allow(clippy::indexing_slicing)]
static YEAR_STARTS: [i64; YEAR_COUNT + 1] = {
    let mut starts = [0; YEAR_COUNT + 1];
    let mut i = 0;
    while i <= YEAR_COUNT {
        starts[i] = year_start(FIRST_YEAR + i as i32);
        i += 1;
    }
    starts
};

/// Index of the UTC year containing `t`, clamped to the horizon; exact for `t` in
/// `[HORIZON_START, HORIZON_END)`. A guess from the mean Gregorian year, corrected by one
/// against the table: this runs on every clock change, and is cheaper than a civil date.
pub(super) fn year_index(t: i64) -> usize {
    const MEAN_YEAR: i64 = 31_556_952;
    let last = YEAR_COUNT - 1;
    if t < HORIZON_START {
        return 0;
    }
    let guess = usize::try_from((t - HORIZON_START) / MEAN_YEAR)
        .unwrap_or(last)
        .min(last);
    let starts_at = |i: usize| YEAR_STARTS.get(i).copied().unwrap_or(i64::MAX);
    if t < starts_at(guess) {
        guess.saturating_sub(1)
    } else if t >= starts_at(guess + 1) {
        (guess + 1).min(last)
    } else {
        guess
    }
}

/// The calendar rules, sanitised, from which years are materialised on demand.
#[derive(Debug, Clone)]
pub(super) struct Rules {
    /// Time zone of all local times.
    pub(super) tz: Tz,
    /// Weekly intervals, Monday first, each `open < close <= 86400`.
    pub(super) week: [Vec<(u32, u32)>; 7],
    /// Local dates without working time (unless an exception says otherwise).
    pub(super) holidays: BTreeSet<NaiveDate>,
    /// Dated replacements of the weekly intervals.
    pub(super) exceptions: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
}

/// Keeps the usable intervals: `close` capped at `24:00`, empty ones dropped.
pub(super) fn sanitise(intervals: &[(u32, u32)]) -> Vec<(u32, u32)> {
    intervals
        .iter()
        .map(|&(open, close)| (open, close.min(DAY_SECONDS)))
        .filter(|&(open, close)| open < close)
        .collect()
}

impl Rules {
    /// The local intervals of `date`: its exception, else nothing on a holiday, else its weekday's.
    pub(super) fn intervals(&self, date: NaiveDate) -> &[(u32, u32)] {
        if let Some(intervals) = self.exceptions.get(&date) {
            return intervals;
        }
        if self.holidays.contains(&date) {
            return &[];
        }
        let weekday = date.weekday().num_days_from_monday() as usize;
        self.week.get(weekday).map_or(&[], Vec::as_slice)
    }

    /// `date`'s intervals as UTC ranges, empty ranges (from DST adjustment) dropped.
    pub(super) fn utc_intervals(&self, date: NaiveDate) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.intervals(date)
            .iter()
            .filter_map(move |&(open, close)| {
                let start = local_to_utc(self.tz, date, open)?;
                let end = local_to_utc(self.tz, date, close)?;
                (start < end).then_some((start, end))
            })
    }

    /// Whether `date` has any working second inside the horizon.
    pub(super) fn date_has_work(&self, date: NaiveDate) -> bool {
        self.utc_intervals(date)
            .any(|(start, end)| start < HORIZON_END && end > HORIZON_START)
    }

    /// Whether any local date has working time inside the horizon.
    pub(super) fn any_work(&self) -> bool {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(FIRST_YEAR - 1, 12, 30),
            NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 2),
        ) else {
            return false;
        };
        if self
            .exceptions
            .range(first..=last)
            .any(|(&date, _)| self.date_has_work(date))
        {
            return true;
        }
        if self.week.iter().all(Vec::is_empty) {
            return false;
        }
        first.iter_days().take_while(|d| *d <= last).any(|date| {
            !self.exceptions.contains_key(&date)
                && !self.holidays.contains(&date)
                && self.date_has_work(date)
        })
    }
}

/// A working day: a local date with working time, by the UTC instants of its first opening
/// and of the closing of its last interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct WorkingDay {
    /// First opening of the date.
    pub(super) begin: i64,
    /// Closing of the date's last interval.
    pub(super) close: i64,
}

/// The working time of one UTC year, materialised.
#[derive(Debug, Clone, Default)]
pub(super) struct YearData {
    /// Starts of the merged working spans, clipped to the year, ascending.
    starts: Vec<i64>,
    /// Ends (exclusive) of the spans; `ends[i] < starts[i + 1]`.
    ends: Vec<i64>,
    /// `cum[i]` = working seconds in spans `0..i`; one longer than `starts`.
    cum: Vec<u64>,
    /// Working days whose first opening lies in this year, by ascending `begin`.
    days: Vec<WorkingDay>,
    /// First instant of the year.
    year_begin: i64,
    /// `day_index[k]` = number of spans starting before the `k`-th UTC day of the year begins
    /// (one entry per day plus one), so a lookup only scans the spans starting that day.
    day_index: Vec<u32>,
}

impl YearData {
    /// Materialises the horizon year with index `idx` from `rules`.
    pub(super) fn build(rules: &Rules, idx: usize) -> Self {
        let year_begin = index_start(idx);
        let year_end = index_start(idx + 1);
        let mut data = Self {
            cum: vec![0],
            year_begin,
            ..Self::default()
        };
        let year = FIRST_YEAR.saturating_add(i32::try_from(idx).unwrap_or(0));
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|d| d.checked_sub_signed(TimeDelta::days(2))),
            NaiveDate::from_ymd_opt(year, 12, 31)
                .and_then(|d| d.checked_add_signed(TimeDelta::days(2))),
        ) else {
            return data;
        };
        let mut raw: Vec<(i64, i64)> = Vec::with_capacity(1_024);
        for date in first.iter_days().take_while(|d| *d <= last) {
            let before = raw.len();
            raw.extend(rules.utc_intervals(date));
            let added = raw.get(before..).unwrap_or(&[]);
            let begin = added.iter().map(|iv| iv.0).min();
            let close = added.iter().map(|iv| iv.1).max();
            if let (Some(begin), Some(close)) = (begin, close)
                && (year_begin..year_end).contains(&begin)
            {
                data.days.push(WorkingDay { begin, close });
            }
        }
        raw.sort_unstable();
        let mut total: u64 = 0;
        for (start, end) in raw {
            let (start, end) = (start.max(year_begin), end.min(year_end));
            if start >= end {
                continue;
            }
            match data.ends.last_mut() {
                Some(last_end) if *last_end >= start => {
                    if end > *last_end {
                        total += (end - *last_end).unsigned_abs();
                        *last_end = end;
                        if let Some(c) = data.cum.last_mut() {
                            *c = total;
                        }
                    }
                }
                _ => {
                    total += (end - start).unsigned_abs();
                    data.starts.push(start);
                    data.ends.push(end);
                    data.cum.push(total);
                }
            }
        }
        data.days.sort_unstable();
        data.build_day_index(year_end);
        data
    }

    /// Fills [`Self::day_index`] for the year ending at `year_end`.
    fn build_day_index(&mut self, year_end: i64) {
        let day = i64::from(DAY_SECONDS);
        let mut i = 0usize;
        let mut day_start = self.year_begin;
        while day_start <= year_end {
            while self.starts.get(i).is_some_and(|&s| s < day_start) {
                i += 1;
            }
            self.day_index.push(u32::try_from(i).unwrap_or(u32::MAX));
            day_start += day;
        }
    }

    /// Working seconds in the whole year.
    pub(super) fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// Index of the first span starting after `t` (so the span containing `t`, if any, is the
    /// one before it).
    fn after(&self, t: i64) -> usize {
        let k = usize::try_from((t - self.year_begin) / i64::from(DAY_SECONDS)).unwrap_or(0);
        let (Some(&lo), Some(&hi)) = (self.day_index.get(k), self.day_index.get(k + 1)) else {
            return self.starts.partition_point(|&s| s <= t);
        };
        let (lo, hi) = (lo as usize, hi as usize);
        lo + self
            .starts
            .get(lo..hi)
            .map_or(0, |day| day.iter().take_while(|&&s| s <= t).count())
    }

    /// The span `i` as `(start, end, working seconds before it)`.
    fn span(&self, i: usize) -> Option<(i64, i64, u64)> {
        Some((*self.starts.get(i)?, *self.ends.get(i)?, *self.cum.get(i)?))
    }

    /// Whether `t` (inside this year) is working time.
    pub(super) fn is_open(&self, t: i64) -> bool {
        self.after(t)
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .is_some_and(|&end| t < end)
    }

    /// Working seconds from the start of the year up to `t` (exclusive), `t` inside the year
    /// or equal to its end.
    pub(super) fn before(&self, t: i64) -> u64 {
        match self.after(t).checked_sub(1).and_then(|i| self.span(i)) {
            Some((start, end, cum)) => cum + (t.min(end) - start).unsigned_abs(),
            None => 0,
        }
    }

    /// `t` if it is working time, else the next opening in this year at or after `t`.
    pub(super) fn next_open(&self, t: i64) -> Option<i64> {
        let i = self.after(t);
        match i.checked_sub(1).and_then(|j| self.ends.get(j)) {
            Some(&end) if t < end => Some(t),
            _ => self.starts.get(i).copied(),
        }
    }

    /// The earliest instant at which `r` working seconds of the year have elapsed,
    /// for `0 < r <= total()`.
    pub(super) fn locate(&self, r: u64) -> Option<i64> {
        let i = self.cum.partition_point(|&c| c < r).checked_sub(1)?;
        let (start, _, cum) = self.span(i)?;
        start.checked_add(i64::try_from(r - cum).ok()?)
    }

    /// The working days beginning in this year, ascending.
    pub(super) fn days(&self) -> &[WorkingDay] {
        &self.days
    }

    /// Index into [`Self::days`] of the first working day beginning at or after `t`.
    pub(super) fn first_day_from(&self, t: i64) -> usize {
        self.days.partition_point(|d| d.begin < t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_constants() {
        assert_eq!(HORIZON_START, 0);
        assert_eq!(HORIZON_END, 7_289_654_400);
        assert_eq!(year_start(2026), 1_767_225_600);
    }

    #[test]
    fn year_index_at_boundaries() {
        for idx in 0..YEAR_COUNT {
            let s = index_start(idx);
            assert_eq!(year_index(s), idx);
            if idx > 0 {
                assert_eq!(year_index(s - 1), idx - 1);
            }
        }
        assert_eq!(year_index(HORIZON_END - 1), YEAR_COUNT - 1);
        assert_eq!(year_index(HORIZON_START - 1), 0);
        assert_eq!(year_index(i64::MIN), 0);
        assert_eq!(year_index(i64::MAX), YEAR_COUNT - 1);
        // Every day of the horizon, at an hour that moves through the day.
        for day in 0..(HORIZON_END - HORIZON_START) / 86_400 {
            let t = HORIZON_START + day * 86_400 + (day * 3_607) % 86_400;
            let idx = year_index(t);
            assert!(index_start(idx) <= t && t < index_start(idx + 1), "{t}");
        }
    }
}
