use super::*;
use crate::redis::Role;

const T: Time = 1_000_000;
const ODOWN: &str = "master mymaster 10.0.0.1 6379 #quorum 2/2";

fn inv() -> Invariants {
    Invariants::new(3, 5_000, Layout::new(1, 2))
}

/// A core as the checks see it: its votes `(master, leader, epoch)` and its known
/// replicas `(master, ip:port)`.
#[derive(Default)]
pub(super) struct Fake {
    pub votes: Vec<(&'static str, &'static str, u64)>,
    pub replicas: Vec<(&'static str, &'static str)>,
    /// Failover epochs `(master, epoch)`.
    pub failover_epochs: Vec<(&'static str, u64)>,
}

impl CoreView for Fake {
    fn vote(&self, master: &str) -> Option<(String, u64)> {
        self.votes
            .iter()
            .find(|v| v.0 == master)
            .map(|v| (v.1.to_string(), v.2))
    }

    fn knows_replica(&self, master: &str, replica: &str) -> bool {
        self.replicas.contains(&(master, replica))
    }

    fn failover_epoch(&self, master: &str) -> Option<u64> {
        self.failover_epochs
            .iter()
            .find(|f| f.0 == master)
            .map(|f| f.1)
    }
}

/// A core that knows mymaster's two replicas and holds no vote.
fn plain() -> Fake {
    Fake {
        votes: Vec::new(),
        replicas: vec![("mymaster", "10.0.0.2:6379"), ("mymaster", "10.0.0.3:6379")],
        failover_epochs: Vec::new(),
    }
}

/// One event of Sentinel `s` (run id `id`, current epoch `epoch`) at `now`.
#[allow(clippy::too_many_arguments)]
pub(super) fn event(
    inv: &mut Invariants,
    core: &Fake,
    s: usize,
    id: &str,
    epoch: u64,
    (kind, text): (&str, &str),
    now: Time,
    reach: &Reach,
) -> Result<(), Violation> {
    let by = Emitter {
        s,
        myid: id,
        epoch,
        now,
        core,
    };
    inv.on_event(&by, kind, text, reach)
}

/// Feeds events of Sentinel 0 (run id `me`, epoch 1) and returns the first error.
fn feed(inv: &mut Invariants, reach: &Reach, events: &[(&str, &str)]) -> Result<(), Violation> {
    for &e in events {
        event(inv, &plain(), 0, "me", 1, e, T, reach)?;
    }
    Ok(())
}

/// Sentinels 0 and 1 lost the master a few seconds ago.
fn master_lost() -> Reach {
    let mut r = Reach::default();
    for s in [0, 1] {
        r.set(s, 0, false, T - 8_000);
        r.set(s, 0, true, T - 2_000);
    }
    r
}

fn name(r: Result<(), Violation>) -> Option<&'static str> {
    r.err().map(|v| v.invariant)
}

#[test]
fn epochs_never_go_back() {
    let mut i = inv();
    let m = |e| [("mymaster", e)];
    assert!(i.observe_epochs(0, 3, m(2)).is_ok());
    assert!(i.observe_epochs(0, 3, m(2)).is_ok());
    assert!(i.observe_epochs(1, 0, m(0)).is_ok(), "per sentinel");
    assert_eq!(name(i.observe_epochs(0, 2, m(2))), Some("epoch-monotonic"));
    assert_eq!(
        name(i.observe_epochs(0, 4, m(1))),
        Some("config-epoch-monotonic")
    );
    // A restart does not reset what was observed.
    i.on_restart(0);
    assert_eq!(name(i.observe_epochs(0, 0, [])), Some("epoch-monotonic"));
}

#[test]
fn one_vote_per_epoch() {
    let mut i = inv();
    let r = Reach::default();
    assert!(feed(
        &mut i,
        &r,
        &[("+vote-for-leader", "aaa 5"), ("+vote-for-leader", "AAA 5")]
    )
    .is_ok());
    assert!(feed(&mut i, &r, &[("+vote-for-leader", "bbb 6")]).is_ok());
    assert_eq!(
        name(feed(&mut i, &r, &[("+vote-for-leader", "bbb 5")])),
        Some("one-vote-per-epoch")
    );
    assert_eq!(
        name(feed(&mut i, &r, &[("+vote-for-leader", "garbage")])),
        Some("one-vote-per-epoch")
    );
}

