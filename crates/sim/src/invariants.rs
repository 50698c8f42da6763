//! The safety and liveness properties every run must keep, each checked by its own
//! function with a message that says what broke, on which Sentinel, in which epoch.
//!
//! Safety, checked continuously (after every step and on every event):
//! - `epoch-monotonic`: a Sentinel's current epoch never goes back, including across a
//!   restart (the restarted core is built from the file it last persisted, so an epoch
//!   change that was not flushed shows up here);
//! - `config-epoch-monotonic`: the same for every master's config epoch;
//! - `one-vote-per-epoch`: a Sentinel never votes for two leaders in one epoch
//!   (`+vote-for-leader <runid> <epoch>`), across restarts too;
//! - `one-leader-per-epoch`: at most one `+elected-leader` per (master, epoch). The
//!   epoch is the leader's *current* epoch at election time, not its failover epoch:
//!   redis counts the other Sentinels' votes when they are in the current epoch, so a
//!   Sentinel that started its attempt in epoch 5 and then moved to 6 is elected by
//!   epoch-6 votes, and two leaders can legitimately share failover epoch 5 (one elected
//!   with epoch-5 votes, one with epoch-6 votes). Keyed on the voting epoch, a majority
//!   is still needed per key, so two leaders there are a real split brain;
//! - `failover-needs-odown` / `failover-needs-election`: `+try-failover` only while this
//!   Sentinel has the master in ODOWN; `+elected-leader` only in an attempt;
//!   `+selected-slave`, `+failover-state-*`, `+promoted-slave`, `+slave-reconf-sent`
//!   and a leader's `+switch-master` only after `+elected-leader` (a `+switch-master`
//!   that follows `+config-update-from` is a follower adopting a newer configuration
//!   from a hello, and is fine). The simulation never sends `SENTINEL FAILOVER`, so no
//!   failover is ever forced;
//! - `odown-justified`: `+odown` for a master only when the emitting Sentinel and at
//!   least quorum Sentinels in all had a real reason to judge that instance down
//!   within the last [`ODOWN_WINDOW_MS`]: it was down, cut from them in either
//!   direction, or it reported itself a replica for down-after plus two INFO periods
//!   since that Sentinel took it for the master (see [`Reach`]);
//! - `restart-from-file`: a restarted Sentinel can always load the settings it last
//!   persisted (reported by the world when `Sentinel::new` refuses them).
//!
//! Liveness, checked once after the last fault healed and the settle time passed:
//! `converged`: every Sentinel answers the same `GET-MASTER-ADDR-BY-NAME`, knows all
//! the other Sentinels, is out of TILT; and the instance at that address is alive and a
//! master, every other instance a replica of it.

use crate::network::{host_at, Host, Time};
use crate::redis::Role;
use crate::world::MASTER_NAME;
use std::collections::BTreeMap;

/// How far back a reachability problem can justify an `+odown`: a peer's "down" answer
/// counts for 5 s (five ask periods), and a peer stays SDOWN a few seconds after a heal
/// until its link reconnects and a PONG arrives; 15 s covers both with margin.
pub const ODOWN_WINDOW_MS: u64 = 15_000;

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant's name (see the module documentation).
    pub invariant: &'static str,
    /// What happened.
    pub message: String,
}

impl Violation {
    /// A violation of `invariant`.
    pub fn new(invariant: &'static str, message: String) -> Violation {
        Violation { invariant, message }
    }
}

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

/// Per (Sentinel, master): where its failover attempt stands, as its events tell.
#[derive(Clone, Copy, Debug, Default)]
struct Track {
    odown: bool,
    attempt: bool,
    elected: bool,
}

/// The state the continuous checks need.
#[derive(Clone, Debug)]
pub struct Invariants {
    sentinels: usize,
    /// How long a master must report itself a replica before SDOWN.
    role_sdown_ms: u64,
    /// Per Sentinel and master name: the address it takes for the master, and since
    /// when (`+monitor` at start, `+switch-master`).
    adopted: Vec<BTreeMap<String, (String, Time)>>,
    epochs: Vec<u64>,
    config_epochs: Vec<BTreeMap<String, u64>>,
    votes: BTreeMap<(usize, String, u64), String>,
    leaders: BTreeMap<(String, u64), (usize, String)>,
    tracks: Vec<BTreeMap<String, Track>>,
    config_update: Vec<bool>,
}

impl Invariants {
    /// Fresh state for `sentinels` Sentinels whose masters have `down_after_ms` and
    /// the default INFO period (10 s): a master reporting itself a replica becomes SDOWN
    /// after `down_after_ms` plus two INFO periods.
    pub fn new(sentinels: usize, down_after_ms: u64) -> Invariants {
        Invariants {
            sentinels,
            role_sdown_ms: down_after_ms + 2 * 10_000,
            adopted: vec![BTreeMap::new(); sentinels],
            epochs: vec![0; sentinels],
            config_epochs: vec![BTreeMap::new(); sentinels],
            votes: BTreeMap::new(),
            leaders: BTreeMap::new(),
            tracks: vec![BTreeMap::new(); sentinels],
            config_update: vec![false; sentinels],
        }
    }

