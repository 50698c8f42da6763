//! Hello handling with the memo of repeats changes nothing: the same hellos and commands, given to a Sentinel that
//! remembers hellos and to one that forgets them before each, give the same outputs
//! and the same table.

use crate::hello_memo::HelloMemo;
use crate::{CommandEnv, Sentinel};
use bytes::Bytes;
use proptest::prelude::*;
use rsentinel_config::{MasterConfig, SentinelSettings};

const T0: u64 = 1_700_000_000_000;
const MYID: &str = "0123456789abcdef0123456789abcdef01234567";
const PEERS: [&str; 3] = [
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    MYID,
];

fn no_dns(_: &str) -> Option<String> {
    None
}

fn sentinel() -> Sentinel {
    let cfg = SentinelSettings {
        myid: Some(MYID.to_string()),
        masters: vec![
            MasterConfig::new("m", "127.0.0.1", 6379, 2),
            MasterConfig::new("n", "127.0.0.1", 7000, 2),
        ],
        ..SentinelSettings::default()
    };
    match Sentinel::new(cfg, T0, 7, &no_dns) {
        Ok(s) => s,
        Err(e) => panic!("load failed: {e}"),
    }
}

#[derive(Clone, Debug)]
enum Op {
    Hello {
        peer: usize,
        ip: &'static str,
        port: u16,
        current_epoch: u64,
        master: &'static str,
        master_port: u16,
        config_epoch: u64,
        pubsub: bool,
    },
    Command(&'static [&'static str]),
    Wait(u64),
}

fn hello() -> impl Strategy<Value = Op> {
    (
        0..PEERS.len(),
        prop::sample::select(vec!["127.0.0.1", "127.0.0.2", "::1", "0:0::1", "host"]),
        prop::sample::select(vec![26379u16, 26380]),
        0..4u64,
        prop::sample::select(vec!["m", "n", "x"]),
        prop::sample::select(vec![6379u16, 6380, 7000]),
        0..4u64,
    )
        .prop_map(
            |(peer, ip, port, current_epoch, master, master_port, config_epoch)| Op::Hello {
                peer,
                ip,
                port,
                current_epoch,
                master,
                master_port,
                config_epoch,
                pubsub: false,
            },
        )
}

fn command() -> impl Strategy<Value = Op> {
    prop::sample::select(vec![
        &["SENTINEL", "RESET", "*"][..],
        &["SENTINEL", "REMOVE", "m"],
        &["SENTINEL", "MONITOR", "m", "127.0.0.1", "6379", "2"],
        &["SENTINEL", "REMOVE", "n"],
        &["SENTINEL", "MONITOR", "n", "127.0.0.1", "7000", "2"],
        &["SENTINEL", "FAILOVER", "m"],
    ])
    .prop_map(Op::Command)
}

/// Steps that mostly repeat one of a few hellos, as a real Sentinel receives them, with
/// commands and time passing in between.
fn op_lists() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(hello(), 1..5).prop_flat_map(|pool| {
        let n = pool.len();
        let step = prop_oneof![
            // The same payload may come on a pub/sub link or published to us.
            6 => (0..n, any::<bool>()).prop_map(move |(i, via)| match pool[i].clone() {
                Op::Hello { pubsub: _, peer, ip, port, current_epoch, master, master_port, config_epoch } => Op::Hello {
                    peer, ip, port, current_epoch, master, master_port, config_epoch, pubsub: via,
                },
                other => other,
            }),
            1 => command(),
            1 => (1..5000u64).prop_map(Op::Wait),
        ];
        prop::collection::vec(step, 1..80)
    })
}

/// What a step leaves behind: the outputs, and every master's epochs and Sentinels.
fn observe(s: &mut Sentinel) -> String {
    let outputs: Vec<_> = std::iter::from_fn(|| s.poll_output()).collect();
    let mut out = format!("{outputs:?} epoch {}", s.current_epoch);
    for m in s.masters.values() {
        out.push_str(&format!(
            " | {} {}:{} cfg {}",
            m.inst.name, m.inst.addr.ip, m.inst.addr.port, m.inst.config_epoch
        ));
        for p in m.sentinels.values() {
            out.push_str(&format!(
                " [{} {:?} {}:{} hello {}]",
                p.name, p.reported.runid, p.addr.ip, p.addr.port, p.last_hello_time
            ));
        }
    }
    out
}

fn apply(s: &mut Sentinel, op: &Op, now: &mut u64) {
    match op {
        Op::Hello {
            peer,
            ip,
            port,
            current_epoch,
            master,
            master_port,
            config_epoch,
            pubsub,
        } => {
            let payload = format!(
                "{ip},{port},{},{current_epoch},{master},127.0.0.1,{master_port},{config_epoch}",
                PEERS[*peer]
            );
            if *pubsub {
                s.hello_from_pubsub(payload.as_bytes(), *now);
            } else {
                s.receive_hello(payload.as_bytes(), *now);
            }
        }
        Op::Command(args) => {
            let args: Vec<Bytes> = args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect();
            let ok = |_: &str| true;
            let env = CommandEnv {
                now_ms: *now,
                resolve: &no_dns,
                script_ok: &ok,
            };
            let _ = s.command(&args, &env);
        }
        Op::Wait(ms) => *now += ms,
    }
}

proptest! {
    #[test]
    fn remembering_hellos_changes_nothing(ops in op_lists()) {
        let mut remembers = sentinel();
        let mut forgets = sentinel();
        let mut now = T0;
        for (i, op) in ops.iter().enumerate() {
            let mut t = now;
            apply(&mut remembers, op, &mut now);
            forgets.hello_memo = HelloMemo::default();
            apply(&mut forgets, op, &mut t);
            prop_assert_eq!(observe(&mut remembers), observe(&mut forgets), "step {}: {:?}", i, op);
        }
    }
}

#[test]
fn repeats_are_remembered_and_our_echo_is_dropped() {
    let mut s = sentinel();
    let hello = format!("127.0.0.2,26379,{},0,m,127.0.0.1,6379,0", PEERS[0]);
    s.receive_hello(hello.as_bytes(), T0);
    assert_eq!(s.hello_memo.len(), 0, "a discovery is not a repeat");
    s.receive_hello(hello.as_bytes(), T0 + 1);
    assert_eq!(s.hello_memo.len(), 1);
    s.receive_hello(hello.as_bytes(), T0 + 2);
    assert_eq!(s.masters[0].sentinels[0].last_hello_time, T0 + 2);
    // A hello that carries our run id (here as its master name's neighbour) is taken
    // when published to us directly, dropped when it comes on a pub/sub link.
    let echo = format!("127.0.0.2,26379,{},0,m,127.0.0.1,6379,0,{MYID}", PEERS[0]);
    s.receive_hello(echo.as_bytes(), T0 + 3);
    assert_eq!(
        s.masters[0].sentinels[0].last_hello_time,
        T0 + 2,
        "9 fields"
    );
}
