//! The safety and liveness properties every run must keep, each checked by its own
//! function with a message that says what broke, on which Sentinel, in which epoch.
//! With several masters, everything about a failover is judged per master: the
//! Sentinels share one current epoch (as in redis) but vote, elect and promote per
//! master, and must never mix the replication groups.
//!
//! Safety, checked continuously (after every step and on every event):
//! - `epoch-monotonic`: a Sentinel's current epoch never goes back, including across a
//!   restart (the restarted core is built from the file it last persisted, so an epoch
//!   change that was not flushed shows up here);
//! - `config-epoch-monotonic`: the same for every master's config epoch;
//! - `one-vote-per-epoch`: a Sentinel never votes for two leaders in one epoch of one
//!   master (`+vote-for-leader <runid> <epoch>`), across restarts too. The event does
//!   not name the master (as in redis), so it is attributed to the masters whose
//!   recorded vote it matches in the core right after (to every master when none does);
//! - `one-leader-per-epoch`: at most one `+elected-leader` per (master, epoch). The
//!   epoch is the leader's *current* epoch when it announced the election (as the
//!   world tracks it through `+new-epoch`, see `SentinelNode::event_epoch`), not its
//!   failover epoch:
//!   redis counts the other Sentinels' votes when they are in the current epoch, so a
//!   Sentinel that started its attempt in epoch 5 and then moved to 6 is elected by
//!   epoch-6 votes, and two leaders can legitimately share failover epoch 5 (one elected
//!   with epoch-5 votes, one with epoch-6 votes). Keyed on the voting epoch, a majority
//!   is still needed per key, so two leaders there are a real split brain;
//! - `one-failover-per-config-epoch`: at most one leader per (master, failover epoch),
//!   the epoch the new master's config epoch will be. Two failovers of one master
//!   under one config epoch could promote different replicas that no later
//!   configuration ever orders. redis 7.0.15 allows it (a Sentinel elected with votes
//!   of a later epoch keeps the epoch its attempt started in); rsentinel's leader takes
//!   the epoch it was elected in;
//! - `failover-needs-odown` / `failover-needs-election`: `+try-failover` only while this
//!   Sentinel has that master in ODOWN; `+elected-leader` only in an attempt for it;
//!   `+selected-slave`, `+failover-state-*`, `+promoted-slave`, `+slave-reconf-sent`
//!   and a leader's `+switch-master` only after `+elected-leader` for that master (a
//!   `+switch-master` that follows `+config-update-from` for the same master is a
//!   follower adopting a newer configuration from a hello, and is fine). The
//!   simulation never sends `SENTINEL FAILOVER`, so no failover is ever forced;
//! - `promote-known-replica`: `+selected-slave` and `+promoted-slave` name a replica
//!   the Sentinel knows for that master;
//! - `odown-justified`: `+odown` for a master only when the emitting Sentinel and at
//!   least quorum Sentinels in all had a real reason to judge that instance down
//!   within the last [`ODOWN_WINDOW_MS`]: it was down, cut from them in either
//!   direction, or it reported itself a replica for down-after plus two INFO periods
//!   since that Sentinel took it for the master (see [`Reach`]);
//! - `same-group` and `no-cross-group-replication`: no event puts an instance under
//!   another group's master, and no instance replicates from another group (see
//!   [`check_event_groups`], [`check_replication_group`]);
//! - `restart-from-file`: a restarted Sentinel can always load the settings it last
//!   persisted (reported by the world when `Sentinel::new` refuses them).
//!
//! Liveness, checked once after the last fault healed and the settle time passed:
//! `converged`, for every master (see [`check_converged`]).

use crate::layout::{Layout, MASTER_NAME};
use crate::network::{Host, Time};
use std::collections::BTreeMap;

mod converged;
mod groups;
mod reach;

pub use converged::{check_converged, InstanceView, MasterView, SentinelView};
pub use groups::{check_event_groups, check_replication_group};
pub use reach::Reach;

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

/// What the checks ask the emitting Sentinel's core about itself (implemented by
/// `rsentinel_core::Sentinel` in the world, by fakes in tests).
pub trait CoreView {
    /// Its recorded vote for `master`: the leader's run id and the epoch.
    fn vote(&self, master: &str) -> Option<(String, u64)>;
    /// Whether it knows replica `replica` (`ip:port`) of `master`.
    fn knows_replica(&self, master: &str, replica: &str) -> bool;
    /// The epoch of its failover of `master` (the promoted replica's config epoch).
    fn failover_epoch(&self, master: &str) -> Option<u64>;
}

/// The Sentinel that emitted an event, when.
pub struct Emitter<'a> {
    /// Which Sentinel.
    pub s: usize,
    /// Its run id.
    pub myid: &'a str,
    /// Its current epoch.
    pub epoch: u64,
    /// Virtual now.
    pub now: Time,
    /// Its core.
    pub core: &'a dyn CoreView,
}

