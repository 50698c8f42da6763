//! The `tls-*` directives as redis reads them, and what rustls can make of the ones that
//! name protocols and ciphers. Nothing here touches a file: a protocol or cipher rustls
//! lacks is refused here, naming the directive, so a start never runs with less than the
//! file asks for.

use rsentinel_config::Config;
use rustls::SupportedCipherSuite;

/// `tls-auth-clients`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthClients {
    No,
    Yes,
    Optional,
}

/// Every `tls-*` setting of the file (the last occurrence wins, as in redis).
#[derive(Clone, Debug, PartialEq)]
pub struct TlsSettings {
    pub port: u16,
    pub replication: bool,
    pub cluster: bool,
    pub auth_clients: AuthClients,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub key_file_pass: Option<String>,
    pub client_cert_file: Option<String>,
    pub client_key_file: Option<String>,
    pub client_key_file_pass: Option<String>,
    pub ca_cert_file: Option<String>,
    pub ca_cert_dir: Option<String>,
    pub dh_params_file: Option<String>,
    pub protocols: Option<String>,
    pub ciphers: Option<String>,
    pub ciphersuites: Option<String>,
    pub prefer_server_ciphers: bool,
    pub session_caching: bool,
    pub session_cache_size: u32,
    pub session_cache_timeout: u32,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            port: 0,
            replication: false,
            cluster: false,
            auth_clients: AuthClients::Yes,
            cert_file: None,
            key_file: None,
            key_file_pass: None,
            client_cert_file: None,
            client_key_file: None,
            client_key_file_pass: None,
            ca_cert_file: None,
            ca_cert_dir: None,
            dh_params_file: None,
            protocols: None,
            ciphers: None,
            ciphersuites: None,
            prefer_server_ciphers: false,
            session_caching: true,
            session_cache_size: 20480,
            session_cache_timeout: 300,
        }
    }
}

/// The directives this module reads (all of redis' `tls-*` configs).
pub const TLS_DIRECTIVES: &[&str] = &[
    "tls-port",
    "tls-replication",
    "tls-cluster",
    "tls-auth-clients",
    "tls-cert-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
    "tls-dh-params-file",
    "tls-protocols",
    "tls-ciphers",
    "tls-ciphersuites",
    "tls-prefer-server-ciphers",
    "tls-session-caching",
    "tls-session-cache-size",
    "tls-session-cache-timeout",
];

fn yes(v: &str) -> bool {
    v.eq_ignore_ascii_case("yes")
}

/// An empty string means "not set", as redis' string configs with EMPTY_STRING_IS_NULL.
fn path(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

impl TlsSettings {
    /// Reads the `tls-*` directives the config crate kept (it already checked each value
    /// against redis' config table).
    pub fn from_config(config: &Config) -> TlsSettings {
        let mut s = TlsSettings::default();
        for (name, args) in &config.server.other {
            let v = args.first().map(String::as_str).unwrap_or_default();
            match name.as_str() {
                "tls-port" => s.port = v.parse().unwrap_or(0),
                "tls-replication" => s.replication = yes(v),
                "tls-cluster" => s.cluster = yes(v),
                "tls-auth-clients" => {
                    s.auth_clients = if v.eq_ignore_ascii_case("no") {
                        AuthClients::No
                    } else if v.eq_ignore_ascii_case("optional") {
                        AuthClients::Optional
                    } else {
                        AuthClients::Yes
                    }
                }
                "tls-cert-file" => s.cert_file = path(v),
                "tls-key-file" => s.key_file = path(v),
                "tls-key-file-pass" => s.key_file_pass = path(v),
                "tls-client-cert-file" => s.client_cert_file = path(v),
                "tls-client-key-file" => s.client_key_file = path(v),
                "tls-client-key-file-pass" => s.client_key_file_pass = path(v),
                "tls-ca-cert-file" => s.ca_cert_file = path(v),
                "tls-ca-cert-dir" => s.ca_cert_dir = path(v),
                "tls-dh-params-file" => s.dh_params_file = path(v),
                "tls-protocols" => s.protocols = path(v),
                "tls-ciphers" => s.ciphers = path(v),
                "tls-ciphersuites" => s.ciphersuites = path(v),
                "tls-prefer-server-ciphers" => s.prefer_server_ciphers = yes(v),
                "tls-session-caching" => s.session_caching = yes(v),
                "tls-session-cache-size" => s.session_cache_size = v.parse().unwrap_or(20480),
                "tls-session-cache-timeout" => s.session_cache_timeout = v.parse().unwrap_or(300),
                _ => {}
            }
        }
        s
    }

    /// Whether TLS must be configured at start, as redis decides it: a TLS port, or TLS
    /// on the outgoing links (replication, and cluster which shares the same context).
    pub fn needed(&self) -> bool {
        self.port != 0 || self.replication || self.cluster
    }

    /// The port announced in hellos: the TLS port when links run over TLS, as redis does.
    pub fn announce_base_port(&self, port: u16) -> u16 {
        if self.replication && self.port != 0 {
            self.port
        } else {
            port
        }
    }
}

/// Which TLS versions `tls-protocols` enables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protocols {
    pub tls12: bool,
    pub tls13: bool,
}

