//! `oom-score-adj`: the score the kernel's OOM killer gives this process, set once
//! serving as redis does (a Sentinel is in redis' master class), so a memory-starved host
//! kills the data servers before the process that would fail them over.

use crate::logger::Logger;

const PATH: &str = "/proc/self/oom_score_adj";

/// The score to write: `mode` 1 (relative) adds `value` to the score the process had,
/// 2 (absolute) takes it as is; clamped to the kernel's range. `None` for mode 0.
pub fn score(mode: u32, value: i64, base: i64) -> Option<i64> {
    let v = match mode {
        1 => value + base,
        2 => value,
        _ => return None,
    };
    Some(v.clamp(-1000, 1000))
}

/// Applies the setting; failures are logged with redis' warnings and are not fatal.
pub fn apply(mode: u32, value: i64, log: &Logger) {
    if mode == 0 {
        return;
    }
    let base = match std::fs::read_to_string(PATH) {
        // atoi(): a malformed file counts as 0.
        Ok(text) => text.trim().parse::<i64>().unwrap_or(0),
        Err(e) => {
            log.warning(&format!(
                "Unable to read oom_score_adj: {}",
                crate::os_error::strerror(&e)
            ));
            return;
        }
    };
    let Some(v) = score(mode, value, base) else {
        return;
    };
    if let Err(e) = std::fs::write(PATH, format!("{v}\n")) {
        log.warning(&format!(
            "Unable to write oom_score_adj: {}",
            crate::os_error::strerror(&e)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_adds_and_everything_is_clamped() {
        assert_eq!(score(0, 100, 5), None);
        assert_eq!(score(2, 100, 5), Some(100));
        assert_eq!(score(1, 100, 5), Some(105));
        assert_eq!(score(1, 900, 500), Some(1000));
        assert_eq!(score(2, -2000, 0), Some(-1000));
    }
}
