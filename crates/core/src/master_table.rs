//! The monitored masters, in the order they were added (the order of `SENTINEL
//! MASTERS`, of the config file and of every pass over them), with the index that
//! finds one by name in constant time. Both change only here, so they cannot drift
//! apart: a master is added or removed through [`MasterTable::add`] and
//! [`MasterTable::remove`]; everything else reads or changes masters in place through
//! the slice. The table also hands out the identity every instance keeps for its
//! lifetime.

use crate::kind::InstUid;
use crate::master::Master;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

#[derive(Debug, Default)]
pub(crate) struct MasterTable {
    masters: Vec<Master>,
    /// Position of each master in `masters` by name.
    index: HashMap<String, usize>,
    /// The last instance identity given out.
    last_uid: u64,
}

impl MasterTable {
    /// A fresh identity for a master, replica or Sentinel about to be created.
    pub(crate) fn new_uid(&mut self) -> InstUid {
        self.last_uid += 1;
        InstUid(self.last_uid)
    }

    /// Appends a master; the caller checked that its name is free.
    pub(crate) fn add(&mut self, master: Master) -> usize {
        let m = self.masters.len();
        self.index.insert(master.inst.name.clone(), m);
        self.masters.push(master);
        m
    }

    /// Removes the master at `m`; those after it move up by one.
    pub(crate) fn remove(&mut self, m: usize) -> Master {
        let master = self.masters.remove(m);
        self.index.remove(&master.inst.name);
        for ix in self.index.values_mut() {
            if *ix > m {
                *ix -= 1;
            }
        }
        master
    }

    /// Where the master of that name is.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

impl Deref for MasterTable {
    type Target = [Master];
    fn deref(&self) -> &[Master] {
        &self.masters
    }
}

impl DerefMut for MasterTable {
    fn deref_mut(&mut self) -> &mut [Master] {
        &mut self.masters
    }
}

impl<'a> IntoIterator for &'a MasterTable {
    type Item = &'a Master;
    type IntoIter = std::slice::Iter<'a, Master>;
    fn into_iter(self) -> Self::IntoIter {
        self.masters.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Addr;
    use crate::instance::{Instance, Kind};
    use crate::kind::InstUid;
    use crate::link::LinkTable;

    fn master(name: &str) -> Master {
        let mut links = LinkTable::default();
        let addr = Addr {
            hostname: "127.0.0.1".into(),
            ip: "127.0.0.1".into(),
            port: 6379,
        };
        let inst = Instance::new(
            InstUid(1),
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
        for name in ["a", "b", "c", "d"] {
            t.add(master(name));
        }
        assert_eq!(t.remove(1).name(), "b");
        assert_eq!(t.position("b"), None);
        for (i, name) in ["a", "c", "d"].iter().enumerate() {
            assert_eq!(t.position(name), Some(i));
            assert_eq!(t[i].name(), *name);
        }
        assert_eq!(t.add(master("b")), 3);
        assert_eq!(t.position("b"), Some(3));
        t.remove(0);
        assert_eq!(t.position("d"), Some(1));
        assert_eq!(t.len(), 3);
    }
}
