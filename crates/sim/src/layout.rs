//! Which redis instance belongs to which replication group, and the masters' names.
//! Group `g` (of `masters`) is the instances `g * size .. (g + 1) * size`, the first of
//! them its master at the start, the others its replicas; its master is monitored under
//! [`Layout::name`]`(g)`. The invariants judge every address a Sentinel names against
//! this ground truth, so a Sentinel that mixes two groups is caught.

use crate::network::{host_at, Host};
use std::ops::Range;

/// The first master's name (the only one with one master); the others are `master2`,
/// `master3`, ...
pub const MASTER_NAME: &str = "mymaster";

/// How the redis instances split into replication groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Number of groups, one monitored master each.
    pub masters: usize,
    /// Instances per group (a master and its replicas).
    pub size: usize,
}

impl Layout {
    /// `masters` groups of one master and `replicas` replicas.
    pub fn new(masters: usize, replicas: usize) -> Layout {
        Layout {
            masters,
            size: replicas + 1,
        }
    }

    /// How many redis instances there are in all.
    pub fn redis(&self) -> usize {
        self.masters * self.size
    }

    /// The name group `g`'s master is monitored under.
    pub fn name(&self, g: usize) -> String {
        if g == 0 {
            MASTER_NAME.to_string()
        } else {
            format!("master{}", g + 1)
        }
    }

    /// Every master name, in group order.
    pub fn names(&self) -> Vec<String> {
        (0..self.masters).map(|g| self.name(g)).collect()
    }

    /// The group monitored under `name`, if any.
    pub fn group_named(&self, name: &str) -> Option<usize> {
        (0..self.masters).find(|&g| self.name(g) == name)
    }

    /// The group of redis instance `j`.
    pub fn group_of(&self, j: usize) -> usize {
        j / self.size.max(1)
    }

    /// The instances of group `g`.
    pub fn instances(&self, g: usize) -> Range<usize> {
        g * self.size..(g + 1) * self.size
    }

    /// The redis instance listening on `ip:port`, if any.
    pub fn instance_at(&self, ip: &str, port: u16) -> Option<usize> {
        match host_at(ip, port, self.redis(), 0) {
            Some(Host::Redis(j)) => Some(j),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_partition_the_instances() {
        let l = Layout::new(3, 2);
        assert_eq!(l.redis(), 9);
        assert_eq!(l.names(), ["mymaster", "master2", "master3"]);
        assert_eq!(l.group_named("master3"), Some(2));
        assert_eq!(l.group_named("master4"), None);
        assert_eq!((l.group_of(0), l.group_of(2), l.group_of(3)), (0, 0, 1));
        assert_eq!(l.instances(1), 3..6);
        assert_eq!(l.instance_at("10.0.0.9", 6379), Some(8));
        assert_eq!(l.instance_at("10.0.0.10", 6379), None);
        assert_eq!(l.instance_at("10.0.0.101", 26379), None);
    }
}
