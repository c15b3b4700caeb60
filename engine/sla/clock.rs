//! One SLA clock: start, pause intervals, goal and milestones in business time, and the
//! timeline of what changed it and why.
//!
//! Business time is counted in the target's calendar, pauses included: the elapsed business
//! time at `t` is the working seconds from the start to `t` minus the working seconds inside
//! pause intervals, both in the goal's calendar. The clock never reads the wall clock; every
//! method takes the instant it acts at.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Goal, Point, Target};
use crate::calendar::BusinessCalendar;

/// Where a clock is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Counting.
    Running,
    /// Not counting until it resumes.
    Paused,
    /// Stopped before its due time.
    Met,
    /// Stopped after it breached.
    Stopped,
    /// Cancelled: the record no longer counts for this target.
    Cancelled,
}

impl State {
    /// Whether the clock still runs or waits to resume.
    pub fn is_active(self) -> bool {
        matches!(self, State::Running | State::Paused)
    }
}

/// Which condition caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Because {
    /// The start condition became true.
    Start,
    /// The start instant came from the record field `start_from` (retroactive start).
    StartFrom,
    /// The pause condition held.
    Pause,
    /// The resume condition held (or, without one, the pause condition stopped holding).
    Resume,
    /// The stop condition held.
    Stop,
    /// The cancel condition held.
    Cancel,
    /// The reset condition held.
    Reset,
    /// A change made another target of the same measure apply.
    TargetChanged,
    /// No target of the measure applies to the record any more.
    NoLongerApplies,
    /// Business time reached a milestone or the due time.
    Time,
    /// A new bundle version's target adopted the clock.
    NewVersion,
    /// The record reopened within the target's window after the clock stopped.
    Reopen,
}

impl Because {
    /// How explain prints it.
    pub fn describe(self) -> &'static str {
        match self {
            Because::Start => "start condition",
            Because::StartFrom => "start condition, started from the record's start field",
            Because::Pause => "pause condition",
            Because::Resume => "resume condition",
            Because::Stop => "stop condition",
            Because::Cancel => "cancel condition",
            Because::Reset => "reset condition",
            Because::TargetChanged => "a change made another target apply",
            Because::NoLongerApplies => "no target of the measure applies any more",
            Because::Time => "business time",
            Because::NewVersion => "a new bundle version adopted the clock",
            Because::Reopen => "reopened within the target's window",
        }
    }
}

/// What happened to a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum What {
    /// Attached and started.
    Started,
    /// Paused.
    Paused,
    /// Resumed.
    Resumed,
    /// Reached milestone `n` (index into the target's milestones).
    Milestone(u16),
    /// Reached its due time without stopping.
    Breached,
    /// Stopped in time.
    Met,
    /// Stopped after breaching.
    Stopped,
    /// Cancelled.
    Cancelled,
    /// Completed by a reset; a new cycle follows.
    Reset,
    /// Now measured against another target (index of the previous one, in the same version).
    Retargeted(u32),
    /// Now measured against a target of a newer bundle version, which adopted the clock (the
    /// previous version and the index of the previous target in it).
    Adopted(u16, u32),
    /// Continued after a stop: the record reopened within the window (the gap is a pause).
    Reopened,
}

/// One line of a clock's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When.
    pub at: i64,
    /// What happened.
    pub what: What,
    /// Why.
    pub because: Because,
    /// The event that carried the change (interned name), if an event did.
    pub event: Option<u32>,
    /// Business seconds elapsed at that point.
    pub business: u64,
    /// Wall seconds since the start at that point.
    pub wall: u64,
}

/// A clock's timeline: everything that happened to it, oldest first.
///
/// Clocks are many and live as long as the engine, and only `explain` reads their timelines,
/// so the entries are kept encoded, six to eight bytes each instead of 32: a byte for what
/// happened and why, then varints of the instant (as a zigzag difference from the start,
/// wrapping, so every instant reads back exactly), the business time, the event, and the
/// milestone or previous target. The wall time is not stored: it follows from the instant.
/// The first [`INLINE`] bytes (the three or four entries most clocks end with) are kept in the
/// clock itself, so starting a clock allocates nothing for its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// The clock's start, which wall times count from.
    start: i64,
    bytes: Store,
}

/// Timeline bytes kept in place.
const INLINE: usize = 22;

/// A timeline's bytes: in place while they fit, then on the heap. Saved as the plain list of
/// bytes, as when they were always on the heap, so journals read back either way.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Store {
    /// How many bytes are used, and the bytes.
    Inline(u8, [u8; INLINE]),
    /// More than fit in place.
    Heap(Vec<u8>),
}

impl Default for Store {
    fn default() -> Store {
        Store::Inline(0, [0; INLINE])
    }
}

