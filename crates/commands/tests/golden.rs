//! Byte-for-byte comparison of our replies with the real redis-sentinel 7.0.15's, using
//! the captures under `tests/golden` (see its README).

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

fn per_command(kind: &str) {
    let found = files(kind, "resp");
    assert_eq!(found.len(), all().count(), "one {kind} golden per command");
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
        assert_same(&path, &bytes_of(&reply(&args), false));
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
        let ours = bytes_of(&reply(&args), resp3);
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
            .filter(|n| rsentinel_commands::glob_match(pattern.as_bytes(), n.as_bytes(), true))
            .collect();
        assert_eq!(ours, expected, "pattern {pattern:?}");
        let args: Vec<Bytes> = ["command", "list", "filterby", "pattern", pattern]
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        let listed = Frame::Array(expected.iter().map(|n| Frame::bulk_str(n)).collect());
        assert_eq!(
            command(&args),
            listed,
            "COMMAND LIST FILTERBY PATTERN {pattern:?}"
        );
        checked += 1;
    }
    assert!(checked > 400);
}
