//! Typed scalar values written as text: durations, percentages, times, intervals, dates,
//! periods and timestamps.
//!
//! Each type parses from the text a process owner writes (`"5 working days"`, `"99.5%"`,
//! `"09:00-17:30"`) and prints back in a canonical form.

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Weekday};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};

/// Implements `Deserialize` through `FromStr`, accepting plain numbers as text too, and a string
/// JSON Schema with a pattern and description.
macro_rules! text_value {
    ($ty:ty, $name:literal, $pattern:expr, $description:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($name)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                deserializer.deserialize_str(V)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}

/// A duration of business time: seconds of working time in a calendar, or whole working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Duration {
    /// Working seconds (`30m`, `8h`, `1h30m`, `2d` = 48 working hours).
    Seconds(u64),
    /// Whole working days (`5 working days`): due at the close of the N-th working day that
    /// begins at or after the start.
    WorkingDays(u32),
}

impl Duration {
    /// Whether the duration is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Duration::Seconds(0) | Duration::WorkingDays(0))
    }

    /// The duration in seconds, when it is given in time units.
    pub fn seconds(&self) -> Option<u64> {
        match self {
            Duration::Seconds(s) => Some(*s),
            Duration::WorkingDays(_) => None,
        }
    }
}

const DURATION_HELP: &str =
    "write a number and a unit, such as `30m`, `8h`, `1h30m`, `2 days` or `5 working days`";

impl FromStr for Duration {
    type Err = String;

    fn from_str(text: &str) -> Result<Duration, String> {
        let t = text.trim().to_lowercase();
        let bad = || format!("invalid duration `{text}`: {DURATION_HELP}");
        for suffix in [
            " working days",
            " working day",
            " business days",
            " business day",
        ] {
            if let Some(n) = t.strip_suffix(suffix) {
                let n: u32 = n.trim().parse().map_err(|_| bad())?;
                return Ok(Duration::WorkingDays(n));
            }
        }
        // A sequence of <number><unit> parts, with optional spaces: `1h30m`, `1 h 30 min`, `2 days`.
        let mut total: u64 = 0;
        let mut rest = t.as_str();
        let mut parts = 0;
        while !rest.trim_start().is_empty() {
            rest = rest.trim_start();
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(bad());
            }
            let (number, tail) = rest.split_at(digits);
            let number: u64 = number.parse().map_err(|_| bad())?;
            let tail = tail.trim_start();
            let unit_len = tail
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(tail.len());
            let (unit, after) = tail.split_at(unit_len);
            let scale = match unit {
                "s" | "sec" | "secs" | "second" | "seconds" => 1,
                "m" | "min" | "mins" | "minute" | "minutes" => 60,
                "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
                "d" | "day" | "days" => 86_400,
                "w" | "week" | "weeks" => 7 * 86_400,
                _ => return Err(bad()),
            };
            total = number
                .checked_mul(scale)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
            rest = after;
            parts += 1;
        }
        if parts == 0 {
            return Err(bad());
        }
        Ok(Duration::Seconds(total))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Duration::WorkingDays(1) => f.write_str("1 working day"),
            Duration::WorkingDays(n) => write!(f, "{n} working days"),
            Duration::Seconds(0) => f.write_str("0m"),
            Duration::Seconds(s) => {
                let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
                let mut out = String::new();
                for (value, unit) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
                    if value > 0 {
                        out.push_str(&format!("{value}{unit}"));
                    }
                }
                f.write_str(&out)
            }
        }
    }
}

text_value!(
    Duration,
    "a duration such as `30m`, `8h` or `5 working days`",
    "^\\s*(\\d+\\s*(working|business)\\s+days?|(\\d+\\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\\s*)+)\\s*$",
    "A duration of business time in the calendar in force: `30m`, `8h`, `1h30m`, `2 days` (48 working hours) or `5 working days` (the close of the fifth working day that begins at or after the start)."
);

/// A percentage such as `99.5%`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Percent(pub f64);

impl Percent {
    /// The percentage as a fraction (99.5% is 0.995).
    pub fn fraction(&self) -> f64 {
        self.0 / 100.0
    }

