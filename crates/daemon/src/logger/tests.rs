use super::line::{event_subject, json_line, redis_line, Record, Sink};
use super::syslog::Syslog;
use super::*;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, UNIX_EPOCH};

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_795_430_400_123)
}

fn utc() {
    // Every test here wants UTC; setting the same value from several threads is harmless.
    std::env::set_var("TZ", "UTC");
}

fn rec(level: LogLevel, msg: &str) -> Record {
    Record {
        level,
        message: msg.to_string(),
        ..Record::default()
    }
}

#[test]
fn redis_lines_are_byte_for_byte_redis_shape() {
    utc();
    let line = redis_line(
        4242,
        &rec(
            LogLevel::Warning,
            "+monitor master m 127.0.0.1 6379 quorum 2",
        ),
        at(),
    );
    assert_eq!(
        String::from_utf8(line).unwrap(),
        "4242:X 23 Nov 2026 10:40:00.123 # +monitor master m 127.0.0.1 6379 quorum 2\n"
    );
    for (level, mark) in [
        (LogLevel::Debug, '.'),
        (LogLevel::Verbose, '-'),
        (LogLevel::Notice, '*'),
    ] {
        let l = String::from_utf8(redis_line(1, &rec(level, "x"), at())).unwrap();
        assert_eq!(l, format!("1:X 23 Nov 2026 10:40:00.123 {mark} x\n"));
    }
    let mut sig = rec(LogLevel::Warning, "Received SIGTERM scheduling shutdown...");
    sig.signal_handler = true;
    assert_eq!(
        String::from_utf8(redis_line(7, &sig, at())).unwrap(),
        "7:signal-handler (1795430400) Received SIGTERM scheduling shutdown...\n"
    );
}

#[test]
fn day_of_month_is_zero_padded_like_strftime() {
    utc();
    // 2026-12-06 00:00:00.005 UTC
    let t = UNIX_EPOCH + Duration::from_millis(1_796_515_200_005);
    assert_eq!(timestamp(t), "06 Dec 2026 00:00:00.005");
}

#[test]
fn long_messages_are_cut_at_redis_log_max_len() {
    let msg = "a".repeat(1 << 20);
    let line = redis_line(1, &rec(LogLevel::Notice, &msg), at());
    let text = String::from_utf8(line).unwrap();
    let body = text.split(" * ").nth(1).unwrap();
    assert_eq!(
        body.len(),
        LOG_MAX_LEN - 1 + 1,
        "1023 bytes and the newline"
    );
    assert!(body.ends_with("a\n"));

    // JSON keeps valid UTF-8: a cut never splits a character.
    let wide = "é".repeat(2000);
    let j = json_line(1, &rec(LogLevel::Notice, &wide), at());
    let v: serde_json::Value = serde_json::from_slice(&j).unwrap();
    let m = v["message"].as_str().unwrap();
    assert!(
        m.len() < LOG_MAX_LEN && m.len() >= LOG_MAX_LEN - 2,
        "{}",
        m.len()
    );
}

#[test]
fn json_lines_carry_event_fields() {
    utc();
    let r = Record {
        level: LogLevel::Warning,
        message: "+sdown master mymaster 127.0.0.1 6379".into(),
        event_type: Some("+sdown".into()),
        master: Some("mymaster".into()),
        address: Some("127.0.0.1:6379".into()),
        epoch: Some(3),
        signal_handler: false,
    };
    let bytes = json_line(99, &r, at());
    assert_eq!(bytes.last(), Some(&b'\n'));
    assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 1);
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["time"], "2026-11-23T10:40:00.123+00:00");
    assert_eq!(v["level"], "warning");
    assert_eq!(v["pid"], 99);
    assert_eq!(v["role"], "sentinel");
    assert_eq!(v["message"], "+sdown master mymaster 127.0.0.1 6379");
    assert_eq!(v["type"], "+sdown");
    assert_eq!(v["master"], "mymaster");
    assert_eq!(v["address"], "127.0.0.1:6379");
    assert_eq!(v["epoch"], 3);
    // A plain line has no event fields at all.
    let plain: serde_json::Value =
        serde_json::from_slice(&json_line(1, &rec(LogLevel::Notice, "a \"q\"\nb"), at())).unwrap();
    assert_eq!(plain["message"], "a \"q\"\nb");
    assert!(plain.get("type").is_none() && plain.get("epoch").is_none());
}

