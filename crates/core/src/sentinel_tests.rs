//! Tests of the table operations in `sentinel.rs`.

use super::*;
use rsentinel_config::{KnownSentinel, MasterConfig, SentinelSettings};

fn no_dns(_: &str) -> Option<String> {
    None
}

fn sample() -> Sentinel {
    let mut m = MasterConfig::new("mymaster", "127.0.0.1", 6379, 2);
    m.known_replicas = vec![("10.0.0.2".into(), 6380)];
    m.known_sentinels = vec![KnownSentinel {
        host: "::1".into(),
        port: 26379,
        runid: "c".repeat(40),
    }];
    let cfg = SentinelSettings {
        myid: Some("a".repeat(40)),
        masters: vec![m],
        ..Default::default()
    };
    Sentinel::new(cfg, 1000, 1, &no_dns).unwrap_or_else(|e| panic!("{e}"))
}

/// A key finds its instance after others before it went away, and nothing once that
/// instance is gone, even if a new one took its name and its slot.
#[test]
fn keys_find_their_instance_or_nothing() {
    let mut s = sample();
    let addr = |port| Addr {
        hostname: "10.0.0.3".into(),
        ip: "10.0.0.3".into(),
        port,
    };
    let m = s.master_key("mymaster").unwrap();
    let first = s.masters[m].replicas.key_at(0).unwrap();
    let second = s.add_replica(m, addr(6381), 1000).unwrap();
    let r = InstRef::Replica(m, second);
    // The first replica goes away: the second is still found.
    let gone = s.masters[m].replicas.remove(first).unwrap();
    s.release_link(gone.link);
    assert_eq!(s.instance(r).map(|i| i.addr.port), Some(6381));
    // It goes away too, and a new replica takes its name: not the same instance.
    let gone = s.masters[m].replicas.remove(second).unwrap();
    s.release_link(gone.link);
    let new = s.add_replica(m, addr(6381), 2000).unwrap();
    assert_eq!(s.masters[m].replicas[new].name, gone.name);
    assert_eq!(s.instance(r), None);
    // A reset forgets the replicas: their keys find nothing, nor do the Sentinels'.
    let sentinel = InstRef::Sentinel(m, s.masters[m].sentinels.key_at(0).unwrap());
    s.reset_master(m, false, false, 3000);
    assert_eq!(s.instance(InstRef::Replica(m, new)), None);
    assert_eq!(s.instance(sentinel), None);
    let again = s.add_replica(m, addr(6381), 3000).unwrap();
    assert_ne!(again, new);
    // The master itself, and another found after it was removed.
    let m2 = s.add_master("other", addr(7000), 2, 3000);
    s.remove_master(m);
    assert_eq!(s.instance(InstRef::Master(m)), None);
    assert_eq!(s.instance(InstRef::Replica(m, again)), None);
    let other = s.instance(InstRef::Master(m2)).map(|i| i.name.as_str());
    assert_eq!(other, Some("other"));
    assert_eq!(s.master_key("other"), Some(m2));
}

#[test]
fn event_prefixes() {
    let s = sample();
    let m = s.masters.key_at(0).unwrap();
    let (r, p) = (
        s.masters[m].replicas.key_at(0),
        s.masters[m].sentinels.key_at(0),
    );
    let (r, p) = (r.unwrap(), p.unwrap());
    assert_eq!(
        s.describe(InstRef::Master(m)),
        "master mymaster 127.0.0.1 6379"
    );
    assert_eq!(
        s.describe(InstRef::Replica(m, r)),
        "slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 127.0.0.1 6379"
    );
    assert_eq!(
        s.describe(InstRef::Sentinel(m, p)),
        format!(
            "sentinel {} ::1 26379 @ mymaster 127.0.0.1 6379",
            "c".repeat(40)
        )
    );
    assert_eq!(s.master_names(), vec!["mymaster".to_string()]);
}

#[test]
fn info_status_and_tilt() {
    let mut s = sample();
    s.masters[0].inst.flags.insert(Flags::S_DOWN);
    assert!(s.info_section(0).ends_with(
        "master0:name=mymaster,status=sdown,address=127.0.0.1:6379,slaves=1,sentinels=2\r\n"
    ));
    s.masters[0].inst.flags.insert(Flags::O_DOWN);
    s.tilt.active = true;
    s.tilt.start_time = 1000;
    let info = s.info_section(63_999);
    assert!(info.contains("sentinel_tilt:1\r\nsentinel_tilt_since_seconds:62\r\n"));
    assert!(info.contains("status=odown"));
}

#[test]
fn warning_events_carry_the_notification_script() {
    let mut s = sample();
    s.masters[0].notification_script = Some("/n.sh".into());
    let m = s.masters.key_at(0);
    s.event(LogLevel::Notice, "+x", m, String::new());
    s.event(LogLevel::Warning, "+y", m, String::new());
    s.event(LogLevel::Warning, "+z", None, String::new());
    let scripts: Vec<_> = std::iter::from_fn(|| s.poll_output())
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.notification_script),
            _ => None,
        })
        .collect();
    assert_eq!(scripts, vec![None, Some("/n.sh".to_string()), None]);
}
