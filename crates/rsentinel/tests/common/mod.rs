//! Shared helpers for the integration tests: start the real `rsentinel` binary (and a
//! `redis-server` when a live master is needed) on free loopback ports, talk to it over
//! TCP with a small RESP client or with `redis-cli`, and clean everything up on drop.
//!
//! Everything waits by polling with generous deadlines, so the tests stay fast on an idle
//! machine and still pass on a loaded two-core CI runner.

#![allow(dead_code)]

use bytes::BytesMut;
use rsentinel_resp::{encode_command, Frame, Protocol, ReplyDecoder};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a process may take to start or stop, or a reply to arrive.
pub const LONG: Duration = Duration::from_secs(20);
/// How long to listen to be fairly sure that nothing (more) arrives.
pub const QUIET: Duration = Duration::from_millis(300);

/// The binary under test: rsentinel, unless `SENTINEL_BIN` names another Sentinel (the
/// side-by-side benchmarks run the same scenarios on redis-sentinel that way).
pub fn bin() -> &'static str {
    match std::env::var("SENTINEL_BIN") {
        Ok(other) if !other.is_empty() => Box::leak(other.into_boxed_str()),
        _ => env!("CARGO_BIN_EXE_rsentinel"),
    }
}

/// A loopback port that was free a moment ago (bind to 0, read, close).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    l.local_addr().expect("local addr").port()
}

/// Polls `cond` every few milliseconds until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// Runs the binary to completion (for start-up errors, `--version`...), with a deadline.
pub fn run_to_exit(args: &[&str], cwd: &Path) -> Output {
    let child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rsentinel");
    let pid = child.id();
    // A watchdog so a binary that wrongly starts serving cannot hang the test.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if rx.recv_timeout(LONG).is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let out = child.wait_with_output().expect("wait rsentinel");
    let _ = tx.send(());
    let _ = watchdog.join();
    out
}

/// A running `rsentinel`, killed on drop. Its standard output and error (the log, unless
/// `logfile` is set) go to `stdout.log` in its temp dir.
pub struct Sentinel {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub out: PathBuf,
}

