//! When the timer runs next. Full runs come at redis' randomised 10-19 Hz; in fast mode
//! quick runs come in between, at the next deadline (SDOWN, a retry, a poll) or at once
//! when something asks for it.

/// The timer's next run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TimerSchedule {
    /// When the timer should run next.
    next: u64,
    /// When the next full run is due; runs before it are quick runs.
    next_full: u64,
    /// The timer was asked to run sooner since the daemon last looked.
    early_wake: bool,
}

impl TimerSchedule {
    /// When the timer should run next.
    pub(crate) fn next(&self) -> u64 {
        self.next
    }

    /// Whether a run at `now` is a quick one: the full run is due within the next
    /// second but not yet (a clock that went back makes the full run due at once rather
    /// than far in the future). The next run is then the full one, unless a deadline
    /// comes sooner.
    pub(crate) fn quick_run_due(&mut self, now: u64) -> bool {
        let full_due = self.next_full.saturating_sub(now);
        if full_due > 0 && full_due <= 1000 {
            self.next = self.next_full;
            true
        } else {
            false
        }
    }

    /// A full run ended at `now`; the next one comes at `hz` runs per second.
    pub(crate) fn full_run_done(&mut self, now: u64, hz: u64) {
        self.next = now + 1000 / hz;
        self.next_full = self.next;
    }

    /// Run no later than `at`.
    pub(crate) fn no_later_than(&mut self, at: u64) {
        self.next = self.next.min(at);
    }

    /// Run no later than `at`, and tell the daemon the time moved earlier.
    pub(crate) fn wake_early(&mut self, at: u64) {
        self.no_later_than(at);
        self.early_wake = true;
    }

    /// Whether the next run moved earlier since the last call.
    pub(crate) fn take_early_wake(&mut self) -> bool {
        std::mem::take(&mut self.early_wake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_runs_fall_between_full_runs() {
        let mut t = TimerSchedule::default();
        t.full_run_done(1_000, 10);
        assert_eq!(t.next(), 1_100);
        t.no_later_than(1_030);
        assert_eq!(t.next(), 1_030);
        assert!(t.quick_run_due(1_030));
        assert_eq!(t.next(), 1_100);
        assert!(!t.quick_run_due(1_100));
        // A clock far behind makes the full run due at once.
        assert!(!t.quick_run_due(10));
        assert!(!t.take_early_wake());
        t.wake_early(1_040);
        assert!(t.take_early_wake() && !t.take_early_wake());
        assert_eq!(t.next(), 1_040);
    }
}