impl Store {
    fn as_slice(&self) -> &[u8] {
        match self {
            Store::Inline(len, bytes) => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Store::Heap(bytes) => bytes,
        }
    }

    fn extend(&mut self, more: &[u8]) {
        match self {
            Store::Inline(len, bytes) => {
                let used = usize::from(*len);
                let end = used + more.len();
                if let Some(room) = bytes.get_mut(used..end) {
                    room.copy_from_slice(more);
                    *len = end as u8;
                } else {
                    let mut heap = Vec::with_capacity(2 * end);
                    heap.extend_from_slice(bytes.get(..used).unwrap_or_default());
                    heap.extend_from_slice(more);
                    *self = Store::Heap(heap);
                }
            }
            Store::Heap(bytes) => bytes.extend_from_slice(more),
        }
    }
}

impl Serialize for Store {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Store {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Store, D::Error> {
        let bytes = Vec::<u8>::deserialize(deserializer)?;
        let mut store = Store::default();
        store.extend(&bytes);
        Ok(store)
    }
}

const WHAT_STARTED: u8 = 0;
const WHAT_MILESTONE: u8 = 3;
const WHAT_RETARGETED: u8 = 9;
const WHAT_ADOPTED: u8 = 10;
const WHAT_REOPENED: u8 = 11;

const BECAUSE: [Because; 12] = [
    Because::Start,
    Because::StartFrom,
    Because::Pause,
    Because::Resume,
    Because::Stop,
    Because::Cancel,
    Because::Reset,
    Because::TargetChanged,
    Because::NoLongerApplies,
    Because::Time,
    Because::NewVersion,
    Because::Reopen,
];

/// The number of a [`What`] (four bits) and its detail: the milestone or the previous target
/// (and for an adoption, the previous version in the high bits of a 64-bit detail).
fn what_code(what: What) -> (u8, u64) {
    match what {
        What::Started => (WHAT_STARTED, 0),
        What::Paused => (1, 0),
        What::Resumed => (2, 0),
        What::Milestone(i) => (WHAT_MILESTONE, u64::from(i)),
        What::Breached => (4, 0),
        What::Met => (5, 0),
        What::Stopped => (6, 0),
        What::Cancelled => (7, 0),
        What::Reset => (8, 0),
        What::Retargeted(target) => (WHAT_RETARGETED, u64::from(target)),
        What::Adopted(version, target) => {
            (WHAT_ADOPTED, (u64::from(version) << 32) | u64::from(target))
        }
        What::Reopened => (WHAT_REOPENED, 0),
    }
}

fn what_of(code: u8, detail: u64) -> What {
    let low = (detail & 0xffff_ffff) as u32;
    match code {
        WHAT_STARTED => What::Started,
        1 => What::Paused,
        2 => What::Resumed,
        WHAT_MILESTONE => What::Milestone(u16::try_from(detail).unwrap_or(u16::MAX)),
        4 => What::Breached,
        5 => What::Met,
        6 => What::Stopped,
        7 => What::Cancelled,
        8 => What::Reset,
        WHAT_ADOPTED => What::Adopted(u16::try_from(detail >> 32).unwrap_or(u16::MAX), low),
        WHAT_REOPENED => What::Reopened,
        _ => What::Retargeted(low),
    }
}

/// One entry being encoded (at most a byte and four varints of ten bytes).
struct Encoder {
    bytes: [u8; 41],
    len: usize,
}

impl Encoder {
    fn byte(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.byte((n as u8) | 0x80);
            n >>= 7;
        }
        self.byte(n as u8);
    }

    /// A signed difference, zigzag-encoded so small differences of either sign take one byte.
    fn difference(&mut self, difference: i64) {
        self.varint(((difference << 1) ^ (difference >> 63)) as u64);
    }

    fn encoded(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Reads the entries back, in order.
struct Decoder<'a> {
    bytes: &'a [u8],
    start: i64,
}

impl Decoder<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(*first)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn difference(&mut self) -> Option<i64> {
        let n = self.varint()?;
        Some(((n >> 1) as i64) ^ -((n & 1) as i64))
    }
}

impl Iterator for Decoder<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let head = self.byte()?;
        let at = self.start.wrapping_add(self.difference()?);
        let business = self.varint()?;
        let event = self.varint()?.checked_sub(1).map(|e| e as u32);
        let code = head & 0x0f;
        let detail = match code {
            WHAT_MILESTONE | WHAT_RETARGETED | WHAT_ADOPTED => self.varint()?,
            _ => 0,
        };
        Some(Entry {
            at,
            what: what_of(code, detail),
            because: BECAUSE
                .get(usize::from(head >> 4))
                .copied()
                .unwrap_or(Because::Time),
            event,
            business,
            wall: u64::try_from(at.saturating_sub(self.start)).unwrap_or(0),
        })
    }
}