    /// A restarted Sentinel has no failover in progress.
    pub fn on_restart(&mut self, s: usize) {
        self.tracks[s].clear();
        self.config_update[s] = false;
    }

    /// `epoch-monotonic` and `config-epoch-monotonic` for Sentinel `s` now.
    pub fn observe_epochs(
        &mut self,
        s: usize,
        epoch: u64,
        masters: &[(String, u64)],
    ) -> Result<(), Violation> {
        if epoch < self.epochs[s] {
            return Err(Violation::new(
                "epoch-monotonic",
                format!(
                    "s{s}: current_epoch went back from {} to {epoch}",
                    self.epochs[s]
                ),
            ));
        }
        self.epochs[s] = epoch;
        for (name, e) in masters {
            let seen = self.config_epochs[s].entry(name.clone()).or_insert(0);
            if *e < *seen {
                return Err(Violation::new(
                    "config-epoch-monotonic",
                    format!("s{s}: config_epoch of {name} went back from {seen} to {e}"),
                ));
            }
            *seen = *e;
        }
        Ok(())
    }

    /// Checks one event of Sentinel `s` (run id `myid`, current epoch `epoch`).
    #[allow(clippy::too_many_arguments)]
    pub fn on_event(
        &mut self,
        s: usize,
        myid: &str,
        epoch: u64,
        kind: &str,
        text: &str,
        now: Time,
        reach: &Reach,
        redis: usize,
    ) -> Result<(), Violation> {
        let master = master_of(text).unwrap_or(MASTER_NAME).to_string();
        let track = *self.tracks[s].get(&master).unwrap_or(&Track::default());
        let needs = |ok: bool, inv: &'static str, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(Violation::new(
                    inv,
                    format!("s{s}: `{kind} {text}` {what} (epoch {epoch})"),
                ))
            }
        };
        let mut next = track;
        let words: Vec<&str> = text.split(' ').collect();
        match (kind, words.as_slice()) {
            ("+monitor", ["master", name, ip, port, ..])
            | ("+switch-master", [name, _, _, ip, port]) => {
                self.adopted[s].insert(name.to_string(), (format!("{ip}:{port}"), now));
            }
            _ => {}
        }
        match kind {
            "+odown" => {
                self.odown_justified(s, text, now, reach, redis)?;
                next.odown = true;
            }
            "-odown" => next.odown = false,
            "+try-failover" => {
                needs(
                    track.odown,
                    "failover-needs-odown",
                    "without the master in ODOWN",
                )?;
                next.attempt = true;
                next.elected = false;
            }
            "+elected-leader" => {
                needs(
                    track.attempt,
                    "failover-needs-odown",
                    "without +try-failover",
                )?;
                next.elected = true;
                self.one_leader(s, myid, &master, epoch)?;
            }
            "+config-update-from" => self.config_update[s] = true,
            "+switch-master" if self.config_update[s] => self.config_update[s] = false,
            "+switch-master" => {
                needs(
                    track.elected,
                    "failover-needs-election",
                    "without +elected-leader",
                )?;
                next = Track {
                    odown: track.odown,
                    ..Track::default()
                };
            }
            "+selected-slave" | "+promoted-slave" | "+slave-reconf-sent" => {
                needs(
                    track.elected,
                    "failover-needs-election",
                    "without +elected-leader",
                )?;
            }
            k if k.starts_with("+failover-state-") => {
                needs(
                    track.elected,
                    "failover-needs-election",
                    "without +elected-leader",
                )?;
            }
            k if k.starts_with("-failover-abort") => {
                next.attempt = false;
                next.elected = false;
            }
            "+vote-for-leader" => self.one_vote(s, &master, text)?,
            _ => {}
        }
        self.tracks[s].insert(master, next);
        Ok(())
    }

    /// `one-vote-per-epoch`: `text` is `<runid> <epoch>`.
    fn one_vote(&mut self, s: usize, master: &str, text: &str) -> Result<(), Violation> {
        let mut it = text.split(' ');
        let (Some(runid), Some(Ok(epoch))) = (it.next(), it.next().map(str::parse::<u64>)) else {
            return Err(Violation::new(
                "one-vote-per-epoch",
                format!("s{s}: malformed +vote-for-leader `{text}`"),
            ));
        };
        let key = (s, master.to_string(), epoch);
        match self.votes.get(&key) {
            Some(prev) if !prev.eq_ignore_ascii_case(runid) => Err(Violation::new(
                "one-vote-per-epoch",
                format!("s{s} voted for {prev} and then {runid} in epoch {epoch} of {master}"),
            )),
            _ => {
                self.votes.insert(key, runid.to_string());
                Ok(())
            }
        }
    }

    /// `one-leader-per-epoch`, keyed on the leader's current (voting) epoch.
    fn one_leader(
        &mut self,
        s: usize,
        myid: &str,
        master: &str,
        epoch: u64,
    ) -> Result<(), Violation> {
        let key = (master.to_string(), epoch);
        match self.leaders.get(&key) {
            Some((other, id)) if id != myid => Err(Violation::new(
                "one-leader-per-epoch",
                format!("s{s} ({myid}) and s{other} ({id}) were both elected leader of {master} in epoch {epoch}"),
            )),
            _ => {
                self.leaders.insert(key, (s, myid.to_string()));
                Ok(())
            }
        }
    }

    /// `odown-justified`: `text` is `master <name> <ip> <port> #quorum <n>/<q>`.
    fn odown_justified(
        &self,
        s: usize,
        text: &str,
        now: Time,
        reach: &Reach,
        redis: usize,
    ) -> Result<(), Violation> {
        let words: Vec<&str> = text.split(' ').collect();
        let quorum = words
            .iter()
            .rev()
            .find_map(|w| w.split('/').nth(1))
            .and_then(|q| q.parse::<usize>().ok())
            .unwrap_or(1);
        let node = match (
            words.get(2),
            words.get(3).and_then(|p| p.parse::<u16>().ok()),
        ) {
            (Some(ip), Some(port)) => host_at(ip, port, redis, 0),
            _ => None,
        };
        let Some(Host::Redis(j)) = node else {
            return Err(Violation::new(
                "odown-justified",
                format!("s{s}: +odown for an unknown instance: `{text}`"),
            ));
        };
        let from = now.saturating_sub(ODOWN_WINDOW_MS);
        let addr = Host::Redis(j).addr();
        let troubled: Vec<usize> = (0..self.sentinels)
            .filter(|&t| {
                let role = match self.adopted[t].get(words.get(1).copied().unwrap_or_default()) {
                    Some((a, since)) if *a == addr => {
                        reach.not_master_for(j, *since, self.role_sdown_ms, from, now)
                    }
                    _ => false,
                };
                role || reach.unreachable(t, j, from, now)
            })
            .collect();
        if !troubled.contains(&s) || troubled.len() < quorum {
            return Err(Violation::new(
                "odown-justified",
                format!(
                    "s{s}: `+odown {text}` but only sentinels {troubled:?} lost {} in the last {} ms (quorum {quorum})",
                    Host::Redis(j).addr(),
                    ODOWN_WINDOW_MS
                ),
            ));
        }
        Ok(())
    }
}

