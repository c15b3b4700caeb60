//! The timer queue: every future instant the engine must act at (milestones, breaches,
//! escalation levels, overdue steps, schedules), in one priority queue.
//!
//! Timers fire in order of time, then of scheduling. Time only moves forward, so the queue is a
//! radix heap: timers are kept in buckets by the highest bit in which their key (instant, then
//! scheduling number) differs from the last one taken, and a bucket is sorted out only when it
//! is the lowest left. Each timer moves down a few buckets in its life instead of being sifted
//! through a heap of hundreds of thousands of entries at every pop. A timer scheduled before the
//! last one taken (a milestone already passed when a clock starts retroactively) waits in a
//! small separate heap and fires first.
//!
//! Cancelling is lazy: a timer carries the generation of what it belongs to, and a stale one is
//! dropped when it comes up, or earlier when the queue has doubled since it was last compacted
//! (every pause, resume or stop of a clock leaves one behind).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Due {
    /// The next milestone or the breach of an SLA clock (clock index, generation).
    Clock(u32, u32),
    /// The next level of an escalation (escalation index, level index, the escalation's
    /// generation: its slot may hold another escalation by then).
    Escalation(u32, u32, u32),
    /// A task passing its due time (task index, the task's generation).
    Task(u32, u32),
    /// The end of a quiet record's retention (record index, the record's stamp then).
    Release(u32, u32),
    /// A scheduled trigger (bundle version, trigger index): dropped when that version is no
    /// longer the current one.
    Schedule(u16, u32),
    /// The end of a report's period, when the report falls due (bundle version, report index,
    /// period number): dropped when that version is no longer the current one.
    ReportDue(u16, u32, i32),
    /// A report's due time (bundle version, report index, period number): overdue unless
    /// delivered by then; fires whatever version is current.
    ReportOverdue(u16, u32, i32),
    /// A forum's notice (bundle version, forum index, notice index, period number of the
    /// meeting): dropped when that version is no longer the current one.
    ForumNotice(u16, u16, u16, i32),
    /// The instant an availability target's downtime budget runs out, or its period ends, while
    /// an outage is open (index among the current version's availability targets, the
    /// generation it was armed with).
    Availability(u32, u32),
    /// The end of a KPI's period (bundle version, KPI index): dropped when that version is no
    /// longer the current one.
    Kpi(u16, u32),
    /// The end of a penalty's period (bundle version, penalty index): dropped when that
    /// version is no longer the current one.
    Penalty(u16, u32),
}

/// A timer's place in the order: its instant, then its scheduling number, as one number.
type Key = u128;

fn key(at: i64, sequence: u64) -> Key {
    // Shifting the instant by 2^63 orders negative instants before positive ones.
    let at = (at as u64) ^ (1 << 63);
    (u128::from(at) << 64) | u128::from(sequence)
}

fn instant(key: Key) -> i64 {
    (((key >> 64) as u64) ^ (1 << 63)) as i64
}

fn sequence(key: Key) -> u64 {
    key as u64
}

/// The bucket of `key` relative to the last key taken: 0 if equal, else one more than the
/// highest bit in which they differ.
fn bucket(key: Key, last: Key) -> usize {
    (128 - (key ^ last).leading_zeros()) as usize
}

/// A priority queue of timers.
#[derive(Debug, Clone)]
pub struct Timers {
    buckets: Vec<Vec<(Key, Due)>>,
    /// Timers scheduled before the last one taken.
    late: BinaryHeap<Reverse<(Key, Due)>>,
    /// The last key taken (timers are taken in order of their keys).
    last: Key,
    len: usize,
    sequence: u64,
    /// The queue's length after the last compaction.
    compacted: usize,
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            buckets: vec![Vec::new(); 129],
            late: BinaryHeap::new(),
            last: 0,
            len: 0,
            sequence: 0,
            compacted: 0,
        }
    }
}

/// The fewest timers worth compacting.
const COMPACT_FROM: usize = 4_096;

impl Timers {
    /// An empty queue.
    pub fn new() -> Timers {
        Timers::default()
    }

    /// Drops the timers `current` rejects (stale ones, which would fire nothing), if the queue
    /// has doubled since the last compaction; the cost is linear, once per doubling.
    pub fn compact(&mut self, mut current: impl FnMut(&Due) -> bool) {
        if self.len < 2 * self.compacted.max(COMPACT_FROM) {
            return;
        }
        for bucket in &mut self.buckets {
            bucket.retain(|(_, due)| current(due));
        }
        self.late.retain(|Reverse((_, due))| current(due));
        self.len = self.buckets.iter().map(Vec::len).sum::<usize>() + self.late.len();
        self.compacted = self.len;
    }

    /// Schedules `due` at `at`.
    pub fn push(&mut self, at: i64, due: Due) {
        self.sequence += 1;
        self.insert(key(at, self.sequence), due);
    }

    fn insert(&mut self, key: Key, due: Due) {
        self.len += 1;
        if key < self.last {
            self.late.push(Reverse((key, due)));
        } else if let Some(bucket) = self.buckets.get_mut(bucket(key, self.last)) {
            bucket.push((key, due));
        }
    }

    /// The earliest timer's key, after sorting out buckets so that it is in bucket 0 (or in
    /// the late heap).
    fn settle(&mut self) -> Option<Key> {
        if let Some(Reverse((key, _))) = self.late.peek() {
            return Some(*key);
        }
        if let Some((key, _)) = self.buckets.first().and_then(|b| b.first()) {
            return Some(*key);
        }
        let index = self.buckets.iter().position(|b| !b.is_empty())?;
        let entries = std::mem::take(self.buckets.get_mut(index)?);
        let min = entries.iter().map(|(key, _)| *key).min()?;
        self.last = min;
        for (key, due) in &entries {
            if let Some(bucket) = self.buckets.get_mut(bucket(*key, min)) {
                bucket.push((*key, *due));
            }
        }
        // Keep the emptied bucket's memory for the timers that will fall into it again.
        if let Some(slot) = self.buckets.get_mut(index)
            && slot.capacity() == 0
        {
            let mut entries = entries;
            entries.clear();
            *slot = entries;
        }
        Some(min)
    }

