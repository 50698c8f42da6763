//! `server_cpulist`: the CPUs the process may run on, set once serving as redis does
//! (`taskset`'s list syntax: `0,2,3`, `0,2-3`, `0-20:2`).

use crate::logger::Logger;

/// Largest CPU number a `cpu_set_t` holds.
const MAX_CPU: usize = 1023;

/// The CPUs of a list, or `None` when it is malformed (redis then leaves the affinity
/// as it is).
pub fn parse(list: &str) -> Option<Vec<usize>> {
    let num = |s: &str| -> Option<usize> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let mut cpus = Vec::new();
    for token in list.split(',') {
        let (range, step) = match token.split_once(':') {
            Some((r, s)) => (r, num(s)?),
            None => (token, 1),
        };
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None if token.contains(':') => return None,
            None => (num(range)?, num(range)?),
        };
        if a > b || step == 0 || b > MAX_CPU {
            return None;
        }
        cpus.extend((a..=b).step_by(step));
    }
    Some(cpus)
}

/// Applies `server_cpulist`; problems are logged and are not fatal (redis ignores them).
#[allow(unsafe_code)] // see the SAFETY comment
pub fn apply(list: &str, log: &Logger) {
    let Some(cpus) = parse(list) else {
        log.warning(&format!(
            "Invalid server_cpulist '{list}': the CPU affinity is left unchanged"
        ));
        return;
    };
    // SAFETY: an all-zero cpu_set_t is empty; CPU_SET only writes inside the set for
    // numbers below CPU_SETSIZE (checked by `parse`); sched_setaffinity reads the set.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in cpus {
            libc::CPU_SET(cpu, &mut set);
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc != 0 {
        log.warning(&format!(
            "Unable to set the CPU affinity to '{list}': {}",
            crate::os_error::strerror(&std::io::Error::last_os_error())
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taskset_lists() {
        assert_eq!(parse("0"), Some(vec![0]));
        assert_eq!(parse("0,2,3"), Some(vec![0, 2, 3]));
        assert_eq!(parse("0,2-3"), Some(vec![0, 2, 3]));
        assert_eq!(parse("0-6:2"), Some(vec![0, 2, 4, 6]));
        for bad in [
            "", "a", "1-", "3-1", "0-4:0", "1:2", "0,,1", "2048", "1 ", "-1",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
