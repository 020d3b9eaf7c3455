//! `org.freedesktop.NetworkManager.IP4Config` and `.IP6Config`.

use std::collections::HashMap;

use zbus::zvariant::OwnedValue;

/// One `aa{sv}` entry ("address" and "prefix" for addresses, "address" for name servers).
pub type Entry = HashMap<String, OwnedValue>;

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.IP4Config",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait Ip4Config {
    #[zbus(property)]
    fn address_data(&self) -> zbus::Result<Vec<Entry>>;

    #[zbus(property)]
    fn gateway(&self) -> zbus::Result<String>;

    /// NetworkManager >= 1.14.
    #[zbus(property)]
    fn nameserver_data(&self) -> zbus::Result<Vec<Entry>>;

    /// Older form: addresses as u32 in network byte order.
    #[zbus(property)]
    fn nameservers(&self) -> zbus::Result<Vec<u32>>;
}

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.IP6Config",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait Ip6Config {
    #[zbus(property)]
    fn address_data(&self) -> zbus::Result<Vec<Entry>>;

    #[zbus(property)]
    fn gateway(&self) -> zbus::Result<String>;

    /// 16 bytes each.
    #[zbus(property)]
    fn nameservers(&self) -> zbus::Result<Vec<Vec<u8>>>;
}