impl Sentinel {
    /// Starts rsentinel on a fresh temp config holding `conf`, with `--port <free>` and
    /// `extra` arguments appended; waits until it answers.
    pub fn start(conf: &str, extra: &[&str]) -> Sentinel {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("sentinel.conf"), conf).expect("write config");
        Sentinel::start_in(dir, extra)
    }

    /// Starts rsentinel on `dir/sentinel.conf` as it is (e.g. to restart on a saved file).
    pub fn start_in(dir: tempfile::TempDir, extra: &[&str]) -> Sentinel {
        Sentinel::start_in_shell(dir, extra, None, &[])
    }

    /// Starts rsentinel on `conf` with extra environment variables.
    pub fn start_env(conf: &str, extra: &[&str], env: &[(&str, &str)]) -> Sentinel {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("sentinel.conf"), conf).expect("write config");
        Sentinel::start_in_shell(dir, extra, None, env)
    }

    /// Like [`Sentinel::start`], with the binary started by `sh -c '<pre>; exec ...'`
    /// (e.g. `ulimit -Sn 128` or an `export`), so its pid is still the sentinel's.
    pub fn start_after(conf: &str, extra: &[&str], pre: &str) -> Sentinel {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("sentinel.conf"), conf).expect("write config");
        Sentinel::start_in_shell(dir, extra, Some(pre), &[])
    }

    fn start_in_shell(
        dir: tempfile::TempDir,
        extra: &[&str],
        pre: Option<&str>,
        env: &[(&str, &str)],
    ) -> Sentinel {
        let mut dir = Some(dir);
        let mut last_err = String::new();
        // A port found free can be taken by someone else before we bind it: retry.
        for _ in 0..3 {
            let port = free_port();
            match Sentinel::try_start(dir.take().expect("dir"), port, extra, pre, env) {
                Ok(s) => return s,
                Err((d, e)) => {
                    last_err = e;
                    dir = Some(d);
                }
            }
        }
        panic!("rsentinel did not start: {last_err}");
    }

    fn try_start(
        dir: tempfile::TempDir,
        port: u16,
        extra: &[&str],
        pre: Option<&str>,
        env: &[(&str, &str)],
    ) -> Result<Sentinel, (tempfile::TempDir, String)> {
        let conf = dir.path().join("sentinel.conf");
        let out = dir.path().join("stdout.log");
        let log = std::fs::File::create(&out).expect("create stdout.log");
        let err = log.try_clone().expect("clone log handle");
        let port_s = port.to_string();
        let mut args: Vec<&str> = vec![conf.to_str().expect("utf-8 path"), "--port", &port_s];
        args.extend_from_slice(extra);
        let mut cmd = match pre {
            None => Command::new(bin()),
            Some(pre) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("{pre}; exec \"$0\" \"$@\""), bin()]);
                c
            }
        };
        let child = cmd
            .args(&args)
            .envs(env.iter().copied())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .expect("spawn rsentinel");
        let mut s = Sentinel {
            child,
            port,
            dir,
            conf,
            out,
        };
        match s.wait_ready() {
            Ok(()) => Ok(s),
            Err(e) => {
                let _ = s.child.kill();
                let _ = s.child.wait();
                let msg = format!("{e}; output:\n{}", s.output());
                // Hand the directory back for a retry; the Sentinel is dropped without it.
                let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().expect("temp dir"));
                Err((dir, msg))
            }
        }
    }

    /// Waits until a connection gets a reply to PING (`+PONG`, or an error such as NOAUTH:
    /// either way the server is serving).
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + LONG;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Err(format!("exited early with {st}"));
            }
            if let Ok(mut c) = Client::try_connect(self.port) {
                c.send(&["PING"]);
                if c.recv_timeout(Duration::from_secs(2)).is_some() {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(15));
        }
        Err(format!("no answer on port {} in {LONG:?}", self.port))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new RESP connection.
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// Runs `redis-cli -p <port> args...` and returns its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        redis_cli(self.port, args)
    }

    /// The config file as it is on disk now.
    pub fn config_text(&self) -> String {
        std::fs::read_to_string(&self.conf).expect("read config file")
    }

    /// What the process wrote on stdout/stderr so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Sends a signal with `kill(1)`.
    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(st.success(), "kill -{sig} failed");
    }

    /// Stops the process with SIGTERM and starts it again on the same port, directory
    /// and config file (the one it rewrote), as an operator's restart does.
    pub fn restart(mut self, extra: &[&str]) -> Sentinel {
        self.signal("TERM");
        self.wait_exit();
        let port = self.port;
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        drop(self);
        match Sentinel::try_start(dir, port, extra, None, &[]) {
            Ok(s) => s,
            Err((_, e)) => panic!("rsentinel did not restart on port {port}: {e}"),
        }
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self) -> Option<ExitStatus> {
        let mut status = None;
        wait_until(LONG, || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        });
        status
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `redis-server` acting as a live master, killed on drop.
pub struct RedisServer {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
    extra: Vec<String>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// A replica of the server on `master_port`.
    pub fn replica_of(master_port: u16) -> RedisServer {
        let port = master_port.to_string();
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &port])
    }

    /// Stops the server at once (as a crash would, no shutdown sequence).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the (killed) server again on the same port with its original arguments,
    /// as an operator bringing a crashed master back.
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn_redis(self.port, self._dir.path(), &self.extra);
        let port = self.port;
        assert!(
            wait_until(LONG, || Client::try_connect(port).is_ok()),
            "redis-server did not come back on {port}"
        );
    }

    /// Starts the (killed) server again with its data files removed: an instance wiped
    /// by a disk replacement or a container without a volume. (A replica writes the
    /// RDB of every full sync to disk, so a plain restart keeps its data.)
    pub fn restart_empty(&mut self) {
        self.kill();
        if let Ok(entries) = std::fs::read_dir(self._dir.path()) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
        self.restart();
    }

    /// Starts a server with `extra` arguments after the defaults.
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let dir = tempfile::tempdir().expect("temp dir");
        for _ in 0..3 {
            let port = free_port();
            let mut child = spawn_redis(port, dir.path(), extra);
            let up = wait_until(LONG, || {
                if let Ok(Some(_)) = child.try_wait() {
                    return true;
                }
                Client::try_connect(port).is_ok_and(|mut c| {
                    c.send(&["PING"]);
                    c.recv_timeout(Duration::from_secs(2)).is_some()
                })
            });
            if up && child.try_wait().ok().flatten().is_none() {
                return RedisServer {
                    child,
                    port,
                    _dir: dir,
                    extra: extra.iter().map(|a| a.to_string()).collect(),
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start");
    }
}

/// A `redis-server` on loopback `port` without persistence, `extra` after the defaults.
fn spawn_redis<A: AsRef<std::ffi::OsStr>>(port: u16, dir: &Path, extra: &[A]) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server")
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until someone (a Sentinel) subscribed to the hello channel of the redis on
/// `port`, so a hello published there is seen.
pub fn wait_hello_subscriber(port: u16) {
    assert!(
        wait_until(LONG, || redis_cli(
            port,
            &["PUBSUB", "NUMSUB", "__sentinel__:hello"]
        )
        .lines()
        .nth(1)
        .is_some_and(|n| n.trim() != "0")),
        "the Sentinel never subscribed to the hello channel"
    );
}

/// `redis-cli -p <port> args...`: standard output, asserting it ran.
pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A minimal RESP client over a blocking socket.
pub struct Client {
    pub stream: TcpStream,
    buf: BytesMut,
    dec: ReplyDecoder,
}

impl Client {
    pub fn try_connect(port: u16) -> std::io::Result<Client> {
        Client::from_stream(TcpStream::connect(("127.0.0.1", port))?)
    }

    /// Connects to any address, giving up after `limit` (a peer behind a cut link never
    /// answers the SYN, and the kernel would retry for minutes).
    pub fn try_connect_to(addr: std::net::SocketAddr, limit: Duration) -> std::io::Result<Client> {
        Client::from_stream(TcpStream::connect_timeout(&addr, limit)?)
    }

    fn from_stream(stream: TcpStream) -> std::io::Result<Client> {
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            buf: BytesMut::new(),
            dec: ReplyDecoder::new(),
        })
    }

    pub fn connect(port: u16) -> Client {
        Client::try_connect(port).expect("connect to the sentinel")
    }

    /// Switches the reply decoder (call before the reply to `HELLO 3` arrives).
    pub fn set_protocol(&mut self, proto: Protocol) {
        self.dec.set_protocol(proto);
    }

    /// Sends one command as a multibulk request.
    pub fn send(&mut self, args: &[&str]) {
        let mut out = BytesMut::new();
        encode_command(args, &mut out);
        self.send_raw(&out);
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to the sentinel");
    }

    /// Sends a command and waits for its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Frame {
        self.send(args);
        self.recv()
    }

    /// Sends a command and waits up to `limit` for its reply; `None` on any failure, for
    /// clients that must outlive a dying or unreachable server.
    pub fn try_cmd(&mut self, args: &[&str], limit: Duration) -> Option<Frame> {
        let mut out = BytesMut::new();
        encode_command(args, &mut out);
        self.stream.set_write_timeout(Some(limit)).ok()?;
        self.stream.write_all(&out).ok()?;
        self.recv_timeout(limit)
    }

    /// The next reply; panics after [`LONG`].
    pub fn recv(&mut self) -> Frame {
        match self.recv_timeout(LONG) {
            Some(f) => f,
            None => panic!("no reply within {LONG:?}"),
        }
    }

    /// The next reply, or `None` if none arrives in `limit` (or the peer closed).
    pub fn recv_timeout(&mut self, limit: Duration) -> Option<Frame> {
        let deadline = Instant::now() + limit;
        loop {
            match self.dec.decode(&mut self.buf) {
                Ok(Some(f)) => return Some(f),
                Ok(None) => {}
                Err(e) => panic!("undecodable reply: {e}"),
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            if left.is_zero() {
                return None;
            }
            self.stream.set_read_timeout(Some(left)).ok()?;
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return None
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
    }

    /// Asserts that nothing arrives for a short while.
    pub fn expect_silence(&mut self) {
        if let Some(f) = self.recv_timeout(QUIET) {
            panic!("unexpected reply {f:?}");
        }
    }

    /// Reads raw bytes until the server closes the connection; panics if it stays open.
    pub fn read_until_closed(&mut self) -> Vec<u8> {
        let mut all = std::mem::take(&mut self.buf).to_vec();
        let deadline = Instant::now() + LONG;
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("connection still open; got {all:?}"));
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("set timeout");
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return all,
                Ok(n) => all.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return all,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!(
                    "connection still open ({e}); got {:?}",
                    String::from_utf8_lossy(&all)
                ),
            }
        }
    }

    /// True when the server has closed this connection (reads EOF within [`LONG`]).
    pub fn is_closed(&mut self) -> bool {
        let deadline = Instant::now() + LONG;
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            if self
                .stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .is_err()
            {
                return true;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return false
                }
                Err(_) => return true,
            }
        }
    }
}

