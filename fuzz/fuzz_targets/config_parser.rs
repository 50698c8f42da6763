//! sentinel.conf parser (`rsentinel_config::parse`, the file-system-free loader) and the
//! `CONFIG REWRITE` renderer.
//!
//! Properties checked besides "never panics" (non-UTF-8 input is decoded lossily, as
//! the loader only takes text):
//! - a configuration that parses renders (`render`) to a file that parses again, when
//!   every argument in the input is plain (printable ASCII, no quotes or backslashes):
//!   like redis 7.0.15, which writes `sentinel auth-pass %s %s` and similar lines with a
//!   bare `%s`, the rewrite does not quote some values, so a password holding a space or
//!   a CR legitimately yields a file that no longer loads (found by this target);
//! - reading back a rewritten file gives the same configuration as the next rewrite;
//! - rewriting settles after two rounds. Not after one: like redis, which splits the old
//!   file on "\n", a file ending in a newline gains one blank last line on its first
//!   rewrite (so `render(render(x))` may differ from `render(x)` by that line only).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsentinel_config::{parse, render, split_args, Config, RewriteEnv};

/// True when every argument on every line survives being written unquoted.
fn plain(text: &str) -> bool {
    let plain_arg = |a: &String| {
        !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_graphic() && !b"\"'\\".contains(&b))
    };
    text.split('\n')
        .all(|line| split_args(line).is_some_and(|args| args.iter().all(plain_arg)))
}

fn reparse(text: &str) -> Config {
    match parse(text, "fuzz.conf") {
        Ok(c) => c,
        Err(err) => panic!("rewritten file does not parse: {err:?}\n{text}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(config) = parse(&text, "fuzz.conf") else {
        return;
    };
    if !plain(&text) {
        return;
    }
    let env = RewriteEnv::new("/fuzz");
    let first = render(&text, &config, &env);
    let config1 = reparse(&first);
    let second = render(&first, &config1, &env);
    let config2 = reparse(&second);
    assert_eq!(config2, config1, "rewrite changed the configuration");
    let third = render(&second, &config2, &env);
    assert_eq!(third, second, "rewrite not stable");
});