/// The master an event is about: `master <name> ...` or `... @ <name> <ip> <port>`.
fn master_of(text: &str) -> Option<&str> {
    if let Some(rest) = text.strip_prefix("master ") {
        return rest.split(' ').next();
    }
    let (_, after) = text.split_once(" @ ")?;
    after.split(' ').next()
}

/// What one Sentinel says at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentinelView {
    /// Which Sentinel.
    pub s: usize,
    /// Its `GET-MASTER-ADDR-BY-NAME` answer.
    pub master_addr: Option<(String, u16)>,
    /// How many other Sentinels it knows for the master.
    pub others: usize,
    /// Whether it is in TILT.
    pub tilt: bool,
}

/// What one redis instance is at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceView {
    /// Its address.
    pub host: Host,
    /// Running.
    pub alive: bool,
    /// Its role.
    pub role: Role,
}

/// `converged`: agreement on the master, full mutual knowledge, no TILT, and the real
/// topology matching what the Sentinels announce.
pub fn check_converged(
    views: &[SentinelView],
    instances: &[InstanceView],
) -> Result<(), Violation> {
    let fail = |m: String| Err(Violation::new("converged", m));
    let n = views.len();
    for v in views {
        if v.tilt {
            return fail(format!("s{} is still in TILT", v.s));
        }
        if v.others + 1 != n {
            return fail(format!(
                "s{} knows {} other sentinels, expected {}",
                v.s,
                v.others,
                n - 1
            ));
        }
    }
    let Some(first) = views.first() else {
        return Ok(());
    };
    for v in views {
        if v.master_addr != first.master_addr {
            return fail(format!(
                "s{} says the master is {:?} but s{} says {:?}",
                v.s, v.master_addr, first.s, first.master_addr
            ));
        }
    }
    let Some((ip, port)) = &first.master_addr else {
        return fail("no sentinel knows the master address".into());
    };
    for i in instances {
        let is_master = i.host.ip() == *ip && i.host.port() == *port;
        let ok = match (&i.role, is_master) {
            _ if !i.alive => false,
            (Role::Master, true) => true,
            (Role::Replica { host, port: p }, false) => host == ip && p == port,
            _ => false,
        };
        if !ok {
            return fail(format!(
                "sentinels agree on {ip}:{port} but {} is {:?} (alive: {})",
                i.host.addr(),
                i.role,
                i.alive
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
