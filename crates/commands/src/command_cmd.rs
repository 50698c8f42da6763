//! The `COMMAND` command and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS,
//! GETKEYSANDFLAGS, HELP), answered from the static table.
//!
//! Whole-table replies list commands in [`TABLE`] order, which is the order one real
//! redis-sentinel process printed; redis' own order is random per process, so clients
//! cannot rely on it.

use bytes::Bytes;
use rsentinel_resp::Frame;

use crate::{
    all, command_docs, command_info, glob_match, help_reply, lookup, lookup_full_name, resolve,
    unknown_command_error, CommandSpec, TABLE,
};

/// The `COMMAND HELP` lines between [`help_reply`]'s header and its `HELP` entry.
const HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
];

/// Runs `COMMAND ...`; `args[0]` is the command name. Unknown subcommands and wrong
/// arity get the same errors as [`resolve`], so callers need not check first.
pub fn command(args: &[Bytes]) -> Frame {
    let spec = match resolve(args) {
        Ok(spec) => spec,
        Err(err) => return err,
    };
    if spec.parent.unwrap_or(spec.name) != "command" {
        // Another command routed here by mistake: refuse it rather than misanswer.
        return unknown_command_error(args);
    }
    if spec.parent.is_none() {
        return all_infos();
    }
    let rest = &args[2..];
    match spec.name {
        "count" => Frame::Integer(TABLE.len() as i64),
        "list" => list(rest),
        "info" if rest.is_empty() => all_infos(),
        "info" => Frame::Array(
            rest.iter()
                .map(|name| lookup_full_name(name).map_or(Frame::Null, command_info))
                .collect(),
        ),
        "docs" if rest.is_empty() => Frame::Map(
            TABLE
                .iter()
                .map(|c| (Frame::bulk(c.full_name()), command_docs(c)))
                .collect(),
        ),
        "docs" => Frame::Map(
            rest.iter()
                .filter_map(|name| lookup_full_name(name))
                .map(|c| (Frame::bulk(c.full_name()), command_docs(c)))
                .collect(),
        ),
        "getkeys" | "getkeysandflags" => getkeys(rest),
        "help" => help_reply(&args[0], HELP),
        // Unreachable while the table and this match agree; answer like redis would.
        other => Frame::error(format!(
            "ERR unknown subcommand '{other}'. Try COMMAND HELP."
        )),
    }
}

fn all_infos() -> Frame {
    Frame::Array(TABLE.iter().map(command_info).collect())
}

/// `COMMAND LIST [FILTERBY MODULE m|ACLCAT c|PATTERN p]`: exactly one filter or none.
fn list(rest: &[Bytes]) -> Frame {
    let keep: Box<dyn Fn(&CommandSpec) -> bool> = match rest {
        [] => Box::new(|_| true),
        [by, kind, arg] if by.eq_ignore_ascii_case(b"filterby") => {
            if kind.eq_ignore_ascii_case(b"module") {
                // Sentinel loads no modules, so no command belongs to one.
                Box::new(|_| false)
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                let arg = arg.clone();
                Box::new(move |c| std::str::from_utf8(&arg).is_ok_and(|cat| c.in_category(cat)))
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                let arg = arg.clone();
                Box::new(move |c| glob_match(&arg, c.full_name().as_bytes(), true))
            } else {
                return syntax_error();
            }
        }
        _ => return syntax_error(),
    };
    Frame::Array(
        all()
            .filter(|c| keep(c))
            .map(|c| Frame::bulk(c.full_name()))
            .collect(),
    )
}

fn syntax_error() -> Frame {
    Frame::error("ERR syntax error")
}

/// `COMMAND GETKEYS <command> [args...]`. No command available in sentinel mode takes key
/// arguments (a table test enforces it), so every valid command gets the "no key
/// arguments" error, which redis checks before the arity of the inner command.
fn getkeys(full: &[Bytes]) -> Frame {
    let Some(name) = full.first() else {
        return Frame::error("ERR Invalid command specified");
    };
    let found = match (lookup(name), full.get(1)) {
        (Some(base), Some(sub)) if !base.subcommands.is_empty() => base.subcommand(sub),
        (base, _) => base,
    };
    match found {
        None => Frame::error("ERR Invalid command specified"),
        Some(_) => Frame::error("ERR The command has no key arguments"),
    }
}
