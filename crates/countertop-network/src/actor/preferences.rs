//! Ethernet preferred: the dock's ethernet profiles carry a lower route metric than Wi-Fi
//! (and fallback) profiles, set through NetworkManager so that it picks the default route.
//! Applied at start and whenever a profile or device appears or a device finishes activating;
//! a profile is only updated when it differs, so NetworkManager's `Updated` signal that
//! follows changes nothing more.

use crate::dbus::device::DeviceProxy;
use crate::dbus::settings::SettingsConnectionProxy;
use crate::dbus::{at, optional};
use crate::decide::join::device_state;
use crate::decide::profiles::{metric_update, preference_update, profile_role, role_on_device};
use crate::error::NetworkError;
use crate::read::devices::DeviceInfo;
use crate::read::profiles::SavedProfile;
use crate::types::NetworkConfig;

pub(crate) async fn apply(
    connection: &zbus::Connection,
    config: &NetworkConfig,
    profiles: &[SavedProfile],
    devices: &[DeviceInfo],
) -> Result<(), NetworkError> {
    let dock = config.dock_interface.as_deref();
    for profile in profiles {
        let role = profile_role(&profile.settings, dock);
        let Some(updated) = preference_update(&profile.settings, role, config) else {
            continue;
        };
        let proxy: SettingsConnectionProxy<'_> = at(connection, profile.path.as_str()).await?;
        match proxy.update(updated).await.map_err(NetworkError::from) {
            Ok(()) => tracing::info!(path = %profile.path, ?role, "profile given its route metric"),
            Err(error) if error.is_reply() => {
                tracing::warn!(path = %profile.path, %error, "profile update refused")
            }
            Err(error) => return Err(error),
        }
    }
    // A running device keeps the profile it was activated with: give it the metrics too, the
    // way `nmcli device modify` does (Reapply on the applied connection), without reconnecting.
    for device in devices {
        let proxy: DeviceProxy<'_> = at(connection, device.path.as_str()).await?;
        if optional(proxy.state().await)? != Some(device_state::ACTIVATED) {
            continue;
        }
        let Some((applied, version)) = optional(proxy.get_applied_connection(0).await)? else {
            continue;
        };
        let role = role_on_device(&applied, device.interface.as_deref(), dock);
        let Some(patched) = metric_update(&applied, role, config) else {
            continue;
        };
        match proxy
            .reapply(patched, version, 0)
            .await
            .map_err(NetworkError::from)
        {
            Ok(()) => {
                tracing::info!(interface = ?device.interface, ?role, "route metric re-applied")
            }
            Err(error) if error.is_reply() => {
                tracing::warn!(interface = ?device.interface, %error, "reapply refused")
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
