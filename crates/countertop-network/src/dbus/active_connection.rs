//! `org.freedesktop.NetworkManager.Connection.Active`.

use zbus::zvariant::OwnedObjectPath;

/// `NMActiveConnectionState`.
pub const STATE_ACTIVATED: u32 = 2;

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.Connection.Active",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait ActiveConnection {
    /// The settings connection (profile) this activation uses.
    #[zbus(property)]
    fn connection(&self) -> zbus::Result<OwnedObjectPath>;

    /// The access point for Wi-Fi.
    #[zbus(property)]
    fn specific_object(&self) -> zbus::Result<OwnedObjectPath>;

    /// The profile's `connection.type`, e.g. "802-3-ethernet", "802-11-wireless".
    #[zbus(property, name = "Type")]
    fn connection_type(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn devices(&self) -> zbus::Result<Vec<OwnedObjectPath>>;

    #[zbus(property)]
    fn state(&self) -> zbus::Result<u32>;

    /// Carries the IPv4 default route.
    #[zbus(property)]
    fn default(&self) -> zbus::Result<bool>;

    /// Carries the IPv6 default route.
    #[zbus(property)]
    fn default6(&self) -> zbus::Result<bool>;

    /// Missing in python-dbusmock.
    #[zbus(property, name = "Ip4Config")]
    fn ip4_config(&self) -> zbus::Result<OwnedObjectPath>;

    /// Missing in python-dbusmock.
    #[zbus(property, name = "Ip6Config")]
    fn ip6_config(&self) -> zbus::Result<OwnedObjectPath>;
}
