//! Which security a Wi-Fi network uses, from the access point's `Flags`, `WpaFlags` and
//! `RsnFlags` (NetworkManager's `NM80211ApFlags` / `NM80211ApSecurityFlags`).

use crate::types::WifiSecurity;

pub const AP_FLAGS_PRIVACY: u32 = 0x1;
pub const KEY_MGMT_PSK: u32 = 0x100;
pub const KEY_MGMT_802_1X: u32 = 0x200;
pub const KEY_MGMT_SAE: u32 = 0x400;
pub const KEY_MGMT_OWE: u32 = 0x800;
pub const KEY_MGMT_OWE_TM: u32 = 0x1000;
pub const KEY_MGMT_EAP_SUITE_B_192: u32 = 0x2000;

pub fn classify(flags: u32, wpa_flags: u32, rsn_flags: u32) -> WifiSecurity {
    let key_mgmt = wpa_flags | rsn_flags;
    if key_mgmt & (KEY_MGMT_802_1X | KEY_MGMT_EAP_SUITE_B_192) != 0 {
        WifiSecurity::Enterprise
    } else if key_mgmt & KEY_MGMT_PSK != 0 {
        // Includes WPA2/WPA3 transition networks (PSK and SAE): they are joined with WPA2-PSK,
        // which every Wi-Fi driver supports, while SAE needs driver support.
        WifiSecurity::Wpa2Personal
    } else if key_mgmt & KEY_MGMT_SAE != 0 {
        WifiSecurity::Wpa3Personal
    } else if key_mgmt & (KEY_MGMT_OWE | KEY_MGMT_OWE_TM) != 0 {
        WifiSecurity::Other
    } else if flags & AP_FLAGS_PRIVACY != 0 {
        // Privacy without WPA/RSN key management: WEP.
        WifiSecurity::Other
    } else {
        WifiSecurity::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CCMP: u32 = 0x8 | 0x80;

    #[test]
    fn open_network() {
        assert_eq!(classify(0, 0, 0), WifiSecurity::Open);
    }

    #[test]
    fn wpa2_personal_as_real_aps_and_dbusmock_report_it() {
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0, CCMP | KEY_MGMT_PSK),
            WifiSecurity::Wpa2Personal
        );
        // python-dbusmock puts the same value in both WpaFlags and RsnFlags.
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0x100, 0x100),
            WifiSecurity::Wpa2Personal
        );
        // WPA1 only.
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0x4 | 0x40 | KEY_MGMT_PSK, 0),
            WifiSecurity::Wpa2Personal
        );
    }

    #[test]
    fn wpa3_is_sae_key_management() {
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0, CCMP | KEY_MGMT_SAE),
            WifiSecurity::Wpa3Personal
        );
        // Transition mode is joined as WPA2.
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0, CCMP | KEY_MGMT_SAE | KEY_MGMT_PSK),
            WifiSecurity::Wpa2Personal
        );
    }

    #[test]
    fn enterprise_wins_over_everything() {
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0, CCMP | KEY_MGMT_802_1X),
            WifiSecurity::Enterprise
        );
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0, CCMP | KEY_MGMT_802_1X | KEY_MGMT_PSK),
            WifiSecurity::Enterprise
        );
        assert_eq!(
            classify(AP_FLAGS_PRIVACY, 0, KEY_MGMT_EAP_SUITE_B_192),
            WifiSecurity::Enterprise
        );
    }

    #[test]
    fn wep_and_owe_are_other() {
        assert_eq!(classify(AP_FLAGS_PRIVACY, 0, 0), WifiSecurity::Other);
        assert_eq!(classify(0, 0, KEY_MGMT_OWE), WifiSecurity::Other);
    }
}
