//! Load errors, with the texts the real redis-sentinel prints.

use super::text;
use crate::*;

const MON: &str = "sentinel monitor m 127.0.0.1 27149 2";

/// (file lines, error line, directive shown, message): outputs of `redis-sentinel` 7.0.15.
const ERRORS: &[(&[&str], usize, &str, &str)] = &[
    (
        &["sentinel foo"],
        2,
        "sentinel foo",
        "Unrecognized sentinel configuration statement.",
    ),
    (
        &["sentinel monitor m 127.0.0.1 6379 0"],
        2,
        "sentinel monitor m 127.0.0.1 6379 0",
        "Quorum must be 1 or greater.",
    ),
    (
        &["sentinel monitor m 127.0.0.1 70000 2"],
        2,
        "sentinel monitor m 127.0.0.1 70000 2",
        "Invalid port number.",
    ),
    (
        &["sentinel monitor m 127.0.0.1 -1 2"],
        2,
        "sentinel monitor m 127.0.0.1 -1 2",
        "Invalid port number.",
    ),
    (
        &["sentinel monitor m localhost 6379 2"],
        2,
        "sentinel monitor m localhost 6379 2",
        "Can't resolve instance hostname.",
    ),
    (&[MON, MON], 3, MON, "Duplicate master name."),
    (
        &["sentinel down-after-milliseconds m 100"],
        2,
        "sentinel down-after-milliseconds m 100",
        "No such master with specified name.",
    ),
    (
        &[MON, "sentinel down-after-milliseconds m 0"],
        3,
        "sentinel down-after-milliseconds m 0",
        "negative or zero time parameter.",
    ),
    (
        &[MON, "sentinel failover-timeout m -5"],
        3,
        "sentinel failover-timeout m -5",
        "negative or zero time parameter.",
    ),
    (
        &[MON, "sentinel master-reboot-down-after-period m -5"],
        3,
        "sentinel master-reboot-down-after-period m -5",
        "negative time parameter.",
    ),
    (
        &["sentinel myid abc"],
        2,
        "sentinel myid abc",
        "Malformed Sentinel id in myid option.",
    ),
    (
        &["sentinel deny-scripts-reconfig maybe"],
        2,
        "sentinel deny-scripts-reconfig maybe",
        "Please specify yes or no for the deny-scripts-reconfig options.",
    ),
    (
        &["sentinel resolve-hostnames maybe"],
        2,
        "sentinel resolve-hostnames maybe",
        "Please specify yes or no for the resolve-hostnames option.",
    ),
    (
        &["sentinel announce-hostnames maybe"],
        2,
        "sentinel announce-hostnames maybe",
        "Please specify yes or no for the announce-hostnames option.",
    ),
    (
        &["sentinel fast-failover maybe"],
        2,
        "sentinel fast-failover maybe",
        "Please specify yes or no for the fast-failover option.",
    ),
    (
        &[
            MON,
            "sentinel known-replica m 127.0.0.1 1",
            "sentinel known-slave m 127.0.0.1 1",
        ],
        4,
        "sentinel known-slave m 127.0.0.1 1",
        "Duplicate hostname and port for replica.",
    ),
    (
        &[
            MON,
            "sentinel known-sentinel m 127.0.0.1 1 abc",
            "sentinel known-sentinel m 127.0.0.1 2 abc",
        ],
        4,
        "sentinel known-sentinel m 127.0.0.1 2 abc",
        "Duplicate runid for sentinel.",
    ),
    (
        &[
            MON,
            "sentinel rename-command m config a",
            "sentinel rename-command m CONFIG b",
        ],
        4,
        "sentinel rename-command m CONFIG b",
        "Same command renamed multiple times with rename-command.",
    ),
    (
        &["sentinel monitor m 127.0.0.1 27149"],
        2,
        "sentinel monitor m 127.0.0.1 27149",
        "Unrecognized sentinel configuration statement.",
    ),
    (
        &["port abc"],
        2,
        "port abc",
        "argument couldn't be parsed into an integer",
    ),
    (
        &["port 70000"],
        2,
        "port 70000",
        "argument must be between 0 and 65535 inclusive",
    ),
    (&["port 1 2"], 2, "port 1 2", "wrong number of arguments"),
    (
        &["daemonize maybe"],
        2,
        "daemonize maybe",
        "argument must be 'yes' or 'no'",
    ),
    (
        &["loglevel silent"],
        2,
        "loglevel silent",
        "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
    ),
    (
        &["foo bar"],
        2,
        "foo bar",
        "Bad directive or wrong number of arguments",
    ),
    (
        &["dir \"/tmp"],
        2,
        "dir \"/tmp",
        "Unbalanced quotes in configuration line",
    ),
    (
        &["x \"a\"b"],
        2,
        "x \"a\"b",
        "Unbalanced quotes in configuration line",
    ),
    (
        &["maxmemory 1x"],
        2,
        "maxmemory 1x",
        "argument must be a memory value",
    ),
    (
        &["include", ""],
        2,
        "include",
        "Bad directive or wrong number of arguments",
    ),
    (
        &["mod.conf"],
        2,
        "mod.conf",
        "Module config specified without value",
    ),
    // Generic lines are checked before any sentinel line.
    (
        &[MON, "sentinel down-after-milliseconds m 0", "port x"],
        4,
        "port x",
        "argument couldn't be parsed into an integer",
    ),
    // Sentinel-wide lines are applied first, then monitors, then per-master lines.
    (
        &[
            "sentinel known-replica m 127.0.0.1 1",
            MON,
            "sentinel myid abc",
        ],
        4,
        "sentinel myid abc",
        "Malformed Sentinel id in myid option.",
    ),
    (
        &["bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"],
        2,
        "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
        "Too many bind addresses specified.",
    ),
    (&["save 1"], 2, "save 1", "Invalid save parameters"),
    (
        &["replicaof h x"],
        2,
        "replicaof h x",
        "Invalid master port",
    ),
];

