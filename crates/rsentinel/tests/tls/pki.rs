//! Shared helpers for the TLS tests: a CA and certificates made with the `openssl` CLI,
//! `redis-cli --tls`, TLS-only `redis-server` instances and TLS rsentinels.

#![allow(dead_code)]

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and certificates it signs, in a temp dir.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().expect("temp dir");
        openssl(
            dir.path(),
            &[
                "req",
                "-x509",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "3650",
                "-subj",
                "/O=rsentinel test/CN=Test CA",
            ],
        );
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `name.crt` and `name.key`, signed by the CA, with common name `cn`.
    pub fn issue(&self, name: &str, cn: &str) {
        let d = self.dir.path();
        std::fs::write(d.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let crt = format!("{name}.crt");
        openssl(
            d,
            &[
                "req",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/O=rsentinel test/CN={cn}"),
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "365",
                "-extfile",
                "ext.cnf",
                "-out",
                &crt,
            ],
        );
    }

    /// The server-side directives for rsentinel or redis-server (config file syntax).
    pub fn conf(&self, name: &str) -> String {
        format!(
            "tls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\n",
            self.path(&format!("{name}.crt")),
            self.path(&format!("{name}.key")),
            self.path("ca.crt")
        )
    }

    /// `redis-cli --tls` arguments with (or without) the client certificate.
    pub fn cli_args(&self, with_cert: bool) -> Vec<String> {
        let mut a = vec!["--tls".to_string(), "--cacert".into(), self.path("ca.crt")];
        if with_cert {
            a.extend(["--cert".into(), self.path("client.crt")]);
            a.extend(["--key".into(), self.path("client.key")]);
        }
        a
    }
}

/// `redis-cli --tls -p port args...`; standard output and error together.
pub fn tls_cli(pki: &Pki, port: u16, with_cert: bool, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(pki.cli_args(with_cert))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-cli");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A process started by a test, killed on drop, its output in `dir/out.log`.
pub struct Proc {
    child: Child,
    dir: PathBuf,
}

impl Proc {
    pub fn spawn(program: &str, args: &[&str], dir: &Path) -> Proc {
        let log = std::fs::File::create(dir.join("out.log")).expect("log file");
        let err = log.try_clone().expect("clone");
        let child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        Proc {
            child,
            dir: dir.to_path_buf(),
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("out.log")).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TLS-only redis-server (plain port 0) with `tls-replication yes`; `replica_of` makes
/// it a replica of that TLS port.
pub struct TlsRedis {
    _dir: tempfile::TempDir,
    pub proc: Proc,
    pub port: u16,
}

pub fn tls_redis(pki: &Pki, replica_of: Option<u16>) -> TlsRedis {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut conf = format!(
        "port 0\ntls-port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ntls-replication yes\n{}",
        pki.conf("redis")
    );
    if let Some(m) = replica_of {
        conf.push_str(&format!("replicaof 127.0.0.1 {m}\n"));
    }
    std::fs::write(dir.path().join("redis.conf"), conf).expect("write redis.conf");
    let proc = Proc::spawn("redis-server", &["redis.conf"], dir.path());
    assert!(
        wait_until(LONG, || tls_cli(pki, port, true, &["PING"])
            .contains("PONG")),
        "TLS redis-server did not start on {port}: {}",
        proc.output()
    );
    TlsRedis {
        _dir: dir,
        proc,
        port,
    }
}

/// An rsentinel with a plain port (for the test's own client) and a TLS port, and
/// `tls-replication yes`, watching `master` (quorum 1, down-after 1 s).
pub struct TlsSentinel {
    pub s: Sentinel,
    pub tls_port: u16,
}

pub fn tls_sentinel(pki: &Pki, master: u16, extra: &str) -> TlsSentinel {
    let tls_port = free_port();
    let conf = format!(
        "tls-port {tls_port}\ntls-replication yes\n{}tls-client-cert-file {}\ntls-client-key-file {}\nsentinel monitor mymaster 127.0.0.1 {master} 1\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n{extra}",
        pki.conf("sentinel"),
        pki.path("client.crt"),
        pki.path("client.key"),
    );
    TlsSentinel {
        s: Sentinel::start(&conf, &[]),
        tls_port,
    }
}

pub fn pki_for_cluster() -> Pki {
    let pki = Pki::new();
    pki.issue("redis", "redis");
    pki.issue("sentinel", "sentinel");
    pki.issue("client", "client");
    pki
}

#[macro_export]
macro_rules! require_openssl {
    () => {
        if !have_openssl() {
            eprintln!(
                "skipped: the openssl CLI is not installed (scripts/install-deps installs it)"
            );
            return;
        }
    };
}
