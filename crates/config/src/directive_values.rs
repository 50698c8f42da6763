//! Validation and normalized rewriting of redis' standard configs, so that any directive
//! redis-server accepts is accepted here with the same error text, and rewritten in the
//! normalized form redis' `CONFIG REWRITE` produces.

use crate::directive_table::{Kind, NumFormat, Std};
use crate::lexer::repr;
use crate::numbers::{format_memory, memtoull, string2ll, yes_no, yes_no_str};
use crate::special_directives;
pub use crate::value::{Rewrite, Value};

/// Splits the arguments of a multi-argument directive given as one string
/// (`--bind "a b"`), as redis does before validating.
pub fn effective_args(std: &Std, args: &[String]) -> Result<Vec<String>, String> {
    if std.multi_arg() && args.len() == 1 && !args[0].is_empty() {
        crate::lexer::split_args(&args[0])
            .ok_or_else(|| "Unbalanced quotes in configuration line".to_string())
    } else {
        Ok(args.to_vec())
    }
}

/// Validates the arguments of a standard config (after the directive name), with redis'
/// error messages.
pub fn parse_value(std: &Std, raw: &[String]) -> Result<Value, String> {
    if !std.multi_arg() && raw.len() != 1 {
        return Err("wrong number of arguments".into());
    }
    let args = effective_args(std, raw)?;
    match std.kind {
        Kind::Bool { .. } => yes_no(&args[0])
            .map(Value::Bool)
            .ok_or_else(|| "argument must be 'yes' or 'no'".to_string()),
        Kind::Str { empty_is_null, .. } => {
            check_string(std.name, &args[0])?;
            Ok(Value::Str(if empty_is_null && args[0].is_empty() {
                None
            } else {
                Some(args[0].clone())
            }))
        }
        Kind::Enum { values, multi, .. } => parse_enum(values, multi, &args).map(Value::Enum),
        Kind::Num {
            min,
            max,
            format,
            unsigned,
            ..
        } => parse_num(&args[0], min, max, format, unsigned).map(Value::Num),
        Kind::Special => special_directives::parse(std.name, &args),
    }
}

/// Redis' extra checks on some file-name strings.
fn check_string(name: &str, v: &str) -> Result<(), String> {
    let base_name = !v.contains(['/', '\\']);
    let err = match name {
        "dbfilename" if !base_name => "dbfilename can't be a path, just a filename",
        "appendfilename" if v.is_empty() => "appendfilename can't be empty",
        "appendfilename" if !base_name => "appendfilename can't be a path, just a filename",
        "appenddirname" if v.is_empty() => "appenddirname can't be empty",
        "appenddirname" if !base_name => "appenddirname can't be a path, just a dirname",
        _ => return Ok(()),
    };
    Err(err.to_string())
}

fn parse_enum(values: &[(&str, u32)], multi: bool, args: &[String]) -> Result<u32, String> {
    let mut acc = 0;
    let ok = !args.is_empty() && (multi || args.len() == 1);
    if ok {
        for a in args {
            let hits: Vec<u32> = values
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(a))
                .map(|(_, v)| *v)
                .collect();
            if hits.is_empty() {
                return Err(enum_error(values));
            }
            acc |= hits.iter().fold(0, |x, y| x | y);
        }
        if multi && acc & 1 != 0 && acc & 2 != 0 && values.iter().any(|(n, _)| *n == "nosave") {
            return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
        }
        return Ok(acc);
    }
    Err(enum_error(values))
}

fn enum_error(values: &[(&str, u32)]) -> String {
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let mut msg = format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    );
    msg.truncate(255);
    msg
}

/// The name redis writes for an enum value (`configEnumGetName`).
pub fn enum_name(values: &[(&str, u32)], v: u32, multi: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = v;
    for (n, val) in values {
        if *val == v {
            return (*n).to_string();
        }
        if multi && *val != 0 && *val == unmatched & *val {
            names.push(n);
            unmatched &= !*val;
        }
    }
    if names.is_empty() || unmatched != 0 {
        "unknown".into()
    } else {
        names.join(" ")
    }
}

