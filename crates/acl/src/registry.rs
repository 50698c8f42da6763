//! Command ids for the ACL bitmaps: every command and subcommand of the
//! sentinel command table gets a dense id, like redis' `ACLGetCommandID`.
//! The order is the table order (containers before their subcommands), which
//! is also the order the ACL describer walks commands in.

use std::sync::OnceLock;

use rsentinel_commands::CommandSpec;

/// One command or subcommand known to the ACL system.
pub(crate) struct Entry {
    pub spec: &'static CommandSpec,
    /// `client|list` style name used in rules and messages.
    pub full_name: String,
    /// Ids of the subcommands, empty for plain commands and subcommands.
    pub subs: Vec<usize>,
    /// Whether this is a subcommand.
    pub is_sub: bool,
}

/// The id table, built once from the static command table.
pub(crate) struct Registry {
    pub entries: Vec<Entry>,
    /// Ids of the top-level commands, in table order.
    pub top: Vec<usize>,
    /// (address of its static spec, id), sorted by address: the per-command permission
    /// check finds its id by a binary search over a hundred words instead of name
    /// comparisons along the table (or a SipHash per command, which showed in the
    /// pipelined profile).
    by_spec: Vec<(usize, usize)>,
}

impl Registry {
    fn build() -> Registry {
        let mut entries = Vec::new();
        let mut top = Vec::new();
        for spec in rsentinel_commands::TABLE {
            let id = entries.len();
            top.push(id);
            entries.push(Entry {
                spec,
                full_name: spec.full_name(),
                subs: Vec::new(),
                is_sub: false,
            });
            for sub in spec.subcommands {
                let sid = entries.len();
                entries.push(Entry {
                    spec: sub,
                    full_name: format!("{}|{}", spec.name, sub.name),
                    subs: Vec::new(),
                    is_sub: true,
                });
                entries[id].subs.push(sid);
            }
        }
        let mut by_spec: Vec<(usize, usize)> = entries
            .iter()
            .enumerate()
            .map(|(id, e)| (std::ptr::from_ref(e.spec) as usize, id))
            .collect();
        by_spec.sort_unstable();
        Registry {
            entries,
            top,
            by_spec,
        }
    }

    /// Number of command ids.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The id among `ids` whose command is called `name`, case-insensitively.
    fn named(&self, ids: &[usize], name: &[u8]) -> Option<usize> {
        ids.iter().copied().find(|&id| {
            self.entries[id]
                .spec
                .name
                .as_bytes()
                .eq_ignore_ascii_case(name)
        })
    }

    /// The id of a top-level command, case-insensitively.
    fn top_id(&self, name: &[u8]) -> Option<usize> {
        self.named(&self.top, name)
    }

    /// The id of a subcommand of `parent`, case-insensitively.
    pub fn sub_id(&self, parent: usize, name: &[u8]) -> Option<usize> {
        self.named(&self.entries[parent].subs, name)
    }

    /// Resolves `name` or `container|sub` strictly, as redis'
    /// `lookupCommandBySdsLogic`: more than one `|` or a `|` after a command
    /// without subcommands resolves to nothing.
    pub fn lookup_rule_name(&self, name: &[u8]) -> Option<usize> {
        if name.is_empty() {
            return None;
        }
        let parts: Vec<&[u8]> = name.split(|&b| b == b'|').collect();
        match parts.as_slice() {
            [one] => self.top_id(one),
            [base, sub] => {
                let id = self.top_id(base)?;
                if self.entries[id].subs.is_empty() {
                    None
                } else {
                    self.sub_id(id, sub)
                }
            }
            _ => None,
        }
    }

    /// Resolves an argument vector to the command redis would run
    /// (`lookupCommand`): the container's subcommand when there is a second
    /// argument and the command has subcommands.
    pub fn lookup_args(&self, args: &[&[u8]]) -> Option<usize> {
        let first = args.first()?;
        let id = self.top_id(first)?;
        match args.get(1) {
            Some(sub) if !self.entries[id].subs.is_empty() => self.sub_id(id, sub),
            _ => Some(id),
        }
    }

    /// The id of a spec handed in by the daemon (matched by name, so any
    /// reference to the same table entry works).
    pub fn id_of(&self, spec: &CommandSpec) -> Option<usize> {
        let addr = std::ptr::from_ref(spec) as usize;
        if let Ok(at) = self.by_spec.binary_search_by_key(&addr, |&(a, _)| a) {
            return Some(self.by_spec[at].1);
        }
        match spec.parent {
            None => self.top_id(spec.name.as_bytes()),
            Some(parent) => {
                let pid = self.top_id(parent.as_bytes())?;
                self.sub_id(pid, spec.name.as_bytes())
            }
        }
    }

    /// Whether command `id` carries ACL category `cat`.
    pub fn in_category(&self, id: usize, cat: &str) -> bool {
        self.entries[id].spec.in_category(cat)
    }
}

/// The process-wide registry.
pub(crate) fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

/// The canonical spelling of a category name, if `name` is one.
pub(crate) fn category(name: &[u8]) -> Option<&'static str> {
    rsentinel_commands::ACL_CATEGORIES
        .iter()
        .copied()
        .find(|c| c.as_bytes().eq_ignore_ascii_case(name))
}
