//! What ships around the binary: the systemd unit and the drop-in for Debian's unit
//! (checked with systemd-analyze and against Debian's hardening), the compose file
//! (`docker-compose config`), the container entrypoint run as a plain script, and the
//! `--version` line tools parse. No container engine or running systemd is needed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::collections::BTreeSet;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `Key=value` lines of a unit's sections, in order.
fn unit_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The paths a unit allows executing, after `ExecPaths=` resets and additions.
fn exec_paths(lines: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in lines {
        if k == "ExecPaths" {
            if v.is_empty() {
                out.clear();
            }
            out.extend(
                v.split_whitespace()
                    .map(|p| p.trim_start_matches('-').to_string()),
            );
        }
    }
    out
}

/// The effective ExecStart (the last one after an empty reset).
fn exec_start(lines: &[(String, String)]) -> Vec<String> {
    lines
        .iter()
        .rfind(|(k, v)| k == "ExecStart" && !v.is_empty())
        .map(|(_, v)| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn allowed(paths: &[String], binary: &str) -> bool {
    paths
        .iter()
        .any(|p| binary == p || binary.starts_with(&format!("{}/", p.trim_end_matches('/'))))
}

const DEBIAN_UNIT: &str = "/lib/systemd/system/redis-sentinel.service";

#[test]
fn unit_has_debians_hardening_and_may_exec_rsentinel() {
    let ours = unit_lines(&read("contrib/systemd/rsentinel.service"));
    let has = |k: &str, v: &str| ours.iter().any(|(a, b)| a == k && b == v);
    assert!(has("Type", "notify"));
    assert!(ours.iter().any(|(k, _)| k == "WatchdogSec"));
    let start = exec_start(&ours);
    assert_eq!(start[0], "/usr/local/bin/rsentinel");
    assert!(allowed(&exec_paths(&ours), &start[0]));
    // Every hardening line of Debian's unit is in ours (when the package is installed).
    let Ok(debian) = std::fs::read_to_string(DEBIAN_UNIT) else {
        println!("SKIPPED: the comparison with {DEBIAN_UNIT}: not installed");
        return;
    };
    let skip: BTreeSet<&str> = [
        "Description",
        "Documentation",
        "ExecStart",
        "ExecPaths",
        "Alias",
    ]
    .into_iter()
    .collect();
    for (k, v) in unit_lines(&debian) {
        if !skip.contains(k.as_str()) {
            assert!(
                has(&k, &v),
                "Debian's {k}={v} is missing from rsentinel.service"
            );
        }
    }
}

#[test]
fn dropin_makes_debians_unit_run_rsentinel() {
    let Ok(debian) = std::fs::read_to_string(DEBIAN_UNIT) else {
        println!("SKIPPED: {DEBIAN_UNIT} not installed");
        return;
    };
    let dropin = read("contrib/systemd/redis-sentinel.service.d/rsentinel.conf");
    let mut lines = unit_lines(&debian);
    let debian_paths = exec_paths(&lines);
    lines.extend(unit_lines(&dropin));
    let start = exec_start(&lines);
    assert_eq!(start[0], "/usr/local/bin/rsentinel");
    // Debian's unit alone refuses the binary (the 203/EXEC the issue saw) ...
    assert!(lines.iter().any(|(k, v)| k == "NoExecPaths" && v == "/"));
    assert!(!allowed(&debian_paths, &start[0]));
    // ... and with the drop-in it is allowed.
    assert!(allowed(&exec_paths(&lines), &start[0]));
    assert_eq!(
        start[1..],
        [
            "/etc/redis/sentinel.conf",
            "--supervised",
            "systemd",
            "--daemonize",
            "no"
        ]
    );
}

/// systemd-analyze verify on the units with the binary path pointed at the test binary
/// (verify checks that ExecStart is executable).
#[test]
fn systemd_analyze_verifies_the_units() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: systemd-analyze not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fix = |t: String| t.replace("/usr/local/bin/rsentinel", bin());
    let unit = dir.path().join("rsentinel.service");
    std::fs::write(&unit, fix(read("contrib/systemd/rsentinel.service"))).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Ok(debian) = std::fs::read_to_string(DEBIAN_UNIT) {
        std::fs::write(dir.path().join("redis-sentinel.service"), debian).unwrap();
        let d = dir.path().join("redis-sentinel.service.d");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(
            d.join("rsentinel.conf"),
            fix(read(
                "contrib/systemd/redis-sentinel.service.d/rsentinel.conf",
            )),
        )
        .unwrap();
        let out = Command::new("systemd-analyze")
            .args(["verify", "redis-sentinel.service"])
            .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.path().display()))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The unit's own ExecStart arguments start rsentinel as a notify service.
#[test]
fn the_units_command_line_is_a_notify_service() {
    let ours = unit_lines(&read("contrib/systemd/rsentinel.service"));
    let start = exec_start(&ours);
    let dir = tempfile::tempdir().unwrap();
    let sock_path = dir.path().join("notify");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(LONG)).unwrap();
    let args: Vec<&str> = start[2..].iter().map(String::as_str).collect();
    let s = Sentinel::start_env(
        "",
        &args,
        &[
            ("NOTIFY_SOCKET", sock_path.to_str().unwrap()),
            ("WATCHDOG_USEC", "30000000"),
        ],
    );
    let mut buf = [0u8; 256];
    let mut got = Vec::new();
    while !got.iter().any(|m| m == "READY=1\n") {
        let n = sock.recv(&mut buf).expect("READY=1 before the timeout");
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    let info = text(&s.client().cmd(&["INFO", "server"]));
    assert!(info.contains("process_supervised:systemd\r\n"), "{info}");
}

#[test]
fn readme_steps_install_the_shipped_files() {
    let readme = read("README.md");
    for needed in [
        "sudo install -D -m 644 contrib/systemd/redis-sentinel.service.d/rsentinel.conf /etc/systemd/system/redis-sentinel.service.d/rsentinel.conf",
        "sudo install -m 755 target/release/rsentinel /usr/local/bin/rsentinel",
        "sudo systemctl daemon-reload",
    ] {
        assert!(readme.contains(needed), "README lacks: {needed}");
    }
    for line in readme.lines().filter(|l| l.contains("contrib/")) {
        for word in line
            .split_whitespace()
            .filter(|w| w.starts_with("contrib/"))
        {
            assert!(
                repo().join(word).exists(),
                "README names a missing file: {word}"
            );
        }
    }
}

#[test]
fn compose_file_is_valid_and_complete() {
    let out = Command::new("docker-compose")
        .args(["-f", "docker-compose.yml", "config"])
        .current_dir(repo())
        .output()
        .expect("docker-compose (Debian's package; scripts/install-deps installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let services = [
        "redis-master",
        "redis-replica-1",
        "redis-replica-2",
        "sentinel-1",
        "sentinel-2",
        "sentinel-3",
    ];
    for s in services {
        assert!(
            text.contains(&format!("\n  {s}:\n")),
            "{s} missing:\n{text}"
        );
    }
    assert_eq!(text.matches("image: redis:7").count(), 3, "{text}");
    assert_eq!(
        text.matches("SENTINEL_ANNOUNCE_HOSTNAME: sentinel-")
            .count(),
        3
    );
    assert_eq!(
        text.matches("SENTINEL_MASTER_HOST: redis-master").count(),
        3
    );
    for v in [
        "sentinel-1-data:/data",
        "sentinel-2-data:/data",
        "sentinel-3-data:/data",
    ] {
        assert!(text.contains(v), "{v} missing:\n{text}");
    }
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("\nUSER rsentinel\n"));
    assert!(dockerfile.contains("VOLUME [\"/data\"]"));
    assert_eq!(
        dockerfile.matches("\nFROM ").count() + usize::from(dockerfile.starts_with("FROM ")),
        2
    );
}