#[test]
fn one_leader_per_voting_epoch() {
    let mut i = inv();
    let r = master_lost();
    let elect = |i: &mut Invariants, s: usize, id: &str, epoch: u64| {
        for (kind, text) in [
            ("+odown", ODOWN),
            ("+try-failover", ODOWN),
            ("+elected-leader", ODOWN),
        ] {
            event(i, &plain(), s, id, epoch, (kind, text), T, &r)?;
        }
        Ok(())
    };
    assert!(elect(&mut i, 0, "a", 4).is_ok());
    assert!(elect(&mut i, 0, "a", 4).is_ok(), "the same leader again");
    assert!(elect(&mut i, 1, "b", 5).is_ok(), "another epoch");
    assert_eq!(name(elect(&mut i, 1, "b", 4)), Some("one-leader-per-epoch"));
}

#[test]
fn one_leader_per_failover_epoch() {
    // Elected in voting epochs 4 and 5, both failing over under epoch 4 (what redis'
    // tally allows): the promoted replicas would share a config epoch.
    let mut i = inv();
    let r = master_lost();
    let elect = |i: &mut Invariants, s: usize, id: &str, epoch: u64, fe: u64| {
        let core = Fake {
            failover_epochs: vec![("mymaster", fe)],
            ..plain()
        };
        for (kind, text) in [
            ("+odown", ODOWN),
            ("+try-failover", ODOWN),
            ("+elected-leader", ODOWN),
        ] {
            event(i, &core, s, id, epoch, (kind, text), T, &r)?;
        }
        Ok(())
    };
    assert!(elect(&mut i, 0, "a", 4, 4).is_ok());
    assert_eq!(
        name(elect(&mut i, 1, "b", 5, 4)),
        Some("one-failover-per-config-epoch")
    );
    assert!(elect(&mut i, 1, "b", 6, 6).is_ok());
}

#[test]
fn failover_steps_need_odown_and_election() {
    let r = master_lost();
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: &[Case] = &[
        (&[("+try-failover", ODOWN)], Some("failover-needs-odown")),
        (&[("+elected-leader", ODOWN)], Some("failover-needs-odown")),
        (
            &[(
                "+promoted-slave",
                "slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379",
            )],
            Some("failover-needs-election"),
        ),
        (
            &[("+failover-state-select-slave", ODOWN)],
            Some("failover-needs-election"),
        ),
        (
            &[("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.2 6379")],
            Some("failover-needs-election"),
        ),
        (
            &[
                (
                    "+config-update-from",
                    "sentinel x 10.0.0.102 26379 @ mymaster 10.0.0.1 6379",
                ),
                ("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.2 6379"),
            ],
            None,
        ),
        (
            &[
                ("+odown", ODOWN),
                ("-odown", "master mymaster 10.0.0.1 6379"),
                ("+try-failover", ODOWN),
            ],
            Some("failover-needs-odown"),
        ),
        (
            &[
                ("+odown", ODOWN),
                ("+try-failover", ODOWN),
                ("+elected-leader", ODOWN),
                ("+failover-state-select-slave", ODOWN),
                (
                    "+promoted-slave",
                    "slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379",
                ),
                ("+failover-end", ODOWN),
                ("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.2 6379"),
            ],
            None,
        ),
        (
            &[
                ("+odown", ODOWN),
                ("+try-failover", ODOWN),
                ("-failover-abort-not-elected", ODOWN),
                ("+elected-leader", ODOWN),
            ],
            Some("failover-needs-odown"),
        ),
    ];
    for (events, want) in cases {
        let mut i = inv();
        assert_eq!(name(feed(&mut i, &r, events)), *want, "{events:?}");
    }
    // A restart forgets the attempt.
    let mut i = inv();
    assert!(feed(&mut i, &r, &[("+odown", ODOWN), ("+try-failover", ODOWN)]).is_ok());
    i.on_restart(0);
    assert_eq!(
        name(feed(&mut i, &r, &[("+elected-leader", ODOWN)])),
        Some("failover-needs-odown")
    );
}

