//! SENTINEL commands against the real binary: what they write to the config file on disk,
//! the events subscribers receive, and the replies of the query and vote subcommands.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_resp::Frame;

const HEAD: &str = "# Operator notes: keep this comment\nhz 20\n\n# another comment\n";

/// Files in the sentinel's directory other than the config and its output.
fn stray_files(s: &Sentinel) -> Vec<String> {
    std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "sentinel.conf" && n != "stdout.log")
        .collect()
}

/// A subscriber to every channel, confirmed before returning.
fn psubscriber(s: &Sentinel) -> Client {
    let mut sub = s.client();
    let conf = sub.cmd(&["PSUBSCRIBE", "*"]);
    assert_eq!(items(&conf)[0], Frame::bulk_str("psubscribe"));
    sub
}

/// The next `(channel, message)` the pattern subscriber receives.
fn next_event(sub: &mut Client) -> (String, String) {
    let m = items(&sub.recv());
    assert_eq!(text(&m[0]), "pmessage", "{m:?}");
    (text(&m[2]), text(&m[3]))
}

#[track_caller]
fn expect_event(sub: &mut Client, channel: &str, message: &str) {
    assert_eq!(next_event(sub), (channel.to_string(), message.to_string()));
}

#[test]
fn monitor_set_reset_remove_rewrite_the_file_and_publish_events() {
    let s = Sentinel::start(HEAD, &[]);
    let mut c = s.client();
    let mut sub = psubscriber(&s);
    let mp = free_port().to_string();

    assert_ok(&c.cmd(&["SENTINEL", "MONITOR", "m", "127.0.0.1", &mp, "2"]));
    expect_event(
        &mut sub,
        "+monitor",
        &format!("master m 127.0.0.1 {mp} quorum 2"),
    );
    let conf = s.config_text();
    assert!(conf.starts_with(HEAD), "{conf}");
    assert!(config_lines(&conf).contains(&format!("sentinel monitor m 127.0.0.1 {mp} 2")));

    assert_ok(&c.cmd(&["SENTINEL", "SET", "m", "down-after-milliseconds", "5000"]));
    expect_event(
        &mut sub,
        "+set",
        &format!("master m 127.0.0.1 {mp} down-after-milliseconds 5000"),
    );
    assert_ok(&c.cmd(&[
        "SENTINEL",
        "SET",
        "m",
        "quorum",
        "1",
        "failover-timeout",
        "9000",
    ]));
    expect_event(
        &mut sub,
        "+set",
        &format!("master m 127.0.0.1 {mp} quorum 1"),
    );
    expect_event(
        &mut sub,
        "+set",
        &format!("master m 127.0.0.1 {mp} failover-timeout 9000"),
    );
    let conf = s.config_text();
    let lines = config_lines(&conf);
    assert!(
        lines.contains(&format!("sentinel monitor m 127.0.0.1 {mp} 1")),
        "{conf}"
    );
    assert!(
        lines.contains(&"sentinel down-after-milliseconds m 5000".to_string()),
        "{conf}"
    );
    assert!(
        lines.contains(&"sentinel failover-timeout m 9000".to_string()),
        "{conf}"
    );
    assert!(conf.starts_with(HEAD), "{conf}");

    // Passwords are redacted in events, not in the file.
    assert_ok(&c.cmd(&[
        "SENTINEL",
        "SET",
        "m",
        "auth-pass",
        "s3cret",
        "rename-command",
        "CONFIG",
        "XCONFIG",
    ]));
    expect_event(
        &mut sub,
        "+set",
        &format!("master m 127.0.0.1 {mp} auth-pass ******"),
    );
    expect_event(
        &mut sub,
        "+set",
        &format!("master m 127.0.0.1 {mp} rename-command CONFIG XCONFIG"),
    );
    let lines = config_lines(&s.config_text());
    assert!(lines.contains(&"sentinel auth-pass m s3cret".to_string()));
    assert!(lines.contains(&"sentinel rename-command m CONFIG XCONFIG".to_string()));
    assert_err(
        &c.cmd(&["SENTINEL", "SET", "m", "quorum", "x"]),
        "ERR Invalid argument 'x' for SENTINEL SET 'quorum'",
    );

    assert_eq!(c.cmd(&["SENTINEL", "RESET", "*"]), Frame::Integer(1));
    expect_event(
        &mut sub,
        "+reset-master",
        &format!("master m 127.0.0.1 {mp}"),
    );
    assert_eq!(c.cmd(&["SENTINEL", "RESET", "nomatch*"]), Frame::Integer(0));
    // Settings survive a reset.
    assert!(
        config_lines(&s.config_text()).contains(&"sentinel failover-timeout m 9000".to_string())
    );

    assert_ok(&c.cmd(&["SENTINEL", "REMOVE", "m"]));
    expect_event(&mut sub, "-monitor", &format!("master m 127.0.0.1 {mp}"));
    let conf = s.config_text();
    assert!(
        lines_starting(&conf, "sentinel monitor").is_empty(),
        "{conf}"
    );
    assert!(!conf.contains(" m "), "{conf}");
    assert!(conf.starts_with(HEAD), "{conf}");
    assert_eq!(lines_starting(&conf, "sentinel myid").len(), 1);
    assert_err(
        &c.cmd(&["SENTINEL", "REMOVE", "m"]),
        "ERR No such master with that name",
    );
    sub.expect_silence();
    assert!(stray_files(&s).is_empty(), "{:?}", stray_files(&s));
}

