//! Generic commands against the real binary: dispatch errors, ROLE, INFO, CLIENT, COMMAND
//! and SHUTDOWN.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_resp::Frame;
use std::time::{Duration, Instant};

#[test]
fn dispatch_error_texts() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    assert_err(
        &c.cmd(&["foo", "a", "b"]),
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
    );
    assert_err(
        &c.cmd(&["GET", "k"]),
        "ERR unknown command 'GET', with args beginning with: 'k' ",
    );
    assert_err(
        &c.cmd(&["PING", "a", "b"]),
        "ERR wrong number of arguments for 'ping' command",
    );
    assert_err(
        &c.cmd(&["CLIENT", "SETNAME"]),
        "ERR wrong number of arguments for 'client|setname' command",
    );
    assert_err(
        &c.cmd(&["CLIENT", "foo"]),
        "ERR unknown subcommand 'foo'. Try CLIENT HELP.",
    );
    assert_err(
        &c.cmd(&["SENTINEL", "foo"]),
        "ERR unknown subcommand 'foo'. Try SENTINEL HELP.",
    );
    // The connection stays usable after errors.
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    // Same texts through redis-cli.
    assert_eq!(
        s.cli(&["foo"]),
        "ERR unknown command 'foo', with args beginning with: \n\n"
    );
}

#[test]
fn role_lists_the_masters() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    assert_eq!(
        c.cmd(&["ROLE"]),
        Frame::Array(vec![Frame::bulk_str("sentinel"), Frame::Array(vec![])])
    );
    for name in ["b", "a"] {
        let p = free_port().to_string();
        assert_ok(&c.cmd(&["SENTINEL", "MONITOR", name, "127.0.0.1", &p, "1"]));
    }
    let role = c.cmd(&["ROLE"]);
    let parts = items(&role);
    assert_eq!(text(&parts[0]), "sentinel");
    let mut names = strings(&parts[1]);
    names.sort();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn info_sections_and_fields() {
    let master = RedisServer::start();
    let mp = master.port.to_string();
    let s = Sentinel::start(
        &format!("sentinel monitor mymaster 127.0.0.1 {mp} 2\n"),
        &[],
    );
    let mut c = s.client();
    let info = text(&c.cmd(&["INFO"]));
    let headers: Vec<&str> = info.lines().filter(|l| l.starts_with("# ")).collect();
    assert_eq!(
        headers,
        ["# Server", "# Clients", "# Stats", "# CPU", "# Sentinel"]
    );
    assert!(info.contains("\r\n"), "lines end with CRLF");
    for needle in [
        "redis_version:7.0.15\r\n",
        "redis_mode:sentinel\r\n",
        &format!("tcp_port:{}\r\n", s.port),
        &format!("process_id:{}\r\n", s.pid()),
        "connected_clients:",
        "total_connections_received:",
        "sentinel_masters:1\r\n",
        "sentinel_tilt:0\r\n",
        "sentinel_running_scripts:0\r\n",
        &format!("master0:name=mymaster,status=ok,address=127.0.0.1:{mp},slaves=0,sentinels=1"),
    ] {
        assert!(info.contains(needle), "missing {needle:?} in\n{info}");
    }
    let only = text(&c.cmd(&["INFO", "sentinel"]));
    assert!(only.starts_with("# Sentinel\r\n"), "{only}");
    assert!(!only.contains("# Server"));
    let two = text(&c.cmd(&["INFO", "server", "clients"]));
    assert!(two.contains("# Server") && two.contains("# Clients") && !two.contains("# Stats"));
    // redis-cli shows the same.
    let cli = s.cli(&["info", "sentinel"]);
    assert!(cli.contains("sentinel_masters:1"), "{cli}");
}

