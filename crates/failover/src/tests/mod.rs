//! Test fixtures: owned replicas and masters that lend views, a minimal core that applies
//! flag steps, and a compact rendering of steps for table assertions.

mod info;
mod machine;
mod props;
mod real;
mod reconf;
mod select;

use crate::{
    AddrView, Failover, MasterView, ReplicaFlags, ReplicaView, Settings, SlaveOfTarget, State,
    Step, Subject,
};

/// A fixed "now" far from zero so ages in both directions are representable.
pub const NOW: u64 = 10_000_000;

/// An owned replica.
#[derive(Clone, Debug)]
pub struct R {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub flags: ReplicaFlags,
    pub disconnected: bool,
    pub last_avail: u64,
    pub info_refresh: u64,
    pub link_down: i64,
    pub priority: i64,
    pub offset: u64,
    pub runid: Option<String>,
    pub reconf_sent_time: u64,
    pub replid: Option<String>,
}

/// A healthy replica on 127.0.0.1:`port`, seen just now.
pub fn rep(port: u16) -> R {
    R {
        name: format!("127.0.0.1:{port}"),
        host: "127.0.0.1".to_string(),
        port,
        flags: ReplicaFlags::empty(),
        disconnected: false,
        last_avail: NOW,
        info_refresh: NOW,
        link_down: 0,
        priority: 100,
        offset: 1000,
        runid: Some(format!("{port:0>40}")),
        reconf_sent_time: 0,
        replid: None,
    }
}

impl R {
    pub fn view(&self) -> ReplicaView<'_> {
        ReplicaView {
            name: &self.name,
            addr: AddrView {
                host: &self.host,
                port: self.port,
            },
            flags: self.flags,
            disconnected: self.disconnected,
            last_avail_time: self.last_avail,
            info_refresh: self.info_refresh,
            master_link_down_time: self.link_down,
            priority: self.priority,
            repl_offset: self.offset,
            runid: self.runid.as_deref(),
            reconf_sent_time: self.reconf_sent_time,
            replid: self.replid.as_deref(),
        }
    }
}

/// An owned master and its replicas.
#[derive(Clone, Debug)]
pub struct M {
    pub port: u16,
    pub config_epoch: u64,
    pub s_down: bool,
    pub s_down_since: u64,
    pub down_after: u64,
    pub parallel_syncs: u32,
    pub timeout: u64,
    pub replicas: Vec<R>,
    /// The master's replication IDs.
    pub history: Vec<String>,
}

/// Master `mym` at 127.0.0.1:6379, up, down-after 30 s, parallel-syncs 1, failover
/// timeout 180 s.
pub fn master(replicas: Vec<R>) -> M {
    M {
        port: 6379,
        config_epoch: 0,
        s_down: false,
        s_down_since: 0,
        down_after: 30_000,
        parallel_syncs: 1,
        timeout: 180_000,
        replicas,
        history: Vec::new(),
    }
}

