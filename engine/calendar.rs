//! Business-time arithmetic: this module owns working-time calendars (weekly hours, holidays,
//! dated exceptions, in one IANA time zone) and the arithmetic over them — is an instant
//! working time, how many working seconds lie between two instants, when is a duration of
//! working time or a number of working days due — plus the import of holiday dates from
//! iCalendar (`.ics`) feeds.
//!
//! All instants are `i64` seconds since 1970-01-01T00:00:00Z; all durations are `u64` seconds.
//! Every function is pure and total: no input panics.
//!
//! # Semantics
//!
//! **Working time.** Working time is the union, over the local dates that are not holidays,
//! of the half-open local intervals `[open, close)` of that date. A date's intervals are its
//! dated exception if it has one (an empty exception closes the date; an exception wins over a
//! holiday on the same date), else none if it is a holiday, else those of its weekday. A close
//! of `24:00` (86 400 s) is the next local midnight. Intervals that touch or overlap form one
//! span, also across midnight: Monday 22:00–24:00 plus Tuesday 00:00–06:00 is one night shift.
//! A holiday removes its whole local date, local midnight to local midnight.
//!
//! **Durations are elapsed real seconds.** On a daylight-saving change day a local
//! 00:00–24:00 window lasts 23 h or 25 h.
//!
//! **Local times that do not exist or occur twice.** An opening or closing time that does not
//! exist (clocks spring forward) is read with the UTC offset in force before the gap, i.e. it
//! moves forward by the length of the gap (Europe/London 01:30 on the spring-forward Sunday is
//! 02:30 BST). One that occurs twice (clocks fall back) means its first occurrence (RFC 5545 /
//! "compatible" disambiguation). If after this the close is not after the open, the interval is
//! empty that day (e.g. London 01:30–02:00 on the spring-forward Sunday).
//!
//! **`between(a, b)`** is the number of working seconds in `[a, b)`; `0` if `b <= a`. It is
//! additive: `between(a, b) + between(b, c) == between(a, c)` for `a <= b <= c`.
//!
//! **`add(s, d)`.** The clock starts at `s` if `s` is working time, else at the next opening; a
//! start exactly at a closing time starts at the next opening (spans are half-open).
//! `add(s, 0)` is that starting instant. For `d > 0` the due time is the earliest instant `t`
//! with `between(s, t) == d`; so a due time that lands exactly at a closing time is that
//! closing time, not the next opening, and `t - 1` is always working time.
//! `add(add(s, a), b) == add(s, a + b)` for `b > 0`.
//!
//! **`next_open(t)`** is `t` if `t` is working time, else the next opening (`add(t, 0)`).
//!
//! **Working days.** A working day is a local date that has working time; it begins at its
//! first opening and ends at the closing time of its last interval (should a DST gap make an
//! earlier interval of that date close later, the latest closing). Working days are ordered by
//! when they begin. `add_working_days(s, n)` for `n >= 1` is the end of the `n`-th working day
//! that begins at or after `s`: a start at or before a day's first opening counts that day, a
//! start later in the day does not. A date whose last interval closes at `24:00` ends at the
//! next local midnight, even if the next date's `00:00` interval continues the span.
//! `add_working_days(s, 0) == add(s, 0)`. With office hours 09:00–17:30 Monday to Friday: from
//! Monday 10:00, 5 working days is the next Monday 17:30; from Monday 08:00 it is Friday 17:30;
//! from local midnight starting the 1st of a month it is the close of the month's 5th working
//! day ("within five working days from the start of the month").
//!
//! **Horizon.** Working time exists only in the UTC years 1970 to 2200
//! (`[HORIZON_START, HORIZON_END)`); the calendar is closed outside. Queries there return
//! `None` (`next_open`, `add`, `add_working_days` when the horizon ends first) or `0`
//! (`between`), never panic. A start before 1970 behaves as a start at 1970-01-01T00:00Z.
//!
//! **Cost.** Each UTC year is materialised on first use (merged working spans as UTC second
//! ranges with prefix sums of working seconds, and the year's working days) and cached in a
//! `OnceLock`, so a calendar is built cheaply and shared read-only between threads. `is_open`,
//! `next_open`, `between`, `add` and `add_working_days` are then a per-day index lookup and
//! binary searches, plus a sum over whole years: adding 90 working days costs about the same
//! as adding 5 minutes.
//!
//! # iCalendar import
//!
//! [`parse_ics`] returns one [`Holiday`] per local date covered by a `VEVENT` occurrence within
//! `[from, to]` (clamped to years 1..=9999), sorted by date then name, without duplicate
//! `(date, name)` pairs; a date may appear once per distinct name. The name is the `SUMMARY`.
//!
//! - **Lines.** LF or CRLF; a line starting with a space or tab continues the previous one
//!   (RFC 5545 unfolding); blank lines and a leading byte-order mark are ignored.
//! - **Components.** `BEGIN`/`END` must balance. Only `VEVENT`s are read; other components
//!   (`VTIMEZONE`, `VTODO`, ...) and components nested in an event (`VALARM`) are skipped, as
//!   are unknown properties.
//! - **Dates.** `DTSTART` is required. A DATE is that date; a DATE-TIME contributes its date as
//!   written (its `TZID` or `Z` is not converted). An occurrence covers every date from its start
//!   up to `DTEND` (or `DTSTART` + `DURATION`) exclusive; without an end, or with an end not
//!   after the start, it covers one day. Every occurrence covers as many dates as the first.
//! - **Recurrence.** `RRULE` (several are united) with `FREQ` `YEARLY`, `MONTHLY`, `WEEKLY` or
//!   `DAILY`, `INTERVAL`, `COUNT`, `UNTIL` (inclusive; compared by date when either side is a
//!   DATE), `BYMONTH`, `BYMONTHDAY`, `BYYEARDAY`, `BYDAY` (ordinals such as `1MO`, `-1MO`
//!   under `MONTHLY`/`YEARLY`), `BYSETPOS`, `WKST`. The `DTSTART` date is an occurrence only
//!   if it matches the rule (RFC 5545 leaves an unsynchronised `DTSTART` undefined; this is the
//!   python-dateutil reading). `RDATE` adds dates (DATE, DATE-TIME or the start of a PERIOD),
//!   `EXDATE` removes dates. An event with the same `UID` and a `RECURRENCE-ID` replaces the
//!   master's occurrence on that date with its own dates and name; `STATUS:CANCELLED` drops an
//!   event or an instance.
//! - **Errors.** A malformed content line, an unbalanced `BEGIN`/`END`, a `VEVENT` without
//!   `DTSTART`, an invalid date or rule value, or an unsupported rule part (`FREQ=HOURLY` and
//!   finer, `BYWEEKNO`, several `BYHOUR` values, `RANGE=THISANDFUTURE`) is an [`IcsError`]:
//!   the 1-based line where the offending content line starts and a lowercase message without
//!   final period, displayed as `line N: message`.
//! - **Limit.** The events of one file may have at most [`MAX_ICS_DATES`] occurrences within
//!   the window, and cover at most as many dates (repeats counted); past that, the error names
//!   the event that went past it.

mod business;
pub mod compile;
pub mod holidays;
mod ics;
mod local;
pub mod period;
pub mod query;
mod rrule;
mod year;

pub use self::business::{BusinessCalendar, CalendarSpec};
pub use self::compile::Calendars;
pub use self::ics::{Holiday, IcsError, MAX_ICS_DATES, parse_ics};
pub use self::year::{FIRST_YEAR, HORIZON_END, HORIZON_START, LAST_YEAR};
