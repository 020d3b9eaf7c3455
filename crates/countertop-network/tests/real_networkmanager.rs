//! The actor against the real NetworkManager, running in a network namespace of its own on a
//! private dbus-daemon, with veth links to peer namespaces that serve DHCP (dnsmasq).
//!
//! There is no Wi-Fi hardware here, so the "other uplink" is a second ethernet link: `eth0`
//! stands for the dock's ethernet and `eth1` for the fallback (Wi-Fi's place). The actor is
//! told which interface is the dock (`NetworkConfig::dock_interface = "eth0"`), gives the dock's
//! profile the ethernet route metric and every other uplink the Wi-Fi one: the same code path
//! that ranks a real Wi-Fi profile, exercised with an ethernet-typed stand-in.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::netns::{Lab, UplinkSpec};
use common::start_actor;
use countertop_network::{
    ConnectionKind, Connectivity, NetworkConfig, NetworkEvent, NetworkStatus,
};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

/// Activation with DHCP takes about a second here; failover waits out NetworkManager's
/// carrier-wait-timeout (1 s in the lab's config) first.
const WAIT: Duration = Duration::from_secs(30);

const SETTINGS_PATH: &str = "/org/freedesktop/NetworkManager/Settings";
const SETTINGS_IFACE: &str = "org.freedesktop.NetworkManager.Settings";
const PROFILE_IFACE: &str = "org.freedesktop.NetworkManager.Settings.Connection";
const NM: &str = "org.freedesktop.NetworkManager";

type Settings = HashMap<String, HashMap<String, OwnedValue>>;

/// An ethernet profile bound to `interface` that connects by itself, made the way an installer
/// or a technician would: no route metric, no priority (the actor adds those).
async fn add_ethernet_profile(
    conn: &zbus::Connection,
    id: &str,
    interface: &str,
) -> OwnedObjectPath {
    let mut settings: HashMap<&str, HashMap<&str, Value<'_>>> = HashMap::new();
    settings.insert(
        "connection",
        HashMap::from([
            ("id", Value::from(id)),
            ("type", Value::from("802-3-ethernet")),
            ("interface-name", Value::from(interface)),
            ("autoconnect", Value::from(true)),
        ]),
    );
    settings.insert("ipv4", HashMap::from([("method", Value::from("auto"))]));
    settings.insert("ipv6", HashMap::from([("method", Value::from("disabled"))]));
    let reply = conn
        .call_method(
            Some(NM),
            SETTINGS_PATH,
            Some(SETTINGS_IFACE),
            "AddConnection",
            &(settings,),
        )
        .await
        .expect("Settings.AddConnection");
    reply.body().deserialize().expect("profile path")
}

async fn profile_settings(conn: &zbus::Connection, profile: &OwnedObjectPath) -> Settings {
    let reply = conn
        .call_method(
            Some(NM),
            profile.as_str(),
            Some(PROFILE_IFACE),
            "GetSettings",
            &(),
        )
        .await
        .expect("GetSettings");
    reply.body().deserialize().expect("settings")
}

fn int(settings: &Settings, section: &str, key: &str) -> Option<i64> {
    match &**settings.get(section)?.get(key)? {
        Value::I64(n) => Some(*n),
        Value::I32(n) => Some(i64::from(*n)),
        _ => None,
    }
}

