//! Directives with their own syntax (`save`, `client-output-buffer-limit`,
//! `oom-score-adj-values`, `notify-keyspace-events`, `bind`, `replicaof`,
//! `latency-tracking-info-percentiles`, `dir`; redis' `SPECIAL_CONFIG` kind): validation
//! and rewrite, as redis does them.

use crate::lexer::repr;
use crate::numbers::{format_double_trimmed, format_memory, memtoull};
use crate::value::{Rewrite, Value};

fn strtoll_full(s: &str) -> Option<i64> {
    // strtoll with an end-pointer check: optional spaces and sign, digits, nothing after.
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return Some(0);
    }
    t.parse::<i64>().ok()
}

const NOTIFY_CLASSES: &[(char, u32)] = &[
    ('g', 1 << 2),
    ('$', 1 << 3),
    ('l', 1 << 4),
    ('s', 1 << 5),
    ('h', 1 << 6),
    ('z', 1 << 7),
    ('x', 1 << 8),
    ('e', 1 << 9),
    ('t', 1 << 10),
    ('d', 1 << 13),
    ('n', 1 << 14),
];
const NOTIFY_ALL: u32 = (1 << 2)
    | (1 << 3)
    | (1 << 4)
    | (1 << 5)
    | (1 << 6)
    | (1 << 7)
    | (1 << 8)
    | (1 << 9)
    | (1 << 10)
    | (1 << 13);

fn notify_flags(s: &str) -> Option<u32> {
    let mut flags = 0;
    for c in s.chars() {
        flags |= match c {
            'A' => NOTIFY_ALL,
            'K' => 1,
            'E' => 2,
            'm' => 1 << 11,
            other => NOTIFY_CLASSES.iter().find(|(ch, _)| *ch == other)?.1,
        };
    }
    Some(flags)
}

fn notify_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (c, f) in NOTIFY_CLASSES {
            if flags & f != 0 {
                s.push(*c);
            }
        }
    }
    for (c, f) in [('K', 1), ('E', 2), ('m', 1 << 11)] {
        if flags & f != 0 {
            s.push(c);
        }
    }
    s
}

const OBUF_DEFAULTS: [(u64, u64, i64); 3] = [
    (0, 0, 0),
    (256 << 20, 64 << 20, 60),
    (32 << 20, 8 << 20, 60),
];

/// redis reads a single empty argument of a list option (`save ""`, `bind ""`) as an
/// empty list.
fn blank_means_none(args: &[String]) -> &[String] {
    match args {
        [only] if only.is_empty() => &[],
        _ => args,
    }
}

pub fn parse(name: &str, args: &[String]) -> Result<Value, String> {
    let wrong = || Err("wrong number of arguments".to_string());
    match name {
        "dir" => match args {
            [d] => Ok(Value::Dir(d.clone())),
            _ => wrong(),
        },
        "save" => {
            let args = blank_means_none(args);
            let bad = || "Invalid save parameters".to_string();
            if args.len() & 1 == 1 {
                return Err(bad());
            }
            let mut pairs = Vec::new();
            for pair in args.chunks(2) {
                let secs = strtoll_full(&pair[0]).filter(|v| *v >= 1).ok_or_else(bad)?;
                let changes = strtoll_full(&pair[1]).filter(|v| *v >= 0).ok_or_else(bad)?;
                pairs.push((secs, changes));
            }
            Ok(Value::Save(pairs))
        }
        "client-output-buffer-limit" => {
            if args.len() & 3 != 0 {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            let mut out = Vec::new();
            for g in args.chunks(4) {
                let class = match g[0].to_ascii_lowercase().as_str() {
                    "normal" => 0,
                    "slave" | "replica" => 1,
                    "pubsub" => 2,
                    _ => {
                        return Err(
                            "Invalid client class specified in buffer limit configuration.".into(),
                        )
                    }
                };
                let bad = || {
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string()
                };
                let hard = memtoull(&g[1]).ok_or_else(bad)?;
                let soft = memtoull(&g[2]).ok_or_else(bad)?;
                let secs = crate::numbers::strtol(&g[3]);
                let digits_ok = {
                    let t = g[3].trim_start();
                    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
                    t.bytes().all(|b| b.is_ascii_digit())
                };
                if secs < 0 || !digits_ok {
                    return Err(bad());
                }
                out.push((class, hard, soft, secs));
            }
            Ok(Value::OutputBufferLimits(out))
        }
        "oom-score-adj-values" => {
            if args.len() != 3 {
                return wrong();
            }
            let mut v = [0i64; 3];
            for (slot, a) in v.iter_mut().zip(args) {
                *slot = strtoll_full(a)
                    .filter(|x| (-2000..=2000).contains(x))
                    .ok_or(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
                    )?;
            }
            Ok(Value::Oom(v))
        }
        "notify-keyspace-events" => match args {
            [s] => notify_flags(s)
                .map(Value::Notify)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()),
            _ => wrong(),
        },
        "bind" => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            Ok(Value::Bind(blank_means_none(args).to_vec()))
        }
        "replicaof" => match args {
            [h, p] if h.eq_ignore_ascii_case("no") && p.eq_ignore_ascii_case("one") => {
                Ok(Value::ReplicaOf(None))
            }
            [h, p] => match strtoll_full(p).filter(|v| (0..=65535).contains(v)) {
                Some(port) if !p.is_empty() => Ok(Value::ReplicaOf(Some((h.clone(), port)))),
                _ => Err("Invalid master port".into()),
            },
            _ => wrong(),
        },
        "latency-tracking-info-percentiles" => {
            let args = blank_means_none(args);
            let mut out = Vec::new();
            for a in args {
                let v: f64 = a
                    .parse()
                    .ok()
                    .filter(|v: &f64| !v.is_nan() && !a.starts_with(['+', ' ']))
                    .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                if !(0.0..=100.0).contains(&v) {
                    return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                }
                out.push(v);
            }
            Ok(Value::Percentiles(out))
        }
        _ => Err("Bad directive or wrong number of arguments".into()),
    }
}