#[test]
fn odown_must_be_justified_by_quorum_sentinels() -> Result<(), Violation> {
    let mut i = inv();
    assert_eq!(
        name(feed(&mut i, &Reach::default(), &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    // Only the emitter lost it, quorum 2.
    let mut r = Reach::default();
    r.set(0, 0, false, T - 6_000);
    assert_eq!(
        name(feed(&mut i, &r, &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    // Two others lost it, not the emitter.
    let mut r = Reach::default();
    r.set(1, 0, false, T - 6_000);
    r.set(2, 0, false, T - 6_000);
    assert_eq!(
        name(feed(&mut i, &r, &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    // Too long ago.
    let mut r = master_lost();
    for s in [0, 1] {
        r.set(s, 0, true, T - 2_000);
    }
    let mut old = Reach::default();
    for s in [0, 1] {
        old.set(s, 0, false, T - 60_000);
        old.set(s, 0, true, T - ODOWN_WINDOW_MS - 1);
    }
    assert_eq!(
        name(feed(&mut i, &old, &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    assert!(feed(&mut i, &r, &[("+odown", ODOWN)]).is_ok());
    // Not a master for down-after + 20 s since the Sentinels took it for the master
    // justifies it for each of them.
    let monitor = "master mymaster 10.0.0.1 6379 quorum 2";
    let adopt = |at: Time| -> Result<Invariants, Violation> {
        let mut i = inv();
        for s in 0..3 {
            let e = ("+monitor", monitor);
            event(&mut i, &plain(), s, "x", 0, e, at, &Reach::default())?;
        }
        Ok(i)
    };
    let mut role = Reach::default();
    role.set_role(0, false, T - 30_000);
    assert!(feed(&mut adopt(T - 60_000)?, &role, &[("+odown", ODOWN)]).is_ok());
    // Too short a time as a replica.
    let mut short = Reach::default();
    short.set_role(0, false, T - 20_000);
    assert_eq!(
        name(feed(&mut adopt(T - 60_000)?, &short, &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    // A replica period before the Sentinels took it for the master does not count.
    assert_eq!(
        name(feed(&mut adopt(T - 10_000)?, &role, &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    // Nor one that ended before the window.
    role.set_role(0, true, T - ODOWN_WINDOW_MS - 1);
    assert_eq!(
        name(feed(&mut adopt(T - 60_000)?, &role, &[("+odown", ODOWN)])),
        Some("odown-justified")
    );
    // An address that is no instance.
    let bad = "master mymaster 10.9.9.9 6379 #quorum 2/2";
    assert_eq!(
        name(feed(&mut i, &r, &[("+odown", bad)])),
        Some("odown-justified")
    );
    Ok(())
}

#[test]
fn reach_intervals() {
    let mut r = Reach::default();
    r.set(0, 1, true, 10);
    assert!(!r.unreachable(0, 1, 0, 100));
    r.set(0, 1, false, 20);
    r.set(0, 1, false, 25);
    assert!(
        r.unreachable(0, 1, 0, 20) && r.unreachable(0, 1, 500, 600),
        "ongoing"
    );
    assert!(!r.unreachable(0, 1, 0, 19));
    r.set(0, 1, true, 30);
    assert!(r.unreachable(0, 1, 30, 40) && !r.unreachable(0, 1, 31, 40));
    assert!(!r.unreachable(1, 1, 0, 100));
}

fn view(s: usize, ip: &str) -> SentinelView {
    SentinelView {
        s,
        tilt: false,
        masters: vec![MasterView {
            name: "mymaster".into(),
            addr: Some((ip.to_string(), 6379)),
            others: 2,
        }],
    }
}

fn topology(master: usize) -> Vec<InstanceView> {
    (0..3)
        .map(|j| InstanceView {
            host: Host::Redis(j),
            alive: true,
            role: if j == master {
                Role::Master
            } else {
                Role::Replica {
                    host: Host::Redis(master).ip(),
                    port: 6379,
                }
            },
        })
        .collect()
}

#[test]
fn convergence() {
    let l = Layout::new(1, 2);
    let good: Vec<_> = (0..3).map(|s| view(s, "10.0.0.2")).collect();
    assert!(check_converged(&l, &good, &topology(1)).is_ok());
    assert!(
        check_converged(&l, &good, &topology(0)).is_err(),
        "sentinels point at a replica"
    );
    let mut split = good.clone();
    split[2] = view(2, "10.0.0.1");
    assert!(check_converged(&l, &split, &topology(1)).is_err());
    let mut tilt = good.clone();
    tilt[1].tilt = true;
    assert!(check_converged(&l, &tilt, &topology(1)).is_err());
    let mut lonely = good.clone();
    lonely[0].masters[0].others = 1;
    assert!(check_converged(&l, &lonely, &topology(1)).is_err());
    let mut dead = topology(1);
    dead[2].alive = false;
    assert!(check_converged(&l, &good, &dead).is_err());
    let mut none = good.clone();
    for v in &mut none {
        v.masters[0].addr = None;
    }
    assert!(check_converged(&l, &none, &topology(1)).is_err());
    let mut unmonitored = good;
    unmonitored[1].masters.clear();
    assert!(check_converged(&l, &unmonitored, &topology(1)).is_err());
}
