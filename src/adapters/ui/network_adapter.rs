use countertop_network::{AccessPoint, ConnectionKind, JoinError, WifiSecurity};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{
    Connectivity as UiConnectivity, JoinState, MainWindow, NetworkAdapter, NetworkKind, WifiRow,
    WifiSecurity as UiSecurity,
};
use crate::settings::{JoinProgress, NetworkPanel};

pub fn apply(window: &MainWindow, previous: Option<&NetworkPanel>, panel: &NetworkPanel) {
    let adapter = window.global::<NetworkAdapter>();
    adapter.set_available(panel.unavailable.is_none());
    adapter.set_unavailable_detail(panel.unavailable.clone().unwrap_or_default().into());
    let status = &panel.status;
    adapter.set_kind(match status.kind {
        ConnectionKind::Ethernet => NetworkKind::Ethernet,
        ConnectionKind::Wifi => NetworkKind::Wifi,
        ConnectionKind::Other => NetworkKind::Other,
        ConnectionKind::Disconnected => NetworkKind::Disconnected,
    });
    adapter.set_interface(status.interface.clone().unwrap_or_default().into());
    adapter.set_ipv4(status.ipv4.join(", ").into());
    adapter.set_ipv6(status.ipv6.join(", ").into());
    adapter.set_gateway(status.gateway.clone().unwrap_or_default().into());
    adapter.set_dns(status.dns.join(", ").into());
    adapter.set_ssid(status.ssid.clone().unwrap_or_default().into());
    adapter.set_signal(i32::from(status.signal_percent.unwrap_or(0)));
    adapter.set_connectivity(match status.connectivity {
        countertop_network::Connectivity::Unknown => UiConnectivity::Unknown,
        countertop_network::Connectivity::None => UiConnectivity::None,
        countertop_network::Connectivity::Portal => UiConnectivity::Portal,
        countertop_network::Connectivity::Limited => UiConnectivity::Limited,
        countertop_network::Connectivity::Full => UiConnectivity::Full,
    });
    adapter.set_cable(status.ethernet_cable);
    if previous.map(|p| &p.access_points) != Some(&panel.access_points) {
        let rows: Vec<WifiRow> = panel.access_points.iter().map(map_access_point).collect();
        adapter.set_wifi(ModelRc::new(VecModel::from(rows)));
    }
    adapter.set_scanning(panel.scanning);
    let (state, ssid) = map_join(&panel.join);
    adapter.set_join_state(state);
    adapter.set_join_ssid(ssid.into());
    adapter.set_forget_error(panel.forget_failed.clone().unwrap_or_default().into());
}

pub fn map_access_point(ap: &AccessPoint) -> WifiRow {
    WifiRow {
        ssid: ap.ssid.as_str().into(),
        bars: i32::from(countertop_network::signal_bars(ap.signal_percent)),
        signal: i32::from(ap.signal_percent),
        security: match ap.security {
            WifiSecurity::Open => UiSecurity::Open,
            WifiSecurity::Wpa2Personal => UiSecurity::Wpa2,
            WifiSecurity::Wpa3Personal => UiSecurity::Wpa3,
            WifiSecurity::Enterprise => UiSecurity::Enterprise,
            WifiSecurity::Other => UiSecurity::Other,
        },
        known: ap.known,
        active: ap.active,
    }
}

fn map_join(join: &JoinProgress) -> (JoinState, String) {
    match join {
        JoinProgress::Idle => (JoinState::Idle, String::new()),
        JoinProgress::Joining(ssid) => (JoinState::Joining, ssid.clone()),
        JoinProgress::Joined(ssid) => (JoinState::Joined, ssid.clone()),
        JoinProgress::Failed { ssid, error } => {
            let state = match error {
                JoinError::WrongPassword => JoinState::WrongPassword,
                JoinError::OutOfRange => JoinState::OutOfRange,
                JoinError::NoSecrets => JoinState::NoSecrets,
                JoinError::NoWifiDevice => JoinState::NoDevice,
                JoinError::Unsupported => JoinState::Unsupported,
                JoinError::Failed(detail) => {
                    tracing::warn!(%ssid, %detail, "Wi-Fi join failed");
                    JoinState::Failed
                }
            };
            (state, ssid.clone())
        }
    }
}
