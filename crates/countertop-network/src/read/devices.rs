//! The devices NetworkManager manages.

use zbus::zvariant::OwnedObjectPath;

use crate::dbus::device::{DeviceProxy, is_wired};
use crate::dbus::manager::ManagerProxy;
use crate::dbus::{MANAGER_PATH, at, optional};
use crate::error::NetworkError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    pub path: OwnedObjectPath,
    pub interface: Option<String>,
    pub device_type: Option<u32>,
}

impl DeviceInfo {
    pub fn is(&self, device_type: u32) -> bool {
        self.device_type == Some(device_type)
    }

    pub fn is_wired(&self) -> bool {
        self.device_type.is_some_and(is_wired)
    }
}

pub async fn devices(connection: &zbus::Connection) -> Result<Vec<DeviceInfo>, NetworkError> {
    let manager: ManagerProxy<'_> = at(connection, MANAGER_PATH).await?;
    let paths = match optional(manager.devices().await)? {
        Some(paths) => paths,
        None => optional(manager.get_devices().await)?.unwrap_or_default(),
    };
    let mut devices = Vec::with_capacity(paths.len());
    for path in paths {
        let device: DeviceProxy<'_> = at(connection, path.as_str()).await?;
        let interface = optional(device.interface().await)?;
        let device_type = optional(device.device_type().await)?;
        devices.push(DeviceInfo {
            path,
            interface,
            device_type,
        });
    }
    Ok(devices)
}