#[test]
fn event_texts_name_master_and_address() {
    assert_eq!(
        event_subject("master mymaster 127.0.0.1 6379 quorum 2"),
        (Some("mymaster"), Some("127.0.0.1:6379".to_string()))
    );
    assert_eq!(
        event_subject("slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"),
        (Some("mymaster"), Some("127.0.0.1:6380".to_string()))
    );
    assert_eq!(
        event_subject("sentinel abc ::1 26379 @ m ::1 6379"),
        (Some("m"), Some("[::1]:26379".to_string()))
    );
    assert_eq!(event_subject("5"), (None, None));
}

#[test]
fn levels_filter() {
    let l = Logger::new("", LogLevel::Warning);
    assert!(l.enabled(LogLevel::Warning));
    assert!(!l.enabled(LogLevel::Notice));
    let n = Logger::new("", LogLevel::Nothing);
    assert!(!n.enabled(LogLevel::Warning));
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rsentinel-log-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_tracing_path_writes_the_file_at_the_configured_level() {
    let dir = temp_dir("file");
    let path = dir.join("s.log");
    let mut settings = rsentinel_config::ServerSettings {
        logfile: path.display().to_string(),
        loglevel: LogLevel::Verbose,
        ..Default::default()
    };
    let l = Logger::from_settings(&settings);
    l.debug("not written");
    l.verbose("written");
    l.event(LogLevel::Warning, "+sdown", "master m 127.0.0.1 6379", 4);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].ends_with(" - written"), "{text}");
    assert!(
        lines[1].ends_with(" # +sdown master m 127.0.0.1 6379"),
        "{text}"
    );

    settings.log_format = LogFormat::Json;
    std::fs::remove_file(&path).unwrap();
    let j = Logger::from_settings(&settings);
    j.event(
        LogLevel::Warning,
        "+odown",
        "master m 127.0.0.1 6379 #quorum 2/2",
        4,
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["type"], "+odown");
    assert_eq!(v["master"], "m");
    assert_eq!(v["epoch"], 4);
    assert_eq!(v["pid"], std::process::id());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn syslog_gets_the_message_as_glibc_formats_it() {
    utc();
    let dir = temp_dir("syslog");
    let path = dir.join("log.sock");
    let server = UnixDatagram::bind(&path).unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let s = Syslog::at(path.clone(), "sentinel-x", "local3");
    let sink = Sink::new("/dev/null", LogLevel::Notice, LogFormat::Redis, Some(s));
    sink.write(
        &rec(LogLevel::Warning, "+sdown master m 1.2.3.4 6379"),
        at(),
    );
    sink.write(&rec(LogLevel::Notice, &"z".repeat(5000)), at());
    let mut buf = vec![0u8; 8192];
    let n = server.recv(&mut buf).unwrap();
    // local3 = 19, warning = 4: 19 * 8 + 4 = 156.
    let expected = format!(
        "<156>Nov 23 10:40:00 sentinel-x[{}]: +sdown master m 1.2.3.4 6379",
        std::process::id()
    );
    assert_eq!(String::from_utf8_lossy(&buf[..n]), expected);
    let n = server.recv(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        text.starts_with("<157>Nov 23 10:40:00 sentinel-x["),
        "{text}"
    );
    assert_eq!(text.split(": ").nth(1).unwrap().len(), LOG_MAX_LEN - 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_syslog_socket_loses_messages_quietly() {
    let s = Syslog::at("/nonexistent/dir/log".into(), "redis", "local0");
    s.send(LogLevel::Warning, b"x", 1, at());
}
