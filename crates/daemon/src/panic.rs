//! A panic anywhere ends the process, logged. Tokio would otherwise end only the task that
//! panicked and leave a Sentinel that answers PING while nothing monitors its masters: a
//! supervisor can restart a dead process, but cannot tell a half-alive one from a healthy
//! one.

use crate::logger::Logger;

/// Exit status after a panic (redis exits 1 when `crash-log-enabled` handling ends).
pub const PANIC_EXIT: i32 = 1;

/// Logs any panic the way redis logs `serverPanic`, then exits with [`PANIC_EXIT`].
pub fn install(log: Logger) {
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        log.warning("------------------------------------------------");
        log.warning("!!! Software Failure. Press left mouse button to continue");
        log.warning(&format!("Guru Meditation: {what} #{at}"));
        std::process::exit(PANIC_EXIT);
    }));
}

/// Environment variable naming a delay in milliseconds after which a task panics: the
/// tests' way to check that a panic in one task is a logged exit, never a half-alive
/// process. Nothing else reads it.
pub const INJECT_ENV: &str = "RSENTINEL_INJECT_PANIC_MS";

/// Spawns the panicking task when [`INJECT_ENV`] asks for one.
pub fn inject_if_asked() {
    let Some(ms) = std::env::var(INJECT_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    tokio::task::spawn_local(async move {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        panic!("panic injected by {INJECT_ENV}");
    });
}
