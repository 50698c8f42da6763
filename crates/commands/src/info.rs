//! The `COMMAND INFO` and `COMMAND DOCS` reply shapes of one command, built from the
//! table. Field order and the set/array/map choices follow redis 7.0.15, which is what
//! makes the RESP2 downgrade byte-identical.

use rsentinel_resp::Frame;

use crate::{Arg, CommandSpec, Docs};

fn simple_set(items: impl IntoIterator<Item = String>) -> Frame {
    Frame::Set(items.into_iter().map(Frame::Simple).collect())
}

/// The ten-element `COMMAND INFO` entry of `spec`, subcommands included.
pub fn command_info(spec: &CommandSpec) -> Frame {
    let subcommands = if spec.subcommands.is_empty() {
        Frame::Set(Vec::new())
    } else {
        Frame::Array(spec.subcommands.iter().map(command_info).collect())
    };
    Frame::Array(vec![
        Frame::bulk(spec.full_name()),
        Frame::Integer(i64::from(spec.arity)),
        simple_set(spec.flags.iter().map(|f| f.to_string())),
        Frame::Integer(i64::from(spec.first_key)),
        Frame::Integer(i64::from(spec.last_key)),
        Frame::Integer(i64::from(spec.key_step)),
        simple_set(spec.acl_categories.iter().map(|c| format!("@{c}"))),
        Frame::Set(spec.tips.iter().map(|t| Frame::bulk_str(t)).collect()),
        // Key specs: no sentinel-mode command has any.
        Frame::Set(Vec::new()),
        subcommands,
    ])
}

fn field(name: &str, value: Frame) -> (Frame, Frame) {
    (Frame::bulk_str(name), value)
}

fn optional_text(out: &mut Vec<(Frame, Frame)>, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push(field(name, Frame::bulk_str(v)));
    }
}

/// The table stores redis' absent `summary`/`since`/`complexity` as `""`.
fn non_empty(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

/// The `COMMAND DOCS` map of `spec` (without its name, which the caller pairs it with).
pub fn command_docs(spec: &CommandSpec) -> Frame {
    let d: &Docs = &spec.docs;
    let mut out = Vec::new();
    optional_text(&mut out, "summary", non_empty(d.summary));
    optional_text(&mut out, "since", non_empty(d.since));
    out.push(field("group", Frame::bulk_str(d.group)));
    optional_text(&mut out, "complexity", non_empty(d.complexity));
    if !d.doc_flags.is_empty() {
        out.push(field(
            "doc_flags",
            simple_set(d.doc_flags.iter().map(|f| f.to_string())),
        ));
    }
    optional_text(&mut out, "deprecated_since", d.deprecated_since);
    optional_text(&mut out, "replaced_by", d.replaced_by);
    if !d.history.is_empty() {
        let entries = d
            .history
            .iter()
            .map(|(version, change)| Frame::bulk_array([version, change]))
            .collect();
        out.push(field("history", Frame::Set(entries)));
    }
    if !d.arguments.is_empty() {
        out.push(field("arguments", arg_list(d.arguments)));
    }
    if !spec.subcommands.is_empty() {
        let subs = spec
            .subcommands
            .iter()
            .map(|s| (Frame::bulk(s.full_name()), command_docs(s)))
            .collect();
        out.push(field("subcommands", Frame::Map(subs)));
    }
    Frame::Map(out)
}

fn arg_list(args: &[Arg]) -> Frame {
    Frame::Array(args.iter().map(arg_docs).collect())
}

fn arg_docs(arg: &Arg) -> Frame {
    let mut out = vec![
        field("name", Frame::bulk_str(arg.name)),
        field("type", Frame::bulk_str(arg.kind)),
    ];
    optional_text(&mut out, "display_text", arg.display_text);
    if let Some(index) = arg.key_spec_index {
        out.push(field("key_spec_index", Frame::Integer(index)));
    }
    optional_text(&mut out, "token", arg.token);
    optional_text(&mut out, "summary", arg.summary);
    optional_text(&mut out, "since", arg.since);
    optional_text(&mut out, "deprecated_since", arg.deprecated_since);
    if !arg.flags.is_empty() {
        out.push(field(
            "flags",
            simple_set(arg.flags.iter().map(|f| f.to_string())),
        ));
    }
    // redis 7.0 lists nested arguments for every oneof/block, even an empty list, and
    // never prints display_text or value (added in 7.2; the entries taken from 7.4 set
    // display_text).
    if matches!(arg.kind, "oneof" | "block") {
        out.push(field("arguments", arg_list(arg.arguments)));
    }
    Frame::Map(out)
}
