//! The command line, shaped like redis-server's `main()`: an optional config file first,
//! then `--name value ...` options that become extra config lines after the file, and `-`
//! (first or last) to read more config from standard input.

use std::path::{Path, PathBuf};

use crate::lexer::{repr, split_args};

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Cli {
    /// The config file, as given (redis reports and rewrites it by its absolute path:
    /// see [`Cli::absolute_config_file`]).
    pub config_file: Option<String>,
    /// `-` was given: config text follows on standard input (after the file).
    pub config_from_stdin: bool,
    /// Config lines built from `--name value` options, appended after the file (and stdin)
    /// with a separating newline, exactly as redis builds them.
    pub options: String,
    /// `-v` / `--version` as the first argument.
    pub version: bool,
    /// `-h` / `--help` as the first argument.
    pub help: bool,
    /// `--test-config` (rsentinel extra): load the configuration, report, exit.
    pub test_config: bool,
    /// `--sentinel` appeared (redis' sentinel-mode switch; rsentinel always is a sentinel).
    pub sentinel_flag: bool,
}

impl Cli {
    /// The config file made absolute against the current directory, as redis stores it.
    pub fn absolute_config_file(&self) -> Option<PathBuf> {
        let f = Path::new(self.config_file.as_ref()?);
        if f.is_absolute() {
            return Some(f.to_path_buf());
        }
        std::env::current_dir().ok().map(|d| d.join(f))
    }
}

/// Parses the arguments after the program name. Errors are for redis-server modes rsentinel
/// does not provide (`--test-memory`, `--check-system`).
pub fn parse_cli(args: &[String]) -> Result<Cli, String> {
    let mut cli = Cli::default();
    let Some(first) = args.first() else {
        return Ok(cli);
    };
    match first.as_str() {
        "-v" | "--version" => {
            cli.version = true;
            return Ok(cli);
        }
        "-h" | "--help" => {
            cli.help = true;
            return Ok(cli);
        }
        "--test-memory" | "--check-system" => {
            return Err(format!("{first} is not supported by rsentinel"))
        }
        _ => {}
    }
    let rest = if first.starts_with('-') {
        args
    } else {
        cli.config_file = Some(first.clone());
        &args[1..]
    };
    let built = build(rest, cli.config_file.is_none());
    cli.options = built.text;
    cli.config_from_stdin = built.stdin;
    cli.test_config = built.test_config;
    cli.sentinel_flag = args.iter().any(|a| a == "--sentinel");
    Ok(cli)
}

/// The config lines redis builds from option arguments (those after the config file).
pub fn options_text(args: &[String]) -> String {
    build(args, false).text
}

/// What follows the config file on the command line: either a parsed [`Cli`] or the raw
/// option arguments (everything after the file name, e.g. `["--port", "26380"]`).
pub trait CommandLine {
    /// The config lines appended after the file.
    fn options(&self) -> String;
    /// Whether config text is also read from standard input (`-`).
    fn reads_stdin(&self) -> bool {
        false
    }
}

impl CommandLine for Cli {
    fn options(&self) -> String {
        self.options.clone()
    }
    fn reads_stdin(&self) -> bool {
        self.config_from_stdin
    }
}

impl CommandLine for [String] {
    fn options(&self) -> String {
        options_text(self)
    }
}

impl<const N: usize> CommandLine for [String; N] {
    fn options(&self) -> String {
        options_text(self)
    }
}

impl CommandLine for Vec<String> {
    fn options(&self) -> String {
        options_text(self)
    }
}

struct Built {
    text: String,
    stdin: bool,
    test_config: bool,
}

fn build(args: &[String], first_is_argv1: bool) -> Built {
    let mut out = Built {
        text: String::new(),
        stdin: false,
        test_config: false,
    };
    let mut handled_last = true;
    let n = args.len();
    for (j, arg) in args.iter().enumerate() {
        let last = j + 1 == n;
        if arg == "-" && ((j == 0 && first_is_argv1) || last) {
            out.stdin = true;
        } else if handled_last && arg == "--test-config" {
            out.test_config = true;
        } else if handled_last && arg.starts_with("--") {
            if !out.text.is_empty() {
                out.text.push('\n');
            }
            out.text.push_str(&arg[2..]);
            out.text.push(' ');
            let next_is_option = args.get(j + 1).is_some_and(|a| a.starts_with("--"));
            if split_args(arg).map_or(0, |v| v.len()) == 1 {
                handled_last = false;
                let is = |name: &str| arg.eq_ignore_ascii_case(name);
                if is("--save") && (next_is_option || last) {
                    // `--save` with no value means `save ""` (pre-7.0 compatibility).
                    out.text.push_str("\"\"");
                    handled_last = next_is_option;
                } else if is("--sentinel") && next_is_option {
                    // `--sentinel` is a pseudo option with no value.
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            out.text.push_str(&repr(arg));
            out.text.push(' ');
            handled_last = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        parse_cli(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .expect("valid command line")
    }

    #[test]
    fn shapes_like_redis_main() {
        let c = cli(&[
            "s.conf",
            "--port",
            "26380",
            "--sentinel",
            "monitor",
            "m",
            "127.0.0.1",
            "6379",
            "2",
        ]);
        assert_eq!(c.config_file.as_deref(), Some("s.conf"));
        assert_eq!(
            c.options,
            "port \"26380\" \nsentinel \"monitor\" \"m\" \"127.0.0.1\" \"6379\" \"2\" "
        );
        assert!(c.sentinel_flag);

        let c = cli(&["s.conf", "--sentinel"]);
        assert_eq!(c.options, "sentinel ");
        let c = cli(&["s.conf", "--sentinel", "--port", "1"]);
        assert_eq!(c.options, "sentinel \nport \"1\" ");
        let c = cli(&["s.conf", "--port 26380", "--loglevel", "debug"]);
        assert_eq!(c.options, "port 26380 \nloglevel \"debug\" ");
        let c = cli(&["s.conf", "--save", "--port", "1"]);
        assert_eq!(c.options, "save \"\"\nport \"1\" ");
        let c = cli(&["s.conf", "--port", "--foo"]);
        assert_eq!(c.options, "port \"--foo\" ");
        let c = cli(&["-", "--port", "1"]);
        assert!(c.config_from_stdin && c.config_file.is_none());
        let c = cli(&["s.conf", "--port", "1", "-"]);
        assert!(c.config_from_stdin);
        let c = cli(&["s.conf", "--test-config"]);
        assert!(c.test_config);
        assert_eq!(c.options, "");
        assert!(cli(&["-v", "x"]).version);
        assert!(cli(&["--help"]).help);
        assert!(!cli(&["s.conf", "-v"]).version);
        assert_eq!(cli(&["s.conf", "-v"]).options, "\"-v\" ");
        assert!(parse_cli(&["--test-memory".to_string()]).is_err());
        assert_eq!(cli(&[]), Cli::default());
    }
}
