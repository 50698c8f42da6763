//! Directives that are rsentinel's own, not redis': `log-format`, `metrics-port` and
//! `metrics-bind`. redis-sentinel refuses them, so a file using them is an rsentinel file;
//! they are kept across rewrites like every other directive.

use crate::settings::{LogFormat, ServerSettings, DEFAULT_METRICS_BIND};

/// Their names, for the rewrite and `is_known_directive`.
pub const DIRECTIVES: &[&str] = &["log-format", "metrics-port", "metrics-bind"];

/// Applies one of them; the error is the message for the config error banner.
pub fn apply(s: &mut ServerSettings, name: &str, value: &str) -> Result<(), String> {
    match name {
        "log-format" => {
            s.log_format = match value.to_ascii_lowercase().as_str() {
                "redis" => LogFormat::Redis,
                "json" => LogFormat::Json,
                _ => return Err("argument must be one of the following: redis, json".into()),
            }
        }
        "metrics-port" => {
            s.metrics_port = value
                .parse::<u16>()
                .map_err(|_| "argument must be between 0 and 65535 inclusive".to_string())?
        }
        "metrics-bind" => {
            if value.is_empty() || value.parse::<std::net::IpAddr>().is_err() {
                return Err("argument must be an IPv4 or IPv6 address".into());
            }
            s.metrics_bind = value.to_string();
        }
        _ => return Err("Bad directive or wrong number of arguments".into()),
    }
    Ok(())
}

/// `(option, line, force)` for the rewrite: written when set away from the default,
/// an existing line always refreshed.
pub fn rewrite_lines(s: &ServerSettings) -> Vec<(&'static str, String, bool)> {
    vec![
        (
            "log-format",
            format!("log-format {}", s.log_format.as_str()),
            s.log_format != LogFormat::Redis,
        ),
        (
            "metrics-port",
            format!("metrics-port {}", s.metrics_port),
            s.metrics_port != 0,
        ),
        (
            "metrics-bind",
            format!("metrics-bind {}", s.metrics_bind),
            s.metrics_bind != DEFAULT_METRICS_BIND,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::{parse, render, RewriteEnv};

    #[test]
    fn own_directives_load_and_survive_a_rewrite() {
        let text = "port 26379\nlog-format json\nmetrics-port 9479\nmetrics-bind ::1\n";
        let c = parse(text, "s.conf").unwrap();
        assert_eq!(c.server.log_format, crate::LogFormat::Json);
        assert_eq!(c.server.metrics_port, 9479);
        assert_eq!(c.server.metrics_bind, "::1");
        let out = render(text, &c, &RewriteEnv::new("/tmp"));
        assert!(out.contains("\nlog-format json\n"), "{out}");
        assert!(out.contains("\nmetrics-port 9479\n"), "{out}");
        assert!(out.contains("\nmetrics-bind ::1\n"), "{out}");
        let back = parse(&out, "s.conf").unwrap().server;
        assert_eq!(
            (back.log_format, back.metrics_port, back.metrics_bind),
            (
                c.server.log_format,
                c.server.metrics_port,
                c.server.metrics_bind
            )
        );
    }

    #[test]
    fn defaults_write_nothing() {
        let c = parse("port 26379\n", "s.conf").unwrap();
        let out = render("port 26379\n", &c, &RewriteEnv::new("/tmp"));
        assert!(!out.contains("metrics"), "{out}");
        assert!(!out.contains("log-format"), "{out}");
    }

    #[test]
    fn bad_values_are_refused() {
        for line in [
            "log-format xml",
            "metrics-port 70000",
            "metrics-port -1",
            "metrics-bind nowhere",
            "metrics-port",
            "log-format json extra",
        ] {
            let e = parse(&format!("{line}\n"), "s.conf")
                .unwrap_err()
                .to_string();
            assert!(e.contains(">>> '"), "{line}: {e}");
        }
    }
}