impl Timeline {
    fn new(start: i64) -> Timeline {
        Timeline {
            start,
            bytes: Store::default(),
        }
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        Decoder {
            bytes: self.bytes.as_slice(),
            start: self.start,
        }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bytes.as_slice().is_empty()
    }

    /// The latest entry.
    pub fn last(&self) -> Option<Entry> {
        self.iter().last()
    }

    /// The latest entry's instant and business time elapsed.
    fn last_at(&self) -> Option<(i64, u64)> {
        let mut decoder = Decoder {
            bytes: self.bytes.as_slice(),
            start: self.start,
        };
        let mut last = None;
        while let Some(head) = decoder.byte() {
            let at = self.start.wrapping_add(decoder.difference()?);
            let business = decoder.varint()?;
            decoder.varint()?;
            if matches!(head & 0x0f, WHAT_MILESTONE | WHAT_RETARGETED | WHAT_ADOPTED) {
                decoder.varint()?;
            }
            last = Some((at, business));
        }
        last
    }

    fn push(&mut self, entry: &Entry) {
        let (code, detail) = what_code(entry.what);
        let because = BECAUSE
            .iter()
            .position(|b| *b == entry.because)
            .unwrap_or(0) as u8;
        let mut out = Encoder {
            bytes: [0; 41],
            len: 0,
        };
        out.byte(code | (because << 4));
        out.difference(entry.at.wrapping_sub(self.start));
        out.varint(entry.business);
        out.varint(entry.event.map_or(0, |e| u64::from(e) + 1));
        if matches!(code, WHAT_MILESTONE | WHAT_RETARGETED | WHAT_ADOPTED) {
            out.varint(detail);
        }
        self.bytes.extend(out.encoded());
    }
}

/// Makes room for one more element, doubling from `first`: clocks hold a few entries and
/// pauses, and the default first step (four) would waste most of it.
fn grow_by_doubling<T>(list: &mut Vec<T>, first: usize) {
    if list.len() == list.capacity() {
        list.reserve_exact(list.len().max(first));
    }
}

/// An SLA clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clock {
    /// Index of the target in the compiled bundle.
    pub target: u32,
    /// The record's index in the engine.
    pub record: u32,
    /// 1 for a target's first clock on a record, then 2, 3... after resets and reopenings.
    pub cycle: u32,
    /// Where the clock is.
    pub state: State,
    /// Whether it has passed its due time.
    pub breached: bool,
    /// The instant it started (possibly retroactive).
    pub start: i64,
    /// Bumped on every change, so queued timers of an older state are ignored.
    pub generation: u32,
    /// Everything that happened to it.
    pub timeline: Timeline,
    /// The bundle version whose rules the clock runs under (an index into the engine's
    /// versions): the version it started under, unless a newer one adopted it.
    pub version: u16,
    goal: u64,
    fired: u64,
    /// Its pauses (apart: most clocks never pause, and clocks are many).
    pauses: Option<Box<Pauses>>,
    /// What only some clocks need (apart, for the same reason).
    extra: Option<Box<Extra>>,
}

/// The pauses of a clock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Pauses {
    /// Pause intervals that ended.
    closed: Intervals,
    /// The start of the pause it is in.
    since: Option<i64>,
}

/// Pause intervals, oldest first: one kept in place (most clocks that pause pause once, and
/// reading a second allocation costs business-time arithmetic a cache miss), more on the heap.
/// Saved as the plain list, so journals read back either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Intervals {
    /// None.
    #[default]
    Empty,
    /// Exactly one.
    One([(i64, i64); 1]),
    /// Two or more.
    Many(Vec<(i64, i64)>),
}

impl Intervals {
    fn as_slice(&self) -> &[(i64, i64)] {
        match self {
            Intervals::Empty => &[],
            Intervals::One(one) => one,
            Intervals::Many(many) => many,
        }
    }

    fn push(&mut self, interval: (i64, i64)) {
        match self {
            Intervals::Empty => *self = Intervals::One([interval]),
            Intervals::One([first]) => *self = Intervals::Many(vec![*first, interval]),
            Intervals::Many(many) => {
                grow_by_doubling(many, 2);
                many.push(interval);
            }
        }
    }
}

impl Serialize for Intervals {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Intervals {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Intervals, D::Error> {
        let list = Vec::<(i64, i64)>::deserialize(deserializer)?;
        Ok(match list.as_slice() {
            [] => Intervals::Empty,
            [one] => Intervals::One([*one]),
            _ => Intervals::Many(list),
        })
    }
}

/// What a clock needs when its goal is a fixed deadline, or after a change of target that kept
/// the business time elapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Extra {
    /// Where business time is counted from (the start, unless a change of target moved it).
    measure_from: i64,
    /// Business time carried over from before `measure_from`.
    carried: u64,
    /// The due instant of a deadline goal (pauses do not move it).
    deadline: Option<i64>,
    /// When a change of target carried over more business time than the new goal: the instant
    /// the old measurement reached the new goal, which is the due.
    #[serde(default)]
    passed: Option<i64>,
}

