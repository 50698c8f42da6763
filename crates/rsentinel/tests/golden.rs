//! Golden-reply compatibility test: replays every tests/golden/*.scn scenario
//! (captured from the real redis-sentinel 7.0.15 by scripts/capture-golden)
//! against a freshly started sentinel and compares the replies frame by frame.
//!
//! The binary under test is ours unless `GOLDEN_BIN` names another one;
//! `GOLDEN_BIN=/usr/bin/redis-sentinel` re-checks the fixtures against the
//! real sentinel.  `GOLDEN_FILTER=substring` runs only matching scenarios;
//! `GOLDEN_DIR=path` reads scenarios from another directory. The scenarios of
//! tests/golden/7.4 were captured from a redis-sentinel 7.4.1 (what 7.2/7.4 added);
//! `GOLDEN_BIN_7_4` names the binary to re-check them against.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

#[path = "golden/format.rs"]
mod format;
#[path = "golden/pattern.rs"]
mod pattern;
#[path = "golden/reply.rs"]
mod reply;

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use format::{encode_command, parse_scenario, substitute, Action, Scenario, Step};
use reply::{parse, render, ParseError, Reply};

/// How long a reply frame may take to arrive.
const REPLY_TIMEOUT: Duration = Duration::from_secs(3);
/// How long we listen to be sure no (further) reply comes.
const QUIET: Duration = Duration::from_millis(250);
/// Cap on buffered, not yet parsed reply bytes.
const MAX_BUFFER: usize = 32 * 1024 * 1024;

/// A child process killed when dropped.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn spawn(mut cmd: Command, dir: &Path, log_name: &str) -> Result<Proc, String> {
        let log = dir.join(log_name);
        let out = fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = cmd
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("spawn {cmd:?}: {e}"))?;
        Ok(Proc { child, log })
    }

    /// Waits until `port` accepts connections (the process is ready).
    fn wait_ready(&mut self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "exited early ({status}); log:\n{}",
                    self.log_tail()
                ));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            sleep(Duration::from_millis(20));
        }
        Err(format!(
            "not listening on {port} after 15s; log:\n{}",
            self.log_tail()
        ))
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

/// `N` distinct loopback ports that nothing listens on right now (all are
/// held while choosing, so the kernel cannot hand out one twice).
fn free_ports<const N: usize>() -> Result<[u16; N], String> {
    let mut held = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        *port = listener.local_addr().map_err(|e| e.to_string())?.port();
        held.push(listener);
    }
    Ok(ports)
}

/// A client connection with its unparsed input.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// What reading a frame produced instead of a frame.
enum ReadEnd {
    Closed,
    Timeout,
    Error(String),
}

impl Conn {
    fn open(port: u16) -> Result<Conn, String> {
        let stream =
            TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .map_err(|e| format!("write: {e}"))
    }

    /// Reads more bytes, waiting at most `wait`; `Ok(false)` on timeout.
    fn fill(&mut self, wait: Duration) -> Result<bool, ReadEnd> {
        let wait = wait.max(Duration::from_millis(1));
        self.stream
            .set_read_timeout(Some(wait))
            .map_err(|e| ReadEnd::Error(e.to_string()))?;
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(ReadEnd::Closed),
            Ok(n) => {
                if self.buf.len() + n > MAX_BUFFER {
                    return Err(ReadEnd::Error("reply larger than 32 MiB".into()));
                }
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(false),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Err(ReadEnd::Closed),
            Err(e) => Err(ReadEnd::Error(format!("read: {e}"))),
        }
    }

    /// The next complete frame, waiting up to `timeout` for it.
    fn frame(&mut self, timeout: Duration) -> Result<Reply, ReadEnd> {
        let deadline = Instant::now() + timeout;
        loop {
            match parse(&self.buf) {
                Ok((frame, used)) => {
                    self.buf.drain(..used);
                    return Ok(frame);
                }
                Err(ParseError::Invalid(why)) => {
                    return Err(ReadEnd::Error(format!(
                        "invalid RESP ({why}) in {}",
                        reply::escape(&self.buf[..self.buf.len().min(300)])
                    )))
                }
                Err(ParseError::Incomplete) => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ReadEnd::Timeout);
            }
            if !self.fill(left)? {
                return Err(ReadEnd::Timeout);
            }
        }
    }

    /// Checks that nothing more arrives (and the peer stays open) for `wait`.
    fn expect_quiet(&mut self, wait: Duration) -> Result<(), String> {
        if self.buf.is_empty() {
            match self.fill(wait) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(ReadEnd::Closed) => return Err("the server closed the connection".into()),
                Err(ReadEnd::Timeout) => return Ok(()),
                Err(ReadEnd::Error(e)) => return Err(e),
            }
        }
        let mut extra = Vec::new();
        while let Ok(frame) = self.frame(QUIET) {
            render(&frame, 0, &mut extra);
        }
        if extra.is_empty() {
            extra.push(reply::escape(&self.buf));
        }
        Err(format!(
            "unexpected extra reply:\n    {}",
            extra.join("\n    ")
        ))
    }

    /// Checks that the server closes the connection with nothing more sent.
    fn expect_closed(&mut self) -> Result<(), String> {
        match self.frame(REPLY_TIMEOUT) {
            Err(ReadEnd::Closed) if self.buf.is_empty() => Ok(()),
            Err(ReadEnd::Closed) => Err(format!(
                "closed after a partial frame: {}",
                reply::escape(&self.buf)
            )),
            Err(ReadEnd::Timeout) => Err("the connection stayed open".into()),
            Err(ReadEnd::Error(e)) => Err(e),
            Ok(frame) => {
                let mut lines = Vec::new();
                render(&frame, 0, &mut lines);
                Err(format!(
                    "expected a close, got:\n    {}",
                    lines.join("\n    ")
                ))
            }
        }
    }
}

