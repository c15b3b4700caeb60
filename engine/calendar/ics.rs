//! iCalendar (RFC 5545) holiday import: this module owns reading a `.ics` text — line
//! unfolding, content-line syntax, the component structure — and turning its `VEVENT`s into
//! the local dates they cover within a window, with their `SUMMARY` as the holiday's name.
//!
//! Read per event: `DTSTART` (a DATE, or a DATE-TIME whose date as written is used — no time
//! zone conversion), `DTEND` or `DURATION` (an event covers every date from its start up to its
//! end exclusive; a missing or non-positive end means one day), `RRULE` (see the `rrule`
//! module), `RDATE` (dates, date-times or periods), `EXDATE`, `RECURRENCE-ID` (an instance
//! that replaces the master's occurrence of the same `UID` on that date), `STATUS:CANCELLED`
//! (the event or instance is dropped), `SUMMARY` and `UID`. Other properties and components
//! (`VTIMEZONE`, `VTODO`, `VALARM` inside an event, ...) are ignored.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta};

use super::rrule::{self, RruleError, Rule, Stamp, parse_stamp};

/// One holiday date read from a calendar feed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Holiday {
    /// The local date removed from working time.
    pub date: NaiveDate,
    /// The event's `SUMMARY`, if it has a non-empty one.
    pub name: Option<String>,
}

/// Why a `.ics` text could not be imported. The message is lowercase, without final period,
/// and the line is the 1-based physical line where the offending content line starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IcsError {
    /// The text is not valid iCalendar at this line.
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line number in the `.ics` text.
        line: usize,
        /// What is wrong, lowercase, no final period.
        message: String,
    },
    /// Valid iCalendar that this importer does not support (e.g. `FREQ=HOURLY`, `BYWEEKNO`).
    #[error("line {line}: {message}")]
    Unsupported {
        /// 1-based line number in the `.ics` text.
        line: usize,
        /// What is unsupported, lowercase, no final period.
        message: String,
    },
    /// The events expand to more than [`MAX_ICS_DATES`] dates in the window; the line is that
    /// of the event that went past the limit.
    #[error("line {line}: {message}")]
    TooManyDates {
        /// 1-based line number of the event's `BEGIN:VEVENT`.
        line: usize,
        /// The message, naming the limit.
        message: String,
    },
}

/// The most dates the events of one file may expand to (each date of each occurrence counted,
/// repeats included), and the most occurrences its rules may have, within the window read: a
/// daily event lasting ten years, repeated daily, is an error rather than hundreds of millions
/// of dates.
pub const MAX_ICS_DATES: usize = 100_000;

/// What is left of the [`MAX_ICS_DATES`] one file may expand to.
pub(super) struct Budget(pub(super) usize);

impl Budget {
    /// Takes one date; `false` when none is left.
    pub(super) fn take(&mut self) -> bool {
        match self.0.checked_sub(1) {
            Some(left) => {
                self.0 = left;
                true
            }
            None => false,
        }
    }
}

impl IcsError {
    /// The 1-based line number the error points at.
    pub fn line(&self) -> usize {
        match self {
            Self::Malformed { line, .. }
            | Self::Unsupported { line, .. }
            | Self::TooManyDates { line, .. } => *line,
        }
    }

    /// The diagnostic message, lowercase, without line number or final period.
    pub fn message(&self) -> &str {
        match self {
            Self::Malformed { message, .. }
            | Self::Unsupported { message, .. }
            | Self::TooManyDates { message, .. } => message,
        }
    }

    /// A [`IcsError::Malformed`] at `line`.
    fn malformed(line: usize, message: impl Into<String>) -> Self {
        Self::Malformed {
            line,
            message: message.into(),
        }
    }
}

/// An unfolded content line and the physical line it starts on.
struct Line {
    /// 1-based physical line number of the first physical line.
    no: usize,
    /// The unfolded text.
    text: String,
}

