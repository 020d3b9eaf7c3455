//! Connection profiles: the settings dictionary for a new Wi-Fi network, and the "ethernet
//! preferred" policy applied to every saved profile.
//!
//! The preference is expressed the way NetworkManager decides it: the route metric (lower
//! wins the default route). `autoconnect-priority` only chooses between profiles for the same
//! device, so it cannot rank ethernet over Wi-Fi; the dock's ethernet profiles still get a
//! higher one so that, on the dock port, they win over any other profile that would match.

use std::collections::HashMap;

use super::kind::{ETHERNET_TYPE, WIFI_TYPE};
use super::values::{bytes, setting_i64, setting_str, string};
use crate::dbus::SettingsMap;
use crate::error::JoinError;
use crate::types::{NetworkConfig, WifiSecurity};
use zbus::zvariant::OwnedValue;

/// Given to the dock's ethernet profiles (NetworkManager's default is 0).
pub const ETHERNET_AUTOCONNECT_PRIORITY: i64 = 10;

/// The profile for a network joined for the first time (`AddAndActivateConnection`).
/// Call [`super::join::check_request`] first; this refuses the same cases.
pub fn new_wifi_settings(
    ssid: &str,
    security: WifiSecurity,
    password: Option<&str>,
    route_metric: u32,
) -> Result<SettingsMap, JoinError> {
    super::join::check_request(security, password)?;
    let mut settings = SettingsMap::new();
    settings.insert(
        "connection".to_owned(),
        section([("id", string(ssid)), ("type", string(WIFI_TYPE))]),
    );
    settings.insert(
        WIFI_TYPE.to_owned(),
        section([
            ("ssid", bytes(ssid.as_bytes())),
            ("mode", string("infrastructure")),
        ]),
    );
    if let Some(key_mgmt) = key_mgmt(security) {
        let psk = password.unwrap_or_default();
        settings.insert(
            "802-11-wireless-security".to_owned(),
            section([("key-mgmt", string(key_mgmt)), ("psk", string(psk))]),
        );
    }
    for family in ["ipv4", "ipv6"] {
        settings.insert(
            family.to_owned(),
            section([
                ("method", string("auto")),
                ("route-metric", OwnedValue::from(i64::from(route_metric))),
            ]),
        );
    }
    Ok(settings)
}

/// A saved profile with a new password (for `Update`), or `None` when the security needs no
/// password. Everything else in the profile is kept.
pub fn with_password(
    saved: &SettingsMap,
    security: WifiSecurity,
    password: &str,
) -> Option<SettingsMap> {
    let key_mgmt = key_mgmt(security)?;
    let mut updated = saved.clone();
    let section = updated
        .entry("802-11-wireless-security".to_owned())
        .or_default();
    section.insert("key-mgmt".to_owned(), string(key_mgmt));
    section.insert("psk".to_owned(), string(password));
    updated
        .entry(WIFI_TYPE.to_owned())
        .or_default()
        .insert("security".to_owned(), string("802-11-wireless-security"));
    Some(updated)
}

fn key_mgmt(security: WifiSecurity) -> Option<&'static str> {
    match security {
        WifiSecurity::Wpa2Personal => Some("wpa-psk"),
        WifiSecurity::Wpa3Personal => Some("sae"),
        WifiSecurity::Open | WifiSecurity::Enterprise | WifiSecurity::Other => None,
    }
}

fn section<const N: usize>(pairs: [(&str, OwnedValue); N]) -> HashMap<String, OwnedValue> {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// What a saved profile is for the preference policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileRole {
    DockEthernet,
    Wifi,
    /// An ethernet profile for another interface than the dock's: a fallback uplink, ranked
    /// like Wi-Fi.
    OtherUplink,
    /// VPNs, bridges, loopback...: left alone.
    Unmanaged,
}

