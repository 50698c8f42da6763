//! Loading: the line-by-line pass over the file (plus command-line options), generic
//! directives applied at once, `sentinel` lines queued and applied afterwards in redis'
//! phase order. `parse` is pure; `load` adds the file-system effects redis has (reading,
//! `include`, script and log file checks).

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::cli::{Cli, CommandLine};
use crate::directive_table::{self, LOGLEVEL_ENUM, SUPERVISED_MODE_ENUM, SYSLOG_FACILITY_ENUM};
use crate::directive_values::{enum_name, parse_value, Value};
use crate::error::{strerror, ConfigError};
use crate::lexer::{
    is_comment_or_blank, split_args, split_args_bytes, split_lines, split_lines_bytes,
};
use crate::sentinel::{self, Checks, NoChecks};
use crate::settings::{Config, LogLevel};

/// Directives redis 7.0.15 still accepts (and ignores) for compatibility.
const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// Deepest `include` nesting followed, so an include cycle fails instead of recursing forever.
const MAX_INCLUDE_DEPTH: usize = 16;

/// What loading needs from the outside world.
pub(crate) trait World: Checks {
    /// Texts of the files an `include` names, with the path to report.
    fn include(&self, pattern: &str) -> Result<Vec<(String, Vec<u8>)>, ConfigError>;
    /// Redis tries to open the log file in append mode after reading all lines.
    fn check_logfile(&self, path: &str) -> Result<(), String>;
    /// Redis changes directory as soon as it reads `dir`, so later relative paths (includes,
    /// scripts, the log file) are relative to it. The error is `strerror(errno)`.
    fn chdir(&self, dir: &str) -> Result<(), String>;
    /// Where the `dir` directives led, when they were followed.
    fn final_dir(&self) -> Option<String> {
        None
    }
}

/// No outside world: includes are kept but not followed, nothing is checked.
struct Pure;

impl Checks for Pure {
    fn executable(&self, path: &str) -> bool {
        NoChecks.executable(path)
    }
}

impl World for Pure {
    fn include(&self, _pattern: &str) -> Result<Vec<(String, Vec<u8>)>, ConfigError> {
        Ok(Vec::new())
    }
    fn check_logfile(&self, _path: &str) -> Result<(), String> {
        Ok(())
    }
    fn chdir(&self, _dir: &str) -> Result<(), String> {
        Ok(())
    }
}

struct Queued {
    file: String,
    line: usize,
    text: String,
    argv: Vec<Vec<u8>>,
}

struct Loader<'w> {
    config: Config,
    queues: [Vec<Queued>; 3],
    world: &'w dyn World,
    /// Refuse directives whose effect rsentinel does not reproduce (always, except when
    /// comparing the rewrite with files redis itself wrote).
    refuse_unsupported: bool,
}

fn line_error(file: &str, line: usize, text: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Line {
        file: file.to_string(),
        line,
        directive: text.to_string(),
        message: message.into(),
    }
}

