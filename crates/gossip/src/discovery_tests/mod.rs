//! Table tests: one per branch of `sentinelProcessHelloMessage`, with redis' texts.

use super::*;

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[derive(Debug)]
struct Peer {
    name: String,
    runid: Option<String>,
    addr: PeerAddr,
}

#[derive(Debug)]
struct M {
    name: String,
    addr: PeerAddr,
    config_epoch: u64,
    sentinels: Vec<Peer>,
}

/// An owned state to build views from, with the settings the view carries.
#[derive(Debug)]
struct St {
    current_epoch: u64,
    masters: Vec<M>,
    resolve_hostnames: bool,
    announce_hostnames: bool,
}

fn ip(ip: &str, port: u16) -> PeerAddr {
    PeerAddr {
        hostname: ip.into(),
        ip: ip.into(),
        port,
    }
}

fn peer(runid: &str, a: PeerAddr) -> Peer {
    Peer {
        name: runid.into(),
        runid: Some(runid.into()),
        addr: a,
    }
}

fn master(name: &str, a: PeerAddr, config_epoch: u64, sentinels: Vec<Peer>) -> M {
    M {
        name: name.into(),
        addr: a,
        config_epoch,
        sentinels,
    }
}

/// One master `mymaster` at 10.0.0.1:6379, config epoch 1, Sentinel A at 10.0.0.9:26379.
fn one() -> St {
    St {
        current_epoch: 1,
        masters: vec![master(
            "mymaster",
            ip("10.0.0.1", 6379),
            1,
            vec![peer(A, ip("10.0.0.9", 26379))],
        )],
        resolve_hostnames: false,
        announce_hostnames: false,
    }
}

/// IP literals resolve; with resolve-hostnames, `db.local` is 10.0.0.5.
fn resolver(resolve_hostnames: bool) -> impl Fn(&str) -> Option<String> {
    move |h: &str| {
        if let Ok(a) = h.parse::<std::net::IpAddr>() {
            Some(a.to_string())
        } else if resolve_hostnames && h == "db.local" {
            Some("10.0.0.5".into())
        } else {
            None
        }
    }
}

fn run(st: &St, payload: &str) -> Vec<Step> {
    let views: Vec<MasterView<'_>> = st
        .masters
        .iter()
        .map(|m| MasterView {
            name: &m.name,
            addr: m.addr.as_addr_ref(),
            config_epoch: m.config_epoch,
            sentinels: m
                .sentinels
                .iter()
                .map(|s| PeerView {
                    name: &s.name,
                    runid: s.runid.as_deref(),
                    addr: s.addr.as_addr_ref(),
                })
                .collect(),
        })
        .collect();
    let resolve = resolver(st.resolve_hostnames);
    let view = View {
        current_epoch: st.current_epoch,
        masters: &views,
        resolve_hostnames: st.resolve_hostnames,
        announce_hostnames: st.announce_hostnames,
        resolve: &resolve,
    };
    match Hello::parse(payload.as_bytes()) {
        Ok(h) => process_hello(&h, &view),
        Err(e) => panic!("test payload {payload:?}: {e}"),
    }
}

fn ev(level: Level, kind: &'static str, master: usize, subject: Subject, text: &str) -> Step {
    Step::Event(Event {
        level,
        kind,
        master,
        subject,
        text: text.into(),
    })
}

fn sentinel(name: &str) -> Subject {
    Subject::Sentinel(name.into())
}

fn heard(master: usize, name: &str) -> Step {
    Step::HelloReceived {
        master,
        name: name.into(),
    }
}

fn log(text: &str) -> Step {
    Step::Log {
        level: Level::Warning,
        text: text.into(),
    }
}

#[test]
fn unknown_master_is_ignored() {
    assert_eq!(
        run(&one(), &format!("10.0.0.7,26379,{B},9,other,1.2.3.4,1,9")),
        vec![]
    );
}

