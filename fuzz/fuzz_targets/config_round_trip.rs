//! The config round trip under hostile values: the input is read as a list of the ways a
//! value reaches `sentinel.conf` (SENTINEL SET, SENTINEL MONITOR, SENTINEL CONFIG SET, a
//! hello), each carrying arbitrary bytes, applied to a core `Sentinel`; its state is then
//! rewritten (`render`) and loaded back (`parse_bytes`, then `Sentinel::new`).
//!
//! Properties checked besides "never panics":
//! - the rewritten file loads, and gives back exactly the state that was written (an
//!   empty announce-ip reads back as none, as in redis);
//! - an accepted auth-pass, auth-user, announce-ip, sentinel-user or sentinel-pass is
//!   stored as the exact bytes sent;
//! - every known Sentinel's run id is 40 hex digits (hellos with others are dropped);
//! - the file has the same directives, line for line, as the file written for the same
//!   state with every free value replaced by a plain word: no value adds, ends or
//!   changes a directive.
//!
//! Input format: a sequence of records `kind, n, len1, bytes1, len2, bytes2, ...`
//! (one byte each for kind, n and the lengths); a short record ends the input.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rsentinel_config::{
    parse_bytes, render, split_args_bytes, Config, MasterConfig, RewriteEnv, SentinelSettings,
};
use rsentinel_core::{CommandEnv, Sentinel};
use rsentinel_resp::Frame;

const T0: u64 = 1_700_000_000_000;
const SET_OPTIONS: &[&[u8]] = &[
    b"auth-pass",
    b"auth-user",
    b"notification-script",
    b"client-reconfig-script",
    b"master-reboot-down-after-period",
    b"quorum",
];
const CONFIG_PARAMS: &[&[u8]] = &[
    b"announce-ip",
    b"sentinel-user",
    b"sentinel-pass",
    b"announce-port",
    b"announce-hostnames",
];

fn no_dns(_: &str) -> Option<String> {
    None
}

/// Reads `count` length-prefixed fields.
fn fields<'a>(data: &mut &'a [u8], count: usize) -> Option<Vec<&'a [u8]>> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let (&len, rest) = data.split_first()?;
        let len = usize::from(len);
        if rest.len() < len {
            return None;
        }
        out.push(&rest[..len]);
        *data = &rest[len..];
    }
    Some(out)
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
    while s.poll_output().is_some() {}
    !matches!(reply, Frame::Error(_))
}

fn nonempty(v: &[u8]) -> Option<Vec<u8>> {
    (!v.is_empty()).then(|| v.to_vec())
}

/// Applies one record; false when the input ran out.
fn step(s: &mut Sentinel, data: &mut &[u8]) -> bool {
    let Some((&kind, rest)) = data.split_first() else {
        return false;
    };
    let Some((&n, rest)) = rest.split_first() else {
        return false;
    };
    *data = rest;
    let n = usize::from(n);
    let masters = s.settings().masters;
    let name = masters[n % masters.len()].name.clone().into_bytes();
    match kind % 5 {
        0 => {
            let Some(f) = fields(data, 1) else {
                return false;
            };
            let option = SET_OPTIONS[n % SET_OPTIONS.len()];
            if call(s, &[b"set", &name, option, f[0]]) {
                let st = s.settings();
                let m = st
                    .masters
                    .iter()
                    .find(|m| m.name.as_bytes() == name)
                    .expect("the master is still there");
                match option {
                    b"auth-pass" => assert_eq!(m.auth_pass, nonempty(f[0])),
                    b"auth-user" => assert_eq!(m.auth_user, nonempty(f[0])),
                    _ => {}
                }
            }
        }
        1 => {
            let Some(f) = fields(data, 2) else {
                return false;
            };
            call(s, &[b"set", &name, b"rename-command", f[0], f[1]]);
        }
        2 => {
            let Some(f) = fields(data, 3) else {
                return false;
            };
            if call(s, &[b"monitor", f[0], f[1], f[2], b"2"]) {
                assert!(s
                    .settings()
                    .masters
                    .iter()
                    .any(|m| m.name.as_bytes() == f[0]));
            }
        }
        3 => {
            let Some(f) = fields(data, 1) else {
                return false;
            };
            let param = CONFIG_PARAMS[n % CONFIG_PARAMS.len()];
            if call(s, &[b"config", b"set", param, f[0]]) {
                let st = s.settings();
                match param {
                    b"announce-ip" => assert_eq!(st.announce_ip.as_deref(), Some(f[0])),
                    b"sentinel-user" => assert_eq!(st.sentinel_user, nonempty(f[0])),
                    b"sentinel-pass" => assert_eq!(st.sentinel_pass, nonempty(f[0])),
                    _ => {}
                }
            }
        }
        _ => {
            let Some(f) = fields(data, 3) else {
                return false;
            };
            let payload = [
                f[0],
                b",",
                f[1],
                b",",
                f[2],
                b",1,",
                &name,
                b",127.0.0.1,6379,0",
            ]
            .concat();
            s.receive_hello(&payload, T0);
            while s.poll_output().is_some() {}
        }
    }
    true
}