    /// The share as an exact ratio `(numerator, denominator)`, read from the decimal the
    /// percentage was written as (`66.7%` is 667/1000): the shortest decimal that reads back as
    /// the stored number is the one written, for up to 15 significant digits. Digits beyond the
    /// ninth decimal place are dropped.
    pub fn ratio(&self) -> (u64, u64) {
        let text = format!("{}", self.0);
        let (whole, decimals) = text.split_once('.').unwrap_or((&text, ""));
        let decimals = decimals.get(..decimals.len().min(9)).unwrap_or("");
        let digits = format!("{whole}{decimals}");
        let numerator = digits.parse::<u64>().unwrap_or(0);
        let denominator = 100 * 10u64.pow(decimals.len() as u32);
        (numerator, denominator)
    }
}

impl FromStr for Percent {
    type Err = String;

    fn from_str(text: &str) -> Result<Percent, String> {
        let bad = || {
            format!("invalid percentage `{text}`: write a number followed by `%`, such as `95%`")
        };
        let number = text.trim().strip_suffix('%').ok_or_else(bad)?;
        let value: f64 = number.trim().parse().map_err(|_| bad())?;
        if !value.is_finite() || value < 0.0 {
            return Err(bad());
        }
        Ok(Percent(value))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

text_value!(
    Percent,
    "a percentage such as `95%`",
    "^\\s*\\d+(\\.\\d+)?\\s*%\\s*$",
    "A percentage, such as `95%` or `99.5%`."
);

/// A local time of day from `00:00` to `24:00` (the next midnight), in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(pub u32);

impl FromStr for TimeOfDay {
    type Err = String;

    fn from_str(text: &str) -> Result<TimeOfDay, String> {
        let bad = || format!("invalid time `{text}`: write `HH:MM` from `00:00` to `24:00`");
        let mut parts = text.trim().split(':');
        let h: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let m: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let s: u32 = match parts.next() {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => 0,
        };
        if parts.next().is_some() || m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
            return Err(bad());
        }
        Ok(TimeOfDay(h * 3600 + m * 60 + s))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 % 3600 / 60, self.0 % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

text_value!(
    TimeOfDay,
    "a local time such as `10:00`",
    "^\\s*\\d{1,2}:\\d{2}(:\\d{2})?\\s*$",
    "A local time of day, `HH:MM` from `00:00` to `24:00`, such as `10:00`."
);

/// A working interval of one day, `09:00-17:30`: open at the first time, closed from the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// Opening time.
    pub open: TimeOfDay,
    /// Closing time (exclusive); `24:00` is the next midnight.
    pub close: TimeOfDay,
}

impl FromStr for Interval {
    type Err = String;

    fn from_str(text: &str) -> Result<Interval, String> {
        let (open, close) = text.split_once('-').ok_or_else(|| {
            format!("invalid interval `{text}`: write `HH:MM-HH:MM`, such as `09:00-17:30`")
        })?;
        Ok(Interval {
            open: open.parse()?,
            close: close.parse()?,
        })
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.open, self.close)
    }
}

text_value!(
    Interval,
    "an interval such as `09:00-17:30`",
    "^\\s*\\d{1,2}:\\d{2}(:\\d{2})?\\s*-\\s*\\d{1,2}:\\d{2}(:\\d{2})?\\s*$",
    "Working time of one day, `HH:MM-HH:MM` in the calendar's time zone; the close is exclusive and may be `24:00`."
);

/// A calendar date, `2026-12-25`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Date)
            .map_err(|_| format!("invalid date `{text}`: write `YYYY-MM-DD`"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

text_value!(
    Date,
    "a date such as `2026-12-25`",
    "^\\d{4}-\\d{2}-\\d{2}$",
    "A calendar date, `YYYY-MM-DD`."
);

/// A day that comes back every year, as a holiday rule names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearlyDay {
    /// A month and a day: `12-25`. `02-29` falls in leap years only.
    Fixed {
        /// The month, 1 to 12.
        month: u32,
        /// The day of the month.
        day: u32,
    },
    /// Days after (or, negative, before) Western Easter Sunday: `easter`, `easter-2`, `easter+39`.
    Easter(i32),
    /// The n-th weekday of a month, counted from its start (1 to 5) or, negative, from its end
    /// (-1 is the last): `first mon of may`, `last mon of may`.
    Nth {
        /// 1 to 5, or -1 to -5 from the end.
        nth: i8,
        /// The weekday.
        weekday: Weekday,
        /// The month, 1 to 12.
        month: u32,
    },
    /// The first given weekday on or after a month and day: `fri on or after 06-19`.
    OnOrAfter {
        /// The weekday.
        weekday: Weekday,
        /// The month, 1 to 12.
        month: u32,
        /// The day of the month.
        day: u32,
    },
}

const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "monday", Weekday::Mon),
    ("tue", "tuesday", Weekday::Tue),
    ("wed", "wednesday", Weekday::Wed),
    ("thu", "thursday", Weekday::Thu),
    ("fri", "friday", Weekday::Fri),
    ("sat", "saturday", Weekday::Sat),
    ("sun", "sunday", Weekday::Sun),
];

