//! TLS end to end on real processes: certificates made here with the `openssl` CLI,
//! TLS-only `redis-server` instances, `redis-cli --tls` as the client. Covers the TLS
//! port (with and without client certificates), `tls-replication yes` on every link
//! (no false `+sdown`, a failover that completes, Sentinels that find each other), a
//! mixed deployment with a real redis-sentinel peer, start-up refusals, and certificates
//! re-read when they change on disk.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn openssl(dir: &Path, args: &[&str]) {
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
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
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

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `name.crt` and `name.key`, signed by the CA, with common name `cn`.
    fn issue(&self, name: &str, cn: &str) {
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
    fn conf(&self, name: &str) -> String {
        format!(
            "tls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\n",
            self.path(&format!("{name}.crt")),
            self.path(&format!("{name}.key")),
            self.path("ca.crt")
        )
    }

    /// `redis-cli --tls` arguments with (or without) the client certificate.
    fn cli_args(&self, with_cert: bool) -> Vec<String> {
        let mut a = vec!["--tls".to_string(), "--cacert".into(), self.path("ca.crt")];
        if with_cert {
            a.extend(["--cert".into(), self.path("client.crt")]);
            a.extend(["--key".into(), self.path("client.key")]);
        }
        a
    }
}

/// `redis-cli --tls -p port args...`; standard output and error together.
fn tls_cli(pki: &Pki, port: u16, with_cert: bool, args: &[&str]) -> String {
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
struct Proc {
    child: Child,
    dir: PathBuf,
}

impl Proc {
    fn spawn(program: &str, args: &[&str], dir: &Path) -> Proc {
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

    fn output(&self) -> String {
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
struct TlsRedis {
    _dir: tempfile::TempDir,
    proc: Proc,
    port: u16,
}

fn tls_redis(pki: &Pki, replica_of: Option<u16>) -> TlsRedis {
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
struct TlsSentinel {
    s: Sentinel,
    tls_port: u16,
}

fn tls_sentinel(pki: &Pki, master: u16, extra: &str) -> TlsSentinel {
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

fn pki_for_cluster() -> Pki {
    let pki = Pki::new();
    pki.issue("redis", "redis");
    pki.issue("sentinel", "sentinel");
    pki.issue("client", "client");
    pki
}

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

#[test]
fn redis_cli_over_tls_alone_and_client_certificates() {
    require_openssl!();
    let pki = pki_for_cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let tls_port = free_port();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!("port 0\ntls-port {tls_port}\n{}", pki.conf("sentinel")),
    )
    .expect("write config");
    let conf = dir.path().join("sentinel.conf").display().to_string();
    let p = Proc::spawn(bin(), &[&conf], dir.path());
    assert!(
        wait_until(LONG, || tls_cli(&pki, tls_port, true, &["PING"])
            .contains("PONG")),
        "no PONG over TLS: {}",
        p.output()
    );
    // INFO shows the TLS port when the plain one is off, as redis does.
    let info = tls_cli(&pki, tls_port, true, &["INFO", "server"]);
    assert!(info.contains(&format!("tcp_port:{tls_port}")), "{info}");
    assert!(p
        .output()
        .contains(&format!("Running mode=sentinel, port={tls_port}.")));
    // tls-auth-clients defaults to yes: no client certificate, no service.
    let anon = tls_cli(&pki, tls_port, false, &["PING"]);
    assert!(
        !anon.contains("PONG"),
        "served without a client certificate: {anon}"
    );
    // Plain text on the TLS port gets no RESP reply.
    let plain = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &tls_port.to_string(), "PING"])
        .stdin(Stdio::null())
        .output()
        .expect("redis-cli");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("PONG"));
    drop(p);

    // optional: verified when sent, served without.
    let dir2 = tempfile::tempdir().expect("temp dir");
    let plain_port = free_port();
    let tls_port2 = free_port();
    std::fs::write(
        dir2.path().join("sentinel.conf"),
        format!(
            "port {plain_port}\ntls-port {tls_port2}\ntls-auth-clients optional\n{}",
            pki.conf("sentinel")
        ),
    )
    .expect("write config");
    let conf2 = dir2.path().join("sentinel.conf").display().to_string();
    let p2 = Proc::spawn(bin(), &[&conf2], dir2.path());
    assert!(
        wait_until(LONG, || tls_cli(&pki, tls_port2, false, &["PING"])
            .contains("PONG")),
        "optional client auth refused an anonymous client: {}",
        p2.output()
    );
    assert!(tls_cli(&pki, tls_port2, true, &["PING"]).contains("PONG"));
    // Both ports serve at once.
    assert!(redis_cli(plain_port, &["PING"]).contains("PONG"));
}

#[test]
fn tls_only_master_is_not_sdown_and_fails_over() {
    require_openssl!();
    let pki = pki_for_cluster();
    let master = tls_redis(&pki, None);
    let replica = tls_redis(&pki, Some(master.port));
    let a = tls_sentinel(&pki, master.port, "");
    let b = tls_sentinel(&pki, master.port, "");
    let mut sub = a.s.client();
    sub.cmd(&["PSUBSCRIBE", "*"]);

    // The replica is found through INFO over TLS, the other Sentinel through hellos.
    let mut last = String::new();
    let found = wait_until(DISCOVERY, || {
        let m = a.s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]);
        last = format!("{m:?}");
        field(&m, "num-slaves").as_deref() == Some("1")
            && field(&m, "num-other-sentinels").as_deref() == Some("1")
    });
    assert!(found, "no discovery over TLS: {last}\n{}", a.s.output());
    // The peer announced its TLS port, and its link (TLS too) is healthy.
    let peers = items(&a.s.client().cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
    assert_eq!(peers.len(), 1);
    assert_eq!(field(&peers[0], "port"), Some(b.tls_port.to_string()));

    // Well past down-after-milliseconds: nothing is subjectively down.
    std::thread::sleep(Duration::from_millis(3000));
    while let Some(f) = sub.recv_timeout(Duration::from_millis(50)) {
        let parts = strings(&f);
        assert!(
            !(parts.len() == 4 && (parts[2] == "+sdown" || parts[2] == "+odown")),
            "false event over TLS: {parts:?}\n{}",
            a.s.output()
        );
    }
    let m = a.s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "flags").as_deref(), Some("master"), "{m:?}");
    let peers = items(&a.s.client().cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
    assert_eq!(field(&peers[0], "flags").as_deref(), Some("sentinel"));

    // A failover over TLS links: SLAVEOF NO ONE, CONFIG REWRITE, the other side follows.
    assert_ok(&a.s.client().cmd(&["SENTINEL", "FAILOVER", "mymaster"]));
    let switched = wait_event(&mut sub, "+switch-master", |_| true, FAILOVER)
        .unwrap_or_else(|| panic!("no +switch-master\n{}", a.s.output()));
    assert!(
        switched.ends_with(&format!("127.0.0.1 {}", replica.port)),
        "{switched}"
    );
    assert!(
        wait_until(FAILOVER, || tls_cli(&pki, replica.port, true, &["ROLE"])
            .starts_with("master")),
        "the replica was not promoted"
    );
    assert!(
        wait_until(FAILOVER, || {
            let role = tls_cli(&pki, master.port, true, &["INFO", "replication"]);
            role.contains("role:slave") && role.contains(&format!("master_port:{}", replica.port))
        }),
        "the old master does not follow the new one"
    );
    let addr = strings(
        &b.s.client()
            .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]),
    );
    assert!(
        wait_until(FAILOVER, || strings(&b.s.client().cmd(&[
            "SENTINEL",
            "GET-MASTER-ADDR-BY-NAME",
            "mymaster"
        ])) == vec![
            "127.0.0.1".to_string(),
            replica.port.to_string()
        ]),
        "the other Sentinel did not learn the new master: {addr:?}"
    );
    drop(master.proc);
}