impl M {
    /// Runs `f` with a view of this master.
    pub fn with<T>(&self, f: impl FnOnce(&MasterView<'_>) -> T) -> T {
        let views: Vec<ReplicaView<'_>> = self.replicas.iter().map(R::view).collect();
        let history: Vec<&str> = self.history.iter().map(String::as_str).collect();
        let mv = MasterView {
            name: "mym",
            addr: AddrView {
                host: "127.0.0.1",
                port: self.port,
            },
            config_epoch: self.config_epoch,
            s_down: self.s_down,
            s_down_since_time: self.s_down_since,
            down_after_ms: self.down_after,
            parallel_syncs: self.parallel_syncs,
            failover_timeout_ms: self.timeout,
            replicas: &views,
            history: &history,
        };
        f(&mv)
    }

    pub fn r(&mut self, port: u16) -> &mut R {
        let name = format!("127.0.0.1:{port}");
        match self.replicas.iter_mut().find(|r| r.name == name) {
            Some(r) => r,
            None => panic!("no replica {name}"),
        }
    }

    /// Applies replica flag and reconf-time steps, as the core would.
    pub fn apply(&mut self, steps: &[Step]) {
        for s in steps {
            match s {
                Step::Flags {
                    replica,
                    set,
                    clear,
                } => {
                    if let Some(r) = self.replicas.iter_mut().find(|r| &r.name == replica) {
                        r.flags.insert(*set);
                        r.flags.remove(*clear);
                    }
                }
                Step::ReconfSentTime { replica, at } => {
                    if let Some(r) = self.replicas.iter_mut().find(|r| &r.name == replica) {
                        r.reconf_sent_time = *at;
                    }
                }
                _ => {}
            }
        }
    }

    /// One timer run, steps applied.
    pub fn tick(&mut self, f: &mut Failover, s: &Settings, now: u64) -> Vec<Step> {
        let steps = self.with(|mv| f.tick(mv, s, now));
        self.apply(&steps);
        steps
    }
}

/// Short port name of a replica (`:6380`).
fn short(name: &str) -> String {
    name.rsplit_once(':')
        .map_or(name.to_string(), |(_, p)| format!(":{p}"))
}

/// One line per step: events as `kind @subject`, the rest abbreviated.
pub fn render(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .map(|s| match s {
            Step::Event(e) => {
                let who = match &e.subject {
                    Subject::Master => "@master".to_string(),
                    Subject::Replica(n) => format!("@{}", short(n)),
                    Subject::None => format!("'{}'", e.text),
                };
                let lvl = match e.level {
                    crate::Level::Notice => "*",
                    crate::Level::Warning => "#",
                };
                format!("{lvl} {} {who}", e.kind)
            }
            Step::Flags {
                replica,
                set,
                clear,
            } => format!("flags {} +{} -{}", short(replica), fl(*set), fl(*clear)),
            Step::ReconfSentTime { replica, at } => {
                format!(
                    "sent-time {} {}",
                    short(replica),
                    at.wrapping_sub(NOW) as i64
                )
            }
            Step::SlaveOf { replica, target } => match target {
                SlaveOfTarget::NoOne => format!("slaveof {} no one", short(replica)),
                SlaveOfTarget::Replica(t) => format!("slaveof {} {}", short(replica), short(t)),
            },
            Step::SetConfigEpoch(e) => format!("config-epoch {e}"),
            Step::FlushConfig => "flush".to_string(),
            Step::ClientReconfigScript(a) => format!("script {}", a.to_args().join(" ")),
            Step::ForceHello => "force-hello".to_string(),
            Step::SimulatedCrash => "crash".to_string(),
            Step::Log { level, text } => format!("log {level:?} {text}"),
            Step::SwitchMaster { to } => {
                format!("switch {}", to.as_deref().map_or("-".into(), short))
            }
        })
        .collect()
}

/// Flag names as redis prints them.
pub fn fl(f: ReplicaFlags) -> String {
    let names = [
        (ReplicaFlags::S_DOWN, "s_down"),
        (ReplicaFlags::O_DOWN, "o_down"),
        (ReplicaFlags::PROMOTED, "promoted"),
        (ReplicaFlags::RECONF_SENT, "reconf_sent"),
        (ReplicaFlags::RECONF_INPROG, "reconf_inprog"),
        (ReplicaFlags::RECONF_DONE, "reconf_done"),
    ];
    names
        .iter()
        .filter(|(b, _)| f.contains(*b))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// A failover in `state` since `since`, epoch 7, promoting `promoted`.
pub fn fo(state: State, since: u64, promoted: Option<u16>) -> Failover {
    Failover {
        state,
        state_change_time: since,
        start_time: since,
        epoch: 7,
        forced: false,
        promoted: promoted.map(|p| format!("127.0.0.1:{p}")),
        delay_logged: 0,
    }
}
