//! Where the election crate's rules meet the instance table: a view of one master for
//! the rules, and the application of the ordered steps they return (epochs, votes,
//! saves, events, failover start and abort) to the core's state.

use crate::event::{LogLevel, Output};
use crate::instance::Flags;
use crate::master::InstRef;
use crate::master::MasterKey;
use crate::sentinel::Sentinel;
use rsentinel_election::{
    next_failover_delay_text, vote_leader, MasterView, Me, PeerVote, Step, Subject,
};

impl Sentinel {
    /// Tells the core the local time zone's offset from UTC, for the one log line that
    /// prints a local date ("Next failover delay: ...").
    pub fn set_utc_offset(&mut self, secs: i64) {
        self.options.utc_offset_secs = secs;
    }

    /// The election rules' view of master `m`.
    pub(crate) fn election_view(&self, m: MasterKey) -> MasterView<'_> {
        let master = &self.masters[m];
        MasterView {
            leader: master.leader.as_deref(),
            leader_epoch: master.leader_epoch,
            peers: master
                .sentinels
                .values()
                .map(|s| PeerVote {
                    leader: s.peer.leader.as_deref(),
                    leader_epoch: s.peer.leader_epoch,
                })
                .collect(),
            quorum: master.quorum,
            odown: master.inst.flags.contains(Flags::O_DOWN),
            failover_in_progress: master.failover.in_progress(),
            forced: master.failover.forced(),
            failover_epoch: master.failover.epoch(),
            failover_start_time: master.failover.start_time(),
            failover_delay_logged: master.failover.delay_logged(),
            failover_timeout: master.failover_timeout_ms,
            retry_at: self.options.fast_failover.then_some(master.fast_retry_at),
        }
    }

    /// Apply a vote request to master `m` (`sentinelVoteLeader`): the epoch may advance
    /// (`+new-epoch`), a first request in an epoch gets our vote (`+vote-for-leader`),
    /// each change is saved, and voting for another Sentinel delays our own failover.
    pub(crate) fn vote_leader(&mut self, m: MasterKey, req_epoch: u64, runid: &str, now_ms: u64) {
        let desync_ms = self.desync();
        let steps = {
            let me = Me {
                myid: &self.myid,
                current_epoch: self.current_epoch,
                now_ms,
                desync_ms,
                election_timeout_ms: self.timing.election_timeout,
                crash_after_election: self.options.simfailure_flags
                    & crate::SIMFAILURE_CRASH_AFTER_ELECTION
                    != 0,
            };
            vote_leader(&me, &self.election_view(m), req_epoch, runid).steps
        };
        for step in steps {
            self.apply_election_step(m, step, now_ms);
        }
        self.after_vote(m, req_epoch, runid, now_ms);
    }

    /// Carries out one election step for master `m`; the failover's state changes go
    /// through its [`rsentinel_failover::Failover`].
    pub(crate) fn apply_election_step(&mut self, m: MasterKey, step: Step, now: u64) {
        match step {
            Step::SetCurrentEpoch(e) => self.current_epoch = e,
            Step::SetVote { leader, epoch } => {
                let master = &mut self.masters[m];
                master.leader = Some(leader);
                master.leader_epoch = epoch;
            }
            Step::FlushConfig => self.flush_config(),
            Step::Event(e) => {
                let prefix = match e.subject {
                    Subject::None => String::new(),
                    Subject::Master => self.describe(InstRef::Master(m)),
                };
                let text = e.message(&prefix);
                self.event(LogLevel::Warning, e.kind, Some(m), text);
            }
            Step::Log(text) => self.log(LogLevel::Warning, text),
            Step::NextFailoverDelay { not_before_secs } => {
                let text = next_failover_delay_text(not_before_secs, self.options.utc_offset_secs);
                self.log(LogLevel::Warning, text);
            }
            Step::SetFailoverStartTime(t) => self.masters[m].failover.restart_clock(t),
            Step::SetFailoverDelayLogged(t) => self.masters[m].failover.note_delay_logged(t),
            Step::StartFailover {
                epoch,
                start_time,
                changed_at,
            } => self.masters[m]
                .failover
                .start(epoch, start_time, changed_at),
            Step::AbortFailover => {
                let steps = self.masters[m].failover.abort(now);
                self.apply_failover_steps(m, steps, now);
            }
            Step::SetFailoverEpoch(e) => self.masters[m].failover.elected_in_epoch(e),
            Step::SelectSlave { changed_at } => {
                let steps = self.masters[m].failover.elected(changed_at);
                self.apply_failover_steps(m, steps, now);
            }
            Step::Crash => self.outputs.push(Output::Crash),
        }
    }
}