/// A small deterministic generator (xorshift), so a failing run can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A loopback connection with a tiny receive buffer, so the server's output backs up
/// at once.
pub fn slow_reader(port: u16) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    sock.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    sock.connect(&addr.into()).expect("connect");
    sock.into()
}

/// The text of a simple string, error or bulk reply.
pub fn text(f: &Frame) -> String {
    match f {
        Frame::Simple(s) | Frame::Error(s) => s.clone(),
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Frame::Verbatim { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("not a string reply: {other:?}"),
    }
}

/// Asserts an error reply with exactly this text (code included).
#[track_caller]
pub fn assert_err(f: &Frame, expected: &str) {
    match f {
        Frame::Error(e) => assert_eq!(e, expected),
        other => panic!("expected error {expected:?}, got {other:?}"),
    }
}

/// Asserts `+OK`.
#[track_caller]
pub fn assert_ok(f: &Frame) {
    assert_eq!(f, &Frame::ok());
}

/// The items of an array (or push/set) reply.
pub fn items(f: &Frame) -> Vec<Frame> {
    match f {
        Frame::Array(v) | Frame::Push(v) | Frame::Set(v) => v.clone(),
        other => panic!("not an array reply: {other:?}"),
    }
}

/// The items of an array of strings.
pub fn strings(f: &Frame) -> Vec<String> {
    items(f).iter().map(text).collect()
}

/// A RESP2 flat `field value ...` array (or a RESP3 map) as ordered pairs of strings.
pub fn pairs(f: &Frame) -> Vec<(String, String)> {
    match f {
        Frame::Map(m) => m.iter().map(|(k, v)| (text(k), value_text(v))).collect(),
        _ => {
            let v = items(f);
            let chunks = v.chunks_exact(2);
            assert!(chunks.remainder().is_empty(), "odd field list {f:?}");
            chunks.map(|c| (text(&c[0]), value_text(&c[1]))).collect()
        }
    }
}

fn value_text(f: &Frame) -> String {
    match f {
        Frame::Integer(i) => i.to_string(),
        Frame::Simple(_) | Frame::Error(_) | Frame::Bulk(_) | Frame::Verbatim { .. } => text(f),
        other => format!("{other:?}"),
    }
}

/// The value of `field` in a field list.
pub fn field(f: &Frame, name: &str) -> Option<String> {
    pairs(f)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A config file's meaningful lines (no blanks, no comments), trimmed.
pub fn config_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The meaningful lines starting with `prefix`.
pub fn lines_starting(text: &str, prefix: &str) -> Vec<String> {
    config_lines(text)
        .into_iter()
        .filter(|l| l.starts_with(prefix))
        .collect()
}

/// Generous for a loaded two-core runner: discovery needs a hello round (2 s period).
pub const DISCOVERY: Duration = Duration::from_secs(30);

pub struct Cluster {
    pub master: RedisServer,
    pub replicas: Vec<RedisServer>,
    pub sentinels: Vec<Sentinel>,
}

/// A master with two replicas watched by three rsentinels (quorum 2, down-after 1 s),
/// with `extra` config lines for every sentinel.
pub fn cluster_with(extra: &str) -> Cluster {
    let master = RedisServer::start();
    let replicas = vec![
        RedisServer::replica_of(master.port),
        RedisServer::replica_of(master.port),
    ];
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 2\nsentinel down-after-milliseconds mymaster 1000\n{extra}",
        master.port
    );
    let sentinels = (0..3).map(|_| Sentinel::start(&conf, &[])).collect();
    Cluster {
        master,
        replicas,
        sentinels,
    }
}

/// Waits until every replica of `replicas` has synced with its master.
pub fn wait_synced(replicas: &[RedisServer]) {
    for r in replicas {
        let synced = wait_until(DISCOVERY, || {
            redis_cli(r.port, &["INFO", "replication"]).contains("master_link_status:up")
        });
        assert!(synced, "replica {} did not sync with its master", r.port);
    }
}

/// Waits until both replicas have synced with the master and every sentinel knows both
/// replicas and both other sentinels. (A replica that never synced holds none of the
/// master's data, and fast failover never promotes one, so a test that kills the
/// master must not race the first sync.)
pub fn wait_discovery(c: &Cluster) {
    wait_synced(&c.replicas);
    for s in &c.sentinels {
        let mut last = String::new();
        let ok = wait_until(DISCOVERY, || {
            let mut cl = s.client();
            let m = cl.cmd(&["SENTINEL", "MASTER", "mymaster"]);
            let slaves = field(&m, "num-slaves").unwrap_or_default();
            let others = field(&m, "num-other-sentinels").unwrap_or_default();
            last = format!("num-slaves={slaves} num-other-sentinels={others}");
            slaves == "2" && others == "2"
        });
        assert!(
            ok,
            "sentinel on {} did not discover the cluster: {last}\n{}",
            s.port,
            s.output()
        );
    }
}

/// Reads pattern messages until one on `channel` whose text satisfies `pred`.
pub fn wait_event(
    sub: &mut Client,
    channel: &str,
    pred: impl Fn(&str) -> bool,
    limit: Duration,
) -> Option<String> {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Some(f) = sub.recv_timeout(left) else {
            break;
        };
        let parts = strings(&f);
        if parts.len() == 4 && parts[0] == "pmessage" && parts[2] == channel && pred(&parts[3]) {
            return Some(parts[3].clone());
        }
    }
    None
}