/// The next timed point of a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A milestone, by index.
    Milestone(u16),
    /// The due time.
    Breach,
}

impl Clock {
    /// Starts a clock for `target` at `start` (which may be earlier than `now` for a
    /// retroactive start). `deadline` is the due instant of deadline targets.
    pub fn start(
        target: &Target,
        record: u32,
        cycle: u32,
        start: i64,
        deadline: Option<i64>,
    ) -> Clock {
        let calendar = &target.calendar;
        let (goal, deadline) = match &target.goal {
            Goal::Seconds(seconds) => (*seconds, None),
            // Working days that end beyond the calendar's horizon: the clock is never due.
            Goal::WorkingDays(days) => match calendar.add_working_days(start, *days) {
                Some(due) => (calendar.between(start, due), None),
                None => (u64::MAX, None),
            },
            // Without the deadline field the clock waits for it: no due time, no timers.
            Goal::Deadline(_) => match deadline {
                Some(due) => (calendar.between(start, due), Some(due)),
                None => (u64::MAX, None),
            },
        };
        Clock {
            target: target.index,
            record,
            cycle,
            state: State::Running,
            breached: false,
            start,
            generation: 0,
            timeline: Timeline::new(start),
            version: 0,
            goal,
            fired: 0,
            pauses: None,
            extra: deadline.map(|deadline| {
                Box::new(Extra {
                    measure_from: start,
                    carried: 0,
                    deadline: Some(deadline),
                    passed: None,
                })
            }),
        }
    }

    /// What is left in a released clock's slot: nothing but its generation, so that timers it
    /// left behind are recognised as stale.
    pub fn released(generation: u32) -> Clock {
        Clock {
            target: 0,
            record: u32::MAX,
            cycle: 0,
            state: State::Cancelled,
            breached: false,
            start: 0,
            generation,
            timeline: Timeline::new(0),
            version: 0,
            goal: 0,
            fired: 0,
            pauses: None,
            extra: None,
        }
    }

    /// Where business time is counted from: the start, unless a change of target that kept the
    /// elapsed time moved it (the time before is carried over as a number).
    pub fn measure_from(&self) -> i64 {
        self.extra.as_ref().map_or(self.start, |e| e.measure_from)
    }

    /// Business time carried over a change of target.
    fn carried(&self) -> u64 {
        self.extra.as_ref().map_or(0, |e| e.carried)
    }

    /// The due instant of a deadline goal.
    fn deadline(&self) -> Option<i64> {
        self.extra.as_ref().and_then(|e| e.deadline)
    }

    fn extra_mut(&mut self) -> &mut Extra {
        let start = self.start;
        self.extra.get_or_insert_with(|| {
            Box::new(Extra {
                measure_from: start,
                carried: 0,
                deadline: None,
                passed: None,
            })
        })
    }

    /// Pause intervals that ended.
    fn closed_pauses(&self) -> &[(i64, i64)] {
        self.pauses.as_ref().map_or(&[], |p| p.closed.as_slice())
    }

    /// The start of the pause the clock is in.
    fn paused_since(&self) -> Option<i64> {
        self.pauses.as_ref().and_then(|p| p.since)
    }

    /// The goal in business seconds.
    pub fn goal(&self) -> u64 {
        self.goal
    }

    /// When the clock ended (met, stopped, cancelled or reset), if it has.
    pub fn ended_at(&self) -> Option<i64> {
        if self.state.is_active() {
            return None;
        }
        self.timeline
            .iter()
            .filter(|e| {
                matches!(
                    e.what,
                    What::Met | What::Stopped | What::Cancelled | What::Reset
                )
            })
            .map(|e| e.at)
            .last()
    }

    /// When the clock stopped, if its last word was a stop (met or late): not a cancel or a
    /// reset, which no reopening continues.
    pub fn stopped_at(&self) -> Option<i64> {
        if !matches!(self.state, State::Met | State::Stopped) {
            return None;
        }
        self.timeline
            .last()
            .filter(|e| matches!(e.what, What::Met | What::Stopped))
            .map(|e| e.at)
    }

