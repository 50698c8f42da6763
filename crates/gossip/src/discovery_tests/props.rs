//! The receive entry point, and a property test: whatever hello arrives, the steps stay
//! consistent with the table.

use super::*;
use proptest::prelude::*;

fn arb_addr() -> impl Strategy<Value = PeerAddr> {
    (
        prop::sample::select(vec!["10.0.0.1", "10.0.0.2", "h", ""]),
        0u16..3,
    )
        .prop_map(|(h, p)| ip(h, p))
}

fn arb_state() -> impl Strategy<Value = St> {
    let peers = prop::collection::vec(
        (prop::sample::select(vec!["a", "b", "c"]), arb_addr()),
        0..4,
    );
    let masters = prop::collection::vec((arb_addr(), 0u64..3, peers), 1..3);
    (masters, 0u64..3, any::<bool>()).prop_map(|(ms, current_epoch, rh)| St {
        current_epoch,
        masters: ms
            .into_iter()
            .enumerate()
            .map(|(i, (a, e, ps))| {
                let mut sentinels: Vec<Peer> = Vec::new();
                for (id, pa) in ps {
                    if sentinels.iter().all(|s| s.name != id) {
                        sentinels.push(peer(id, pa));
                    }
                }
                master(["m0", "m1", "m2"][i], a, e, sentinels)
            })
            .collect(),
        resolve_hostnames: rh,
        announce_hostnames: false,
    })
}

proptest! {
    /// Whatever arrives, steps only name masters and Sentinels that exist at that point
    /// of the sequence, and a Sentinel is never added twice under one master.
    #[test]
    fn steps_are_consistent(
        st in arb_state(),
        h in prop::sample::select(vec!["10.0.0.1", "10.0.0.2", "h", ""]),
        port in prop::sample::select(vec!["0", "1", "2", "-1", "x"]),
        id in prop::sample::select(vec!["a", "b", "c", ""]),
        name in prop::sample::select(vec!["m0", "m1", "zz"]),
        epochs in (0u64..4, 0u64..4),
    ) {
        let payload = format!("{h},{port},{id},{},{name},10.0.0.2,1,{}", epochs.0, epochs.1);
        let steps = run(&st, &payload);
        let mut names: Vec<Vec<String>> = st
            .masters
            .iter()
            .map(|m| m.sentinels.iter().map(|s| s.name.clone()).collect())
            .collect();
        for step in &steps {
            match step {
                Step::RemoveSentinel { master, name } => {
                    let before = names[*master].len();
                    names[*master].retain(|n| n != name);
                    prop_assert_eq!(names[*master].len() + 1, before);
                }
                Step::AddSentinel { master, runid, .. } => {
                    prop_assert!(!names[*master].contains(runid));
                    names[*master].push(runid.clone());
                }
                Step::CloseSentinelLink { master, name }
                | Step::SetSentinelAddr { master, name, .. }
                | Step::HelloReceived { master, name } => {
                    prop_assert!(names[*master].contains(name));
                }
                Step::Event(Event { master, subject: Subject::Sentinel(name), .. }) => {
                    prop_assert!(names[*master].contains(name));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn receive_path_filters_echo_on_pubsub_only() {
    let st = one();
    let resolve = resolver(false);
    let views: Vec<MasterView<'_>> = st
        .masters
        .iter()
        .map(|m| MasterView {
            name: &m.name,
            addr: m.addr.as_addr_ref(),
            config_epoch: m.config_epoch,
            sentinels: vec![],
        })
        .collect();
    let view = View {
        current_epoch: 1,
        masters: &views,
        resolve_hostnames: false,
        announce_hostnames: false,
        resolve: &resolve,
    };
    let mine = format!("10.0.0.7,26379,{B},1,mymaster,10.0.0.1,6379,1");
    assert_eq!(
        receive_hello(mine.as_bytes(), Source::PubSub, B, &view),
        vec![]
    );
    let steps = receive_hello(mine.as_bytes(), Source::Publish, B, &view);
    assert!(matches!(&steps[0], Step::AddSentinel { runid, .. } if runid == B));
    assert_eq!(
        receive_hello(mine.as_bytes(), Source::PubSub, A, &view).len(),
        4
    );
    assert_eq!(receive_hello(b"1,2,3", Source::Publish, A, &view), vec![]);
}
