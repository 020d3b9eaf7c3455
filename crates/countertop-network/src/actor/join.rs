//! Joining a Wi-Fi network: activate a saved profile for the SSID or add a new one, then
//! follow the device and the active connection until NetworkManager has decided.

use tokio::time::Instant;
use zbus::zvariant::{ObjectPath, OwnedObjectPath};

use crate::dbus::active_connection::ActiveConnectionProxy;
use crate::dbus::device::{DeviceProxy, TYPE_WIFI};
use crate::dbus::manager::ManagerProxy;
use crate::dbus::settings::SettingsConnectionProxy;
use crate::dbus::{MANAGER_PATH, at, non_root, optional};
use crate::decide::access_points::ssid_text;
use crate::decide::join::{
    check_request, from_dbus_error, from_device_reason, on_active_state, on_device_state,
};
use crate::decide::profiles::{new_wifi_settings, with_password};
use crate::decide::security::classify;
use crate::error::{JoinError, NetworkError};
use crate::read::access_points::device_access_points;
use crate::read::devices::DeviceInfo;
use crate::read::profiles::{SavedProfile, profiles_for_ssid};
use crate::types::{NetworkConfig, WifiSecurity};

pub(crate) struct JoinRequest<'r> {
    pub ssid: &'r str,
    pub password: Option<&'r str>,
    pub deadline: Instant,
}

/// A join NetworkManager is working on.
#[derive(Debug)]
pub(crate) struct PendingJoin {
    pub ssid: String,
    pub device: OwnedObjectPath,
    pub active: OwnedObjectPath,
    /// The profile this join added: deleted again if the join fails, so a wrong password is
    /// not kept as a "known" network.
    pub created: Option<OwnedObjectPath>,
    pub password_given: bool,
    /// The last failure reason the device reported (FAILED or NEED_AUTH).
    pub device_reason: Option<u32>,
    pub deadline: Instant,
}

impl PendingJoin {
    pub fn on_device_state(&mut self, state: u32, reason: u32) -> Option<Result<(), JoinError>> {
        let decided = on_device_state(state, reason, self.password_given);
        if matches!(decided, Some(Err(_))) {
            self.device_reason = Some(reason);
        }
        decided
    }

    pub fn on_active_state(&self, state: u32, reason: u32) -> Option<Result<(), JoinError>> {
        on_active_state(state, reason, self.device_reason, self.password_given)
    }
}

/// Asks NetworkManager to join; refuses at once what cannot work.
pub(crate) async fn start(
    connection: &zbus::Connection,
    config: &NetworkConfig,
    devices: &[DeviceInfo],
    profiles: &[SavedProfile],
    request: JoinRequest<'_>,
) -> Result<PendingJoin, JoinError> {
    let password = request.password.filter(|p| !p.is_empty());
    let password_given = password.is_some();
    let Some(device) = devices.iter().find(|d| d.is(TYPE_WIFI)) else {
        return Err(JoinError::NoWifiDevice);
    };
    let seen = device_access_points(connection, &device.path)
        .await
        .map_err(failed)?;
    let Some(ap) = seen
        .iter()
        .filter(|ap| ssid_text(&ap.observation.ssid).as_deref() == Some(request.ssid))
        .max_by_key(|ap| ap.observation.strength)
    else {
        return Err(JoinError::OutOfRange);
    };
    let o = &ap.observation;
    let security = classify(o.flags, o.wpa_flags, o.rsn_flags);
    let manager: ManagerProxy<'_> = at(connection, MANAGER_PATH).await.map_err(failed)?;
    let dbus_error = |error: zbus::Error| match NetworkError::from(error) {
        NetworkError::Refused { name, message } => from_dbus_error(&name, &message, password_given),
        other => failed(other),
    };

    let (active, created) = match profiles_for_ssid(profiles, request.ssid).first() {
        Some(saved) => {
            if matches!(security, WifiSecurity::Enterprise | WifiSecurity::Other) {
                return Err(JoinError::Unsupported);
            }
            if let Some(password) = password {
                // A new password for a known network replaces the saved one.
                check_request(security, Some(password))?;
                if let Some(updated) = with_password(&saved.settings, security, password) {
                    let profile: SettingsConnectionProxy<'_> =
                        at(connection, saved.path.as_str()).await.map_err(failed)?;
                    profile.update(updated).await.map_err(dbus_error)?;
                }
            }
            let active = manager
                .activate_connection(&saved.path, &device.path, &ap.path)
                .await
                .map_err(dbus_error)?;
            (active, None)
        }
        None => {
            let settings =
                new_wifi_settings(request.ssid, security, password, config.wifi_route_metric)?;
            let (profile, active) = manager
                .add_and_activate_connection(settings, &device.path, &ap.path)
                .await
                .map_err(dbus_error)?;
            (active, Some(profile))
        }
    };
    Ok(PendingJoin {
        ssid: request.ssid.to_owned(),
        device: device.path.clone(),
        active,
        created,
        password_given,
        device_reason: None,
        deadline: request.deadline,
    })
}

/// Whether NetworkManager decided already, from the current properties.
pub(crate) async fn check_now(
    connection: &zbus::Connection,
    pending: &PendingJoin,
) -> Result<Option<Result<(), JoinError>>, NetworkError> {
    let active: ActiveConnectionProxy<'_> = at(connection, pending.active.as_str()).await?;
    let device: DeviceProxy<'_> = at(connection, pending.device.as_str()).await?;
    let device_reason = optional(device.state_reason().await)?.map(|(_, reason)| reason);
    Ok(match optional(active.state().await)? {
        Some(state) => on_active_state(
            state,
            0,
            device_reason.filter(|&r| r != 0),
            pending.password_given,
        ),
        // The active connection is gone already: the activation ended, and not in success.
        None => Some(Err(from_device_reason(
            device_reason.unwrap_or(0),
            pending.password_given,
        ))),
    })
}

/// The device runs the join's active connection.
pub(crate) async fn device_runs(
    connection: &zbus::Connection,
    pending: &PendingJoin,
) -> Result<bool, NetworkError> {
    let device: DeviceProxy<'_> = at(connection, pending.device.as_str()).await?;
    Ok(optional(device.active_connection().await)?
        .and_then(non_root)
        .is_some_and(|path| path == pending.active))
}

/// After a failure: stop NetworkManager from retrying or waiting for secrets nobody will
/// give, and delete the profile the join added.
pub(crate) async fn clean_up_failed(
    connection: &zbus::Connection,
    pending: &PendingJoin,
) -> Result<(), NetworkError> {
    let manager: ManagerProxy<'_> = at(connection, MANAGER_PATH).await?;
    // Refusals are expected here: the active connection is usually gone already.
    ignore_refusal(
        manager
            .deactivate_connection(&ObjectPath::from(&pending.active))
            .await,
    )?;
    if let Some(created) = &pending.created {
        let profile: SettingsConnectionProxy<'_> = at(connection, created.as_str()).await?;
        ignore_refusal(profile.delete().await)?;
    }
    Ok(())
}

fn ignore_refusal(result: zbus::Result<()>) -> Result<(), NetworkError> {
    match result.map_err(NetworkError::from) {
        Err(error) if error.is_reply() => {
            tracing::debug!(%error, "clean-up after a failed join");
            Ok(())
        }
        other => other,
    }
}

fn failed(error: NetworkError) -> JoinError {
    JoinError::Failed(error.to_string())
}
