//! Objective down: what the other Sentinels answered to `SENTINEL is-master-down-by-addr`,
//! when to ask them again, when their answers go stale, and the quorum check
//! (`sentinelAskMasterStateToOtherSentinels`, `sentinelReceiveIsMasterDownReply`,
//! `sentinelCheckObjectivelyDown`).
//!
//! ODOWN is a weak quorum: it only says enough Sentinels recently reported the master
//! unreachable. A peer's "down" answer counts until it is older than 5 ask periods.

use crate::{elapsed, first_time_over, older_than};

/// Replies older than this many ask periods are forgotten (down flag and vote).
pub const REPLY_VALIDITY_PERIODS: u64 = 5;

/// What we know from one other Sentinel about one master: the `SRI_MASTER_DOWN` flag,
/// its vote, and when it last answered. Lives on the Sentinel instance in the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerDownState {
    /// Time of its last well-formed reply (`last_master_down_reply_time`); starts at
    /// creation time, so a new peer is not asked during its first ask period.
    pub last_reply_time: u64,
    /// It said the master is down (`SRI_MASTER_DOWN`, flag `master_down`).
    pub master_down: bool,
    /// Run id it voted for as failover leader, and in which epoch (`leader`,
    /// `leader_epoch`): read by the leader election.
    pub leader: Option<String>,
    /// Epoch of that vote.
    pub leader_epoch: u64,
    /// When we last asked (0 = never). Not in redis, which re-asks on every 100 ms timer
    /// tick until an answer comes; this paces an exact-deadline core the same way.
    pub last_ask_time: u64,
}

/// A well-formed reply: a 3-element array of integer, string, integer. The core checks
/// that shape and ignores anything else (the state then expires on its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsMasterDownReply {
    /// 1 when the peer thinks the master is down (any other value: not down).
    pub down_state: i64,
    /// Run id it voted for, or `*` when the request asked for no vote.
    pub leader_runid: String,
    /// Epoch of the vote (meaningless with `*`).
    pub leader_epoch: i64,
}

/// A vote learned from a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteSeen {
    /// Run id the peer voted for.
    pub leader: String,
    /// Epoch of the vote.
    pub epoch: u64,
    /// The epoch differs from the one recorded before: redis logs
    /// `<sentinel name> voted for <leader> <epoch>` at warning level.
    pub log: bool,
}

/// Result of the quorum check when it flips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OdownChange {
    /// Emit `+odown` (warning) with text `%@ #quorum <votes>/<quorum>`; set `SRI_O_DOWN`
    /// and `o_down_since_time = now`.
    Entered {
        /// Sentinels (us included) that see the master down.
        votes: u32,
        /// The configured quorum.
        quorum: u32,
    },
    /// Emit `-odown` (warning, `%@`); clear `SRI_O_DOWN` (`o_down_since_time` stays).
    Left,
}

impl OdownChange {
    /// The `#quorum a/b` suffix of `+odown`, if this is an entry.
    pub fn quorum_text(&self) -> Option<String> {
        match self {
            OdownChange::Entered { votes, quorum } => Some(format!("#quorum {votes}/{quorum}")),
            OdownChange::Left => None,
        }
    }
}

impl PeerDownState {
    /// State for a newly known Sentinel (`createSentinelRedisInstance`).
    pub fn new(now_ms: u64) -> PeerDownState {
        PeerDownState {
            last_reply_time: now_ms,
            master_down: false,
            leader: None,
            leader_epoch: 0,
            last_ask_time: 0,
        }
    }

    /// Forget a stale answer: more than 5 ask periods since the last reply clears the
    /// down flag and the vote. redis runs this for every peer on every timer tick of the
    /// acting half (not in TILT), whether the master is down or not. Returns whether
    /// something was cleared.
    pub fn expire(&mut self, now_ms: u64, ask_period_ms: u64) -> bool {
        if !older_than(now_ms, self.last_reply_time, validity(ask_period_ms)) {
            return false;
        }
        let had = self.master_down || self.leader.is_some();
        self.master_down = false;
        self.leader = None;
        had
    }