/// Everything one scenario run needs: processes, ports, connections.
struct Run {
    port: u16,
    config: PathBuf,
    conns: BTreeMap<String, Conn>,
    current: String,
    sentinel: Proc,
    _master: Option<Proc>,
}

impl Run {
    fn conn(&mut self) -> Result<&mut Conn, String> {
        if !self.conns.contains_key(&self.current) {
            let conn = Conn::open(self.port)?;
            self.conns.insert(self.current.clone(), conn);
        }
        self.conns
            .get_mut(&self.current)
            .ok_or_else(|| "connection vanished".to_string())
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let send = match &step.action {
            Action::Sleep(ms) => {
                sleep(Duration::from_millis(*ms));
                return Ok(());
            }
            Action::Conn(name) => {
                self.current = name.clone();
                return Ok(());
            }
            Action::File => return self.check_file(step),
            Action::Command(args) => Some(encode_command(args)),
            Action::Raw(bytes) => Some(bytes.clone()),
            Action::Read => None,
        };
        let conn = self.conn()?;
        if let Some(bytes) = send {
            conn.send(&bytes)?;
        }
        let mut got = Vec::new();
        let mut failure = None;
        for (i, expected) in step.expect.iter().enumerate() {
            match conn.frame(REPLY_TIMEOUT) {
                Ok(frame) => {
                    render(&frame, 0, &mut got);
                    if failure.is_none() {
                        let path = format!("reply {}", i + 1);
                        failure = if step.unordered {
                            pattern::compare_unordered(expected, &frame, &path)
                        } else {
                            pattern::compare(expected, &frame, &path)
                        }
                        .err();
                    }
                }
                Err(end) => {
                    failure.get_or_insert(match end {
                        ReadEnd::Closed => format!("connection closed before reply {}", i + 1),
                        ReadEnd::Timeout => format!("no reply {} within {REPLY_TIMEOUT:?}", i + 1),
                        ReadEnd::Error(e) => e,
                    });
                    break;
                }
            }
        }
        if failure.is_none() {
            failure = if step.expect_close {
                conn.expect_closed().err()
            } else if step.expect.is_empty() {
                conn.expect_quiet(QUIET).err()
            } else {
                None
            };
        }
        if step.expect_close {
            self.conns.remove(&self.current);
        }
        match failure {
            None => Ok(()),
            Some(why) => Err(format!(
                "{why}\n  expected:\n    {}\n  actual:\n    {}",
                step.expect_text.join("\n    "),
                got.join("\n    ")
            )),
        }
    }

    /// Compares the sentinel's config file with the step's `| ` lines.
    fn check_file(&self, step: &Step) -> Result<(), String> {
        let data = fs::read(&self.config).map_err(|e| format!("read config: {e}"))?;
        let mut got: Vec<String> = data.split(|&b| b == b'\n').map(reply::escape).collect();
        sort_generated_block(&mut got);
        if pattern::match_lines(&step.file_lines, &got) {
            return Ok(());
        }
        for line in &mut got {
            line.insert_str(0, "| ");
        }
        Err(format!(
            "sentinel.conf differs\n  expected:\n    {}\n  actual:\n    {}",
            step.expect_text.join("\n    "),
            got.join("\n    ")
        ))
    }

    /// After the last step: no connection may have pending output or be closed.
    fn finish(&mut self) -> Result<(), String> {
        sleep(QUIET);
        for (name, conn) in &mut self.conns {
            conn.expect_quiet(Duration::from_millis(10))
                .map_err(|e| format!("at the end, connection `{name}`: {e}"))?;
        }
        Ok(())
    }
}

