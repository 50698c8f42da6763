//! `rename-command` in the config file: redis renames (or, with an empty name, removes)
//! entries of its command table, so the old name becomes unknown and the new one runs
//! the command. Operators use it to hide SENTINEL or SHUTDOWN from untrusted networks.

use bytes::Bytes;
use std::collections::BTreeMap;

/// The renamings in force, by lower-case name.
#[derive(Debug, Default, Clone)]
pub struct Renames {
    /// New name -> original name.
    to_original: BTreeMap<String, String>,
    /// Original names that no longer answer under their own name.
    hidden: Vec<String>,
}

impl Renames {
    /// Builds the table from `rename-command <from> <to>` pairs; unknown commands are an
    /// error naming the command, as redis refuses to start on them.
    pub fn new(pairs: &[(String, String)]) -> Result<Renames, String> {
        let mut r = Renames::default();
        for (from, to) in pairs {
            let from_l = from.to_ascii_lowercase();
            if rsentinel_commands::lookup(from_l.as_bytes()).is_none() {
                return Err(format!("No such command in rename-command: '{from}'"));
            }
            let to_l = to.to_ascii_lowercase();
            if to_l == from_l {
                continue;
            }
            r.hidden.push(from_l.clone());
            if !to_l.is_empty() {
                r.to_original.insert(to_l, from_l);
            }
        }
        Ok(r)
    }

    /// The arguments as the command table knows them: a new name is replaced by the
    /// original; a hidden original name is returned as `None` (unknown command).
    pub fn map(&self, args: &[Bytes]) -> Option<Vec<Bytes>> {
        let first = args.first()?;
        let name = String::from_utf8_lossy(first).to_ascii_lowercase();
        if let Some(orig) = self.to_original.get(&name) {
            let mut out = args.to_vec();
            out[0] = Bytes::copy_from_slice(orig.as_bytes());
            return Some(out);
        }
        if self.hidden.contains(&name) {
            return None;
        }
        Some(args.to_vec())
    }

    /// Whether any renaming is configured (the common case has none: no copying).
    pub fn is_empty(&self) -> bool {
        self.hidden.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(words: &[&str]) -> Vec<Bytes> {
        words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    #[test]
    fn renamed_and_removed_commands() {
        let r = Renames::new(&[
            ("SENTINEL".into(), "mysentinel".into()),
            ("shutdown".into(), "".into()),
        ])
        .unwrap();
        assert_eq!(
            r.map(&b(&["MySentinel", "masters"])),
            Some(b(&["sentinel", "masters"]))
        );
        assert_eq!(r.map(&b(&["sentinel", "masters"])), None);
        assert_eq!(r.map(&b(&["SHUTDOWN"])), None);
        assert_eq!(r.map(&b(&["PING"])), Some(b(&["PING"])));
        assert!(Renames::new(&[("nosuch".into(), "x".into())]).is_err());
        assert!(Renames::new(&[("ping".into(), "PING".into())])
            .unwrap()
            .is_empty());
    }
}