#[test]
fn client_name_id_and_list() {
    let s = Sentinel::start("", &[]);
    let mut a = s.client();
    let mut b = s.client();
    assert_eq!(a.cmd(&["CLIENT", "GETNAME"]), Frame::Null);
    assert_ok(&a.cmd(&["CLIENT", "SETNAME", "alpha"]));
    assert_eq!(text(&a.cmd(&["CLIENT", "GETNAME"])), "alpha");
    assert_err(
        &a.cmd(&["CLIENT", "SETNAME", "a b"]),
        "ERR Client names cannot contain spaces, newlines or special characters.",
    );
    let Frame::Integer(id_a) = a.cmd(&["CLIENT", "ID"]) else {
        panic!("CLIENT ID is an integer")
    };
    let Frame::Integer(id_b) = b.cmd(&["CLIENT", "ID"]) else {
        panic!("CLIENT ID is an integer")
    };
    assert!(id_b > id_a);
    let list = text(&b.cmd(&["CLIENT", "LIST"]));
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines.len() >= 2, "{list}");
    let line_a = lines
        .iter()
        .find(|l| l.starts_with(&format!("id={id_a} ")))
        .unwrap_or_else(|| panic!("no line for {id_a}: {list}"));
    assert!(line_a.contains(" name=alpha "), "{line_a}");
    assert!(
        line_a.contains(&format!(" laddr=127.0.0.1:{} ", s.port)),
        "{line_a}"
    );
    assert!(line_a.contains(" cmd=client|getname ") || line_a.contains(" cmd=client|id "));
    assert!(line_a.contains(" user=default "), "{line_a}");
    let line_b = lines
        .iter()
        .find(|l| l.starts_with(&format!("id={id_b} ")))
        .expect("own line");
    assert!(line_b.contains(" cmd=client|list "), "{line_b}");
    // CLIENT LIST ID filters.
    let one = text(&b.cmd(&["CLIENT", "LIST", "ID", &id_a.to_string()]));
    assert_eq!(one.lines().count(), 1, "{one}");
    // In the order asked, repeats included; unknown and non-positive ids match nothing.
    let (sa, sb) = (id_a.to_string(), id_b.to_string());
    let some = text(&b.cmd(&["CLIENT", "LIST", "ID", &sb, &sa, &sb, "0", "-1", "999999"]));
    let ids: Vec<&str> = some
        .lines()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [format!("id={sb}"), format!("id={sa}"), format!("id={sb}")]
    );
    assert_err(
        &b.cmd(&["CLIENT", "LIST", "ID", "x"]),
        "ERR Invalid client ID",
    );
}

