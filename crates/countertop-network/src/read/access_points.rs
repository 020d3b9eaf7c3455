//! Access points of the Wi-Fi devices, and which one a device is connected to.

use zbus::zvariant::OwnedObjectPath;

use super::devices::DeviceInfo;
use super::profiles::{SavedProfile, known_ssids};
use crate::dbus::access_point::AccessPointProxy;
use crate::dbus::active_connection::{ActiveConnectionProxy, STATE_ACTIVATED};
use crate::dbus::device::{DeviceProxy, TYPE_WIFI, WirelessProxy};
use crate::dbus::{at, non_root, optional};
use crate::decide::access_points::{ApObservation, access_point_list, ssid_text};
use crate::error::NetworkError;
use crate::types::AccessPoint;

/// One access point object as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenAp {
    pub path: OwnedObjectPath,
    pub observation: ApObservation,
}

pub async fn device_access_points(
    connection: &zbus::Connection,
    device: &OwnedObjectPath,
) -> Result<Vec<SeenAp>, NetworkError> {
    let wireless: WirelessProxy<'_> = at(connection, device.as_str()).await?;
    let paths = optional(wireless.get_all_access_points().await)?.unwrap_or_default();
    let mut seen = Vec::with_capacity(paths.len());
    for path in paths {
        if let Some(observation) = read_ap(connection, &path).await? {
            seen.push(SeenAp { path, observation });
        }
    }
    Ok(seen)
}

/// `None` when the access point vanished or lacks its SSID.
pub async fn read_ap(
    connection: &zbus::Connection,
    path: &OwnedObjectPath,
) -> Result<Option<ApObservation>, NetworkError> {
    let ap: AccessPointProxy<'_> = at(connection, path.as_str()).await?;
    let Some(ssid) = optional(ap.ssid().await)? else {
        return Ok(None);
    };
    Ok(Some(ApObservation {
        ssid,
        strength: optional(ap.strength().await)?.unwrap_or(0),
        flags: optional(ap.flags().await)?.unwrap_or(0),
        wpa_flags: optional(ap.wpa_flags().await)?.unwrap_or(0),
        rsn_flags: optional(ap.rsn_flags().await)?.unwrap_or(0),
    }))
}

/// The access point a Wi-Fi device is connected to: `ActiveAccessPoint`, or (python-dbusmock
/// lacks it) the active connection's `SpecificObject` once that connection is activated.
pub async fn active_ap(
    connection: &zbus::Connection,
    device: &OwnedObjectPath,
) -> Result<Option<OwnedObjectPath>, NetworkError> {
    let wireless: WirelessProxy<'_> = at(connection, device.as_str()).await?;
    if let Some(path) = optional(wireless.active_access_point().await)? {
        return Ok(non_root(path));
    }
    let proxy: DeviceProxy<'_> = at(connection, device.as_str()).await?;
    let Some(active) = optional(proxy.active_connection().await)?.and_then(non_root) else {
        return Ok(None);
    };
    let active: ActiveConnectionProxy<'_> = at(connection, active.as_str()).await?;
    if optional(active.state().await)?.is_some_and(|s| s != STATE_ACTIVATED) {
        return Ok(None);
    }
    Ok(optional(active.specific_object().await)?
        .and_then(non_root)
        .filter(|path| path.as_str().contains("/AccessPoint/")))
}

/// The UI's Wi-Fi list, or `None` when there is no Wi-Fi device.
pub async fn access_point_list_of(
    connection: &zbus::Connection,
    devices: &[DeviceInfo],
    profiles: &[SavedProfile],
) -> Result<Option<Vec<AccessPoint>>, NetworkError> {
    let mut any_wifi = false;
    let mut observed = Vec::new();
    let mut active_ssid = None;
    for device in devices.iter().filter(|d| d.is(TYPE_WIFI)) {
        any_wifi = true;
        let seen = device_access_points(connection, &device.path).await?;
        if let Some(active) = active_ap(connection, &device.path).await? {
            let ssid = match seen.iter().find(|ap| ap.path == active) {
                Some(ap) => Some(ap.observation.ssid.clone()),
                None => read_ap(connection, &active).await?.map(|o| o.ssid),
            };
            active_ssid = active_ssid.or(ssid.and_then(|s| ssid_text(&s)));
        }
        observed.extend(seen.into_iter().map(|ap| ap.observation));
    }
    if !any_wifi {
        return Ok(None);
    }
    Ok(Some(access_point_list(
        &observed,
        &known_ssids(profiles),
        active_ssid.as_deref(),
    )))
}
