//! Permission checks: commands, subcommands, categories, first args,
//! channels, selectors, and the texts of denials.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::{args, setuser};
use rsentinel_acl::{Acl, DenyReason};

fn spec(name: &str) -> &'static rsentinel_commands::CommandSpec {
    rsentinel_commands::lookup_full_name(name.as_bytes()).expect("command in table")
}

fn check(a: &Acl, user: &str, words: &[&str]) -> Result<(), (DenyReason, String, usize)> {
    let full = if words.len() > 1
        && rsentinel_commands::lookup(words[0].as_bytes())
            .is_some_and(|c| !c.subcommands.is_empty())
    {
        format!("{}|{}", words[0], words[1])
    } else {
        words[0].to_string()
    };
    a.check_command(user.as_bytes(), spec(&full), &args(words))
        .map_err(|d| {
            (
                d.reason,
                String::from_utf8_lossy(&d.object).into_owned(),
                d.arg_index,
            )
        })
}

#[test]
fn default_user_may_run_everything() {
    let a = Acl::new();
    assert!(check(&a, "default", &["ping"]).is_ok());
    assert!(check(&a, "default", &["sentinel", "masters"]).is_ok());
    assert!(check(&a, "default", &["publish", "any", "x"]).is_ok());
    assert!(check(&a, "default", &["psubscribe", "*"]).is_ok());
}

#[test]
fn commands_and_subcommands() {
    let mut a = Acl::new();
    setuser(
        &mut a,
        "u",
        &["on", "nopass", "+@all", "-sentinel|monitor", "-client"],
    );
    assert!(check(&a, "u", &["sentinel", "masters"]).is_ok());
    let denied = check(&a, "u", &["sentinel", "monitor", "m", "1.2.3.4", "1", "1"]).unwrap_err();
    assert_eq!(
        denied,
        (DenyReason::Command, "sentinel|monitor".to_string(), 0)
    );
    assert_eq!(
        check(&a, "u", &["client", "list"]).unwrap_err().1,
        "client|list"
    );
    // No-auth commands pass regardless of the bitmap.
    setuser(&mut a, "n", &["on", "-@all"]);
    assert!(check(&a, "n", &["auth", "x"]).is_ok());
    assert!(check(&a, "n", &["hello"]).is_ok());
    assert!(check(&a, "n", &["ping"]).is_err());
}

#[test]
fn denial_texts() {
    let mut a = Acl::new();
    setuser(&mut a, "u", &["on", "-@all", "+publish", "&news.*"]);
    let d = a
        .check_command(
            b"u",
            spec("sentinel|monitor"),
            &args(&["sentinel", "monitor"]),
        )
        .unwrap_err();
    assert_eq!(
        d.error_text(),
        "NOPERM this user has no permissions to run the 'sentinel|monitor' command"
    );
    assert_eq!(
        d.dryrun_text(),
        b"This user has no permissions to run the 'sentinel|monitor' command"
    );
    let d = a
        .check_command(b"u", spec("publish"), &args(&["publish", "sport", "x"]))
        .unwrap_err();
    assert_eq!(
        d.error_text(),
        "NOPERM this user has no permissions to access one of the channels used as arguments"
    );
    assert_eq!(
        d.dryrun_text(),
        b"This user has no permissions to access the 'sport' channel"
    );
    assert_eq!(
        (d.reason, d.object.as_ref(), d.arg_index),
        (DenyReason::Channel, &b"sport"[..], 1)
    );
}

#[test]
fn categories() {
    let mut a = Acl::new();
    setuser(&mut a, "f", &["on", "-@all", "+@fast"]);
    assert!(check(&a, "f", &["ping"]).is_ok());
    assert!(check(&a, "f", &["info"]).is_err());
    setuser(&mut a, "s", &["on", "+@all", "-@dangerous"]);
    assert!(check(&a, "s", &["info"]).is_err());
    assert!(check(&a, "s", &["ping"]).is_ok());
    // A container in a category carries all its subcommands along.
    setuser(&mut a, "c", &["on", "-@all", "+@slow"]);
    assert!(check(&a, "c", &["client", "id"]).is_ok());
}

#[test]
fn first_args() {
    let mut a = Acl::new();
    setuser(&mut a, "u", &["on", "-@all", "+ping|x", "+ping|Y"]);
    assert!(check(&a, "u", &["ping", "x"]).is_ok());
    assert!(check(&a, "u", &["ping", "y"]).is_ok());
    assert!(check(&a, "u", &["ping", "z"]).is_err());
    assert!(check(&a, "u", &["ping"]).is_err());
    assert_eq!(
        common::described(&a, "u"),
        "on resetchannels -@all +ping|x +ping|Y"
    );
}

#[test]
fn channels_and_patterns() {
    let mut a = Acl::new();
    setuser(&mut a, "u", &["on", "+@all", "&news.*", "&lit"]);
    assert!(check(&a, "u", &["publish", "news.1", "m"]).is_ok());
    assert!(check(&a, "u", &["subscribe", "news.a", "lit"]).is_ok());
    assert_eq!(
        check(&a, "u", &["subscribe", "news.a", "x", "y"]).unwrap_err(),
        (DenyReason::Channel, "x".to_string(), 2)
    );
    // PSUBSCRIBE patterns must equal a granted pattern literally.
    assert!(check(&a, "u", &["psubscribe", "news.*"]).is_ok());
    assert!(check(&a, "u", &["psubscribe", "news.1"]).is_err());
    assert!(check(&a, "u", &["psubscribe", "n*"]).is_err());
    // Unsubscribing is never checked.
    assert!(check(&a, "u", &["unsubscribe", "zzz"]).is_ok());
    assert!(a.channel_allowed(b"u", b"news.x", false));
    assert!(!a.channel_allowed(b"u", b"news.*x", true));
    assert!(!a.channel_allowed(b"nobody", b"news.x", false));
}

#[test]
fn selectors_pick_the_most_relevant_error() {
    let mut a = Acl::new();
    setuser(
        &mut a,
        "u",
        &["on", "-@all", "(&b +publish)", "(&c +publish -ping)"],
    );
    assert!(check(&a, "u", &["publish", "b", "x"]).is_ok());
    assert!(check(&a, "u", &["publish", "c", "x"]).is_ok());
    // Channel denials outrank command denials.
    assert_eq!(
        check(&a, "u", &["publish", "d", "x"]).unwrap_err().0,
        DenyReason::Channel
    );
    assert_eq!(
        check(&a, "u", &["ping"]).unwrap_err().0,
        DenyReason::Command
    );
}

#[test]
fn unknown_user_is_denied() {
    let a = Acl::new();
    assert!(check(&a, "ghost", &["ping"]).is_err());
}

#[test]
fn pubsub_default_allchannels() {
    let mut a = Acl::new();
    a.set_pubsub_default_allchannels(true);
    setuser(&mut a, "u", &["on", "+@all"]);
    assert!(check(&a, "u", &["publish", "any", "x"]).is_ok());
    assert_eq!(common::described(&a, "u"), "on &* +@all");
    setuser(&mut a, "u", &["reset"]);
    assert_eq!(common::described(&a, "u"), "off sanitize-payload &* -@all");
    setuser(&mut a, "s", &["(~a)"]);
    assert_eq!(common::described(&a, "s"), "off &* -@all (~a &* -@all)");
}