/// Parses `tls-protocols` like redis (space-separated, case-insensitive). TLSv1 and
/// TLSv1.1 are refused: rustls implements neither, and running without them would do
/// less than the file says.
pub fn parse_protocols(value: Option<&str>) -> Result<Protocols, Vec<String>> {
    let Some(value) = value else {
        return Ok(Protocols {
            tls12: true,
            tls13: true,
        });
    };
    let mut p = Protocols {
        tls12: false,
        tls13: false,
    };
    for token in value.split(' ') {
        if token.eq_ignore_ascii_case("tlsv1.2") {
            p.tls12 = true;
        } else if token.eq_ignore_ascii_case("tlsv1.3") {
            p.tls13 = true;
        } else if token.eq_ignore_ascii_case("tlsv1") || token.eq_ignore_ascii_case("tlsv1.1") {
            return Err(vec![format!(
                "{token} is specified in tls-protocols but not supported by rsentinel: rustls implements only TLSv1.2 and TLSv1.3."
            )]);
        } else {
            return Err(vec!["Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.".to_string()]);
        }
    }
    Ok(p)
}

/// The OpenSSL names of the TLS 1.2 suites rustls implements, with the suite.
fn tls12_suites() -> Vec<(&'static str, SupportedCipherSuite)> {
    use rustls::crypto::ring::cipher_suite as cs;
    vec![
        (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "ECDHE-RSA-AES256-GCM-SHA384",
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-RSA-CHACHA20-POLY1305",
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

/// The TLS 1.3 suites rustls implements, under their standard names.
fn tls13_suites() -> Vec<(&'static str, SupportedCipherSuite)> {
    use rustls::crypto::ring::cipher_suite as cs;
    vec![
        ("TLS_AES_256_GCM_SHA384", cs::TLS13_AES_256_GCM_SHA384),
        ("TLS_AES_128_GCM_SHA256", cs::TLS13_AES_128_GCM_SHA256),
        (
            "TLS_CHACHA20_POLY1305_SHA256",
            cs::TLS13_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

fn names(list: &[(&'static str, SupportedCipherSuite)]) -> String {
    list.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(":")
}

/// The cipher suites to offer, in preference order: `tls-ciphersuites` (TLS 1.3) then
/// `tls-ciphers` (TLS 1.2), each defaulting to everything rustls has. Only exact suite
/// names are understood; an OpenSSL name or keyword (`HIGH`, `!aNULL`, a DHE or CBC
/// suite) is refused with the directive named, since rustls cannot honour it as asked.
pub fn cipher_suites(
    ciphers: Option<&str>,
    ciphersuites: Option<&str>,
) -> Result<Vec<SupportedCipherSuite>, Vec<String>> {
    let mut out = Vec::new();
    let known13 = tls13_suites();
    match ciphersuites {
        None => out.extend(known13.iter().map(|(_, s)| *s)),
        Some(list) => {
            for token in list.split(':') {
                match known13.iter().find(|(n, _)| n.eq_ignore_ascii_case(token)) {
                    Some((_, s)) if !out.contains(s) => out.push(*s),
                    Some(_) => {}
                    None => {
                        return Err(vec![
                            format!("Failed to configure ciphersuites: {list}"),
                            format!(
                                "tls-ciphersuites: '{token}' is not a TLSv1.3 suite rsentinel supports (rustls implements {})",
                                names(&known13)
                            ),
                        ])
                    }
                }
            }
        }
    }
    let known12 = tls12_suites();
    match ciphers {
        None => out.extend(known12.iter().map(|(_, s)| *s)),
        Some(list) => {
            for token in list.split([':', ',', ' ']).filter(|t| !t.is_empty()) {
                match known12.iter().find(|(n, _)| n.eq_ignore_ascii_case(token)) {
                    Some((_, s)) if !out.contains(s) => out.push(*s),
                    Some(_) => {}
                    None => {
                        return Err(vec![
                            format!("Failed to configure ciphers: {list}"),
                            format!(
                                "tls-ciphers: '{token}' is not a TLSv1.2 cipher rsentinel supports: list suites by name from {} (rustls has no DHE, CBC, RSA key exchange or OpenSSL keywords)",
                                names(&known12)
                            ),
                        ])
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_like_redis() {
        assert_eq!(
            parse_protocols(None),
            Ok(Protocols {
                tls12: true,
                tls13: true
            })
        );
        assert_eq!(
            parse_protocols(Some("TLSv1.3")),
            Ok(Protocols {
                tls12: false,
                tls13: true
            })
        );
        assert_eq!(
            parse_protocols(Some("tlsv1.2 TLSv1.3")),
            Ok(Protocols {
                tls12: true,
                tls13: true
            })
        );
        let old = parse_protocols(Some("TLSv1 TLSv1.2")).unwrap_err();
        assert!(
            old[0].contains("TLSv1 is specified in tls-protocols"),
            "{old:?}"
        );
        let bad = parse_protocols(Some("TLSv1.2  TLSv1.3")).unwrap_err();
        assert!(bad[0].starts_with("Invalid tls-protocols specified."));
        assert!(parse_protocols(Some("SSLv3")).is_err());
    }

    #[test]
    fn ciphers_by_exact_name_only() {
        let all = cipher_suites(None, None).unwrap();
        assert_eq!(all.len(), 9);
        let some = cipher_suites(
            Some("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"),
            Some("TLS_AES_128_GCM_SHA256"),
        )
        .unwrap();
        assert_eq!(some.len(), 3);
        assert_eq!(
            some[0].suite(),
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256
        );
        let dhe = cipher_suites(Some("DHE-RSA-AES128-GCM-SHA256"), None).unwrap_err();
        assert_eq!(
            dhe[0],
            "Failed to configure ciphers: DHE-RSA-AES128-GCM-SHA256"
        );
        assert!(dhe[1].starts_with("tls-ciphers: 'DHE-RSA-AES128-GCM-SHA256'"));
        assert!(cipher_suites(Some("HIGH:!aNULL"), None).is_err());
        let ccm = cipher_suites(None, Some("TLS_AES_128_CCM_SHA256")).unwrap_err();
        assert!(ccm[1].starts_with("tls-ciphersuites:"));
    }

    #[test]
    fn settings_from_config_last_wins() {
        let mut c = Config::default();
        for (k, v) in [
            ("tls-port", "6380"),
            ("tls-port", "6390"),
            ("tls-replication", "yes"),
            ("tls-auth-clients", "optional"),
            ("tls-cert-file", ""),
            ("tls-session-caching", "no"),
        ] {
            c.server.other.push((k.to_string(), vec![v.to_string()]));
        }
        let s = TlsSettings::from_config(&c);
        assert_eq!(s.port, 6390);
        assert!(s.replication && s.needed());
        assert_eq!(s.auth_clients, AuthClients::Optional);
        assert_eq!(s.cert_file, None);
        assert!(!s.session_caching);
        assert_eq!(s.announce_base_port(26379), 6390);
        assert!(!TlsSettings::default().needed());
    }
}
