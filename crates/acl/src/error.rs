//! Why an ACL rule was rejected. Each variant stands for the errno redis'
//! `ACLSetUser` reports, and renders the exact text `ACLSetUserStringError`
//! gives, because clients and config loaders show it verbatim.

/// A rejected ACL rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// EINVAL: not a rule, or a pattern with spaces.
    Syntax,
    /// ENOENT: unknown command, subcommand or category.
    UnknownCommand,
    /// EEXIST: key pattern after `allkeys`.
    KeyAfterAll,
    /// EISDIR: channel pattern after `allchannels`.
    ChannelAfterAll,
    /// ENODEV: `<pass` / `!hash` for a password the user does not have.
    NoSuchPassword,
    /// EBADMSG: `#hash` / `!hash` that is not 64 lowercase hex digits.
    BadHash,
    /// EALREADY: the same user declared twice in the config file.
    DuplicateUser,
    /// ECHILD: `+container|sub|arg`.
    SubcommandFirstArg,
}

impl RuleError {
    /// The message redis prints for this error.
    pub fn message(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::UnknownCommand => "Unknown command or category name in ACL",
            RuleError::KeyAfterAll => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and \
                 does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleError::ChannelAfterAll => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid \
                 and does not have any effect. Try 'resetchannels' to start with an empty list \
                 of channels"
            }
            RuleError::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase \
                 hexadecimal characters"
            }
            RuleError::DuplicateUser => {
                "Duplicate user found. A user can only be defined once in config files"
            }
            RuleError::SubcommandFirstArg => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for RuleError {}
