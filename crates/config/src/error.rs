//! Load errors, displayed exactly as redis-sentinel prints them before exiting with 1.

/// The version redis-sentinel reports in its fatal config error banner.
pub const REDIS_VERSION: &str = "7.0.15";

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A line was rejected. `file` names the file the line came from (the main file also for
    /// lines built from command-line options, which redis numbers after the file's lines).
    #[error("\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {line}\n>>> '{directive}'\n{message}\n")]
    Line {
        file: String,
        line: usize,
        directive: String,
        message: String,
    },
    /// A check made after all lines were read (redis prints no line for these), e.g.
    /// "Can't open the log file: ...".
    #[error("\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n{message}\n")]
    Final { file: String, message: String },
    /// The file (or an included file) could not be read; redis logs this line as a warning.
    #[error("Fatal error, can't open config file '{path}': {reason}")]
    Open { path: String, reason: String },
}

impl ConfigError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            ConfigError::Line { file, .. } | ConfigError::Final { file, .. } => file,
            ConfigError::Open { path, .. } => path,
        }
    }

    /// The 1-based line number, when the error is about one line.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Line { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The error message alone (redis' last line).
    pub fn message(&self) -> &str {
        match self {
            ConfigError::Line { message, .. } | ConfigError::Final { message, .. } => message,
            ConfigError::Open { reason, .. } => reason,
        }
    }
}

/// `strerror(errno)` text of an I/O error, without Rust's " (os error N)" suffix.
pub fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            let s = std::io::Error::from_raw_os_error(code).to_string();
            match s.rfind(" (os error ") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
        None => e.to_string(),
    }
}
