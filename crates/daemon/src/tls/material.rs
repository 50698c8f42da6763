//! Reading TLS material from disk: certificate chains, private keys (encrypted PKCS#8
//! ones decrypted with the `*-pass` directive), the CA file and directory, the DH
//! parameters file. Errors read like redis' OpenSSL ones, with the file named, so an
//! operator sees the same kind of line as with redis-sentinel.

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| crate::os_error::strerror(&e))
}

/// The DER of the first `label` block in a PEM text, if there is one.
fn pem_block(text: &[u8], label: &str) -> Option<Result<Vec<u8>, String>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = find(text, begin.as_bytes())?;
    let stop = find(&text[start..], end.as_bytes())? + start + end.len();
    Some(
        pkcs8::der::pem::decode_vec(&text[start..stop])
            .map(|(_, der)| der)
            .map_err(|e| format!("bad PEM data: {e}")),
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A certificate chain, leaf first (`SSL_CTX_use_certificate_chain_file`).
pub fn load_chain(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = read(path).map_err(|e| format!("Failed to load certificate: {path}: {e}"))?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&text).collect();
    match certs {
        Ok(c) if !c.is_empty() => Ok(c),
        Ok(_) => Err(format!(
            "Failed to load certificate: {path}: no PEM certificate found"
        )),
        Err(e) => Err(format!("Failed to load certificate: {path}: {e}")),
    }
}

/// A private key in PEM: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), or an encrypted PKCS#8 key
/// (PBES2, as `openssl pkcs8 -topk8` writes) decrypted with `pass`. The older OpenSSL
/// encryption (`Proc-Type: 4,ENCRYPTED` headers) is refused: there is no maintained
/// pure-Rust reader for it, and `openssl pkcs8 -topk8` converts such a key.
pub fn load_key(
    path: &str,
    pass: Option<&str>,
    pass_directive: &str,
) -> Result<PrivateKeyDer<'static>, String> {
    let fail = |why: String| format!("Failed to load private key: {path}: {why}");
    let text = read(path).map_err(fail)?;
    if find(&text, b"Proc-Type: 4,ENCRYPTED").is_some() {
        return Err(fail(
            "legacy PEM encryption (Proc-Type: 4,ENCRYPTED) is not supported by rsentinel; convert the key with 'openssl pkcs8 -topk8 -v2 aes-256-cbc'".into(),
        ));
    }
    if let Some(der) = pem_block(&text, "ENCRYPTED PRIVATE KEY") {
        let der = der.map_err(fail)?;
        let Some(pass) = pass else {
            return Err(fail(format!(
                "the key is encrypted and {pass_directive} is not set"
            )));
        };
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
            .map_err(|e| fail(format!("bad encrypted key: {e}")))?;
        let plain = info.decrypt(pass).map_err(|e| {
            fail(format!(
                "cannot decrypt the key with {pass_directive} ({e}): wrong password or an encryption scheme rsentinel lacks (PBES2 with PBKDF2 or scrypt and AES-CBC is supported)"
            ))
        })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            plain.as_bytes().to_vec(),
        )));
    }
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => fail("no PEM private key found".into()),
        other => fail(other.to_string()),
    })
}

/// The trust anchors from `tls-ca-cert-file` and every certificate file in
/// `tls-ca-cert-dir` (OpenSSL reads that directory lazily by hashed name; reading all
/// of it at start finds a bad directory at once, and the hash links are the same
/// certificates).
pub fn load_ca(file: Option<&str>, dir: Option<&str>) -> Result<RootCertStore, String> {
    let fail = |why: String| format!("Failed to configure CA certificate(s) file/directory: {why}");
    let mut roots = RootCertStore::empty();
    if let Some(file) = file {
        let text = read(file).map_err(|e| fail(format!("{file}: {e}")))?;
        for cert in CertificateDer::pem_slice_iter(&text) {
            let cert = cert.map_err(|e| fail(format!("{file}: {e}")))?;
            roots.add(cert).map_err(|e| fail(format!("{file}: {e}")))?;
        }
        if roots.is_empty() {
            return Err(fail(format!("{file}: no PEM certificate found")));
        }
    }
    if let Some(dir) = dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| fail(format!("{dir}: {}", crate::os_error::strerror(&e))))?;
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths.iter().filter(|p| p.is_file()) {
            let Ok(text) = std::fs::read(p) else { continue };
            // Files that hold no certificate (a README, a CRL) are not anchors; a
            // certificate webpki cannot use is skipped as OpenSSL would never match it.
            for cert in CertificateDer::pem_slice_iter(&text).flatten() {
                let _ = roots.add(cert);
            }
        }
        if roots.is_empty() {
            return Err(fail(format!("{dir}: no usable CA certificate found")));
        }
    }
    Ok(roots)
}

/// Checks that the DH parameters file reads as redis requires. rustls offers no
/// finite-field DHE key exchange, so the parameters are checked but never used; the
/// caller logs that.
pub fn check_dh_params(path: &str) -> Result<(), String> {
    let text = read(path).map_err(|e| format!("Failed to load {path}: {e}"))?;
    let der = pem_block(&text, "DH PARAMETERS")
        .or_else(|| pem_block(&text, "X9.42 DH PARAMETERS"))
        .and_then(Result::ok);
    match der {
        Some(der) if der.first() == Some(&0x30) => Ok(()),
        _ => Err(format!("{path}: failed to read DH params.")),
    }
}

/// The files whose change on disk means the material must be read again.
pub fn watched_files(s: &super::TlsSettings) -> Vec<String> {
    [
        &s.cert_file,
        &s.key_file,
        &s.client_cert_file,
        &s.client_key_file,
        &s.ca_cert_file,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect()
}

/// The files of the CA directory, for change detection.
pub fn dir_files(dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(Path::new(dir))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().display().to_string())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