    /// Continues a stopped clock at `now`: it runs again, in the same cycle, with the time it
    /// had; the gap since `stopped` is a pause, so it is not counted. A breach stands.
    pub fn reopen(
        &mut self,
        calendar: &BusinessCalendar,
        stopped: i64,
        now: i64,
        event: Option<u32>,
    ) {
        self.pauses
            .get_or_insert_default()
            .closed
            .push((stopped, now));
        self.state = State::Running;
        self.generation = self.generation.wrapping_add(1);
        self.log(calendar, now, What::Reopened, Because::Reopen, event);
    }

    /// Business seconds in pauses, in `calendar`, from the measuring start up to `t`.
    pub fn paused_business(&self, calendar: &BusinessCalendar, t: i64) -> u64 {
        let measure_from = self.measure_from();
        let closed: u64 = self
            .closed_pauses()
            .iter()
            .map(|(from, to)| calendar.between((*from).max(measure_from), (*to).min(t)))
            .sum();
        let open = self
            .paused_since()
            .map_or(0, |from| calendar.between(from.max(measure_from), t));
        closed + open
    }

    /// Business seconds elapsed at `t`.
    pub fn business(&self, calendar: &BusinessCalendar, t: i64) -> u64 {
        self.business_counted(calendar, t)
    }

    /// [`Clock::business`] at `t`, read from the timeline if its latest entry is at `t` (as
    /// it is for the actions that tell of a change just made to the clock: every change is
    /// logged after it is made, with the business time elapsed then).
    pub fn business_logged(&self, calendar: &BusinessCalendar, t: i64) -> u64 {
        match self.timeline.last_at() {
            Some((at, business)) if at == t => business,
            _ => self.business_counted(calendar, t),
        }
    }

    fn business_counted(&self, calendar: &BusinessCalendar, t: i64) -> u64 {
        let counted = calendar.between(self.measure_from(), t);
        if self.deadline().is_some() {
            return counted;
        }
        self.carried() + counted.saturating_sub(self.paused_business(calendar, t))
    }

    /// The earliest instant at which the business time elapsed reached (or reaches) `elapsed`,
    /// counting only the pauses that came before it: a pause after that instant does not move
    /// it. `None` if it is not reached yet and the clock is paused (when it resumes is not
    /// known), or if the calendar's horizon ends first.
    pub fn reached_at(&self, calendar: &BusinessCalendar, elapsed: u64) -> Option<i64> {
        let measure_from = self.measure_from();
        if self.deadline().is_some() {
            return calendar.add(measure_from, elapsed);
        }
        let carried = self.carried();
        if elapsed <= carried {
            let passed = self.extra.as_ref().and_then(|e| e.passed);
            return Some(
                passed
                    .filter(|_| elapsed == self.goal)
                    .unwrap_or(measure_from),
            );
        }
        let mut remaining = elapsed - carried;
        let mut cursor = measure_from;
        for &(from, to) in self.closed_pauses() {
            let available = calendar.between(cursor, from);
            if remaining <= available {
                return calendar.add(cursor, remaining);
            }
            remaining -= available;
            cursor = cursor.max(to);
        }
        if let Some(since) = self.paused_since() {
            if remaining <= calendar.between(cursor, since) {
                return calendar.add(cursor, remaining);
            }
            return None;
        }
        calendar.add(cursor, remaining)
    }

    /// The due time: the instant the business time reached the goal, or will reach it if the
    /// clock runs on; a paused clock that has not reached it has none, unless its goal is a
    /// fixed deadline.
    pub fn due(&self, calendar: &BusinessCalendar) -> Option<i64> {
        match self.deadline() {
            Some(deadline) => Some(deadline),
            None if self.goal == u64::MAX => None,
            None => self.reached_at(calendar, self.goal),
        }
    }

    fn point(&self, point: Point) -> u64 {
        match point {
            Point::Fraction(numerator, denominator) => {
                let share = u128::from(self.goal) * u128::from(numerator);
                u64::try_from(share.div_ceil(u128::from(denominator.max(1)))).unwrap_or(u64::MAX)
            }
            Point::BeforeDue(s) => self.goal.saturating_sub(s),
            Point::AfterDue(s) => self.goal.saturating_add(s),
        }
    }

    /// The next milestone or breach and when it falls, if the clock is counting.
    pub fn next(&self, target: &Target) -> Option<(i64, Next)> {
        self.next_given_due(target, None)
    }

