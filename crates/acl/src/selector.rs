//! One ACL selector: the command bitmap, key patterns and channel patterns a
//! user's root permissions or one of its `(...)` selectors grant, and the
//! rules (`+cmd`, `-@cat`, `~pat`, `&chan`, ...) that edit them.

use crate::error::RuleError;
use crate::registry::{category, registry};
use crate::sds::{cstr, eq_ci, has_spaces};

/// Read access for a key pattern (`%R~`).
pub(crate) const KEY_READ: u8 = 1;
/// Write access for a key pattern (`%W~`).
pub(crate) const KEY_WRITE: u8 = 2;
/// Both; written as plain `~pattern`.
pub(crate) const KEY_ALL: u8 = KEY_READ | KEY_WRITE;

/// A key pattern with the accesses it grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyPattern {
    pub flags: u8,
    pub pattern: Vec<u8>,
}

impl KeyPattern {
    /// `~pat`, `%R~pat` or `%W~pat`, as ACL LIST shows it.
    pub fn describe(&self) -> Vec<u8> {
        let prefix: &[u8] = match self.flags {
            KEY_READ => b"%R~",
            KEY_WRITE => b"%W~",
            _ => b"~",
        };
        [prefix, &self.pattern].concat()
    }
}

/// Permissions granted by one selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Selector {
    /// `allkeys` / `~*`.
    pub all_keys: bool,
    /// `allchannels` / `&*`.
    pub all_channels: bool,
    /// Set by `+@all`, cleared by any rule that removes a command: lets the
    /// check skip the bitmap.
    pub all_commands: bool,
    /// The bits redis keeps for ids no command has yet ("future commands");
    /// only `+@all` sets them and only `-@all` clears them, and they decide
    /// whether the description starts with `+@all` or `-@all`.
    pub future: bool,
    /// One bit per command id.
    pub allowed: Vec<bool>,
    /// Allowed first arguments of otherwise denied commands (`+select|0`),
    /// by command id, in insertion order.
    pub first_args: Vec<(usize, Vec<Vec<u8>>)>,
    pub keys: Vec<KeyPattern>,
    pub channels: Vec<Vec<u8>>,
}

impl Selector {
    /// An empty selector; `all_channels` reflects `acl-pubsub-default`.
    pub fn new(all_channels: bool) -> Selector {
        Selector {
            all_keys: false,
            all_channels,
            all_commands: false,
            future: false,
            allowed: vec![false; registry().len()],
            first_args: Vec::new(),
            keys: Vec::new(),
            channels: Vec::new(),
        }
    }

    /// Sets one command bit; clearing any bit drops the `all_commands` shortcut.
    fn set_bit(&mut self, id: usize, allow: bool) {
        if let Some(bit) = self.allowed.get_mut(id) {
            *bit = allow;
        }
        if !allow {
            self.all_commands = false;
        }
    }

    /// Allows or denies a command, and for a container all its subcommands
    /// (`ACLChangeSelectorPerm`).
    pub fn change_perm(&mut self, id: usize, allow: bool) {
        self.set_bit(id, allow);
        self.first_args.retain(|(cid, _)| *cid != id);
        for &sub in &registry().entries[id].subs {
            self.set_bit(sub, allow);
        }
    }

    /// Applies `+@cat` / `-@cat` to every command of the category.
    pub fn change_category(&mut self, cat: &str, allow: bool) {
        let reg = registry();
        for &id in &reg.top {
            if reg.in_category(id, cat) {
                self.change_perm(id, allow);
            }
            for &sub in &reg.entries[id].subs {
                if reg.in_category(sub, cat) {
                    self.change_perm(sub, allow);
                }
            }
        }
    }

    fn set_all_commands(&mut self, allow: bool) {
        self.allowed.iter_mut().for_each(|b| *b = allow);
        self.all_commands = allow;
        self.future = allow;
        self.first_args.clear();
    }

