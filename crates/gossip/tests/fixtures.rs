//! Hello payloads captured from real redis-sentinel 7.0.15 traffic: they must parse, and
//! re-encode to the very same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use rsentinel_gossip::hello::HELLO_MAX_LEN;
use rsentinel_gossip::{Hello, ParseError};

fn captured() -> Vec<&'static str> {
    include_str!("fixtures/hello.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn captured_hellos_parse_and_reencode_identically() {
    let lines = captured();
    assert_eq!(lines.len(), 8);
    for line in lines {
        let hello = match Hello::parse(line.as_bytes()) {
            Ok(h) => h,
            Err(e) => panic!("{line:?}: {e}"),
        };
        assert_eq!(hello.encode(), line.as_bytes(), "{line:?}");
    }
}

#[test]
fn captured_fields() {
    let lines = captured();
    let first = Hello::parse(lines[0].as_bytes());
    assert_eq!(
        first,
        Ok(Hello {
            ip: "127.0.0.1".into(),
            port: 27651,
            runid: "d54ba17463ee8fb83937165fc25349cda3945225".into(),
            current_epoch: 0,
            master_name: "mymaster".into(),
            master_ip: "127.0.0.1".into(),
            master_port: 27650,
            master_config_epoch: 0,
        })
    );
    let hostnames = lines.iter().find(|l| l.starts_with("localhost"));
    let Some(Ok(h)) = hostnames.map(|l| Hello::parse(l.as_bytes())) else {
        panic!("the announce-hostnames hello is in the fixture");
    };
    assert_eq!((h.ip.as_str(), h.port), ("localhost", 27699));
    assert_eq!((h.master_ip.as_str(), h.master_port), ("localhost", 27653));
    assert_eq!(h.current_epoch, u64::MAX);
    let empty = lines.iter().find(|l| l.starts_with(','));
    let Some(Ok(h)) = empty.map(|l| Hello::parse(l.as_bytes())) else {
        panic!("the empty announce-ip hello is in the fixture");
    };
    assert_eq!(h.ip, "");
}

/// redis-sentinel monitoring a master with an 1100-character name sent this cut payload.
#[test]
fn captured_truncated_hello_matches_our_encoding() {
    let real = include_str!("fixtures/hello-truncated.txt").trim_end_matches('\n');
    assert_eq!(real.len(), HELLO_MAX_LEN);
    assert_eq!(
        Hello::parse(real.as_bytes()),
        Err(ParseError::FieldCount(5))
    );
    let ours = Hello {
        ip: "127.0.0.1".into(),
        port: 27651,
        runid: "d54ba17463ee8fb83937165fc25349cda3945225".into(),
        current_epoch: u64::MAX,
        master_name: "a".repeat(1100),
        master_ip: "127.0.0.1".into(),
        master_port: 27650,
        master_config_epoch: 0,
    };
    assert_eq!(ours.encode(), real.as_bytes());
}

/// The captured hellos rebuilt from each sender's settings with the announce rules.
#[test]
fn captured_hellos_follow_the_announce_rules() {
    use rsentinel_gossip::hello::{hello_ip, hello_port};
    let build = |announce_ip, port, runid: &str, host: &str| {
        let ip = hello_ip(announce_ip, Some("127.0.0.1")).unwrap_or("?");
        Hello {
            ip: ip.into(),
            port: i32::from(port),
            runid: runid.into(),
            current_epoch: u64::MAX,
            master_name: "mymaster".into(),
            master_ip: host.into(),
            master_port: 27653,
            master_config_epoch: 4,
        }
        .encode()
    };
    let lines = captured();
    let has = |p: Vec<u8>| lines.iter().any(|l| l.as_bytes() == p.as_slice());
    // :27651, no announce settings: the socket's local IP and the listening port.
    assert!(has(build(
        None,
        hello_port(0, None, 27651),
        "d54ba17463ee8fb83937165fc25349cda3945225",
        "127.0.0.1"
    )));
    // :27654, announce-ip localhost, announce-port 27699, announce-hostnames yes (the
    // master's configured hostname is announced).
    assert!(has(build(
        Some("localhost"),
        hello_port(27699, None, 27654),
        "25d04f1826ba644d22a0cb2b762cc830f8ea42a2",
        "localhost"
    )));
    // :27652 after SENTINEL CONFIG SET announce-ip "".
    assert!(has(build(
        Some(""),
        hello_port(0, None, 27652),
        "4a37fa1dc8983633bd27174e0b31c3cc7e060504",
        "127.0.0.1"
    )));
}