#[test]
fn mixed_deployment_with_a_redis_sentinel_peer() {
    require_openssl!();
    let theirs = "/usr/bin/redis-sentinel";
    if !Path::new(theirs).exists() {
        eprintln!("skipped: {theirs} is not installed, no redis-sentinel peer to mix with");
        return;
    }
    let pki = pki_for_cluster();
    let master = tls_redis(&pki, None);
    let _replica = tls_redis(&pki, Some(master.port));
    let ours = tls_sentinel(&pki, master.port, "");

    let dir = tempfile::tempdir().expect("temp dir");
    let their_tls = free_port();
    let their_plain = free_port();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!(
            "port {their_plain}\ntls-port {their_tls}\ntls-replication yes\n{}tls-client-cert-file {}\ntls-client-key-file {}\nsentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n",
            pki.conf("sentinel"),
            pki.path("client.crt"),
            pki.path("client.key"),
            master.port
        ),
    )
    .expect("write config");
    let conf = dir.path().join("sentinel.conf").display().to_string();
    let peer = Proc::spawn(theirs, &[&conf], dir.path());
    assert!(
        wait_until(LONG, || redis_cli(their_plain, &["PING"]).contains("PONG")),
        "redis-sentinel did not start: {}",
        peer.output()
    );

    // Each finds the other, over TLS links, and sees it healthy.
    let ok = wait_until(DISCOVERY, || {
        let p = items(&ours.s.client().cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
        p.len() == 1
            && field(&p[0], "port") == Some(their_tls.to_string())
            && field(&p[0], "flags").as_deref() == Some("sentinel")
    });
    assert!(
        ok,
        "rsentinel did not see redis-sentinel\n{}",
        ours.s.output()
    );
    let ok = wait_until(DISCOVERY, || {
        let out = redis_cli(their_plain, &["SENTINEL", "SENTINELS", "mymaster"]);
        out.contains(&ours.tls_port.to_string()) && !out.contains("disconnected")
    });
    assert!(
        ok,
        "redis-sentinel did not see rsentinel\n{}",
        peer.output()
    );
    std::thread::sleep(Duration::from_millis(2500));
    let theirs_view = redis_cli(their_plain, &["SENTINEL", "SENTINELS", "mymaster"]);
    assert!(!theirs_view.contains("s_down"), "{theirs_view}");
    let m = redis_cli(their_plain, &["SENTINEL", "MASTER", "mymaster"]);
    assert!(!m.contains("s_down"), "{m}");
    assert!(!ours.s.output().contains("+sdown"), "{}", ours.s.output());
}