    /// [`Clock::next`], given its [`Clock::due`] when the caller has just worked it out (it is
    /// the breach's instant), so it is not worked out again.
    pub fn next_given_due(&self, target: &Target, due: Option<i64>) -> Option<(i64, Next)> {
        if !self.state.is_active() {
            return None;
        }
        let calendar = &target.calendar;
        let mut best: Option<(u64, u8, Next)> = None;
        let mut consider = |elapsed: u64, order: u8, next: Next| {
            if best.is_none_or(|(e, o, _)| (elapsed, order) < (e, o)) {
                best = Some((elapsed, order, next));
            }
        };
        for (i, milestone) in target.milestones.iter().enumerate() {
            // A breached clock (a breach that stood through a change of target) warns no more;
            // points after the due still come.
            let warning = !matches!(milestone.point, Point::AfterDue(_));
            if self.breached && warning {
                continue;
            }
            if i < 64 && self.fired & (1 << i) == 0 {
                let order = if matches!(milestone.point, Point::AfterDue(_)) {
                    2
                } else {
                    0
                };
                consider(
                    self.point(milestone.point),
                    order,
                    Next::Milestone(i as u16),
                );
            }
        }
        if !self.breached {
            consider(self.goal, 1, Next::Breach);
        }
        let (elapsed, _, next) = best?;
        // A paused clock's business time stands still: its next point has no instant yet.
        if self.state == State::Paused && self.deadline().is_none() {
            return None;
        }
        let at = match (self.deadline(), next, due) {
            (Some(deadline), Next::Breach, _) => Some(deadline),
            (None, Next::Breach, Some(due)) => Some(due),
            _ => self.reached_at(calendar, elapsed),
        }?;
        Some((at, next))
    }

    /// Records that a timed point was reached at `at`.
    pub fn reach(&mut self, calendar: &BusinessCalendar, at: i64, next: Next) {
        match next {
            Next::Milestone(i) => {
                if i < 64 {
                    self.fired |= 1 << i;
                }
                self.log(calendar, at, What::Milestone(i), Because::Time, None);
            }
            Next::Breach => {
                self.breached = true;
                self.log(calendar, at, What::Breached, Because::Time, None);
            }
        }
        self.generation = self.generation.wrapping_add(1);
    }

    /// Adds a timeline entry.
    pub fn log(
        &mut self,
        calendar: &BusinessCalendar,
        at: i64,
        what: What,
        because: Because,
        event: Option<u32>,
    ) {
        let business = self.business(calendar, at);
        self.log_business(at, what, because, event, business);
    }

    /// Adds a timeline entry, the business time elapsed at `at` already worked out.
    fn log_business(
        &mut self,
        at: i64,
        what: What,
        because: Because,
        event: Option<u32>,
        business: u64,
    ) {
        self.timeline.push(&Entry {
            at,
            what,
            because,
            event,
            business,
            wall: u64::try_from(at.saturating_sub(self.start)).unwrap_or(0),
        });
    }

    /// Pauses at `now`.
    pub fn pause(&mut self, calendar: &BusinessCalendar, now: i64, event: Option<u32>) {
        if self.state == State::Running {
            self.state = State::Paused;
            self.pauses.get_or_insert_default().since = Some(now);
            self.generation = self.generation.wrapping_add(1);
            self.log(calendar, now, What::Paused, Because::Pause, event);
        }
    }

    /// Resumes at `now`.
    pub fn resume(&mut self, calendar: &BusinessCalendar, now: i64, event: Option<u32>) {
        if self.state == State::Paused {
            self.close_pause(now);
            self.state = State::Running;
            self.generation = self.generation.wrapping_add(1);
            self.log(calendar, now, What::Resumed, Because::Resume, event);
        }
    }

    /// Stops at `now`: met if it has not passed its due time. Returns whether it was met.
    pub fn stop(
        &mut self,
        calendar: &BusinessCalendar,
        now: i64,
        because: Because,
        event: Option<u32>,
    ) -> bool {
        self.close_pause(now);
        let business = self.business(calendar, now);
        let late = match self.deadline() {
            Some(deadline) => now > deadline,
            None => business > self.goal,
        };
        let met = !self.breached && !late;
        self.state = if met { State::Met } else { State::Stopped };
        self.generation = self.generation.wrapping_add(1);
        let what = match (because, met) {
            (Because::Reset, _) => What::Reset,
            (_, true) => What::Met,
            (_, false) => What::Stopped,
        };
        self.log_business(now, what, because, event, business);
        met
    }

    /// Cancels at `now`.
    pub fn cancel(
        &mut self,
        calendar: &BusinessCalendar,
        now: i64,
        because: Because,
        event: Option<u32>,
    ) {
        self.close_pause(now);
        self.state = State::Cancelled;
        self.generation = self.generation.wrapping_add(1);
        self.log(calendar, now, What::Cancelled, because, event);
    }

    fn close_pause(&mut self, now: i64) {
        if let Some(pauses) = &mut self.pauses
            && let Some(from) = pauses.since.take()
        {
            pauses.closed.push((from, now));
        }
    }

