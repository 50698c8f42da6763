//! Building the rustls configurations from the settings and the files, as redis'
//! `tlsConfigure` builds its two OpenSSL contexts: one for accepted connections, one for
//! the connections Sentinel opens (with `tls-client-*` material when both are set).

use super::cache::SessionCache;
use super::material;
use super::settings::{cipher_suites, parse_protocols, AuthClients, TlsSettings};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, ServerConfig, SignatureScheme,
    SupportedProtocolVersion,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::sync::Arc;

/// What a successful configuration produces.
pub struct Built {
    pub server: Arc<ServerConfig>,
    /// For outgoing links; `None` when no CA is configured (then nothing connects out
    /// over TLS, which the checks below guarantee).
    pub client: Option<Arc<ClientConfig>>,
    /// Lines to log at start (notices about what rustls does differently).
    pub notes: Vec<String>,
}

/// Checks the settings and reads every file; the errors are the lines to log before
/// "Failed to configure TLS. Check logs for more info.".
pub fn build(s: &TlsSettings) -> Result<Built, Vec<String>> {
    let (Some(cert_file), Some(key_file)) = (&s.cert_file, &s.key_file) else {
        return Err(vec![if s.cert_file.is_none() {
            "No tls-cert-file configured!".to_string()
        } else {
            "No tls-key-file configured!".to_string()
        }]);
    };
    let needs_ca = s.auth_clients != AuthClients::No || s.cluster || s.replication;
    if needs_ca && s.ca_cert_file.is_none() && s.ca_cert_dir.is_none() {
        return Err(vec!["Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!".to_string()]);
    }
    if s.client_cert_file.is_some() != s.client_key_file.is_some() {
        return Err(vec![
            "tls-client-cert-file and tls-client-key-file must be set together (redis would silently use tls-cert-file instead)".to_string(),
        ]);
    }
    let protocols = parse_protocols(s.protocols.as_deref())?;
    let suites = cipher_suites(s.ciphers.as_deref(), s.ciphersuites.as_deref())?;
    // ring rather than aws-lc-rs: no C/cmake build of a crypto library, at the cost of
    // the post-quantum hybrid key exchange (rustls deprecates the ring provider for that
    // reason only; docs/tls.md says so).
    #[allow(deprecated)]
    let base = rustls::crypto::ring::default_provider();
    let provider = Arc::new(CryptoProvider {
        cipher_suites: suites,
        ..base
    });
    let mut versions: Vec<&'static SupportedProtocolVersion> = Vec::new();
    if protocols.tls13 {
        versions.push(&rustls::version::TLS13);
    }
    if protocols.tls12 {
        versions.push(&rustls::version::TLS12);
    }
    let one = |e: String| vec![e];
    let roots = if s.ca_cert_file.is_some() || s.ca_cert_dir.is_some() {
        Some(Arc::new(
            material::load_ca(s.ca_cert_file.as_deref(), s.ca_cert_dir.as_deref()).map_err(one)?,
        ))
    } else {
        None
    };
    let mut notes = Vec::new();
    if let Some(dh) = &s.dh_params_file {
        material::check_dh_params(dh).map_err(one)?;
        notes.push(format!(
            "tls-dh-params-file {dh}: parameters read; rustls has no finite-field DHE key exchange, so TLS key exchange uses ECDHE (X25519, P-256, P-384) and these parameters are not used"
        ));
    }

    // Accepted connections.
    let (chain, key) = certified(
        cert_file,
        key_file,
        s.key_file_pass.as_deref(),
        "tls-key-file-pass",
        &provider,
    )?;
    let verifier = match (s.auth_clients, &roots) {
        (AuthClients::No, _) | (_, None) => WebPkiClientVerifier::no_client_auth(),
        (auth, Some(roots)) => {
            let b = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone());
            let b = if auth == AuthClients::Optional {
                b.allow_unauthenticated()
            } else {
                b
            };
            b.build().map_err(|e| {
                one(format!(
                    "Failed to configure CA certificate(s) file/directory: {e}"
                ))
            })?
        }
    };
    let mut server = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| {
            one(format!(
                "Failed to configure TLS protocols and ciphers: {e}"
            ))
        })?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| one(format!("Failed to load private key: {key_file}: {e}")))?;
    server.ignore_client_order = s.prefer_server_ciphers;
    if s.session_caching {
        server.session_storage = Arc::new(SessionCache::new(
            s.session_cache_size,
            s.session_cache_timeout,
        ));
    } else {
        server.session_storage = Arc::new(NoServerSessionStorage {});
        server.send_tls13_tickets = 0;
    }

    // Connections Sentinel opens.
    let client = match &roots {
        None => None,
        Some(roots) => {
            let (cert, key, pass, pass_name) = match (&s.client_cert_file, &s.client_key_file) {
                (Some(c), Some(k)) => (
                    c,
                    k,
                    s.client_key_file_pass.as_deref(),
                    "tls-client-key-file-pass",
                ),
                _ => (
                    cert_file,
                    key_file,
                    s.key_file_pass.as_deref(),
                    "tls-key-file-pass",
                ),
            };
            let (chain, key_der) = certified(cert, key, pass, pass_name, &provider)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                    .map_err(|e| {
                        one(format!(
                            "Failed to configure CA certificate(s) file/directory: {e}"
                        ))
                    })?;
            let mut c = ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&versions)
                .map_err(|e| {
                    one(format!(
                        "Failed to configure TLS protocols and ciphers: {e}"
                    ))
                })?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| one(format!("Failed to load private key: {key}: {e}")))?;
            // Like redis (hiredis' SSL_new without a host name): no SNI.
            c.enable_sni = false;
            Some(Arc::new(c))
        }
    };
    Ok(Built {
        server: Arc::new(server),
        client,
        notes,
    })
}

/// A chain and its key, checked to belong together as OpenSSL's
/// `SSL_CTX_use_PrivateKey_file` checks it.
fn certified(
    cert_file: &str,
    key_file: &str,
    pass: Option<&str>,
    pass_name: &str,
    provider: &CryptoProvider,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), Vec<String>> {
    let chain = material::load_chain(cert_file).map_err(|e| vec![e])?;
    let key = material::load_key(key_file, pass, pass_name).map_err(|e| vec![e])?;
    match CertifiedKey::from_der(chain.clone(), key.clone_key(), provider) {
        Ok(_) => Ok((chain, key)),
        Err(rustls::Error::InconsistentKeys(_)) => Err(vec![format!(
            "Failed to load private key: {key_file}: key values mismatch (it does not belong to {cert_file})"
        )]),
        Err(e) => Err(vec![format!("Failed to load private key: {key_file}: {e}")]),
    }
}

/// Verifies the peer's chain against the CA but not its name, as redis does: Sentinel
/// connects by IP address to instances whose certificates rarely name that address.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain (and expiry, usage) before the name, so a name
        // mismatch here means the chain itself is good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