    /// The first arguments allowed for command `id`.
    pub fn first_args_of(&self, id: usize) -> &[Vec<u8>] {
        self.first_args
            .iter()
            .find(|(cid, _)| *cid == id)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    fn add_first_arg(&mut self, id: usize, arg: &[u8]) {
        let pos = match self.first_args.iter().position(|(cid, _)| *cid == id) {
            Some(pos) => pos,
            None => {
                self.first_args.push((id, Vec::new()));
                self.first_args.len() - 1
            }
        };
        let list = &mut self.first_args[pos].1;
        if !list.iter().any(|a| a.eq_ignore_ascii_case(arg)) {
            list.push(arg.to_vec());
        }
    }

    /// Applies one selector rule (`ACLSetSelector`).
    pub fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if eq_ci(op, "allkeys") || eq_ci(op, "~*") {
            self.all_keys = true;
            self.keys.clear();
        } else if eq_ci(op, "resetkeys") {
            self.all_keys = false;
            self.keys.clear();
        } else if eq_ci(op, "allchannels") || eq_ci(op, "&*") {
            self.all_channels = true;
            self.channels.clear();
        } else if eq_ci(op, "resetchannels") {
            self.all_channels = false;
            self.channels.clear();
        } else if eq_ci(op, "allcommands") || eq_ci(op, "+@all") {
            self.set_all_commands(true);
        } else if eq_ci(op, "nocommands") || eq_ci(op, "-@all") {
            self.set_all_commands(false);
        } else if op.first() == Some(&b'~') || op.first() == Some(&b'%') {
            self.add_key_pattern(op)?;
        } else if op.first() == Some(&b'&') {
            if self.all_channels {
                return Err(RuleError::ChannelAfterAll);
            }
            let pat = &op[1..];
            if has_spaces(pat) {
                return Err(RuleError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pat) {
                self.channels.push(pat.to_vec());
            }
        } else if op.len() >= 2 && op[1] == b'@' && (op[0] == b'+' || op[0] == b'-') {
            let cat = category(cstr(&op[2..])).ok_or(RuleError::UnknownCommand)?;
            self.change_category(cat, op[0] == b'+');
        } else if op.first() == Some(&b'+') {
            self.allow_command(cstr(&op[1..]))?;
        } else if op.first() == Some(&b'-') {
            let id = registry()
                .lookup_rule_name(cstr(&op[1..]))
                .ok_or(RuleError::UnknownCommand)?;
            self.change_perm(id, false);
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    /// `~pat`, `%R~pat`, `%W~pat`, `%RW~pat`.
    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeyAfterAll);
        }
        let mut flags = 0u8;
        let mut offset = 1;
        if op[0] == b'%' {
            while offset < op.len() {
                let c = op[offset].to_ascii_uppercase();
                if c == b'R' && flags & KEY_READ == 0 {
                    flags |= KEY_READ;
                } else if c == b'W' && flags & KEY_WRITE == 0 {
                    flags |= KEY_WRITE;
                } else if op[offset] == b'~' && flags != 0 {
                    offset += 1;
                    break;
                } else {
                    return Err(RuleError::Syntax);
                }
                offset += 1;
            }
            // The 7.0.15 security fixes reject a `%` that grants nothing.
            if flags == 0 {
                return Err(RuleError::Syntax);
            }
        } else {
            flags = KEY_ALL;
        }
        let pat = &op[offset..];
        if has_spaces(pat) {
            return Err(RuleError::Syntax);
        }
        match self.keys.iter_mut().find(|k| k.pattern == pat) {
            Some(existing) => existing.flags |= flags,
            None => self.keys.push(KeyPattern {
                flags,
                pattern: pat.to_vec(),
            }),
        }
        self.all_keys = false;
        Ok(())
    }

    /// `+cmd`, `+container|sub`, `+cmd|firstarg`.
    fn allow_command(&mut self, name: &[u8]) -> Result<(), RuleError> {
        let reg = registry();
        let Some(bar) = name.iter().rposition(|&b| b == b'|') else {
            let id = reg
                .lookup_rule_name(name)
                .ok_or(RuleError::UnknownCommand)?;
            self.change_perm(id, true);
            return Ok(());
        };
        let (base, sub) = (&name[..bar], &name[bar + 1..]);
        let id = reg
            .lookup_rule_name(base)
            .ok_or(RuleError::UnknownCommand)?;
        if reg.entries[id].is_sub {
            return Err(RuleError::SubcommandFirstArg);
        }
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if reg.entries[id].subs.is_empty() {
            self.add_first_arg(id, sub);
        } else {
            let sid = reg
                .lookup_rule_name(name)
                .ok_or(RuleError::UnknownCommand)?;
            self.change_perm(sid, true);
        }
        Ok(())
    }
}