fn skeleton(text: &str) -> Vec<(Vec<u8>, Vec<u8>, usize)> {
    text.split('\n')
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let args = split_args_bytes(l.as_bytes()).expect("every written line splits");
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

fn plain(st: &SentinelSettings) -> SentinelSettings {
    let mut p = st.clone();
    for v in [
        &mut p.announce_ip,
        &mut p.sentinel_user,
        &mut p.sentinel_pass,
    ] {
        if v.is_some() {
            *v = Some(b"w".to_vec());
        }
    }
    for (i, m) in p.masters.iter_mut().enumerate() {
        m.name = format!("m{i}");
        for v in [&mut m.auth_pass, &mut m.auth_user] {
            if v.is_some() {
                *v = Some(b"w".to_vec());
            }
        }
        for v in [&mut m.notification_script, &mut m.client_reconfig_script] {
            if v.is_some() {
                *v = Some("/s".into());
            }
        }
        for (j, r) in m.rename_commands.iter_mut().enumerate() {
            *r = (format!("f{j}"), format!("t{j}"));
        }
    }
    p
}

fn normalized(mut st: SentinelSettings) -> SentinelSettings {
    if st.announce_ip.as_deref() == Some(b"") {
        st.announce_ip = None;
    }
    st
}

fuzz_target!(|data: &[u8]| {
    let settings = SentinelSettings {
        myid: Some("0123456789abcdef0123456789abcdef01234567".into()),
        deny_scripts_reconfig: false,
        masters: vec![MasterConfig::new("mymaster", "127.0.0.1", 6379, 2)],
        ..SentinelSettings::default()
    };
    let Ok(mut s) = Sentinel::new(settings, T0, 7, &no_dns) else {
        panic!("the base settings load");
    };
    let mut data = data;
    for _ in 0..64 {
        if !step(&mut s, &mut data) {
            break;
        }
    }
    let st = s.settings();
    for m in &st.masters {
        for k in &m.known_sentinels {
            assert!(
                k.runid.len() == 40 && k.runid.bytes().all(|b| b.is_ascii_hexdigit()),
                "run id {:?} taken from a hello",
                k.runid
            );
        }
    }
    let env = RewriteEnv::new("/fuzz");
    let config = |sentinel| Config {
        sentinel,
        ..Config::default()
    };
    let text = render("", &config(st.clone()), &env);
    let back = match parse_bytes(text.as_bytes(), "fuzz.conf") {
        Ok(c) => c,
        Err(e) => panic!("the rewritten file does not load: {e}\n{text}"),
    };
    assert_eq!(back.sentinel, normalized(st.clone()), "{text}");
    let reloaded = match Sentinel::new(back.sentinel.clone(), T0, 7, &no_dns) {
        Ok(r) => r,
        Err(e) => panic!("the core does not load the rewritten file: {e}\n{text}"),
    };
    assert_eq!(normalized(reloaded.settings()), normalized(st.clone()));
    let reference = render("", &config(plain(&st)), &env);
    assert_eq!(skeleton(&text), skeleton(&reference), "{text}");
});
