//! Users from text: the ACL file (`ACLLoadFromFile` / `ACLSaveToFile`) and
//! the `user` directives of the config file (`ACLAppendUserForLoading` /
//! `ACLLoadConfiguredUsers`), with redis' error texts. No IO happens here:
//! the daemon reads and writes the files.

use std::collections::BTreeMap;

use crate::error::RuleError;
use crate::sds::{has_spaces, merge_selector_args};
use crate::user::User;

/// Startup error when both `user` directives and `aclfile` are configured.
pub const MIXED_USERS_AND_ACLFILE: &str = "Configuring Redis with users defined in redis.conf and \
at the same setting an ACL file path is invalid. This setup is very likely to lead to \
configuration errors and security holes, please define either an ACL file or declare users \
directly in your redis.conf, but not both.";

/// Trims the bytes in `set` from both ends (`sdstrim`).
fn trim<'a>(s: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|b| !set.contains(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Parses a whole ACL file into a fresh user table. On any error nothing is
/// returned but the collected error text, one sentence per problem.
pub(crate) fn parse(
    path: &str,
    text: &[u8],
    pubsub_all: bool,
) -> Result<BTreeMap<Vec<u8>, User>, String> {
    let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
    let mut errors = String::new();
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let linenum = i + 1;
        let line = trim(raw, b" \t\r\n");
        if line.is_empty() {
            continue;
        }
        let argv: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
        if argv[0] != b"user" || argv.len() < 2 {
            errors.push_str(&format!(
                "{path}:{linenum} should start with user keyword followed by the username. "
            ));
            continue;
        }
        let name = argv[1];
        if has_spaces(name) {
            errors.push_str(&format!(
                "'{path}:{linenum}: username '{}' contains invalid characters. ",
                String::from_utf8_lossy(crate::sds::cstr(name))
            ));
            continue;
        }
        if users.contains_key(name) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {linenum}. ",
                String::from_utf8_lossy(crate::sds::cstr(name))
            ));
            continue;
        }
        let mut user = User::new(name, pubsub_all);
        let ops = match merge_selector_args(&argv[2..]) {
            Ok(ops) => ops,
            Err(_) => {
                // Redis 7.0.15 crashes here when rules precede the bad
                // selector; we report the error and skip the line's rules.
                errors.push_str(&format!(
                    "{path}:{linenum}: Unmatched parenthesis in selector definition."
                ));
                Vec::new()
            }
        };
        let mut syntax_error = false;
        for op in ops {
            let op = trim(&op, b"\t\r\n");
            if let Err(e) = user.apply(op, pubsub_all) {
                if e == RuleError::UnknownCommand {
                    errors.push_str(&format!(
                        "{path}:{linenum}: Error in applying operation '{}': {}. ",
                        String::from_utf8_lossy(crate::sds::cstr(op)),
                        e.message()
                    ));
                } else if !syntax_error {
                    errors.push_str(&format!("{path}:{linenum}: {}. ", e.message()));
                    syntax_error = true;
                }
            }
        }
        users.insert(name.to_vec(), user);
    }
    if errors.is_empty() {
        Ok(users)
    } else {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Err(errors)
    }
}

/// `user` directives collected while reading the config file, applied once
/// the server is initialised (after `requirepass`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserDirectives {
    /// (username, merged rules) in file order.
    entries: Vec<(Vec<u8>, Vec<Vec<u8>>)>,
}

impl UserDirectives {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Validates and queues `user <name> <rules...>` (`args` = name and
    /// rules). The error is the config loader's message, e.g.
    /// `Error in user declaration 'bob': Syntax error`. Unknown commands are
    /// accepted here and fail at [`crate::Acl::load_user_directives`].
    pub fn add<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Result<(), String> {
        let Some((name, rules)) = args.split_first() else {
            return Err("Error in user declaration 'user': Wrong format".to_string());
        };
        let name = name.as_ref();
        // Redis reports argv[index] with an index into the rules, so the
        // word it names is offset by two; reproduce that.
        let word = |idx: usize| -> String {
            let w: &[u8] = match idx {
                0 => b"user",
                1 => name,
                n => rules.get(n - 2).map_or(&b""[..], |r| r.as_ref()),
            };
            String::from_utf8_lossy(crate::sds::cstr(w)).into_owned()
        };
        let fail = |idx: usize, e: RuleError| {
            Err(format!(
                "Error in user declaration '{}': {}",
                word(idx),
                e.message()
            ))
        };
        if self.entries.iter().any(|(n, _)| n == name) {
            return fail(1, RuleError::DuplicateUser);
        }
        let merged = match merge_selector_args(rules) {
            Ok(m) => m,
            Err(idx) => return fail(idx, RuleError::UnknownCommand),
        };
        let mut fake = User::new(b"__fakeuser__", false);
        for (j, op) in merged.iter().enumerate() {
            if let Err(e) = fake.apply(op, false) {
                if e != RuleError::UnknownCommand {
                    return fail(j, e);
                }
            }
        }
        self.entries.push((name.to_vec(), merged));
        Ok(())
    }

    pub(crate) fn entries(&self) -> &[(Vec<u8>, Vec<Vec<u8>>)] {
        &self.entries
    }
}
