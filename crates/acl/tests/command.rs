//! The ACL command's replies (texts captured from redis-sentinel 7.0.15) and
//! the ACL LOG behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use bytes::Bytes;
use common::{acl, args, ctx_at, setuser};
use rsentinel_acl::{Acl, AclContext, AclReply};
use rsentinel_resp::Frame;

fn err(s: &str) -> Frame {
    Frame::Error(s.to_string())
}

#[test]
fn errors_and_simple_replies() {
    let mut a = Acl::new();
    assert_eq!(
        acl(&mut a, &["ACL", "CAT", "a", "b"]),
        err("ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")
    );
    assert_eq!(
        acl(&mut a, &["acl", "genpass", "1", "2"]),
        err("ERR unknown subcommand or wrong number of arguments for 'genpass'. Try ACL HELP.")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "SETUSER", "a b"]),
        err("ERR Usernames can't contain spaces or null characters")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DELUSER", "x", "default"]),
        err("ERR The 'default' user cannot be removed")
    );
    assert_eq!(acl(&mut a, &["ACL", "GENPASS", "0"]), err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"));
    assert_eq!(acl(&mut a, &["ACL", "GENPASS", "4097"]), err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"));
    assert_eq!(
        acl(&mut a, &["ACL", "GENPASS", "abc"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "LOG", "abc"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(acl(&mut a, &["ACL", "LOG", "-5"]), Frame::Array(vec![]));
    assert_eq!(
        acl(&mut a, &["ACL", "CAT", "nosuch"]),
        err("ERR Unknown category 'nosuch'")
    );
    assert_eq!(acl(&mut a, &["ACL", "GETUSER", "nosuch"]), Frame::Null);
    assert_eq!(acl(&mut a, &["ACL", "WHOAMI"]), Frame::bulk_str("default"));
    assert_eq!(
        acl(&mut a, &["ACL", "USERS"]),
        Frame::bulk_array(["default"])
    );
    assert_eq!(
        acl(&mut a, &["ACL", "LIST"]),
        Frame::bulk_array(["user default on nopass ~* &* +@all"])
    );
    let no_file = err("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.");
    assert_eq!(acl(&mut a, &["ACL", "LOAD"]), no_file);
    assert_eq!(acl(&mut a, &["ACL", "save"]), no_file);
    assert_eq!(
        acl(&mut a, &["ACL", "SETUSER", "t", "(+ping"]),
        err("ERR Unmatched parenthesis in acl selector starting at '(+ping'.")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "SETUSER", "t", "on", "xyz"]),
        err("ERR Error in ACL SETUSER modifier 'xyz': Syntax error")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "GETUSER", "t"]),
        Frame::Null,
        "failed SETUSER creates nothing"
    );
}