/// Splits `text` into lines (LF or CRLF), joins folded continuation lines (starting with a
/// space or tab) and drops blank lines.
fn unfold(text: &str) -> Result<Vec<Line>, IcsError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<Line> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            match lines.last_mut() {
                Some(prev) => prev.text.push_str(rest),
                None => return Err(IcsError::malformed(i + 1, "continuation line at the start")),
            }
        } else if !raw.trim().is_empty() {
            lines.push(Line {
                no: i + 1,
                text: raw.to_owned(),
            });
        }
    }
    Ok(lines)
}

/// A parsed content line: `NAME;PARAM=VALUE:value`.
struct Property<'a> {
    /// Property name, uppercase.
    name: String,
    /// Parameters, names uppercase, multiple values joined with `,`, quotes removed.
    params: Vec<(String, String)>,
    /// The raw value after the first unquoted `:`.
    value: &'a str,
}

impl Property<'_> {
    /// The value of parameter `name` (uppercase), if present.
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether `name` is a valid property or parameter name (`iana-token` / `x-name`).
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parses one unfolded content line.
fn parse_line(line: &Line) -> Result<Property<'_>, IcsError> {
    let err = |msg: &str| IcsError::malformed(line.no, msg);
    let text = line.text.as_str();
    let split = text
        .find([';', ':'])
        .ok_or_else(|| err("missing ':' in content line"))?;
    let (name, mut rest) = text.split_at_checked(split).unwrap_or((text, ""));
    if !is_name(name) {
        return Err(err("invalid property name"));
    }
    let mut params = Vec::new();
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Ok(Property {
                name: name.to_ascii_uppercase(),
                params,
                value,
            });
        }
        let Some(after) = rest.strip_prefix(';') else {
            return Err(err("missing ':' in content line"));
        };
        let Some((pname, mut tail)) = after.split_once('=') else {
            return Err(err("parameter without '='"));
        };
        if !is_name(pname) {
            return Err(err("invalid parameter name"));
        }
        let mut values: Vec<&str> = Vec::new();
        loop {
            if let Some(quoted) = tail.strip_prefix('"') {
                let (value, after_quote) = quoted
                    .split_once('"')
                    .ok_or_else(|| err("unterminated quoted parameter value"))?;
                values.push(value);
                tail = after_quote;
            } else {
                let end = tail.find([',', ';', ':']).unwrap_or(tail.len());
                let (value, after_value) = tail.split_at_checked(end).unwrap_or((tail, ""));
                values.push(value);
                tail = after_value;
            }
            match tail.strip_prefix(',') {
                Some(more) => tail = more,
                None => break,
            }
        }
        params.push((pname.to_ascii_uppercase(), values.join(",")));
        rest = tail;
    }
}

/// Unescapes an RFC 5545 TEXT value.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses an RFC 5545 DURATION (`P1D`, `P2W`, `PT12H`, `-P1D`, ...).
fn parse_duration(value: &str) -> Option<TimeDelta> {
    let value = value.trim();
    let (negative, value) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    let body = value.strip_prefix(['P', 'p'])?;
    let mut seconds: i64 = 0;
    let mut number: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    let mut time_done = false;
    for c in body.chars() {
        if let Some(digit) = c.to_digit(10) {
            number = Some(
                number
                    .unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(i64::from(digit))?,
            );
            continue;
        }
        let unit = match (c.to_ascii_uppercase(), in_time) {
            ('T', false) if number.is_none() => {
                in_time = true;
                continue;
            }
            ('W', false) => 7 * 86_400,
            ('D', false) => 86_400,
            ('H', true) => 3_600,
            ('M', true) => 60,
            ('S', true) => 1,
            _ => return None,
        };
        seconds = seconds.checked_add(number.take()?.checked_mul(unit)?)?;
        any = true;
        time_done = in_time;
    }
    if !any || number.is_some() || in_time != time_done {
        return None;
    }
    TimeDelta::try_seconds(if negative { -seconds } else { seconds })
}

