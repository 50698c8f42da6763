//! Monitoring end to end on real processes: a master with two replicas watched by three
//! rsentinels. They must discover each other, notice a killed replica and a killed
//! master (+sdown, then +odown by quorum), and a restarted sentinel must come back from
//! its rewritten config with the same identity and knowledge.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::time::Duration;

#[test]
fn discovers_the_cluster_and_detects_failures() {
    let mut c = cluster();
    wait_discovery(&c);

    // Replicas are named by address and seen as slaves of the master.
    let mut cl = c.sentinels[0].client();
    let reps = items(&cl.cmd(&["SENTINEL", "REPLICAS", "mymaster"]));
    let mut names: Vec<String> = reps.iter().filter_map(|r| field(r, "name")).collect();
    names.sort();
    let mut expected: Vec<String> = c
        .replicas
        .iter()
        .map(|r| format!("127.0.0.1:{}", r.port))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    for r in &reps {
        assert_eq!(field(r, "flags").as_deref(), Some("slave"));
        assert_eq!(field(r, "master-port"), Some(c.master.port.to_string()));
    }
    let sentinel_ports: Vec<String> = items(&cl.cmd(&["SENTINEL", "SENTINELS", "mymaster"]))
        .iter()
        .filter_map(|s| field(s, "port"))
        .collect();
    assert_eq!(sentinel_ports.len(), 2);
    for s in &c.sentinels[1..] {
        assert!(sentinel_ports.contains(&s.port.to_string()));
    }

    let mut sub = c.sentinels[0].client();
    sub.cmd(&["PSUBSCRIBE", "*"]);

    // A dead replica goes subjectively down.
    let rport = c.replicas[0].port;
    c.replicas[0].kill();
    let want = format!(
        "slave 127.0.0.1:{rport} 127.0.0.1 {rport} @ mymaster 127.0.0.1 {}",
        c.master.port
    );
    assert!(
        wait_event(&mut sub, "+sdown", |t| t == want, Duration::from_secs(15)).is_some(),
        "no +sdown for the replica\n{}",
        c.sentinels[0].output()
    );

    // A dead master goes subjectively, then objectively down (quorum 2 of 3). The other
    // replica goes too, so no failover can move the master away before every sentinel
    // has had its say: this test is about detection.
    c.replicas[1].kill();
    let mport = c.master.port;
    c.master.kill();
    let master_desc = format!("master mymaster 127.0.0.1 {mport}");
    assert!(
        wait_event(
            &mut sub,
            "+sdown",
            |t| t == master_desc,
            Duration::from_secs(15)
        )
        .is_some(),
        "no +sdown for the master\n{}",
        c.sentinels[0].output()
    );
    let odown = wait_event(
        &mut sub,
        "+odown",
        |t| t.starts_with(&format!("{master_desc} #quorum ")),
        Duration::from_secs(15),
    );
    let odown = odown.unwrap_or_else(|| panic!("no +odown\n{}", c.sentinels[0].output()));
    let votes: Vec<u32> = odown
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .split('/')
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(votes.len(), 2, "{odown}");
    assert!(votes[0] >= 2 && votes[1] == 2, "{odown}");
    let flags = field(&cl.cmd(&["SENTINEL", "MASTER", "mymaster"]), "flags").unwrap_or_default();
    assert!(
        flags.contains("s_down") && flags.contains("o_down"),
        "{flags}"
    );
}

#[test]
fn a_restarted_sentinel_keeps_its_identity_and_knowledge() {
    let mut c = cluster();
    wait_discovery(&c);
    let myid = text(&c.sentinels[0].client().cmd(&["SENTINEL", "MYID"]));
    let conf = c.sentinels[0].config_text();
    assert_eq!(
        lines_starting(&conf, "sentinel known-replica mymaster").len(),
        2,
        "{conf}"
    );
    assert_eq!(
        lines_starting(&conf, "sentinel known-sentinel mymaster").len(),
        2,
        "{conf}"
    );
    assert_eq!(
        lines_starting(&conf, &format!("sentinel myid {myid}")).len(),
        1,
        "{conf}"
    );

    let s0 = c.sentinels.remove(0);
    let s0 = s0.restart(&[]);
    let mut cl = s0.client();
    assert_eq!(text(&cl.cmd(&["SENTINEL", "MYID"])), myid);
    // What it knew comes back from the file at once, before any new discovery.
    let m = cl.cmd(&["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "num-slaves").as_deref(), Some("2"));
    assert_eq!(field(&m, "num-other-sentinels").as_deref(), Some("2"));
    // The others still see it under the same id and port.
    for other in &c.sentinels {
        let ok = wait_until(DISCOVERY, || {
            let mut oc = other.client();
            items(&oc.cmd(&["SENTINEL", "SENTINELS", "mymaster"]))
                .iter()
                .any(|s| {
                    field(s, "name").as_deref() == Some(myid.as_str())
                        && field(s, "port") == Some(s0.port.to_string())
                        && field(s, "flags").as_deref() == Some("sentinel")
                })
        });
        assert!(
            ok,
            "sentinel {} lost track of the restarted one",
            other.port
        );
    }
}
