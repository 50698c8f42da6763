//! Compatibility with deployments, on the real binary: the unix socket (with
//! `redis-cli -s`), directives refused because rsentinel would ignore their effect,
//! warnings about directives that mean nothing to a Sentinel, what `--test-config`
//! checks, the log level set at run time (redis 7.2), the request limits and
//! CLIENT SETINFO.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::process::Command;

fn cli_unix(path: &str, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-s")
        .arg(path)
        .args(args)
        .output()
        .expect("run redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn unix_socket_serves_like_redis_sentinel() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("s.sock");
    let sock_s = sock.to_str().unwrap().to_string();
    // A stale file at the path (a socket left by a crash) is replaced.
    std::fs::write(&sock, "stale").unwrap();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!("unixsocket {sock_s}\nunixsocketperm 700\n"),
    )
    .unwrap();
    let mut s = Sentinel::start_in(dir, &[]);
    let meta = std::fs::metadata(&sock).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    assert_eq!(cli_unix(&sock_s, &["PING"]), "PONG\n");
    let info = cli_unix(&sock_s, &["CLIENT", "INFO"]);
    assert!(
        info.contains(&format!(" addr={sock_s}:0 laddr={sock_s}:0 ")),
        "{info}"
    );
    assert!(info.contains(" flags=U "), "{info}");
    // The same commands as over TCP: a Sentinel command and an error.
    assert_eq!(cli_unix(&sock_s, &["SENTINEL", "MASTERS"]), "\n");
    assert!(cli_unix(&sock_s, &["NOSUCH"]).starts_with("ERR unknown command"));
    // TCP clients are not marked.
    let tcp = text(&s.client().cmd(&["CLIENT", "INFO"]));
    assert!(tcp.contains(" flags=N "), "{tcp}");

    s.signal("TERM");
    assert_eq!(s.wait_exit().and_then(|st| st.code()), Some(0));
    assert!(!sock.exists(), "the socket file is removed at shutdown");
    let out = s.output();
    assert!(out.contains(" * Removing the unix socket file."), "{out}");
}

#[test]
fn listening_nowhere_or_on_a_bad_socket_path_fails() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("s.conf");
    std::fs::write(&conf, "port 0\n").unwrap();
    let out = run_to_exit(&[conf.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(" # Configured to not listen anywhere, exiting."),
        "{stdout}"
    );

    let long = format!("/tmp/{}.sock", "x".repeat(120));
    std::fs::write(&conf, format!("port 0\nunixsocket {long}\n")).unwrap();
    for extra in [None, Some("--test-config")] {
        let mut args = vec![conf.to_str().unwrap()];
        args.extend(extra);
        let out = run_to_exit(&args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(
                " # Failed opening Unix socket: unix socket path too long (130), must be under 108"
            ),
            "{extra:?}: {stdout}"
        );
    }
}

#[test]
fn directives_whose_effect_would_be_ignored_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("s.conf");
    for (line, reason) in [
        (
            "socket-mark-id 7",
            "rsentinel does not mark its sockets, so 'socket-mark-id' must be 0",
        ),
        (
            "bind-source-addr 127.0.0.1",
            "rsentinel does not bind its outgoing connections, so 'bind-source-addr' must be unset",
        ),
        (
            "client-output-buffer-limit normal 1mb 0 0",
            "rsentinel applies only redis' default client-output-buffer-limit for the normal class (0 0 0)",
        ),
    ] {
        std::fs::write(&conf, format!("port 26379\n{line}\n")).unwrap();
        let path = conf.to_str().unwrap();
        let banner = format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> '{line}'\n{reason}\n"
        );
        for args in [vec![path], vec![path, "--test-config"]] {
            let out = run_to_exit(&args, dir.path());
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), banner, "{args:?}");
        }
        // The same on the command line.
        std::fs::write(&conf, "port 26379\n").unwrap();
        let words: Vec<String> = line.split(' ').map(str::to_string).collect();
        let opt = format!("--{}", words[0]);
        let mut args = vec![path, opt.as_str()];
        args.extend(words[1..].iter().map(String::as_str));
        let out = run_to_exit(&args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.ends_with(&format!("{reason}\n")), "{stderr}");
    }
}