/// Kernel routes have no signal for the test to wait on: look again every 100 ms, bounded.
async fn wait_for_routes(lab: &Lab, what: &str, accept: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let routes = lab.default_routes();
        if accept(&routes) {
            return routes;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {what} within 20 s; default routes: {routes}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn status(event: &NetworkEvent) -> Option<NetworkStatus> {
    match event {
        NetworkEvent::Status(status) => Some(status.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn dock_ethernet_status_comes_from_dhcp_and_the_actor_sets_its_metric() {
    let mut lab = Lab::start(&[UplinkSpec {
        nm_if: "eth0",
        peer_if: "vp0",
        subnet: "10.92.1",
        connectivity_check: true,
    }]);
    let conn = lab.bus.connect().await;
    lab.wait_for_networkmanager(&conn).await;
    // The profile exists before the actor starts: the actor fixes it up at start.
    let dock = add_ethernet_profile(&conn, "dock", "eth0").await;

    let config = NetworkConfig {
        bus_address: Some(lab.bus.address.clone()),
        // Not NetworkManager's own default for ethernet (100), so the route shows who set it.
        ethernet_route_metric: 123,
        ..NetworkConfig::default()
    };
    let mut actor = start_actor(config);
    let uplink = lab.uplink("eth0");
    let online = actor
        .events
        .expect("the dock's ethernet, addressed and online", WAIT, |e| {
            status(e).filter(|s| {
                s.kind == ConnectionKind::Ethernet
                    && !s.ipv4.is_empty()
                    && s.connectivity == Connectivity::Full
            })
        })
        .await;
    assert_eq!(online.interface.as_deref(), Some("eth0"));
    assert_eq!(online.ipv4.len(), 1, "{online:?}");
    let (address, prefix) = online.ipv4[0].split_once('/').expect("address/prefix");
    assert!(
        uplink.leased(address),
        "{address} is not from the DHCP range"
    );
    assert_eq!(prefix, "24");
    assert_eq!(
        online.primary_ipv4.map(|a| a.to_string()).as_deref(),
        Some(address)
    );
    assert_eq!(online.gateway, Some(uplink.gateway()));
    assert_eq!(online.dns, [uplink.dns()]);
    assert!(online.ethernet_cable);
    assert_eq!((online.ssid, online.signal_percent), (None, None));

    // The actor gave the profile its metric and priority through NetworkManager...
    let saved = profile_settings(&conn, &dock).await;
    assert_eq!(int(&saved, "ipv4", "route-metric"), Some(123));
    assert_eq!(int(&saved, "ipv6", "route-metric"), Some(123));
    assert_eq!(int(&saved, "connection", "autoconnect-priority"), Some(10));
    // ...and NetworkManager put it on the running link.
    wait_for_routes(&lab, "default route with metric 123", |r| {
        r.contains("dev eth0") && r.contains("metric 123")
    })
    .await;
}

#[tokio::test]
async fn dock_ethernet_is_preferred_and_traffic_fails_over_to_the_other_uplink_and_back() {
    let mut lab = Lab::start(&[
        UplinkSpec {
            nm_if: "eth0",
            peer_if: "vp0",
            subnet: "10.93.1",
            connectivity_check: false,
        },
        UplinkSpec {
            nm_if: "eth1",
            peer_if: "vp1",
            subnet: "10.93.2",
            connectivity_check: false,
        },
    ]);
    let conn = lab.bus.connect().await;
    lab.wait_for_networkmanager(&conn).await;
    let config = NetworkConfig {
        bus_address: Some(lab.bus.address.clone()),
        dock_interface: Some("eth0".to_owned()),
        ..NetworkConfig::default()
    };
    let mut actor = start_actor(config);
    let first = actor.events.expect("the first status", WAIT, status).await;
    assert_eq!(first.kind, ConnectionKind::Disconnected);

    // Profiles appear while the actor runs (NewConnection): both connect by themselves.
    let dock = add_ethernet_profile(&conn, "dock", "eth0").await;
    let other = add_ethernet_profile(&conn, "other-uplink", "eth1").await;
    let (dock_link, other_link) = (lab.uplink("eth0"), lab.uplink("eth1"));
    let on_dock = |e: &NetworkEvent| {
        status(e).filter(|s| {
            s.interface.as_deref() == Some("eth0")
                && s.primary_ipv4
                    .is_some_and(|a| dock_link.leased(&a.to_string()))
        })
    };
    let docked = actor
        .events
        .expect("primary on the dock's ethernet", WAIT, on_dock)
        .await;
    assert_eq!(docked.kind, ConnectionKind::Ethernet);
    assert!(docked.ethernet_cable);

    // Both links up, the dock's ranked first: metrics set by the actor through NetworkManager.
    let routes = wait_for_routes(&lab, "both default routes with the actor's metrics", |r| {
        r.lines()
            .any(|l| l.contains("dev eth0") && l.contains("metric 100"))
            && r.lines()
                .any(|l| l.contains("dev eth1") && l.contains("metric 600"))
    })
    .await;
    assert!(
        routes
            .lines()
            .next()
            .is_some_and(|l| l.contains("dev eth0")),
        "{routes}"
    );
    assert_eq!(
        int(
            &profile_settings(&conn, &dock).await,
            "ipv4",
            "route-metric"
        ),
        Some(100)
    );
    assert_eq!(
        int(
            &profile_settings(&conn, &other).await,
            "ipv4",
            "route-metric"
        ),
        Some(600)
    );

    // Dock cable out: the status moves to the other uplink and the POS address follows.
    dock_link.set_carrier(false);
    let failed_over = actor
        .events
        .expect("primary on the other uplink", WAIT, |e| {
            status(e).filter(|s| s.interface.as_deref() == Some("eth1") && s.primary_ipv4.is_some())
        })
        .await;
    let fallback_address = failed_over.primary_ipv4.expect("address").to_string();
    assert!(other_link.leased(&fallback_address), "{fallback_address}");
    assert_eq!(failed_over.gateway, Some(other_link.gateway()));
    assert_eq!(
        failed_over.kind,
        ConnectionKind::Ethernet,
        "the stand-in for Wi-Fi is an ethernet link"
    );
    assert!(!failed_over.ethernet_cable, "the dock has no carrier");

    // Cable back in: back to the dock's ethernet.
    dock_link.set_carrier(true);
    let back = actor
        .events
        .expect("primary back on the dock's ethernet", WAIT, on_dock)
        .await;
    assert!(back.ethernet_cable);
    assert_ne!(back.primary_ipv4, failed_over.primary_ipv4);
}
