//! What the core asks the daemon to do after a call ([`Output`]): publish and log
//! events, log plain lines, save the configuration, open, write to and close
//! connections, start and kill scripts, and exit on a simulated crash. Kept in one
//! ordered queue so the daemon reproduces redis' log order exactly (e.g. `-monitor`
//! before "configuration saved").

pub use rsentinel_config::LogLevel;

use crate::conn::ConnId;
use bytes::Bytes;
use std::collections::VecDeque;

/// The words of one command sent to an instance. Up to three live inline: a timer run
/// queues a PING and a hello for many instances before any is written, and a vector
/// per command was a heap allocation each, thousands a second at a few hundred masters.
pub type Words = smallvec::SmallVec<[Bytes; 3]>;

/// A Sentinel event, as redis' `sentinelEvent`: published on channel `kind` with message
/// `text` (unless the level is `Debug`), and logged as `<kind> <text>` at `level`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub level: LogLevel,
    /// Event type, also the pub/sub channel: `+monitor`, `+sdown`, ...
    pub kind: String,
    /// The message, e.g. `master mymaster 127.0.0.1 6379 quorum 2`.
    pub text: String,
    /// The master's notification script, set when redis schedules it for this event
    /// (warning level and an instance given); the core has queued `script <kind> <text>`
    /// already, this is for observers.
    pub notification_script: Option<String>,
}

/// How large one reply on a connection may be. Each connection carries a known set of
/// requests, so a tight bound costs nothing and stops a hostile peer from making the
/// event loop decode megabytes (or millions of elements) that no answer could hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyBound {
    /// Bytes of one reply.
    pub bytes: usize,
    /// Elements its arrays declare, nested ones included.
    pub elements: u64,
}

impl ReplyBound {
    /// Command connection to a master or replica: INFO is the largest reply (a few KiB,
    /// about 100 bytes more per replica: 2 MiB leaves room for 10,000s of them); the
    /// largest array is the reply to the SLAVEOF transaction's EXEC.
    pub const INSTANCE_COMMANDS: ReplyBound = ReplyBound {
        bytes: 2 * 1024 * 1024,
        elements: 64,
    };
    /// Hello subscription (`message`, channel, a hello under 1 KiB) and command
    /// connections to other Sentinels (PONG, the 3-element vote reply).
    pub const SMALL: ReplyBound = ReplyBound {
        bytes: 64 * 1024,
        elements: 64,
    };
}

/// One output of the core, to be handled in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Event(Event),
    /// A plain log line (not an event): e.g. `Sentinel ID is ...`.
    Log {
        level: LogLevel,
        text: String,
    },
    /// Rewrite the config file now from [`crate::Sentinel::settings`] and fsync it, as redis'
    /// `sentinelFlushConfig` (logs "Sentinel new configuration saved on disk" or the warning).
    FlushConfig,
    /// The same rewrite without the "saved on disk" notice: a save rsentinel makes where
    /// redis makes none (a config epoch learnt from a hello), so the log stays redis'.
    /// A failure is still logged.
    SaveConfigQuietly,
    /// Open a TCP connection to an instance; report it with `conn_up`/`conn_down`.
    /// Commands for it may follow at once and are to be written once it is up.
    Connect {
        conn: ConnId,
        host: String,
        port: u16,
        /// The largest reply the connection may deliver; a larger one is a hostile or
        /// broken peer, and the connection is to be dropped at once.
        bound: ReplyBound,
    },
    /// Write one command on a connection; its reply goes to `conn_frame`.
    Send {
        conn: ConnId,
        args: Words,
    },
    /// Close a connection; no further events are expected for it.
    Close(ConnId),
    /// Start `path` with these arguments (no shell), stdio on /dev/null, no other
    /// descriptors; report `script_started` with its pid, then `script_done`. A failure to
    /// start is reported to `script_done` as exit status 2.
    RunScript {
        id: crate::script_queue::ScriptId,
        path: String,
        args: Vec<String>,
    },
    /// Kill that script's process with SIGKILL (it timed out); `script_done` follows.
    KillScript {
        id: crate::script_queue::ScriptId,
    },
    /// `SENTINEL SIMULATE-FAILURE`: exit the process at once with status 99, as redis
    /// does, leaving whatever was not saved unsaved.
    Crash,
}

/// The outputs waiting for the daemon, in the order produced.
#[derive(Debug, Default)]
pub(crate) struct OutputQueue {
    queue: VecDeque<Output>,
    /// How many saves ([`Output::FlushConfig`], [`Output::SaveConfigQuietly`]) wait in
    /// `queue`.
    flushes: usize,
    /// A skipped save announced itself: the save that replaces it must too.
    announce: bool,
}

fn is_save(out: &Output) -> bool {
    matches!(out, Output::FlushConfig | Output::SaveConfigQuietly)
}

impl OutputQueue {
    pub(crate) fn push(&mut self, out: Output) {
        if is_save(&out) {
            self.flushes += 1;
        }
        self.queue.push_back(out);
    }

    /// The next output. A config save followed by another one still queued is
    /// skipped: a save writes the state as it is when carried out, so the last one
    /// writes everything the earlier ones would have, and a burst of changes (a
    /// replica discovered on each of K masters) costs one rewrite of the file instead
    /// of K. A quiet save that replaces an announced one is announced.
    pub(crate) fn pop(&mut self) -> Option<Output> {
        loop {
            let out = self.queue.pop_front()?;
            if is_save(&out) {
                self.flushes = self.flushes.saturating_sub(1);
                let announced = matches!(out, Output::FlushConfig) || self.announce;
                if self.flushes > 0 {
                    self.announce = announced;
                    continue;
                }
                self.announce = false;
                if announced {
                    return Some(Output::FlushConfig);
                }
            }
            return Some(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut OutputQueue) -> Vec<Output> {
        std::iter::from_fn(|| q.pop()).collect()
    }

    fn log(text: &str) -> Output {
        Output::Log {
            level: LogLevel::Notice,
            text: text.into(),
        }
    }

    #[test]
    fn queued_saves_collapse_into_the_last_and_keep_the_notice() {
        let mut q = OutputQueue::default();
        q.push(Output::FlushConfig);
        q.push(log("a"));
        q.push(Output::SaveConfigQuietly);
        // The quiet save stands for the announced one before it, so it is announced.
        assert_eq!(drain(&mut q), [log("a"), Output::FlushConfig]);

        q.push(Output::SaveConfigQuietly);
        q.push(Output::SaveConfigQuietly);
        assert_eq!(drain(&mut q), [Output::SaveConfigQuietly]);

        q.push(Output::SaveConfigQuietly);
        q.push(Output::FlushConfig);
        q.push(log("b"));
        assert_eq!(drain(&mut q), [Output::FlushConfig, log("b")]);
        // Nothing carries over to a later, separate save.
        q.push(Output::SaveConfigQuietly);
        assert_eq!(drain(&mut q), [Output::SaveConfigQuietly]);
    }
}
