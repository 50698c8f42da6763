//! Replays ACL SETUSER / GETUSER / LIST / DRYRUN sessions captured from the
//! real redis-sentinel 7.0.15 (fixtures/capture.py) and compares replies.
//!
//! Descriptions depend on the whole command table (the category fit is
//! computed over it), so those comparisons only run once the table holds
//! exactly the commands the real binary has; redis lists single-command rules
//! in hash order, so rules are compared as multisets plus a semantic re-parse.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use std::collections::BTreeSet;

use bytes::Bytes;
use rsentinel_acl::{Acl, AclContext, AclReply};
use rsentinel_resp::Frame;

const SETUSER: &str = include_str!("fixtures/setuser.txt");
/// 400 random rule sets (fixed seed) to cross-check the category fitting.
const RANDOM: &str = include_str!("fixtures/random.txt");
const CAT: &str = include_str!("fixtures/cat.txt");

fn ctx() -> AclContext<'static> {
    AclContext {
        username: b"default",
        now_ms: 0,
        client_info: "id=1",
        aclfile: None,
    }
}

fn run(acl: &mut Acl, args: &[&str]) -> Frame {
    let args: Vec<Bytes> = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    match acl.acl_command(&args, &ctx()) {
        AclReply::Frame(f) => f,
        other => panic!("unexpected {other:?}"),
    }
}

/// Renders a reply the way capture.py does.
fn fmt(f: &Frame) -> String {
    match f {
        Frame::Simple(s) => format!("+{s}"),
        Frame::Error(s) => format!("-{s}"),
        Frame::Bulk(b) => format!("${}", String::from_utf8_lossy(b)),
        Frame::Null => "nil".to_string(),
        Frame::Integer(n) => format!(":{n}"),
        other => format!("{other:?}"),
    }
}

fn bulk(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not a bulk: {other:?}"),
    }
}

/// The words of a description, sorted per selector (root, then each `(...)`).
fn tokens(s: &str) -> Vec<Vec<String>> {
    s.split(" (")
        .map(|part| {
            let part = part.strip_suffix(')').unwrap_or(part);
            let mut v: Vec<String> = part.split(' ').map(str::to_string).collect();
            v.sort();
            v
        })
        .collect()
}

/// Whether the table holds exactly the real sentinel's commands: every
/// command is @fast or @slow, so those two lists name them all.
fn table_complete() -> bool {
    let mut real = BTreeSet::new();
    for line in CAT.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let cat = parts.next().unwrap_or_default();
        if cat == "fast" || cat == "slow" {
            real.extend(
                parts
                    .next()
                    .unwrap_or_default()
                    .split(' ')
                    .map(str::to_string),
            );
        }
    }
    let ours: BTreeSet<String> = rsentinel_commands::all().map(|c| c.full_name()).collect();
    ours == real
}

struct Case {
    name: String,
    lines: Vec<(String, Vec<String>)>,
}

fn cases(text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    let mut cur: Option<Case> = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let key = parts.next().unwrap_or_default().to_string();
        let rest: Vec<String> = parts.map(str::to_string).collect();
        match key.as_str() {
            "case" => {
                cur = Some(Case {
                    name: rest[0].clone(),
                    lines: Vec::new(),
                })
            }
            "end" => out.extend(cur.take()),
            _ => cur
                .as_mut()
                .expect("line outside a case")
                .lines
                .push((key, rest)),
        }
    }
    out
}

#[test]
fn setuser_replies_match_real_sentinel() {
    let cases = cases(SETUSER);
    assert!(cases.len() > 80);
    replay(cases);
}

#[test]
fn random_rule_sets_match_real_sentinel() {
    let cases = cases(RANDOM);
    assert_eq!(cases.len(), 400);
    replay(cases);
}