const MONTHS: [(&str, &str); 12] = [
    ("jan", "january"),
    ("feb", "february"),
    ("mar", "march"),
    ("apr", "april"),
    ("may", "may"),
    ("jun", "june"),
    ("jul", "july"),
    ("aug", "august"),
    ("sep", "september"),
    ("oct", "october"),
    ("nov", "november"),
    ("dec", "december"),
];

const ORDINALS: [(&str, &str, i8); 6] = [
    ("first", "1st", 1),
    ("second", "2nd", 2),
    ("third", "3rd", 3),
    ("fourth", "4th", 4),
    ("fifth", "5th", 5),
    ("last", "last", -1),
];

const YEARLY_DAY_HELP: &str =
    "write `12-25`, `easter-2`, `first mon of may`, `last mon of may` or `fri on or after 06-19`";

/// `MM-DD`, a day that exists in some year (`02-29` does).
fn month_day(text: &str) -> Option<(u32, u32)> {
    let (month, day) = text.split_once('-')?;
    if month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (month, day) = (month.parse().ok()?, day.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, month, day).map(|_| (month, day))
}

fn weekday_named(word: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(short, long, _)| word == *short || word == *long)
        .map(|(_, _, weekday)| *weekday)
}

fn weekday_name(weekday: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, _, w)| *w == weekday)
        .map_or("mon", |(short, _, _)| short)
}

impl FromStr for YearlyDay {
    type Err = String;

    fn from_str(text: &str) -> Result<YearlyDay, String> {
        let bad = || format!("invalid yearly day `{text}`: {YEARLY_DAY_HELP}");
        let lower = text.trim().to_lowercase();
        if let Some(offset) = lower.strip_prefix("easter") {
            let offset: String = offset.chars().filter(|c| !c.is_whitespace()).collect();
            let offset = offset.strip_prefix('+').unwrap_or(&offset);
            return match offset {
                "" => Ok(YearlyDay::Easter(0)),
                n => n
                    .parse::<i32>()
                    .ok()
                    .filter(|n| n.abs() <= 366)
                    .map(YearlyDay::Easter)
                    .ok_or_else(bad),
            };
        }
        let words: Vec<&str> = lower.split_whitespace().collect();
        match words.as_slice() {
            [date] => month_day(date)
                .map(|(month, day)| YearlyDay::Fixed { month, day })
                .ok_or_else(bad),
            [ordinal, weekday, "of", month] => {
                let nth = ORDINALS
                    .iter()
                    .find(|(word, short, _)| ordinal == word || ordinal == short)
                    .map(|(_, _, n)| *n);
                let month = MONTHS
                    .iter()
                    .position(|(short, long)| month == short || month == long)
                    .and_then(|i| u32::try_from(i + 1).ok());
                match (nth, weekday_named(weekday), month) {
                    (Some(nth), Some(weekday), Some(month)) => Ok(YearlyDay::Nth {
                        nth,
                        weekday,
                        month,
                    }),
                    _ => Err(bad()),
                }
            }
            [weekday, "on", "or", "after", date] => match (weekday_named(weekday), month_day(date))
            {
                (Some(weekday), Some((month, day))) => Ok(YearlyDay::OnOrAfter {
                    weekday,
                    month,
                    day,
                }),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for YearlyDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            YearlyDay::Fixed { month, day } => write!(f, "{month:02}-{day:02}"),
            YearlyDay::Easter(0) => f.write_str("easter"),
            YearlyDay::Easter(n) => write!(f, "easter{n:+}"),
            YearlyDay::Nth {
                nth,
                weekday,
                month,
            } => {
                let ordinal = ORDINALS
                    .iter()
                    .find(|(_, _, n)| *n == nth)
                    .map_or("first", |(word, _, _)| word);
                let month = usize::try_from(month)
                    .ok()
                    .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
                    .map_or("jan", |(short, _)| short);
                write!(f, "{ordinal} {} of {month}", weekday_name(weekday))
            }
            YearlyDay::OnOrAfter {
                weekday,
                month,
                day,
            } => write!(
                f,
                "{} on or after {month:02}-{day:02}",
                weekday_name(weekday)
            ),
        }
    }
}

text_value!(
    YearlyDay,
    "a yearly day such as `12-25`, `easter-2` or `last mon of may`",
    "^[A-Za-z0-9 +-]+$",
    "When a holiday falls each year: `MM-DD` (`12-25`); `easter`, `easter-2`, `easter+1` (days from Western Easter Sunday); `first mon of may` ... `fifth`, or `last mon of may`; or `fri on or after 06-19` (the first such weekday on or after a date). Weekdays `mon` ... `sun`, months `jan` ... `dec` (or in full)."
);

/// An instant, written in RFC 3339 with an offset and kept as whole seconds since 1970 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl FromStr for Timestamp {
    type Err = String;