/// How long a whole automatic failover may take on a loaded two-core runner.
pub const FAILOVER: Duration = Duration::from_secs(40);

/// Kills the cluster's master and waits for sentinel 0's `+switch-master`; returns its
/// words `<name> <old ip> <old port> <new ip> <new port>`.
pub fn kill_master_until_switch(c: &mut Cluster) -> Vec<String> {
    let mut sub = c.sentinels[0].client();
    sub.cmd(&["PSUBSCRIBE", "+switch-master"]);
    c.master.kill();
    let switch = wait_event(&mut sub, "+switch-master", |_| true, FAILOVER)
        .unwrap_or_else(|| panic!("no +switch-master\n{}", c.sentinels[0].output()));
    let parts: Vec<String> = switch.split(' ').map(str::to_string).collect();
    assert_eq!(parts.len(), 5, "{switch}");
    parts
}

/// The standard cluster.
pub fn cluster() -> Cluster {
    cluster_with("")
}

/// Resident memory of a process in KiB (0 once it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// The process' peak resident memory so far (VmHWM), in KiB: what a burst (discovery,
/// a round of INFO replies) cost, even if it was given back since.
pub fn peak_rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Pings the sentinel every 10 ms for `span`: the worst round trip (10 s if a PING got
/// no answer) and the peak RSS meanwhile.
pub fn worst_ping(s: &Sentinel, span: Duration) -> (Duration, u64) {
    let mut c = s.client();
    let (mut worst, mut peak) = (Duration::ZERO, 0);
    let end = Instant::now() + span;
    while Instant::now() < end {
        let t = Instant::now();
        if c.try_cmd(&["PING"], Duration::from_secs(10)).is_none() {
            return (Duration::from_secs(10), peak);
        }
        worst = worst.max(t.elapsed());
        peak = peak.max(rss_kib(s.pid()));
        std::thread::sleep(Duration::from_millis(10));
    }
    (worst, peak)
}
