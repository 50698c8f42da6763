//! Invariants of the command table that the dispatcher, COMMAND and the ACL code rely on.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use std::collections::HashSet;

use rsentinel_commands::{all, lookup, lookup_full_name, Arg, ACL_CATEGORIES, TABLE};

const FLAGS: &[&str] = &[
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "no_mandatory_keys",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
];

#[test]
fn top_level_commands_are_the_sentinel_ones() {
    let mut names: Vec<&str> = TABLE.iter().map(|c| c.name).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "acl",
            "auth",
            "client",
            "command",
            // rsentinel's extension
            "failover",
            "hello",
            "info",
            "ping",
            "psubscribe",
            "publish",
            "punsubscribe",
            "role",
            "sentinel",
            "shutdown",
            "subscribe",
            "unsubscribe",
        ]
    );
    // 7.0.15's 72, CLIENT SETINFO (7.2) and the extension.
    assert_eq!(all().count(), 74);
}

#[test]
fn names_and_parents() {
    let mut seen = HashSet::new();
    for cmd in TABLE {
        assert!(cmd.parent.is_none(), "{}", cmd.name);
        for sub in cmd.subcommands {
            assert_eq!(sub.parent, Some(cmd.name), "{}", sub.name);
            assert!(sub.subcommands.is_empty(), "one level of subcommands only");
        }
        if !cmd.subcommands.is_empty() {
            assert!(cmd.subcommand(b"HELP").is_some(), "{} has HELP", cmd.name);
        }
    }
    for spec in all() {
        let full = spec.full_name();
        assert!(seen.insert(full.clone()), "duplicate {full}");
        assert!(
            spec.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'),
            "name {}",
            spec.name
        );
        assert!(std::ptr::eq(
            lookup_full_name(full.to_uppercase().as_bytes()).unwrap(),
            spec
        ));
    }
    assert!(lookup(b"PiNg").is_some());
    assert!(lookup(b"config").is_none());
    assert!(lookup_full_name(b"ping|x").is_none());
    assert!(lookup_full_name(b"client|").is_none());
    assert!(lookup_full_name(b"client|kill|x").is_none());
    assert!(lookup_full_name(b"").is_none());
}

#[test]
fn arity_is_sane() {
    for spec in all() {
        assert_ne!(spec.arity, 0, "{}", spec.full_name());
        let min = if spec.parent.is_some() { 2 } else { 1 };
        assert!(spec.arity.abs() >= min, "{}", spec.full_name());
        if !spec.subcommands.is_empty() {
            // COMMAND alone is valid; other containers need a subcommand.
            let expected = if spec.name == "command" { -1 } else { -2 };
            assert_eq!(spec.arity, expected, "{}", spec.name);
        }
    }
    let kill = lookup_full_name(b"client|kill").unwrap();
    assert_eq!(kill.arity, -3);
    assert!(!kill.arity_ok(2) && kill.arity_ok(3) && kill.arity_ok(9));
}

#[test]
fn flags_and_categories_are_known() {
    for spec in all() {
        let name = spec.full_name();
        for cat in spec.acl_categories {
            assert!(ACL_CATEGORIES.contains(cat), "{name}: @{cat}");
            assert!(spec.in_category(&cat.to_uppercase()));
        }
        // COMMAND INFO prints categories in ACL CAT order and flags in redis' flag order.
        let pos = |c: &&str| ACL_CATEGORIES.iter().position(|k| k == c);
        assert!(
            spec.acl_categories
                .windows(2)
                .all(|w| pos(&w[0]) < pos(&w[1])),
            "{name}"
        );
        let fpos = |f: &&str| FLAGS.iter().position(|k| k == f);
        assert!(spec.flags.iter().all(|f| FLAGS.contains(f)), "{name}");
        assert!(
            spec.flags.windows(2).all(|w| fpos(&w[0]) < fpos(&w[1])),
            "{name}"
        );
        assert!(!spec.acl_categories.is_empty(), "{name}");
    }
}

/// COMMAND GETKEYS relies on this: sentinel mode has no command with key arguments.
#[test]
fn no_command_has_keys() {
    for spec in all() {
        assert_eq!(
            (spec.first_key, spec.last_key, spec.key_step),
            (0, 0, 0),
            "{}",
            spec.name
        );
        assert!(!spec.flags.contains(&"movablekeys"));
    }
}

fn check_args(owner: &str, args: &[Arg]) {
    for arg in args {
        let nested = matches!(arg.kind, "oneof" | "block");
        assert!(
            [
                "string",
                "integer",
                "double",
                "key",
                "pattern",
                "unix-time",
                "pure-token",
                "oneof",
                "block"
            ]
            .contains(&arg.kind),
            "{owner}: {}",
            arg.kind
        );
        assert_eq!(nested, !arg.arguments.is_empty(), "{owner}: {}", arg.name);
        assert!(arg
            .flags
            .iter()
            .all(|f| ["optional", "multiple", "multiple_token"].contains(f)));
        check_args(owner, arg.arguments);
    }
}

#[test]
fn docs_are_well_formed() {
    for spec in all() {
        let name = spec.full_name();
        assert!(
            !spec.docs.group.is_empty() && !spec.docs.since.is_empty(),
            "{name}"
        );
        assert!(!spec.docs.summary.is_empty(), "{name}");
        assert_eq!(
            spec.docs.deprecated_since.is_some(),
            spec.docs.doc_flags.contains(&"deprecated")
        );
        check_args(&name, spec.docs.arguments);
    }
}