/// Per (Sentinel, master): where its failover attempt stands, as its events tell.
#[derive(Clone, Copy, Debug, Default)]
struct Track {
    odown: bool,
    /// An operator's `SENTINEL FAILOVER` was accepted: the next attempt needs no ODOWN.
    forced: bool,
    attempt: bool,
    elected: bool,
    /// `+config-update-from` seen: the next `+switch-master` adopts a hello's config.
    config_update: bool,
}

/// The state the continuous checks need.
#[derive(Clone, Debug)]
pub struct Invariants {
    sentinels: usize,
    layout: Layout,
    /// How long a master must report itself a replica before SDOWN.
    role_sdown_ms: u64,
    /// Per Sentinel and master name: the address it takes for the master, and since
    /// when (`+monitor` at start, `+switch-master`).
    adopted: Vec<BTreeMap<String, (String, Time)>>,
    epochs: Vec<u64>,
    /// Per Sentinel, every master name it ever had with the highest config epoch seen,
    /// in the order first seen: that is the order of its masters, so the check after
    /// every step finds each in place instead of searching.
    config_epochs: Vec<Vec<(String, u64)>>,
    votes: BTreeMap<(usize, String, u64), String>,
    leaders: BTreeMap<(String, u64), (usize, String)>,
    /// Leader per (master, failover epoch): `one-failover-per-config-epoch`.
    failovers: BTreeMap<(String, u64), (usize, String)>,
    tracks: Vec<BTreeMap<String, Track>>,
}

impl Invariants {
    /// Fresh state for `sentinels` Sentinels monitoring the masters of `layout`, with
    /// `down_after_ms` and the default INFO period (10 s): a master reporting itself a
    /// replica becomes SDOWN after `down_after_ms` plus two INFO periods.
    pub fn new(sentinels: usize, down_after_ms: u64, layout: Layout) -> Invariants {
        Invariants {
            sentinels,
            layout,
            role_sdown_ms: down_after_ms + 2 * 10_000,
            adopted: vec![BTreeMap::new(); sentinels],
            epochs: vec![0; sentinels],
            config_epochs: vec![Vec::new(); sentinels],
            votes: BTreeMap::new(),
            leaders: BTreeMap::new(),
            failovers: BTreeMap::new(),
            tracks: vec![BTreeMap::new(); sentinels],
        }
    }

    /// A restarted Sentinel has no failover in progress.
    pub fn on_restart(&mut self, s: usize) {
        self.tracks[s].clear();
    }

    /// `epoch-monotonic` and `config-epoch-monotonic` for Sentinel `s` now.
    pub fn observe_epochs<'a>(
        &mut self,
        s: usize,
        epoch: u64,
        masters: impl IntoIterator<Item = (&'a str, u64)>,
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
        let known = &mut self.config_epochs[s];
        for (i, (name, e)) in masters.into_iter().enumerate() {
            let at = if known.get(i).is_some_and(|(n, _)| n == name) {
                i
            } else if let Some(j) = known.iter().position(|(n, _)| n == name) {
                j
            } else {
                known.push((name.to_string(), 0));
                known.len() - 1
            };
            let seen = &mut known[at].1;
            if e < *seen {
                return Err(Violation::new(
                    "config-epoch-monotonic",
                    format!("s{s}: config_epoch of {name} went back from {seen} to {e}"),
                ));
            }
            *seen = e;
        }
        Ok(())
    }

    /// Sentinel `s` accepted an operator's `SENTINEL FAILOVER` for `master`: its next
    /// attempt on that master is forced (redis' `SRI_FORCE_FAILOVER`), without ODOWN.
    pub fn on_manual_failover(&mut self, s: usize, master: &str) {
        let t = self.tracks[s].entry(master.to_string()).or_default();
        t.forced = true;
    }

