//! TLS end to end on real processes, the client side: certificates made with the
//! `openssl` CLI, `redis-cli --tls` and `openssl s_client` as clients. Covers the TLS port
//! alone and beside the plain one, client certificates, start-up refusals, session
//! caching, unfinished handshakes against maxclients, and certificates re-read when they
//! change on disk. `tls_replication.rs` covers the links Sentinel opens.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;
#[macro_use]
#[path = "tls/pki.rs"]
mod pki;

use common::*;
use pki::*;
use std::path::Path;
use std::process::{Command, Stdio};

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
