//! Repeated hellos. Every Sentinel publishes the same hello every two seconds on every
//! instance it shares with us, so nearly every hello we receive is a payload we have
//! already applied, and which only says "this Sentinel is alive". Remembering what a
//! payload meant, and checking on each repeat that our table still gives it exactly that
//! meaning, skips the parse, the address resolution and the gossip crate's view of the
//! table for those repeats. Anything else goes the full way through the gossip crate.

use crate::arena::Arena;
use crate::instance::InstKey;
use crate::master::{Master, MasterKey};
use std::collections::HashMap;

/// How many payloads are remembered; when full the memo starts over. A payload is only
/// remembered once it named a Sentinel we know, so this covers every Sentinel of 2,000
/// masters watched by three, and a flood of forged hellos costs a bounded amount.
const CAPACITY: usize = 8192;

/// What a remembered payload said, as far as the check of a repeat needs it.
#[derive(Debug)]
struct Known {
    /// The master the payload names, by key: a master removed since (even if another
    /// took its name) no longer matches.
    master: MasterKey,
    runid: Box<str>,
    /// The announced address as the gossip crate resolved it: the hello's IP literal
    /// and its canonical form.
    hostname: Box<str>,
    ip: Box<str>,
    port: u16,
    current_epoch: u64,
    config_epoch: u64,
    /// Our run id appears in the payload: dropped when it comes on a pub/sub link.
    mentions_me: bool,
}

/// What a repeat means.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Our own echo on a pub/sub link: nothing to do.
    Ignore,
    /// Only "heard from Sentinel `sentinel` of master `master`".
    Heard {
        master: MasterKey,
        sentinel: InstKey,
    },
}

/// Payloads whose only effect was to refresh a known Sentinel's last hello time.
#[derive(Debug, Default)]
pub(crate) struct HelloMemo {
    known: HashMap<Box<[u8]>, Known>,
}

/// The fields of a remembered payload, as the full path read them.
pub(crate) struct Meaning<'a> {
    pub master: MasterKey,
    pub runid: &'a str,
    pub hostname: &'a str,
    pub ip: &'a str,
    pub port: u16,
    pub current_epoch: u64,
    pub config_epoch: u64,
    pub mentions_me: bool,
}

impl HelloMemo {
    /// Remember that `payload` meant only "heard from" under the table as it is now.
    pub(crate) fn remember(&mut self, payload: &[u8], meaning: Meaning<'_>) {
        if self.known.len() >= CAPACITY {
            self.known.clear();
        }
        self.known.insert(
            payload.into(),
            Known {
                master: meaning.master,
                runid: meaning.runid.into(),
                hostname: meaning.hostname.into(),
                ip: meaning.ip.into(),
                port: meaning.port,
                current_epoch: meaning.current_epoch,
                config_epoch: meaning.config_epoch,
                mentions_me: meaning.mentions_me,
            },
        );
    }

    /// What `payload` means now, if it was remembered and the table still gives it the
    /// same meaning; `None` sends it the full way. The checks are those of the gossip
    /// crate's `process`, in terms of the remembered fields: the master is still there,
    /// neither its config epoch nor our current epoch is older than the hello's, and the
    /// first Sentinel with that run id and address is still there.
    pub(crate) fn recall(
        &self,
        payload: &[u8],
        from_pubsub: bool,
        masters: &Arena<Master>,
        current_epoch: u64,
    ) -> Option<Repeat> {
        let k = self.known.get(payload)?;
        if from_pubsub && k.mentions_me {
            return Some(Repeat::Ignore);
        }
        let master = masters.get(k.master)?;
        if k.current_epoch > current_epoch || k.config_epoch > master.inst.config_epoch {
            return None;
        }
        let sentinel = master.sentinels.find_key(|s| {
            s.reported.runid.as_deref() == Some(&*k.runid)
                && s.addr.port == k.port
                && (*s.addr.ip == *k.ip || s.addr.hostname.eq_ignore_ascii_case(&k.hostname))
        })?;
        Some(Repeat::Heard {
            master: k.master,
            sentinel,
        })
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.known.len()
    }
}
