//! The actor against python-dbusmock's NetworkManager template on a private dbus-daemon: the
//! Wi-Fi paths (there is no Wi-Fi hardware here). The mock is driven through its
//! `org.freedesktop.DBus.Mock` interface; everything is asserted through `run(...)`'s events.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{PrivateBus, Process, require_dbusmock, start_actor, wait_for_name};
use countertop_network::{
    AccessPoint, ConnectionKind, Connectivity, JoinError, NetworkConfig, NetworkError,
    NetworkEvent, NetworkRequest, NetworkStatus, WifiSecurity,
};
use zbus::export::serde;
use zbus::zvariant::{self, ObjectPath, OwnedObjectPath, OwnedValue, Value};

const NM: &str = "org.freedesktop.NetworkManager";
const NM_PATH: &str = "/org/freedesktop/NetworkManager";
const SETTINGS_PATH: &str = "/org/freedesktop/NetworkManager/Settings";
const MOCK: &str = "org.freedesktop.DBus.Mock";
const AP_IFACE: &str = "org.freedesktop.NetworkManager.AccessPoint";
const WAIT: Duration = Duration::from_secs(10);

/// `NM80211ApSecurityFlags` as the mock takes them.
const PSK: u32 = 0x100;
const EAP: u32 = 0x200;
const SAE: u32 = 0x400;

/// A private bus with the NetworkManager mock on it.
struct MockNm {
    mock: Option<Process>,
    conn: zbus::Connection,
    bus: PrivateBus,
}

impl MockNm {
    async fn start() -> MockNm {
        let mut nm = MockNm::without_networkmanager().await;
        nm.start_mock().await;
        nm
    }

    async fn without_networkmanager() -> MockNm {
        let bus = PrivateBus::start();
        let conn = bus.connect().await;
        MockNm {
            mock: None,
            conn,
            bus,
        }
    }