#[test]
fn flushconfig_restores_a_damaged_file_keeping_foreign_lines() {
    let mp = free_port().to_string();
    let s = Sentinel::start(&format!("{HEAD}sentinel monitor m 127.0.0.1 {mp} 2\n"), &[]);
    let saved = s.config_text();
    // Someone edits the file behind the sentinel's back.
    std::fs::write(&s.conf, format!("{HEAD}# added by hand\nmaxmemory 1mb\n")).unwrap();
    assert_ok(&s.client().cmd(&["SENTINEL", "FLUSHCONFIG"]));
    let conf = s.config_text();
    // Comments stay where they are; a known directive keeps its place and gets the value
    // in effect (redis-sentinel writes `maxmemory 0` here too).
    assert!(
        conf.starts_with(&format!("{HEAD}# added by hand\nmaxmemory 0\n")),
        "{conf}"
    );
    for l in lines_starting(&saved, "sentinel ") {
        assert!(config_lines(&conf).contains(&l), "lost {l:?}:\n{conf}");
    }
    assert!(stray_files(&s).is_empty(), "{:?}", stray_files(&s));
    // The rewritten file loads again, to the same state.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("sentinel.conf");
    std::fs::copy(&s.conf, &copy).unwrap();
    let out = run_to_exit(&[copy.to_str().unwrap(), "--test-config"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn get_master_addr_master_fields_and_ckquorum() {
    let master = RedisServer::start();
    let mp = master.port.to_string();
    let s = Sentinel::start(&format!("sentinel monitor m 127.0.0.1 {mp} 2\n"), &[]);
    let mut c = s.client();
    assert_eq!(
        strings(&c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"])),
        vec!["127.0.0.1".to_string(), mp.clone()]
    );
    assert_eq!(
        c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"]),
        Frame::NullArray
    );

    let m = c.cmd(&["SENTINEL", "MASTER", "m"]);
    let names: Vec<String> = pairs(&m).into_iter().map(|(k, _)| k).collect();
    // redis-sentinel 7.0.15's order, up to the always-present fields.
    let expected = [
        "name",
        "ip",
        "port",
        "runid",
        "flags",
        "link-pending-commands",
        "link-refcount",
        "last-ping-sent",
        "last-ok-ping-reply",
        "last-ping-reply",
        "down-after-milliseconds",
        "info-refresh",
        "role-reported",
        "role-reported-time",
        "config-epoch",
        "num-slaves",
        "num-other-sentinels",
        "quorum",
        "failover-timeout",
        "parallel-syncs",
    ];
    // Fields redis adds only in some states (down times) are left out of the comparison.
    let fixed: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !n.starts_with("s-down") && !n.starts_with("o-down"))
        .collect();
    assert_eq!(fixed, expected, "{names:?}");
    assert_eq!(field(&m, "name").as_deref(), Some("m"));
    assert_eq!(field(&m, "port").as_deref(), Some(mp.as_str()));
    assert_eq!(field(&m, "quorum").as_deref(), Some("2"));
    assert_eq!(
        field(&m, "down-after-milliseconds").as_deref(),
        Some("30000")
    );
    assert!(field(&m, "flags").is_some_and(|f| f.starts_with("master")));
    assert_err(
        &c.cmd(&["SENTINEL", "MASTER", "nope"]),
        "ERR No such master with that name",
    );
    let masters = c.cmd(&["SENTINEL", "MASTERS"]);
    assert_eq!(items(&masters).len(), 1);

    assert_err(
        &c.cmd(&["SENTINEL", "CKQUORUM", "m"]),
        "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master",
    );
    assert_ok(&c.cmd(&["SENTINEL", "SET", "m", "quorum", "1"]));
    assert_eq!(
        c.cmd(&["SENTINEL", "CKQUORUM", "m"]),
        Frame::Simple(
            "OK 1 usable Sentinels. Quorum and failover authorization can be reached".into()
        )
    );
}

#[test]
fn is_master_down_by_addr_votes_once_per_epoch_and_persists() {
    let mp = free_port().to_string();
    let s = Sentinel::start(&format!("sentinel monitor m 127.0.0.1 {mp} 2\n"), &[]);
    let mut c = s.client();
    let mut sub = psubscriber(&s);
    let a = "a".repeat(40);
    let b = "b".repeat(40);

    let vote = |c: &mut Client, epoch: &str, runid: &str| {
        let r = items(&c.cmd(&[
            "SENTINEL",
            "IS-MASTER-DOWN-BY-ADDR",
            "127.0.0.1",
            &mp,
            epoch,
            runid,
        ]));
        assert_eq!(r.len(), 3, "{r:?}");
        (r[0].clone(), text(&r[1]), r[2].clone())
    };
    assert_eq!(
        vote(&mut c, "5", &a),
        (Frame::Integer(0), a.clone(), Frame::Integer(5))
    );
    expect_event(&mut sub, "+new-epoch", "5");
    expect_event(&mut sub, "+vote-for-leader", &format!("{a} 5"));
    // Same epoch, another candidate: the first vote stands.
    assert_eq!(
        vote(&mut c, "5", &b),
        (Frame::Integer(0), a.clone(), Frame::Integer(5))
    );
    // A query without a vote.
    assert_eq!(
        vote(&mut c, "5", "*"),
        (Frame::Integer(0), "*".to_string(), Frame::Integer(0))
    );
    let conf = s.config_text();
    let lines = config_lines(&conf);
    assert!(
        lines.contains(&"sentinel current-epoch 5".to_string()),
        "{conf}"
    );
    assert!(
        lines.contains(&"sentinel leader-epoch m 5".to_string()),
        "{conf}"
    );
    // A newer epoch gets a new vote.
    assert_eq!(
        vote(&mut c, "6", &b),
        (Frame::Integer(0), b.clone(), Frame::Integer(6))
    );
    expect_event(&mut sub, "+new-epoch", "6");
    expect_event(&mut sub, "+vote-for-leader", &format!("{b} 6"));
    assert!(config_lines(&s.config_text()).contains(&"sentinel leader-epoch m 6".to_string()));
    assert_eq!(
        text(&items(&c.cmd(&["SENTINEL", "MASTER", "m"]))[0]),
        "name"
    );
}

#[test]
fn failover_without_replicas_is_nogoodslave() {
    let master = RedisServer::start();
    let mp = master.port.to_string();
    let s = Sentinel::start(&format!("sentinel monitor m 127.0.0.1 {mp} 1\n"), &[]);
    let mut c = s.client();
    assert_err(
        &c.cmd(&["SENTINEL", "FAILOVER", "m"]),
        "NOGOODSLAVE No suitable replica to promote",
    );
    assert_err(
        &c.cmd(&["SENTINEL", "FAILOVER", "nope"]),
        "ERR No such master with that name",
    );
    assert_eq!(
        s.cli(&["sentinel", "failover", "m"]),
        "NOGOODSLAVE No suitable replica to promote\n\n"
    );
}

#[test]
fn replicas_and_sentinels_of_a_fresh_master_are_empty() {
    let mp = free_port().to_string();
    let s = Sentinel::start(&format!("sentinel monitor m 127.0.0.1 {mp} 1\n"), &[]);
    let mut c = s.client();
    assert_eq!(c.cmd(&["SENTINEL", "REPLICAS", "m"]), Frame::Array(vec![]));
    assert_eq!(c.cmd(&["SENTINEL", "SENTINELS", "m"]), Frame::Array(vec![]));
    let myid = text(&c.cmd(&["SENTINEL", "MYID"]));
    assert_eq!(
        lines_starting(&s.config_text(), "sentinel myid"),
        vec![format!("sentinel myid {myid}")]
    );
}