impl Loader<'_> {
    fn run_text(&mut self, text: &[u8], file: &str, depth: usize) -> Result<(), ConfigError> {
        for (i, raw) in split_lines_bytes(text).into_iter().enumerate() {
            let line = String::from_utf8_lossy(raw);
            if is_comment_or_blank(&line) {
                continue;
            }
            let mut argv = split_args_bytes(raw).ok_or_else(|| {
                line_error(
                    file,
                    i + 1,
                    &line,
                    "Unbalanced quotes in configuration line",
                )
            })?;
            if argv.is_empty() {
                continue;
            }
            argv[0].make_ascii_lowercase();
            self.directive(argv, file, i + 1, &line, depth)
                .map_err(|f| match f {
                    Fail::Here(m) => line_error(file, i + 1, &line, m),
                    Fail::Nested(e) => e,
                })?;
        }
        Ok(())
    }

    /// One directive. Values that go back on the wire (passwords, user names, the `user`
    /// rules, every `sentinel` line) keep their exact bytes; the others are read as text
    /// and refused when they are not UTF-8, since a lossy reading would be rewritten as a
    /// different value.
    fn directive(
        &mut self,
        argv: Vec<Vec<u8>>,
        file: &str,
        line: usize,
        text: &str,
        depth: usize,
    ) -> Result<(), Fail> {
        let bytes_args = &argv[1..];
        match (argv[0].as_slice(), argv.len()) {
            (b"requirepass", 2) => {
                let pass = &bytes_args[0];
                self.config.server.requirepass = (!pass.is_empty()).then(|| pass.clone());
                return Ok(());
            }
            (b"user", n) if n >= 2 => {
                self.config.server.users.push(bytes_args.to_vec());
                return Ok(());
            }
            (b"sentinel", 1) => return Ok(()),
            (b"sentinel", _) => {
                let phase = sentinel::phase(&String::from_utf8_lossy(&bytes_args[0]));
                self.queues[phase].push(Queued {
                    file: file.to_string(),
                    line,
                    text: text.to_string(),
                    argv: bytes_args.to_vec(),
                });
                return Ok(());
            }
            _ => {}
        }
        let Ok(name) = std::str::from_utf8(&argv[0]) else {
            return Err("Bad directive or wrong number of arguments".into());
        };
        let args = bytes_args
            .iter()
            .map(|a| String::from_utf8(a.clone()))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|_| "Argument is not valid UTF-8 (rsentinel keeps it as text)")?;
        let args = args.as_slice();
        if let Some(std) = directive_table::lookup(name) {
            let value = parse_value(std, args)?;
            if self.refuse_unsupported {
                if let Some(reason) = crate::support::refusal(std.name, &value) {
                    return Err(reason.into());
                }
            }
            if let Value::Dir(d) = &value {
                self.world.chdir(d)?;
            }
            if !self.apply_typed(std.name, &value) {
                self.config
                    .server
                    .other
                    .push((name.to_string(), args.to_vec()));
            }
            return Ok(());
        }
        if DEPRECATED.contains(&name) && argv.len() == 2 {
            self.config
                .server
                .other
                .push((name.to_string(), args.to_vec()));
            return Ok(());
        }
        match (name, argv.len()) {
            ("include", 2) => {
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err("Too many nested include directives".into());
                }
                self.config
                    .server
                    .other
                    .push((name.to_string(), args.to_vec()));
                let files = self.world.include(&args[0]).map_err(Fail::Nested)?;
                for (path, body) in files {
                    // Errors inside an included file are reported against that file.
                    self.run_text(&body, &path, depth + 1)
                        .map_err(Fail::Nested)?;
                }
                Ok(())
            }
            ("rename-command", 3) => {
                self.config
                    .server
                    .rename_commands
                    .push((args[0].clone(), args[1].clone()));
                Ok(())
            }
            ("loadmodule", n) if n >= 2 => {
                self.config
                    .server
                    .other
                    .push((name.to_string(), args.to_vec()));
                Ok(())
            }
            _ if name.contains('.') => {
                if argv.len() < 2 {
                    return Err("Module config specified without value".into());
                }
                self.config
                    .server
                    .other
                    .push((name.to_string(), args.to_vec()));
                Ok(())
            }
            ("log-format", 2) | ("metrics-port", 2) | ("metrics-bind", 2) => {
                crate::own::apply(&mut self.config.server, name, &args[0]).map_err(Fail::Here)
            }
            _ => Err("Bad directive or wrong number of arguments".into()),
        }
    }

    /// Stores a value in its typed field; false for configs kept in `other`.
    fn apply_typed(&mut self, name: &str, value: &Value) -> bool {
        let s = &mut self.config.server;
        match (name, value) {
            ("port", Value::Num(n)) => s.port = *n as u16,
            ("bind", Value::Bind(b)) => {
                s.bind = if b == &["*", "-::*"] {
                    Vec::new()
                } else {
                    b.clone()
                };
            }
            ("protected-mode", Value::Bool(b)) => s.protected_mode = *b,
            ("daemonize", Value::Bool(b)) => s.daemonize = *b,
            ("pidfile", Value::Str(v)) => s.pidfile = v.clone(),
            ("logfile", Value::Str(v)) => s.logfile = v.clone().unwrap_or_default(),
            ("loglevel", Value::Enum(e)) => {
                s.loglevel = match enum_name(LOGLEVEL_ENUM, *e, false).as_str() {
                    "debug" => LogLevel::Debug,
                    "verbose" => LogLevel::Verbose,
                    "warning" => LogLevel::Warning,
                    "nothing" => LogLevel::Nothing,
                    _ => LogLevel::Notice,
                }
            }
            ("dir", Value::Dir(d)) => s.dir = Some(d.clone()),
            ("aclfile", Value::Str(v)) => s.aclfile = v.clone().filter(|f| !f.is_empty()),
            ("maxclients", Value::Num(n)) => s.maxclients = *n as u32,
            ("timeout", Value::Num(n)) => s.timeout = *n as u64,
            ("tcp-keepalive", Value::Num(n)) => s.tcp_keepalive = *n as u64,
            ("tcp-backlog", Value::Num(n)) => s.tcp_backlog = *n as u32,
            ("unixsocket", Value::Str(v)) => s.unixsocket = v.clone(),
            ("unixsocketperm", Value::Num(n)) => s.unixsocketperm = *n as u32,
            ("syslog-enabled", Value::Bool(b)) => s.syslog_enabled = *b,
            ("syslog-ident", Value::Str(v)) => s.syslog_ident = v.clone().unwrap_or_default(),
            ("syslog-facility", Value::Enum(e)) => {
                s.syslog_facility = enum_name(SYSLOG_FACILITY_ENUM, *e, false)
            }
            ("supervised", Value::Enum(e)) => {
                s.supervised = enum_name(SUPERVISED_MODE_ENUM, *e, false)
            }
            _ => return false,
        }
        true
    }

    fn finish(mut self) -> Result<Config, ConfigError> {
        let queues = std::mem::take(&mut self.queues);
        for q in queues.iter().flatten() {
            sentinel::apply(&mut self.config.sentinel, &q.argv, self.world)
                .map_err(|m| line_error(&q.file, q.line, &q.text, m))?;
        }
        Ok(self.config)
    }
}

