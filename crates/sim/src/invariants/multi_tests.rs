//! The per-master and cross-group checks must catch what they are for: each test feeds
//! a fabricated observation that breaks one of them and expects that violation.

use super::tests::{event, Fake};
use super::*;
use crate::redis::Role;

const T: Time = 1_000_000;

/// Three groups of three: mymaster 10.0.0.1-3, master2 10.0.0.4-6, master3 10.0.0.7-9.
fn layout() -> Layout {
    Layout::new(3, 2)
}

fn inv() -> Invariants {
    Invariants::new(3, 5_000, layout())
}

/// Sentinels 0 and 1 lost instances 0 (mymaster) and 3 (master2) a few seconds ago.
fn masters_lost() -> Reach {
    let mut r = Reach::default();
    for s in [0, 1] {
        for j in [0, 3] {
            r.set(s, j, false, T - 8_000);
            r.set(s, j, true, T - 2_000);
        }
    }
    r
}

/// A core that knows every replica of every group under its own master.
fn knows_all() -> Fake {
    Fake {
        votes: Vec::new(),
        replicas: vec![
            ("mymaster", "10.0.0.2:6379"),
            ("mymaster", "10.0.0.3:6379"),
            ("master2", "10.0.0.5:6379"),
            ("master2", "10.0.0.6:6379"),
            ("master3", "10.0.0.8:6379"),
            ("master3", "10.0.0.9:6379"),
        ],
        failover_epochs: Vec::new(),
    }
}

/// Feeds events of Sentinel 0 (run id `me`, epoch 1) with `core`; the first error.
fn feed(i: &mut Invariants, core: &Fake, events: &[(&str, &str)]) -> Option<&'static str> {
    let reach = masters_lost();
    events
        .iter()
        .find_map(|&e| event(i, core, 0, "me", 1, e, T, &reach).err())
        .map(|v| v.invariant)
}

const ODOWN_1: &str = "master mymaster 10.0.0.1 6379 #quorum 2/2";
const ODOWN_2: &str = "master master2 10.0.0.4 6379 #quorum 2/2";

/// `+odown`, `+try-failover`, `+elected-leader` for the master of `text`.
fn elected(text: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("+odown", text),
        ("+try-failover", text),
        ("+elected-leader", text),
    ]
}

#[test]
fn a_promotion_stays_in_its_group() {
    let promote = |replica: &'static str| {
        let mut events = elected(ODOWN_1).to_vec();
        events.push(("+selected-slave", replica));
        events.push(("+promoted-slave", replica));
        events
    };
    let own = "slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379";
    let other = "slave 10.0.0.5:6379 10.0.0.5 6379 @ mymaster 10.0.0.1 6379";
    assert_eq!(feed(&mut inv(), &knows_all(), &promote(own)), None);
    // A replica of master2 promoted for mymaster, which the core does not list.
    assert_eq!(
        feed(&mut inv(), &knows_all(), &promote(other)),
        Some("promote-known-replica")
    );
    // Even when the core lists it under mymaster, it is not of that group.
    let mut mixed = knows_all();
    mixed.replicas.push(("mymaster", "10.0.0.5:6379"));
    assert_eq!(
        feed(&mut inv(), &mixed, &promote(other)),
        Some("same-group")
    );
}

#[test]
fn events_name_instances_of_their_own_group() {
    let core = knows_all();
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("+sdown", "master master2 10.0.0.4 6379", None),
        ("+sdown", "master master2 10.0.0.1 6379", Some("same-group")),
        ("+sdown", "master master9 10.0.0.4 6379", Some("same-group")),
        (
            "+sdown",
            "master master2 10.0.0.44 6379",
            Some("same-group"),
        ),
        (
            "+slave",
            "slave 10.0.0.8:6379 10.0.0.8 6379 @ master3 10.0.0.7 6379",
            None,
        ),
        (
            "+slave",
            "slave 10.0.0.2:6379 10.0.0.2 6379 @ master3 10.0.0.7 6379",
            Some("same-group"),
        ),
        (
            "+sentinel",
            "sentinel abc 10.0.0.102 26379 @ master3 10.0.0.4 6379",
            Some("same-group"),
        ),
        (
            "+config-update-from",
            "sentinel abc 10.0.0.102 26379 @ master2 10.0.0.4 6379",
            None,
        ),
        ("+vote-for-leader", "abc 3", None),
    ];
    for &(kind, text, want) in cases {
        let got = feed(&mut inv(), &core, &[(kind, text)]);
        assert_eq!(got, want, "{kind} {text}");
    }
    // A follower's switch after a hello, to an instance of another group.
    let update = (
        "+config-update-from",
        "sentinel abc 10.0.0.102 26379 @ mymaster 10.0.0.1 6379",
    );
    let own = ("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.3 6379");
    let other = ("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.4 6379");
    assert_eq!(feed(&mut inv(), &core, &[update, own]), None);
    assert_eq!(
        feed(&mut inv(), &core, &[update, other]),
        Some("same-group")
    );
}