#[test]
fn known_sentinel_only_refreshes_its_hello_time() {
    let steps = run(
        &one(),
        &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.1,6379,1"),
    );
    assert_eq!(steps, vec![heard(0, A)]);
}

#[test]
fn new_sentinel_is_added() {
    let steps = run(
        &one(),
        &format!("10.0.0.7,26380,{B},1,mymaster,10.0.0.1,6379,1"),
    );
    assert_eq!(
        steps,
        vec![
            Step::AddSentinel {
                master: 0,
                runid: B.into(),
                addr: ip("10.0.0.7", 26380)
            },
            ev(Level::Notice, "+sentinel", 0, sentinel(B), ""),
            Step::FlushConfig,
            heard(0, B),
        ]
    );
}

#[test]
fn moved_sentinel_switches_address() {
    let steps = run(
        &one(),
        &format!("10.0.0.8,26379,{A},1,mymaster,10.0.0.1,6379,1"),
    );
    assert_eq!(
        steps,
        vec![
            Step::RemoveSentinel {
                master: 0,
                name: A.into()
            },
            ev(
                Level::Notice,
                "+sentinel-address-switch",
                0,
                Subject::Master,
                &format!("ip 10.0.0.8 port 26379 for {A}")
            ),
            Step::AddSentinel {
                master: 0,
                runid: A.into(),
                addr: ip("10.0.0.8", 26379)
            },
            Step::CloseSentinelLink {
                master: 0,
                name: A.into()
            },
            Step::FlushConfig,
            heard(0, A),
        ]
    );
}

#[test]
fn moved_sentinel_is_updated_under_other_masters() {
    let mut st = one();
    st.masters.push(master(
        "m2",
        ip("10.0.0.2", 6379),
        0,
        vec![peer(B, ip("10.0.0.3", 1)), peer(A, ip("10.0.0.9", 26379))],
    ));
    st.masters
        .push(master("m3", ip("10.0.0.4", 6379), 0, vec![]));
    let steps = run(
        &st,
        &format!("10.0.0.8,26379,{A},1,mymaster,10.0.0.1,6379,1"),
    );
    let new = ip("10.0.0.8", 26379);
    assert_eq!(
        steps[2..],
        [
            Step::AddSentinel {
                master: 0,
                runid: A.into(),
                addr: new.clone()
            },
            Step::CloseSentinelLink {
                master: 0,
                name: A.into()
            },
            Step::CloseSentinelLink {
                master: 1,
                name: A.into()
            },
            Step::SetSentinelAddr {
                master: 1,
                name: A.into(),
                addr: new
            },
            ev(
                Level::Notice,
                "+sentinel-address-update",
                0,
                sentinel(A),
                "1 additional matching instances"
            ),
            Step::FlushConfig,
            heard(0, A),
        ]
    );
}

#[test]
fn new_run_id_at_a_known_address_evicts_the_old_one_everywhere() {
    let mut st = one();
    st.masters.push(master(
        "m2",
        ip("10.0.0.2", 6379),
        0,
        vec![peer(A, ip("10.0.0.9", 26379))],
    ));
    let steps = run(
        &st,
        &format!("10.0.0.9,26379,{B},1,mymaster,10.0.0.1,6379,1"),
    );
    assert_eq!(
        steps,
        vec![
            ev(Level::Notice, "+sentinel-invalid-addr", 0, sentinel(A), ""),
            Step::RemoveSentinel {
                master: 0,
                name: A.into()
            },
            Step::RemoveSentinel {
                master: 1,
                name: A.into()
            },
            Step::AddSentinel {
                master: 0,
                runid: B.into(),
                addr: ip("10.0.0.9", 26379)
            },
            ev(Level::Notice, "+sentinel", 0, sentinel(B), ""),
            Step::FlushConfig,
            heard(0, B),
        ]
    );
}