pub fn profile_role(settings: &SettingsMap, dock_interface: Option<&str>) -> ProfileRole {
    match setting_str(settings, "connection", "type") {
        Some(ETHERNET_TYPE) => {
            let bound_to = setting_str(settings, "connection", "interface-name")
                .filter(|name| !name.is_empty());
            match (dock_interface, bound_to) {
                (Some(dock), Some(name)) if dock != name => ProfileRole::OtherUplink,
                _ => ProfileRole::DockEthernet,
            }
        }
        Some(WIFI_TYPE) => ProfileRole::Wifi,
        _ => ProfileRole::Unmanaged,
    }
}

/// The role of the profile a device runs: like [`profile_role`], but an ethernet profile is
/// judged by the device it actually runs on.
pub fn role_on_device(
    applied: &SettingsMap,
    device_interface: Option<&str>,
    dock_interface: Option<&str>,
) -> ProfileRole {
    match (profile_role(applied, dock_interface), dock_interface) {
        (ProfileRole::DockEthernet | ProfileRole::OtherUplink, Some(dock))
            if device_interface != Some(dock) =>
        {
            ProfileRole::OtherUplink
        }
        (ProfileRole::OtherUplink, _) => ProfileRole::DockEthernet,
        (role, _) => role,
    }
}

fn wanted_metric(role: ProfileRole, config: &NetworkConfig) -> Option<i64> {
    match role {
        ProfileRole::DockEthernet => Some(i64::from(config.ethernet_route_metric)),
        ProfileRole::Wifi | ProfileRole::OtherUplink => Some(i64::from(config.wifi_route_metric)),
        ProfileRole::Unmanaged => None,
    }
}

/// Only the route metrics (what a running device can take with `Reapply`), or `None` when
/// they already comply.
pub fn metric_update(
    settings: &SettingsMap,
    role: ProfileRole,
    config: &NetworkConfig,
) -> Option<SettingsMap> {
    let metric = wanted_metric(role, config)?;
    let mut updated = settings.clone();
    let mut changed = false;
    for family in ["ipv4", "ipv6"] {
        if setting_i64(settings, family, "route-metric") != Some(metric) {
            updated
                .entry(family.to_owned())
                .or_default()
                .insert("route-metric".to_owned(), OwnedValue::from(metric));
            changed = true;
        }
    }
    changed.then_some(updated)
}

/// The saved profile with the policy applied (route metrics, and for the dock's ethernet an
/// autoconnect priority of at least [`ETHERNET_AUTOCONNECT_PRIORITY`]), or `None` when it
/// already complies, so that applying the policy again after NetworkManager reports the update
/// changes nothing: no update loop.
pub fn preference_update(
    settings: &SettingsMap,
    role: ProfileRole,
    config: &NetworkConfig,
) -> Option<SettingsMap> {
    let mut changed = metric_update(settings, role, config);
    if role == ProfileRole::DockEthernet {
        let priority = setting_i64(settings, "connection", "autoconnect-priority").unwrap_or(0);
        if priority < ETHERNET_AUTOCONNECT_PRIORITY {
            let updated = changed.get_or_insert_with(|| settings.clone());
            // `connection.autoconnect-priority` is an `i` (int32) on the bus.
            updated.entry("connection".to_owned()).or_default().insert(
                "autoconnect-priority".to_owned(),
                OwnedValue::from(ETHERNET_AUTOCONNECT_PRIORITY as i32),
            );
        }
    }
    changed
}

