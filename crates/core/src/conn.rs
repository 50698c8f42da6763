//! A connection of an instance link as the core sees it: its id, which of the link's
//! two connections it is, and the FIFO of what each reply on it is for (redis' reply
//! callbacks, like hiredis' callback queue). The sockets are the daemon's.

use crate::master::InstRef;
use std::collections::VecDeque;

/// One TCP connection of a link; a reconnection gets a new id, so late events from a
/// connection already given up are recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// The two connections of a link: commands, and the `__sentinel__:hello` subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnKind {
    Command,
    PubSub,
}

/// What a reply is for (redis' reply callbacks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    /// AUTH, CLIENT SETNAME, SCRIPT KILL, ...: only the pending count changes.
    Discard,
    Ping,
    Info,
    /// PUBLISH of our hello.
    Publish,
    /// `SENTINEL is-master-down-by-addr` asked to another Sentinel, about the master at
    /// this `ip:port`: an answer arriving after the master moved is about another
    /// instance and is ignored (redis counts it; found by the simulator, seed 2593).
    MasterDown(String),
    /// The hello subscription: every later frame on the connection goes here, so this
    /// entry is never popped.
    Hello,
    /// A planned switchover's CLIENT PAUSE or offset INFO (fast mode).
    Switchover(SwitchoverReply),
}

/// A command waiting for its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub callback: Callback,
    /// The instance the command was sent for, by key: a reply arriving after the table
    /// changed (SENTINEL REMOVE, RESET, a switch) finds its instance or nothing, never
    /// another one that took its name, as redis drops the callbacks of a released
    /// instance.
    pub inst: InstRef,
}

/// One live (or connecting) connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conn {
    pub id: ConnId,
    pub kind: ConnKind,
    pub pending: VecDeque<Pending>,
    /// Our own address on this connection once it is up: what hellos announce when no
    /// `announce-ip` is set.
    pub local_ip: Option<String>,
}

impl Conn {
    pub fn new(id: ConnId, kind: ConnKind) -> Conn {
        Conn {
            id,
            kind,
            pending: VecDeque::new(),
            local_ip: None,
        }
    }
}

/// Which reply of the switchover a pending command waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchoverReply {
    /// `CLIENT PAUSE ... WRITE` on the old master.
    Pause,
    /// INFO from the old master (its offset) or the chosen replica (its progress).
    Offset,
}