fn parse_num(
    s: &str,
    min: i128,
    max: i128,
    format: NumFormat,
    unsigned: bool,
) -> Result<i128, String> {
    let parsed: Option<i128> = match format {
        NumFormat::Memory => memtoull(s).map(|v| i128::from(v as i64)),
        NumFormat::MemoryOrPercent => memtoull(s).map(|v| i128::from(v as i64)).or_else(|| {
            let p = s.strip_suffix('%').filter(|p| !p.is_empty())?;
            string2ll(p).filter(|v| *v >= 0).map(|v| -i128::from(v))
        }),
        NumFormat::Octal => {
            if s.is_empty() {
                Some(0)
            } else {
                i64::from_str_radix(s, 8).ok().map(i128::from)
            }
        }
        NumFormat::Int => string2ll(s).map(i128::from),
    };
    let v = parsed.ok_or_else(|| {
        match format {
            NumFormat::MemoryOrPercent => "argument must be a memory or percent value",
            NumFormat::Memory => "argument must be a memory value",
            NumFormat::Octal => "argument couldn't be parsed as an octal number",
            NumFormat::Int => "argument couldn't be parsed into an integer",
        }
        .to_string()
    })?;
    if unsigned {
        let u = i128::from(v as i64 as u64);
        if u > max || u < min {
            return Err(if format == NumFormat::Octal {
                format!("argument must be between {min:o} and {max:o} inclusive")
            } else {
                format!("argument must be between {min} and {max} inclusive")
            });
        }
        Ok(u)
    } else if format == NumFormat::MemoryOrPercent && v < 0 {
        if v < min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -min
            ));
        }
        Ok(v)
    } else {
        if v > max || v < min {
            return Err(format!(
                "argument must be between {min} and {max} inclusive"
            ));
        }
        Ok(v)
    }
}

