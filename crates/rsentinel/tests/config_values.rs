//! Values on their way to and from sentinel.conf, on the real binary: bytes stay bytes
//! (credentials that are not UTF-8 reach a real redis-server, AUTH with a non-UTF-8 user
//! name, announce-ip), nothing a client or a PUBLISH on a monitored master sends can add
//! a directive, and a rewrite keeps the file's mode.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use bytes::BytesMut;
use common::*;
use rsentinel_resp::{encode_command, Frame};

/// Sends a command whose arguments are raw bytes and waits for the reply.
fn cmd_bytes(c: &mut Client, args: &[&[u8]]) -> Frame {
    let mut out = BytesMut::new();
    encode_command(args, &mut out);
    c.send_raw(&out);
    c.recv()
}

fn bulk_bytes(f: &Frame) -> Vec<u8> {
    match f {
        Frame::Bulk(b) => b.to_vec(),
        other => panic!("not a bulk string: {other:?}"),
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The file as the loader reads it (bytes).
fn load(s: &Sentinel) -> rsentinel_config::Config {
    let bytes = std::fs::read(&s.conf).expect("read config");
    rsentinel_config::parse_bytes(&bytes, "sentinel.conf")
        .unwrap_or_else(|e| panic!("the rewritten file does not load: {e}"))
}

/// `CLIENT LIST` of a redis-server, as bytes (user names are printed raw).
fn client_list(admin: &mut Client) -> Vec<u8> {
    bulk_bytes(&admin.cmd(&["CLIENT", "LIST"]))
}

/// The ids of the master's clients that authenticated as `user`.
fn client_ids_of(admin: &mut Client, user: &[u8]) -> Vec<String> {
    let needle = [b"user=", user, b" "].concat();
    client_list(admin)
        .split(|&b| b == b'\n')
        .filter(|l| l.windows(needle.len()).any(|w| w == needle))
        .filter_map(|l| {
            let l = String::from_utf8_lossy(l);
            l.split(' ')
                .find_map(|f| f.strip_prefix("id=").map(str::to_string))
        })
        .collect()
}

#[test]
fn non_utf8_credentials_reach_a_real_master_and_survive_a_restart() {
    let master = RedisServer::start();
    let mut admin = Client::connect(master.port);
    // A user whose name and password are not UTF-8; the default user needs a password,
    // so a Sentinel sending the wrong (lossily converted) credentials gets nowhere.
    assert_ok(&cmd_bytes(
        &mut admin,
        &[
            b"ACL", b"SETUSER", b"u\xff", b"on", b">p\xfe1", b"~*", b"&*", b"+@all",
        ],
    ));
    assert_ok(&admin.cmd(&["ACL", "SETUSER", "default", "on", "resetpass", ">adminpw"]));

    let conf = format!("sentinel monitor m 127.0.0.1 {} 1\n", master.port);
    let s = Sentinel::start(&conf, &[]);
    chmod(&s.conf, 0o600);
    let mut c = s.client();
    assert_ok(&cmd_bytes(
        &mut c,
        &[
            b"SENTINEL",
            b"SET",
            b"m",
            b"auth-user",
            b"u\xff",
            b"auth-pass",
            b"p\xfe1",
        ],
    ));
    assert!(
        wait_until(LONG, || !client_ids_of(&mut admin, b"u\xff").is_empty()),
        "the Sentinel never authenticated as u\\xff: {}",
        String::from_utf8_lossy(&client_list(&mut admin))
    );
    // The file keeps the bytes (quoted, as redis' loader reads them) and its mode.
    let text = s.config_text();
    assert!(text.contains("sentinel auth-user m \"u\\xff\"\n"), "{text}");
    assert!(
        text.contains("sentinel auth-pass m \"p\\xfe1\"\n"),
        "{text}"
    );
    assert_eq!(mode(&s.conf), 0o600, "the rewrite changed the file mode");
    let cfg = load(&s);
    assert_eq!(
        cfg.sentinel.masters[0].auth_user.as_deref(),
        Some(&b"u\xff"[..])
    );
    assert_eq!(
        cfg.sentinel.masters[0].auth_pass.as_deref(),
        Some(&b"p\xfe1"[..])
    );

    // After a restart, the credentials read from the file work again.
    let before = client_ids_of(&mut admin, b"u\xff");
    let s = s.restart(&[]);
    assert!(
        wait_until(LONG, || client_ids_of(&mut admin, b"u\xff")
            .iter()
            .any(|id| !before.contains(id))),
        "no new connection as u\\xff after the restart"
    );
    let mut c = s.client();
    assert_ok(&c.cmd(&["SENTINEL", "FLUSHCONFIG"]));
    assert_eq!(mode(&s.conf), 0o600);
}

#[test]
fn auth_with_a_non_utf8_user_name_is_that_user() {
    // "u\xff" may run everything; "u\u{fffd}" (what a lossy conversion gives) nothing.
    let conf = "user default on nopass ~* &* +@all\n\
                user \"u\\xff\" on >p1 ~* &* +@all\n\
                user \"u\\xef\\xbf\\xbd\" on >p1 -@all\n";
    let s = Sentinel::start(conf, &[]);
    let mut c = s.client();
    assert_ok(&cmd_bytes(&mut c, &[b"AUTH", b"u\xff", b"p1"]));
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(bulk_bytes(&c.cmd(&["ACL", "WHOAMI"])), b"u\xff");
    // HELLO AUTH takes the same path.
    let mut h = s.client();
    let reply = cmd_bytes(&mut h, &[b"HELLO", b"2", b"AUTH", b"u\xff", b"p1"]);
    assert!(!matches!(reply, Frame::Error(_)), "{reply:?}");
    assert_eq!(bulk_bytes(&h.cmd(&["ACL", "WHOAMI"])), b"u\xff");

    // The rewrite writes the name so that it loads back as the same bytes.
    assert_ok(&c.cmd(&["SENTINEL", "FLUSHCONFIG"]));
    let text = s.config_text();
    assert!(text.contains("user \"u\\xff\" on "), "{text}");
    let s = s.restart(&[]);
    let mut c = s.client();
    assert_ok(&cmd_bytes(&mut c, &[b"AUTH", b"u\xff", b"p1"]));
    assert_eq!(bulk_bytes(&c.cmd(&["ACL", "WHOAMI"])), b"u\xff");
}

#[test]
fn announce_ip_bytes_round_trip_through_config_get_and_a_restart() {
    let s = Sentinel::start("", &[]);
    chmod(&s.conf, 0o640);
    let mut c = s.client();
    assert_ok(&cmd_bytes(
        &mut c,
        &[b"SENTINEL", b"CONFIG", b"SET", b"announce-ip", b"\xff\x01"],
    ));
    let get = |c: &mut Client| match c.cmd(&["SENTINEL", "CONFIG", "GET", "announce-ip"]) {
        Frame::Array(v) if v.len() == 2 => bulk_bytes(&v[1]),
        Frame::Map(v) if v.len() == 1 => bulk_bytes(&v[0].1),
        other => panic!("unexpected CONFIG GET reply {other:?}"),
    };
    assert_eq!(get(&mut c), b"\xff\x01");
    assert!(
        s.config_text()
            .contains("sentinel announce-ip \"\\xff\\x01\"\n"),
        "{}",
        s.config_text()
    );
    assert_eq!(mode(&s.conf), 0o640);
    let s = s.restart(&[]);
    let mut c = s.client();
    assert_eq!(get(&mut c), b"\xff\x01");
}

#[test]
fn hostile_values_never_add_a_directive() {
    let master = RedisServer::start();
    let conf = format!("sentinel monitor m 127.0.0.1 {} 1\n", master.port);
    let s = Sentinel::start(&conf, &[]);
    let mut c = s.client();
    let evil = "x\nsentinel deny-scripts-reconfig no\nsentinel monitor evil 127.0.0.1 1 1\n";
    for args in [
        &["SENTINEL", "SET", "m", "auth-pass", evil][..],
        &["SENTINEL", "SET", "m", "auth-user", evil],
        &["SENTINEL", "SET", "m", "rename-command", "CONFIG", evil],
        &["SENTINEL", "CONFIG", "SET", "sentinel-pass", evil],
        &["SENTINEL", "CONFIG", "SET", "sentinel-user", evil],
        &["SENTINEL", "CONFIG", "SET", "announce-ip", evil],
    ] {
        assert_ok(&c.cmd(args));
    }
    // A master name with a space is accepted, as redis does, and written so it reloads.
    let port = master.port.to_string();
    assert_ok(&c.cmd(&["SENTINEL", "MONITOR", "a b", "127.0.0.1", &port, "1"]));

    // An unauthenticated PUBLISH on the master: a run id carrying directives is dropped;
    // a real hello sent after it on the same channel is taken (so the first was seen).
    wait_hello_subscriber(master.port);
    let bad = format!("127.0.0.1,26999,{evil},1,m,127.0.0.1,{port},0");
    redis_cli(master.port, &["PUBLISH", "__sentinel__:hello", &bad]);
    let good_id = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
    let good = format!("127.0.0.1,26998,{good_id},1,m,127.0.0.1,{port},0");
    assert!(
        wait_until(LONG, || {
            redis_cli(master.port, &["PUBLISH", "__sentinel__:hello", &good]);
            std::thread::sleep(Duration::from_millis(50));
            s.cli(&["SENTINEL", "SENTINELS", "m"]).contains(good_id)
        }),
        "the real hello was never taken"
    );
    assert!(!s.cli(&["SENTINEL", "SENTINELS", "m"]).contains("26999"));
    assert_ok(&c.cmd(&["SENTINEL", "FLUSHCONFIG"]));

    let text = s.config_text();
    for line in text.lines() {
        assert_ne!(line, "sentinel deny-scripts-reconfig no", "{text}");
        assert!(!line.starts_with("sentinel monitor evil"), "{text}");
    }
    let cfg = load(&s);
    let m = &cfg.sentinel.masters[0];
    assert_eq!(m.auth_pass.as_deref(), Some(evil.as_bytes()));
    assert_eq!(m.auth_user.as_deref(), Some(evil.as_bytes()));
    assert_eq!(cfg.sentinel.sentinel_pass.as_deref(), Some(evil.as_bytes()));
    assert_eq!(cfg.sentinel.announce_ip.as_deref(), Some(evil.as_bytes()));
    assert!(cfg.sentinel.deny_scripts_reconfig);
    let names: Vec<&str> = cfg
        .sentinel
        .masters
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["m", "a b"]);
    assert!(m.known_sentinels.iter().all(|k| k.runid == good_id));

    // The real process loads it back: scripts are still denied, both masters are there.
    let s = s.restart(&[]);
    let mut c = s.client();
    assert!(
        text_of(&c.cmd(&["SENTINEL", "SET", "m", "notification-script", "/bin/true"]))
            .contains("denied for security reasons")
    );
    let masters = s.cli(&["SENTINEL", "MASTERS"]);
    assert!(
        masters.contains("a b") && !masters.contains("evil"),
        "{masters}"
    );
}

fn text_of(f: &Frame) -> String {
    text(f)
}
