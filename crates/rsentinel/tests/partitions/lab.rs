//! A small network of hosts built from Linux network namespaces, so the partition tests
//! can cut real links between real processes: every host is a namespace with its own
//! loopback and one veth link (`eth0`, 10.77.0.N/24) into a hub namespace, where all
//! links meet on a bridge. Cutting a host sets its port on the bridge down: its packets
//! vanish without a reset, as on a real partition, while processes on the host still
//! reach each other. Nothing is added to the test machine's own network namespace.
//!
//! Everything the lab creates is removed on drop; namespaces left by a test process
//! that died (its pid is in the name) are removed by the next lab.

use crate::common::{wait_until, Client, LONG};
use rsentinel_resp::Frame;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Prefix of every namespace a lab creates: `rsn-<pid>-<lab>-<host>`.
const PREFIX: &str = "rsn";

/// Labs created by this test process, so parallel tests get distinct namespaces.
static LABS: AtomicUsize = AtomicUsize::new(0);

/// Why the lab cannot run here (not root, no `ip`, namespaces, bridges or veth links
/// refused), or `None`. Everything a lab needs is tried once in a probe namespace.
#[allow(unsafe_code)] // see the SAFETY comment
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root (ip netns needs CAP_SYS_ADMIN)".into());
    }
    let probe = format!("{PREFIX}-{}-probe", std::process::id());
    if let Err(e) = quiet_ip(&["netns", "add", &probe]) {
        return Some(format!("`ip netns add` failed: {e}"));
    }
    let tried = quiet_ip(&["-n", &probe, "link", "add", "br0", "type", "bridge"])
        .map_err(|e| format!("cannot create a bridge: {e}"))
        .and_then(|()| {
            quiet_ip(&[
                "-n", &probe, "link", "add", "a0", "type", "veth", "peer", "name", "b0",
            ])
            .map_err(|e| format!("cannot create a veth link: {e}"))
        });
    let _ = quiet_ip(&["netns", "del", &probe]);
    tried.err()
}

/// A process started on one host; killed when the lab is dropped.
pub struct Proc {
    child: Option<Child>,
    /// Where its standard output and error go.
    pub log: PathBuf,
}

impl Proc {
    /// What it wrote so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The network of hosts.
pub struct Lab {
    name: String,
    hosts: usize,
    /// Working directories and logs of every process.
    pub dir: tempfile::TempDir,
    procs: Vec<Proc>,
}

impl Lab {
    /// Builds `hosts` hosts linked through one bridge.
    pub fn new(hosts: usize) -> Lab {
        remove_orphans();
        let name = format!(
            "{PREFIX}-{}-{}",
            std::process::id(),
            LABS.fetch_add(1, Ordering::SeqCst)
        );
        let mut lab = Lab {
            name,
            hosts: 0,
            dir: tempfile::tempdir().expect("temp dir"),
            procs: Vec::new(),
        };
        let hub = lab.hub();
        ip(&["netns", "add", &hub]);
        ip(&["-n", &hub, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &hub, "link", "set", "br0", "up"]);
        for h in 0..hosts {
            let ns = lab.ns(h);
            ip(&["netns", "add", &ns]);
            lab.hosts = h + 1;
            let port = port_name(h);
            ip(&[
                "-n", &ns, "link", "add", "eth0", "type", "veth", "peer", "name", &port, "netns",
                &hub,
            ]);
            let cidr = format!("{}/24", lab.ip(h));
            ip(&["-n", &ns, "addr", "add", &cidr, "dev", "eth0"]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            ip(&["-n", &hub, "link", "set", &port, "master", "br0"]);
            ip(&["-n", &hub, "link", "set", &port, "up"]);
        }
        lab
    }

    fn hub(&self) -> String {
        format!("{}-hub", self.name)
    }

    /// Host `h`'s namespace.
    pub fn ns(&self, h: usize) -> String {
        format!("{}-h{h}", self.name)
    }

    /// Host `h`'s address.
    pub fn ip(&self, h: usize) -> Ipv4Addr {
        Ipv4Addr::new(
            10,
            77,
            0,
            u8::try_from(h + 1).expect("fewer than 255 hosts"),
        )
    }

    /// Starts `program args` on host `h`, output to `<dir>/<label>.log`; returns its index.
    pub fn spawn(&mut self, h: usize, label: &str, program: &str, args: &[&str]) -> usize {
        let log = self.dir.path().join(format!("{label}.log"));
        let out = File::create(&log).expect("create log");
        let err = out.try_clone().expect("clone log handle");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(h), program])
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn ip netns exec");
        self.procs.push(Proc {
            child: Some(child),
            log,
        });
        self.procs.len() - 1
    }

