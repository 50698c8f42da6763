//! ACL file loading/saving and config `user` directives; expected texts were
//! captured from redis-sentinel 7.0.15 (ACL LOAD replies, startup errors).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::{described, setuser};
use rsentinel_acl::{Acl, UserDirectives};

const P: &str = "/tmp/acl-x/users.acl";

#[test]
fn load_errors_are_collected_per_line() {
    let mut a = Acl::new();
    let text = "user alice on\n\n   \nfoo bar\nuser\nuser a\\tb on\nuser alice off\n\
                user bob +nosuch -nosuch2 xyz %X~a\nuser carol (~a\n";
    let err = a.load_aclfile(P, text).unwrap_err();
    assert_eq!(
        err,
        "/tmp/acl-x/users.acl:4 should start with user keyword followed by the username. \
         /tmp/acl-x/users.acl:5 should start with user keyword followed by the username. \
         WARNING: Duplicate user 'alice' found on line 7. \
         /tmp/acl-x/users.acl:8: Error in applying operation '+nosuch': Unknown command or category name in ACL. \
         /tmp/acl-x/users.acl:8: Error in applying operation '-nosuch2': Unknown command or category name in ACL. \
         /tmp/acl-x/users.acl:8: Syntax error. \
         /tmp/acl-x/users.acl:9: Unmatched parenthesis in selector definition.\
         WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
    );
    // Nothing changed.
    assert_eq!(a.usernames(), vec![b"default".to_vec()]);
    assert!(a.take_changes().disconnect_users.is_empty());
}

#[test]
fn more_load_errors() {
    let mut a = Acl::new();
    let cases = [
        ("User bob on\n", "/tmp/acl-x/users.acl:1 should start with user keyword followed by the username. "),
        ("user x on #abc\n", "/tmp/acl-x/users.acl:1: The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters. "),
        ("user x on xyz abc ~*\n", "/tmp/acl-x/users.acl:1: Syntax error. "),
        ("user x on +@all -x|y\n", "/tmp/acl-x/users.acl:1: Error in applying operation '-x|y': Unknown command or category name in ACL. "),
        ("user a b c\n", "/tmp/acl-x/users.acl:1: Syntax error. "),
        // Redis 7.0.15 crashes on this one; we report it instead.
        ("user x on ~a (~b\n", "/tmp/acl-x/users.acl:1: Unmatched parenthesis in selector definition."),
    ];
    for (text, want) in cases {
        let err = a.load_aclfile(P, text).unwrap_err();
        assert_eq!(
            err,
            format!("{want}WARNING: ACL errors detected, no change to the previously active ACL rules was performed"),
            "{text:?}"
        );
    }
}

#[test]
fn load_replaces_users_and_reports_disconnects() {
    let mut a = Acl::new();
    setuser(&mut a, "old", &["on", ">x"]);
    a.take_changes();
    a.load_aclfile(P, "user bob on   ~a\r\nuser carol  on\n")
        .unwrap();
    let names: Vec<String> = a
        .usernames()
        .into_iter()
        .map(|n| String::from_utf8(n).unwrap())
        .collect();
    assert_eq!(names, ["bob", "carol", "default"]);
    assert_eq!(described(&a, "bob"), "on ~a resetchannels -@all");
    assert_eq!(described(&a, "carol"), "on resetchannels -@all");
    // A file without `default` gets a fresh one.
    assert_eq!(described(&a, "default"), "on nopass ~* &* +@all");
    assert_eq!(a.take_changes().disconnect_users, vec![b"old".to_vec()]);
    a.load_aclfile(P, "user default off\n").unwrap();
    assert!(a.default_requires_auth());
    assert_eq!(
        a.take_changes().disconnect_users,
        vec![b"bob".to_vec(), b"carol".to_vec()]
    );
}

