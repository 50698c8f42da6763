//! Hostile values in the file: any bytes in a value are written so that a reload gives
//! the same bytes back and no other directive; values that need no quoting are written
//! bare, byte for byte as redis writes them.

use proptest::prelude::*;

use crate::*;

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(b"\n\r \t\"'\\\0\x0b\x0c#\xff".to_vec()),
            2 => any::<u8>(),
            3 => b'a'..=b'z',
        ],
        0..16,
    )
}

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z]{1,8}", "\\PC{0,10}", "[a-z \"'\\\\\n\r#\t]{0,10}"]
}

prop_compose! {
    fn hostile()(
        name in text_value(), host in text_value(), script in text_value(),
        pass in bytes(), user in bytes(), aip in bytes(), suser in bytes(), spass in bytes(),
        from in text_value(), to in text_value(), runid in text_value(), requirepass in bytes(),
    ) -> Config {
        let mut m = MasterConfig::new(&name, &host, 6379, 2);
        m.auth_pass = Some(pass);
        m.auth_user = Some(user);
        m.notification_script = Some(script.clone());
        m.client_reconfig_script = Some(script);
        m.rename_commands = vec![(from, to)];
        m.known_sentinels = vec![KnownSentinel { host: "10.0.0.1".into(), port: 1, runid }];
        let mut c = Config::default();
        c.sentinel.myid = Some("0".repeat(40));
        c.sentinel.resolve_hostnames = true;
        c.sentinel.announce_ip = Some(aip);
        c.sentinel.sentinel_user = Some(suser);
        c.sentinel.sentinel_pass = Some(spass);
        c.sentinel.masters = vec![m];
        c.server.requirepass = Some(requirepass);
        c
    }
}

/// What loading gives for values that mean "unset" when empty.
fn normalized(mut c: Config) -> Config {
    let unset_empty = |v: &mut Option<Vec<u8>>| {
        if v.as_deref() == Some(b"") {
            *v = None;
        }
    };
    unset_empty(&mut c.sentinel.announce_ip);
    unset_empty(&mut c.sentinel.sentinel_user);
    unset_empty(&mut c.sentinel.sentinel_pass);
    unset_empty(&mut c.server.requirepass);
    c
}

fn directives(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let a = split_args(l).unwrap_or_default();
            let sub = if a[0] == "sentinel" {
                a[1].clone()
            } else {
                String::new()
            };
            (a[0].clone(), sub)
        })
        .collect()
}

proptest! {
    #[test]
    fn any_value_reloads_as_written(c in hostile()) {
        let out = render("", &c, &RewriteEnv::new("/w"));
        let back = parse_bytes(out.as_bytes(), "x").map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        let want = normalized(c.clone());
        prop_assert_eq!(&back.sentinel, &want.sentinel, "{}", out);
        prop_assert_eq!(&back.server.requirepass, &want.server.requirepass, "{}", out);
        // Exactly the directives the same config with plain words gives.
        let plain = {
            let mut p = c.clone();
            let m = &mut p.sentinel.masters[0];
            m.name = "m".into();
            m.host = "h".into();
            m.notification_script = Some("s".into());
            m.client_reconfig_script = Some("s".into());
            m.rename_commands = vec![("a".into(), "b".into())];
            m.known_sentinels[0].runid = "r".into();
            p
        };
        prop_assert_eq!(directives(&out), directives(&render("", &plain, &RewriteEnv::new("/w"))));
    }
}

#[test]
fn plain_values_are_written_as_redis_writes_them() {
    let text = "sentinel monitor mymaster 127.0.0.1 6379 2\n\
                sentinel auth-pass mymaster s3cr#t!\n\
                sentinel auth-user mymaster bob\n\
                sentinel sentinel-user su\n\
                sentinel sentinel-pass sp\n";
    let c = parse(text, "x").expect("parses");
    let out = render("", &c, &RewriteEnv::new("/w"));
    for line in [
        "sentinel monitor mymaster 127.0.0.1 6379 2",
        "sentinel auth-pass mymaster s3cr#t!",
        "sentinel auth-user mymaster bob",
        "sentinel sentinel-user su",
        "sentinel sentinel-pass sp",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing in\n{out}");
    }
}

#[test]
fn raw_bytes_in_the_file_are_kept() {
    // A file redis-sentinel wrote (it writes passwords raw) with a non-UTF-8 password.
    let text = b"sentinel monitor m 127.0.0.1 6379 2\nsentinel auth-pass m p\xff1\nrequirepass \"r\\xfe\"\nuser \"u\\xff\" on nopass ~* +@all\nsentinel announce-ip \"\\xff\"\n";
    let c = parse_bytes(text, "x").expect("parses");
    assert_eq!(
        c.sentinel.masters[0].auth_pass.as_deref(),
        Some(&b"p\xff1"[..])
    );
    assert_eq!(c.server.requirepass.as_deref(), Some(&b"r\xfe"[..]));
    assert_eq!(c.server.users[0][0], b"u\xff");
    assert_eq!(c.sentinel.announce_ip.as_deref(), Some(&b"\xff"[..]));
    let out = render(&String::from_utf8_lossy(text), &c, &RewriteEnv::new("/w"));
    assert!(out.contains("sentinel auth-pass m \"p\\xff1\"\n"), "{out}");
    assert!(out.contains("requirepass \"r\\xfe\"\n"), "{out}");
    assert_eq!(
        parse_bytes(out.as_bytes(), "y").expect("reloads").sentinel,
        c.sentinel
    );
}

#[test]
fn text_values_that_are_not_utf8_are_refused() {
    for text in [
        &b"sentinel monitor m\xff 127.0.0.1 6379 2\n"[..],
        b"sentinel monitor m 127.0.0.1 6379 2\nsentinel notification-script m /x\xff\n",
        b"pidfile /run/\xff.pid\n",
    ] {
        let e = parse_bytes(text, "x").expect_err("refused").to_string();
        assert!(e.contains("not valid UTF-8"), "{e}");
    }
}