#[test]
fn genpass_lengths() {
    let mut a = Acl::new();
    for (bits, len) in [
        (None, 64),
        (Some("5"), 2),
        (Some("1"), 1),
        (Some("4096"), 1024),
    ] {
        let mut w = vec!["ACL", "GENPASS"];
        w.extend(bits);
        let Frame::Bulk(b) = acl(&mut a, &w) else {
            panic!()
        };
        assert_eq!(b.len(), len);
        assert!(b
            .iter()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

#[test]
fn help_lines() {
    let mut a = Acl::new();
    let Frame::Array(lines) = acl(&mut a, &["acl", "help"]) else {
        panic!()
    };
    assert_eq!(lines.len(), 29);
    assert_eq!(
        lines[0],
        Frame::Simple("ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into())
    );
    assert_eq!(lines[28], Frame::Simple("    Prints this help.".into()));
}

#[test]
fn deluser_reports_disconnects() {
    let mut a = Acl::new();
    setuser(&mut a, "x", &["on"]);
    setuser(&mut a, "y", &["on"]);
    assert_eq!(
        acl(&mut a, &["ACL", "DELUSER", "x", "nosuch", "y"]),
        Frame::Integer(2)
    );
    assert_eq!(
        a.take_changes().disconnect_users,
        vec![b"x".to_vec(), b"y".to_vec()]
    );
    assert!(a.take_changes().disconnect_users.is_empty());
}

#[test]
fn setuser_channel_shrink_reports_pubsub_recheck() {
    let mut a = Acl::new();
    setuser(&mut a, "u", &["on", "&a", "&b"]);
    assert!(
        a.take_changes().recheck_pubsub_users.is_empty(),
        "new users have no clients"
    );
    setuser(&mut a, "u", &["&c"]);
    assert!(
        a.take_changes().recheck_pubsub_users.is_empty(),
        "a superset keeps everyone"
    );
    setuser(&mut a, "u", &["resetchannels", "&a"]);
    assert_eq!(a.take_changes().recheck_pubsub_users, vec![b"u".to_vec()]);
    setuser(&mut a, "u", &["allchannels"]);
    setuser(&mut a, "u", &["(&z)"]);
    assert!(
        a.take_changes().recheck_pubsub_users.is_empty(),
        "still allchannels"
    );
    setuser(&mut a, "u", &["resetchannels"]);
    assert_eq!(a.take_changes().recheck_pubsub_users, vec![b"u".to_vec()]);
}

#[test]
fn load_and_save_are_handed_to_the_daemon() {
    let mut a = Acl::new();
    let ctx = AclContext {
        aclfile: Some("/etc/users.acl"),
        ..ctx_at(0)
    };
    assert_eq!(
        a.acl_command(&args(&["ACL", "LOAD"]), &ctx),
        AclReply::Load {
            path: "/etc/users.acl".into()
        }
    );
    let AclReply::Save { path, text } = a.acl_command(&args(&["ACL", "SAVE"]), &ctx) else {
        panic!()
    };
    assert_eq!(
        (path.as_str(), text.as_slice()),
        (
            "/etc/users.acl",
            &b"user default on nopass ~* &* +@all\n"[..]
        )
    );
    assert_eq!(
        a.finish_load("/etc/users.acl", Ok(b"user bob on\n")),
        Frame::ok()
    );
    assert!(a.user_exists(b"bob"));
    assert_eq!(
        a.finish_load("/etc/users.acl", Err("No such file or directory")),
        err("ERR Error loading ACLs, opening file '/etc/users.acl': No such file or directory")
    );
    assert_eq!(
        a.finish_load("/f", Ok(b"foo\n")),
        err("ERR /f:1 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
    );
}

#[test]
fn dryrun() {
    let mut a = Acl::new();
    setuser(&mut a, "u", &["on", "-@all", "+publish", "&n*"]);
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "publish", "n1", "x"]),
        Frame::ok()
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "publish", "x", "y"]),
        Frame::bulk_str("This user has no permissions to access the 'x' channel")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "ping"]),
        Frame::bulk_str("This user has no permissions to run the 'ping' command")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "nouser", "ping"]),
        err("ERR User 'nouser' not found")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "nocmd"]),
        err("ERR Command 'nocmd' not found")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "sentinel", "nosub"]),
        err("ERR Command 'sentinel' not found")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "publish", "x"]),
        err("ERR wrong number of arguments for 'publish' command")
    );
    assert_eq!(
        acl(&mut a, &["ACL", "DRYRUN", "u", "client"]),
        err("ERR wrong number of arguments for 'client' command")
    );
}

fn log_entries(a: &mut Acl, now: i64, count: Option<&str>) -> Vec<Vec<(String, Frame)>> {
    let mut w = vec!["ACL", "LOG"];
    w.extend(count);
    let AclReply::Frame(Frame::Array(entries)) = a.acl_command(&args(&w), &ctx_at(now)) else {
        panic!()
    };
    entries
        .into_iter()
        .map(|e| {
            let Frame::Map(m) = e else { panic!() };
            m.into_iter()
                .map(|(k, v)| match k {
                    Frame::Bulk(k) => (String::from_utf8(k.to_vec()).unwrap(), v),
                    _ => panic!(),
                })
                .collect()
        })
        .collect()
}

fn denied(a: &Acl, user: &str, words: &[&str]) -> rsentinel_acl::Denied {
    let spec = rsentinel_commands::lookup(words[0].as_bytes()).unwrap();
    a.check_command(user.as_bytes(), spec, &args(words))
        .unwrap_err()
}