/// One `VEVENT` as read.
struct Event {
    /// Line of `BEGIN:VEVENT`.
    begin_line: usize,
    /// `DTSTART`.
    start: Option<Stamp>,
    /// `DTEND`.
    end: Option<Stamp>,
    /// `DURATION`.
    duration: Option<TimeDelta>,
    /// `RRULE`s.
    rules: Vec<Rule>,
    /// `RDATE` values.
    rdates: Vec<Stamp>,
    /// `EXDATE` dates.
    exdates: Vec<NaiveDate>,
    /// `SUMMARY`, unescaped.
    summary: Option<String>,
    /// `UID`.
    uid: Option<String>,
    /// `RECURRENCE-ID` date.
    recurrence_id: Option<NaiveDate>,
    /// `STATUS:CANCELLED`.
    cancelled: bool,
}

impl Event {
    /// An empty event opened at `begin_line`.
    fn new(begin_line: usize) -> Self {
        Self {
            begin_line,
            start: None,
            end: None,
            duration: None,
            rules: Vec::new(),
            rdates: Vec::new(),
            exdates: Vec::new(),
            summary: None,
            uid: None,
            recurrence_id: None,
            cancelled: false,
        }
    }

    /// Records one property of the event.
    fn apply(&mut self, prop: &Property<'_>, line: usize) -> Result<(), IcsError> {
        let lower = prop.name.to_ascii_lowercase();
        let bad_value = || {
            IcsError::malformed(
                line,
                format!(
                    "invalid {lower} value \"{}\"",
                    prop.value.trim().to_lowercase()
                ),
            )
        };
        let stamp = |value: &str| parse_stamp(value).ok_or_else(bad_value);
        let once = |present: bool| {
            if present {
                Err(IcsError::malformed(line, format!("duplicate {lower}")))
            } else {
                Ok(())
            }
        };
        match prop.name.as_str() {
            "DTSTART" => {
                once(self.start.is_some())?;
                self.start = Some(stamp(prop.value)?);
            }
            "DTEND" => {
                once(self.end.is_some())?;
                self.end = Some(stamp(prop.value)?);
            }
            "DURATION" => {
                once(self.duration.is_some())?;
                self.duration = Some(parse_duration(prop.value).ok_or_else(bad_value)?);
            }
            "RRULE" => self
                .rules
                .push(rrule::parse(prop.value).map_err(|e| match e {
                    RruleError::Unsupported(_) => IcsError::Unsupported {
                        line,
                        message: e.to_string(),
                    },
                    _ => IcsError::malformed(line, e.to_string()),
                })?),
            "RDATE" => {
                for item in prop.value.split(',') {
                    let start = item.split_once('/').map_or(item, |(s, _)| s);
                    self.rdates.push(stamp(start)?);
                }
            }
            "EXDATE" => {
                for item in prop.value.split(',') {
                    self.exdates.push(stamp(item)?.date);
                }
            }
            "RECURRENCE-ID" => {
                once(self.recurrence_id.is_some())?;
                if prop
                    .param("RANGE")
                    .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"))
                {
                    return Err(IcsError::Unsupported {
                        line,
                        message: "unsupported recurrence-id range=thisandfuture".to_owned(),
                    });
                }
                self.recurrence_id = Some(stamp(prop.value)?.date);
            }
            "SUMMARY" => {
                let text = unescape(prop.value);
                self.summary = (!text.trim().is_empty()).then(|| text.trim().to_owned());
            }
            "UID" => self.uid = Some(prop.value.trim().to_owned()),
            "STATUS" => self.cancelled = prop.value.trim().eq_ignore_ascii_case("CANCELLED"),
            _ => {}
        }
        Ok(())
    }

    /// How many dates one occurrence starting at `start` (the event's `DTSTART`) covers
    /// (at least 1); every occurrence covers as many dates as the first.
    fn span_days(&self, start: Stamp) -> i64 {
        let begin = start.naive();
        let end = match (self.end, self.duration) {
            (Some(end), _) => Some(end.naive()),
            (None, Some(duration)) => begin.checked_add_signed(duration),
            (None, None) => None,
        };
        match end {
            Some(end) if end > begin => {
                let last = (end - TimeDelta::seconds(1)).date();
                (last - start.date).num_days().max(0) + 1
            }
            _ => 1,
        }
    }
}

