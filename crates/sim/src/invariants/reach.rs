//! Reachability history: what can justify a Sentinel's judgement that an instance is
//! down (the `odown-justified` invariant is checked against it).

use crate::network::Time;
use std::collections::BTreeMap;

/// What can legitimately make a Sentinel judge an instance down: intervals when
/// Sentinel `s` could not reach instance `j` (crashed, or cut in either direction), and
/// intervals when instance `j` was not a master (redis' SDOWN rule for a master that
/// reports itself a replica for down-after plus two INFO periods, which is how
/// Sentinels recover when a promotion was undone, e.g. by another Sentinel's
/// `+convert-to-slave`). Intervals are `[start, end)`, `end` unset while ongoing.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    down: BTreeMap<(usize, usize), Vec<Interval>>,
    not_master: BTreeMap<usize, Vec<Interval>>,
}

/// `[start, end)`, `end` unset while ongoing.
type Interval = (Time, Option<Time>);

/// Opens an interval when `bad` starts, closes it when it ends.
fn record(v: &mut Vec<Interval>, bad: bool, now: Time) {
    let open = v.last().is_some_and(|(_, end)| end.is_none());
    if bad && !open {
        v.push((now, None));
    } else if !bad && open {
        if let Some(last) = v.last_mut() {
            last.1 = Some(now);
        }
    }
}

fn overlaps(v: Option<&Vec<Interval>>, from: Time, to: Time) -> bool {
    v.is_some_and(|v| {
        v.iter()
            .any(|&(start, end)| start <= to && end.is_none_or(|e| e >= from))
    })
}

impl Reach {
    /// Records whether Sentinel `s` reaches instance `j` at `now`.
    pub fn set(&mut self, s: usize, j: usize, reachable: bool, now: Time) {
        record(self.down.entry((s, j)).or_default(), !reachable, now);
    }

    /// Records whether instance `j` is a master at `now`.
    pub fn set_role(&mut self, j: usize, master: bool, now: Time) {
        record(self.not_master.entry(j).or_default(), !master, now);
    }

    /// Whether `s` could not reach `j` at some time in `[from, to]`.
    pub fn unreachable(&self, s: usize, j: usize, from: Time, to: Time) -> bool {
        overlaps(self.down.get(&(s, j)), from, to)
    }

    /// Whether `j` was not a master for at least `min` ms after `since` (when the
    /// Sentinel started taking it for the master: a role seen before that does not
    /// count, as the Sentinel's role clock restarts then), in a stretch that had not
    /// ended before `from`.
    pub fn not_master_for(&self, j: usize, since: Time, min: u64, from: Time, to: Time) -> bool {
        self.not_master.get(&j).is_some_and(|v| {
            v.iter().any(|&(start, end)| {
                let end = end.unwrap_or(to).min(to);
                end >= from && end.saturating_sub(start.max(since)) >= min
            })
        })
    }
}