#[test]
fn errors_match_redis() {
    for (lines, line, directive, message) in ERRORS {
        let mut all = vec!["port 27120"];
        all.extend_from_slice(lines);
        let err = parse(&text(&all), "/etc/s.conf").expect_err("must fail");
        let want = ConfigError::Line {
            file: "/etc/s.conf".into(),
            line: *line,
            directive: directive.to_string(),
            message: message.to_string(),
        };
        assert_eq!(err, want, "{lines:?}");
        assert_eq!(err.file(), "/etc/s.conf");
        assert_eq!(err.line(), Some(*line));
    }
}

#[test]
fn error_display_is_redis_banner() {
    let err = parse("port 1\nsentinel foo\n", "s.conf").expect_err("must fail");
    assert_eq!(
        err.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'sentinel foo'\nUnrecognized sentinel configuration statement.\n"
    );
}

#[test]
fn load_reports_missing_file_and_scripts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.conf");
    let err = load(&missing, &Vec::new()).expect_err("missing file");
    assert_eq!(
        err.to_string(),
        format!(
            "Fatal error, can't open config file '{}': No such file or directory",
            missing.display()
        )
    );

    let conf = dir.path().join("s.conf");
    std::fs::write(
        &conf,
        text(&[
            "port 1",
            MON,
            "sentinel notification-script m /nonexistent/x",
        ]),
    )
    .expect("write");
    let err = load(&conf, &Vec::new()).expect_err("script check");
    assert_eq!(
        err.message(),
        "Notification script seems non existing or non executable."
    );
    std::fs::write(
        &conf,
        text(&[
            "port 1",
            MON,
            "sentinel client-reconfig-script m /etc/passwd",
        ]),
    )
    .expect("write");
    let err = load(&conf, &Vec::new()).expect_err("script check");
    assert_eq!(
        err.message(),
        "Client reconfiguration script seems non existing or non executable."
    );

    std::fs::write(&conf, "logfile /nonexistent/dir/log\n").expect("write");
    let err = load(&conf, &Vec::new()).expect_err("log file check");
    assert_eq!(err.to_string(), "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n");
}

