//! The config round trip under hostile values: arbitrary bytes sent through every way a
//! value reaches `sentinel.conf` (SENTINEL SET, MONITOR, CONFIG SET, hellos), then the
//! state is rewritten and loaded back. Each value must come back as the same bytes or
//! have been refused, and the file must hold exactly the directives of a file written
//! from plain values: nothing accepted adds, ends or changes another directive.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use rsentinel_config::{parse_bytes, render, split_args_bytes, Config, RewriteEnv};
use rsentinel_core::{CommandEnv, Sentinel};
use rsentinel_resp::Frame;

/// Bytes that break naive config writers, mixed with plain letters.
fn value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => proptest::sample::select(b"\n\r \t\"'\\\0\x0b\x0c#,\xff\xc3\xa9".to_vec()),
        2 => any::<u8>(),
        4 => b'a'..=b'z',
    ];
    let injected = proptest::sample::select(vec![
        &b""[..],
        b"\nsentinel deny-scripts-reconfig no\n",
        b"\" \"x",
        b"\r\nsentinel monitor evil 127.0.0.1 1 1",
    ]);
    let hostile = (proptest::collection::vec(byte, 0..20), injected).prop_map(|(mut v, inj)| {
        v.extend_from_slice(inj);
        v
    });
    // Numbers past what the loader's `atoi` reads back.
    let number = any::<i64>().prop_map(|n| n.to_string().into_bytes());
    prop_oneof![5 => hostile, 1 => number]
}