    /// Process number `i`.
    pub fn proc(&self, i: usize) -> &Proc {
        &self.procs[i]
    }

    /// Cuts host `h` off the network, both ways.
    pub fn cut(&self, h: usize) {
        ip(&["-n", &self.hub(), "link", "set", &port_name(h), "down"]);
    }

    /// Joins host `h` to the network again.
    pub fn heal(&self, h: usize) {
        ip(&["-n", &self.hub(), "link", "set", &port_name(h), "up"]);
    }

    /// Runs `f` on a thread that lives in host `h`'s network namespace, so every socket
    /// it opens is on that host.
    pub fn on_host<T: Send>(&self, h: usize, f: impl FnOnce() -> T + Send) -> T {
        let path = netns_path(&self.ns(h));
        std::thread::scope(|s| {
            s.spawn(move || {
                enter(&path);
                f()
            })
            .join()
            .expect("host thread panicked")
        })
    }

    /// Starts a thread that lives on host `h` (for clients that run alongside the test).
    pub fn spawn_on_host<T: Send + 'static>(
        &self,
        h: usize,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> std::thread::JoinHandle<T> {
        let path = netns_path(&self.ns(h));
        std::thread::spawn(move || {
            enter(&path);
            f()
        })
    }

    /// Sends one command from host `h` to `port` on host `to` (or its loopback when
    /// `to == h`); `None` if it cannot be reached or does not answer in time.
    pub fn cmd(&self, h: usize, to: usize, port: u16, args: &[&str]) -> Option<Frame> {
        let ip = if to == h {
            Ipv4Addr::LOCALHOST
        } else {
            self.ip(to)
        };
        let addr = SocketAddr::from((ip, port));
        self.on_host(h, move || {
            let mut c = Client::try_connect_to(addr, Duration::from_secs(2)).ok()?;
            c.try_cmd(args, Duration::from_secs(5))
        })
    }

    /// Waits until process `i`, on host `h`, answers PING on `port`.
    pub fn wait_serving(&self, i: usize, h: usize, port: u16) {
        assert!(
            wait_until(LONG, || self.cmd(h, h, port, &["PING"]).is_some()),
            "nothing answers on host {h} port {port}; its output:\n{}",
            self.procs[i].output()
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Processes first: a namespace with a live process in it is never freed.
        for p in &mut self.procs {
            p.stop();
        }
        for h in 0..self.hosts {
            let _ = quiet_ip(&["netns", "del", &self.ns(h)]);
        }
        let _ = quiet_ip(&["netns", "del", &self.hub()]);
    }
}

/// The bridge port of host `h` in the hub (interface names are per namespace).
fn port_name(h: usize) -> String {
    format!("h{h}")
}

fn netns_path(ns: &str) -> PathBuf {
    Path::new("/run/netns").join(ns)
}

/// Moves the calling thread into the network namespace at `path`.
fn enter(path: &Path) {
    let f = File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    #[allow(unsafe_code)] // see the SAFETY comment
    // SAFETY: setns(2) with a namespace fd we hold open; it only changes this thread's
    // network namespace.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(
        rc,
        0,
        "setns {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

/// Runs `ip args`, panicking with its error output if it fails.
fn ip(args: &[&str]) {
    if let Err(e) = quiet_ip(args) {
        panic!("ip {}: {e}", args.join(" "));
    }
}

fn quiet_ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Deletes namespaces left by lab owners that no longer run (a test killed mid-way).
fn remove_orphans() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let mut parts = name.split('-');
        if parts.next() != Some(PREFIX) {
            continue;
        }
        let Some(pid) = parts.next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = quiet_ip(&["netns", "del", name]);
        }
    }
}
