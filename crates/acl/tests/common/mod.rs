//! Helpers shared by the integration tests (included with `mod common`).

#![allow(dead_code)]

use bytes::Bytes;
use rsentinel_acl::{Acl, AclContext, AclReply};
use rsentinel_resp::Frame;

pub fn ctx_at(now_ms: i64) -> AclContext<'static> {
    AclContext {
        username: b"default",
        now_ms,
        client_info: "id=7 addr=127.0.0.1:5000 user=default",
        aclfile: None,
    }
}

pub fn args(words: &[&str]) -> Vec<Bytes> {
    words
        .iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

/// Runs an ACL command that must produce a plain reply.
pub fn acl(a: &mut Acl, words: &[&str]) -> Frame {
    match a.acl_command(&args(words), &ctx_at(0)) {
        AclReply::Frame(f) => f,
        other => panic!("unexpected {other:?}"),
    }
}

pub fn setuser(a: &mut Acl, name: &str, rules: &[&str]) {
    let mut w = vec!["ACL", "SETUSER", name];
    w.extend_from_slice(rules);
    assert_eq!(acl(a, &w), Frame::ok(), "SETUSER {name} {rules:?}");
}

pub fn described(a: &Acl, name: &str) -> String {
    String::from_utf8(a.describe_user(name.as_bytes()).expect("user exists")).expect("utf8")
}