#[test]
fn client_kill_by_id_addr_type_user_and_skipme() {
    let s = Sentinel::start("", &[]);
    let mut admin = s.client();

    // By ID.
    let mut victim = s.client();
    let id = victim.cmd(&["CLIENT", "ID"]);
    let Frame::Integer(id) = id else { panic!() };
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Frame::Integer(1)
    );
    assert!(victim.is_closed());
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Frame::Integer(0)
    );

    // Old form: by address.
    let mut victim = s.client();
    assert_eq!(victim.cmd(&["PING"]), Frame::Simple("PONG".into()));
    let addr = victim.stream.local_addr().unwrap().to_string();
    assert_ok(&admin.cmd(&["CLIENT", "KILL", &addr]));
    assert!(victim.is_closed());
    assert_err(&admin.cmd(&["CLIENT", "KILL", &addr]), "ERR No such client");

    // By type: only the subscriber goes.
    let mut sub = s.client();
    sub.send(&["SUBSCRIBE", "x"]);
    sub.recv();
    let mut normal = s.client();
    assert_eq!(normal.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]),
        Frame::Integer(1)
    );
    assert!(sub.is_closed());
    assert_eq!(normal.cmd(&["PING"]), Frame::Simple("PONG".into()));

    // By user, skipping the caller by default; then SKIPME no kills the caller too.
    assert_err(
        &admin.cmd(&["CLIENT", "KILL", "USER", "nobody"]),
        "ERR No such user 'nobody'",
    );
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "USER", "default"]),
        Frame::Integer(1)
    );
    assert!(normal.is_closed());
    assert_eq!(admin.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "USER", "default", "SKIPME", "no"]),
        Frame::Integer(1)
    );
    assert!(admin.is_closed());
    assert_eq!(s.client().cmd(&["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn client_reply_off_skip_on() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    c.send(&["CLIENT", "REPLY", "OFF"]);
    c.send(&["PING", "silenced"]);
    c.send(&["CLIENT", "REPLY", "ON"]);
    assert_ok(&c.recv());
    c.send(&["CLIENT", "REPLY", "SKIP"]);
    c.send(&["PING", "skipped"]);
    c.send(&["PING", "shown"]);
    assert_eq!(text(&c.recv()), "shown");
    c.expect_silence();
}

#[test]
fn client_pause_delays_then_unpause_releases() {
    let s = Sentinel::start("", &[]);
    let mut admin = s.client();
    let mut other = s.client();

    // ALL: every command waits until the pause ends.
    assert_ok(&admin.cmd(&["CLIENT", "PAUSE", "600", "ALL"]));
    let t = Instant::now();
    assert_eq!(other.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert!(
        t.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t.elapsed()
    );

    // WRITE: PUBLISH waits, other commands do not, UNPAUSE releases it.
    assert_ok(&admin.cmd(&["CLIENT", "PAUSE", "60000", "WRITE"]));
    let t = Instant::now();
    other.send(&["PUBLISH", "__sentinel__:hello", "x"]);
    assert!(
        other.recv_timeout(QUIET).is_none(),
        "PUBLISH ran during a pause"
    );
    assert_eq!(admin.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_ok(&admin.cmd(&["CLIENT", "UNPAUSE"]));
    assert_eq!(other.recv(), Frame::Integer(1));
    assert!(t.elapsed() < Duration::from_secs(30));
    assert_err(
        &admin.cmd(&["CLIENT", "PAUSE", "abc"]),
        "ERR timeout is not an integer or out of range",
    );
}

/// redis-sentinel's 15 commands and rsentinel's FAILOVER extension.
#[test]
fn command_count_is_16() {
    let s = Sentinel::start("", &[]);
    assert_eq!(s.client().cmd(&["COMMAND", "COUNT"]), Frame::Integer(16));
    assert_eq!(s.cli(&["command", "count"]), "16\n");
    let all = s.client().cmd(&["COMMAND"]);
    assert_eq!(items(&all).len(), 16);
}

#[test]
fn shutdown_exits_0() {
    let mut s = Sentinel::start("", &[]);
    let mut c = s.client();
    c.send(&["SHUTDOWN"]);
    assert!(c.is_closed());
    let st = s.wait_exit().expect("exits after SHUTDOWN");
    assert_eq!(st.code(), Some(0));
}

#[test]
fn shutdown_through_redis_cli() {
    let mut s = Sentinel::start("", &[]);
    s.cli(&["shutdown"]);
    assert_eq!(s.wait_exit().and_then(|st| st.code()), Some(0));
}

#[test]
fn idle_timeout_closes_idle_clients_but_not_subscribers() {
    let s = Sentinel::start("timeout 1\n", &[]);
    let mut idle = s.client();
    let mut sub = s.client();
    assert_eq!(idle.cmd(&["PING"]), Frame::Simple("PONG".into()));
    sub.cmd(&["SUBSCRIBE", "x"]);
    let t = Instant::now();
    assert!(idle.is_closed());
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    // Well past the timeout, the subscriber is still served.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        sub.cmd(&["PING"]),
        Frame::Array(vec![Frame::bulk_str("pong"), Frame::bulk_str("")])
    );
}

#[test]
fn maxclients_refuses_extra_connections() {
    let s = Sentinel::start("maxclients 1\n", &[]);
    // The start-up probe's connection may still be counted for a moment: poll.
    let mut first = None;
    assert!(wait_until(LONG, || {
        let mut c = s.client();
        c.send(&["PING"]);
        match c.recv_timeout(LONG) {
            Some(Frame::Simple(p)) if p == "PONG" => {
                first = Some(c);
                true
            }
            _ => false,
        }
    }));
    let mut extra = s.client();
    assert_eq!(
        String::from_utf8_lossy(&extra.read_until_closed()),
        "-ERR max number of clients reached\r\n"
    );
    let mut first = first.expect("one client admitted");
    assert_eq!(first.cmd(&["PING"]), Frame::Simple("PONG".into()));
    let info = text(&first.cmd(&["INFO", "stats"]));
    assert!(!info.contains("rejected_connections:0\r\n"), "{info}");
}

#[test]
fn client_tracking_state_is_reported() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), Frame::Integer(-1));
    assert_ok(&c.cmd(&["CLIENT", "TRACKING", "on"]));
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), Frame::Integer(0));
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(field(&info, "redirect").as_deref(), Some("0"));
    let list = text(&c.cmd(&["CLIENT", "INFO"]));
    assert!(list.contains(" flags=t "), "{list}");
    assert_ok(&c.cmd(&["CLIENT", "TRACKING", "off"]));
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), Frame::Integer(-1));
}

#[test]
fn rename_command_renames_and_removes_commands() {
    let s = Sentinel::start(
        "rename-command SENTINEL mysentinel\nrename-command SHUTDOWN \"\"\n",
        &[],
    );
    let mut c = s.client();
    assert_err(
        &c.cmd(&["SENTINEL", "MYID"]),
        "ERR unknown command 'SENTINEL', with args beginning with: 'MYID' ",
    );
    assert_eq!(text(&c.cmd(&["MYSENTINEL", "MYID"])).len(), 40);
    assert_err(
        &c.cmd(&["SHUTDOWN"]),
        "ERR unknown command 'SHUTDOWN', with args beginning with: ",
    );
    // The renamings stay in the file across rewrites.
    c.cmd(&["MYSENTINEL", "FLUSHCONFIG"]);
    let conf = s.config_text();
    assert!(
        conf.contains("rename-command SENTINEL mysentinel"),
        "{conf}"
    );
}
