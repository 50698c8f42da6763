//! `converged`, checked once after the last fault healed and the settle time passed:
//! for every monitored master, every Sentinel gives the same `GET-MASTER-ADDR-BY-NAME`
//! answer and knows all the other Sentinels, no Sentinel is in TILT, the announced
//! address is an instance of that master's own group which is alive and a master, and
//! every other instance of the group (old masters included) is alive and its replica.

use super::Violation;
use crate::layout::Layout;
use crate::network::Host;
use crate::redis::Role;

/// What one Sentinel says about one master at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterView {
    /// The name it is monitored under.
    pub name: String,
    /// The `GET-MASTER-ADDR-BY-NAME` answer.
    pub addr: Option<(String, u16)>,
    /// How many other Sentinels it knows for this master.
    pub others: usize,
}

/// What one Sentinel says at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentinelView {
    /// Which Sentinel.
    pub s: usize,
    /// Whether it is in TILT.
    pub tilt: bool,
    /// Every master it monitors.
    pub masters: Vec<MasterView>,
}

/// What one redis instance is at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceView {
    /// Its address.
    pub host: Host,
    /// Running.
    pub alive: bool,
    /// Its role.
    pub role: Role,
}

/// `converged` for every master of `layout`; `instances` are all redis instances, in
/// index order.
pub fn check_converged(
    layout: &Layout,
    views: &[SentinelView],
    instances: &[InstanceView],
) -> Result<(), Violation> {
    let fail = |m: String| Err(Violation::new("converged", m));
    for v in views {
        if v.tilt {
            return fail(format!("s{} is still in TILT", v.s));
        }
    }
    for g in 0..layout.masters {
        let name = layout.name(g);
        let mut answers = Vec::with_capacity(views.len());
        for v in views {
            let Some(m) = v.masters.iter().find(|m| m.name == name) else {
                return fail(format!("s{} does not monitor {name}", v.s));
            };
            if m.others + 1 != views.len() {
                return fail(format!(
                    "s{} knows {} other sentinels for {name}, expected {}",
                    v.s,
                    m.others,
                    views.len() - 1
                ));
            }
            answers.push((v.s, &m.addr));
        }
        let Some(&(first_s, first)) = answers.first() else {
            continue;
        };
        if let Some((s, addr)) = answers.iter().find(|(_, a)| *a != first) {
            return fail(format!(
                "s{s} says {name} is at {addr:?} but s{first_s} says {first:?}"
            ));
        }
        let Some((ip, port)) = first else {
            return fail(format!("no sentinel knows the address of {name}"));
        };
        match layout.instance_at(ip, *port) {
            Some(j) if layout.group_of(j) == g => {}
            _ => {
                return fail(format!(
                "sentinels agree that {name} is at {ip}:{port}, which is no instance of its group"
            ))
            }
        }
        for i in layout.instances(g) {
            let Some(i) = instances.get(i) else {
                return fail(format!("instance {i} of {name} is missing"));
            };
            let is_master = i.host.ip() == *ip && i.host.port() == *port;
            let ok = match (&i.role, is_master) {
                _ if !i.alive => false,
                (Role::Master, true) => true,
                (Role::Replica { host, port: p }, false) => host == ip && p == port,
                _ => false,
            };
            if !ok {
                return fail(format!(
                    "sentinels agree that {name} is at {ip}:{port} but {} is {:?} (alive: {})",
                    i.host.addr(),
                    i.role,
                    i.alive
                ));
            }
        }
    }
    Ok(())
}