#[test]
fn failover_steps_are_judged_per_master() {
    let core = knows_all();
    // Elected for mymaster, not for master2.
    let mut events = elected(ODOWN_1).to_vec();
    events.push((
        "+promoted-slave",
        "slave 10.0.0.5:6379 10.0.0.5 6379 @ master2 10.0.0.4 6379",
    ));
    assert_eq!(
        feed(&mut inv(), &core, &events),
        Some("failover-needs-election")
    );
    // ODOWN of mymaster does not allow an attempt for master2.
    let events = [("+odown", ODOWN_1), ("+try-failover", ODOWN_2)];
    assert_eq!(
        feed(&mut inv(), &core, &events),
        Some("failover-needs-odown")
    );
    // A hello's config for mymaster does not excuse a leaderless switch of master2.
    let events = [
        (
            "+config-update-from",
            "sentinel abc 10.0.0.102 26379 @ mymaster 10.0.0.1 6379",
        ),
        ("+switch-master", "master2 10.0.0.4 6379 10.0.0.5 6379"),
    ];
    assert_eq!(
        feed(&mut inv(), &core, &events),
        Some("failover-needs-election")
    );
    // Two failovers at once, each with its own election, are fine.
    let mut events = elected(ODOWN_1).to_vec();
    events.extend(elected(ODOWN_2));
    events.push(("+switch-master", "master2 10.0.0.4 6379 10.0.0.5 6379"));
    events.push(("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.2 6379"));
    assert_eq!(feed(&mut inv(), &core, &events), None);
}

#[test]
fn leaders_and_votes_are_per_master() {
    let r = masters_lost();
    let core = knows_all();
    let mut i = inv();
    let mut elect = |s: usize, id: &str, text: &'static str| {
        elected(text)
            .iter()
            .find_map(|&e| event(&mut i, &core, s, id, 4, e, T, &r).err())
            .map(|v| v.invariant)
    };
    assert_eq!(elect(0, "a", ODOWN_1), None);
    assert_eq!(elect(1, "b", ODOWN_2), None, "another master, same epoch");
    assert_eq!(elect(1, "b", ODOWN_1), Some("one-leader-per-epoch"));

    // One epoch, one vote per master: the vote is attributed through the core's
    // recorded votes, since the event does not name the master.
    let mut i = inv();
    let mut vote = |votes: Vec<(&'static str, &'static str, u64)>, text: &str| {
        let core = Fake {
            votes,
            replicas: Vec::new(),
            failover_epochs: Vec::new(),
        };
        event(&mut i, &core, 0, "me", 5, ("+vote-for-leader", text), T, &r)
            .err()
            .map(|v| v.invariant)
    };
    assert_eq!(vote(vec![("mymaster", "a", 5)], "a 5"), None);
    let both = vec![("mymaster", "a", 5), ("master2", "b", 5)];
    assert_eq!(vote(both, "b 5"), None, "b for master2 in the same epoch");
    let changed = vec![("mymaster", "c", 5), ("master2", "b", 5)];
    assert_eq!(vote(changed, "c 5"), Some("one-vote-per-epoch"));
    // Not attributable: judged against every master.
    assert_eq!(vote(Vec::new(), "b 5"), Some("one-vote-per-epoch"));
}

#[test]
fn replication_never_crosses_groups() {
    let l = layout();
    let of = |ip: &str| Role::Replica {
        host: ip.to_string(),
        port: 6379,
    };
    assert!(check_replication_group(&l, 4, &Role::Master).is_ok());
    assert!(check_replication_group(&l, 4, &of("10.0.0.6")).is_ok());
    for (j, bad) in [(4, "10.0.0.1"), (0, "10.0.0.9"), (8, "10.0.0.4")] {
        let v = check_replication_group(&l, j, &of(bad)).err();
        assert_eq!(
            v.map(|v| v.invariant),
            Some("no-cross-group-replication"),
            "{j} of {bad}"
        );
    }
    assert!(check_replication_group(&l, 1, &of("10.0.0.101")).is_err());
}

/// Two groups of two: mymaster failed over to 10.0.0.2, master2 still on 10.0.0.3.
fn two_groups() -> (Layout, Vec<SentinelView>, Vec<InstanceView>) {
    let l = Layout::new(2, 1);
    let at = |name: &str, ip: &str| MasterView {
        name: name.into(),
        addr: Some((ip.into(), 6379)),
        others: 2,
    };
    let views = (0..3)
        .map(|s| SentinelView {
            s,
            tilt: false,
            masters: vec![at("mymaster", "10.0.0.2"), at("master2", "10.0.0.3")],
        })
        .collect();
    let of = |ip: &str| Role::Replica {
        host: ip.into(),
        port: 6379,
    };
    let roles = [of("10.0.0.2"), Role::Master, Role::Master, of("10.0.0.3")];
    let instances = roles
        .into_iter()
        .enumerate()
        .map(|(j, role)| InstanceView {
            host: Host::Redis(j),
            alive: true,
            role,
        })
        .collect();
    (l, views, instances)
}

#[test]
fn convergence_is_checked_per_master() {
    let (l, views, instances) = two_groups();
    assert!(check_converged(&l, &views, &instances).is_ok());
    // Disagreement on master2 only.
    let mut split = views.clone();
    split[1].masters[1].addr = Some(("10.0.0.4".into(), 6379));
    assert!(check_converged(&l, &split, &instances).is_err());
    // Agreement on an instance of the other group.
    let mut wrong = views.clone();
    for v in &mut wrong {
        v.masters[1].addr = Some(("10.0.0.2".into(), 6379));
    }
    let v = check_converged(&l, &wrong, &instances).err();
    assert!(v.is_some_and(|v| v.message.contains("no instance of its group")));
    // An old master of master2 left as a master.
    let mut stale = instances.clone();
    stale[3].role = Role::Master;
    assert!(check_converged(&l, &views, &stale).is_err());
    // A Sentinel knowing too few others for master2.
    let mut lonely = views;
    lonely[2].masters[1].others = 1;
    assert!(check_converged(&l, &lonely, &instances).is_err());
}