/// Redis appends the directives of a CONFIG REWRITE that were not in the file
/// in hash-table order: sort that run of lines (after "# Generated by CONFIG
/// REWRITE", up to an empty or `sentinel` line) by directive name.  The
/// capture sorts the same way.
fn sort_generated_block(lines: &mut [String]) {
    let Some(marker) = lines
        .iter()
        .position(|l| l == "# Generated by CONFIG REWRITE")
    else {
        return;
    };
    let start = marker + 1;
    let len = lines[start..]
        .iter()
        .take_while(|l| !l.is_empty() && !l.starts_with("sentinel "))
        .count();
    lines[start..start + len].sort_by(|a, b| {
        let key = |l: &str| l.split(' ').next().unwrap_or_default().to_string();
        key(a).cmp(&key(b)).then_with(|| a.cmp(b))
    });
}

/// The scenario directory: `GOLDEN_DIR` if set (to try edited copies),
/// else the workspace's tests/golden.
fn golden_dir() -> PathBuf {
    match std::env::var_os("GOLDEN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden"),
    }
}

fn binary_under_test() -> PathBuf {
    match std::env::var_os("GOLDEN_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => PathBuf::from(env!("CARGO_BIN_EXE_rsentinel")),
    }
}

/// Starts the processes for one scenario file and replays it.
fn run_file(path: &Path, bin: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let root = dir.path().canonicalize().map_err(|e| e.to_string())?;
    let conf = root.join("sentinel.conf");
    let [port, dead_port, master_port] = free_ports::<3>()?;
    let values = [
        ("PORT", port.to_string()),
        ("MASTER_PORT", master_port.to_string()),
        ("DEAD_PORT", dead_port.to_string()),
        ("CONFIG", conf.display().to_string()),
        ("EXE", bin.display().to_string()),
        ("DIR", root.display().to_string()),
    ];
    let scenario: Scenario = parse_scenario(&substitute(&text, &values))?;
    let mut config = scenario.config.join("\n");
    config.push('\n');
    fs::write(&conf, config).map_err(|e| format!("write config: {e}"))?;

    let master = if text.contains("{MASTER_PORT}") {
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &master_port.to_string(), "--bind", "127.0.0.1"]);
        cmd.args(["--save", "", "--appendonly", "no", "--daemonize", "no"]);
        let mut proc = Proc::spawn(cmd, &root, "master.log")?;
        proc.wait_ready(master_port)
            .map_err(|e| format!("redis-server: {e}"))?;
        Some(proc)
    } else {
        None
    };
    let mut cmd = Command::new(bin);
    cmd.arg(&conf).args(["--port", &port.to_string()]);
    let mut sentinel = Proc::spawn(cmd, &root, "sentinel.log")?;
    sentinel
        .wait_ready(port)
        .map_err(|e| format!("{}: {e}", bin.display()))?;

    let mut run = Run {
        port,
        config: conf.clone(),
        conns: BTreeMap::new(),
        current: "main".to_string(),
        sentinel,
        _master: master,
    };
    for step in &scenario.steps {
        run.step(step).map_err(|e| {
            format!(
                "line {} `{}` (connection `{}`): {e}\n  sentinel log tail:\n{}",
                step.line,
                step.source,
                run.current,
                run.sentinel.log_tail()
            )
        })?;
    }
    run.finish()
}

#[test]
fn golden_replies() {
    run_dir(&golden_dir(), &binary_under_test());
}

/// What redis 7.2/7.4 added, captured from a redis-sentinel 7.4.1 (tests/golden/7.4);
/// `GOLDEN_BIN_7_4` re-checks the fixtures against such a binary.
#[test]
fn golden_replies_7_4() {
    let bin = match std::env::var_os("GOLDEN_BIN_7_4") {
        Some(bin) => PathBuf::from(bin),
        None if std::env::var_os("GOLDEN_BIN").is_some() => return,
        None => PathBuf::from(env!("CARGO_BIN_EXE_rsentinel")),
    };
    run_dir(&golden_dir().join("7.4"), &bin);
}

fn run_dir(dir: &Path, bin: &Path) {
    let filter = std::env::var("GOLDEN_FILTER").unwrap_or_default();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scn"))
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    files.sort();
    assert!(
        !files.is_empty() || !filter.is_empty(),
        "no scenario in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let started = Instant::now();
        match run_file(file, bin) {
            Ok(()) => eprintln!(
                "golden: ok   {name} ({:.1}s)",
                started.elapsed().as_secs_f32()
            ),
            Err(e) => {
                eprintln!("golden: FAIL {name}\n{e}\n");
                failures.push(name);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden scenarios failed against {}: {}",
        failures.len(),
        files.len(),
        bin.display(),
        failures.join(", ")
    );
}
