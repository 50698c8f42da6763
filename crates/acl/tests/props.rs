//! Property tests: arbitrary rules never panic, and a user's description
//! read back (as an ACL file line) describes and behaves the same.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use bytes::Bytes;
use proptest::prelude::*;
use rsentinel_acl::Acl;

fn command_names() -> Vec<String> {
    rsentinel_commands::all().map(|c| c.full_name()).collect()
}

/// One plausible rule, drawn from every rule family.
fn rule() -> impl Strategy<Value = String> {
    let names = command_names();
    let cmd = proptest::sample::select(names);
    let cat = proptest::sample::select(
        rsentinel_commands::ACL_CATEGORIES
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    );
    let pat = "[a-c*?]{0,3}";
    let leaf = prop_oneof![
        proptest::sample::select(vec![
            "on",
            "off",
            "nopass",
            "resetpass",
            "reset",
            "allkeys",
            "resetkeys",
            "allchannels",
            "resetchannels",
            "allcommands",
            "nocommands",
            "+@all",
            "-@all",
            "clearselectors",
            "sanitize-payload",
            "skip-sanitize-payload",
            "<p1",
            "~*",
            "&*",
        ])
        .prop_map(str::to_string),
        "[a-c]{0,2}".prop_map(|p| format!(">{p}")),
        cmd.clone().prop_map(|c| format!("+{c}")),
        cmd.prop_map(|c| format!("-{c}")),
        cat.clone().prop_map(|c| format!("+@{c}")),
        cat.prop_map(|c| format!("-@{c}")),
        "[a-c0-9]{1,3}".prop_map(|a| format!("+ping|{a}")),
        pat.prop_map(|p| format!("~{p}")),
        (proptest::sample::select(vec!["R", "W", "RW", "wr"]), pat)
            .prop_map(|(f, p)| format!("%{f}~{p}")),
        pat.prop_map(|p| format!("&{p}")),
    ];
    prop_oneof![
        4 => leaf.clone(),
        1 => proptest::collection::vec(leaf, 0..4).prop_map(|v| format!("({})", v.join(" "))),
    ]
}

/// Probes covering commands, subcommands, first args and channels.
fn probes() -> Vec<Vec<Bytes>> {
    let mut out: Vec<Vec<Bytes>> = rsentinel_commands::all()
        .map(|c| match c.parent {
            Some(p) => common::args(&[p, c.name]),
            None => common::args(&[c.name]),
        })
        .collect();
    for words in [
        &["ping", "a"][..],
        &["ping", "1"],
        &["publish", "ab", "x"],
        &["publish", "c", "x"],
        &["subscribe", "a", "b"],
        &["psubscribe", "a*"],
        &["psubscribe", "?"],
    ] {
        out.push(common::args(words));
    }
    out
}

fn spec_of(args: &[Bytes]) -> &'static rsentinel_commands::CommandSpec {
    let base = rsentinel_commands::lookup(&args[0]).expect("probe command exists");
    match args.get(1).and_then(|a| base.subcommand(a)) {
        Some(sub) => sub,
        None => base,
    }
}

/// Whether some selector lists `~*` among other key patterns.
fn star_quirk(descr: &str) -> bool {
    descr.split(" (").any(|sel| {
        let keys: Vec<&str> = sel
            .split(' ')
            .filter(|t| t.starts_with('~') || t.starts_with('%'))
            .collect();
        keys.len() > 1 && keys.contains(&"~*")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(ops in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..8),
                                   probe in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..6), 1..4)) {
        let mut a = Acl::new();
        let _ = a.set_user(b"u", &ops);
        let _ = a.list();
        let mut words = vec![b"ACL".to_vec()];
        words.extend(ops.iter().cloned());
        let args: Vec<Bytes> = words.into_iter().map(Bytes::from).collect();
        let _ = a.acl_command(&args, &common::ctx_at(0));
        let probe: Vec<Bytes> = probe.into_iter().map(Bytes::from).collect();
        for spec in rsentinel_commands::all() {
            let _ = a.check_command(b"u", spec, &probe);
        }
        let text: String = ops.iter().map(|o| String::from_utf8_lossy(o).into_owned()).collect::<Vec<_>>().join(" ");
        let _ = a.load_aclfile("f", &format!("user x {text}\n{text}"));
    }

    #[test]
    fn description_reparses_to_an_equivalent_user(rules in proptest::collection::vec(rule(), 0..12)) {
        let mut a = Acl::new();
        if a.set_user(b"u", &rules).is_err() {
            return Ok(());
        }
        let descr = String::from_utf8(a.describe_user(b"u").expect("user")).expect("utf8");
        // Redis prints a `%RW~*` pattern as `~*`, which reads back as
        // `allkeys`: it drops the patterns before it and refuses those after
        // it. That is the one known gap, shared with redis.
        if star_quirk(&descr) {
            return Ok(());
        }
        let mut b = Acl::new();
        prop_assert_eq!(b.load_aclfile("f", &format!("user u {descr}\n")), Ok(()));
        let again = String::from_utf8(b.describe_user(b"u").expect("user")).expect("utf8");
        prop_assert_eq!(&again, &descr);
        for probe in probes() {
            let spec = spec_of(&probe);
            prop_assert_eq!(
                a.check_command(b"u", spec, &probe).is_ok(),
                b.check_command(b"u", spec, &probe).is_ok(),
                "{} {:?}", descr, probe
            );
        }
    }
}