/// The rewrite of a special directive from its occurrences (none = default).
pub fn rewrite(name: &str, values: &[Value]) -> Rewrite {
    match name {
        // Sentinel mode never writes `save` lines (redis' rewriteConfigSaveOption).
        "save" => Rewrite::Remove,
        "client-output-buffer-limit" => {
            let mut limits = OBUF_DEFAULTS;
            for v in values {
                if let Value::OutputBufferLimits(groups) = v {
                    for (class, hard, soft, secs) in groups {
                        if let Some(slot) = limits.get_mut(*class) {
                            *slot = (*hard, *soft, *secs);
                        }
                    }
                }
            }
            let lines = ["normal", "replica", "pubsub"]
                .iter()
                .zip(limits.iter().zip(OBUF_DEFAULTS.iter()))
                .map(|(class, (cur, def))| {
                    let line = format!(
                        "{name} {class} {} {} {}",
                        format_memory(i128::from(cur.0)),
                        format_memory(i128::from(cur.1)),
                        cur.2
                    );
                    (line, cur != def)
                })
                .collect();
            Rewrite::Lines(lines)
        }
        "oom-score-adj-values" => {
            let v = match values.last() {
                Some(Value::Oom(v)) => *v,
                _ => [0, 200, 800],
            };
            Rewrite::Lines(vec![(
                format!("{name} {} {} {}", v[0], v[1], v[2]),
                v != [0, 200, 800],
            )])
        }
        "notify-keyspace-events" => {
            let f = match values.last() {
                Some(Value::Notify(f)) => *f,
                _ => 0,
            };
            Rewrite::Lines(vec![(
                format!("{name} {}", repr(&notify_string(f))),
                f != 0,
            )])
        }
        "replicaof" => match values.last() {
            Some(Value::ReplicaOf(Some((h, p)))) => {
                Rewrite::Lines(vec![(format!("{name} {h} {p}"), true)])
            }
            _ => Rewrite::Remove,
        },
        "latency-tracking-info-percentiles" => {
            let v = match values.last() {
                Some(Value::Percentiles(p)) => p.clone(),
                _ => vec![50.0, 99.0, 99.9],
            };
            let line = if v.is_empty() {
                format!("{name} \"\"")
            } else {
                let parts: Vec<String> = v.iter().map(|x| format_double_trimmed(*x)).collect();
                format!("{name} {}", parts.join(" "))
            };
            Rewrite::Lines(vec![(line, true)])
        }
        "bind" => {
            let v = match values.last() {
                Some(Value::Bind(b)) => b.clone(),
                _ => vec!["*".into(), "-::*".into()],
            };
            if v == ["*", "-::*"] {
                Rewrite::Remove
            } else if v.is_empty() {
                Rewrite::Lines(vec![(format!("{name} \"\""), true)])
            } else {
                Rewrite::Lines(vec![(format!("{name} {}", v.join(" ")), true)])
            }
        }
        _ => Rewrite::Remove,
    }
}