/// Reads the `VEVENT`s of `text` with their line-numbered errors.
fn read_events(text: &str) -> Result<Vec<Event>, IcsError> {
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut current: Option<Event> = None;
    let mut events = Vec::new();
    for line in unfold(text)? {
        let prop = parse_line(&line)?;
        match prop.name.as_str() {
            "BEGIN" => {
                let component = prop.value.trim().to_ascii_uppercase();
                if !is_name(&component) {
                    return Err(IcsError::malformed(line.no, "invalid component name"));
                }
                if component == "VEVENT" {
                    if current.is_some() {
                        return Err(IcsError::malformed(line.no, "vevent inside a vevent"));
                    }
                    current = Some(Event::new(line.no));
                }
                stack.push((component, line.no));
            }
            "END" => {
                let component = prop.value.trim().to_ascii_uppercase();
                match stack.pop() {
                    Some((open, _)) if open == component => {
                        if component == "VEVENT" {
                            events.extend(current.take());
                        }
                    }
                    Some((open, at)) => {
                        return Err(IcsError::malformed(
                            line.no,
                            format!(
                                "end:{} does not match begin:{} on line {at}",
                                component.to_ascii_lowercase(),
                                open.to_ascii_lowercase()
                            ),
                        ));
                    }
                    None => {
                        return Err(IcsError::malformed(
                            line.no,
                            format!("end:{} without begin", component.to_ascii_lowercase()),
                        ));
                    }
                }
            }
            _ => match (stack.last(), current.as_mut()) {
                (None, _) => {
                    return Err(IcsError::malformed(
                        line.no,
                        "property outside any component",
                    ));
                }
                (Some((top, _)), Some(event)) if top == "VEVENT" => event.apply(&prop, line.no)?,
                _ => {}
            },
        }
    }
    if let Some((open, at)) = stack.last() {
        return Err(IcsError::malformed(
            *at,
            format!("begin:{} is never closed", open.to_ascii_lowercase()),
        ));
    }
    Ok(events)
}