    /// When [`expire`](Self::expire) would clear something, if there is anything.
    pub fn expiry_deadline(&self, ask_period_ms: u64) -> Option<u64> {
        (self.master_down || self.leader.is_some())
            .then(|| first_time_over(self.last_reply_time, validity(ask_period_ms)))
    }

    /// Whether to send is-master-down-by-addr now: the master is SDOWN, this peer's link
    /// is connected, and (unless `forced`, right after a failover starts) no reply came
    /// within the last ask period. Unanswered asks repeat at most every
    /// [`crate::TICK_MS`].
    pub fn should_ask(
        &self,
        now_ms: u64,
        master_s_down: bool,
        peer_disconnected: bool,
        forced: bool,
        ask_period_ms: u64,
    ) -> bool {
        if !master_s_down || peer_disconnected {
            return false;
        }
        if forced {
            return true;
        }
        i128::from(elapsed(now_ms, self.last_reply_time)) >= i128::from(ask_period_ms)
            && (self.last_ask_time == 0
                || i128::from(elapsed(now_ms, self.last_ask_time)) >= i128::from(crate::TICK_MS))
    }

    /// When an unforced [`should_ask`](Self::should_ask) turns true, if it can.
    pub fn ask_deadline(
        &self,
        master_s_down: bool,
        peer_disconnected: bool,
        ask_period_ms: u64,
    ) -> Option<u64> {
        if !master_s_down || peer_disconnected {
            return None;
        }
        let by_reply = self.last_reply_time.saturating_add(ask_period_ms);
        let by_pace = if self.last_ask_time == 0 {
            0
        } else {
            self.last_ask_time.saturating_add(crate::TICK_MS)
        };
        Some(by_reply.max(by_pace))
    }

    /// The request was queued (also count it on the link).
    pub fn ask_sent(&mut self, now_ms: u64) {
        self.last_ask_time = now_ms;
    }

    /// A well-formed reply arrived: refresh the reply time and the down flag, and record
    /// the vote when the peer voted (leader not `*`).
    pub fn on_reply(&mut self, now_ms: u64, reply: &IsMasterDownReply) -> Option<VoteSeen> {
        self.last_reply_time = now_ms;
        self.master_down = reply.down_state == 1;
        if reply.leader_runid == "*" {
            return None;
        }
        let log = self.leader_epoch as i64 != reply.leader_epoch;
        self.leader = Some(reply.leader_runid.clone());
        self.leader_epoch = reply.leader_epoch as u64;
        Some(VoteSeen {
            leader: reply.leader_runid.clone(),
            epoch: self.leader_epoch,
            log,
        })
    }
}

fn validity(ask_period_ms: u64) -> u64 {
    ask_period_ms.saturating_mul(REPLY_VALIDITY_PERIODS)
}

/// The arguments after the (possibly renamed) `SENTINEL` command name:
/// `is-master-down-by-addr <ip> <port> <current_epoch> <runid|*>`. We ask for a vote
/// (send our run id) only once our failover started (state past `none`).
pub fn is_master_down_args(
    master_ip: &str,
    master_port: u16,
    current_epoch: u64,
    failover_started: bool,
    myid: &str,
) -> [String; 5] {
    [
        "is-master-down-by-addr".to_string(),
        master_ip.to_string(),
        master_port.to_string(),
        current_epoch.to_string(),
        if failover_started { myid } else { "*" }.to_string(),
    ]
}

