//! The `.scn` scenario format (see tests/golden/README.md): a sentinel.conf
//! block, then steps (commands, raw bytes, reads, sleeps, connection
//! switches), each followed by the expected reply frames.

/// A parsed scenario.
#[derive(Debug)]
pub struct Scenario {
    /// Lines of sentinel.conf.
    pub config: Vec<String>,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// What a step does before reading its expected replies.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send these arguments as a RESP multibulk command.
    Command(Vec<Vec<u8>>),
    /// Send these bytes as they are.
    Raw(Vec<u8>),
    /// Send nothing, only read (events pushed to a subscriber).
    Read,
    /// Compare sentinel.conf (as the sentinel rewrote it) with the `| ` lines.
    File,
    /// Wait this many milliseconds.
    Sleep(u64),
    /// Switch to (and open on first use) the named connection.
    Conn(String),
}

/// One step with its expectations.
#[derive(Debug)]
pub struct Step {
    /// 1-based line of the step in the file.
    pub line: usize,
    /// The step line as written, for reports.
    pub source: String,
    pub action: Action,
    /// Expected frames, in order.
    pub expect: Vec<Expected>,
    /// The expected text as written, for reports.
    pub expect_text: Vec<String>,
    /// The server must close the connection after these frames.
    pub expect_close: bool,
    /// For `@file`: the expected lines of sentinel.conf (patterns).
    pub file_lines: Vec<String>,
    /// The elements of each expected aggregate may come in any order
    /// (`@unordered`: the real sentinel walks a hash table).
    pub unordered: bool,
}

/// An expected frame; text fields are escaped patterns (see `pattern`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// `+ - : _ # , (` with the pattern for the rest of the line.
    Line(u8, String),
    /// `$ = !`: `len` is `None` for `{LEN}`; `lines` is `None` for a null.
    Bulk {
        kind: u8,
        len: Option<usize>,
        lines: Option<Vec<String>>,
    },
    /// `* ~ > % |` with the element patterns (`None` for a null);
    /// maps hold keys and values flattened.
    Aggregate(u8, Option<Vec<Expected>>),
}

/// Replaces `{NAME}` placeholders (PORT, MASTER_PORT, DEAD_PORT, CONFIG, EXE,
/// DIR) with this run's values.
pub fn substitute(text: &str, values: &[(&str, String)]) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Parses a scenario whose placeholders are already substituted.
pub fn parse_scenario(text: &str) -> Result<Scenario, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut config = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut unordered = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        let line_no = i + 1;
        i += 1;
        if trimmed == "@config" {
            while i < lines.len() && lines[i].trim() != "@end" {
                config.push(lines[i].to_string());
                i += 1;
            }
            if i == lines.len() {
                return Err(format!("line {line_no}: @config without @end"));
            }
            i += 1;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed == "@unordered" {
            unordered = true;
            continue;
        }
        let action = if let Some(rest) = line.strip_prefix(">> ") {
            Action::Raw(unescape_raw(rest))
        } else if let Some(rest) = line.strip_prefix(">>* ") {
            let (count, byte) = rest
                .split_once(' ')
                .ok_or_else(|| format!("line {line_no}: `>>* COUNT BYTES`"))?;
            let count: usize = count
                .parse()
                .map_err(|_| format!("line {line_no}: bad repeat count"))?;
            Action::Raw(unescape_raw(byte).repeat(count))
        } else if let Some(rest) = line.strip_prefix("> ") {
            Action::Command(split_args(rest).map_err(|e| format!("line {line_no}: {e}"))?)
        } else if trimmed == "@read" {
            Action::Read
        } else if trimmed == "@file" {
            Action::File
        } else if let Some(ms) = trimmed.strip_prefix("@sleep ") {
            Action::Sleep(
                ms.trim()
                    .parse()
                    .map_err(|_| format!("line {line_no}: bad @sleep"))?,
            )
        } else if let Some(name) = trimmed.strip_prefix("@conn ") {
            Action::Conn(name.trim().to_string())
        } else if is_expect_line(line) {
            return Err(format!("line {line_no}: expectation without a step"));
        } else {
            return Err(format!("line {line_no}: cannot parse {line:?}"));
        };
        let start = i;
        while i < lines.len() && is_expect_line(lines[i]) {
            i += 1;
        }
        let block = &lines[start..i];
        let (expect, expect_close) = if action == Action::File {
            (Vec::new(), false)
        } else {
            parse_expect(block).map_err(|e| format!("line {}: {e}", start + 1))?
        };
        let file_lines = if action == Action::File {
            content_lines(block).map_err(|e| format!("line {}: {e}", start + 1))?
        } else {
            Vec::new()
        };
        steps.push(Step {
            line: line_no,
            source: line.to_string(),
            action,
            expect,
            expect_text: block.iter().map(|s| s.to_string()).collect(),
            expect_close,
            file_lines,
            unordered: std::mem::take(&mut unordered),
        });
    }
    Ok(Scenario { config, steps })
}

fn is_expect_line(line: &str) -> bool {
    line.starts_with("< ") || line == "<closed>" || line.starts_with("| ") || line == "|"
}

/// The `| ` lines of an `@file` block.
fn content_lines(block: &[&str]) -> Result<Vec<String>, String> {
    block
        .iter()
        .map(|line| match (line.strip_prefix("| "), *line == "|") {
            (Some(text), _) => Ok(text.to_string()),
            (None, true) => Ok(String::new()),
            (None, false) => Err(format!("@file expects only `| ` lines, got {line:?}")),
        })
        .collect()
}