    async fn start_mock(&mut self) {
        let python = require_dbusmock();
        let mut command = Command::new(python);
        command
            .args(["-m", "dbusmock", "--template", "networkmanager", "-l"])
            .arg(self.bus.dir.join("mock-calls.log"))
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus.address);
        self.mock = Some(Process::spawn(
            "python-dbusmock",
            command,
            &self.bus.dir.join("mock.log"),
        ));
        wait_for_name(&self.conn, NM, WAIT).await;
    }

    fn stop_mock(&mut self) {
        self.mock = None;
    }

    fn config(&self) -> NetworkConfig {
        NetworkConfig {
            bus_address: Some(self.bus.address.clone()),
            ..NetworkConfig::default()
        }
    }

    fn call_log(&self) -> String {
        std::fs::read_to_string(self.bus.dir.join("mock-calls.log")).unwrap_or_default()
    }

    async fn call<B, R>(&self, path: &str, interface: &str, method: &str, body: &B) -> R
    where
        B: serde::Serialize + zvariant::DynamicType,
        R: serde::de::DeserializeOwned + zvariant::Type,
    {
        let reply = self
            .conn
            .call_method(Some(NM), path, Some(interface), method, body)
            .await
            .unwrap_or_else(|e| panic!("{interface}.{method}: {e}"));
        reply
            .body()
            .deserialize::<R>()
            .unwrap_or_else(|e| panic!("reply of {method}: {e}"))
    }

    async fn add_wifi_device(&self) -> String {
        // 30 = DISCONNECTED
        self.call(
            NM_PATH,
            MOCK,
            "AddWiFiDevice",
            &("wlan0dev", "wlan0", 30i32),
        )
        .await
    }

    async fn add_ap(
        &self,
        device: &str,
        name: &str,
        ssid: &str,
        strength: u8,
        security: u32,
    ) -> String {
        let bssid = format!("02:00:00:00:00:{:02x}", name.len() * 7 % 256);
        let body = (
            device,
            name,
            ssid,
            bssid.as_str(),
            2u32,
            2437u32,
            54000u32,
            strength,
            security,
        );
        self.call(NM_PATH, MOCK, "AddAccessPoint", &body).await
    }

    async fn add_wifi_profile(&self, device: &str, name: &str, ssid: &str) -> String {
        self.call(
            NM_PATH,
            MOCK,
            "AddWiFiConnection",
            &(device, name, ssid, ""),
        )
        .await
    }

    async fn set_property(&self, path: &str, interface: &str, name: &str, value: Value<'_>) {
        self.call::<_, ()>(
            NM_PATH,
            MOCK,
            "SetProperty",
            &(path, interface, name, value),
        )
        .await
    }

    async fn activate(&self, profile: &str, device: &str, ap: &str) -> OwnedObjectPath {
        let path = |p: &str| ObjectPath::try_from(p.to_owned()).expect("object path");
        self.call(
            NM_PATH,
            NM,
            "ActivateConnection",
            &(path(profile), path(device), path(ap)),
        )
        .await
    }

    async fn deactivate(&self, active: &OwnedObjectPath) {
        self.call::<_, ()>(NM_PATH, NM, "DeactivateConnection", &(active,))
            .await
    }

    /// Makes `AddAndActivateConnection` behave like NetworkManager with a wrong PSK: the device
    /// fails with reason 7 (NO_SECRETS) and the call returns AgentManager.NoSecrets, unless the
    /// password is "correct horse".
    async fn refuse_wrong_passwords(&self) {
        let code = r#"
security = args[0].get("802-11-wireless-security", {})
if security and security.get("psk", "") != "correct horse":
    dev = objects[args[1]]
    dev.Set("org.freedesktop.NetworkManager.Device", "StateReason", dbus.Struct((dbus.UInt32(120), dbus.UInt32(7))))
    dev.Set("org.freedesktop.NetworkManager.Device", "State", dbus.UInt32(120))
    dev.EmitSignal("org.freedesktop.NetworkManager.Device", "StateChanged", "uuu", [dbus.UInt32(120), dbus.UInt32(30), dbus.UInt32(7)])
    raise dbus.exceptions.DBusException("Secrets were required, but not provided", name="org.freedesktop.NetworkManager.AgentManager.NoSecrets")
ret = self.add_and_activate_connection(self, args[0], args[1], args[2])
"#;
        let body = (NM, "AddAndActivateConnection", "a{sa{sv}}oo", "oo", code);
        self.call::<_, ()>(NM_PATH, MOCK, "AddMethod", &body).await
    }

    /// (profile path, ssid, ipv4.route-metric) of every saved Wi-Fi profile.
    async fn saved_wifi(&self) -> Vec<(String, String, Option<i64>)> {
        let paths: Vec<OwnedObjectPath> = self
            .call(
                SETTINGS_PATH,
                "org.freedesktop.NetworkManager.Settings",
                "ListConnections",
                &(),
            )
            .await;
        let mut saved = Vec::new();
        for path in paths {
            let settings: std::collections::HashMap<
                String,
                std::collections::HashMap<String, OwnedValue>,
            > = self
                .call(
                    path.as_str(),
                    "org.freedesktop.NetworkManager.Settings.Connection",
                    "GetSettings",
                    &(),
                )
                .await;
            let Some(ssid) = settings.get("802-11-wireless").and_then(|s| s.get("ssid")) else {
                continue;
            };
            let ssid = Vec::<u8>::try_from(ssid.clone()).expect("ssid bytes");
            let metric = settings
                .get("ipv4")
                .and_then(|s| s.get("route-metric"))
                .and_then(|v| i64::try_from(v.clone()).ok());
            saved.push((
                path.to_string(),
                String::from_utf8(ssid).expect("utf-8 ssid"),
                metric,
            ));
        }
        saved.sort();
        saved
    }
}

fn ap(
    ssid: &str,
    signal_percent: u8,
    security: WifiSecurity,
    known: bool,
    active: bool,
) -> AccessPoint {
    AccessPoint {
        ssid: ssid.to_owned(),
        signal_percent,
        security,
        known,
        active,
    }
}

fn status(event: &NetworkEvent) -> Option<NetworkStatus> {
    match event {
        NetworkEvent::Status(status) => Some(status.clone()),
        _ => None,
    }
}

fn access_points(event: &NetworkEvent) -> Option<Vec<AccessPoint>> {
    match event {
        NetworkEvent::AccessPoints(list) => Some(list.clone()),
        _ => None,
    }
}

fn join_result(ssid: &str) -> impl FnMut(&NetworkEvent) -> Option<Result<(), JoinError>> + '_ {
    move |event| match event {
        NetworkEvent::JoinFinished { ssid: s, result } if s == ssid => Some(result.clone()),
        _ => None,
    }
}

fn join(ssid: &str, password: Option<&str>) -> NetworkRequest {
    NetworkRequest::Join {
        ssid: ssid.to_owned(),
        password: password.map(str::to_owned),
    }
}