/// Earliest and latest dates [`parse_ics`] considers.
fn date_bounds() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Imports the holidays of an iCalendar text: every date covered by a `VEVENT` occurrence
/// within `[from, to]` (clamped to years 1..=9999), sorted by date then name, without
/// duplicate `(date, name)` pairs.
///
/// Recurrences are expanded per RFC 5545 (`RRULE` with `FREQ` `YEARLY`/`MONTHLY`/`WEEKLY`/
/// `DAILY`, `INTERVAL`, `COUNT`, `UNTIL`, `BYMONTH`, `BYMONTHDAY`, `BYYEARDAY`, `BYDAY` with
/// ordinals, `BYSETPOS`, `WKST`; plus `RDATE`, `EXDATE` and `RECURRENCE-ID` overrides). A
/// malformed content line, an unbalanced `BEGIN`/`END`, a `VEVENT` without `DTSTART` or an
/// unsupported `RRULE` part is an [`IcsError`] naming the line, and so are events that expand
/// to more than [`MAX_ICS_DATES`] dates within the window.
pub fn parse_ics(text: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<Holiday>, IcsError> {
    let events = read_events(text)?;
    let (min, max) = date_bounds();
    let (lo, hi) = (from.max(min), to.min(max));
    let mut overridden: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for event in &events {
        if let (Some(uid), Some(date)) = (event.uid.as_deref(), event.recurrence_id) {
            overridden.entry(uid).or_default().push(date);
        }
    }
    let mut out = Vec::new();
    // Occurrences and the dates they cover are counted apart: every occurrence of a daily rule
    // over the whole window covers one date, and fits.
    let mut occurrences = Budget(MAX_ICS_DATES);
    let mut dates = Budget(MAX_ICS_DATES);
    for event in &events {
        let too_many = || IcsError::TooManyDates {
            line: event.begin_line,
            message: format!(
                "the events expand to more than {MAX_ICS_DATES} dates from {lo} to {hi}, the limit"
            ),
        };
        let Some(start) = event.start else {
            return Err(IcsError::malformed(
                event.begin_line,
                "vevent has no dtstart",
            ));
        };
        if lo > hi || event.cancelled {
            continue;
        }
        let span = event.span_days(start);
        let reach = lo
            .checked_sub_signed(TimeDelta::days(span - 1))
            .unwrap_or(min);
        let mut starts: Vec<Stamp> = Vec::new();
        if event.rules.is_empty() || event.recurrence_id.is_some() {
            starts.push(start);
        } else {
            for rule in &event.rules {
                let dates = rule
                    .expand(start, reach, hi, &mut occurrences)
                    .ok_or_else(too_many)?;
                starts.extend(dates.into_iter().map(|date| Stamp {
                    date,
                    time: start.time,
                }));
            }
        }
        if event.recurrence_id.is_none() {
            starts.extend(event.rdates.iter().copied());
            let replaced = event
                .uid
                .as_deref()
                .and_then(|uid| overridden.get(uid))
                .map_or(&[][..], Vec::as_slice);
            starts.retain(|s| !event.exdates.contains(&s.date) && !replaced.contains(&s.date));
        }
        for occurrence in starts {
            let first = occurrence.date.max(lo);
            let Some(last) = occurrence
                .date
                .checked_add_signed(TimeDelta::days(span - 1))
                .map(|d| d.min(hi))
            else {
                continue;
            };
            for date in first.iter_days().take_while(|d| *d <= last) {
                if !dates.take() {
                    return Err(too_many());
                }
                out.push(Holiday {
                    date,
                    name: event.summary.clone(),
                });
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn wrap(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("P1D"), Some(TimeDelta::days(1)));
        assert_eq!(parse_duration("P2W"), Some(TimeDelta::days(14)));
        assert_eq!(parse_duration("PT1H30M"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("-P1D"), Some(TimeDelta::days(-1)));
        assert_eq!(parse_duration("P1DT"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("1D"), None);
    }

    #[test]
    fn content_lines() {
        let line = Line {
            no: 3,
            text: "DTSTART;TZID=\"Europe/London:x\";VALUE=DATE-TIME:20260101T090000".to_owned(),
        };
        let prop = parse_line(&line).unwrap();
        assert_eq!(prop.name, "DTSTART");
        assert_eq!(prop.param("TZID"), Some("Europe/London:x"));
        assert_eq!(prop.value, "20260101T090000");
        let bad = Line {
            no: 7,
            text: "SUMMARY Christmas".to_owned(),
        };
        let err = parse_line(&bad).err().unwrap();
        assert_eq!(err.line(), 7);
        assert_eq!(err.message(), "missing ':' in content line");
        assert_eq!(unescape("a\\, b\\; c\\nd\\\\"), "a, b; c\nd\\");
    }

    #[test]
    fn multi_day_and_datetime_events() {
        let text = wrap(concat!(
            "BEGIN:VEVENT\r\nSUMMARY:Break\r\nDTSTART;VALUE=DATE:20261224\r\n",
            "DTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nSUMMARY:Offsite\r\nDTSTART;TZID=Europe/London:20261110T090000\r\n",
            "DTEND;TZID=Europe/London:20261111T000000\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nSUMMARY:Week\r\nDTSTART:20261201T080000Z\r\nDURATION:P1W\r\n",
            "END:VEVENT\r\n",
        ));
        let got = parse_ics(&text, d(2026, 1, 1), d(2026, 12, 25)).unwrap();
        let dates: Vec<_> = got.iter().map(|h| h.date).collect();
        let mut want = vec![d(2026, 11, 10)];
        want.extend((1..=8).map(|day| d(2026, 12, day)));
        want.extend([d(2026, 12, 24), d(2026, 12, 25)]);
        assert_eq!(dates, want);
    }

    #[test]
    fn exdate_rdate_and_overrides() {
        let text = wrap(concat!(
            "BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Monthly\r\nDTSTART;VALUE=DATE:20260101\r\n",
            "RRULE:FREQ=MONTHLY;COUNT=4\r\nEXDATE;VALUE=DATE:20260201\r\n",
            "RDATE;VALUE=DATE:20260615,20260616\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Moved\r\nRECURRENCE-ID;VALUE=DATE:20260301\r\n",
            "DTSTART;VALUE=DATE:20260302\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID;VALUE=DATE:20260401\r\n",
            "DTSTART;VALUE=DATE:20260401\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n",
        ));
        let got = parse_ics(&text, d(2026, 1, 1), d(2026, 12, 31)).unwrap();
        let pairs: Vec<_> = got
            .iter()
            .map(|h| (h.date, h.name.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            pairs,
            vec![
                (d(2026, 1, 1), "Monthly"),
                (d(2026, 3, 2), "Moved"),
                (d(2026, 6, 15), "Monthly"),
                (d(2026, 6, 16), "Monthly"),
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026\nEND:VEVENT\nEND:VCALENDAR\n",
                3,
                "invalid dtstart value \"2026\"",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\nRRULE:FREQ=YEARLY;BYWEEKNO=1\nEND:VEVENT\nEND:VCALENDAR\n",
                4,
                "unsupported rrule part byweekno",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n",
                2,
                "vevent has no dtstart",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\nEND:VCALENDAR\n",
                4,
                "end:vcalendar does not match begin:vevent on line 2",
            ),
            (
                "BEGIN:VCALENDAR\nVERSION:2.0\n",
                1,
                "begin:vcalendar is never closed",
            ),
            ("VERSION:2.0\n", 1, "property outside any component"),
            (" folded\n", 1, "continuation line at the start"),
            (
                "BEGIN:VCALENDAR\nX-BAD;P\"=1:x\nEND:VCALENDAR\n",
                2,
                "invalid parameter name",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\nRRULE:FREQ=SOMETIMES\nEND:VEVENT\nEND:VCALENDAR\n",
                4,
                "invalid rrule freq value \"sometimes\"",
            ),
        ];
        for (text, line, message) in cases {
            let err = parse_ics(text, d(2026, 1, 1), d(2026, 12, 31)).unwrap_err();
            assert_eq!((err.line(), err.message()), (*line, *message), "{text}");
        }
        let unsupported = parse_ics(cases[1].0, d(2026, 1, 1), d(2026, 12, 31)).unwrap_err();
        assert!(matches!(unsupported, IcsError::Unsupported { .. }));
        assert_eq!(
            unsupported.to_string(),
            "line 4: unsupported rrule part byweekno"
        );
    }

    #[test]
    fn expansion_stops_at_the_limit() {
        // A daily event lasting ten years, repeated daily: hundreds of millions of dates.
        let text = wrap(concat!(
            "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20360101\r\n",
            "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\n",
        ));
        let err = parse_ics(&text, d(1970, 1, 1), d(2200, 12, 31)).unwrap_err();
        assert!(
            matches!(err, IcsError::TooManyDates { line: 3, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.message(),
            "the events expand to more than 100000 dates from 1970-01-01 to 2200-12-31, the limit"
        );
        // Every day of the window, once, fits.
        let daily = wrap(
            "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:19700101\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n",
        );
        assert_eq!(
            parse_ics(&daily, d(1970, 1, 1), d(2200, 12, 31))
                .unwrap()
                .len(),
            84_371
        );
    }

    #[test]
    fn ignores_other_components_and_nested_alarms() {
        let text = wrap(concat!(
            "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n",
            "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
            "BEGIN:VTODO\r\nDTSTART:20260105\r\nEND:VTODO\r\n",
            "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260107\r\nSUMMARY:Real\r\n",
            "BEGIN:VALARM\r\nSUMMARY:Alarm\r\nDTSTART:20260101\r\nEND:VALARM\r\nEND:VEVENT\r\n",
        ));
        let got = parse_ics(&text, d(2026, 1, 1), d(2026, 1, 31)).unwrap();
        assert_eq!(
            got,
            vec![Holiday {
                date: d(2026, 1, 7),
                name: Some("Real".to_owned())
            }]
        );
    }
}
