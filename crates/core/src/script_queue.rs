//! The user script queue of redis 7.0.15 (notification and client-reconfig scripts) as
//! pure state: jobs wait in a bounded FIFO, at most 16 run at once, a script exiting 1 or
//! killed by a signal is retried with an exponential backoff, and one running too long is
//! killed. The daemon starts and kills processes on request and reports back.

use std::collections::VecDeque;

/// `SENTINEL_SCRIPT_MAX_QUEUE`: beyond this the oldest waiting job is dropped.
pub const MAX_QUEUE: usize = 256;
/// `SENTINEL_SCRIPT_MAX_RUNNING`.
pub const MAX_RUNNING: u32 = 16;
/// `SENTINEL_SCRIPT_MAX_RETRY`: attempts in all, the first included.
pub const MAX_RETRY: u32 = 10;

/// Identifies one job for the daemon's whole life (a retry keeps its id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScriptId(pub u64);

/// How a script process ended, as `waitpid` tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// Exited with this status: 0 done, 1 retry, anything else an error.
    Exited(i32),
    /// Killed by this signal: retried.
    Signaled(i32),
}

/// One script run, retried under the same id.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) id: ScriptId,
    /// The path, then the arguments.
    pub(crate) argv: Vec<String>,
    pub(crate) running: bool,
    /// Attempts so far.
    pub(crate) retry_num: u32,
    /// When the running attempt started, or when a retry may start; 0 never ran.
    pub(crate) start_time: u64,
    /// The process id while running (0 until the daemon reports it).
    pub(crate) pid: u32,
}

/// The queue; lives in the Sentinel.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScriptQueue {
    pub(crate) jobs: VecDeque<Job>,
    pub(crate) running: u32,
    next_id: u64,
}

/// `sentinelScriptRetryDelay`: the base delay doubled for every attempt after the first.
pub(crate) fn retry_delay(base: u64, retry_num: u32) -> u64 {
    let doublings = retry_num.saturating_sub(1).min(63);
    base.saturating_mul(1u64 << doublings)
}

impl ScriptQueue {
    pub(crate) fn running(&self) -> u32 {
        self.running
    }

    pub(crate) fn len(&self) -> usize {
        self.jobs.len()
    }

    /// `sentinelScheduleScriptExecution`: append a job; past the bound the oldest job
    /// not running is dropped.
    pub(crate) fn schedule(&mut self, path: &str, args: Vec<String>) {
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(path.to_string());
        argv.extend(args);
        self.next_id += 1;
        self.jobs.push_back(Job {
            id: ScriptId(self.next_id),
            argv,
            running: false,
            retry_num: 0,
            start_time: 0,
            pid: 0,
        });
        if self.jobs.len() > MAX_QUEUE {
            if let Some(i) = self.jobs.iter().position(|j| !j.running) {
                self.jobs.remove(i);
            }
        }
    }

    pub(crate) fn find(&mut self, id: ScriptId) -> Option<usize> {
        self.jobs.iter().position(|j| j.id == id && j.running)
    }
}
