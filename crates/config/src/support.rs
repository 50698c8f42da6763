//! What rsentinel does with each directive redis-sentinel accepts. A directive is either
//! acted upon, meaningless to a Sentinel (data,
//! persistence, replication, cluster, tuning of things a Sentinel does not have: accepted
//! where redis accepts it and reported with a warning at start), or one whose effect
//! would matter to a Sentinel but that rsentinel does not reproduce: then any value but
//! redis' default is refused at load, with the reason, so a deployment never runs a
//! Sentinel that silently does less than the file asks.

use crate::directive_values::Value;

/// How rsentinel treats a standard directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// rsentinel applies it.
    Acted,
    /// Has no effect on what a Sentinel does: accepted, reported at start.
    Meaningless,
    /// Matters to a Sentinel and is not reproduced: only redis' default is accepted.
    DefaultOnly,
}

const ACTED: &[&str] = &[
    "port",
    "bind",
    "protected-mode",
    "daemonize",
    "pidfile",
    "logfile",
    "loglevel",
    "dir",
    "requirepass",
    "aclfile",
    "acllog-max-len",
    "acl-pubsub-default",
    "maxclients",
    "timeout",
    "tcp-keepalive",
    "tcp-backlog",
    "unixsocket",
    "unixsocketperm",
    "supervised",
    "oom-score-adj",
    "oom-score-adj-values",
    "server_cpulist",
    "proto-max-bulk-len",
    "client-query-buffer-limit",
    // The pubsub class is applied; the normal class is accepted only at its default
    // (see `refusal`); the replica class means nothing to a Sentinel.
    "client-output-buffer-limit",
    "syslog-enabled",
    "syslog-ident",
    "syslog-facility",
];

/// Directives whose effect matters to a Sentinel and that rsentinel does not reproduce.
const DEFAULT_ONLY: &[&str] = &[
    "maxmemory-clients",
    "socket-mark-id",
    "bind-source-addr",
    "cluster-enabled",
];

/// How rsentinel treats the standard directive `name` (its canonical name).
pub fn support(name: &str) -> Support {
    // Every tls-* directive configures the daemon's TLS (tls-cluster too: as in redis it
    // makes TLS be configured, and the certificates checked, at start).
    if ACTED.contains(&name) || name.starts_with("tls-") {
        Support::Acted
    } else if DEFAULT_ONLY.contains(&name) {
        Support::DefaultOnly
    } else {
        Support::Meaningless
    }
}

/// Redis' default `client-output-buffer-limit` for the normal class: hard, soft, soft
/// seconds (none).
const NORMAL_LIMITS: (u64, u64, i64) = (0, 0, 0);

/// Why a parsed directive cannot be accepted, or `None`. `name` is the canonical name.
pub fn refusal(name: &str, value: &Value) -> Option<String> {
    let not_default = match (name, value) {
        ("bind-source-addr", Value::Str(v)) => v.is_some(),
        ("maxmemory-clients" | "socket-mark-id", Value::Num(v)) => *v != 0,
        ("cluster-enabled", Value::Bool(v)) => *v,
        ("supervised", Value::Enum(v)) => {
            // upstart (0): redis stops itself with SIGSTOP to signal readiness.
            return (*v == 0).then(|| {
                "rsentinel does not support 'supervised upstart' (it would never signal readiness to upstart); use systemd or no".to_string()
            });
        }
        ("client-output-buffer-limit", Value::OutputBufferLimits(groups)) => {
            return groups.iter().find_map(|(class, hard, soft, secs)| {
                let limits = (*hard, *soft, *secs);
                (*class == 0 && limits != NORMAL_LIMITS).then(|| {
                    "rsentinel applies only redis' default client-output-buffer-limit for the normal class (0 0 0)".to_string()
                })
            });
        }
        _ => false,
    };
    if !not_default {
        return None;
    }
    let what = match name {
        "maxmemory-clients" => "does not evict clients, so 'maxmemory-clients' must be 0",
        "socket-mark-id" => "does not mark its sockets, so 'socket-mark-id' must be 0",
        "bind-source-addr" => {
            "does not bind its outgoing connections, so 'bind-source-addr' must be unset"
        }
        _ => "is a Sentinel only, so 'cluster-enabled' must be 'no'",
    };
    Some(format!("rsentinel {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directive_table::STANDARD;

    /// Every directive of redis' table falls in exactly one class, and every listed name
    /// is a real directive (a typo would silently make it meaningless).
    #[test]
    fn every_directive_is_classified_once() {
        for list in [ACTED, DEFAULT_ONLY] {
            for name in list {
                assert!(
                    STANDARD.iter().any(|s| s.name == *name),
                    "{name} is not a directive"
                );
            }
        }
        let mut counts = [0usize; 3];
        for s in STANDARD {
            let hits = [ACTED, DEFAULT_ONLY]
                .iter()
                .filter(|l| l.contains(&s.name))
                .count();
            assert!(hits <= 1, "{} listed twice", s.name);
            counts[support(s.name) as usize] += 1;
        }
        assert_eq!(counts.iter().sum::<usize>(), STANDARD.len());
        assert!(counts[Support::Meaningless as usize] > 100, "{counts:?}");
    }

    #[test]
    fn defaults_pass_and_other_values_are_refused() {
        assert_eq!(refusal("oom-score-adj", &Value::Enum(2)), None);
        assert_eq!(refusal("bind-source-addr", &Value::Str(None)), None);
        assert!(refusal("bind-source-addr", &Value::Str(Some("10.0.0.1".into()))).is_some());
        assert_eq!(refusal("cluster-enabled", &Value::Bool(false)), None);
        assert!(refusal("cluster-enabled", &Value::Bool(true)).is_some());
        assert!(refusal("supervised", &Value::Enum(0)).is_some());
        assert_eq!(refusal("supervised", &Value::Enum(1)), None);
        let obl =
            |class, hard, soft, secs| Value::OutputBufferLimits(vec![(class, hard, soft, secs)]);
        assert_eq!(
            refusal("client-output-buffer-limit", &obl(2, 32 << 20, 8 << 20, 60)),
            None
        );
        assert_eq!(
            refusal("client-output-buffer-limit", &obl(1, 1, 1, 1)),
            None
        );
        assert_eq!(
            refusal("client-output-buffer-limit", &obl(2, 1 << 20, 0, 0)),
            None
        );
        assert!(
            refusal("client-output-buffer-limit", &obl(0, 1 << 20, 0, 0))
                .is_some_and(|m| m.contains("normal"))
        );
        assert_eq!(refusal("maxmemory", &Value::Num(1 << 20)), None);
    }
}
