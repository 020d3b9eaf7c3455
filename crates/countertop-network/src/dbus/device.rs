//! `org.freedesktop.NetworkManager.Device` and its typed companions on the same object:
//! `.Device.Wired` (carrier) and `.Device.Wireless` (access points, scanning).

use std::collections::HashMap;

use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

/// `NMDeviceType` values the actor cares about.
pub const TYPE_ETHERNET: u32 = 1;
pub const TYPE_WIFI: u32 = 2;
/// A veth: NetworkManager runs ethernet profiles on it and exports `Device.Wired` for it, so
/// it counts as ethernet (the tests' links are veths).
pub const TYPE_VETH: u32 = 20;

/// Device types that take ethernet profiles and report carrier.
pub fn is_wired(device_type: u32) -> bool {
    matches!(device_type, TYPE_ETHERNET | TYPE_VETH)
}

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.Device",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait Device {
    /// Re-applies the profile to the running device (how a changed route metric takes effect
    /// without reconnecting). An empty `connection` means "the settings connection as saved".
    fn reapply(
        &self,
        connection: HashMap<String, HashMap<String, OwnedValue>>,
        version_id: u64,
        flags: u32,
    ) -> zbus::Result<()>;

    /// The profile as the device runs it now, and its version (for `Reapply`).
    fn get_applied_connection(
        &self,
        flags: u32,
    ) -> zbus::Result<(HashMap<String, HashMap<String, OwnedValue>>, u64)>;

    #[zbus(property)]
    fn interface(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn device_type(&self) -> zbus::Result<u32>;

    /// `NMDeviceState`.
    #[zbus(property)]
    fn state(&self) -> zbus::Result<u32>;

    /// (`NMDeviceState`, `NMDeviceStateReason`).
    #[zbus(property)]
    fn state_reason(&self) -> zbus::Result<(u32, u32)>;

    #[zbus(property)]
    fn active_connection(&self) -> zbus::Result<OwnedObjectPath>;

    /// Missing in python-dbusmock.
    #[zbus(property, name = "Ip4Config")]
    fn ip4_config(&self) -> zbus::Result<OwnedObjectPath>;

    /// Missing in python-dbusmock.
    #[zbus(property, name = "Ip6Config")]
    fn ip6_config(&self) -> zbus::Result<OwnedObjectPath>;
}

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.Device.Wired",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait Wired {
    #[zbus(property)]
    fn carrier(&self) -> zbus::Result<bool>;
}

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.Device.Wireless",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait Wireless {
    fn request_scan(&self, options: HashMap<&str, Value<'_>>) -> zbus::Result<()>;

    /// Includes access points with hidden SSIDs.
    fn get_all_access_points(&self) -> zbus::Result<Vec<OwnedObjectPath>>;

    /// Missing in python-dbusmock (the active connection's `SpecificObject` stands in).
    #[zbus(property)]
    fn active_access_point(&self) -> zbus::Result<OwnedObjectPath>;
}
