//! Byte-for-byte comparison of our replies with the real redis-sentinel 7.0.15's, using
//! the captures under `tests/golden` (see its README). Two entries are not 7.0.15's:
//! `client|setinfo` (redis 7.2, compared with redis-sentinel 7.4.1's captures in
//! `tests/golden/added`) and `failover` (rsentinel's extension). Whole-table replies are
//! compared with those two entries taken out, and separate tests check that they are
//! the only difference.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use std::fs;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use rsentinel_commands::{all, command, resolve};
use rsentinel_resp::{encode, Frame, Protocol};

fn golden_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(sub)
}

fn files(sub: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(golden_dir(sub))
        .expect("golden dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// Our reply as `rsentinel_resp`'s encoder puts it on the wire.
fn bytes_of(frame: &Frame, resp3: bool) -> Vec<u8> {
    let proto = if resp3 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    };
    let mut out = BytesMut::new();
    encode(frame, proto, &mut out);
    out.to_vec()
}

/// What the server answers to `args` as far as this crate decides it: the dispatch
/// error, or the COMMAND reply.
fn reply(args: &[Bytes]) -> Frame {
    match resolve(args) {
        Err(e) => e,
        Ok(spec) if spec.parent.unwrap_or(spec.name) == "command" => command(args),
        Ok(spec) => panic!("golden case runs {}, not a COMMAND case", spec.full_name()),
    }
}

fn assert_same(path: &Path, ours: &[u8]) {
    let real = fs::read(path).expect("golden file");
    assert!(
        ours == real.as_slice(),
        "{}:\nours: {}\nreal: {}",
        path.display(),
        String::from_utf8_lossy(ours),
        String::from_utf8_lossy(&real)
    );
}

/// Entries that are not redis-sentinel 7.0.15's.
const ADDED_7_4: &str = "client|setinfo";
const EXTENSION: &str = "failover";

fn is_added(f: &Frame) -> bool {
    match f {
        Frame::Bulk(b) => b.as_ref() == ADDED_7_4.as_bytes() || b.as_ref() == EXTENSION.as_bytes(),
        Frame::Array(items) => items.first().is_some_and(is_added),
        _ => false,
    }
}

/// The reply without the added entries: names in lists, INFO entries (arrays named by
/// their first element) and DOCS map entries, at any depth.
fn strip_added(f: Frame) -> Frame {
    match f {
        Frame::Array(items) => Frame::Array(
            items
                .into_iter()
                .filter(|i| !is_added(i))
                .map(strip_added)
                .collect(),
        ),
        Frame::Set(items) => Frame::Set(items.into_iter().map(strip_added).collect()),
        Frame::Map(pairs) => Frame::Map(
            pairs
                .into_iter()
                .filter(|(k, _)| !is_added(k))
                .map(|(k, v)| (k, strip_added(v)))
                .collect(),
        ),
        other => other,
    }
}

fn per_command(kind: &str) {
    let mut found = files(kind, "resp");
    found.extend(files(&format!("added/{kind}"), "resp"));
    assert_eq!(
        found.len() + 1,
        all().count(),
        "one {kind} golden per command but the extension"
    );
    for path in found {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name");
        let name = stem.replace('.', "|");
        let args = [
            Bytes::from("COMMAND"),
            Bytes::from(kind.to_uppercase()),
            Bytes::from(name),
        ];
        // A container's entry lists its subcommands: CLIENT's 7.0.15 capture has no SETINFO.
        let frame = if path.to_string_lossy().contains("/added/") {
            reply(&args)
        } else {
            strip_added(reply(&args))
        };
        assert_same(&path, &bytes_of(&frame, false));
    }
}

#[test]
fn command_info_of_each_command() {
    per_command("info");
}

#[test]
fn command_docs_of_each_command() {
    per_command("docs");
}

fn cases(sub: &str, resp3: bool) {
    let found = files(sub, "args");
    assert!(!found.is_empty());
    for args_path in found {
        let text = fs::read_to_string(&args_path).expect("args file");
        let args: Vec<Bytes> = text
            .lines()
            .map(|l| Bytes::copy_from_slice(l.as_bytes()))
            .collect();
        let mut frame = reply(&args);
        if let (Frame::Integer(n), [_, sub]) = (&frame, args.as_slice()) {
            // COMMAND COUNT: the extension is one more top-level command.
            if sub.eq_ignore_ascii_case(b"count") {
                frame = Frame::Integer(n - 1);
            }
        }
        let ours = bytes_of(&strip_added(frame), resp3);
        assert_same(&args_path.with_extension("resp"), &ours);
    }
}

#[test]
fn error_and_command_cases_resp2() {
    cases("cases", false);
}

#[test]
fn command_cases_resp3() {
    cases("resp3", true);
}

/// Every glob pattern in `globs.txt` selects the same names through our matcher as
/// redis' `COMMAND LIST FILTERBY PATTERN` (case-insensitive `stringmatchlen`) did.
#[test]
fn glob_patterns_match_like_redis() {
    let text = fs::read_to_string(golden_dir("globs.txt")).expect("globs.txt");
    let mut checked = 0;
    for line in text.lines() {
        let mut fields = line.split('\t');
        let pattern = fields.next().expect("pattern");
        let expected: Vec<&str> = fields.collect();
        let ours: Vec<String> = all()
            .map(|c| c.full_name())
            .filter(|n| n != ADDED_7_4 && n != EXTENSION)
            .filter(|n| rsentinel_commands::glob_match(pattern.as_bytes(), n.as_bytes(), true))
            .collect();
        assert_eq!(ours, expected, "pattern {pattern:?}");
        let args: Vec<Bytes> = ["command", "list", "filterby", "pattern", pattern]
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        let listed = Frame::Array(expected.iter().map(|n| Frame::bulk_str(n)).collect());
        assert_eq!(
            strip_added(command(&args)),
            listed,
            "COMMAND LIST FILTERBY PATTERN {pattern:?}"
        );
        checked += 1;
    }
    assert!(checked > 400);
}

fn names(frame: Frame) -> Vec<String> {
    match frame {
        Frame::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("not a name: {other:?}"),
            })
            .collect(),
        other => panic!("not a list: {other:?}"),
    }
}