/// The quorum check (`sentinelCheckObjectivelyDown`): while we see the master SDOWN,
/// our own vote plus every peer with `master_down` must reach `quorum`. Returns the
/// change to apply, if the ODOWN state flips. Not evaluated in TILT.
pub fn check_odown(
    currently_odown: bool,
    master_s_down: bool,
    peers_down: usize,
    quorum: u32,
) -> Option<OdownChange> {
    let votes = u32::try_from(peers_down)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let odown = master_s_down && votes >= quorum;
    match (currently_odown, odown) {
        (false, true) => Some(OdownChange::Entered { votes, quorum }),
        (true, false) => Some(OdownChange::Left),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(down: i64, leader: &str, epoch: i64) -> IsMasterDownReply {
        IsMasterDownReply {
            down_state: down,
            leader_runid: leader.to_string(),
            leader_epoch: epoch,
        }
    }

    #[test]
    fn quorum_table() {
        // (currently_odown, sdown, peers_down, quorum) -> change
        let cases = [
            (
                false,
                true,
                1,
                2,
                Some(OdownChange::Entered {
                    votes: 2,
                    quorum: 2,
                }),
            ),
            (false, true, 0, 2, None),
            (
                false,
                true,
                0,
                1,
                Some(OdownChange::Entered {
                    votes: 1,
                    quorum: 1,
                }),
            ),
            (false, false, 5, 2, None),
            (true, false, 5, 2, Some(OdownChange::Left)),
            (true, true, 0, 2, Some(OdownChange::Left)),
            (true, true, 3, 2, None),
        ];
        for (i, (cur, sdown, peers, q, want)) in cases.into_iter().enumerate() {
            assert_eq!(check_odown(cur, sdown, peers, q), want, "case {i}");
        }
        assert_eq!(
            OdownChange::Entered {
                votes: 3,
                quorum: 2
            }
            .quorum_text()
            .as_deref(),
            Some("#quorum 3/2")
        );
    }

    #[test]
    fn replies_and_votes() {
        let mut p = PeerDownState::new(0);
        assert_eq!(p.on_reply(10, &reply(1, "*", 0)), None);
        assert!(p.master_down);
        assert_eq!(p.last_reply_time, 10);
        let v = p.on_reply(20, &reply(1, "abc", 5));
        assert_eq!(
            v,
            Some(VoteSeen {
                leader: "abc".into(),
                epoch: 5,
                log: true
            })
        );
        let v = p.on_reply(30, &reply(0, "abc", 5));
        assert_eq!(v.map(|v| v.log), Some(false));
        assert!(!p.master_down);
        // Only 1 means down.
        p.on_reply(40, &reply(2, "*", 0));
        assert!(!p.master_down);
        assert_eq!((p.leader.as_deref(), p.leader_epoch), (Some("abc"), 5));
    }

    #[test]
    fn expiry_boundary() {
        let mut p = PeerDownState::new(0);
        p.on_reply(1000, &reply(1, "abc", 1));
        assert_eq!(p.expiry_deadline(1000), Some(6001));
        assert!(!p.expire(5999, 1000));
        assert!(!p.expire(6000, 1000));
        assert!(p.master_down && p.leader.is_some());
        assert!(p.expire(6001, 1000));
        assert!(!p.master_down && p.leader.is_none());
        assert_eq!(p.expiry_deadline(1000), None);
        assert!(!p.expire(7000, 1000), "nothing left to clear");
    }

    #[test]
    fn ask_boundaries() {
        let mut p = PeerDownState::new(0);
        p.on_reply(1000, &reply(1, "*", 0));
        // Asked when now - last reply >= ask period.
        assert!(!p.should_ask(1999, true, false, false, 1000));
        assert!(p.should_ask(2000, true, false, false, 1000));
        assert!(p.should_ask(2001, true, false, false, 1000));
        assert_eq!(p.ask_deadline(true, false, 1000), Some(2000));
        assert!(
            !p.should_ask(5000, false, false, false, 1000),
            "master not sdown"
        );
        assert!(
            !p.should_ask(5000, true, true, false, 1000),
            "peer disconnected"
        );
        assert!(p.should_ask(1001, true, false, true, 1000), "forced");
        assert_eq!(p.ask_deadline(false, false, 1000), None);
        // Unanswered: again one tick later, not before.
        p.ask_sent(2000);
        assert!(!p.should_ask(2000 + crate::TICK_MS - 1, true, false, false, 1000));
        assert!(p.should_ask(2000 + crate::TICK_MS, true, false, false, 1000));
        assert_eq!(
            p.ask_deadline(true, false, 1000),
            Some(2000 + crate::TICK_MS)
        );
    }

    #[test]
    fn request_args() {
        assert_eq!(
            is_master_down_args("10.0.0.1", 6379, 7, false, "me"),
            ["is-master-down-by-addr", "10.0.0.1", "6379", "7", "*"].map(String::from)
        );
        assert_eq!(is_master_down_args("h", 1, 0, true, "me")[4], "me");
    }
}