#[test]
fn bad_tls_settings_stop_the_start_with_the_directive_named() {
    require_openssl!();
    let pki = pki_for_cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = pki.conf("sentinel");
    // An encrypted PKCS#8 key, and an old-style encrypted one.
    openssl(
        pki.dir.path(),
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "sentinel.key",
            "-out",
            "enc.key",
            "-passout",
            "pass:s3cret",
        ],
    );
    let enc = pki.path("enc.key");
    let cases: Vec<(String, &str)> = vec![
        ("tls-port 1\n".to_string(), "No tls-cert-file configured!"),
        (
            format!("tls-port 1\ntls-cert-file {}\ntls-key-file {}\n", pki.path("sentinel.crt"), pki.path("sentinel.key")),
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified",
        ),
        (format!("tls-port 1\n{base}tls-protocols \"TLSv1 TLSv1.2\"\n"), "TLSv1 is specified in tls-protocols but not supported"),
        (format!("tls-port 1\n{base}tls-protocols TLSv9\n"), "Invalid tls-protocols specified."),
        (format!("tls-port 1\n{base}tls-ciphers HIGH:!aNULL\n"), "tls-ciphers: 'HIGH' is not a TLSv1.2 cipher"),
        (format!("tls-port 1\n{base}tls-ciphersuites TLS_AES_128_CCM_SHA256\n"), "tls-ciphersuites: 'TLS_AES_128_CCM_SHA256'"),
        (format!("tls-port 1\n{base}tls-dh-params-file {}\n", pki.path("ca.crt")), "failed to read DH params."),
        (
            format!("tls-port 1\ntls-ca-cert-file {}\ntls-cert-file {}\ntls-key-file {}\n", pki.path("ca.crt"), pki.path("sentinel.crt"), pki.path("client.key")),
            "key values mismatch",
        ),
        (
            format!("tls-port 1\ntls-ca-cert-file {}\ntls-cert-file {}\ntls-key-file {enc}\n", pki.path("ca.crt"), pki.path("sentinel.crt")),
            "the key is encrypted and tls-key-file-pass is not set",
        ),
        (
            format!("tls-port 1\ntls-ca-cert-file {}\ntls-cert-file {}\ntls-key-file {enc}\ntls-key-file-pass wrong\n", pki.path("ca.crt"), pki.path("sentinel.crt")),
            "cannot decrypt the key with tls-key-file-pass",
        ),
        (format!("tls-replication yes\n{base}tls-client-cert-file {}\n", pki.path("client.crt")), "must be set together"),
        (
            format!("tls-port 1\ntls-cert-file /nonexistent/x.crt\ntls-key-file {}\ntls-ca-cert-file {}\n", pki.path("sentinel.key"), pki.path("ca.crt")),
            "Failed to load certificate: /nonexistent/x.crt: No such file or directory",
        ),
    ];
    for (conf, expected) in cases {
        std::fs::write(dir.path().join("sentinel.conf"), &conf).expect("write config");
        let out = run_to_exit(&["sentinel.conf", "--port", "0"], dir.path());
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{conf}\n{text}");
        assert!(
            text.contains(expected),
            "{conf}\nexpected {expected:?} in:\n{text}"
        );
        assert!(
            text.contains("Failed to configure TLS. Check logs for more info."),
            "{text}"
        );
    }

    // The right password decrypts the key and the TLS port serves.
    let tls_port = free_port();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!(
            "port 0\ntls-port {tls_port}\ntls-ca-cert-file {}\ntls-cert-file {}\ntls-key-file {enc}\ntls-key-file-pass s3cret\ntls-dh-params-file {}\n",
            pki.path("ca.crt"),
            pki.path("sentinel.crt"),
            write_dh(&pki)
        ),
    )
    .expect("write config");
    let p = Proc::spawn(bin(), &["sentinel.conf"], dir.path());
    assert!(
        wait_until(LONG, || tls_cli(&pki, tls_port, true, &["PING"])
            .contains("PONG")),
        "{}",
        p.output()
    );
    assert!(
        p.output().contains("rustls has no finite-field DHE"),
        "{}",
        p.output()
    );
}

