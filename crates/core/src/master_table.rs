//! The monitored masters, in the order they were added (the order of `SENTINEL
//! MASTERS`, of the config file and of every pass over them), with the index that
//! finds one by name in constant time. Both change only here, so they cannot drift
//! apart: a master is added or removed through [`MasterTable::add`] and
//! [`MasterTable::remove`]; everything else reads the arena or changes masters in
//! place through their keys.

use crate::arena::Arena;
use crate::master::{Master, MasterKey};
use std::collections::HashMap;
use std::ops::{Deref, Index, IndexMut};

#[derive(Debug, Default)]
pub(crate) struct MasterTable {
    masters: Arena<Master>,
    /// The key of each master by name.
    index: HashMap<String, MasterKey>,
}

impl MasterTable {
    /// Appends a master; the caller checked that its name is free.
    pub(crate) fn add(&mut self, master: Master) -> MasterKey {
        let name = master.inst.name.clone();
        let m = self.masters.insert(master);
        self.index.insert(name, m);
        m
    }

    /// Removes the master of key `m`, if it is still there.
    pub(crate) fn remove(&mut self, m: MasterKey) -> Option<Master> {
        let master = self.masters.remove(m)?;
        self.index.remove(&master.inst.name);
        Some(master)
    }

    /// The key of the master of that name.
    pub(crate) fn key_of(&self, name: &str) -> Option<MasterKey> {
        self.index.get(name).copied()
    }

    pub(crate) fn get_mut(&mut self, m: MasterKey) -> Option<&mut Master> {
        self.masters.get_mut(m)
    }
}

/// Reading goes straight to the arena; changes that add or remove a master go through
/// the table, which keeps the index.
impl Deref for MasterTable {
    type Target = Arena<Master>;
    fn deref(&self) -> &Arena<Master> {
        &self.masters
    }
}

impl Index<MasterKey> for MasterTable {
    type Output = Master;
    #[inline]
    fn index(&self, m: MasterKey) -> &Master {
        &self.masters[m]
    }
}

impl IndexMut<MasterKey> for MasterTable {
    #[inline]
    fn index_mut(&mut self, m: MasterKey) -> &mut Master {
        &mut self.masters[m]
    }
}

/// Tests name masters by their place in the order.
#[cfg(test)]
impl Index<usize> for MasterTable {
    type Output = Master;
    fn index(&self, pos: usize) -> &Master {
        &self.masters[pos]
    }
}

#[cfg(test)]
impl IndexMut<usize> for MasterTable {
    fn index_mut(&mut self, pos: usize) -> &mut Master {
        &mut self.masters[pos]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Addr;
    use crate::instance::{Instance, Kind};
    use crate::link::LinkTable;

    fn master(name: &str) -> Master {
        let mut links = LinkTable::default();
        let addr = Addr {
            hostname: "127.0.0.1".into(),
            ip: "127.0.0.1".into(),
            port: 6379,
        };
        let inst = Instance::new(
            Kind::Master,
            name.into(),
            addr,
            links.create(0, true),
            30_000,
            0,
        );
        Master::new(inst, 2, 180_000)
    }

    #[test]
    fn the_index_follows_every_add_and_remove() {
        let mut t = MasterTable::default();
        let keys: Vec<MasterKey> = ["a", "b", "c", "d"]
            .iter()
            .map(|name| t.add(master(name)))
            .collect();
        assert_eq!(t.remove(keys[1]).map(|m| m.inst.name), Some("b".into()));
        assert!(t.remove(keys[1]).is_none());
        assert_eq!(t.key_of("b"), None);
        for (i, name) in ["a", "c", "d"].iter().enumerate() {
            let k = t.key_of(name);
            assert_eq!(k, Some(keys[[0, 2, 3][i]]));
            assert_eq!(t[i].name(), *name);
        }
        // A master added again under the same name is another master.
        let b = t.add(master("b"));
        assert_ne!(b, keys[1]);
        assert_eq!(t.key_of("b"), Some(b));
        assert_eq!(t[b].name(), "b");
        t.remove(keys[0]);
        assert_eq!(t.key_of("d"), Some(keys[3]));
        assert_eq!(t.len(), 3);
    }
}
