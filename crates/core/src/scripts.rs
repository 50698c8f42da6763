//! The user script queue of redis 7.0.15 (notification and client-reconfig scripts) as
//! pure state: jobs wait in a bounded FIFO, at most 16 run at once, a script exiting 1 or
//! killed by a signal is retried with an exponential backoff, and one running too long is
//! killed. The daemon starts and kills processes on request and reports back; the queue
//! decides everything else, so the rules run the same in virtual time.

use std::collections::VecDeque;

use rsentinel_resp::Frame;

use crate::event::{LogLevel, Output};
use crate::sentinel::Sentinel;

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

#[derive(Clone, Debug)]
struct Job {
    id: ScriptId,
    /// The path, then the arguments.
    argv: Vec<String>,
    running: bool,
    /// Attempts so far.
    retry_num: u32,
    /// When the running attempt started, or when a retry may start; 0 never ran.
    start_time: u64,
    /// The process id while running (0 until the daemon reports it).
    pid: u32,
}

/// The queue; lives in the [`Sentinel`].
#[derive(Clone, Debug, Default)]
pub(crate) struct ScriptQueue {
    jobs: VecDeque<Job>,
    running: u32,
    next_id: u64,
}

/// `sentinelScriptRetryDelay`: the base delay doubled for every attempt after the first.
fn retry_delay(base: u64, retry_num: u32) -> u64 {
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
    fn schedule(&mut self, path: &str, args: Vec<String>) {
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

    fn find(&mut self, id: ScriptId) -> Option<usize> {
        self.jobs.iter().position(|j| j.id == id && j.running)
    }
}

impl Sentinel {
    /// Queue a script run: `path args...`.
    pub(crate) fn schedule_script(&mut self, path: &str, args: Vec<String>) {
        self.scripts.schedule(path, args);
    }

    /// `sentinelCallClientReconfScript`: the master's client-reconfig-script, if any,
    /// as `<master> <role> <state> <from-ip> <from-port> <to-ip> <to-port>`.
    pub(crate) fn client_reconfig_script(&mut self, m: usize, args: Vec<String>) {
        if let Some(path) = self
            .masters
            .get(m)
            .and_then(|ms| ms.client_reconfig_script.clone())
        {
            self.schedule_script(&path, args);
        }
    }

    /// `sentinelRunPendingScripts` then `sentinelKillTimedoutScripts`, from the timer.
    pub(crate) fn run_scripts(&mut self, now: u64) {
        let mut i = 0;
        while self.scripts.running < MAX_RUNNING && i < self.scripts.jobs.len() {
            let job = &mut self.scripts.jobs[i];
            i += 1;
            if job.running || (job.start_time != 0 && job.start_time > now) {
                continue;
            }
            job.running = true;
            job.start_time = now;
            job.retry_num += 1;
            job.pid = 0;
            let (id, path, args) = (job.id, job.argv[0].clone(), job.argv[1..].to_vec());
            self.scripts.running += 1;
            self.outputs.push_back(Output::RunScript { id, path, args });
        }
        let max = self.timing.script_max_runtime;
        let timed_out: Vec<(ScriptId, String, u32)> = self
            .scripts
            .jobs
            .iter()
            .filter(|j| j.running && now.saturating_sub(j.start_time) > max)
            .map(|j| (j.id, j.argv[0].clone(), j.pid))
            .collect();
        for (id, path, pid) in timed_out {
            self.event(
                LogLevel::Warning,
                "-script-timeout",
                None,
                format!("{path} {pid}"),
            );
            self.outputs.push_back(Output::KillScript { id });
        }
    }

    /// The daemon started job `id` as process `pid` (`+script-child`, a debug event).
    pub fn script_started(&mut self, id: ScriptId, pid: u32) {
        if let Some(i) = self.scripts.find(id) {
            self.scripts.jobs[i].pid = pid;
            self.event(LogLevel::Debug, "+script-child", None, pid.to_string());
        }
    }

    /// Job `id` ended (`sentinelCollectTerminatedScripts`): exit 1 or a signal retries
    /// it after the backoff unless it used its attempts; otherwise it leaves the queue,
    /// with `-script-error` unless it exited 0. A process that could not be started is
    /// reported as exit status 2, as redis' child does when `execve` fails.
    pub fn script_done(&mut self, id: ScriptId, outcome: ScriptOutcome, now: u64) {
        let Some(i) = self.scripts.find(id) else {
            return;
        };
        let (code, signal) = match outcome {
            ScriptOutcome::Exited(c) => (c, 0),
            ScriptOutcome::Signaled(s) => (0, s),
        };
        let pid = self.scripts.jobs[i].pid;
        self.event(
            LogLevel::Debug,
            "-script-child",
            None,
            format!("{pid} {code} {signal}"),
        );
        let base = self.timing.script_retry_delay;
        let job = &mut self.scripts.jobs[i];
        if (signal != 0 || code == 1) && job.retry_num != MAX_RETRY {
            job.running = false;
            job.pid = 0;
            job.start_time = now.saturating_add(retry_delay(base, job.retry_num));
        } else {
            let path = job.argv[0].clone();
            self.scripts.jobs.remove(i);
            if signal != 0 || code != 0 {
                self.event(
                    LogLevel::Warning,
                    "-script-error",
                    None,
                    format!("{path} {signal} {code}"),
                );
            }
        }
        self.scripts.running = self.scripts.running.saturating_sub(1);
    }

    /// Scripts running now and jobs queued (running ones included), for INFO.
    pub fn script_counts(&self) -> (u32, usize) {
        (self.scripts.running(), self.scripts.len())
    }

    /// `SENTINEL PENDING-SCRIPTS`: per job argv, flags, pid, run-time or run-delay,
    /// retry-num; numbers as bulk strings, as redis replies them.
    pub(crate) fn pending_scripts_reply(&self, now: u64) -> Frame {
        let num = |n: u64| Frame::bulk_str(&n.to_string());
        let jobs = self.scripts.jobs.iter().map(|j| {
            let timing = if j.running {
                ("run-time", num(now.saturating_sub(j.start_time)))
            } else {
                ("run-delay", num(j.start_time.saturating_sub(now)))
            };
            Frame::Map(vec![
                (Frame::bulk_str("argv"), Frame::bulk_array(j.argv.iter())),
                (
                    Frame::bulk_str("flags"),
                    Frame::bulk_str(if j.running { "running" } else { "scheduled" }),
                ),
                (Frame::bulk_str("pid"), num(u64::from(j.pid))),
                (Frame::bulk_str(timing.0), timing.1),
                (Frame::bulk_str("retry-num"), num(u64::from(j.retry_num))),
            ])
        });
        Frame::Array(jobs.collect())
    }
}

#[cfg(test)]
#[path = "scripts_tests.rs"]
mod tests;