fn run(args: &[&str]) -> Frame {
    let args: Vec<Bytes> = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    reply(&args)
}

/// COMMAND LIST is redis-sentinel 7.4.1's (7.0.15's plus CLIENT SETINFO) plus exactly
/// the one extension, and COMMAND COUNT one more than 7.4.1's.
#[test]
fn command_list_and_count_differ_from_7_4_1_by_the_extension_only() {
    let listed = fs::read_to_string(golden_dir("added/command-list-7.4.1.txt")).expect("list");
    let mut real: Vec<&str> = listed.lines().collect();
    real.push(EXTENSION);
    real.sort_unstable();
    let mut ours = names(run(&["command", "list"]));
    ours.sort_unstable();
    assert_eq!(ours, real);
    let count: i64 = fs::read_to_string(golden_dir("added/command-count-7.4.1.txt"))
        .expect("count")
        .trim()
        .parse()
        .expect("number");
    assert_eq!(run(&["command", "count"]), Frame::Integer(count + 1));
    // And from 7.0.15's capture, by the 7.2 subcommand and the extension.
    let old = fs::read(golden_dir("cases/command-count.resp")).expect("count golden");
    assert_eq!(old, format!(":{}\r\n", count).into_bytes());
}

/// The extension is described like `sentinel|failover`, as a top-level command.
#[test]
fn failover_extension_is_described() {
    let info = run(&["command", "info", "failover"]);
    let Frame::Array(entries) = info else {
        panic!("array")
    };
    let Frame::Array(fields) = &entries[0] else {
        panic!("entry")
    };
    assert_eq!(fields[0], Frame::bulk_str("failover"));
    assert_eq!(fields[1], Frame::Integer(2));
    let sentinel_failover = run(&["command", "info", "sentinel|failover"]);
    let Frame::Array(s) = sentinel_failover else {
        panic!("array")
    };
    let Frame::Array(sf) = &s[0] else {
        panic!("entry")
    };
    // Same flags, key positions, categories, tips and key specs.
    assert_eq!(fields[2..], sf[2..]);
    let docs = bytes_of(&run(&["command", "docs", "failover"]), false);
    let text = String::from_utf8_lossy(&docs);
    assert!(text.contains("rsentinel extension"), "{text}");
    assert!(text.contains("master-name"), "{text}");
}