    /// Measures the clock against `to` (a target of bundle version `version`) from `now` on,
    /// by `to`'s change policy: `keep_elapsed` carries the business time so far; `retarget`
    /// re-measures from the original start with the same pauses in `to`'s calendar. (`restart`
    /// is a cancel and a new clock; see the caller.)
    pub fn retarget(
        &mut self,
        from: &Target,
        (version, to): (u16, &Target),
        now: i64,
        keep_elapsed: bool,
        deadline: Option<i64>,
        event: Option<u32>,
    ) {
        let before = self.target;
        let what = if version == self.version {
            What::Retargeted(before)
        } else {
            What::Adopted(self.version, before)
        };
        self.version = version;
        let mut passed = None;
        // In the same calendar the time spent so far is simply measured on (its pauses
        // included), so every point of the new goal keeps the instant it was reached. In
        // another calendar the time before the change is carried as a number, measured in
        // the old calendar, and counting goes on in the new one from the change.
        if keep_elapsed && !Arc::ptr_eq(&from.calendar, &to.calendar) {
            let carried = self.business(&from.calendar, now);
            let goal = Clock::start(to, self.record, self.cycle, now, deadline).goal;
            if carried >= goal {
                passed = self.reached_at(&from.calendar, goal);
            }
            let extra = self.extra_mut();
            extra.carried = carried;
            extra.measure_from = now;
            extra.passed = passed;
            if let Some(pauses) = &mut self.pauses {
                let paused = pauses.since.is_some();
                pauses.closed = Intervals::Empty;
                pauses.since = paused.then_some(now);
            }
        }
        let fresh = Clock::start(to, self.record, self.cycle, self.measure_from(), deadline);
        self.goal = fresh.goal;
        let deadline = match to.goal {
            Goal::Seconds(_) | Goal::WorkingDays(_) => None,
            Goal::Deadline(_) => fresh.deadline(),
        };
        if deadline.is_some() || self.extra.is_some() {
            self.extra_mut().deadline = deadline;
        }
        self.target = to.index;
        // A breach stands if it is final (the target it happened under says so) or the new
        // goal is missed too; otherwise a longer goal lifts it. A new goal already missed
        // breaches now, through the clock's next timer.
        let elapsed = self.business(&to.calendar, now);
        let late = match self.deadline() {
            Some(deadline) => now > deadline,
            None => elapsed > self.goal,
        };
        self.breached = self.breached && (late || from.final_breach);
        // Warnings of the new target already passed are raised at the change (through the
        // clock's next timer, which is due now), unless the clock raised a warning of the same
        // name under the previous target or the new goal is already missed (its breach says
        // more). Milestones after the due time are timed from the new due as usual.
        let raised: Vec<&crate::base::Name> = from
            .milestones
            .iter()
            .enumerate()
            .take(64)
            .filter(|(i, _)| self.fired & (1 << i) != 0)
            .map(|(_, m)| &m.name)
            .collect();
        self.fired = 0;
        for (i, milestone) in to.milestones.iter().enumerate().take(64) {
            let passed = self.point(milestone.point) <= elapsed
                && !matches!(milestone.point, Point::AfterDue(_));
            let done = late
                || self.breached
                || raised
                    .iter()
                    .any(|n| crate::base::same_text(n, &milestone.name));
            if passed && done {
                self.fired |= 1 << i;
            }
        }
        if !keep_elapsed && let Some(extra) = &mut self.extra {
            extra.passed = None;
        }
        self.generation = self.generation.wrapping_add(1);
        let because = if matches!(what, What::Adopted(..)) {
            Because::NewVersion
        } else {
            Because::TargetChanged
        };
        self.log(&to.calendar, now, what, because, event);
    }

    /// Moves the due instant of a deadline goal (its record field changed): the goal becomes
    /// the business time from the start to the new deadline, and a breach is judged anew.
    /// `None` (the field was removed) leaves the clock without a due time.
    /// With `final_breach`, a breach stands whatever the new deadline.
    pub fn set_deadline(
        &mut self,
        calendar: &BusinessCalendar,
        now: i64,
        deadline: Option<i64>,
        final_breach: bool,
    ) {
        let from = self.measure_from();
        self.extra_mut().deadline = deadline;
        match deadline {
            Some(due) => {
                self.goal = calendar.between(from, due);
                // A deadline already passed breaches now, through the clock's next timer.
                self.breached = self.breached && (now > due || final_breach);
            }
            None => {
                self.goal = u64::MAX;
                self.breached = self.breached && final_breach;
            }
        }
        self.generation = self.generation.wrapping_add(1);
    }