#[derive(Clone, Debug)]
enum Op {
    /// `SENTINEL SET <master #n> <option> <value>`.
    Set(usize, &'static str, Vec<u8>),
    /// `SENTINEL SET <master #n> rename-command <from> <to>`.
    Rename(usize, Vec<u8>, Vec<u8>),
    /// `SENTINEL MONITOR <name> <host> <port> 2`.
    Monitor(Vec<u8>, Vec<u8>, Vec<u8>),
    /// `SENTINEL CONFIG SET <param> <value>`.
    ConfigSet(&'static str, Vec<u8>),
    /// A hello about master #n: `ip,port,runid,...` with hostile fields.
    Hello(usize, Vec<u8>, Vec<u8>, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    let host = prop_oneof![
        Just(b"127.0.0.1".to_vec()),
        Just(b"::1".to_vec()),
        Just(b"10.1.2.3".to_vec()),
        value(),
    ];
    let port = prop_oneof![Just(b"6380".to_vec()), value()];
    let runid = prop_oneof![
        "[0-9a-f]{40}".prop_map(String::into_bytes),
        ("[0-9a-f]{39}", value()).prop_map(|(h, v)| [h.into_bytes(), v].concat()),
        value(),
    ];
    prop_oneof![
        3 => (
            0usize..3,
            proptest::sample::select(vec![
                "auth-pass",
                "auth-user",
                "notification-script",
                "client-reconfig-script",
                "master-reboot-down-after-period",
                "down-after-milliseconds",
                "quorum",
            ]),
            value()
        )
            .prop_map(|(m, o, v)| Op::Set(m, o, v)),
        1 => (0usize..3, value(), value()).prop_map(|(m, a, b)| Op::Rename(m, a, b)),
        2 => (value(), host.clone(), port.clone()).prop_map(|(n, h, p)| Op::Monitor(n, h, p)),
        2 => (
            proptest::sample::select(vec![
                "announce-ip",
                "sentinel-user",
                "sentinel-pass",
                "announce-port",
                "announce-hostnames",
            ]),
            value()
        )
            .prop_map(|(p, v)| Op::ConfigSet(p, v)),
        2 => (0usize..3, host, port, runid).prop_map(|(m, h, p, r)| Op::Hello(m, h, p, r)),
    ]
}

fn call(s: &mut Sentinel, words: &[&[u8]]) -> bool {
    let ok = |_: &str| true;
    let env = CommandEnv {
        now_ms: T0,
        resolve: &no_dns,
        script_ok: &ok,
    };
    let args: Vec<Bytes> = words.iter().map(|w| Bytes::copy_from_slice(w)).collect();
    let reply = s.command(&args, &env).into_frame(true);
    drain(s);
    !matches!(reply, Frame::Error(_))
}

fn master_name(s: &Sentinel, n: usize) -> Vec<u8> {
    let masters = s.settings().masters;
    masters[n % masters.len()].name.clone().into_bytes()
}

/// Applies `op`; when it was accepted, checks that the state holds exactly the bytes sent.
fn apply(s: &mut Sentinel, op: &Op) -> Result<(), TestCaseError> {
    let nonempty = |v: &[u8]| (!v.is_empty()).then(|| v.to_vec());
    match op {
        Op::Set(m, option, v) => {
            let name = master_name(s, *m);
            if !call(s, &[b"set", &name, option.as_bytes(), v]) {
                return Ok(());
            }
            let st = s.settings();
            let Some(mc) = st.masters.iter().find(|x| x.name.as_bytes() == name) else {
                return Err(TestCaseError::fail("master vanished"));
            };
            let text = || std::str::from_utf8(v).ok().map(str::to_string);
            match *option {
                "auth-pass" => prop_assert_eq!(&mc.auth_pass, &nonempty(v)),
                "auth-user" => prop_assert_eq!(&mc.auth_user, &nonempty(v)),
                "notification-script" if !v.is_empty() => {
                    prop_assert_eq!(&mc.notification_script, &text())
                }
                "client-reconfig-script" if !v.is_empty() => {
                    prop_assert_eq!(&mc.client_reconfig_script, &text())
                }
                _ => {}
            }
        }
        Op::Rename(m, from, to) => {
            let name = master_name(s, *m);
            if call(s, &[b"set", &name, b"rename-command", from, to]) {
                let st = s.settings();
                let mc = st.masters.iter().find(|x| x.name.as_bytes() == name);
                let pair = (
                    String::from_utf8_lossy(from).into_owned(),
                    String::from_utf8_lossy(to).into_owned(),
                );
                // Renaming a command to itself (any case) drops the rename, as in redis.
                let kept = !pair.0.eq_ignore_ascii_case(&pair.1);
                prop_assert_eq!(mc.map(|mc| mc.rename_commands.contains(&pair)), Some(kept));
            }
        }
        Op::Monitor(name, host, port) => {
            if call(s, &[b"monitor", name, host, port, b"2"]) {
                let st = s.settings();
                prop_assert!(st
                    .masters
                    .iter()
                    .any(|m| m.name.as_bytes() == name.as_slice()));
            }
        }
        Op::ConfigSet(param, v) => {
            if call(s, &[b"config", b"set", param.as_bytes(), v]) {
                let st = s.settings();
                match *param {
                    "announce-ip" => prop_assert_eq!(&st.announce_ip, &Some(v.clone())),
                    "sentinel-user" => prop_assert_eq!(&st.sentinel_user, &nonempty(v)),
                    "sentinel-pass" => prop_assert_eq!(&st.sentinel_pass, &nonempty(v)),
                    _ => {}
                }
            }
        }
        Op::Hello(m, ip, port, runid) => {
            let name = master_name(s, *m);
            let payload = [
                ip.as_slice(),
                b",",
                port,
                b",",
                runid,
                b",1,",
                &name,
                b",127.0.0.1,6379,0",
            ]
            .concat();
            s.receive_hello(&payload, T0);
            drain(s);
            for mc in s.settings().masters {
                for k in &mc.known_sentinels {
                    let real =
                        k.runid.len() == 40 && k.runid.bytes().all(|b| b.is_ascii_hexdigit());
                    prop_assert!(real, "run id {:?} taken from a hello", k.runid);
                }
            }
        }
    }
    Ok(())
}

/// The shape of a file: per line, the directive (and `sentinel` sub-directive) and
/// how many arguments it has.
fn skeleton(text: &str) -> Vec<(Vec<u8>, Vec<u8>, usize)> {
    text.split('\n')
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let args = split_args_bytes(l.as_bytes()).unwrap_or_default();
            let first = args.first().cloned().unwrap_or_default();
            let sub = if first == b"sentinel" {
                args.get(1).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            (first, sub, args.len())
        })
        .collect()
}

/// The same settings with every free value replaced by a plain word: what the file's
/// directives must look like.
fn plain(st: &rsentinel_config::SentinelSettings) -> rsentinel_config::SentinelSettings {
    let mut p = st.clone();
    let word = |v: &mut Option<Vec<u8>>| {
        if v.is_some() {
            *v = Some(b"w".to_vec())
        }
    };
    word(&mut p.announce_ip);
    word(&mut p.sentinel_user);
    word(&mut p.sentinel_pass);
    for (i, m) in p.masters.iter_mut().enumerate() {
        m.name = format!("m{i}");
        word(&mut m.auth_pass);
        word(&mut m.auth_user);
        for script in [&mut m.notification_script, &mut m.client_reconfig_script] {
            if script.is_some() {
                *script = Some("/s".into());
            }
        }
        for (j, r) in m.rename_commands.iter_mut().enumerate() {
            *r = (format!("f{j}"), format!("t{j}"));
        }
    }
    p
}

/// What a reload is expected to give back: an empty announce-ip is written (`""`) but
/// means "none" when read, as in redis.
fn normalized(mut st: rsentinel_config::SentinelSettings) -> rsentinel_config::SentinelSettings {
    if st.announce_ip.as_deref() == Some(b"") {
        st.announce_ip = None;
    }
    st
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn hostile_values_come_back_unchanged_or_are_refused(ops in proptest::collection::vec(op(), 1..12)) {
        let mut cfg = settings();
        cfg.deny_scripts_reconfig = false;
        let mut s = sentinel_from(cfg);
        for op in &ops {
            apply(&mut s, op)?;
        }
        let st = s.settings();
        let env = RewriteEnv::new("/work");
        let config = |sentinel| Config { sentinel, ..Config::default() };
        let text = render("", &config(st.clone()), &env);
        let back = parse_bytes(text.as_bytes(), "round-trip.conf")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back.sentinel, &normalized(st.clone()), "{}", text);
        // The core loads it, and gives the same state back.
        let reloaded = Sentinel::new(back.sentinel.clone(), T0, 7, &no_dns)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(normalized(reloaded.settings()), normalized(st.clone()));
        // The directives are those of the same state with plain values.
        let reference = render("", &config(plain(&st)), &env);
        prop_assert_eq!(skeleton(&text), skeleton(&reference), "{}", text);
        // Rewriting over the file settles (the first rewrite over a file ending in a
        // newline adds one blank line, as redis' does).
        let second = render(&text, &back, &env);
        prop_assert_eq!(render(&second, &back, &env), second);
    }
}

#[test]
fn names_that_are_not_utf8_are_refused_and_match_nothing() {
    let mut s = sentinel();
    // A master whose name is what a lossy conversion of "m\xff" would give.
    assert!(call(
        &mut s,
        &[
            b"monitor",
            "m\u{fffd}".as_bytes(),
            b"127.0.0.1",
            b"6380",
            b"1"
        ]
    ));
    assert!(!call(
        &mut s,
        &[b"monitor", b"n\xff", b"127.0.0.1", b"6381", b"1"]
    ));
    for words in [
        &[&b"master"[..], b"m\xff"][..],
        &[b"get-master-addr-by-name", b"m\xff"],
        &[b"set", b"m\xff", b"quorum", b"1"],
        &[b"remove", b"m\xff"],
    ] {
        let ok = |_: &str| true;
        let env = CommandEnv {
            now_ms: T0,
            resolve: &no_dns,
            script_ok: &ok,
        };
        let args: Vec<Bytes> = words.iter().map(|w| Bytes::copy_from_slice(w)).collect();
        let reply = s.command(&args, &env).into_frame(true);
        assert!(
            matches!(&reply, Frame::Error(e) if e.contains("No such master"))
                || reply == Frame::NullArray,
            "{words:?}: {reply:?}"
        );
    }
    // Paths and renamed commands are text too.
    let mut cfg = settings();
    cfg.deny_scripts_reconfig = false;
    let mut s = sentinel_from(cfg);
    assert!(!call(
        &mut s,
        &[b"set", b"mymaster", b"notification-script", b"/x\xff"]
    ));
    assert!(!call(
        &mut s,
        &[b"set", b"mymaster", b"rename-command", b"CONFIG", b"C\xff"]
    ));
    assert!(call(&mut s, &[b"set", b"mymaster", b"auth-pass", b"p\xff"]));
}
