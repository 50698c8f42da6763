//! Authentication and ACLs against the real binary: requirepass, AUTH, HELLO AUTH, users
//! from the config, NOPERM texts and the ACL LOG, channel permissions, runtime ACL changes
//! disconnecting clients, ACL SAVE/LOAD with an aclfile, protected mode.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_resp::{Frame, Protocol};

const NOAUTH: &str = "NOAUTH Authentication required.";
const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

#[test]
fn requirepass_gates_every_command_but_auth_and_hello() {
    let s = Sentinel::start("requirepass secret\n", &[]);
    let mut c = s.client();
    for cmd in [
        &["PING"][..],
        &["SENTINEL", "MASTERS"],
        &["INFO"],
        &["CLIENT", "ID"],
        &["SUBSCRIBE", "x"],
        &["COMMAND", "COUNT"],
    ] {
        assert_err(&c.cmd(cmd), NOAUTH);
    }
    // Unknown commands are still reported as unknown (existence is checked first).
    assert!(text(&c.cmd(&["nosuch"])).starts_with("ERR unknown command 'nosuch'"));
    assert_err(&c.cmd(&["AUTH", "wrong"]), WRONGPASS);
    assert_err(&c.cmd(&["AUTH", "default", "wrong"]), WRONGPASS);
    assert_err(&c.cmd(&["PING"]), NOAUTH);
    assert_err(
        &c.cmd(&["HELLO", "3"]),
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
    assert_ok(&c.cmd(&["AUTH", "secret"]));
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    // redis-sentinel's 15 commands and the FAILOVER extension.
    assert_eq!(c.cmd(&["COMMAND", "COUNT"]), Frame::Integer(16));

    // redis-cli with -a.
    assert_eq!(
        s.cli(&["-a", "secret", "--no-auth-warning", "ping"]),
        "PONG\n"
    );
    assert_eq!(s.cli(&["ping"]), format!("{NOAUTH}\n\n"));

    // Failed attempts are in the ACL log.
    let log = c.cmd(&["ACL", "LOG"]);
    let entries = items(&log);
    assert!(!entries.is_empty());
    assert_eq!(field(&entries[0], "reason").as_deref(), Some("auth"));
}

#[test]
fn unauthenticated_clients_get_tight_request_limits() {
    let s = Sentinel::start("requirepass secret\n", &[]);
    for (input, expected) in [
        (
            &b"*20\r\n"[..],
            "-ERR Protocol error: unauthenticated multibulk length\r\n",
        ),
        (
            b"*1\r\n$20000\r\n",
            "-ERR Protocol error: unauthenticated bulk length\r\n",
        ),
    ] {
        let mut c = s.client();
        c.send_raw(input);
        assert_eq!(String::from_utf8_lossy(&c.read_until_closed()), expected);
    }
    // Once authenticated the same request shape is fine.
    let mut c = s.client();
    assert_ok(&c.cmd(&["AUTH", "secret"]));
    let many: Vec<String> = (0..19).map(|i| i.to_string()).collect();
    let mut args = vec!["CLIENT", "LIST", "ID"];
    args.extend(many.iter().map(String::as_str));
    assert!(matches!(c.cmd(&args), Frame::Bulk(_)));
}

#[test]
fn hello_3_auth_authenticates_and_switches_protocol() {
    let s = Sentinel::start("requirepass secret\n", &[]);
    let mut c = s.client();
    assert_err(
        &c.cmd(&["HELLO", "3", "AUTH", "default", "nope"]),
        WRONGPASS,
    );
    c.set_protocol(Protocol::Resp3);
    let hello = c.cmd(&["HELLO", "3", "AUTH", "default", "secret", "SETNAME", "me"]);
    assert!(matches!(hello, Frame::Map(_)), "{hello:?}");
    assert_eq!(field(&hello, "proto").as_deref(), Some("3"));
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(text(&c.cmd(&["CLIENT", "GETNAME"])), "me");
}

const LIMITED: &str = "user limited on >lpass +ping +sentinel|get-master-addr-by-name\n";

#[test]
fn limited_user_gets_noperm_and_is_in_the_acl_log() {
    let mp = free_port().to_string();
    let s = Sentinel::start(
        &format!("{LIMITED}sentinel monitor m 127.0.0.1 {mp} 2\n"),
        &[],
    );
    let mut c = s.client();
    assert_ok(&c.cmd(&["AUTH", "limited", "lpass"]));
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(
        strings(&c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"])),
        vec!["127.0.0.1".to_string(), mp.clone()]
    );
    assert_err(
        &c.cmd(&["INFO"]),
        "NOPERM this user has no permissions to run the 'info' command",
    );
    assert_err(
        &c.cmd(&["SENTINEL", "MASTERS"]),
        "NOPERM this user has no permissions to run the 'sentinel|masters' command",
    );
    assert_err(
        &c.cmd(&["SENTINEL", "REMOVE", "m"]),
        "NOPERM this user has no permissions to run the 'sentinel|remove' command",
    );
    // The master is still there.
    assert_eq!(
        strings(&c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"]))[1],
        mp
    );
    // redis-cli as that user.
    let cli = s.cli(&[
        "--user",
        "limited",
        "--pass",
        "lpass",
        "--no-auth-warning",
        "info",
    ]);
    assert_eq!(
        cli.trim_end(),
        "NOPERM this user has no permissions to run the 'info' command"
    );

    let mut admin = s.client();
    let log = admin.cmd(&["ACL", "LOG"]);
    let entries = items(&log);
    assert!(entries.len() >= 3, "{log:?}");
    let newest = &entries[0];
    assert_eq!(field(newest, "reason").as_deref(), Some("command"));
    assert_eq!(field(newest, "object").as_deref(), Some("info"));
    assert_eq!(field(newest, "username").as_deref(), Some("limited"));
    assert_eq!(field(newest, "context").as_deref(), Some("toplevel"));
    let info = field(newest, "client-info").unwrap();
    assert!(info.contains(" user=limited "), "{info}");
    assert!(info.contains(" cmd=info "), "{info}");
    let objects: Vec<String> = entries.iter().filter_map(|e| field(e, "object")).collect();
    assert!(
        objects.contains(&"sentinel|masters".to_string()),
        "{objects:?}"
    );
    assert_ok(&admin.cmd(&["ACL", "LOG", "RESET"]));
    assert_eq!(admin.cmd(&["ACL", "LOG"]), Frame::Array(vec![]));
}

#[test]
fn channel_permissions_on_subscribe_and_publish() {
    let s = Sentinel::start(
        "user ch on >p +ping +subscribe +psubscribe +publish resetchannels &__sentinel__:*\n",
        &[],
    );
    let mut c = s.client();
    assert_ok(&c.cmd(&["AUTH", "ch", "p"]));
    let denied =
        "NOPERM this user has no permissions to access one of the channels used as arguments";
    assert_err(&c.cmd(&["SUBSCRIBE", "foo"]), denied);
    assert_err(&c.cmd(&["SUBSCRIBE", "__sentinel__:hello", "foo"]), denied);
    assert_err(&c.cmd(&["PSUBSCRIBE", "*"]), denied);
    assert_err(&c.cmd(&["PUBLISH", "foo", "x"]), denied);
    assert_eq!(
        c.cmd(&["PUBLISH", "__sentinel__:hello", "x"]),
        Frame::Integer(1)
    );
    assert_eq!(
        c.cmd(&["SUBSCRIBE", "__sentinel__:hello"]),
        Frame::Array(vec![
            Frame::bulk_str("subscribe"),
            Frame::bulk_str("__sentinel__:hello"),
            Frame::Integer(1)
        ])
    );
    let mut admin = s.client();
    let log = admin.cmd(&["ACL", "LOG", "1"]);
    let entries = items(&log);
    assert_eq!(field(&entries[0], "reason").as_deref(), Some("channel"));
    assert_eq!(field(&entries[0], "object").as_deref(), Some("foo"));
}

#[test]
fn acl_changes_at_runtime_disconnect_affected_clients() {
    let s = Sentinel::start("", &[]);
    let mut admin = s.client();
    assert_ok(&admin.cmd(&["ACL", "SETUSER", "u1", "on", ">p1", "+@all", "~*", "&*"]));
    assert_ok(&admin.cmd(&[
        "ACL",
        "SETUSER",
        "u2",
        "on",
        ">p2",
        "+@all",
        "resetchannels",
        "&__sentinel__:*",
    ]));
    let mut c1 = s.client();
    assert_ok(&c1.cmd(&["AUTH", "u1", "p1"]));
    let mut sub2 = s.client();
    assert_ok(&sub2.cmd(&["AUTH", "u2", "p2"]));
    sub2.cmd(&["SUBSCRIBE", "__sentinel__:hello"]);
    let mut plain2 = s.client();
    assert_ok(&plain2.cmd(&["AUTH", "u2", "p2"]));

    // Deleting a user closes its connections.
    assert_eq!(admin.cmd(&["ACL", "DELUSER", "u1"]), Frame::Integer(1));
    assert!(c1.is_closed());
    assert_err(&s.client().cmd(&["AUTH", "u1", "p1"]), WRONGPASS);

    // Taking a channel away closes that user's subscribers only.
    assert_ok(&admin.cmd(&["ACL", "SETUSER", "u2", "resetchannels"]));
    assert!(sub2.is_closed());
    assert_eq!(plain2.cmd(&["PING"]), Frame::Simple("PONG".into()));

    // The admin itself is untouched.
    assert_eq!(admin.cmd(&["PING"]), Frame::Simple("PONG".into()));
    let users = strings(&admin.cmd(&["ACL", "USERS"]));
    assert_eq!(users, vec!["default", "u2"]);
    // CLIENT KILL USER reaches the remaining one.
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "USER", "u2"]),
        Frame::Integer(1)
    );
    assert!(plain2.is_closed());
}