/// The rewrite of a config whose occurrences (validated values, in file order) are given;
/// no occurrence means the default value. `dir` is not handled here (it needs the cwd).
pub fn rewrite(std: &Std, values: &[Value]) -> Rewrite {
    let name = std.name;
    let last = values.last();
    let one = |line: String, force: bool| Rewrite::Lines(vec![(line, force)]);
    match (std.kind, last) {
        (Kind::Bool { default }, v) => {
            let v = match v {
                Some(Value::Bool(b)) => *b,
                _ => default,
            };
            one(format!("{name} {}", yes_no_str(v)), v != default)
        }
        (Kind::Str { default, .. }, v) => {
            let v = match v {
                Some(Value::Str(s)) => s.clone(),
                _ => default.map(str::to_string),
            };
            match v {
                None => Rewrite::Remove,
                Some(s) => {
                    let force = default != Some(s.as_str());
                    one(format!("{name} {}", repr(&s)), force)
                }
            }
        }
        (
            Kind::Enum {
                values: table,
                default,
                multi,
            },
            v,
        ) => {
            let dv = table
                .iter()
                .find(|(n, _)| *n == default)
                .map_or(0, |(_, v)| *v);
            let v = match v {
                Some(Value::Enum(e)) => *e,
                _ => dv,
            };
            one(format!("{name} {}", enum_name(table, v, multi)), v != dv)
        }
        (
            Kind::Num {
                default, format, ..
            },
            v,
        ) => {
            let mut v = match v {
                Some(Value::Num(n)) => *n,
                _ => default,
            };
            if name == "hz" {
                // Redis clamps hz into [1, 500] after loading.
                v = v.clamp(1, 500);
            }
            let text = match format {
                NumFormat::MemoryOrPercent if v < 0 => format!("{}%", -v),
                NumFormat::Memory | NumFormat::MemoryOrPercent => format_memory(v),
                NumFormat::Octal => format!("{v:o}"),
                NumFormat::Int => v.to_string(),
            };
            one(format!("{name} {text}"), v != default)
        }
        (Kind::Special, _) => special_directives::rewrite(name, values),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directive_table::lookup;

    fn v(name: &str, args: &[&str]) -> Result<Value, String> {
        let std = lookup(name).ok_or("no such config")?;
        parse_value(std, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn line(name: &str, args: &[&str]) -> Rewrite {
        let std = lookup(name).expect("known config");
        let val = v(name, args).expect("valid value");
        rewrite(std, &[val])
    }

    #[test]
    fn validation_errors_match_redis() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "port",
                &["abc"],
                "argument couldn't be parsed into an integer",
            ),
            (
                "port",
                &["70000"],
                "argument must be between 0 and 65535 inclusive",
            ),
            ("port", &["1", "2"], "wrong number of arguments"),
            ("daemonize", &["maybe"], "argument must be 'yes' or 'no'"),
            ("maxmemory", &["1x"], "argument must be a memory value"),
            (
                "maxmemory-clients",
                &["x"],
                "argument must be a memory or percent value",
            ),
            (
                "maxmemory-clients",
                &["101%"],
                "percentage argument must be less or equal to 100",
            ),
            (
                "unixsocketperm",
                &["9"],
                "argument couldn't be parsed as an octal number",
            ),
            (
                "unixsocketperm",
                &["1000"],
                "argument must be between 0 and 777 inclusive",
            ),
            (
                "maxclients",
                &["0"],
                "argument must be between 1 and 4294967295 inclusive",
            ),
            (
                "loglevel",
                &["silent"],
                "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
            ),
            ("save", &["1"], "Invalid save parameters"),
            (
                "bind",
                &[
                    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
                    "15", "16", "17",
                ],
                "Too many bind addresses specified.",
            ),
            ("replicaof", &["h", "x"], "Invalid master port"),
            (
                "notify-keyspace-events",
                &["Q"],
                "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
            ),
            (
                "latency-tracking-info-percentiles",
                &["101"],
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
            ),
            (
                "shutdown-on-sigterm",
                &["save nosave"],
                "shutdown options SAVE and NOSAVE can't be used simultaneously",
            ),
            (
                "dbfilename",
                &["a/b.rdb"],
                "dbfilename can't be a path, just a filename",
            ),
            ("appendfilename", &[""], "appendfilename can't be empty"),
            (
                "appenddirname",
                &["x\\y"],
                "appenddirname can't be a path, just a dirname",
            ),
        ];
        for (name, args, err) in cases {
            assert_eq!(v(name, args), Err(err.to_string()), "{name} {args:?}");
        }
    }

    #[test]
    fn rewrites_are_normalized() {
        let cases: &[(&str, &[&str], &str, bool)] = &[
            ("maxmemory", &["1073741824"], "maxmemory 1gb", true),
            ("maxmemory", &["0"], "maxmemory 0", false),
            ("daemonize", &["YES"], "daemonize yes", true),
            ("unixsocketperm", &["700"], "unixsocketperm 700", true),
            ("maxmemory-clients", &["10%"], "maxmemory-clients 10%", true),
            ("loglevel", &["WARNING"], "loglevel warning", true),
            ("oom-score-adj", &["relative"], "oom-score-adj yes", true),
            (
                "shutdown-on-sigint",
                &["nosave force"],
                "shutdown-on-sigint nosave force",
                true,
            ),
            ("logfile", &["/tmp/x y"], "logfile \"/tmp/x y\"", true),
            (
                "notify-keyspace-events",
                &["KEA"],
                "notify-keyspace-events \"AKE\"",
                true,
            ),
            (
                "latency-tracking-info-percentiles",
                &["50 99.5"],
                "latency-tracking-info-percentiles 50 99.5",
                true,
            ),
            ("bind", &["127.0.0.1 ::1"], "bind 127.0.0.1 ::1", true),
            ("slaveof", &["h", "7"], "replicaof h 7", true),
            ("hz", &["0"], "hz 1", true),
            ("hz", &["1000"], "hz 500", true),
        ];
        for (name, args, want, force) in cases {
            assert_eq!(
                line(name, args),
                Rewrite::Lines(vec![(want.to_string(), *force)]),
                "{name}"
            );
        }
        assert_eq!(line("pidfile", &[""]), Rewrite::Remove);
        assert_eq!(line("save", &["60", "1"]), Rewrite::Remove);
        assert_eq!(line("bind", &["*", "-::*"]), Rewrite::Remove);
        match line("client-output-buffer-limit", &["pubsub 1mb 0 0"]) {
            Rewrite::Lines(l) => assert_eq!(
                l[2],
                (
                    "client-output-buffer-limit pubsub 1mb 0 0".to_string(),
                    true
                )
            ),
            Rewrite::Remove => panic!("expected lines"),
        }
    }
}