#[test]
fn save_text_round_trips() {
    let mut a = Acl::new();
    setuser(&mut a, "x", &["on", ">p1", ">p2", "(~a +ping)", "(&c)"]);
    setuser(&mut a, "u2", &["on", "nopass", "(&x)"]);
    setuser(
        &mut a,
        "z",
        &[
            "+@all",
            "-sentinel",
            "+sentinel|masters",
            "%R~k",
            "&n*",
            "skip-sanitize-payload",
        ],
    );
    let bytes = a.aclfile_text();
    let text = String::from_utf8(bytes.clone()).expect("plain names");
    assert_eq!(
        text.lines().take(3).collect::<Vec<_>>(),
        [
            "user default on nopass ~* &* +@all",
            "user u2 on nopass resetchannels -@all (resetchannels &x -@all)",
            "user x on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a \
             #3946ca64ff78d93ca61090a437cbb6b3d2ca0d488f5f9ccf3059608368b27693 resetchannels -@all \
             (~a resetchannels -@all +ping) (resetchannels &c -@all)",
        ]
    );
    assert!(text.ends_with('\n'));
    let mut b = Acl::new();
    b.load_aclfile(P, &text).unwrap();
    assert_eq!(b.aclfile_text(), bytes);
    assert_eq!(a.config_user_lines(), text.lines().collect::<Vec<_>>());
    assert!(b.authenticate(b"x", b"p2"));
}

#[test]
fn user_directive_errors() {
    let mut d = UserDirectives::new();
    let err = |d: &mut UserDirectives, a: &[&str]| d.add(a).unwrap_err();
    assert_eq!(
        err(&mut d, &["bob", "on", "xyz"]),
        "Error in user declaration 'bob': Syntax error"
    );
    assert_eq!(
        err(&mut d, &["bob", "on", ">a", "~x", "xyz"]),
        "Error in user declaration '>a': Syntax error"
    );
    assert_eq!(
        err(&mut d, &["bob", "on", "(~a"]),
        "Error in user declaration 'bob': Unknown command or category name in ACL"
    );
    d.add(&["bob", "on"]).unwrap();
    assert_eq!(
        err(&mut d, &["bob", "off"]),
        "Error in user declaration 'bob': Duplicate user found. A user can only be defined once in config files"
    );
    assert!(!d.is_empty());
}

#[test]
fn user_directives_load_after_requirepass() {
    let mut a = Acl::new();
    let mut d = UserDirectives::new();
    d.add(&["default", "on", "nopass", "~*", "&*", "+@all"])
        .unwrap();
    d.add(&["bob"]).unwrap();
    a.set_requirepass(Some(b"secret"));
    let notices = a.load_user_directives(&d).unwrap();
    assert_eq!(
        notices,
        ["The user 'bob' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error."]
    );
    // `default` was reset before its rules: requirepass is gone, sanitize-payload appears.
    assert_eq!(
        described(&a, "default"),
        "on nopass sanitize-payload ~* &* +@all"
    );

    let mut d = UserDirectives::new();
    d.add(&["bob", "on", "+nosuch"]).unwrap();
    let err = Acl::new().load_user_directives(&d).unwrap_err();
    assert_eq!(
        err,
        [
            "Error loading ACL rule '+nosuch' for the user named 'bob': Unknown command or category name in ACL",
            "Critical error while loading ACLs. Exiting."
        ]
    );
}

#[test]
fn requirepass_and_auth() {
    let mut a = Acl::new();
    assert!(!a.default_requires_auth());
    assert!(a.default_is_nopass());
    assert!(a.authenticate(b"default", b"anything"));
    a.set_requirepass(Some(b"pw"));
    assert!(a.default_requires_auth());
    assert!(!a.default_is_nopass());
    assert!(a.authenticate(b"default", b"pw"));
    assert!(!a.authenticate(b"default", b"nope"));
    assert_eq!(
        described(&a, "default"),
        "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* &* +@all"
    );
    a.set_requirepass(None);
    assert!(!a.default_requires_auth());
    setuser(&mut a, "u", &[">pw"]);
    assert!(!a.authenticate(b"u", b"pw"), "disabled users cannot log in");
    setuser(&mut a, "u", &["on"]);
    assert!(a.authenticate(b"u", b"pw"));
    assert!(!a.authenticate(b"ghost", b"pw"));
    setuser(&mut a, "default", &["off"]);
    assert!(a.default_requires_auth());
}

#[test]
fn names_that_are_not_utf8_survive_save_and_load() {
    let mut a = Acl::new();
    a.load_aclfile(P, b"user u\xff on >p1 ~k\xfe* +@all\n")
        .unwrap();
    assert!(a.authenticate(b"u\xff", b"p1"));
    let saved = a.aclfile_text();
    assert!(saved.windows(7).any(|w| w == b"user u\xff"));
    let mut b = Acl::new();
    b.load_aclfile(P, &saved).unwrap();
    assert_eq!(b.aclfile_text(), saved);
    assert!(b.authenticate(b"u\xff", b"p1"));
}