/// DH parameters (small, made fast: only their format is checked).
fn write_dh(pki: &Pki) -> String {
    openssl(pki.dir.path(), &["dhparam", "-out", "test.dh", "512"]);
    pki.path("test.dh")
}

/// The subject common name of the certificate the TLS port presents now.
fn served_cn(pki: &Pki, port: u16) -> String {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-CAfile", &pki.path("ca.crt")])
        .args([
            "-cert",
            &pki.path("client.crt"),
            "-key",
            &pki.path("client.key"),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("subject=")
                .map(|v| v.replace(' ', ""))
        })
        .unwrap_or_default()
}

#[test]
fn certificates_are_reread_when_they_change_on_disk() {
    require_openssl!();
    let pki = pki_for_cluster();
    pki.issue("next", "rotated");
    let live = tempfile::tempdir().expect("temp dir");
    let crt = live.path().join("tls.crt");
    let key = live.path().join("tls.key");
    std::fs::copy(pki.path("sentinel.crt"), &crt).expect("copy");
    std::fs::copy(pki.path("sentinel.key"), &key).expect("copy");
    let tls_port = free_port();
    let conf = format!(
        "tls-port {tls_port}\ntls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\n",
        crt.display(),
        key.display(),
        pki.path("ca.crt")
    );
    let s = Sentinel::start(&conf, &[]);
    assert!(
        wait_until(LONG, || served_cn(&pki, tls_port).contains("CN=sentinel")),
        "{}",
        served_cn(&pki, tls_port)
    );

    // A half-done rotation (new certificate, old key) is refused and the old pair stays.
    replace(&crt, &pki.path("next.crt"));
    assert!(
        wait_until(LONG, || s.output().contains("could not be loaded")),
        "{}",
        s.output()
    );
    assert!(served_cn(&pki, tls_port).contains("CN=sentinel"));
    assert!(tls_cli(&pki, tls_port, true, &["PING"]).contains("PONG"));

    // The key lands: the new pair is used, no restart.
    replace(&key, &pki.path("next.key"));
    assert!(
        wait_until(LONG, || s
            .output()
            .contains("TLS certificates and keys reloaded")),
        "{}",
        s.output()
    );
    assert!(
        wait_until(LONG, || served_cn(&pki, tls_port).contains("CN=rotated")),
        "{}",
        served_cn(&pki, tls_port)
    );
    assert!(tls_cli(&pki, tls_port, true, &["PING"]).contains("PONG"));
}

