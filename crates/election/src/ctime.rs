//! The time format of the "Next failover delay" log line: C's `ctime_r` without its
//! newline (`Mon Nov 23 11:38:18 2026`), in local time. The UTC offset comes from the
//! caller (the daemon knows the time zone), keeping this crate free of clocks.

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The whole log line redis writes while a new failover attempt must wait:
/// `Next failover delay: I will not start a failover before <ctime>`.
pub fn next_failover_delay_text(not_before_secs: i64, utc_offset_secs: i64) -> String {
    format!(
        "Next failover delay: I will not start a failover before {}",
        ctime(not_before_secs, utc_offset_secs)
    )
}

/// `ctime_r` of `unix_secs` shifted by `utc_offset_secs`, without the trailing newline:
/// glibc's `"%.3s %.3s%3d %.2d:%.2d:%.2d %d"` (the day of the month padded with a
/// space to width 2).
pub fn ctime(unix_secs: i64, utc_offset_secs: i64) -> String {
    let local = i128::from(unix_secs) + i128::from(utc_offset_secs);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    format!(
        "{} {}{:>3} {:02}:{:02}:{:02} {}",
        DAYS[weekday],
        MONTHS[(month - 1) as usize],
        day,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        year
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`): `(year, month 1-12, day 1-31)`.
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_glibc() {
        // From a real redis-sentinel 7.0.15 log (TZ=UTC): the attempt started at
        // 11:38:14.550 with a 2 s failover timeout.
        assert_eq!(
            next_failover_delay_text(1_795_433_898, 0),
            "Next failover delay: I will not start a failover before Mon Nov 23 11:38:18 2026"
        );
        assert_eq!(ctime(0, 0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(ctime(951_782_400, 0), "Tue Feb 29 00:00:00 2000");
        assert_eq!(ctime(-1, 0), "Wed Dec 31 23:59:59 1969");
        assert_eq!(ctime(0, 3_600 + 1_800), "Thu Jan  1 01:30:00 1970");
        assert_eq!(ctime(4_102_444_799, 0), "Thu Dec 31 23:59:59 2099");
    }

    #[test]
    fn total_on_extreme_values() {
        assert!(!ctime(i64::MAX, i64::MAX).is_empty());
        assert!(!ctime(i64::MIN, i64::MIN).is_empty());
    }

    #[test]
    fn matches_the_system_ctime() {
        // Cross-check a spread of instants against the `date` tool when present.
        for secs in [
            86_399i64,
            1_000_000_000,
            1_234_567_890,
            1_795_433_898,
            2_000_000_000,
        ] {
            let Ok(out) = std::process::Command::new("date")
                .env("TZ", "UTC")
                .env("LC_ALL", "C")
                .args(["-d", &format!("@{secs}"), "+%a %b %e %H:%M:%S %Y"])
                .output()
            else {
                return;
            };
            let want = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
            assert_eq!(ctime(secs, 0), want, "{secs}");
        }
    }
}