#[test]
fn directives_meaning_nothing_to_a_sentinel_are_reported_as_warnings() {
    let s = Sentinel::start(
        "loadmodule /nonexistent/module.so\nmaxmemory 1000\nappendonly yes\nproto-max-bulk-len 1mb\n",
        &[],
    );
    let out = s.output();
    for d in ["loadmodule", "maxmemory", "appendonly"] {
        assert!(
            out.lines().any(|l| l.contains(" # Directive '")
                && l.contains(&format!("'{d} "))
                && l.ends_with("but rsentinel does not act on it")),
            "{d}: {out}"
        );
    }
    // Acted upon: not reported.
    assert!(!out.contains("'proto-max-bulk-len"), "{out}");
    assert!(
        out.contains(" # WARNING: You specified a maxmemory value that is less than 1MB (current value is 1000 bytes). Are you sure this is what you really want?"),
        "{out}"
    );
}

#[test]
fn proto_max_bulk_len_is_applied() {
    let s = Sentinel::start("proto-max-bulk-len 1mb\n", &[]);
    let mut c = s.client();
    c.send_raw(b"*2\r\n$4\r\nPING\r\n$2000000\r\n");
    let got = c.read_until_closed();
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR Protocol error: invalid bulk length\r\n"
    );
    // Within the limit it is served.
    let mut c = s.client();
    let big = "x".repeat(600_000);
    assert_eq!(text(&c.cmd(&["PING", &big])).len(), 600_000);
}

#[test]
fn test_config_runs_the_start_checks() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("s.conf");
    let path = conf.to_str().unwrap().to_string();
    let check = |body: &str| {
        std::fs::write(&conf, body).unwrap();
        let out = run_to_exit(&[&path, "--test-config"], dir.path());
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), all)
    };
    // Each of these loads, and then fails the start.
    for (body, expect) in [
        (
            "bind 192.0.2.1\n",
            "Could not create server TCP listening socket 192.0.2.1:26379",
        ),
        (
            "user alice on >pw +nosuchcommand\n",
            "Unknown command or category name in ACL",
        ),
        (
            "user alice on >pw\naclfile /nonexistent/users.acl\n",
            "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid",
        ),
        (
            "aclfile /nonexistent/users.acl\n",
            "Error loading ACLs, opening file '/nonexistent/users.acl'",
        ),
        (
            "sentinel monitor m no-such-host.invalid 6379 2\n",
            "Can't resolve instance hostname.",
        ),
        (
            "rename-command NOSUCH FOO\n",
            "No such command in rename-command: 'NOSUCH'",
        ),
    ] {
        let (code, all) = check(body);
        assert_eq!(code, Some(1), "{body}: {all}");
        assert!(all.contains(expect), "{body}: {all}");
        assert!(!all.contains("is OK"), "{body}: {all}");
    }
    // A relative socket path is under `dir`, as a start opens it.
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(sub.join("inner")).unwrap();
    let (code, all) = check(&format!("dir {}\nunixsocket inner/s.sock\n", sub.display()));
    assert_eq!(code, Some(0), "{all}");
    let (code, all) = check("unixsocket no-such-dir/s.sock\n");
    assert_eq!(code, Some(1), "{all}");
    assert!(
        all.contains("Failed opening Unix socket: bind: No such file or directory"),
        "{all}"
    );
    // A Sentinel serving on the file's port does not make the check fail.
    let s = Sentinel::start("", &[]);
    std::fs::write(&conf, format!("port {}\nbind 127.0.0.1\n", s.port)).unwrap();
    let out = run_to_exit(&[&path, "--test-config"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Configuration of {path} is OK\n")
    );
}

#[test]
#[allow(unsafe_code)] // see the SAFETY comment
fn test_config_checks_the_file_is_writable() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: root can write any file, the check cannot fail");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("s.conf");
    std::fs::write(&conf, "port 26379\n").unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = run_to_exit(&[conf.to_str().unwrap(), "--test-config"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("is not writable: Permission denied. Exiting..."),
        "{stdout}"
    );
}