#[test]
fn config_users_are_saved_on_rewrite() {
    let s = Sentinel::start(LIMITED, &[]);
    let mut admin = s.client();
    assert_ok(&admin.cmd(&["ACL", "SETUSER", "extra", "on", "nopass", "+ping"]));
    assert_ok(&admin.cmd(&["SENTINEL", "FLUSHCONFIG"]));
    let conf = s.config_text();
    let users = lines_starting(&conf, "user ");
    assert!(
        users.iter().any(|l| l.starts_with("user limited on #")),
        "{conf}"
    );
    assert!(
        users
            .iter()
            .any(|l| l == "user extra on nopass resetchannels -@all +ping"),
        "{conf}"
    );
    assert!(
        !conf.contains("lpass"),
        "passwords are saved hashed: {conf}"
    );
}

#[test]
fn acl_save_and_load_with_an_aclfile() {
    let dir = tempfile::tempdir().unwrap();
    let aclfile = dir.path().join("users.acl");
    std::fs::write(&aclfile, "user default on nopass ~* &* +@all\n").unwrap();
    let s = Sentinel::start(&format!("aclfile {}\n", aclfile.display()), &[]);
    let mut admin = s.client();
    assert_ok(&admin.cmd(&["ACL", "SETUSER", "newu", "on", ">pw", "+ping"]));
    assert_ok(&admin.cmd(&["ACL", "SAVE"]));
    let saved = std::fs::read_to_string(&aclfile).unwrap();
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(lines[0], "user default on nopass ~* &* +@all");
    // sha256("pw")
    assert_eq!(
        lines[1],
        "user newu on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 resetchannels -@all +ping"
    );
    // Atomic save: nothing else left in the directory.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["users.acl"]);

    // Edit by hand and load.
    std::fs::write(&aclfile, format!("{saved}user other on >op +@all ~* &*\n")).unwrap();
    assert_ok(&admin.cmd(&["ACL", "LOAD"]));
    assert_eq!(
        strings(&admin.cmd(&["ACL", "USERS"])),
        vec!["default", "newu", "other"]
    );
    assert_ok(&s.client().cmd(&["AUTH", "other", "op"]));

    // A broken file changes nothing.
    std::fs::write(&aclfile, format!("{saved}user bad on foo\n")).unwrap();
    let err = text(&admin.cmd(&["ACL", "LOAD"]));
    assert!(
        err.starts_with(&format!("ERR {}:3: ", aclfile.display())),
        "{err}"
    );
    assert!(
        err.ends_with("WARNING: ACL errors detected, no change to the previously active ACL rules was performed"),
        "{err}"
    );
    assert_eq!(
        strings(&admin.cmd(&["ACL", "USERS"])),
        vec!["default", "newu", "other"]
    );
}

