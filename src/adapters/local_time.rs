//! The local time of day, for the screen's night schedule: the one place the terminal asks the
//! wall clock and the time zone (the core only ever gets the answer).

use countertop_core::TimeOfDay;

/// Now, in the device's time zone (`TZ`, else `/etc/localtime`; UTC when neither is set).
#[cfg(target_os = "linux")]
pub fn now() -> TimeOfDay {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let Ok(t) = libc::time_t::try_from(seconds) else {
        return utc(seconds);
    };
    // SAFETY: `localtime_r` only reads `t` and writes the `tm` it is given, both owned here
    // and valid for the call; it is the thread-safe variant (no shared static result).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let converted = unsafe { libc::localtime_r(&t, &mut tm) };
    if converted.is_null() {
        return utc(seconds);
    }
    let field = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
    // A leap second (tm_sec 60) counts as the last second of its minute.
    TimeOfDay::from_hms(
        field(tm.tm_hour),
        field(tm.tm_min),
        field(tm.tm_sec).min(59),
    )
    .unwrap_or_else(|| utc(seconds))
}

#[cfg(not(target_os = "linux"))]
pub fn now() -> TimeOfDay {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    utc(seconds)
}

fn utc(seconds: u64) -> TimeOfDay {
    let of_day = (seconds % 86_400) as u32;
    TimeOfDay::from_hms(of_day / 3600, of_day / 60 % 60, of_day % 60)
        .unwrap_or_else(|| TimeOfDay::from_hms(0, 0, 0).expect("midnight is a time"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_local_time_follows_tz() {
        // Only checks what does not depend on the machine's zone: a valid time comes back, and
        // UTC arithmetic is right.
        let t = super::now();
        assert!(t.seconds() < 86_400);
        assert_eq!(super::utc(86_400 + 3_723).to_string(), "01:02");
    }
}
