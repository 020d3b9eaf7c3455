//! Saved connection profiles (`Settings.ListConnections` + `GetSettings`).

use std::collections::HashSet;

use zbus::zvariant::OwnedObjectPath;

use crate::dbus::settings::{SettingsConnectionProxy, SettingsProxy};
use crate::dbus::{SETTINGS_PATH, SettingsMap, at, optional};
use crate::decide::access_points::ssid_text;
use crate::decide::profiles::profile_ssid;
use crate::error::NetworkError;

#[derive(Clone, Debug, PartialEq)]
pub struct SavedProfile {
    pub path: OwnedObjectPath,
    pub settings: SettingsMap,
}

impl SavedProfile {
    pub fn ssid(&self) -> Option<String> {
        profile_ssid(&self.settings).and_then(|bytes| ssid_text(&bytes))
    }
}

pub async fn saved_profiles(
    connection: &zbus::Connection,
) -> Result<Vec<SavedProfile>, NetworkError> {
    let settings: SettingsProxy<'_> = at(connection, SETTINGS_PATH).await?;
    let paths = optional(settings.list_connections().await)?.unwrap_or_default();
    let mut profiles = Vec::with_capacity(paths.len());
    for path in paths {
        let profile: SettingsConnectionProxy<'_> = at(connection, path.as_str()).await?;
        if let Some(settings) = optional(profile.get_settings().await)? {
            profiles.push(SavedProfile { path, settings });
        }
    }
    Ok(profiles)
}

pub fn known_ssids(profiles: &[SavedProfile]) -> HashSet<String> {
    profiles.iter().filter_map(SavedProfile::ssid).collect()
}

pub fn profiles_for_ssid<'p>(profiles: &'p [SavedProfile], ssid: &str) -> Vec<&'p SavedProfile> {
    profiles
        .iter()
        .filter(|p| p.ssid().as_deref() == Some(ssid))
        .collect()
}