#[test]
fn protected_mode_still_serves_loopback_without_password() {
    let s = Sentinel::start("protected-mode yes\n", &[]);
    assert_eq!(s.client().cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(s.cli(&["ping"]), "PONG\n");
    let info = text(&s.client().cmd(&["CLIENT", "INFO"]));
    assert!(info.contains(" user=default "), "{info}");
}

#[test]
fn acl_settings_from_the_config_are_applied() {
    let s = Sentinel::start(
        "acllog-max-len 2\nacl-pubsub-default resetchannels\nuser bob on nopass +ping +auth\n",
        &[],
    );
    let mut admin = s.client();
    let list = strings(&admin.cmd(&["ACL", "LIST"]));
    assert!(
        list.iter().any(
            |l| l == "user bob on nopass resetchannels -@all +auth +ping"
                || l == "user bob on nopass resetchannels -@all +ping +auth"
        ),
        "{list:?}"
    );
    let mut bob = s.client();
    assert_ok(&bob.cmd(&["AUTH", "bob", "any"]));
    for cmd in ["ROLE", "INFO", "COMMAND"] {
        let f = bob.cmd(&[cmd]);
        assert!(matches!(f, rsentinel_resp::Frame::Error(_)), "{f:?}");
    }
    // Three denials, but the log keeps at most acllog-max-len entries.
    assert_eq!(items(&admin.cmd(&["ACL", "LOG"])).len(), 2);
}