/// The SSID a saved Wi-Fi profile is for.
pub fn profile_ssid(settings: &SettingsMap) -> Option<Vec<u8>> {
    if setting_str(settings, "connection", "type") != Some(WIFI_TYPE) {
        return None;
    }
    super::values::setting(settings, WIFI_TYPE, "ssid").and_then(super::values::as_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::values::as_bytes;

    fn config() -> NetworkConfig {
        NetworkConfig::default()
    }

    fn profile(kind: &str, interface: Option<&str>) -> SettingsMap {
        let mut connection = section([("id", string("p")), ("type", string(kind))]);
        if let Some(name) = interface {
            connection.insert("interface-name".to_owned(), string(name));
        }
        let mut settings = SettingsMap::new();
        settings.insert("connection".to_owned(), connection);
        settings.insert("ipv4".to_owned(), section([("method", string("auto"))]));
        settings
    }

    #[test]
    fn new_wpa2_profile() {
        let s = new_wifi_settings(
            "Shop",
            WifiSecurity::Wpa2Personal,
            Some("correct horse"),
            600,
        )
        .unwrap();
        assert_eq!(
            setting_str(&s, "connection", "type"),
            Some("802-11-wireless")
        );
        assert_eq!(setting_str(&s, "connection", "id"), Some("Shop"));
        assert_eq!(
            as_bytes(&s["802-11-wireless"]["ssid"]),
            Some(b"Shop".to_vec())
        );
        assert_eq!(
            setting_str(&s, "802-11-wireless-security", "key-mgmt"),
            Some("wpa-psk")
        );
        assert_eq!(
            setting_str(&s, "802-11-wireless-security", "psk"),
            Some("correct horse")
        );
        assert_eq!(setting_i64(&s, "ipv4", "route-metric"), Some(600));
        assert_eq!(setting_i64(&s, "ipv6", "route-metric"), Some(600));
        // NetworkManager types route-metric as int64.
        assert_eq!(s["ipv4"]["route-metric"].value_signature().to_string(), "x");
    }

    #[test]
    fn new_wpa3_and_open_profiles() {
        let s = new_wifi_settings("Back", WifiSecurity::Wpa3Personal, Some("pw"), 600).unwrap();
        assert_eq!(
            setting_str(&s, "802-11-wireless-security", "key-mgmt"),
            Some("sae")
        );
        let open = new_wifi_settings("Guest", WifiSecurity::Open, None, 600).unwrap();
        assert!(!open.contains_key("802-11-wireless-security"));
        assert_eq!(
            new_wifi_settings("Corp", WifiSecurity::Enterprise, Some("x"), 600),
            Err(JoinError::Unsupported)
        );
        assert_eq!(
            new_wifi_settings("Shop", WifiSecurity::Wpa2Personal, None, 600),
            Err(JoinError::NoSecrets)
        );
    }

    #[test]
    fn new_password_keeps_the_rest_of_the_profile() {
        let saved = profile("802-11-wireless", None);
        let updated = with_password(&saved, WifiSecurity::Wpa2Personal, "new password").unwrap();
        assert_eq!(
            setting_str(&updated, "802-11-wireless-security", "psk"),
            Some("new password")
        );
        assert_eq!(setting_str(&updated, "ipv4", "method"), Some("auto"));
        assert_eq!(with_password(&saved, WifiSecurity::Open, "x"), None);
    }

    #[test]
    fn roles() {
        let dock = Some("eth0");
        assert_eq!(
            profile_role(&profile("802-3-ethernet", None), None),
            ProfileRole::DockEthernet
        );
        assert_eq!(
            profile_role(&profile("802-3-ethernet", Some("eth1")), None),
            ProfileRole::DockEthernet
        );
        assert_eq!(
            profile_role(&profile("802-3-ethernet", Some("eth0")), dock),
            ProfileRole::DockEthernet
        );
        assert_eq!(
            profile_role(&profile("802-3-ethernet", None), dock),
            ProfileRole::DockEthernet
        );
        assert_eq!(
            profile_role(&profile("802-3-ethernet", Some("eth1")), dock),
            ProfileRole::OtherUplink
        );
        assert_eq!(
            profile_role(&profile("802-11-wireless", None), dock),
            ProfileRole::Wifi
        );
        assert_eq!(
            profile_role(&profile("vpn", None), dock),
            ProfileRole::Unmanaged
        );
        assert_eq!(
            profile_role(&SettingsMap::new(), dock),
            ProfileRole::Unmanaged
        );
    }

    #[test]
    fn ethernet_gets_metric_and_priority_once() {
        let saved = profile("802-3-ethernet", None);
        let updated = preference_update(&saved, ProfileRole::DockEthernet, &config()).unwrap();
        assert_eq!(setting_i64(&updated, "ipv4", "route-metric"), Some(100));
        assert_eq!(setting_i64(&updated, "ipv6", "route-metric"), Some(100));
        assert_eq!(
            setting_i64(&updated, "connection", "autoconnect-priority"),
            Some(10)
        );
        assert_eq!(
            updated["connection"]["autoconnect-priority"]
                .value_signature()
                .to_string(),
            "i"
        );
        assert_eq!(setting_str(&updated, "ipv4", "method"), Some("auto"));
        // Applying the policy to its own result changes nothing: no update loop.
        assert_eq!(
            preference_update(&updated, ProfileRole::DockEthernet, &config()),
            None
        );
    }

    #[test]
    fn wifi_and_fallback_uplinks_get_the_wifi_metric() {
        for role in [ProfileRole::Wifi, ProfileRole::OtherUplink] {
            let updated =
                preference_update(&profile("802-11-wireless", None), role, &config()).unwrap();
            assert_eq!(setting_i64(&updated, "ipv4", "route-metric"), Some(600));
            assert_eq!(
                setting_i64(&updated, "connection", "autoconnect-priority"),
                None
            );
            assert_eq!(preference_update(&updated, role, &config()), None);
        }
    }

    #[test]
    fn a_higher_user_priority_is_kept_and_unmanaged_profiles_are_left_alone() {
        let mut saved = profile("802-3-ethernet", None);
        saved
            .get_mut("connection")
            .unwrap()
            .insert("autoconnect-priority".to_owned(), OwnedValue::from(50i32));
        for family in ["ipv4", "ipv6"] {
            saved
                .entry(family.to_owned())
                .or_default()
                .insert("route-metric".to_owned(), OwnedValue::from(100i64));
        }
        assert_eq!(
            preference_update(&saved, ProfileRole::DockEthernet, &config()),
            None
        );
        assert_eq!(
            preference_update(&profile("vpn", None), ProfileRole::Unmanaged, &config()),
            None
        );
    }

    #[test]
    fn running_profiles_are_judged_by_their_device() {
        let dock = Some("eth0");
        let unbound = profile("802-3-ethernet", None);
        assert_eq!(
            role_on_device(&unbound, Some("eth0"), dock),
            ProfileRole::DockEthernet
        );
        assert_eq!(
            role_on_device(&unbound, Some("eth1"), dock),
            ProfileRole::OtherUplink
        );
        assert_eq!(
            role_on_device(&unbound, Some("eth1"), None),
            ProfileRole::DockEthernet
        );
        let wifi = profile("802-11-wireless", None);
        assert_eq!(
            role_on_device(&wifi, Some("wlan0"), dock),
            ProfileRole::Wifi
        );
    }

    #[test]
    fn running_devices_only_get_metrics() {
        let applied = profile("802-3-ethernet", Some("eth1"));
        let updated = metric_update(&applied, ProfileRole::OtherUplink, &config()).unwrap();
        assert_eq!(setting_i64(&updated, "ipv4", "route-metric"), Some(600));
        assert_eq!(
            setting_i64(&updated, "connection", "autoconnect-priority"),
            None
        );
        assert_eq!(
            metric_update(&updated, ProfileRole::OtherUplink, &config()),
            None
        );
    }

    #[test]
    fn ssid_of_saved_profiles() {
        let mut wifi = profile("802-11-wireless", None);
        wifi.insert(
            "802-11-wireless".to_owned(),
            section([("ssid", bytes(b"Shop"))]),
        );
        assert_eq!(profile_ssid(&wifi), Some(b"Shop".to_vec()));
        assert_eq!(profile_ssid(&profile("802-3-ethernet", None)), None);
    }
}
