//! The compiled business calendar: this module owns [`CalendarSpec`] (the validated input),
//! [`BusinessCalendar`] (the immutable, thread-safe compiled form) and the queries over it —
//! `is_open`, `next_open`, `between`, `add` and `add_working_days` — answered from lazily
//! materialised years with binary searches and per-year prefix sums.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::local::DAY_SECONDS;
use super::year::{
    HORIZON_END, HORIZON_START, Rules, YEAR_COUNT, YearData, index_start, sanitise, year_index,
};

/// A business calendar as configured, already validated by the caller.
///
/// Local times are seconds after local midnight; `86_400` means `24:00`, the next local
/// midnight. Malformed intervals are not an error: a close above `86_400` is capped at `24:00`
/// and an interval with `open >= close` is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSpec {
    /// Time zone in which all local dates and times are read.
    pub tz: Tz,
    /// Working intervals of each weekday, Monday first. Each `(open, close)` is in local
    /// seconds after midnight, `0 <= open < close <= 86400`; one day's intervals are sorted
    /// and non-overlapping.
    pub week: [Vec<(u32, u32)>; 7],
    /// Local dates removed entirely (local midnight to local midnight).
    pub holidays: BTreeSet<NaiveDate>,
    /// Dated exceptions: the intervals of that local date instead of its weekday's (an empty
    /// list closes the date). An exception wins over a holiday on the same date.
    pub exceptions: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
}

impl CalendarSpec {
    /// A spec in `tz` with no working time at all, to be filled in.
    pub fn closed(tz: Tz) -> Self {
        Self {
            tz,
            week: Default::default(),
            holidays: BTreeSet::new(),
            exceptions: BTreeMap::new(),
        }
    }
}

/// A compiled business calendar: immutable, `Send + Sync`, meant to be shared behind an `Arc`.
///
/// All instants are seconds since 1970-01-01T00:00:00Z. Working time exists only inside the
/// supported horizon `[HORIZON_START, HORIZON_END)` (UTC years 1970 to 2200); outside it the
/// calendar is closed, so queries there return `None` or `0` and never panic. Each UTC year
/// is materialised on first use and cached; so is the table of years, so a calendar that is
/// never queried costs only its rules (a bundle may define many thousands).
pub struct BusinessCalendar {
    /// The sanitised rules years are built from.
    rules: Rules,
    /// One lazily built entry per horizon year, in a table made on first use.
    years: OnceLock<Box<[OnceLock<YearData>]>>,
    /// Whether any working second exists in the horizon.
    has_work: bool,
}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("rules", &self.rules)
            .field(
                "materialised_years",
                &self.years.get().map_or(0, |years| {
                    years.iter().filter(|y| y.get().is_some()).count()
                }),
            )
            .field("has_work", &self.has_work)
            .finish()
    }
}

impl BusinessCalendar {
    /// A calendar open every second of every day (24x7, UTC).
    pub fn always_open() -> Self {
        let mut spec = CalendarSpec::closed(chrono_tz::UTC);
        spec.week = std::array::from_fn(|_| vec![(0, DAY_SECONDS)]);
        Self::new(spec)
    }

    /// Compiles `spec`. Cheap: years are materialised on first use.
    pub fn new(spec: CalendarSpec) -> Self {
        let rules = Rules {
            tz: spec.tz,
            week: spec.week.map(|day| sanitise(&day)),
            holidays: spec.holidays,
            exceptions: spec
                .exceptions
                .into_iter()
                .map(|(date, day)| (date, sanitise(&day)))
                .collect(),
        };
        let has_work = rules.any_work();
        Self {
            rules,
            years: OnceLock::new(),
            has_work,
        }
    }

    /// The time zone the calendar's local times are read in.
    pub fn tz(&self) -> Tz {
        self.rules.tz
    }