fn entrypoint(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Child {
    Command::new(repo().join("contrib/docker/entrypoint.sh"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("RSENTINEL_BIN", bin())
        .env("RSENTINEL_CONF", dir.join("sentinel.conf"))
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Kills the entrypoint's rsentinel when the test ends, failed assertions included.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn entrypoint_templates_once_and_then_keeps_the_volumes_config() {
    let master = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let metrics = free_port();
    let (p, mp, mt) = (
        port.to_string(),
        master.port.to_string(),
        metrics.to_string(),
    );
    let env = [
        ("SENTINEL_PORT", p.as_str()),
        ("SENTINEL_MASTER_HOST", "localhost"),
        ("SENTINEL_MASTER_PORT", mp.as_str()),
        ("SENTINEL_QUORUM", "1"),
        ("SENTINEL_ANNOUNCE_HOSTNAME", "localhost"),
        ("RSENTINEL_METRICS_PORT", mt.as_str()),
        ("RSENTINEL_METRICS_BIND", "127.0.0.1"),
        ("RSENTINEL_LOG_FORMAT", "json"),
    ];
    let child = Running(entrypoint(dir.path(), &env, &["--loglevel", "verbose"]));
    let up = wait_until(LONG, || Client::try_connect(port).is_ok());
    assert!(up, "rsentinel did not start from the entrypoint");
    let addr = Client::connect(port).cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]);
    assert_eq!(strings(&addr)[1], mp);
    let conf = std::fs::read_to_string(dir.path().join("sentinel.conf")).unwrap();
    let lines = config_lines(&conf);
    for want in [
        "sentinel resolve-hostnames yes".to_string(),
        "sentinel announce-hostnames yes".to_string(),
        "sentinel announce-ip \"localhost\"".to_string(),
        format!("sentinel monitor mymaster localhost {mp} 1"),
        "log-format json".to_string(),
        format!("metrics-port {metrics}"),
    ] {
        assert!(lines.contains(&want), "{want} missing:\n{conf}");
    }
    // rsentinel rewrote it (myid); a second start keeps the file, whatever the env says.
    assert!(
        lines.iter().any(|l| l.starts_with("sentinel myid ")),
        "{conf}"
    );
    drop(child);
    let before = std::fs::read_to_string(dir.path().join("sentinel.conf")).unwrap();
    let mut env2 = env.to_vec();
    env2.retain(|(k, _)| *k != "SENTINEL_QUORUM");
    env2.push(("SENTINEL_QUORUM", "7"));
    let child = Running(entrypoint(dir.path(), &env2, &[]));
    let up = wait_until(LONG, || Client::try_connect(port).is_ok());
    drop(child);
    assert!(up);
    let after = std::fs::read_to_string(dir.path().join("sentinel.conf")).unwrap();
    assert!(after.contains(&format!("sentinel monitor mymaster localhost {mp} 1")));
    assert_eq!(
        config_lines(&before)
            .iter()
            .find(|l| l.starts_with("sentinel myid")),
        config_lines(&after)
            .iter()
            .find(|l| l.starts_with("sentinel myid"))
    );
}

#[test]
fn entrypoint_refuses_values_that_would_inject_directives() {
    let dir = tempfile::tempdir().unwrap();
    for (k, v) in [
        (
            "SENTINEL_MASTER_HOST",
            "h\nsentinel deny-scripts-reconfig no",
        ),
        ("SENTINEL_MASTER_HOST", "a b"),
        ("SENTINEL_QUORUM", "2x"),
        ("RSENTINEL_LOG_FORMAT", "xml"),
    ] {
        let mut env = vec![("SENTINEL_MASTER_HOST", "redis-master")];
        env.retain(|(a, _)| *a != k);
        env.push((k, v));
        let out = entrypoint(dir.path(), &env, &[])
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{k}={v:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(k), "{k}");
        assert!(!dir.path().join("sentinel.conf").exists());
    }
    let out = entrypoint(dir.path(), &[], &[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SENTINEL_MASTER_HOST is required"));
}

#[test]
fn version_line_parses_like_redis_sentinels() {
    let dir = tempfile::tempdir().unwrap();
    let ours = String::from_utf8(run_to_exit(&["--version"], dir.path()).stdout).unwrap();
    let ours: Vec<&str> = ours.split_whitespace().collect();
    assert_eq!(ours[2], "v=7.0.15", "{ours:?}");
    assert!(ours[2..].iter().all(|w| w.contains('=')), "{ours:?}");
    if let Ok(out) = Command::new("redis-sentinel").arg("--version").output() {
        let theirs = String::from_utf8_lossy(&out.stdout).into_owned();
        let theirs: Vec<&str> = theirs.split_whitespace().collect();
        let keys = |w: &[&str]| -> Vec<String> {
            w[2..]
                .iter()
                .map(|t| t.split('=').next().unwrap_or("").to_string())
                .collect()
        };
        // Same keys in the same places; rsentinel adds its own version at the end.
        assert_eq!(keys(&ours)[..keys(&theirs).len()], keys(&theirs)[..]);
    }
}