    /// The earliest timer at or before `until`, removed from the queue.
    pub fn pop_until(&mut self, until: i64) -> Option<(i64, Due)> {
        let key = self.settle()?;
        if instant(key) > until {
            return None;
        }
        let due = if let Some(Reverse((_, due))) = self.late.pop() {
            due
        } else {
            // Keys are unique (the scheduling number), so bucket 0 holds exactly this one.
            self.buckets.first_mut()?.pop()?.1
        };
        self.len -= 1;
        Some((instant(key), due))
    }

    /// The earliest timer's instant.
    pub fn next_at(&mut self) -> Option<i64> {
        self.settle().map(instant)
    }

    /// How many timers are queued (stale ones included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none are queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every queued timer (instant, scheduling number, what), in no particular order.
    fn entries(&self) -> impl Iterator<Item = (i64, u64, Due)> + '_ {
        self.buckets
            .iter()
            .flatten()
            .copied()
            .chain(self.late.iter().map(|Reverse(entry)| *entry))
            .map(|(key, due)| (instant(key), sequence(key), due))
    }
}

/// How a queue is kept in a snapshot: its timers sorted by time and scheduling, the next
/// scheduling number, and the last one taken.
#[derive(Serialize, Deserialize)]
struct Saved {
    timers: Vec<(i64, u64, Due)>,
    sequence: u64,
    last: (i64, u64),
    compacted: usize,
}

impl Serialize for Timers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut timers: Vec<(i64, u64, Due)> = self.entries().collect();
        timers.sort_unstable();
        Saved {
            timers,
            sequence: self.sequence,
            last: (instant(self.last), sequence(self.last)),
            compacted: self.compacted,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Timers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timers, D::Error> {
        let saved = Saved::deserialize(deserializer)?;
        let mut timers = Timers {
            last: key(saved.last.0, saved.last.1),
            sequence: saved.sequence,
            compacted: saved.compacted,
            ..Timers::default()
        };
        for (at, sequence, due) in saved.timers {
            timers.insert(key(at, sequence), due);
        }
        Ok(timers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_time_then_schedule_order() {
        let mut t = Timers::new();
        t.push(20, Due::Task(1, 0));
        t.push(10, Due::Task(2, 0));
        t.push(10, Due::Task(3, 0));
        assert_eq!(t.pop_until(9), None);
        assert_eq!(t.pop_until(15), Some((10, Due::Task(2, 0))));
        assert_eq!(t.pop_until(15), Some((10, Due::Task(3, 0))));
        assert_eq!(t.pop_until(15), None);
        assert_eq!(t.next_at(), Some(20));
    }

    /// The radix queue gives the order a binary heap of (instant, scheduling number) gives,
    /// whatever is pushed between pops, timers in the past and negative instants included,
    /// and a snapshot continues the same order.
    #[test]
    fn the_order_is_a_heap_order_through_pushes_pops_and_snapshots() {
        let mut timers = Timers::new();
        let mut reference: BinaryHeap<Reverse<(i64, u64, Due)>> = BinaryHeap::new();
        let mut sequence = 0u64;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut now = -1_000i64;
        for round in 0..2_000 {
            for _ in 0..random(5) {
                // Mostly ahead of now, sometimes behind it or far away.
                let at = match random(10) {
                    0 => now - random(50) as i64,
                    1 => now + random(1 << 40) as i64,
                    _ => now + random(500) as i64,
                };
                let due = Due::Task(round, 0);
                sequence += 1;
                timers.push(at, due);
                reference.push(Reverse((at, sequence, due)));
            }
            if round % 500 == 250 {
                let text = serde_json::to_string(&timers).unwrap();
                timers = serde_json::from_str(&text).unwrap();
            }
            now += random(300) as i64;
            loop {
                let expected = match reference.peek() {
                    Some(Reverse((at, _, _))) if *at <= now => {
                        reference.pop().map(|Reverse((at, _, due))| (at, due))
                    }
                    _ => None,
                };
                assert_eq!(timers.pop_until(now), expected);
                if expected.is_none() {
                    break;
                }
            }
            assert_eq!(timers.len(), reference.len());
        }
    }

    #[test]
    fn compaction_drops_stale_timers_once_the_queue_doubles() {
        let mut t = Timers::new();
        let current = |due: &Due| !matches!(due, Due::Clock(_, 0));
        for i in 0..COMPACT_FROM as u32 * 2 - 1 {
            t.push(i64::from(i % 7), Due::Clock(i, i % 2));
        }
        t.compact(current);
        assert_eq!(t.len(), COMPACT_FROM * 2 - 1, "too early to compact");
        t.push(3, Due::Task(1, 0));
        t.compact(current);
        assert_eq!(t.len(), COMPACT_FROM);
        // What is left still fires in time, then scheduling, order.
        let mut last = (i64::MIN, 0);
        let mut fired = 0;
        while let Some((at, due)) = t.pop_until(i64::MAX) {
            assert!(!matches!(due, Due::Clock(_, 0)));
            let order = match due {
                Due::Clock(i, _) => i,
                _ => COMPACT_FROM as u32 * 2,
            };
            assert!((at, order) >= last, "{at} {order} after {last:?}");
            last = (at, order);
            fired += 1;
        }
        assert_eq!(fired, COMPACT_FROM);
    }
}