    /// The local dates the calendar removes as holidays (its own and those it inherits, rules
    /// expanded), in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.rules.holidays.iter().copied()
    }

    /// Whether there is any working second at all in the supported horizon.
    pub fn has_working_time(&self) -> bool {
        self.has_work
    }

    /// The materialised year with horizon index `idx`, or `None` past the horizon.
    fn year(&self, idx: usize) -> Option<&YearData> {
        let years = self
            .years
            .get_or_init(|| (0..YEAR_COUNT).map(|_| OnceLock::new()).collect());
        let cell = years.get(idx)?;
        Some(cell.get_or_init(|| YearData::build(&self.rules, idx)))
    }

    /// Whether the instant `t` is working time (inside a span `[open, close)`).
    pub fn is_open(&self, t: i64) -> bool {
        if !self.has_work || !(HORIZON_START..HORIZON_END).contains(&t) {
            return false;
        }
        self.year(year_index(t)).is_some_and(|y| y.is_open(t))
    }

    /// `t` if it is working time, else the next opening after `t`; `None` if no working time
    /// follows `t` inside the horizon.
    pub fn next_open(&self, t: i64) -> Option<i64> {
        if !self.has_work || t >= HORIZON_END {
            return None;
        }
        let t = t.max(HORIZON_START);
        let mut idx = year_index(t);
        if let Some(found) = self.year(idx)?.next_open(t) {
            return Some(found);
        }
        loop {
            idx += 1;
            if let Some(found) = self.year(idx)?.next_open(index_start(idx)) {
                return Some(found);
            }
        }
    }

    /// Working seconds in `[a, b)`; `0` if `b <= a`.
    pub fn between(&self, a: i64, b: i64) -> u64 {
        let a = a.clamp(HORIZON_START, HORIZON_END);
        let b = b.clamp(HORIZON_START, HORIZON_END);
        if b <= a || !self.has_work {
            return 0;
        }
        let first = year_index(a);
        let last = year_index(b - 1);
        let Some(year_a) = self.year(first) else {
            return 0;
        };
        if first == last {
            return year_a.before(b) - year_a.before(a);
        }
        let mut sum = year_a.total() - year_a.before(a);
        for idx in first + 1..last {
            sum += self.year(idx).map_or(0, YearData::total);
        }
        sum + self.year(last).map_or(0, |y| y.before(b))
    }

    /// The due time of `seconds` working seconds from `start`.
    ///
    /// The clock starts at `start` if it is working time, else at the next opening.
    /// `add(start, 0)` is that starting instant; for `seconds > 0` it is the earliest instant
    /// `t` with `between(start, t) == seconds` (so a due time landing exactly at a closing time
    /// is that closing time). `None` if the horizon ends first.
    pub fn add(&self, start: i64, seconds: u64) -> Option<i64> {
        if seconds == 0 {
            return self.next_open(start);
        }
        if !self.has_work || start >= HORIZON_END {
            return None;
        }
        let start = start.max(HORIZON_START);
        let mut idx = year_index(start);
        let mut year = self.year(idx)?;
        let mut remaining = seconds.checked_add(year.before(start))?;
        loop {
            let total = year.total();
            if remaining <= total {
                return year.locate(remaining);
            }
            remaining -= total;
            idx += 1;
            year = self.year(idx)?;
        }
    }

    /// The closing time of the last interval of the `days`-th working day that begins at or
    /// after `start`.
    ///
    /// A working day is a local date with working time; it begins at its first opening (so a
    /// start at or before a day's first opening counts that day and a start later in the day
    /// does not) and ends at the closing time of its last interval (the latest closing if a
    /// DST gap reorders them). `add_working_days(start, 0) == add(start, 0)`. `None` if the horizon ends
    /// first.
    pub fn add_working_days(&self, start: i64, days: u32) -> Option<i64> {
        if days == 0 {
            return self.add(start, 0);
        }
        if !self.has_work || start >= HORIZON_END {
            return None;
        }
        let start = start.max(HORIZON_START);
        let mut idx = year_index(start);
        let mut year = self.year(idx)?;
        let mut first = year.first_day_from(start);
        let mut remaining = usize::try_from(days).ok()?;
        loop {
            let available = year.days().get(first..).unwrap_or(&[]);
            if let Some(day) = available.get(remaining - 1) {
                return Some(day.close);
            }
            remaining -= available.len();
            idx += 1;
            year = self.year(idx)?;
            first = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<BusinessCalendar>();
    }

    #[test]
    fn always_open_basics() {
        let cal = BusinessCalendar::always_open();
        assert!(cal.has_working_time());
        assert!(cal.is_open(0));
        assert!(!cal.is_open(-1));
        assert_eq!(cal.between(-100, 100), 100);
        assert_eq!(cal.add(5, 10), Some(15));
        assert_eq!(cal.add(HORIZON_END - 10, 10), Some(HORIZON_END));
        assert_eq!(cal.add(HORIZON_END - 10, 11), None);
        assert_eq!(cal.between(0, HORIZON_END), HORIZON_END.unsigned_abs());
        assert_eq!(cal.next_open(-5), Some(0));
        assert_eq!(cal.next_open(HORIZON_END), None);
    }

    #[test]
    fn closed_calendar() {
        let cal = BusinessCalendar::new(CalendarSpec::closed(chrono_tz::UTC));
        assert!(!cal.has_working_time());
        assert_eq!(cal.next_open(0), None);
        assert_eq!(cal.add(0, 1), None);
        assert_eq!(cal.add_working_days(0, 1), None);
        assert_eq!(cal.between(0, 1_000_000), 0);
    }
}
