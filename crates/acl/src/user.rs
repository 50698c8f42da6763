//! An ACL user: its flags, password hashes and selectors (the root one first),
//! and the user-level rules (`on`, `>pass`, `nopass`, `reset`, `(...)`, ...).

use rsentinel_resp::Frame;
use sha2::{Digest, Sha256};

use crate::describe;
use crate::error::RuleError;
use crate::sds::eq_ci;
use crate::selector::Selector;

/// The RESTORE payload sanitization flag of a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sanitize {
    /// Neither flag set (users created without `reset`).
    Unset,
    Skip,
    On,
}

/// One ACL user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct User {
    pub name: Vec<u8>,
    pub enabled: bool,
    pub nopass: bool,
    pub sanitize: Sanitize,
    /// SHA-256 hex digests, in insertion order.
    pub passwords: Vec<String>,
    /// The root selector first, then the `(...)` selectors.
    pub selectors: Vec<Selector>,
}

/// SHA-256 of a password as lowercase hex, the form redis stores.
pub(crate) fn hash_password(pass: &[u8]) -> String {
    hex::encode(Sha256::digest(pass))
}

/// Whether `h` is a valid stored hash: 64 lowercase hex digits.
fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64
        && h.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// The stored hash a password rule names: `>pass`/`<pass` hash the text after the
/// sigil, `#hash`/`!hash` give the hash itself, which must be valid.
fn rule_hash(op: &[u8]) -> Result<String, RuleError> {
    let (sigil, rest) = op.split_first().ok_or(RuleError::BadHash)?;
    if matches!(sigil, b'>' | b'<') {
        Ok(hash_password(rest))
    } else if valid_hash(rest) {
        Ok(String::from_utf8_lossy(rest).into_owned())
    } else {
        Err(RuleError::BadHash)
    }
}

impl User {
    /// A new user as `ACLCreateUser` makes it: off, no passwords, no
    /// permissions (channels per `acl-pubsub-default`).
    pub fn new(name: &[u8], pubsub_all: bool) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: Sanitize::Unset,
            passwords: Vec::new(),
            selectors: vec![Selector::new(pubsub_all)],
        }
    }

    /// The default user of a fresh server: `on nopass ~* &* +@all`.
    pub fn new_default(pubsub_all: bool) -> User {
        let mut u = User::new(b"default", pubsub_all);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            // These rules are valid by construction.
            let _ = u.apply(op.as_bytes(), pubsub_all);
        }
        u
    }

    pub fn root(&self) -> &Selector {
        &self.selectors[0]
    }

    fn root_mut(&mut self) -> &mut Selector {
        &mut self.selectors[0]
    }

    /// Applies one rule (`ACLSetUser`). On error the user may be partially
    /// changed; callers work on a copy.
    pub fn apply(&mut self, op: &[u8], pubsub_all: bool) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        if eq_ci(op, "on") {
            self.enabled = true;
        } else if eq_ci(op, "off") {
            self.enabled = false;
        } else if eq_ci(op, "skip-sanitize-payload") {
            self.sanitize = Sanitize::Skip;
        } else if eq_ci(op, "sanitize-payload") {
            self.sanitize = Sanitize::On;
        } else if eq_ci(op, "nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if eq_ci(op, "resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = rule_hash(op)?;
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.nopass = false;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = rule_hash(op)?;
            let pos = self
                .passwords
                .iter()
                .position(|p| *p == hash)
                .ok_or(RuleError::NoSuchPassword)?;
            self.passwords.remove(pos);
        } else if op[0] == b'(' && op.last() == Some(&b')') && op.len() >= 2 {
            let mut sel = Selector::new(pubsub_all);
            // Unbalanced quotes yield no rules at all, as in redis.
            for rule in rsentinel_resp::split_args(&op[1..op.len() - 1]).unwrap_or_default() {
                sel.apply(&rule)?;
            }
            self.selectors.push(sel);
        } else if eq_ci(op, "clearselectors") {
            self.selectors.truncate(1);
        } else if eq_ci(op, "reset") {
            self.passwords.clear();
            self.nopass = false;
            let root = self.root_mut();
            root.all_keys = false;
            root.keys.clear();
            root.all_channels = pubsub_all;
            root.channels.clear();
            self.enabled = false;
            self.sanitize = Sanitize::On;
            self.selectors.truncate(1);
            let _ = self.root_mut().apply(b"-@all");
        } else {
            self.root_mut().apply(op)?;
        }
        Ok(())
    }

    /// Whether `pass` authenticates this user (`ACLCheckUserCredentials`,
    /// minus the existence check).
    pub fn check_password(&self, pass: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let hashed = hash_password(pass);
        // Compare every stored hash fully so timing does not reveal which one matched.
        self.passwords.iter().fold(false, |found, p| {
            let diff = p
                .bytes()
                .zip(hashed.bytes())
                .fold(0u8, |d, (a, b)| d | (a ^ b));
            found | (diff == 0 && p.len() == hashed.len())
        })
    }

    /// Flag names in the order redis emits them.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut v = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            v.push("nopass");
        }
        match self.sanitize {
            Sanitize::Skip => v.push("skip-sanitize-payload"),
            Sanitize::On => v.push("sanitize-payload"),
            Sanitize::Unset => {}
        }
        v
    }

    /// The rules describing the user, without `user <name>` (`ACLDescribeUser`).
    pub fn describe(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for f in self.flag_names() {
            out.extend_from_slice(f.as_bytes());
            out.push(b' ');
        }
        for p in &self.passwords {
            out.push(b'#');
            out.extend_from_slice(p.as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(&describe::selector(self.root()));
        for sel in &self.selectors[1..] {
            out.extend_from_slice(b" (");
            out.extend_from_slice(&describe::selector(sel));
            out.push(b')');
        }
        out
    }

    /// `user <name> <rules>`, the ACL LIST / ACL file / config line.
    pub fn config_line(&self) -> Vec<u8> {
        [b"user ", self.name.as_slice(), b" ", &self.describe()].concat()
    }

    /// The ACL GETUSER reply.
    pub fn getuser_frame(&self) -> Frame {
        let mut map = vec![
            (
                Frame::bulk_str("flags"),
                Frame::Set(self.flag_names().into_iter().map(Frame::bulk_str).collect()),
            ),
            (
                Frame::bulk_str("passwords"),
                Frame::Array(self.passwords.iter().map(|p| Frame::bulk_str(p)).collect()),
            ),
        ];
        map.extend(selector_fields(self.root()));
        map.push((
            Frame::bulk_str("selectors"),
            Frame::Array(
                self.selectors[1..]
                    .iter()
                    .map(|s| Frame::Map(selector_fields(s)))
                    .collect(),
            ),
        ));
        Frame::Map(map)
    }
}

/// The `commands`, `keys`, `channels` fields of one selector.
fn selector_fields(sel: &Selector) -> Vec<(Frame, Frame)> {
    vec![
        (
            Frame::bulk_str("commands"),
            Frame::bulk(describe::command_rules(sel)),
        ),
        (
            Frame::bulk_str("keys"),
            Frame::bulk(describe::keys_field(sel)),
        ),
        (
            Frame::bulk_str("channels"),
            Frame::bulk(describe::channels_field(sel)),
        ),
    ]
}