    fn from_str(text: &str) -> Result<Timestamp, String> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Timestamp(t.timestamp()))
            .map_err(|_| {
                format!("invalid timestamp `{text}`: write RFC 3339 with an offset, such as `2026-10-01T09:00:00Z`")
            })
    }
}

impl Timestamp {
    /// Year, month, day, hour, minute and second in UTC (integer arithmetic: this is on the hot
    /// path of every action written).
    fn civil(self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.0.div_euclid(86_400);
        let second = self.0.rem_euclid(86_400);
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        (
            year,
            month,
            day,
            second / 3600,
            second % 3600 / 60,
            second % 60,
        )
    }

    /// The RFC 3339 text as bytes, for years 0000 to 9999 (every other year is written by
    /// `Display` alone).
    fn text(self) -> Option<[u8; 20]> {
        thread_local! {
            /// The last day written (days since 1970) and its `YYYY-MM-DD`: actions are written
            /// in time order, so most share the day of the one before, and the date's
            /// arithmetic is most of the cost.
            static DAY: Cell<(i64, Option<[u8; 10]>)> = const { Cell::new((i64::MIN, None)) };
        }
        let days = self.0.div_euclid(86_400);
        let [y0, y1, y2, y3, _, m0, m1, _, d0, d1] = DAY.with(|last| {
            let (day, text) = last.get();
            if day == days {
                return text;
            }
            let text = Timestamp(days.saturating_mul(86_400)).date_text();
            last.set((days, text));
            text
        })?;
        let second = u32::try_from(self.0.rem_euclid(86_400)).unwrap_or(0);
        let digit = |n: u32| b'0' + u8::try_from(n % 10).unwrap_or(0);
        let (hour, minute, second) = (second / 3600, second % 3600 / 60, second % 60);
        Some([
            y0,
            y1,
            y2,
            y3,
            b'-',
            m0,
            m1,
            b'-',
            d0,
            d1,
            b'T',
            digit(hour / 10),
            digit(hour),
            b':',
            digit(minute / 10),
            digit(minute),
            b':',
            digit(second / 10),
            digit(second),
            b'Z',
        ])
    }

    /// The date as `YYYY-MM-DD`, for years 0000 to 9999.
    fn date_text(self) -> Option<[u8; 10]> {
        let (year, month, day, ..) = self.civil();
        if !(0..=9999).contains(&year) {
            return None;
        }
        let digit = |n: i64| b'0' + u8::try_from(n % 10).unwrap_or(0);
        Some([
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ])
    }