#[tokio::test]
async fn wifi_list_is_deduplicated_sorted_and_marks_security_and_known_networks() {
    let nm = MockNm::start().await;
    let dev = nm.add_wifi_device().await;
    nm.add_ap(&dev, "shop_far", "Shop", 40, PSK).await;
    nm.add_ap(&dev, "shop_near", "Shop", 82, PSK).await;
    let guest = nm.add_ap(&dev, "guest", "Guest", 35, 0).await;
    let back = nm.add_ap(&dev, "back", "Back", 60, SAE).await;
    // As a real WPA3-only access point reports it: SAE in the RSN element, no WPA1 element.
    nm.set_property(&back, AP_IFACE, "WpaFlags", Value::U32(0))
        .await;
    nm.add_ap(&dev, "corp", "Corp", 70, EAP).await;
    nm.add_ap(&dev, "hidden", "", 90, 0).await;
    let guest_profile = nm.add_wifi_profile(&dev, "guest_profile", "Guest").await;
    nm.activate(&guest_profile, &dev, &guest).await;

    let mut actor = start_actor(nm.config());
    // On start the actor sends the status, then the list.
    let status = actor
        .events
        .expect("Wi-Fi status", WAIT, |e| {
            status(e).filter(|s| s.kind == ConnectionKind::Wifi)
        })
        .await;
    assert_eq!(status.ssid.as_deref(), Some("Guest"));
    assert_eq!(status.signal_percent, Some(35));
    assert_eq!(status.interface.as_deref(), Some("wlan0"));

    let expected = vec![
        ap("Guest", 35, WifiSecurity::Open, true, true),
        ap("Shop", 82, WifiSecurity::Wpa2Personal, false, false),
        ap("Corp", 70, WifiSecurity::Enterprise, false, false),
        ap("Back", 60, WifiSecurity::Wpa3Personal, false, false),
    ];
    let list = actor
        .events
        .expect("the Wi-Fi list", WAIT, access_points)
        .await;
    assert_eq!(list, expected);
    // A scan sends the current list at once.
    actor.send(NetworkRequest::Scan).await;
    let list = actor
        .events
        .expect("the Wi-Fi list after Scan", WAIT, access_points)
        .await;
    assert_eq!(list, expected);
    assert!(nm.call_log().contains("RequestScan"));
    // The mock has no IP configuration objects: missing properties are empty, not errors.
    assert!(status.ipv4.is_empty() && status.primary_ipv4.is_none());
}