    /// Checks one event `kind text` of Sentinel `by.s`.
    pub fn on_event(
        &mut self,
        by: &Emitter,
        kind: &str,
        text: &str,
        reach: &Reach,
    ) -> Result<(), Violation> {
        let s = by.s;
        let epoch = by.epoch;
        let master = master_of(kind, text).unwrap_or(MASTER_NAME).to_string();
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
                self.adopted[s].insert(name.to_string(), (format!("{ip}:{port}"), by.now));
            }
            _ => {}
        }
        match kind {
            "+odown" => {
                self.odown_justified(s, text, by.now, reach)?;
                next.odown = true;
            }
            "-odown" => next.odown = false,
            "+try-failover" => {
                needs(
                    track.odown || track.forced,
                    "failover-needs-odown",
                    "without the master in ODOWN",
                )?;
                next.forced = false;
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
                let me = by.myid;
                // Keyed on the leader's current (voting) epoch.
                claim(&mut self.leaders, s, me, &master, epoch).map_err(|(o, id)| {
                    let what = format!("s{s} ({me}) and s{o} ({id}) were both elected leader of {master} in epoch {epoch}");
                    Violation::new("one-leader-per-epoch", what)
                })?;
                if let Some(fe) = by.core.failover_epoch(&master) {
                    claim(&mut self.failovers, s, me, &master, fe).map_err(|(o, id)| {
                        let what = format!("s{s} ({me}) and s{o} ({id}) both lead a failover of {master} under epoch {fe}");
                        Violation::new("one-failover-per-config-epoch", what)
                    })?;
                }
            }
            "+config-update-from" => next.config_update = true,
            "+switch-master" if track.config_update => next.config_update = false,
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
            "+selected-slave" | "+promoted-slave" => {
                needs(
                    track.elected,
                    "failover-needs-election",
                    "without +elected-leader",
                )?;
                let replica = words.get(1).copied().unwrap_or_default();
                needs(
                    by.core.knows_replica(&master, replica),
                    "promote-known-replica",
                    &format!("but {replica} is no known replica of {master}"),
                )?;
            }
            "+slave-reconf-sent" => {
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
            "+vote-for-leader" => self.one_vote(by, text)?,
            _ => {}
        }
        check_event_groups(&self.layout, s, kind, text)?;
        self.tracks[s].insert(master, next);
        Ok(())
    }

    /// `one-vote-per-epoch`: `text` is `<runid> <epoch>`, for the masters whose vote in
    /// the core it matches (all of them when none does).
    fn one_vote(&mut self, by: &Emitter, text: &str) -> Result<(), Violation> {
        let s = by.s;
        let mut it = text.split(' ');
        let (Some(runid), Some(Ok(epoch))) = (it.next(), it.next().map(str::parse::<u64>)) else {
            return Err(Violation::new(
                "one-vote-per-epoch",
                format!("s{s}: malformed +vote-for-leader `{text}`"),
            ));
        };
        let names = self.layout.names();
        let mut masters: Vec<&String> = names
            .iter()
            .filter(|m| {
                by.core
                    .vote(m)
                    .is_some_and(|(id, e)| e == epoch && id.eq_ignore_ascii_case(runid))
            })
            .collect();
        if masters.is_empty() {
            masters = names.iter().collect();
        }
        for master in masters {
            let key = (s, master.clone(), epoch);
            match self.votes.get(&key) {
                Some(prev) if !prev.eq_ignore_ascii_case(runid) => {
                    return Err(Violation::new(
                        "one-vote-per-epoch",
                        format!(
                            "s{s} voted for {prev} and then {runid} in epoch {epoch} of {master}"
                        ),
                    ))
                }
                _ => {
                    self.votes.insert(key, runid.to_string());
                }
            }
        }
        Ok(())
    }

    /// `odown-justified`: `text` is `master <name> <ip> <port> #quorum <n>/<q>`.
    fn odown_justified(
        &self,
        s: usize,
        text: &str,
        now: Time,
        reach: &Reach,
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
            (Some(ip), Some(port)) => self.layout.instance_at(ip, port),
            _ => None,
        };
        let Some(j) = node else {
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
                    "s{s}: `+odown {text}` but only sentinels {troubled:?} lost {addr} in the last {} ms (quorum {quorum})",
                    ODOWN_WINDOW_MS
                ),
            ));
        }
        Ok(())
    }
}

/// The master an event is about: `master <name> ...`, `... @ <name> <ip> <port>`, or
/// the first word of a `+switch-master`.
fn master_of<'a>(kind: &str, text: &'a str) -> Option<&'a str> {
    if kind == "+switch-master" {
        return text.split(' ').next();
    }
    if let Some(rest) = text.strip_prefix("master ") {
        return rest.split(' ').next();
    }
    let (_, after) = text.split_once(" @ ")?;
    after.split(' ').next()
}

/// Records Sentinel `s` (run id `myid`) as the one leader of (`master`, `epoch`) in
/// `owners`; on a clash, the Sentinel and run id that already hold it.
fn claim(
    owners: &mut BTreeMap<(String, u64), (usize, String)>,
    s: usize,
    myid: &str,
    master: &str,
    epoch: u64,
) -> Result<(), (usize, String)> {
    let key = (master.to_string(), epoch);
    match owners.get(&key) {
        Some((other, id)) if id != myid => Err((*other, id.clone())),
        _ => {
            owners.insert(key, (s, myid.to_string()));
            Ok(())
        }
    }
}

#[cfg(test)]
mod multi_tests;
#[cfg(test)]
mod tests;
