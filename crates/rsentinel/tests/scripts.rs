//! User scripts on real processes: during a failover the client-reconfig-script runs
//! with redis' arguments (once as leader, on the others as observer), the notification
//! script runs for warning events, and scripts inherit no descriptor but 0, 1 and 2.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// Writes an executable shell script.
fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The descriptors in an `ls -l /proc/self/fd` listing, leaving out the one `ls` opened
/// to read that directory.
fn open_fds(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter_map(|l| {
            let (left, target) = l.split_once(" -> ")?;
            let fd = left.split_whitespace().last()?;
            let own_dir = target.starts_with("/proc/") && target.ends_with("/fd");
            (!own_dir).then(|| fd.to_string())
        })
        .collect()
}

#[test]
fn failover_runs_reconfig_and_notification_scripts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reconf_log = dir.path().join("reconf.log");
    let notify_log = dir.path().join("notify.log");
    let reconf = dir.path().join("reconf.sh");
    let notify = dir.path().join("notify.sh");
    script(&reconf, &format!("echo \"$@\" >> {}", reconf_log.display()));
    script(
        &notify,
        &format!(
            "echo \"$@\" >> {}\nexec ls -l /proc/self/fd > {}/fds.$$",
            notify_log.display(),
            dir.path().display()
        ),
    );
    let mut c = cluster_with(&format!(
        "sentinel failover-timeout mymaster 10000\n\
         sentinel client-reconfig-script mymaster {}\n\
         sentinel notification-script mymaster {}\n",
        reconf.display(),
        notify.display()
    ));
    wait_discovery(&c);
    let old_port = c.master.port;
    let parts = kill_master_until_switch(&mut c);
    let new_port = &parts[4];

    // One leader and two observers, each with the old and the new address.
    let from_to = format!("start 127.0.0.1 {old_port} 127.0.0.1 {new_port}");
    let ok = wait_until(FAILOVER, || lines(&reconf_log).len() >= 3);
    let mut got = lines(&reconf_log);
    got.sort();
    assert!(ok, "client-reconfig-script runs: {got:?}");
    assert_eq!(
        got,
        vec![
            format!("mymaster leader {from_to}"),
            format!("mymaster observer {from_to}"),
            format!("mymaster observer {from_to}"),
        ]
    );

    let sdown = format!("+sdown master mymaster 127.0.0.1 {old_port}");
    assert!(
        wait_until(FAILOVER, || lines(&notify_log).contains(&sdown)),
        "no notification for {sdown}: {:?}",
        lines(&notify_log)
    );
    assert!(lines(&notify_log)
        .iter()
        .any(|l| l.starts_with("+switch-master mymaster 127.0.0.1")));

    // Only the standard streams reach a script. `ls` writes its listing at once, so a
    // file is either still empty or complete.
    let listings = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().starts_with("fds."))
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(wait_until(FAILOVER, || !listings().is_empty()));
    for listing in listings() {
        assert_eq!(open_fds(&listing), vec!["0", "1", "2"], "{listing}");
        assert!(listing.contains(" 0 -> /dev/null"), "{listing}");
        assert!(listing.contains(" 2 -> /dev/null"), "{listing}");
    }

    // Every script ended well: nothing is left in the queue.
    for s in &c.sentinels {
        assert!(
            wait_until(FAILOVER, || s
                .cli(&["SENTINEL", "PENDING-SCRIPTS"])
                .trim()
                .is_empty()),
            "scripts pending on {}: {}",
            s.port,
            s.cli(&["SENTINEL", "PENDING-SCRIPTS"])
        );
        assert!(!s.output().contains("-script-error"), "{}", s.output());
    }
}

#[test]
fn failing_script_is_retried_and_listed_as_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = dir.path().join("runs.log");
    let notify = dir.path().join("notify.sh");
    // Exit status 1 asks for a retry.
    script(
        &notify,
        &format!("echo \"$1\" >> {}\nexit 1", runs.display()),
    );
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 1 2\nsentinel notification-script mymaster {}\n",
        notify.display()
    );
    let s = Sentinel::start(&conf, &[]);
    s.client()
        .cmd(&["SENTINEL", "DEBUG", "script-retry-delay", "100"]);
    // A warning event runs the script; it keeps failing and is retried.
    s.client().cmd(&["SENTINEL", "RESET", "mymaster"]);
    let resets = || {
        lines(&runs)
            .iter()
            .filter(|l| *l == "+reset-master")
            .count()
    };
    assert!(
        wait_until(Duration::from_secs(20), || resets() >= 3),
        "runs: {:?}\n{}",
        lines(&runs),
        s.output()
    );
    let pending = s.cli(&["SENTINEL", "PENDING-SCRIPTS"]);
    assert!(pending.contains("argv"), "{pending}");
    assert!(pending.contains(&notify.display().to_string()), "{pending}");
    assert!(pending.contains("retry-num"), "{pending}");
    let info = s.cli(&["INFO", "sentinel"]);
    assert!(!info.contains("sentinel_scripts_queue_length:0"), "{info}");
}
