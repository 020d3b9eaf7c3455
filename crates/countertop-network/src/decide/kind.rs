//! What kind of link the primary connection is.

use crate::dbus::device::{TYPE_WIFI, is_wired};
use crate::types::ConnectionKind;

pub const ETHERNET_TYPE: &str = "802-3-ethernet";
pub const WIFI_TYPE: &str = "802-11-wireless";

/// From the active connection's `Type` (the profile type), else from the device's
/// `DeviceType` when the type is unknown.
pub fn connection_kind(connection_type: Option<&str>, device_type: Option<u32>) -> ConnectionKind {
    match (connection_type, device_type) {
        (Some(ETHERNET_TYPE), _) => ConnectionKind::Ethernet,
        (Some(WIFI_TYPE), _) => ConnectionKind::Wifi,
        (Some(_), _) => ConnectionKind::Other,
        (None, Some(TYPE_WIFI)) => ConnectionKind::Wifi,
        (None, Some(device_type)) if is_wired(device_type) => ConnectionKind::Ethernet,
        (None, _) => ConnectionKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_type_wins_then_device_type() {
        assert_eq!(
            connection_kind(Some("802-3-ethernet"), Some(2)),
            ConnectionKind::Ethernet
        );
        assert_eq!(
            connection_kind(Some("802-11-wireless"), None),
            ConnectionKind::Wifi
        );
        assert_eq!(connection_kind(Some("vpn"), Some(1)), ConnectionKind::Other);
        assert_eq!(connection_kind(None, Some(1)), ConnectionKind::Ethernet);
        assert_eq!(
            connection_kind(None, Some(20)),
            ConnectionKind::Ethernet,
            "veth"
        );
        assert_eq!(connection_kind(None, Some(2)), ConnectionKind::Wifi);
        assert_eq!(connection_kind(None, None), ConnectionKind::Other);
    }
}