    /// Pause intervals so far, as wall-clock instants (an open pause ends at `now`).
    pub fn pauses(&self, now: i64) -> Vec<(i64, i64)> {
        let mut all = self.closed_pauses().to_vec();
        if let Some(from) = self.paused_since() {
            all.push((from, now));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_entries_read_back_as_written() {
        let whats = [
            What::Started,
            What::Paused,
            What::Resumed,
            What::Milestone(7),
            What::Breached,
            What::Met,
            What::Stopped,
            What::Cancelled,
            What::Reset,
            What::Retargeted(u32::MAX),
            What::Adopted(u16::MAX, u32::MAX),
            What::Reopened,
        ];
        let mut timeline = Timeline::new(100);
        let mut written = Vec::new();
        for (i, what) in whats.into_iter().enumerate() {
            for (j, because) in BECAUSE.into_iter().enumerate() {
                let at = 100 + (i * 10 + j) as i64;
                let entry = Entry {
                    at,
                    what,
                    because,
                    event: (j % 2 == 0).then_some(j as u32),
                    business: u64::MAX - j as u64,
                    wall: (at - 100) as u64,
                };
                timeline.push(&entry);
                written.push(entry);
            }
        }
        // Extremes: instants far from the start either way, the largest event number.
        for (at, event) in [(i64::MAX, u32::MAX), (i64::MIN, 0), (100, u32::MAX - 1)] {
            let entry = Entry {
                at,
                what: What::Milestone(u16::MAX),
                because: Because::Time,
                event: Some(event),
                business: 0,
                wall: u64::try_from(at.saturating_sub(100)).unwrap_or(0),
            };
            timeline.push(&entry);
            written.push(entry);
        }
        assert_eq!(timeline.iter().collect::<Vec<_>>(), written);
        assert_eq!(timeline.len(), written.len());
        // A cut-off entry (a damaged snapshot) ends the timeline instead of failing.
        let mut cut = timeline.clone();
        assert!(matches!(cut.bytes, Store::Heap(_)));
        if let Store::Heap(bytes) = &mut cut.bytes {
            bytes.pop();
        }
        assert_eq!(cut.len(), written.len() - 1);
        assert_eq!(timeline.last(), written.last().copied());
        // The latest instant and business time, read without building the entries.
        let latest = |t: &Timeline| t.last().map(|e| (e.at, e.business));
        assert_eq!(timeline.last_at(), latest(&timeline));
        assert_eq!(
            cut.last_at(),
            None,
            "a cut-off entry leaves the latest unknown"
        );
        assert_eq!(Timeline::new(5).last_at(), None);
        // Before the start, wall time reads as zero.
        let mut early = Timeline::new(100);
        let entry = Entry {
            at: 90,
            what: What::Started,
            because: Because::StartFrom,
            event: None,
            business: 0,
            wall: 0,
        };
        early.push(&entry);
        assert_eq!(early.last(), Some(entry));
        assert_eq!(early.last_at(), Some((90, 0)));
    }

    #[test]
    fn pause_intervals_keep_the_first_in_place_and_save_as_a_plain_list() {
        let mut intervals = Intervals::default();
        let mut written = Vec::new();
        for i in 0..5_i64 {
            let saved = serde_json::to_value(&intervals).unwrap();
            assert_eq!(saved, serde_json::to_value(&written).unwrap());
            let read: Intervals = serde_json::from_value(saved).unwrap();
            assert_eq!(read, intervals);
            assert_eq!(intervals.as_slice(), written.as_slice());
            intervals.push((i * 10, i * 10 + 5));
            written.push((i * 10, i * 10 + 5));
        }
        assert!(matches!(intervals, Intervals::Many(_)));
        let one: Intervals = serde_json::from_str("[[1,2]]").unwrap();
        assert!(matches!(one, Intervals::One([(1, 2)])));
    }

    #[test]
    fn a_timeline_moves_from_in_place_to_the_heap_and_saves_as_plain_bytes() {
        let mut timeline = Timeline::new(1_000);
        let mut written = Vec::new();
        let mut sizes = Vec::new();
        for i in 0..12_i64 {
            let entry = Entry {
                at: 1_000 + i * 300,
                what: if i == 0 { What::Started } else { What::Paused },
                because: Because::Pause,
                event: Some(3),
                business: (i * 300) as u64,
                wall: (i * 300) as u64,
            };
            timeline.push(&entry);
            written.push(entry);
            sizes.push(timeline.bytes.as_slice().len());
            assert_eq!(timeline.iter().collect::<Vec<_>>(), written);
            let saved = serde_json::to_value(&timeline).unwrap();
            let bytes: Vec<u8> = serde_json::from_value(saved["bytes"].clone()).unwrap();
            assert_eq!(bytes, timeline.bytes.as_slice());
            let read: Timeline = serde_json::from_value(saved).unwrap();
            assert_eq!(read.iter().collect::<Vec<_>>(), written);
        }
        assert!(matches!(timeline.bytes, Store::Heap(_)));
        assert!(sizes.iter().any(|n| *n <= INLINE) && sizes.iter().any(|n| *n > INLINE));
    }
}
