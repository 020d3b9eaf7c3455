//! The wall-clock time stamps nexo messages carry (RFC 3339, UTC, milliseconds), without a date
//! library: days since the epoch to a civil date (Howard Hinnant's algorithm).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_rfc3339() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_utc(since.as_secs() as i64, since.subsec_millis())
}

pub fn format_utc(seconds: i64, millis: u32) -> String {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_dates() {
        assert_eq!(super::format_utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::format_utc(1_795_990_815, 7),
            "2026-11-29T22:20:15.007Z"
        );
        assert_eq!(
            super::format_utc(951_782_400, 0),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
