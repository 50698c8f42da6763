//! Raising the open-files limit at start, as redis' `adjustOpenFilesLimit`: every client,
//! instance link, script pipe and log write needs a descriptor, and a Sentinel that runs
//! out of them stops accepting clients, cannot reconnect to a restarted master and loses
//! its log lines. When the limit cannot be raised far enough, `maxclients` is lowered so
//! that clients alone can never exhaust it, with redis' own log lines.

use crate::logger::Logger;

/// Descriptors kept back from clients for links, the log, the config rewrite and
/// scripts (redis' `CONFIG_MIN_RESERVED_FDS`).
pub const RESERVED_FDS: u64 = 32;

/// What the process may do with its limit; the real one is [`OsLimit`], tests use fakes.
pub trait NofileLimit {
    /// The current soft limit.
    fn current(&self) -> std::io::Result<u64>;
    /// Sets soft and hard limit to `n` (as redis does).
    fn set(&mut self, n: u64) -> std::io::Result<()>;
}

/// The process' real `RLIMIT_NOFILE`.
pub struct OsLimit;

impl NofileLimit for OsLimit {
    #[allow(unsafe_code)] // see the SAFETY comment
    fn current(&self) -> std::io::Result<u64> {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct we pass.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(l.rlim_cur)
    }

    #[allow(unsafe_code)] // see the SAFETY comment
    fn set(&mut self, n: u64) -> std::io::Result<()> {
        let l = libc::rlimit {
            rlim_cur: n,
            rlim_max: n,
        };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &l) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Raises the limit to `maxclients` + [`RESERVED_FDS`] or as close as the system allows;
/// returns the `maxclients` to enforce, or `None` when even the reserve does not fit
/// (start-up must stop; the reason is logged).
pub fn adjust(limit: &mut dyn NofileLimit, maxclients: u32, log: &Logger) -> Option<u32> {
    let wanted = u64::from(maxclients) + RESERVED_FDS;
    let old = match limit.current() {
        Ok(n) => n,
        Err(e) => {
            log.warning(&format!(
                "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients configuration accordingly.",
                crate::os_error::strerror(&e)
            ));
            return Some((1024 - RESERVED_FDS) as u32);
        }
    };
    if old >= wanted {
        return Some(maxclients);
    }
    let mut best = wanted;
    let mut error = None;
    while best > old {
        match limit.set(best) {
            Ok(()) => break,
            Err(e) => error = Some(e),
        }
        if best < 16 {
            best = old;
            break;
        }
        best -= 16;
    }
    best = best.max(old);
    if best >= wanted {
        log.notice(&format!(
            "Increased maximum number of open files to {wanted} (it was originally set to {old})."
        ));
        return Some(maxclients);
    }
    if best <= RESERVED_FDS {
        log.warning(&format!(
            "Your current 'ulimit -n' of {old} is not enough for the server to start. Please increase your open file limit to at least {wanted}. Exiting."
        ));
        return None;
    }
    let reduced = u32::try_from(best - RESERVED_FDS).unwrap_or(u32::MAX);
    let why = error
        .map(|e| crate::os_error::strerror(&e))
        .unwrap_or_default();
    log.warning(&format!(
        "You requested maxclients of {maxclients} requiring at least {wanted} max file descriptors."
    ));
    log.warning(&format!(
        "Server can't set maximum open files to {wanted} because of OS error: {why}."
    ));
    log.warning(&format!(
        "Current maximum open files is {best}. maxclients has been reduced to {reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."
    ));
    Some(reduced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsentinel_config::LogLevel;

    /// A limit with a hard ceiling, as an unprivileged process has.
    struct Fake {
        soft: u64,
        hard: u64,
    }

    impl NofileLimit for Fake {
        fn current(&self) -> std::io::Result<u64> {
            Ok(self.soft)
        }
        fn set(&mut self, n: u64) -> std::io::Result<()> {
            if n > self.hard {
                return Err(std::io::Error::from_raw_os_error(libc::EPERM));
            }
            self.soft = n;
            self.hard = n;
            Ok(())
        }
    }

    fn quiet() -> Logger {
        Logger::new("/dev/null", LogLevel::Warning)
    }

    #[test]
    fn raises_to_maxclients_plus_reserve() {
        let mut l = Fake {
            soft: 128,
            hard: 1 << 20,
        };
        assert_eq!(adjust(&mut l, 10000, &quiet()), Some(10000));
        assert_eq!(l.soft, 10032);
    }

    #[test]
    fn a_low_hard_limit_lowers_maxclients() {
        let mut l = Fake {
            soft: 128,
            hard: 1000,
        };
        // 10032 down in steps of 16 until it fits: 992, leaving 960 for clients.
        assert_eq!(adjust(&mut l, 10000, &quiet()), Some(960));
        assert_eq!(l.soft, 992);
    }

    #[test]
    fn enough_already_changes_nothing() {
        let mut l = Fake {
            soft: 20000,
            hard: 20000,
        };
        assert_eq!(adjust(&mut l, 10000, &quiet()), Some(10000));
        assert_eq!(l.soft, 20000);
    }

    #[test]
    fn too_few_for_the_reserve_stops_the_start() {
        let mut l = Fake { soft: 20, hard: 20 };
        assert_eq!(adjust(&mut l, 10000, &quiet()), None);
    }
}