#[test]
fn out_of_range_ports_add_nothing() {
    for port in ["-1", "65536", "99999999999999999999"] {
        let steps = run(
            &one(),
            &format!("10.0.0.7,{port},{B},1,mymaster,10.0.0.1,6379,1"),
        );
        assert_eq!(steps, vec![], "port {port}");
    }
    // atoi's garbage reading, 0, is a valid port.
    let steps = run(
        &one(),
        &format!("10.0.0.7,x,{B},1,mymaster,10.0.0.1,6379,1"),
    );
    assert!(matches!(&steps[0], Step::AddSentinel { addr, .. } if addr.port == 0));
}

#[test]
fn unresolvable_sentinel_host_without_resolve_hostnames() {
    let steps = run(
        &one(),
        &format!("db.local,26379,{B},1,mymaster,10.0.0.1,6379,1"),
    );
    let failed = log("Failed to resolve hostname 'db.local'");
    assert_eq!(steps, vec![failed.clone(), failed.clone(), failed]);
}

#[test]
fn unresolvable_sentinel_host_is_kept_with_resolve_hostnames() {
    let mut st = one();
    st.resolve_hostnames = true;
    let steps = run(
        &st,
        &format!("nowhere,26379,{B},1,mymaster,10.0.0.1,6379,1"),
    );
    let failed = log("Failed to resolve hostname 'nowhere'");
    let kept = PeerAddr {
        hostname: "nowhere".into(),
        ip: String::new(),
        port: 26379,
    };
    assert_eq!(
        steps,
        vec![
            failed.clone(),
            failed.clone(),
            failed,
            Step::AddSentinel {
                master: 0,
                runid: B.into(),
                addr: kept
            },
            ev(Level::Notice, "+sentinel", 0, sentinel(B), ""),
            Step::FlushConfig,
            heard(0, B),
        ]
    );
}

#[test]
fn a_name_taken_by_an_entry_without_that_run_id_blocks_creation() {
    let mut st = one();
    st.masters[0].sentinels.push(Peer {
        name: B.into(),
        runid: None,
        addr: ip("10.0.0.3", 1),
    });
    let steps = run(
        &st,
        &format!("10.0.0.7,26379,{B},5,mymaster,10.0.0.6,6379,9"),
    );
    // Not added, so no config update either; the epoch is still adopted.
    assert_eq!(
        steps,
        vec![
            Step::SetCurrentEpoch(5),
            Step::FlushConfig,
            ev(Level::Warning, "+new-epoch", 0, Subject::None, "5"),
        ]
    );
}

#[test]
fn greater_current_epoch_is_adopted_equal_is_not() {
    let steps = run(
        &one(),
        &format!("10.0.0.9,26379,{A},7,mymaster,10.0.0.1,6379,1"),
    );
    assert_eq!(
        steps,
        vec![
            Step::SetCurrentEpoch(7),
            Step::FlushConfig,
            ev(Level::Warning, "+new-epoch", 0, Subject::None, "7"),
            heard(0, A),
        ]
    );
    let steps = run(
        &one(),
        &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.1,6379,1"),
    );
    assert_eq!(steps, vec![heard(0, A)]);
}

#[test]
fn newer_config_with_the_same_address_sets_and_saves_the_epoch() {
    // redis does not save here, so a crash would forget the epoch; rsentinel saves
    // without the notice redis would not log.
    let steps = run(
        &one(),
        &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.1,6379,3"),
    );
    assert_eq!(
        steps,
        vec![
            Step::SetMasterConfigEpoch {
                master: 0,
                epoch: 3
            },
            Step::SaveConfigQuietly,
            heard(0, A),
        ]
    );
}

