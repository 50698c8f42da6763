//! Runs the user scripts the core asks for: the program itself (no shell) with the
//! arguments given, standard streams on /dev/null, and no other descriptor (Rust opens
//! every file and socket close-on-exec, and what the daemon itself inherited is marked so
//! in the child before exec). Each process is awaited by a local task that
//! reports how it ended; a timed-out one is killed with SIGKILL, as redis does.

use rsentinel_core::{ScriptId, ScriptOutcome};
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use tokio::sync::{mpsc, oneshot};

/// A finished script, for the driver to hand to `Sentinel::script_done`.
pub(crate) type Ended = (ScriptId, ScriptOutcome);

/// The running script processes and the channel their endings come back on.
pub struct Scripts {
    ended_tx: mpsc::UnboundedSender<Ended>,
    ended_rx: Option<mpsc::UnboundedReceiver<Ended>>,
    /// How to kill each running process.
    kills: BTreeMap<ScriptId, oneshot::Sender<()>>,
}

impl Default for Scripts {
    fn default() -> Self {
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        Scripts {
            ended_tx,
            ended_rx: Some(ended_rx),
            kills: BTreeMap::new(),
        }
    }
}

impl Scripts {
    /// The receiving end of the endings, taken once by the driver.
    pub(crate) fn take_receiver(&mut self) -> Option<mpsc::UnboundedReceiver<Ended>> {
        self.ended_rx.take()
    }

    /// Starts a script; returns its pid. Must run inside the daemon's `LocalSet`.
    pub(crate) fn start(
        &mut self,
        id: ScriptId,
        path: &str,
        args: &[String],
    ) -> std::io::Result<u32> {
        // execve takes the path as it is: a bare name means the current directory, not
        // a PATH search; argv[0] stays the configured path.
        let program = if path.contains('/') {
            path.to_string()
        } else {
            format!("./{path}")
        };
        let mut cmd = tokio::process::Command::new(program);
        cmd.arg0(path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let fd_limit = fd_limit();
        #[allow(unsafe_code)] // see the SAFETY comment
        // SAFETY: the closure runs in the forked child before exec and only makes
        // async-signal-safe system calls (close_range, fcntl) on plain integers.
        unsafe {
            cmd.pre_exec(move || {
                cloexec_from_3(fd_limit);
                Ok(())
            });
        }
        let mut child = cmd.spawn()?;
        let pid = child.id().unwrap_or(0);
        let (kill_tx, mut kill_rx) = oneshot::channel();
        self.kills.insert(id, kill_tx);
        let tx = self.ended_tx.clone();
        tokio::task::spawn_local(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                Ok(()) = &mut kill_rx => {
                    // Already exited is fine: wait() then reports how.
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let outcome = match status {
                Ok(st) => match st.signal() {
                    Some(sig) => ScriptOutcome::Signaled(sig),
                    None => ScriptOutcome::Exited(st.code().unwrap_or(0)),
                },
                // The status could not be read: count it as an error, not a retry.
                Err(_) => ScriptOutcome::Exited(2),
            };
            let _ = tx.send((id, outcome));
        });
        Ok(pid)
    }

    /// SIGKILL a running script (it exceeded the run limit); its ending follows.
    pub(crate) fn kill(&mut self, id: ScriptId) {
        if let Some(k) = self.kills.remove(&id) {
            let _ = k.send(());
        }
    }

    /// The script ended: forget how to kill it.
    pub(crate) fn ended(&mut self, id: ScriptId) {
        self.kills.remove(&id);
    }
}

/// Highest descriptor number the process may hold, read before forking (bounded, so the
/// fallback loop below stays short even with a huge limit).
#[allow(unsafe_code)] // see the SAFETY comment
fn fd_limit() -> libc::c_int {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } == 0;
    if ok {
        rl.rlim_cur.min(1 << 20) as libc::c_int
    } else {
        1024
    }
}

/// Marks every descriptor from 3 up close-on-exec in the child, so that descriptors the
/// daemon itself inherited without that flag do not reach the script either.
#[allow(unsafe_code)] // see the SAFETY comment
fn cloexec_from_3(limit: libc::c_int) {
    // SAFETY: plain system calls on descriptor numbers; failures are handled below.
    let done = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    } == 0;
    if !done {
        for fd in 3..limit {
            // SAFETY: fcntl on a number that may not be open just fails with EBADF.
            unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::task::LocalSet::new().block_on(&rt, f)
    }

    #[test]
    fn exit_status_signal_kill_and_spawn_failure() {
        run(async {
            let mut s = Scripts::default();
            let mut rx = s.take_receiver().unwrap_or_else(|| panic!("receiver"));
            let sh = |c: &str| vec!["-c".to_string(), c.to_string()];
            assert!(s.start(ScriptId(1), "/bin/sh", &sh("exit 3")).is_ok());
            assert_eq!(
                rx.recv().await,
                Some((ScriptId(1), ScriptOutcome::Exited(3)))
            );
            assert!(s
                .start(ScriptId(2), "/bin/sh", &sh("kill -TERM $$"))
                .is_ok());
            assert_eq!(
                rx.recv().await,
                Some((ScriptId(2), ScriptOutcome::Signaled(15)))
            );
            assert!(s.start(ScriptId(3), "/bin/sh", &sh("sleep 30")).is_ok());
            s.kill(ScriptId(3));
            assert_eq!(
                rx.recv().await,
                Some((ScriptId(3), ScriptOutcome::Signaled(9)))
            );
            assert!(s.start(ScriptId(4), "/nonexistent/script", &[]).is_err());
            assert!(s.take_receiver().is_none());
        });
    }
}
