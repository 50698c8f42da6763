//! Resolving a request to its command table entry, with redis' exact rejection texts for
//! unknown commands, unknown subcommands and wrong arity (`processCommand` in 7.0.15).

use bytes::Bytes;
use rsentinel_resp::Frame;

use crate::{lookup, CommandSpec};

/// redis prints at most this many bytes of a name, and stops adding arguments to the
/// "with args beginning with" list once it reached this length.
const ECHO_LIMIT: usize = 128;

/// The command (or, for containers with a subcommand argument, the subcommand) that
/// `args` invokes, or the error reply redis sends instead of running it.
///
/// An empty `args` (which the request parser never produces) is an unknown command.
pub fn resolve(args: &[Bytes]) -> Result<&'static CommandSpec, Frame> {
    let Some(name) = args.first() else {
        return Err(unknown_command_error(args));
    };
    let Some(base) = lookup(name) else {
        return Err(unknown_command_error(args));
    };
    let spec = match args.get(1) {
        Some(sub) if !base.subcommands.is_empty() => match base.subcommand(sub) {
            Some(spec) => spec,
            None => return Err(unknown_subcommand_error(name, sub)),
        },
        _ => base,
    };
    if !spec.arity_ok(args.len()) {
        return Err(Frame::error(format!(
            "ERR wrong number of arguments for '{}' command",
            spec.full_name()
        )));
    }
    Ok(spec)
}

/// `ERR unknown command 'foo', with args beginning with: 'a' 'b' `, built like redis:
/// C-string truncation at NUL, 128-byte caps, CR/LF turned into spaces.
pub fn unknown_command_error(args: &[Bytes]) -> Frame {
    let name = args
        .first()
        .map(|n| c_str(n, ECHO_LIMIT))
        .unwrap_or_default();
    let mut listed: Vec<u8> = Vec::new();
    for arg in args.iter().skip(1) {
        if listed.len() >= ECHO_LIMIT {
            break;
        }
        let room = ECHO_LIMIT - listed.len();
        listed.push(b'\'');
        listed.extend_from_slice(c_str(arg, room));
        listed.extend_from_slice(b"' ");
    }
    let mut text = b"ERR unknown command '".to_vec();
    text.extend_from_slice(name);
    text.extend_from_slice(b"', with args beginning with: ");
    text.extend_from_slice(&listed);
    error_from_bytes(text)
}

/// `ERR unknown subcommand 'x'. Try CLIENT HELP.`
fn unknown_subcommand_error(container: &[u8], sub: &[u8]) -> Frame {
    let mut text = b"ERR unknown subcommand '".to_vec();
    text.extend_from_slice(c_str(sub, ECHO_LIMIT));
    text.extend_from_slice(b"'. Try ");
    text.extend(
        c_str(container, usize::MAX)
            .iter()
            .map(u8::to_ascii_uppercase),
    );
    text.extend_from_slice(b" HELP.");
    error_from_bytes(text)
}

/// redis' `addReplyHelp`: a header naming the command as the client sent it (upper-cased,
/// cut at NUL), the container's own `lines`, then the `HELP` entry every container shares,
/// all as status replies. `COMMAND`, `ACL` and `SENTINEL` (and `CLIENT`) answer `HELP` so.
pub fn help_reply(command: &[u8], lines: &[&str]) -> Frame {
    let name: Vec<u8> = c_str(command, usize::MAX)
        .iter()
        .map(u8::to_ascii_uppercase)
        .collect();
    let mut out = Vec::with_capacity(lines.len() + 3);
    out.push(Frame::Simple(format!(
        "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        String::from_utf8_lossy(&name)
    )));
    out.extend(lines.iter().map(|l| Frame::Simple((*l).to_string())));
    out.push(Frame::Simple("HELP".to_string()));
    out.push(Frame::Simple("    Prints this help.".to_string()));
    Frame::Array(out)
}

/// What C's `%.Ns` prints of `bytes`: up to the first NUL, at most `max` bytes.
fn c_str(bytes: &[u8], max: usize) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end.min(max)]
}

/// redis maps CR and LF to spaces so user bytes cannot break the protocol. Error frames
/// hold text, so bytes that are not UTF-8 are replaced (redis would echo them raw).
fn error_from_bytes(mut text: Vec<u8>) -> Frame {
    for b in &mut text {
        if *b == b'\r' || *b == b'\n' {
            *b = b' ';
        }
    }
    Frame::Error(String::from_utf8_lossy(&text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(items: &[&[u8]]) -> Vec<Bytes> {
        items.iter().map(|a| Bytes::copy_from_slice(a)).collect()
    }

    fn err(items: &[&[u8]]) -> String {
        match resolve(&args(items)) {
            Err(Frame::Error(text)) => text,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn resolves_commands_and_subcommands() {
        let spec = resolve(&args(&[b"CLIENT", b"Kill", b"1.2.3.4:5"])).map(|s| s.full_name());
        assert_eq!(spec, Ok("client|kill".to_string()));
        assert_eq!(resolve(&args(&[b"ping"])).map(|s| s.name), Ok("ping"));
        assert_eq!(resolve(&args(&[b"command"])).map(|s| s.name), Ok("command"));
    }

    /// Texts checked against redis-sentinel 7.0.15 with raw sockets (NUL and CR/LF
    /// cannot go through the line-based golden files).
    #[test]
    fn unknown_command_texts() {
        assert_eq!(
            err(&[]),
            "ERR unknown command '', with args beginning with: "
        );
        assert_eq!(
            err(&[b"foo", b"a\r\nb\0c", b"c\0d"]),
            "ERR unknown command 'foo', with args beginning with: 'a  b' 'c' "
        );
        assert_eq!(
            err(&[b"f\0oo"]),
            "ERR unknown command 'f', with args beginning with: "
        );
        assert_eq!(
            err(&[b"client", b"x\ny"]),
            "ERR unknown subcommand 'x y'. Try CLIENT HELP."
        );
        assert_eq!(
            err(&[b"client", &[0xff, b'a']]),
            "ERR unknown subcommand '\u{fffd}a'. Try CLIENT HELP."
        );
    }

    #[test]
    fn help_reply_frames_the_lines() {
        let simple = |s: &str| Frame::Simple(s.to_string());
        assert_eq!(
            help_reply(b"cLiEnt\0x", &["ID", "    Return the ID."]),
            Frame::Array(vec![
                simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                simple("ID"),
                simple("    Return the ID."),
                simple("HELP"),
                simple("    Prints this help."),
            ])
        );
    }

    #[test]
    fn arity_texts() {
        assert_eq!(
            err(&[b"acl"]),
            "ERR wrong number of arguments for 'acl' command"
        );
        assert_eq!(
            err(&[b"sentinel", b"GET-MASTER-ADDR-BY-NAME"]),
            "ERR wrong number of arguments for 'sentinel|get-master-addr-by-name' command"
        );
        assert_eq!(
            err(&[b"publish", b"x"]),
            "ERR wrong number of arguments for 'publish' command"
        );
    }

    #[test]
    fn long_argument_lists_stop_near_128_bytes() {
        let many: Vec<&[u8]> = std::iter::once(&b"nope"[..])
            .chain([&b"abcdefgh"[..]; 40])
            .collect();
        let text = err(&many);
        let listed = text
            .split_once("with: ")
            .map(|(_, l)| l)
            .unwrap_or_default();
        // Eleven whole arguments fill 121 bytes; the twelfth is cut to the 7 bytes left
        // (the real server prints exactly this), and nothing follows.
        assert_eq!(listed.len(), 131);
        assert!(listed.ends_with("'abcdefgh' 'abcdefg' "));
    }
}
