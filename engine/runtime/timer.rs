//! The timer queue: every future instant the engine must act at (milestones, breaches,
//! escalation levels, overdue steps, schedules), in one priority queue.
//!
//! Timers fire in order of time, then of scheduling. Cancelling is lazy: a timer carries the
//! generation of what it belongs to, and a stale one is dropped when it comes up, or earlier
//! when the queue has doubled since it was last compacted (every pause, resume or stop of a
//! clock leaves one behind, and a queue of mostly stale timers is slow to pop).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Due {
    /// The next milestone or the breach of an SLA clock (clock index, generation).
    Clock(u32, u32),
    /// The next level of an escalation (escalation index, level index).
    Escalation(u32, u32),
    /// A task passing its due time (task index).
    Task(u32),
    /// A scheduled trigger (bundle version, trigger index): dropped when that version is no
    /// longer the current one.
    Schedule(u16, u32),
}

/// A priority queue of timers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(i64, u64, Due)>>,
    sequence: u64,
    /// The queue's length after the last compaction.
    #[serde(default)]
    compacted: usize,
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
        if self.heap.len() < 2 * self.compacted.max(COMPACT_FROM) {
            return;
        }
        self.heap.retain(|Reverse((_, _, due))| current(due));
        self.compacted = self.heap.len();
    }

    /// Schedules `due` at `at`.
    pub fn push(&mut self, at: i64, due: Due) {
        self.sequence += 1;
        self.heap.push(Reverse((at, self.sequence, due)));
    }

    /// The earliest timer at or before `until`, removed from the queue.
    pub fn pop_until(&mut self, until: i64) -> Option<(i64, Due)> {
        match self.heap.peek() {
            Some(Reverse((at, _, _))) if *at <= until => {
                self.heap.pop().map(|Reverse((at, _, due))| (at, due))
            }
            _ => None,
        }
    }

    /// The earliest timer's instant.
    pub fn next_at(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// How many timers are queued (stale ones included).
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether none are queued.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_time_then_schedule_order() {
        let mut t = Timers::new();
        t.push(20, Due::Task(1));
        t.push(10, Due::Task(2));
        t.push(10, Due::Task(3));
        assert_eq!(t.pop_until(9), None);
        assert_eq!(t.pop_until(15), Some((10, Due::Task(2))));
        assert_eq!(t.pop_until(15), Some((10, Due::Task(3))));
        assert_eq!(t.pop_until(15), None);
        assert_eq!(t.next_at(), Some(20));
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
        t.push(3, Due::Task(1));
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
