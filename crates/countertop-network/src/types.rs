//! The plain data the actor speaks: what the UI sends (`NetworkRequest`), what it gets back
//! (`NetworkEvent`), and the configuration. Nothing here knows about D-Bus.

use std::fmt;
use std::net::Ipv4Addr;

use crate::error::{JoinError, NetworkError};

/// What carries the terminal's traffic: the type of NetworkManager's primary connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ConnectionKind {
    Ethernet,
    Wifi,
    /// A primary connection of another type (VPN, bridge, modem, ...).
    Other,
    #[default]
    Disconnected,
}

/// NetworkManager's connectivity verdict (`NMConnectivityState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Connectivity {
    /// Not checked (yet), or checking is disabled.
    #[default]
    Unknown,
    None,
    /// Behind a captive portal.
    Portal,
    /// Connected, but the internet is not reachable.
    Limited,
    Full,
}

/// A snapshot of the terminal's network, recomputed on every relevant D-Bus signal.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetworkStatus {
    /// Of NetworkManager's primary connection.
    pub kind: ConnectionKind,
    pub interface: Option<String>,
    /// "192.168.1.20/24", primary address first.
    pub ipv4: Vec<String>,
    pub ipv6: Vec<String>,
    pub gateway: Option<String>,
    pub dns: Vec<String>,
    /// When `kind == Wifi`.
    pub ssid: Option<String>,
    /// When `kind == Wifi`.
    pub signal_percent: Option<u8>,
    pub connectivity: Connectivity,
    /// The dock's ethernet link has carrier (with `NetworkConfig::dock_interface` unset: any
    /// ethernet device has carrier).
    pub ethernet_cable: bool,
    /// The address the POS should use (the pairing QR code follows it): the first IPv4
    /// address of the primary connection.
    pub primary_ipv4: Option<Ipv4Addr>,
}

/// What a Wi-Fi network asks of the terminal before it may join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WifiSecurity {
    Open,
    Wpa2Personal,
    /// SAE key management (WPA3-Personal, also WPA2/WPA3 transition networks).
    Wpa3Personal,
    /// 802.1X: needs certificates and identities the terminal cannot collect.
    Enterprise,
    /// WEP, OWE and other schemes the terminal does not join.
    Other,
}

/// One Wi-Fi network as the UI lists it (one entry per SSID, the strongest access point).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPoint {
    pub ssid: String,
    pub signal_percent: u8,
    pub security: WifiSecurity,
    /// A saved profile for this SSID exists.
    pub known: bool,
    /// The terminal is connected to this network now.
    pub active: bool,
}

/// Requests to the actor.
#[derive(Clone, PartialEq, Eq)]
pub enum NetworkRequest {
    /// Send the current `Status` (and `AccessPoints` when there is a Wi-Fi device) again.
    Refresh,
    /// Ask the Wi-Fi device to scan; the current list follows at once, updates as signals arrive.
    Scan,
    /// Join a network from the list; answered by `JoinFinished`.
    Join {
        ssid: String,
        password: Option<String>,
    },
    /// Delete every saved profile for this SSID; answered by `Forgotten`.
    Forget { ssid: String },
}

// Written by hand so that a Wi-Fi password never ends up in a log line.
impl fmt::Debug for NetworkRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkRequest::Refresh => f.write_str("Refresh"),
            NetworkRequest::Scan => f.write_str("Scan"),
            NetworkRequest::Join { ssid, password } => f
                .debug_struct("Join")
                .field("ssid", ssid)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .finish(),
            NetworkRequest::Forget { ssid } => {
                f.debug_struct("Forget").field("ssid", ssid).finish()
            }
        }
    }
}

/// Events from the actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkEvent {
    /// Sent when the status changed, on `Refresh`, and whenever NetworkManager (re)appears.
    Status(NetworkStatus),
    /// Sorted: active first, then by signal (descending), then by SSID; one entry per SSID
    /// (its strongest access point); hidden SSIDs dropped.
    AccessPoints(Vec<AccessPoint>),
    JoinFinished {
        ssid: String,
        result: Result<(), JoinError>,
    },
    Forgotten {
        ssid: String,
        result: Result<(), NetworkError>,
    },
    /// NetworkManager is not on the bus, or the bus is unreachable. The actor keeps watching
    /// (NameOwnerChanged; a bounded reconnect back-off when the bus itself is gone) and sends
    /// `Status` again once NetworkManager is back.
    Unavailable { reason: String },
}

/// How the actor reaches NetworkManager and which uplink it prefers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkConfig {
    /// D-Bus address ("unix:path=/run/..."); `None` = the system bus.
    pub bus_address: Option<String>,
    /// Route metric the actor puts on the dock's ethernet profiles (lower wins): 100.
    pub ethernet_route_metric: u32,
    /// Route metric for Wi-Fi profiles and for ethernet links that are not the dock: 600.
    pub wifi_route_metric: u32,
    /// The interface name the dock's ethernet appears as. `None`: every ethernet profile is the
    /// dock's (the terminal has one wired port). `Some(name)`: only ethernet profiles bound to
    /// that interface (or to no interface) get the ethernet metric; an ethernet link under
    /// another name (a USB adapter, a second uplink) is treated like Wi-Fi, as a fallback.
    pub dock_interface: Option<String>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            bus_address: None,
            ethernet_route_metric: 100,
            wifi_route_metric: 600,
            dock_interface: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_requests_never_print_the_password() {
        let request = NetworkRequest::Join {
            ssid: "Shop".to_owned(),
            password: Some("correct horse".to_owned()),
        };
        let printed = format!("{request:?}");
        assert!(!printed.contains("correct horse"), "{printed}");
        assert!(
            printed.contains("Shop") && printed.contains("redacted"),
            "{printed}"
        );
    }

    #[test]
    fn defaults() {
        let config = NetworkConfig::default();
        assert_eq!(
            (config.ethernet_route_metric, config.wifi_route_metric),
            (100, 600)
        );
        assert_eq!((config.bus_address, config.dock_interface), (None, None));
        assert_eq!(NetworkStatus::default().kind, ConnectionKind::Disconnected);
    }
}
