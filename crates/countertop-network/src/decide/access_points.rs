//! The Wi-Fi list the UI shows: one entry per SSID, hidden networks dropped, sorted.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use super::security::classify;
use super::signal::signal_percent;
use crate::types::AccessPoint;

/// What the actor read from one access point object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApObservation {
    pub ssid: Vec<u8>,
    pub strength: u8,
    pub flags: u32,
    pub wpa_flags: u32,
    pub rsn_flags: u32,
}

/// An SSID as text, or `None` for a hidden network (empty, or only NUL bytes). SSIDs are raw
/// bytes; non-UTF-8 ones are shown lossily. A trailing NUL (some tools add one) is dropped.
pub fn ssid_text(bytes: &[u8]) -> Option<String> {
    let trimmed = match bytes.iter().rposition(|&b| b != 0) {
        Some(last) => &bytes[..=last],
        None => return None,
    };
    Some(String::from_utf8_lossy(trimmed).into_owned())
}

/// One entry per SSID (its strongest access point), hidden SSIDs dropped; active first, then
/// by signal descending, then by SSID so the order is stable.
pub fn access_point_list(
    observed: &[ApObservation],
    known: &HashSet<String>,
    active_ssid: Option<&str>,
) -> Vec<AccessPoint> {
    let mut strongest: HashMap<String, &ApObservation> = HashMap::new();
    for ap in observed {
        let Some(ssid) = ssid_text(&ap.ssid) else {
            continue;
        };
        let slot = strongest.entry(ssid).or_insert(ap);
        if ap.strength > slot.strength {
            *slot = ap;
        }
    }
    let mut list: Vec<AccessPoint> = strongest
        .into_iter()
        .map(|(ssid, ap)| AccessPoint {
            known: known.contains(&ssid),
            active: active_ssid == Some(ssid.as_str()),
            signal_percent: signal_percent(ap.strength),
            security: classify(ap.flags, ap.wpa_flags, ap.rsn_flags),
            ssid,
        })
        .collect();
    list.sort_by(|a, b| {
        (Reverse(a.active), Reverse(a.signal_percent), &a.ssid).cmp(&(
            Reverse(b.active),
            Reverse(b.signal_percent),
            &b.ssid,
        ))
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::WifiSecurity;

    fn ap(ssid: &[u8], strength: u8, rsn: u32) -> ApObservation {
        ApObservation {
            ssid: ssid.to_vec(),
            strength,
            flags: u32::from(rsn != 0),
            wpa_flags: 0,
            rsn_flags: rsn,
        }
    }

    #[test]
    fn hidden_ssids_are_none_and_trailing_nul_is_dropped() {
        assert_eq!(ssid_text(b""), None);
        assert_eq!(ssid_text(&[0, 0, 0]), None);
        assert_eq!(ssid_text(b"Shop\0").as_deref(), Some("Shop"));
        assert_eq!(
            ssid_text(&[0x43, 0x61, 0x66, 0xe9]).as_deref(),
            Some("Caf\u{fffd}")
        );
    }

    #[test]
    fn dedupes_by_ssid_keeping_the_strongest_and_sorts() {
        let observed = vec![
            ap(b"Shop", 40, 0x100),
            ap(b"Guest", 35, 0),
            ap(b"", 99, 0),
            ap(b"Shop", 82, 0x100),
            ap(b"Back", 82, 0x400),
            ap(b"Corp", 60, 0x200),
        ];
        let known: HashSet<String> = ["Guest".to_owned()].into();
        let list = access_point_list(&observed, &known, Some("Guest"));
        let summary: Vec<(&str, u8, WifiSecurity, bool, bool)> = list
            .iter()
            .map(|a| {
                (
                    a.ssid.as_str(),
                    a.signal_percent,
                    a.security,
                    a.known,
                    a.active,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("Guest", 35, WifiSecurity::Open, true, true),
                ("Back", 82, WifiSecurity::Wpa3Personal, false, false),
                ("Shop", 82, WifiSecurity::Wpa2Personal, false, false),
                ("Corp", 60, WifiSecurity::Enterprise, false, false),
            ]
        );
    }

    #[test]
    fn nothing_observed_is_an_empty_list() {
        assert!(access_point_list(&[], &HashSet::new(), None).is_empty());
    }
}