#[tokio::test]
async fn joining_a_new_and_a_known_network_shows_wifi_status() {
    let nm = MockNm::start().await;
    let dev = nm.add_wifi_device().await;
    nm.add_ap(&dev, "shop", "Shop", 82, PSK).await;
    nm.add_ap(&dev, "guest", "Guest", 35, 0).await;
    nm.add_wifi_profile(&dev, "guest_profile", "Guest").await;
    let mut actor = start_actor(nm.config());
    actor.events.expect("the first status", WAIT, status).await;

    actor.send(join("Shop", Some("correct horse"))).await;
    assert_eq!(
        actor
            .events
            .expect("JoinFinished", WAIT, join_result("Shop"))
            .await,
        Ok(())
    );
    let connected = |ssid: &'static str| {
        move |e: &NetworkEvent| {
            status(e).filter(|s| s.kind == ConnectionKind::Wifi && s.ssid.as_deref() == Some(ssid))
        }
    };
    let status = actor
        .events
        .expect("status on Shop", WAIT, connected("Shop"))
        .await;
    assert_eq!(status.signal_percent, Some(82));
    actor
        .events
        .expect("Shop known and active", WAIT, |e| {
            access_points(e).filter(|l| {
                l.first() == Some(&ap("Shop", 82, WifiSecurity::Wpa2Personal, true, true))
            })
        })
        .await;
    // The profile sent to NetworkManager: WPA2 as wpa-psk, the Wi-Fi route metric.
    let log = nm.call_log();
    let call = log
        .lines()
        .find(|l| l.contains("AddAndActivateConnection"))
        .expect("AddAndActivateConnection logged");
    assert!(call.contains(r#""key-mgmt": "wpa-psk""#), "{call}");
    assert!(call.contains(r#""psk": "correct horse""#), "{call}");
    assert!(call.contains(r#""route-metric": 600"#), "{call}");
    // The mock stores its own profile (without our settings); the actor gives it the Wi-Fi
    // route metric, as it does for every Wi-Fi profile.
    let saved = nm.saved_wifi().await;
    assert!(
        saved
            .iter()
            .any(|(_, ssid, metric)| ssid == "Shop" && *metric == Some(600)),
        "{saved:?}"
    );

    // A known network is activated from its saved profile, without a password.
    actor.send(join("Guest", None)).await;
    assert_eq!(
        actor
            .events
            .expect("JoinFinished", WAIT, join_result("Guest"))
            .await,
        Ok(())
    );
    actor
        .events
        .expect("status on Guest", WAIT, connected("Guest"))
        .await;
    assert!(nm.call_log().contains(
        r#"ActivateConnection "/org/freedesktop/NetworkManager/Settings/guest_profile""#
    ));
}

#[tokio::test]
async fn join_failures_are_reported_with_their_reason() {
    let nm = MockNm::start().await;
    nm.refuse_wrong_passwords().await;
    let mut actor = start_actor(nm.config());
    actor.events.expect("the first status", WAIT, status).await;

    actor.send(join("Shop", Some("correct horse"))).await;
    assert_eq!(
        actor
            .events
            .expect("JoinFinished", WAIT, join_result("Shop"))
            .await,
        Err(JoinError::NoWifiDevice)
    );

    let dev = nm.add_wifi_device().await;
    nm.add_ap(&dev, "shop", "Shop", 82, PSK).await;
    nm.add_ap(&dev, "corp", "Corp", 70, EAP).await;
    let cases = [
        ("Shop", Some("not the password"), JoinError::WrongPassword),
        ("Shop", None, JoinError::NoSecrets),
        ("Shop", Some("short"), JoinError::WrongPassword),
        ("Nowhere", Some("correct horse"), JoinError::OutOfRange),
        ("Corp", Some("correct horse"), JoinError::Unsupported),
    ];
    for (ssid, password, expected) in cases {
        actor.send(join(ssid, password)).await;
        let result = actor
            .events
            .expect("JoinFinished", WAIT, join_result(ssid))
            .await;
        assert_eq!(result, Err(expected), "joining {ssid} with {password:?}");
    }
    assert!(
        nm.saved_wifi().await.is_empty(),
        "a failed join leaves no saved profile"
    );

    actor.send(join("Shop", Some("correct horse"))).await;
    assert_eq!(
        actor
            .events
            .expect("JoinFinished", WAIT, join_result("Shop"))
            .await,
        Ok(())
    );
}

#[tokio::test]
async fn forget_deletes_every_saved_profile_of_the_network() {
    let nm = MockNm::start().await;
    let dev = nm.add_wifi_device().await;
    nm.add_ap(&dev, "shop", "Shop", 82, PSK).await;
    nm.add_ap(&dev, "guest", "Guest", 35, 0).await;
    nm.add_wifi_profile(&dev, "shop_1", "Shop").await;
    nm.add_wifi_profile(&dev, "shop_2", "Shop").await;
    nm.add_wifi_profile(&dev, "guest_profile", "Guest").await;
    let mut actor = start_actor(nm.config());
    actor
        .events
        .expect("Shop known", WAIT, |e| {
            access_points(e).filter(|l| l.iter().any(|a| a.ssid == "Shop" && a.known))
        })
        .await;

    actor
        .send(NetworkRequest::Forget {
            ssid: "Shop".to_owned(),
        })
        .await;
    let forgotten = |e: &NetworkEvent| match e {
        NetworkEvent::Forgotten { ssid, result } if ssid == "Shop" => Some(result.clone()),
        _ => None,
    };
    assert_eq!(
        actor.events.expect("Forgotten", WAIT, forgotten).await,
        Ok(())
    );
    let saved: Vec<String> = nm
        .saved_wifi()
        .await
        .into_iter()
        .map(|(_, ssid, _)| ssid)
        .collect();
    assert_eq!(saved, ["Guest"]);
    actor
        .events
        .expect("Shop no longer known", WAIT, |e| {
            access_points(e).filter(|l| l.iter().any(|a| a.ssid == "Shop" && !a.known))
        })
        .await;

    actor
        .send(NetworkRequest::Forget {
            ssid: "Shop".to_owned(),
        })
        .await;
    let again = actor.events.expect("Forgotten", WAIT, forgotten).await;
    assert_eq!(
        again,
        Err(NetworkError::NoSuchProfile {
            ssid: "Shop".to_owned()
        })
    );
}

#[tokio::test]
async fn changes_in_networkmanager_arrive_as_events_without_any_request() {
    let nm = MockNm::start().await;
    let dev = nm.add_wifi_device().await;
    let guest = nm.add_ap(&dev, "guest", "Guest", 35, 0).await;
    let guest_profile = nm.add_wifi_profile(&dev, "guest_profile", "Guest").await;
    let mut actor = start_actor(nm.config());
    let first = actor.events.expect("the first status", WAIT, status).await;
    assert_eq!(first.kind, ConnectionKind::Disconnected);
    assert_eq!(first.connectivity, Connectivity::Full, "the mock's default");

    // No request is sent in this test: every event below comes from a D-Bus signal.
    nm.call::<_, ()>(NM_PATH, MOCK, "SetConnectivity", &(2u32,))
        .await;
    actor
        .events
        .expect("portal", WAIT, |e| {
            status(e).filter(|s| s.connectivity == Connectivity::Portal)
        })
        .await;

    nm.add_ap(&dev, "cafe", "Cafe", 64, PSK).await;
    actor
        .events
        .expect("Cafe listed", WAIT, |e| {
            access_points(e).filter(|l| l.iter().any(|a| a.ssid == "Cafe"))
        })
        .await;

    let active = nm.activate(&guest_profile, &dev, &guest).await;
    let on_wifi = actor
        .events
        .expect("Wi-Fi status", WAIT, |e| {
            status(e).filter(|s| s.kind == ConnectionKind::Wifi)
        })
        .await;
    assert_eq!(
        (on_wifi.ssid.as_deref(), on_wifi.signal_percent),
        (Some("Guest"), Some(35))
    );

    nm.set_property(&guest, AP_IFACE, "Strength", Value::U8(77))
        .await;
    actor
        .events
        .expect("new signal", WAIT, |e| {
            status(e).filter(|s| s.signal_percent == Some(77))
        })
        .await;

    nm.deactivate(&active).await;
    actor
        .events
        .expect("disconnected", WAIT, |e| {
            status(e).filter(|s| s.kind == ConnectionKind::Disconnected)
        })
        .await;

    // The actor ends when its request channel closes.
    drop(actor.requests);
    tokio::time::timeout(Duration::from_secs(5), actor.task)
        .await
        .expect("the actor did not stop after its request channel closed")
        .expect("the actor panicked");
}

#[tokio::test]
async fn networkmanager_absent_then_appearing_then_leaving() {
    let mut nm = MockNm::without_networkmanager().await;
    let mut actor = start_actor(nm.config());
    let unavailable = |e: &NetworkEvent| match e {
        NetworkEvent::Unavailable { reason } => Some(reason.clone()),
        _ => None,
    };
    let reason = actor.events.expect("Unavailable", WAIT, unavailable).await;
    assert!(reason.contains("NetworkManager"), "{reason}");

    // Requests are answered, not queued, while NetworkManager is away.
    actor.send(join("Shop", Some("correct horse"))).await;
    let result = actor
        .events
        .expect("JoinFinished", WAIT, join_result("Shop"))
        .await;
    assert!(matches!(result, Err(JoinError::Failed(_))), "{result:?}");
    actor
        .send(NetworkRequest::Forget {
            ssid: "Shop".to_owned(),
        })
        .await;
    let forgotten = actor
        .events
        .expect("Forgotten", WAIT, |e| match e {
            NetworkEvent::Forgotten { result, .. } => Some(result.clone()),
            _ => None,
        })
        .await;
    assert_eq!(forgotten, Err(NetworkError::Unavailable));

    nm.start_mock().await;
    actor
        .events
        .expect("Status once NetworkManager appears", WAIT, status)
        .await;

    nm.stop_mock();
    actor
        .events
        .expect("Unavailable once it leaves", WAIT, unavailable)
        .await;

    nm.start_mock().await;
    actor
        .events
        .expect("Status once it is back", WAIT, status)
        .await;
}

#[tokio::test]
async fn unreachable_bus_is_reported_and_the_actor_ends_with_its_channels() {
    let dir = common::TempDir::new();
    let config = NetworkConfig {
        bus_address: Some(format!("unix:path={}", dir.join("no-bus-here").display())),
        ..NetworkConfig::default()
    };
    let unavailable = |e: &NetworkEvent| match e {
        NetworkEvent::Unavailable { reason } => Some(reason.clone()),
        _ => None,
    };

    let mut actor = start_actor(config.clone());
    let reason = actor.events.expect("Unavailable", WAIT, unavailable).await;
    assert!(reason.contains("D-Bus"), "{reason}");
    // Refresh retries at once instead of waiting for the back-off.
    actor.send(NetworkRequest::Refresh).await;
    actor
        .events
        .expect("Unavailable again", WAIT, unavailable)
        .await;
    drop(actor.requests);
    tokio::time::timeout(Duration::from_secs(5), actor.task)
        .await
        .expect("the actor did not stop after its request channel closed")
        .expect("the actor panicked");

    // Dropping the events receiver ends it too (it is waiting out its back-off meanwhile).
    let mut actor = start_actor(config);
    actor.events.expect("Unavailable", WAIT, unavailable).await;
    let common::Actor {
        requests,
        events,
        task,
    } = actor;
    drop(events);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the actor did not stop after its events receiver was dropped")
        .expect("the actor panicked");
    drop(requests);
}
