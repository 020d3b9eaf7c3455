//! The terminal's [`NetworkStatus`], read from NetworkManager's primary connection.

use zbus::zvariant::OwnedObjectPath;

use super::access_points::{active_ap, read_ap};
use super::devices::DeviceInfo;
use crate::dbus::active_connection::{ActiveConnectionProxy, STATE_ACTIVATED};
use crate::dbus::device::{DeviceProxy, WiredProxy};
use crate::dbus::ip_config::{Ip4ConfigProxy, Ip6ConfigProxy};
use crate::dbus::manager::ManagerProxy;
use crate::dbus::settings::SettingsConnectionProxy;
use crate::dbus::{MANAGER_PATH, at, non_root, optional};
use crate::decide::access_points::ssid_text;
use crate::decide::connectivity::connectivity_from_u32;
use crate::decide::ip::{
    address_with_prefix, first_ipv4, gateway, ipv4_from_network_order, ipv6_from_bytes, nameserver,
};
use crate::decide::kind::connection_kind;
use crate::decide::profiles::profile_ssid;
use crate::decide::signal::signal_percent;
use crate::error::NetworkError;
use crate::types::{ConnectionKind, NetworkConfig, NetworkStatus};

pub async fn read_status(
    connection: &zbus::Connection,
    config: &NetworkConfig,
    devices: &[DeviceInfo],
) -> Result<NetworkStatus, NetworkError> {
    let manager: ManagerProxy<'_> = at(connection, MANAGER_PATH).await?;
    let mut status = NetworkStatus {
        connectivity: optional(manager.connectivity().await)?
            .map(connectivity_from_u32)
            .unwrap_or_default(),
        ethernet_cable: ethernet_cable(connection, config, devices).await?,
        ..NetworkStatus::default()
    };
    let Some(primary) = primary_connection(connection, &manager).await? else {
        return Ok(status);
    };
    let active: ActiveConnectionProxy<'_> = at(connection, primary.as_str()).await?;
    let device_path = optional(active.devices().await)?
        .unwrap_or_default()
        .into_iter()
        .next();
    let device = device_path
        .as_ref()
        .map(|path| devices.iter().find(|d| &d.path == path));
    let device_type = device.flatten().and_then(|d| d.device_type);
    status.kind = connection_kind(
        optional(active.connection_type().await)?.as_deref(),
        device_type,
    );
    status.interface = device.flatten().and_then(|d| d.interface.clone());

    let device_proxy = match &device_path {
        Some(path) => Some(at::<DeviceProxy<'_>>(connection, path.as_str()).await?),
        None => None,
    };
    let mut ip4 = optional(active.ip4_config().await)?.and_then(non_root);
    let mut ip6 = optional(active.ip6_config().await)?.and_then(non_root);
    if let Some(device) = &device_proxy {
        if ip4.is_none() {
            ip4 = optional(device.ip4_config().await)?.and_then(non_root);
        }
        if ip6.is_none() {
            ip6 = optional(device.ip6_config().await)?.and_then(non_root);
        }
    }
    if let Some(path) = ip4 {
        read_ip4(connection, &path, &mut status).await?;
    }
    if let Some(path) = ip6 {
        read_ip6(connection, &path, &mut status).await?;
    }
    status.primary_ipv4 = first_ipv4(&status.ipv4);

    if status.kind == ConnectionKind::Wifi {
        if let Some(device) = &device_path
            && let Some(ap) = active_ap(connection, device).await?
            && let Some(observation) = read_ap(connection, &ap).await?
        {
            status.ssid = ssid_text(&observation.ssid);
            status.signal_percent = Some(signal_percent(observation.strength));
        }
        if status.ssid.is_none() {
            // No access point to read (yet): the profile still names the network.
            if let Some(profile) = optional(active.connection().await)?.and_then(non_root) {
                let profile: SettingsConnectionProxy<'_> = at(connection, profile.as_str()).await?;
                status.ssid = optional(profile.get_settings().await)?
                    .and_then(|settings| profile_ssid(&settings))
                    .and_then(|bytes| ssid_text(&bytes));
            }
        }
    }
    Ok(status)
}

/// `PrimaryConnection` when NetworkManager has the property ("/" = none). Where it is missing
/// (python-dbusmock), the activated connection that is its device's current one and carries
/// the IPv4 default route, else the IPv6 one, else any.
async fn primary_connection(
    connection: &zbus::Connection,
    manager: &ManagerProxy<'_>,
) -> Result<Option<OwnedObjectPath>, NetworkError> {
    if let Some(primary) = optional(manager.primary_connection().await)? {
        return Ok(non_root(primary));
    }
    let mut best: Option<(u8, OwnedObjectPath)> = None;
    for path in optional(manager.active_connections().await)?.unwrap_or_default() {
        let active: ActiveConnectionProxy<'_> = at(connection, path.as_str()).await?;
        if optional(active.state().await)?.is_some_and(|s| s != STATE_ACTIVATED) {
            continue;
        }
        let devices = optional(active.devices().await)?.unwrap_or_default();
        let mut current = devices.is_empty();
        for device in &devices {
            let device: DeviceProxy<'_> = at(connection, device.as_str()).await?;
            current |= optional(device.active_connection().await)?.is_none_or(|p| p == path);
        }
        if !current {
            continue;
        }
        let rank = if optional(active.default().await)? == Some(true) {
            0
        } else if optional(active.default6().await)? == Some(true) {
            1
        } else {
            2
        };
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, path));
        }
    }
    Ok(best.map(|(_, path)| path))
}