/// Why a directive failed: redis' message for this line, or an error already located
/// elsewhere (inside an included file).
enum Fail {
    Here(String),
    Nested(ConfigError),
}

impl From<String> for Fail {
    fn from(m: String) -> Self {
        Fail::Here(m)
    }
}

impl From<&str> for Fail {
    fn from(m: &str) -> Self {
        Fail::Here(m.to_string())
    }
}

fn run(text: &[u8], file: &str, world: &dyn World) -> Result<Config, ConfigError> {
    run_with(text, file, world, true)
}

fn run_with(
    text: &[u8],
    file: &str,
    world: &dyn World,
    refuse_unsupported: bool,
) -> Result<Config, ConfigError> {
    let mut loader = Loader {
        config: Config::default(),
        queues: Default::default(),
        world,
        refuse_unsupported,
    };
    loader.run_text(text, file, 0)?;
    if !loader.config.server.logfile.is_empty() {
        world
            .check_logfile(&loader.config.server.logfile)
            .map_err(|m| ConfigError::Final {
                file: file.to_string(),
                message: format!("Can't open the log file: {m}"),
            })?;
    }
    let mut config = loader.finish()?;
    if let Some(d) = world.final_dir() {
        // Several relative `dir` lines chain, as successive chdir() calls do in redis.
        config.server.dir = Some(d);
    }
    Ok(config)
}

/// Parses configuration text (a whole file, possibly followed by command-line option lines)
/// without touching the file system: `include` lines are kept but not followed, script
/// paths and the log file are not checked. `file_name` is only used in errors.
pub fn parse(text: &str, file_name: &str) -> Result<Config, ConfigError> {
    run(text.as_bytes(), file_name, &Pure)
}

/// [`parse`] for a file that need not be UTF-8 (values are bytes).
pub fn parse_bytes(text: &[u8], file_name: &str) -> Result<Config, ConfigError> {
    run(text, file_name, &Pure)
}

/// [`parse`] accepting every value redis-sentinel accepts, including those rsentinel
/// refuses because it would not reproduce their effect: only for checking the rewrite
/// against files redis-sentinel itself wrote.
pub fn parse_as_redis(text: &str, file_name: &str) -> Result<Config, ConfigError> {
    run_with(text.as_bytes(), file_name, &Pure, false)
}

/// The real file system, as redis-sentinel uses it while loading. The process directory
/// is never changed: a `dir` directive only moves the base used for relative paths.
#[derive(Default)]
struct Fs {
    base: RefCell<Option<PathBuf>>,
}

impl Fs {
    fn resolve(&self, path: &str) -> PathBuf {
        match &*self.base.borrow() {
            Some(base) if Path::new(path).is_relative() => base.join(path),
            _ => PathBuf::from(path),
        }
    }
}

impl Checks for Fs {
    #[allow(unsafe_code)] // access(2); see the SAFETY comment
    fn executable(&self, path: &str) -> bool {
        let Ok(c) = CString::new(self.resolve(path).into_os_string().into_vec()) else {
            return false;
        };
        // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
        unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
    }
}

impl World for Fs {
    fn include(&self, pattern: &str) -> Result<Vec<(String, Vec<u8>)>, ConfigError> {
        let resolved = self.resolve(pattern);
        if pattern.contains(['*', '?', '[']) {
            // With wildcards, no match is not an error (an empty conf.d is fine).
            glob(&resolved)
                .into_iter()
                .map(|p| read_bytes(&p).map(|t| (p.display().to_string(), t)))
                .collect()
        } else {
            match read_bytes(&resolved) {
                Ok(t) => Ok(vec![(resolved.display().to_string(), t)]),
                // Redis names the file as the directive wrote it.
                Err(ConfigError::Open { reason, .. }) => Err(ConfigError::Open {
                    path: pattern.to_string(),
                    reason,
                }),
                Err(e) => Err(e),
            }
        }
    }
    fn check_logfile(&self, path: &str) -> Result<(), String> {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.resolve(path))
            .map(|_| ())
            .map_err(|e| strerror(&e))
    }
    fn final_dir(&self) -> Option<String> {
        self.base.borrow().as_ref().map(|p| p.display().to_string())
    }
    fn chdir(&self, dir: &str) -> Result<(), String> {
        let target = self.resolve(dir);
        match std::fs::metadata(&target) {
            Ok(m) if m.is_dir() => {
                *self.base.borrow_mut() = Some(target);
                Ok(())
            }
            Ok(_) => Err(strerror(&std::io::Error::from_raw_os_error(libc::ENOTDIR))),
            Err(e) => Err(strerror(&e)),
        }
    }
}