fn parse_expect(block: &[&str]) -> Result<(Vec<Expected>, bool), String> {
    let mut frames = Vec::new();
    let mut pos = 0;
    while pos < block.len() {
        if block[pos] == "<closed>" {
            if pos + 1 != block.len() {
                return Err("<closed> must be the last expectation".into());
            }
            return Ok((frames, true));
        }
        frames.push(parse_frame(block, &mut pos)?);
    }
    Ok((frames, false))
}

fn parse_frame(block: &[&str], pos: &mut usize) -> Result<Expected, String> {
    let line = block
        .get(*pos)
        .ok_or_else(|| "expected another frame line".to_string())?;
    let body = line
        .strip_prefix("< ")
        .ok_or_else(|| format!("expected a `< ` frame line, got {line:?}"))?
        .trim_start_matches(' ');
    *pos += 1;
    let kind = *body
        .as_bytes()
        .first()
        .filter(|b| b.is_ascii())
        .ok_or_else(|| format!("no frame type in {line:?}"))?;
    let rest = &body[1..];
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => {
            Ok(Expected::Line(kind, rest.to_string()))
        }
        b'$' | b'=' | b'!' => {
            let (size, inline) = match rest.split_once(' ') {
                Some((size, text)) => (size, Some(text)),
                None => (rest, None),
            };
            if size == "-1" {
                return Ok(Expected::Bulk {
                    kind,
                    len: None,
                    lines: None,
                });
            }
            let len = if size == "{LEN}" {
                None
            } else {
                Some(
                    size.parse::<usize>()
                        .map_err(|_| format!("bad bulk size in {line:?}"))?,
                )
            };
            let lines = match inline {
                Some(text) => vec![text.to_string()],
                None => {
                    let mut lines = Vec::new();
                    while let Some(next) = block.get(*pos) {
                        if let Some(text) = next.strip_prefix("| ") {
                            lines.push(text.to_string());
                        } else if *next == "|" {
                            lines.push(String::new());
                        } else {
                            break;
                        }
                        *pos += 1;
                    }
                    if lines.is_empty() {
                        lines.push(String::new());
                    }
                    lines
                }
            };
            Ok(Expected::Bulk {
                kind,
                len,
                lines: Some(lines),
            })
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = rest.parse().map_err(|_| format!("bad count in {line:?}"))?;
            if n < 0 {
                return Ok(Expected::Aggregate(kind, None));
            }
            let count = usize::try_from(n).map_err(|_| format!("bad count in {line:?}"))?;
            let count = if matches!(kind, b'%' | b'|') {
                count * 2
            } else {
                count
            };
            let mut items = Vec::with_capacity(count);
            for _ in 0..count {
                items.push(parse_frame(block, pos)?);
            }
            Ok(Expected::Aggregate(kind, Some(items)))
        }
        _ => Err(format!("unknown frame type in {line:?}")),
    }
}

/// Bytes of a `>>` line: `\r \n \t \0 \\ \{ \xNN` escapes, the rest literal.
pub fn unescape_raw(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let simple = match bytes[i + 1] {
                b'r' => Some(b'\r'),
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'0' => Some(0),
                b'\\' => Some(b'\\'),
                b'{' => Some(b'{'),
                _ => None,
            };
            if let Some(b) = simple {
                out.push(b);
                i += 2;
                continue;
            }
            if bytes[i + 1] == b'x' {
                if let Some(b) = hex_byte(bytes.get(i + 2..i + 4)) {
                    out.push(b);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex_byte(digits: Option<&[u8]>) -> Option<u8> {
    let digits = std::str::from_utf8(digits?).ok()?;
    u8::from_str_radix(digits, 16).ok()
}

/// Arguments of a `>` line, quoted as redis-cli quotes them (its `sdssplitargs`).
pub fn split_args(line: &str) -> Result<Vec<Vec<u8>>, String> {
    rsentinel_resp::split_args(line.as_bytes()).map_err(|_| "unbalanced quotes".to_string())
}

/// A command as RESP multibulk bytes.
pub fn encode_command(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = bytes::BytesMut::new();
    rsentinel_resp::encode_command(args, &mut out);
    out.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_steps_and_nested_frames() {
        let text = "# c\n@config\nsentinel myid x\n@end\n> PING a\n< *2\n<   $4 pong\n<   ${LEN}\n| a\n|\n>> X\\r\\n\n<closed>\n";
        let s = parse_scenario(text).unwrap();
        assert_eq!(s.config, vec!["sentinel myid x"]);
        assert_eq!(s.steps.len(), 2);
        assert_eq!(
            s.steps[0].action,
            Action::Command(vec![b"PING".to_vec(), b"a".to_vec()])
        );
        assert_eq!(
            s.steps[0].expect,
            vec![Expected::Aggregate(
                b'*',
                Some(vec![
                    Expected::Bulk {
                        kind: b'$',
                        len: Some(4),
                        lines: Some(vec!["pong".into()])
                    },
                    Expected::Bulk {
                        kind: b'$',
                        len: None,
                        lines: Some(vec!["a".into(), String::new()])
                    },
                ])
            )]
        );
        assert_eq!(s.steps[1].action, Action::Raw(b"X\r\n".to_vec()));
        assert!(s.steps[1].expect_close);
    }

    #[test]
    fn splits_quoted_args() {
        assert_eq!(
            split_args(r#"A "b c\x41" 'd e' """#).unwrap(),
            vec![b"A".to_vec(), b"b cA".to_vec(), b"d e".to_vec(), Vec::new()]
        );
        assert!(split_args("\"open").is_err());
    }
}