#[test]
fn newer_config_elsewhere_switches_the_master() {
    let steps = run(
        &one(),
        &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.2,6380,2"),
    );
    let old = ip("10.0.0.1", 6379);
    let new = ip("10.0.0.2", 6380);
    assert_eq!(
        steps,
        vec![
            Step::SetMasterConfigEpoch {
                master: 0,
                epoch: 2
            },
            ev(Level::Warning, "+config-update-from", 0, sentinel(A), ""),
            ev(
                Level::Warning,
                "+switch-master",
                0,
                Subject::None,
                "mymaster 10.0.0.1 6379 10.0.0.2 6380"
            ),
            Step::SwitchMasterAddress {
                master: 0,
                addr: new.clone()
            },
            Step::ClientReconfigScript {
                master: 0,
                from: old,
                to: new
            },
            heard(0, A),
        ]
    );
}

#[test]
fn older_or_equal_config_is_ignored() {
    let mut st = one();
    st.masters[0].config_epoch = 5;
    for e in [0, 4, 5] {
        let steps = run(
            &st,
            &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.2,6380,{e}"),
        );
        assert_eq!(steps, vec![heard(0, A)], "config epoch {e}");
    }
}

#[test]
fn invalid_new_master_address_is_announced_but_not_applied() {
    let old = ip("10.0.0.1", 6379);
    let steps = run(&one(), &format!("10.0.0.9,26379,{A},1,mymaster,foo,6379,2"));
    assert_eq!(
        steps[3..],
        [
            log("Failed to resolve hostname 'foo'"),
            Step::SaveConfigQuietly,
            Step::ClientReconfigScript {
                master: 0,
                from: old.clone(),
                to: old.clone()
            },
            heard(0, A),
        ]
    );
    let steps = run(
        &one(),
        &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.1,70000,2"),
    );
    assert_eq!(
        steps[2],
        ev(
            Level::Warning,
            "+switch-master",
            0,
            Subject::None,
            "mymaster 10.0.0.1 6379 10.0.0.1 70000"
        )
    );
    assert_eq!(steps[3], Step::SaveConfigQuietly);
    assert_eq!(
        steps[4],
        Step::ClientReconfigScript {
            master: 0,
            from: old.clone(),
            to: old
        }
    );
}

#[test]
fn hostnames_in_switch_master_and_comparison() {
    let mut st = one();
    st.resolve_hostnames = true;
    st.announce_hostnames = true;
    st.masters[0].addr = PeerAddr {
        hostname: "DB.local".into(),
        ip: "10.0.0.5".into(),
        port: 6379,
    };
    // Resolves to the same IP: same master.
    let steps = run(
        &st,
        &format!("10.0.0.9,26379,{A},1,mymaster,db.local,6379,2"),
    );
    assert_eq!(steps.len(), 3, "{steps:?}");
    // Unresolvable: compared with the stored hostname, ignoring case.
    st.masters[0].addr.hostname = "gone.local".into();
    let steps = run(
        &st,
        &format!("10.0.0.9,26379,{A},1,mymaster,GONE.local,6379,2"),
    );
    assert_eq!(steps.len(), 3, "{steps:?}");
    // Elsewhere: the old address is shown by hostname.
    let steps = run(
        &st,
        &format!("10.0.0.9,26379,{A},1,mymaster,10.0.0.2,6379,2"),
    );
    assert_eq!(
        steps[2],
        ev(
            Level::Warning,
            "+switch-master",
            0,
            Subject::None,
            "mymaster gone.local 6379 10.0.0.2 6379"
        )
    );
}

#[test]
fn event_messages_join_prefix_and_text() {
    let e = |subject, text: &str| Event {
        level: Level::Notice,
        kind: "+x",
        master: 0,
        subject,
        text: text.into(),
    };
    assert_eq!(
        e(Subject::Master, "").message("master m 1.2.3.4 1"),
        "master m 1.2.3.4 1"
    );
    assert_eq!(
        e(Subject::Master, "ip 1 port 2 for r").message("master m 1.2.3.4 1"),
        "master m 1.2.3.4 1 ip 1 port 2 for r"
    );
    assert_eq!(e(Subject::None, "7").message("ignored"), "7");
}

mod props;