#[test]
fn command_line_lines_follow_the_file() {
    // Verified with `redis-sentinel cli.conf --sentinel monitor m 127.0.0.1 27149 2
    // --sentinel down-after-milliseconds m 0`.
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("s.conf");
    std::fs::write(&conf, "port 27121\n").expect("write");
    let args: Vec<String> = [
        "--sentinel",
        "monitor",
        "m",
        "127.0.0.1",
        "27149",
        "2",
        "--sentinel",
        "down-after-milliseconds",
        "m",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let err = load(&conf, &args).expect_err("bad option");
    assert_eq!(err.line(), Some(4));
    assert_eq!(
        err.to_string().lines().nth(3),
        Some(">>> 'sentinel \"down-after-milliseconds\" \"m\" \"0\"'")
    );

    let ok = load(
        &conf,
        &["--port".into(), "26380".into(), "--sentinel".into()],
    )
    .expect("loads");
    assert_eq!(ok.server.port, 26380);
    let err = load(&conf, &["--loglevel".into()]).expect_err("no value");
    assert_eq!(
        (err.line(), err.message()),
        (Some(3), "wrong number of arguments")
    );
    let err = load(&conf, &["--port".into(), "1 2".into()]).expect_err("quoted value");
    assert_eq!(err.to_string().lines().nth(3), Some(">>> 'port \"1 2\"'"));
}

#[test]
fn includes_are_followed_by_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inc = dir.path().join("inc.conf");
    std::fs::write(&inc, "\nport 5\nsentinel bogus\n").expect("write");
    let conf = dir.path().join("s.conf");
    std::fs::write(&conf, format!("include {}\nport 6\n", inc.display())).expect("write");
    let err = load(&conf, &Vec::new()).expect_err("bad sentinel line in include");
    assert_eq!(
        (err.file(), err.line()),
        (inc.display().to_string().as_str(), Some(3))
    );
    std::fs::write(&inc, "port 5\n").expect("write");
    let c = load(&conf, &Vec::new()).expect("loads");
    assert_eq!(c.server.port, 6);
    assert_eq!(
        parse(&std::fs::read_to_string(&conf).expect("read"), "s")
            .expect("pure")
            .server
            .port,
        6
    );
}

#[test]
fn load_follows_dir_and_globs_like_redis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("s.conf");
    let load_text = |t: &str| {
        std::fs::write(&conf, t).expect("write");
        load(&conf, &Vec::new())
    };
    // Texts from `redis-sentinel` with `dir /nonexistent` and `dir /etc/passwd`.
    let err = load_text("port 1\ndir /nonexistent\n").expect_err("no such dir");
    assert_eq!(
        (err.line(), err.message()),
        (Some(2), "No such file or directory")
    );
    let err = load_text("port 1\ndir /etc/passwd\n").expect_err("not a dir");
    assert_eq!(err.message(), "Not a directory");
    let err = load_text("include /nonexistent/x.conf\n").expect_err("missing include");
    assert_eq!(
        err.to_string(),
        "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory"
    );
    // A wildcard matching nothing is fine; relative includes follow `dir`.
    std::fs::create_dir(dir.path().join("conf.d")).expect("mkdir");
    std::fs::write(dir.path().join("conf.d/b.conf"), "port 22\n").expect("write");
    std::fs::write(dir.path().join("conf.d/a.conf"), "port 11\ntimeout 5\n").expect("write");
    let c = load_text(&format!(
        "dir {}\ninclude /nonexistent/*.conf\ninclude conf.d/*.conf\n",
        dir.path().display()
    ))
    .expect("loads");
    assert_eq!(
        (c.server.port, c.server.timeout),
        (22, 5),
        "globbed files are read in sorted order"
    );
    let c = load_text(&format!(
        "dir {}\ninclude conf.d/a.conf\n",
        dir.path().display()
    ))
    .expect("loads");
    assert_eq!(c.server.port, 11);
    let c = load_text(&format!("dir {}\ndir conf.d\n", dir.path().display())).expect("loads");
    assert_eq!(
        c.server.dir,
        Some(dir.path().join("conf.d").display().to_string())
    );
}

#[test]
fn load_accepts_a_parsed_command_line_and_locates_late_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("s.conf");
    std::fs::write(
        &conf,
        text(&["port 1", "# x", "sentinel monitor mm 127.0.0.1 6379 2"]),
    )
    .expect("write");
    let args: Vec<String> = [conf.display().to_string(), "--port".into(), "7".into()].to_vec();
    let cli = parse_cli(&args).expect("command line");
    let c = load(&conf, &cli).expect("loads");
    assert_eq!(c.server.port, 7);
    assert_eq!(load_cli(&cli).expect("loads"), c);

    let file = conf.display().to_string();
    assert_eq!(
        fatal_error_text(&file, Some("mm"), "Can't resolve instance hostname."),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'sentinel monitor mm 127.0.0.1 6379 2'\nCan't resolve instance hostname.\n"
    );
    assert_eq!(
        fatal_error_text(&file, None, "Malformed Sentinel id in myid option."),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nMalformed Sentinel id in myid option.\n"
    );
}
