//! Crate-level tests: every directive, every error (texts checked against the real
//! redis-sentinel 7.0.15), order independence, command-line lines, rewrite properties,
//! atomic writes and the example file.

mod directives;
mod errors;
mod props;
mod rewrite;
mod values;

/// A file made of `lines`, each ending with a newline.
pub(crate) fn text(lines: &[&str]) -> String {
    let mut t = lines.join("\n");
    t.push('\n');
    t
}