/// The paths matching a shell pattern, sorted, as `glob(3)` returns them.
#[allow(unsafe_code)] // glob(3); see the SAFETY comment
fn glob(pattern: &Path) -> Vec<PathBuf> {
    let Ok(c) = CString::new(pattern.as_os_str().as_bytes()) else {
        return Vec::new();
    };
    // SAFETY: an all-zero glob_t is the documented initial state; glob() fills it and
    // globfree() releases it; gl_pathv holds gl_pathc valid C strings until globfree().
    unsafe {
        let mut g: libc::glob_t = std::mem::zeroed();
        let mut out = Vec::new();
        if libc::glob(c.as_ptr(), 0, None, &mut g) == 0 {
            for i in 0..g.gl_pathc {
                let p = *g.gl_pathv.add(i);
                if !p.is_null() {
                    out.push(PathBuf::from(std::ffi::OsStr::from_bytes(
                        CStr::from_ptr(p).to_bytes(),
                    )));
                }
            }
        }
        libc::globfree(&mut g);
        out
    }
}

/// Reads a config file as redis does: bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::Open {
        path: path.display().to_string(),
        reason: strerror(&e),
    })
}

/// Reads a config file as text (invalid UTF-8 replaced), for messages that quote it.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    read_bytes(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Loads from already-read parts, as redis concatenates them: the file, then standard
/// input, then a newline and the command-line option lines (see [`crate::cli::options_text`]).
pub fn load_parts(
    file_name: &str,
    file_text: &[u8],
    stdin_text: Option<&[u8]>,
    options: &str,
) -> Result<Config, ConfigError> {
    let mut text = file_text.to_vec();
    if let Some(s) = stdin_text {
        text.extend_from_slice(s);
    }
    text.push(b'\n');
    text.extend_from_slice(options.as_bytes());
    run(&text, file_name, &Fs::default())
}

/// Loads `path` followed by what the command line adds (a parsed [`crate::Cli`], or the
/// raw option arguments after the file name), following includes and `dir`, and checking
/// scripts and the log file like redis-sentinel. With a `Cli` whose `config_from_stdin` is
/// set, standard input is read too (after the file, before the options).
pub fn load<C: CommandLine + ?Sized>(path: &Path, cli: &C) -> Result<Config, ConfigError> {
    // Redis names the file by its absolute path in errors.
    let path = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let text = read_bytes(&path)?;
    let stdin_text = if cli.reads_stdin() {
        Some(read_stdin()?)
    } else {
        None
    };
    load_parts(
        &path.display().to_string(),
        &text,
        stdin_text.as_deref(),
        &cli.options(),
    )
}

fn read_stdin() -> Result<Vec<u8>, ConfigError> {
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| ConfigError::Open {
        path: "-".into(),
        reason: strerror(&e),
    })?;
    Ok(buf)
}

/// Loads what a parsed command line names: the config file (by its absolute path, as redis
/// reports it), standard input when `-` was given, then the option lines.
pub fn load_cli(cli: &Cli) -> Result<Config, ConfigError> {
    let path = cli.absolute_config_file();
    let (name, file_text) = match &path {
        Some(p) => (p.display().to_string(), read_bytes(p)?),
        None => (String::from("(stdin)"), Vec::new()),
    };
    let stdin_text = if cli.config_from_stdin {
        Some(read_stdin()?)
    } else {
        None
    };
    load_parts(&name, &file_text, stdin_text.as_deref(), &cli.options)
}

/// Redis' fatal config banner for a problem found after loading (e.g. by the core while
/// building its state), pointing at the master's `sentinel monitor` line when `master` is
/// given and the file still has that line.
pub fn fatal_error_text(config_file: &str, master: Option<&str>, message: &str) -> String {
    let located = master.and_then(|m| {
        let text = read_text(Path::new(config_file)).ok()?;
        split_lines(&text)
            .into_iter()
            .enumerate()
            .find_map(|(i, line)| {
                let argv = split_args(line)?;
                let hit = argv.len() == 6
                    && argv[0].eq_ignore_ascii_case("sentinel")
                    && argv[1].eq_ignore_ascii_case("monitor")
                    && argv[2] == m;
                hit.then(|| line_error(config_file, i + 1, line, message))
            })
    });
    located
        .unwrap_or_else(|| ConfigError::Final {
            file: config_file.to_string(),
            message: message.to_string(),
        })
        .to_string()
}
