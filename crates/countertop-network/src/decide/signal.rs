//! Wi-Fi signal strength: NetworkManager reports percent already; the UI draws bars.

/// NetworkManager's `Strength` as a percentage the UI can trust (never above 100).
pub fn signal_percent(strength: u8) -> u8 {
    strength.min(100)
}

/// 0..=4 bars, with the thresholds nmcli uses so the terminal and `nmcli dev wifi` agree.
pub fn signal_bars(percent: u8) -> u8 {
    match percent {
        81.. => 4,
        56..=80 => 3,
        31..=55 => 2,
        6..=30 => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_clamped() {
        assert_eq!(signal_percent(0), 0);
        assert_eq!(signal_percent(73), 73);
        assert_eq!(signal_percent(255), 100);
    }

    #[test]
    fn bars_follow_nmcli_thresholds() {
        let bars: Vec<u8> = [0, 5, 6, 30, 31, 55, 56, 80, 81, 100]
            .iter()
            .map(|&p| signal_bars(p))
            .collect();
        assert_eq!(bars, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }
}
