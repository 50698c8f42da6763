//! The checks that keep replication groups apart when several masters are monitored:
//! - `same-group`: every redis address a Sentinel event names belongs to the group of
//!   the master the event is about (the master's own address, a replica's, both
//!   addresses of a `+switch-master`), and the master name is one that is monitored;
//! - `no-cross-group-replication`: no redis instance ever replicates from an instance
//!   of another group, or from an address that is no redis instance at all (only the
//!   Sentinels send SLAVEOF here, so this is theirs to keep).

use super::Violation;
use crate::layout::Layout;
use crate::network::Host;
use crate::redis::Role;

/// `same-group` for event `kind text` of Sentinel `s`.
pub fn check_event_groups(
    layout: &Layout,
    s: usize,
    kind: &str,
    text: &str,
) -> Result<(), Violation> {
    let words: Vec<&str> = text.split(' ').collect();
    let check = |name: &str, ip: &str, port: &str| -> Result<(), Violation> {
        let fail = |what: String| {
            Err(Violation::new(
                "same-group",
                format!("s{s}: `{kind} {text}`: {what}"),
            ))
        };
        let Some(g) = layout.group_named(name) else {
            return fail(format!("{name} is not a monitored master"));
        };
        let j = port
            .parse::<u16>()
            .ok()
            .and_then(|p| layout.instance_at(ip, p));
        match j {
            Some(j) if layout.group_of(j) == g => Ok(()),
            Some(j) => fail(format!(
                "{ip}:{port} belongs to {}, not {name}",
                layout.name(layout.group_of(j))
            )),
            None => fail(format!("{ip}:{port} is no redis instance")),
        }
    };
    if kind == "+switch-master" {
        return match words.as_slice() {
            [name, old_ip, old_port, ip, port] => {
                check(name, old_ip, old_port)?;
                check(name, ip, port)
            }
            _ => Err(Violation::new(
                "same-group",
                format!("s{s}: malformed `{kind} {text}`"),
            )),
        };
    }
    if let ["master", name, ip, port, ..] = words.as_slice() {
        check(name, ip, port)?;
    }
    if let Some(at) = words.iter().position(|w| *w == "@") {
        if let [name, ip, port, ..] = &words[at + 1..] {
            check(name, ip, port)?;
            if let ["slave", _, rip, rport, "@", ..] = words.as_slice() {
                check(name, rip, rport)?;
            }
        }
    }
    Ok(())
}

/// `no-cross-group-replication` for instance `j` in `role`.
pub fn check_replication_group(layout: &Layout, j: usize, role: &Role) -> Result<(), Violation> {
    let Role::Replica { host, port } = role else {
        return Ok(());
    };
    let g = layout.group_of(j);
    match layout.instance_at(host, *port) {
        Some(t) if layout.group_of(t) == g => Ok(()),
        Some(t) => Err(Violation::new(
            "no-cross-group-replication",
            format!(
                "{} of {} replicates from {host}:{port} of {}",
                Host::Redis(j).addr(),
                layout.name(g),
                layout.name(layout.group_of(t))
            ),
        )),
        None => Err(Violation::new(
            "no-cross-group-replication",
            format!(
                "{} of {} replicates from {host}:{port}, which is no redis instance",
                Host::Redis(j).addr(),
                layout.name(g)
            ),
        )),
    }
}
