//! sentinel.conf parser (`rsentinel_config::parse_bytes`, the file-system-free loader)
//! and the `CONFIG REWRITE` renderer.
//!
//! Properties checked besides "never panics" (the input is the file's bytes, as the
//! loader reads them):
//! - a configuration that parses renders (`render`) to a file that parses again. Values
//!   that would not read back bare (spaces, quotes, control bytes, bytes that are not
//!   UTF-8) are written quoted, so this holds for every input; until they were, a
//!   password holding a space or a CR yielded a file that no longer loaded, as it still
//!   does in redis 7.0.15 (found by this target, finding 4 in docs/fuzzing.md);
//! - reading back a rewritten file gives the same configuration as the next rewrite;
//! - rewriting settles after two rounds. Not after one: like redis, which splits the old
//!   file on "\n", a file ending in a newline gains one blank last line on its first
//!   rewrite (so `render(render(x))` may differ from `render(x)` by that line only).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsentinel_config::{parse_bytes, render, Config, RewriteEnv};

fn reparse(text: &str) -> Config {
    match parse_bytes(text.as_bytes(), "fuzz.conf") {
        Ok(c) => c,
        Err(err) => panic!("rewritten file does not parse: {err:?}\n{text}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(config) = parse_bytes(data, "fuzz.conf") else {
        return;
    };
    // The old file's own lines are kept as text (comments and unknown lines).
    let text = String::from_utf8_lossy(data);
    let env = RewriteEnv::new("/fuzz");
    let first = render(&text, &config, &env);
    let config1 = reparse(&first);
    let second = render(&first, &config1, &env);
    let config2 = reparse(&second);
    assert_eq!(config2, config1, "rewrite changed the configuration");
    let third = render(&second, &config2, &env);
    assert_eq!(third, second, "rewrite not stable");
});
