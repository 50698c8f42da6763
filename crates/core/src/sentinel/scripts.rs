//! Running the user scripts (notification and client-reconfig scripts) from the
//! [`crate::script_queue::ScriptQueue`]: scheduling, starting due jobs, killing those running too long, and
//! the daemon's reports of started and ended processes. The queue decides everything
//! else, so the rules run the same in virtual time.

use rsentinel_resp::Frame;

use crate::event::{LogLevel, Output};
use crate::master::MasterKey;
use crate::script_queue::{retry_delay, ScriptId, ScriptOutcome, MAX_RETRY, MAX_RUNNING};
use crate::sentinel::Sentinel;

impl Sentinel {
    /// Queue a script run: `path args...`.
    pub(crate) fn schedule_script(&mut self, path: &str, args: Vec<String>) {
        self.scripts.schedule(path, args);
    }

    /// `sentinelCallClientReconfScript`: the master's client-reconfig-script, if any,
    /// as `<master> <role> <state> <from-ip> <from-port> <to-ip> <to-port>`.
    pub(crate) fn client_reconfig_script(&mut self, m: MasterKey, args: Vec<String>) {
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
            self.outputs.push(Output::RunScript { id, path, args });
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
            self.outputs.push(Output::KillScript { id });
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