#[test]
fn loglevel_set_at_run_time_is_applied_and_kept() {
    let s = Sentinel::start("", &[]);
    let accepted = |s: &Sentinel| s.output().matches(" - Accepted 127.0.0.1:").count();
    let before = accepted(&s);
    assert_ok(
        &s.client()
            .cmd(&["SENTINEL", "CONFIG", "SET", "loglevel", "verbose"]),
    );
    assert!(config_lines(&s.config_text()).contains(&"loglevel verbose".to_string()));
    let _c = s.client().cmd(&["PING"]);
    assert!(
        wait_until(LONG, || accepted(&s) > before),
        "verbose lines are logged now\n{}",
        s.output()
    );
    assert_ok(
        &s.client()
            .cmd(&["SENTINEL", "CONFIG", "SET", "loglevel", "warning"]),
    );
    // The notice about this very save is not logged any more.
    let saves = s
        .output()
        .matches("Sentinel new configuration saved")
        .count();
    assert_ok(&s.client().cmd(&["SENTINEL", "FLUSHCONFIG"]));
    assert_eq!(
        s.output()
            .matches("Sentinel new configuration saved")
            .count(),
        saves
    );
    let s = s.restart(&[]);
    assert_eq!(
        strings(&s.client().cmd(&["SENTINEL", "CONFIG", "GET", "loglevel"])),
        ["loglevel", "warning"]
    );
}

#[test]
fn client_setinfo_is_listed_only_once_set() {
    let s = Sentinel::start("", &[]);
    let mut a = s.client();
    let mut b = s.client();
    assert_ok(&a.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"]));
    assert_ok(&a.cmd(&["CLIENT", "SETINFO", "lib-ver", "5.0.1"]));
    let info = text(&a.cmd(&["CLIENT", "INFO"]));
    assert!(
        info.ends_with(" resp=2 lib-name=redis-py lib-ver=5.0.1\n"),
        "{info}"
    );
    let other = text(&b.cmd(&["CLIENT", "INFO"]));
    assert!(other.ends_with(" resp=2\n"), "{other}");
    let list = text(&b.cmd(&["CLIENT", "LIST"]));
    assert!(list.contains("lib-name=redis-py lib-ver=5.0.1\n"), "{list}");
    // Clearing one keeps the other.
    assert_ok(&a.cmd(&["CLIENT", "SETINFO", "lib-name", ""]));
    let info = text(&a.cmd(&["CLIENT", "INFO"]));
    assert!(info.ends_with(" lib-name= lib-ver=5.0.1\n"), "{info}");
}

fn oom_score_adj(pid: u32) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj"))
        .expect("read oom_score_adj")
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn oom_score_adj_is_applied() {
    // Raising the score needs no privilege; the start value is the test's own.
    let own = oom_score_adj(std::process::id());
    let s = Sentinel::start(
        "oom-score-adj absolute\noom-score-adj-values 345 0 0\n",
        &[],
    );
    assert!(wait_until(LONG, || oom_score_adj(s.pid()) == 345));
    let s = Sentinel::start("oom-score-adj relative\noom-score-adj-values 10 0 0\n", &[]);
    assert!(wait_until(LONG, || oom_score_adj(s.pid()) == (own + 10).min(1000)));
    let s = Sentinel::start("oom-score-adj-values 345 0 0\n", &[]);
    std::thread::sleep(QUIET);
    assert_eq!(oom_score_adj(s.pid()), own);
}

fn allowed_cpus(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn server_cpulist_sets_the_affinity() {
    // The first CPU this test may use (a CI runner may be pinned).
    let own = allowed_cpus(std::process::id());
    let first: String = own.chars().take_while(char::is_ascii_digit).collect();
    let s = Sentinel::start(&format!("server_cpulist {first}\n"), &[]);
    assert!(
        wait_until(LONG, || allowed_cpus(s.pid()) == first),
        "{}",
        allowed_cpus(s.pid())
    );
    let s = Sentinel::start("server_cpulist 3-1\n", &[]);
    assert!(s
        .output()
        .contains(" # Invalid server_cpulist '3-1': the CPU affinity is left unchanged"));
    assert_eq!(
        allowed_cpus(s.pid()),
        allowed_cpus(std::process::id()),
        "unchanged"
    );
}