#[test]
fn log_fields_grouping_and_limits() {
    let mut a = Acl::new();
    setuser(
        &mut a,
        "u",
        &["on", "nopass", "-@all", "+publish", "+subscribe"],
    );
    let ctx = |now| AclContext {
        username: b"u",
        client_info: "id=9 cmd=publish user=u",
        ..ctx_at(now)
    };
    let d = denied(&a, "u", &["publish", "other", "m"]);
    a.log_denied(&d, &ctx(1_000));
    let d2 = denied(&a, "u", &["subscribe", "other"]);
    a.log_denied(&d2, &ctx(2_000));
    a.log_auth_failure(b"ghost", b"AUTH", &ctx(3_000));
    let e = log_entries(&mut a, 4_500, None);
    assert_eq!(e.len(), 2);
    let names: Vec<&str> = e[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "count",
            "reason",
            "context",
            "object",
            "username",
            "age-seconds",
            "client-info"
        ]
    );
    assert_eq!(e[0][1].1, Frame::bulk_str("auth"));
    assert_eq!(e[0][3].1, Frame::bulk_str("AUTH"));
    assert_eq!(e[0][4].1, Frame::bulk_str("ghost"));
    assert_eq!(e[0][5].1, Frame::Double(1.5));
    // Same reason/object/user within a minute: one entry, counted twice.
    assert_eq!(e[1][0].1, Frame::Integer(2));
    assert_eq!(e[1][1].1, Frame::bulk_str("channel"));
    assert_eq!(e[1][2].1, Frame::bulk_str("toplevel"));
    assert_eq!(e[1][3].1, Frame::bulk_str("other"));
    assert_eq!(e[1][6].1, Frame::bulk_str("id=9 cmd=publish user=u"));
    // More than a minute later: a new entry.
    a.log_denied(&d, &ctx(70_000));
    assert_eq!(log_entries(&mut a, 70_000, None).len(), 3);
    assert_eq!(log_entries(&mut a, 70_000, Some("1")).len(), 1);
    assert_eq!(log_entries(&mut a, 70_000, Some("0")).len(), 0);
    // The log is bounded by acllog-max-len.
    a.set_log_max_len(4);
    for i in 0..10 {
        a.log_auth_failure(format!("user{i}").as_bytes(), b"AUTH", &ctx(80_000));
    }
    assert_eq!(a.log().len(), 4);
    assert_eq!(log_entries(&mut a, 80_000, Some("100")).len(), 4);
    assert_eq!(acl(&mut a, &["ACL", "LOG", "RESET"]), Frame::ok());
    assert!(a.log().is_empty());
}

#[test]
fn getuser_shape() {
    let mut a = Acl::new();
    setuser(
        &mut a,
        "s1",
        &["on", ">x", "(~a &b +ping)", "(%R~x +@fast)"],
    );
    let want = Frame::Map(vec![
        (
            Frame::bulk_str("flags"),
            Frame::Set(vec![Frame::bulk_str("on")]),
        ),
        (
            Frame::bulk_str("passwords"),
            Frame::Array(vec![Frame::bulk_str(
                "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
            )]),
        ),
        (Frame::bulk_str("commands"), Frame::bulk_str("-@all")),
        (Frame::bulk_str("keys"), Frame::bulk(Bytes::new())),
        (Frame::bulk_str("channels"), Frame::bulk(Bytes::new())),
        (
            Frame::bulk_str("selectors"),
            Frame::Array(vec![
                Frame::Map(vec![
                    (Frame::bulk_str("commands"), Frame::bulk_str("-@all +ping")),
                    (Frame::bulk_str("keys"), Frame::bulk_str("~a")),
                    (Frame::bulk_str("channels"), Frame::bulk_str("&b")),
                ]),
                Frame::Map(vec![
                    (Frame::bulk_str("commands"), Frame::bulk_str("-@all +@fast")),
                    (Frame::bulk_str("keys"), Frame::bulk_str("%R~x")),
                    (Frame::bulk_str("channels"), Frame::bulk(Bytes::new())),
                ]),
            ]),
        ),
    ]);
    assert_eq!(acl(&mut a, &["ACL", "GETUSER", "s1"]), want);
}
