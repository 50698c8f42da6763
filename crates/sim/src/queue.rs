//! The simulation's event queue: events run by virtual time, and events due at the same
//! time in the order they were scheduled, so every run of a seed is the same.

use crate::network::Time;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Events ordered by `(time, order of scheduling)`.
#[derive(Debug)]
pub struct EventQueue<T> {
    heap: BinaryHeap<Scheduled<T>>,
    /// Events scheduled so far: each one's place among those due at the same time.
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<T> EventQueue<T> {
    /// Queues `ev` at `at`.
    pub fn push(&mut self, at: Time, ev: T) {
        self.seq += 1;
        self.heap.push(Scheduled {
            at,
            seq: self.seq,
            ev,
        });
    }

    /// The next event, if it is due no later than `end`.
    pub fn pop_until(&mut self, end: Time) -> Option<(Time, T)> {
        if self.heap.peek()?.at > end {
            return None;
        }
        self.heap.pop().map(|s| (s.at, s.ev))
    }
}

/// One queued event. `seq` is unique, so the order is total.
#[derive(Debug)]
struct Scheduled<T> {
    at: Time,
    seq: u64,
    ev: T,
}

impl<T> PartialEq for Scheduled<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<T> Eq for Scheduled<T> {}

impl<T> PartialOrd for Scheduled<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Scheduled<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap pops its greatest element.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(20, "c");
        q.push(10, "a");
        q.push(10, "b");
        q.push(30, "d");
        assert_eq!(q.pop_until(25), Some((10, "a")));
        assert_eq!(q.pop_until(25), Some((10, "b")));
        assert_eq!(q.pop_until(25), Some((20, "c")));
        assert_eq!(q.pop_until(25), None, "not due yet");
        assert_eq!(q.pop_until(30), Some((30, "d")));
        assert_eq!(q.pop_until(99), None);
    }
}