/// Replaces `dst` by a copy of `src` with a rename, as rotation tools do.
fn replace(dst: &Path, src: &str) {
    let tmp = dst.with_extension("tmp");
    std::fs::copy(src, &tmp).expect("copy");
    std::fs::rename(&tmp, dst).expect("rename");
}

/// One `openssl s_client` TLSv1.2 connection, saving its session to `out` or resuming
/// from `resume`; true if the session was resumed.
fn s_client_resumed(pki: &Pki, port: u16, out: &str, resume: Option<&str>) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-tls1_2",
        "-connect",
        &format!("127.0.0.1:{port}"),
    ])
    .args(["-CAfile", &pki.path("ca.crt")])
    .args([
        "-cert",
        &pki.path("client.crt"),
        "-key",
        &pki.path("client.key"),
    ])
    .args(["-sess_out", out]);
    if let Some(r) = resume {
        cmd.args(["-sess_in", r]);
    }
    let o = cmd.stdin(Stdio::null()).output().expect("openssl s_client");
    String::from_utf8_lossy(&o.stdout).contains("Reused, TLSv1.2")
}

#[test]
fn session_caching_follows_the_directives() {
    require_openssl!();
    let pki = pki_for_cluster();
    for (caching, expect) in [("yes", true), ("no", false)] {
        let tls_port = free_port();
        let conf = format!(
            "tls-port {tls_port}\ntls-session-caching {caching}\ntls-session-cache-size 10\n{}",
            pki.conf("sentinel")
        );
        let s = Sentinel::start(&conf, &[]);
        assert!(wait_until(LONG, || tls_cli(
            &pki,
            tls_port,
            true,
            &["PING"]
        )
        .contains("PONG")));
        let first = s.dir.path().join("first.sess").display().to_string();
        let second = s.dir.path().join("second.sess").display().to_string();
        assert!(!s_client_resumed(&pki, tls_port, &first, None));
        assert_eq!(
            s_client_resumed(&pki, tls_port, &second, Some(&first)),
            expect,
            "tls-session-caching {caching}"
        );
    }
}

#[test]
fn unfinished_handshakes_count_against_maxclients() {
    require_openssl!();
    let pki = pki_for_cluster();
    let tls_port = free_port();
    let conf = format!(
        "tls-port {tls_port}\nmaxclients 3\n{}",
        pki.conf("sentinel")
    );
    let s = Sentinel::start(&conf, &[]);
    assert!(wait_until(LONG, || tls_cli(
        &pki,
        tls_port,
        true,
        &["PING"]
    )
    .contains("PONG")));
    // Three connections that never start their handshake fill the server.
    let silent: Vec<_> = (0..3)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", tls_port)).expect("connect"))
        .collect();
    assert!(
        wait_until(LONG, || !tls_cli(&pki, tls_port, true, &["PING"])
            .contains("PONG")),
        "served past maxclients while handshakes were pending\n{}",
        s.output()
    );
    drop(silent);
    assert!(
        wait_until(LONG, || tls_cli(&pki, tls_port, true, &["PING"])
            .contains("PONG")),
        "not served again after the silent connections closed\n{}",
        s.output()
    );
}