fn replay(cases: Vec<Case>) {
    let complete = table_complete();
    if !complete {
        eprintln!("command table incomplete: only error replies are compared");
    }
    for case in cases {
        let mut acl = Acl::new();
        let mut pending: Option<Frame> = None;
        let mut getuser: Option<Vec<(Frame, Frame)>> = None;
        let mut selectors_seen = 0;
        for (key, rest) in &case.lines {
            let what = format!("case {} {key} {rest:?}", case.name);
            match key.as_str() {
                "setuser" => {
                    let mut args = vec!["ACL", "SETUSER", case.name.as_str()];
                    args.extend(rest.iter().map(String::as_str));
                    pending = Some(run(&mut acl, &args));
                }
                "dryrun" => {
                    let mut args = vec!["ACL", "DRYRUN", case.name.as_str()];
                    args.extend(rest.iter().map(String::as_str));
                    pending = Some(run(&mut acl, &args));
                }
                "reply" => {
                    let got = pending.take().expect("reply without request");
                    let want = &rest[0];
                    let table_free = want.starts_with("-ERR Error in ACL SETUSER")
                        || want.starts_with("-ERR Unmatched")
                        || want.starts_with("-ERR Usernames");
                    if complete || table_free {
                        assert_eq!(&fmt(&got), want, "{what}");
                    }
                }
                "list" if complete => {
                    let line = acl
                        .list()
                        .into_iter()
                        .find(|l| l.starts_with(format!("user {} ", case.name).as_bytes()));
                    let mine = String::from_utf8(line.expect("user listed")).expect("utf8");
                    assert_eq!(tokens(&mine), tokens(&rest[0]), "{what}");
                    // The real line, loaded back, must describe the same user.
                    // (Redis prints `%RW~*` as `~*`, which cannot be followed by
                    // more patterns when read back: the same quirk must show.)
                    let mut other = Acl::new();
                    match other.load_aclfile("f", &rest[0]) {
                        Ok(()) => {
                            let back = other
                                .list()
                                .into_iter()
                                .find(|l| l.starts_with(format!("user {} ", case.name).as_bytes()));
                            assert_eq!(back.map(String::from_utf8), Some(Ok(mine)), "{what}");
                        }
                        Err(e) => assert!(
                            e.contains("'allkeys'") && rest[0].contains(" ~* ~"),
                            "{what}: {e}"
                        ),
                    }
                    match run(&mut acl, &["ACL", "GETUSER", &case.name]) {
                        Frame::Map(m) => getuser = Some(m),
                        other => panic!("{what}: {other:?}"),
                    }
                }
                k if k.starts_with("get.") && complete => {
                    let map = getuser.as_ref().expect("getuser");
                    let field = |name: &str| {
                        map.iter()
                            .find(|(k, _)| *k == Frame::bulk_str(name))
                            .map(|(_, v)| v.clone())
                            .expect("field")
                    };
                    match k {
                        "get.flags" => {
                            let want: Vec<Frame> =
                                rest.iter().map(|s| Frame::bulk_str(s)).collect();
                            assert_eq!(field("flags"), Frame::Set(want), "{what}");
                        }
                        "get.passwords" => {
                            let want: Vec<Frame> =
                                rest.iter().map(|s| Frame::bulk_str(s)).collect();
                            assert_eq!(field("passwords"), Frame::Array(want), "{what}");
                        }
                        "get.commands" => assert_eq!(
                            tokens(&bulk(&field("commands"))),
                            tokens(&rest[0]),
                            "{what}"
                        ),
                        "get.keys" => assert_eq!(bulk(&field("keys")), rest[0], "{what}"),
                        "get.channels" => assert_eq!(bulk(&field("channels")), rest[0], "{what}"),
                        "get.selector" => {
                            let Frame::Array(sels) = field("selectors") else {
                                panic!("{what}")
                            };
                            let Frame::Map(sel) = &sels[selectors_seen] else {
                                panic!("{what}")
                            };
                            selectors_seen += 1;
                            let f = |n: &str| {
                                bulk(
                                    &sel.iter()
                                        .find(|(k, _)| *k == Frame::bulk_str(n))
                                        .expect("field")
                                        .1,
                                )
                            };
                            assert_eq!(tokens(&f("commands")), tokens(&rest[0]), "{what}");
                            assert_eq!(f("keys"), rest[1], "{what}");
                            assert_eq!(f("channels"), rest[2], "{what}");
                        }
                        _ => panic!("unknown fixture key {k}"),
                    }
                }
                _ => {}
            }
        }
        if complete {
            if let Some(map) = &getuser {
                let sels = map
                    .iter()
                    .find(|(k, _)| *k == Frame::bulk_str("selectors"))
                    .map(|(_, v)| v.clone());
                let n = match sels {
                    Some(Frame::Array(v)) => v.len(),
                    _ => 0,
                };
                assert_eq!(n, selectors_seen, "case {} selector count", case.name);
            }
        }
    }
}

#[test]
fn acl_cat_matches_real_sentinel() {
    let mut acl = Acl::new();
    let cats: Vec<&str> = CAT
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap_or_default())
        .collect();
    let Frame::Array(all) = run(&mut acl, &["ACL", "CAT"]) else {
        panic!()
    };
    let all: Vec<String> = all.iter().map(bulk).collect();
    assert_eq!(all, cats);
    if !table_complete() {
        return;
    }
    for line in CAT.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let cat = parts.next().unwrap_or_default();
        let want: Vec<String> = parts
            .next()
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let Frame::Array(got) = run(&mut acl, &["ACL", "CAT", cat]) else {
            panic!()
        };
        let mut got: Vec<String> = got.iter().map(bulk).collect();
        got.sort();
        assert_eq!(got, want, "category {cat}");
    }
}
