//! Panel views with sample data, for screenshots and UI tests (no store or shopper data: the
//! panel never has any).

use std::net::Ipv4Addr;

use countertop_network::{
    AccessPoint, ConnectionKind, Connectivity, JoinError, NetworkStatus, WifiSecurity,
};

use super::view::{JoinProgress, NetworkPanel, PinPromptState, SettingsView};
use crate::adapters::link::PosLinkStatus;

fn access_point(
    ssid: &str,
    signal_percent: u8,
    security: WifiSecurity,
    known: bool,
    active: bool,
) -> AccessPoint {
    AccessPoint {
        ssid: ssid.into(),
        signal_percent,
        security,
        known,
        active,
    }
}

/// The panel in each state worth a picture, named for the screenshot files, with the tab to
/// show (0 network, 1 Wi-Fi, 2 POS, 3 PIN).
pub fn sample_settings_views(pairing_uri: &str) -> Vec<(&'static str, i32, SettingsView)> {
    let ports = vec![
        ("POS", 4443),
        ("health", 8080),
        ("discovery", 27000),
        ("announce", 27001),
        ("nexo", 8443),
    ];
    let locked = SettingsView {
        default_pin: true,
        ports: ports.clone(),
        ..SettingsView::default()
    };
    let wrong = SettingsView {
        pin: PinPromptState::Wrong { tries_left: 2 },
        ..locked.clone()
    };
    let lockout = SettingsView {
        pin: PinPromptState::LockedOut { seconds: 30 },
        ..locked.clone()
    };
    let network = NetworkPanel {
        unavailable: None,
        status: NetworkStatus {
            kind: ConnectionKind::Ethernet,
            interface: Some("eth0".into()),
            ipv4: vec!["192.168.1.23/24".into()],
            ipv6: vec!["fe80::1c2b:3aff:fe4d:5e6f/64".into()],
            gateway: Some("192.168.1.1".into()),
            dns: vec!["192.168.1.1".into()],
            ssid: None,
            signal_percent: None,
            connectivity: Connectivity::Full,
            ethernet_cable: true,
            primary_ipv4: Some(Ipv4Addr::new(192, 168, 1, 23)),
        },
        access_points: vec![
            access_point("Shop-Staff", 84, WifiSecurity::Wpa2Personal, true, false),
            access_point("Shop-Guest", 63, WifiSecurity::Open, false, false),
            access_point(
                "Bakery next door",
                41,
                WifiSecurity::Wpa3Personal,
                false,
                false,
            ),
            access_point("HQ-Corporate", 22, WifiSecurity::Enterprise, false, false),
        ],
        scanning: false,
        join: JoinProgress::Idle,
        forget_failed: None,
    };
    let pos = PosLinkStatus {
        paired_pos: Some("Front counter".into()),
        connected: true,
        pairing_uri: None,
    };
    let unlocked = SettingsView {
        unlocked: true,
        network,
        pos,
        ..locked.clone()
    };
    let mut wrong_password = unlocked.clone();
    wrong_password.network.join = JoinProgress::Failed {
        ssid: "Bakery next door".into(),
        error: JoinError::WrongPassword,
    };
    let mut unpaired = unlocked.clone();
    unpaired.pos = PosLinkStatus {
        paired_pos: None,
        connected: false,
        pairing_uri: Some(pairing_uri.into()),
    };
    unpaired.default_pin = false;
    let mut wifi = unlocked.clone();
    wifi.network.status.kind = ConnectionKind::Wifi;
    wifi.network.status.interface = Some("wlan0".into());
    wifi.network.status.ssid = Some("Shop-Staff".into());
    wifi.network.status.signal_percent = Some(84);
    wifi.network.status.ethernet_cable = false;
    wifi.network.access_points[0].active = true;
    let mut no_nm = unlocked.clone();
    no_nm.network = NetworkPanel {
        unavailable: Some("NetworkManager is not running".into()),
        ..NetworkPanel::default()
    };
    vec![
        ("settings-locked", 0, locked),
        ("settings-wrong-pin", 0, wrong),
        ("settings-lockout", 0, lockout),
        ("settings", 0, unlocked.clone()),
        ("settings-wifi-status", 0, wifi.clone()),
        ("settings-no-networkmanager", 0, no_nm),
        ("settings-wifi-list", 1, wifi),
        ("settings-wrong-password", 1, wrong_password),
        ("settings-pos", 2, unlocked.clone()),
        ("settings-unpaired", 2, unpaired),
        ("settings-pin", 3, unlocked),
    ]
}
