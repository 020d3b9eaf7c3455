//! `org.freedesktop.NetworkManager.Settings` and `.Settings.Connection` (saved profiles).

use zbus::zvariant::OwnedObjectPath;

use super::SettingsMap;

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.Settings",
    default_service = "org.freedesktop.NetworkManager",
    default_path = "/org/freedesktop/NetworkManager/Settings",
    gen_blocking = false
)]
pub trait Settings {
    fn list_connections(&self) -> zbus::Result<Vec<OwnedObjectPath>>;
}

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.Settings.Connection",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait SettingsConnection {
    /// Without secrets.
    fn get_settings(&self) -> zbus::Result<SettingsMap>;

    /// Replaces the profile and saves it. Secrets left out of `properties` are kept.
    fn update(&self, properties: SettingsMap) -> zbus::Result<()>;

    fn delete(&self) -> zbus::Result<()>;
}