    /// Appends the text `Display` writes to `out`.
    pub fn write_to(self, out: &mut Vec<u8>) {
        match self.text() {
            Some(text) => out.extend_from_slice(&text),
            None => out.extend_from_slice(self.to_string().as_bytes()),
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, `2026-10-01T09:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.text() {
            return f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?);
        }
        let (year, month, day, hour, minute, second) = self.civil();
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
        )
    }
}

text_value!(
    Timestamp,
    "a timestamp such as `2026-10-01T09:00:00Z`",
    "^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$",
    "An instant in RFC 3339 with an offset, such as `2026-10-01T09:00:00Z` or `2026-10-01T10:00:00+01:00`."
);

/// A unit of calendar periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodUnit {
    /// Days.
    Day,
    /// Weeks, from Monday.
    Week,
    /// Months.
    Month,
}

/// A recurring period: `daily`, `weekly`, `monthly`, `quarterly`, `twice a year`, `annually`, or
/// `every N days|weeks|months|years`. Period boundaries fall in the owning calendar's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// The unit.
    pub unit: PeriodUnit,
    /// How many units one period lasts.
    pub count: u32,
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Period, String> {
        let t = text.trim().to_lowercase().replace(['_', '-'], " ");
        let named = match t.as_str() {
            "daily" => Some((PeriodUnit::Day, 1)),
            "weekly" => Some((PeriodUnit::Week, 1)),
            "monthly" => Some((PeriodUnit::Month, 1)),
            "quarterly" => Some((PeriodUnit::Month, 3)),
            "twice a year" | "semiannually" | "half yearly" | "biannually" => {
                Some((PeriodUnit::Month, 6))
            }
            "annually" | "yearly" => Some((PeriodUnit::Month, 12)),
            _ => None,
        };
        if let Some((unit, count)) = named {
            return Ok(Period { unit, count });
        }
        let bad = || {
            format!(
                "invalid period `{text}`: use `daily`, `weekly`, `monthly`, `quarterly`, `twice a year`, `annually` or `every N days|weeks|months|years`"
            )
        };
        let rest = t.strip_prefix("every ").ok_or_else(bad)?;
        let (n, unit) = rest.split_once(' ').ok_or_else(bad)?;
        let n: u32 = n.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(bad());
        }
        let (unit, count) = match unit.trim() {
            "day" | "days" => (PeriodUnit::Day, n),
            "week" | "weeks" => (PeriodUnit::Week, n),
            "month" | "months" => (PeriodUnit::Month, n),
            "year" | "years" => (PeriodUnit::Month, n.checked_mul(12).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        Ok(Period { unit, count })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.unit, self.count) {
            (PeriodUnit::Day, 1) => f.write_str("daily"),
            (PeriodUnit::Week, 1) => f.write_str("weekly"),
            (PeriodUnit::Month, 1) => f.write_str("monthly"),
            (PeriodUnit::Month, 3) => f.write_str("quarterly"),
            (PeriodUnit::Month, 6) => f.write_str("twice a year"),
            (PeriodUnit::Month, 12) => f.write_str("annually"),
            (PeriodUnit::Day, n) => write!(f, "every {n} days"),
            (PeriodUnit::Week, n) => write!(f, "every {n} weeks"),
            (PeriodUnit::Month, n) if n % 12 == 0 => write!(f, "every {} years", n / 12),
            (PeriodUnit::Month, n) => write!(f, "every {n} months"),
        }
    }
}

text_value!(
    Period,
    "a period such as `monthly`",
    "^\\s*(daily|weekly|monthly|quarterly|twice[ _-]a[ _-]year|semiannually|half[ _-]yearly|biannually|annually|yearly|every \\d+ (days?|weeks?|months?|years?))\\s*$",
    "A recurring period: `daily`, `weekly`, `monthly`, `quarterly`, `twice a year`, `annually`, or `every N days|weeks|months|years`; boundaries fall in the calendar's time zone."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_the_forms_people_write() {
        assert_eq!("30m".parse(), Ok(Duration::Seconds(1800)));
        assert_eq!("8h".parse(), Ok(Duration::Seconds(8 * 3600)));
        assert_eq!("1h30m".parse(), Ok(Duration::Seconds(5400)));
        assert_eq!("1 h 30 min".parse(), Ok(Duration::Seconds(5400)));
        assert_eq!("2 days".parse(), Ok(Duration::Seconds(2 * 86_400)));
        assert_eq!("5 working days".parse(), Ok(Duration::WorkingDays(5)));
        assert_eq!("1 Business Day".parse(), Ok(Duration::WorkingDays(1)));
        assert!("5".parse::<Duration>().is_err());
        assert!("soon".parse::<Duration>().is_err());
        assert!("-5m".parse::<Duration>().is_err());
        assert!("99999999999999999999h".parse::<Duration>().is_err());
        assert_eq!(Duration::Seconds(5400).to_string(), "1h30m");
        assert_eq!(Duration::WorkingDays(5).to_string(), "5 working days");
    }

    #[test]
    fn yearly_days_parse_the_forms_of_holiday_rules_and_print_back() {
        for text in [
            "12-25",
            "02-29",
            "easter",
            "easter-2",
            "easter+39",
            "first mon of may",
            "last mon of aug",
            "fourth thu of nov",
            "fri on or after 06-19",
        ] {
            let day: YearlyDay = text.parse().unwrap();
            assert_eq!(day.to_string(), text);
        }
        assert_eq!(
            "Last Monday of May".parse(),
            Ok(YearlyDay::Nth {
                nth: -1,
                weekday: Weekday::Mon,
                month: 5
            })
        );
        assert_eq!("easter + 1".parse(), Ok(YearlyDay::Easter(1)));
        assert_eq!(
            "3rd mon of jan".parse::<YearlyDay>().map(|d| d.to_string()),
            Ok("third mon of jan".into())
        );
        for bad in [
            "02-30",
            "13-01",
            "2026-12-25",
            "easter*2",
            "sixth mon of may",
            "mon of may",
            "fri after 06-19",
            "",
        ] {
            assert!(bad.parse::<YearlyDay>().is_err(), "{bad}");
        }
    }

    #[test]
    fn percent_time_interval_period() {
        assert_eq!("99.5%".parse(), Ok(Percent(99.5)));
        assert!("99.5".parse::<Percent>().is_err());
        assert_eq!("24:00".parse(), Ok(TimeOfDay(86_400)));
        assert!("24:01".parse::<TimeOfDay>().is_err());
        assert_eq!(
            "09:00-17:30".parse::<Interval>().map(|i| i.to_string()),
            Ok("09:00-17:30".to_string())
        );
        assert_eq!("quarterly".parse::<Period>().map(|p| p.count), Ok(3));
        assert_eq!(
            "every 2 months".parse::<Period>().map(|p| p.to_string()),
            Ok("every 2 months".into())
        );
        assert_eq!("twice_a_year".parse::<Period>().map(|p| p.count), Ok(6));
        assert_eq!(
            "2026-10-01T10:00:00+01:00"
                .parse::<Timestamp>()
                .map(|t| t.to_string()),
            Ok("2026-10-01T09:00:00Z".into())
        );
    }

    #[test]
    fn timestamps_print_every_year() {
        for (seconds, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (253_402_300_800, "10000-01-01T00:00:00Z"),
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
            (-62_167_219_201, "-001-12-31T23:59:59Z"),
        ] {
            assert_eq!(Timestamp(seconds).to_string(), text);
            let mut out = Vec::new();
            Timestamp(seconds).write_to(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn timestamps_print_as_chrono_does_across_days_and_back() {
        // Steps of odd sizes, forwards then backwards, so the cached day is hit, missed and
        // left for an earlier one.
        let mut seconds = 1_700_000_000_i64;
        for step in [7_919_i64, 86_400, 1, 3_599, 90_001, -86_401, -13, -400_000] {
            for _ in 0..200 {
                seconds += step;
                let mut out = Vec::new();
                Timestamp(seconds).write_to(&mut out);
                let expected = DateTime::from_timestamp(seconds, 0)
                    .unwrap()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                assert_eq!(String::from_utf8(out).unwrap(), expected);
            }
        }
        // The extremes are written (by `Display`'s own arithmetic), without overflowing.
        for extreme in [i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            Timestamp(extreme).write_to(&mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                Timestamp(extreme).to_string()
            );
        }
    }
}