/// Carrier on the dock's ethernet device (any ethernet device when no dock is configured).
async fn ethernet_cable(
    connection: &zbus::Connection,
    config: &NetworkConfig,
    devices: &[DeviceInfo],
) -> Result<bool, NetworkError> {
    for device in devices.iter().filter(|d| d.is_wired()) {
        if let Some(dock) = &config.dock_interface
            && device.interface.as_deref() != Some(dock.as_str())
        {
            continue;
        }
        let wired: WiredProxy<'_> = at(connection, device.path.as_str()).await?;
        if optional(wired.carrier().await)? == Some(true) {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn read_ip4(
    connection: &zbus::Connection,
    path: &OwnedObjectPath,
    status: &mut NetworkStatus,
) -> Result<(), NetworkError> {
    let config: Ip4ConfigProxy<'_> = at(connection, path.as_str()).await?;
    let addresses = optional(config.address_data().await)?.unwrap_or_default();
    status
        .ipv4
        .extend(addresses.iter().filter_map(address_with_prefix));
    status.gateway = optional(config.gateway().await)?.and_then(gateway);
    match optional(config.nameserver_data().await)? {
        Some(servers) => status.dns.extend(servers.iter().filter_map(nameserver)),
        None => {
            let legacy = optional(config.nameservers().await)?.unwrap_or_default();
            status
                .dns
                .extend(legacy.into_iter().map(ipv4_from_network_order));
        }
    }
    Ok(())
}

async fn read_ip6(
    connection: &zbus::Connection,
    path: &OwnedObjectPath,
    status: &mut NetworkStatus,
) -> Result<(), NetworkError> {
    let config: Ip6ConfigProxy<'_> = at(connection, path.as_str()).await?;
    let addresses = optional(config.address_data().await)?.unwrap_or_default();
    status
        .ipv6
        .extend(addresses.iter().filter_map(address_with_prefix));
    if status.gateway.is_none() {
        status.gateway = optional(config.gateway().await)?.and_then(gateway);
    }
    let servers = optional(config.nameservers().await)?.unwrap_or_default();
    status
        .dns
        .extend(servers.iter().filter_map(|raw| ipv6_from_bytes(raw)));
    Ok(())
}
