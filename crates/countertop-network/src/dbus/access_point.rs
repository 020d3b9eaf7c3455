//! `org.freedesktop.NetworkManager.AccessPoint`.

#[zbus::proxy(
    interface = "org.freedesktop.NetworkManager.AccessPoint",
    default_service = "org.freedesktop.NetworkManager",
    gen_blocking = false
)]
pub trait AccessPoint {
    /// Raw bytes; not necessarily UTF-8, empty for hidden networks.
    #[zbus(property)]
    fn ssid(&self) -> zbus::Result<Vec<u8>>;

    /// Percent.
    #[zbus(property)]
    fn strength(&self) -> zbus::Result<u8>;

    /// `NM80211ApFlags`.
    #[zbus(property)]
    fn flags(&self) -> zbus::Result<u32>;

    /// `NM80211ApSecurityFlags` of the WPA1 information element.
    #[zbus(property)]
    fn wpa_flags(&self) -> zbus::Result<u32>;

    /// `NM80211ApSecurityFlags` of the RSN (WPA2/WPA3) information element.
    #[zbus(property)]
    fn rsn_flags(&self) -> zbus::Result<u32>;
}
