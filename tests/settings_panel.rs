//! The staff panel: the settings actor with its real PIN store on disk and paused time (PIN
//! gate, lockout, idle lock, Wi-Fi requests and answers, pairing reset, the QR following the
//! address), and the real .slint panel on Slint's testing backend, touched with synthetic
//! pointers (edge swipe, PIN keypad, lockout text, Wi-Fi list, on-screen keyboard).

mod common;

use common::window;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use countertop::adapters::link::{LinkRequest, PosLinkStatus};
use countertop::adapters::store::AdminPinStore;
use countertop::adapters::ui::{
    MainWindow, NetworkAdapter, SettingsAdapter, apply_settings, wire_settings,
};
use countertop::messages::UiCommand;
use countertop::settings::{
    JoinProgress, PinChangeState, PinPromptState, SettingsActor, SettingsCommand, SettingsPorts,
    SettingsView,
};
use countertop_core::Language;
use countertop_network::{
    AccessPoint, ConnectionKind, Connectivity, JoinError, NetworkEvent, NetworkRequest,
    NetworkStatus, WifiSecurity,
};
use i_slint_backend_testing::{ElementHandle, mock_elapsed_time};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use tokio::sync::{mpsc, watch};

/// The NetworkManager crate's test harness (private dbus-daemon, processes killed on drop).
#[path = "../crates/countertop-network/tests/common/mod.rs"]
mod nm_harness;

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir =
        std::env::temp_dir().join(format!("countertop-settings-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

struct Panel {
    commands: mpsc::UnboundedSender<SettingsCommand>,
    views: mpsc::UnboundedReceiver<SettingsView>,
    network_events: mpsc::Sender<NetworkEvent>,
    network_requests: mpsc::Receiver<NetworkRequest>,
    link_requests: mpsc::Receiver<LinkRequest>,
    link_status: watch::Sender<PosLinkStatus>,
    orchestrator: mpsc::UnboundedReceiver<UiCommand>,
    _shutdown: watch::Sender<bool>,
    last: SettingsView,
}

impl Panel {
    fn start(dir: &TempDir) -> Panel {
        let store = AdminPinStore::open(&dir.0.join("admin-pin.json")).unwrap();
        let (network_tx, network_requests) = mpsc::channel(16);
        let (link_tx, link_requests) = mpsc::channel(16);
        let (event_tx, event_rx) = mpsc::channel(16);
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (view_tx, views) = mpsc::unbounded_channel();
        let link_status = watch::Sender::new(PosLinkStatus {
            paired_pos: Some("Front counter".into()),
            connected: true,
            pairing_uri: None,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (orchestrator_tx, orchestrator) = mpsc::unbounded_channel();
        let ports = SettingsPorts {
            network: Some(network_tx),
            link: Some(link_tx),
            orchestrator: Some(orchestrator_tx),
        };
        let actor =
            SettingsActor::new(store, ports, vec![("POS", 4443), ("health", 8080)], view_tx);
        tokio::spawn(actor.run(
            command_rx,
            event_rx,
            Some(link_status.subscribe()),
            shutdown_rx,
        ));
        Panel {
            commands,
            views,
            network_events: event_tx,
            network_requests,
            link_requests,
            link_status,
            orchestrator,
            _shutdown: shutdown,
            last: SettingsView::default(),
        }
    }

    fn send(&self, command: SettingsCommand) {
        self.commands.send(command).unwrap();
    }

    /// The first view (from now on) that satisfies `wanted`.
    async fn until(&mut self, wanted: impl Fn(&SettingsView) -> bool) -> SettingsView {
        loop {
            let view = self.views.recv().await.expect("the settings actor stopped");
            self.last = view.clone();
            if wanted(&view) {
                return view;
            }
        }
    }

    async fn unlock(&mut self, pin: &str) {
        self.send(SettingsCommand::Opened);
        self.send(SettingsCommand::Pin(pin.into()));
        self.until(|v| v.unlocked).await;
    }
}

#[tokio::test(start_paused = true)]
async fn five_wrong_pins_lock_the_panel_with_a_growing_delay_that_survives_a_restart() {
    let dir = temp_dir("lockout");
    let mut panel = Panel::start(&dir);
    let first = panel.until(|_| true).await;
    assert!(!first.unlocked && first.default_pin);
    panel.send(SettingsCommand::Opened);
    for tries_left in (1..=4).rev() {
        panel.send(SettingsCommand::Pin("9999".into()));
        let view = panel
            .until(|v| matches!(v.pin, PinPromptState::Wrong { .. }))
            .await;
        assert_eq!(view.pin, PinPromptState::Wrong { tries_left });
        assert!(!view.unlocked);
    }
    panel.send(SettingsCommand::Pin("9999".into()));
    let view = panel
        .until(|v| matches!(v.pin, PinPromptState::LockedOut { .. }))
        .await;
    assert_eq!(view.pin, PinPromptState::LockedOut { seconds: 30 });
    // The right PIN during the lockout is not even checked.
    panel.send(SettingsCommand::Pin("1234".into()));
    let view = panel
        .until(|v| v.pin == PinPromptState::LockedOut { seconds: 29 })
        .await;
    assert!(!view.unlocked);
    // The count is on disk: a restarted terminal does not hand out fresh guesses.
    assert_eq!(
        AdminPinStore::open(&dir.0.join("admin-pin.json"))
            .unwrap()
            .failures(),
        5
    );
    panel.until(|v| v.pin == PinPromptState::Enter).await;
    // One more wrong guess after the lockout locks again at once, twice as long.
    panel.send(SettingsCommand::Pin("0000".into()));
    panel
        .until(|v| v.pin == PinPromptState::LockedOut { seconds: 60 })
        .await;
    drop(panel);

    let mut restarted = Panel::start(&dir);
    restarted.send(SettingsCommand::Opened);
    restarted.send(SettingsCommand::Pin("1234".into()));
    let view = restarted
        .until(|v| matches!(v.pin, PinPromptState::LockedOut { .. }))
        .await;
    assert!(!view.unlocked, "a restart must not lift the lockout");
    restarted.until(|v| v.pin == PinPromptState::Enter).await;
    restarted.send(SettingsCommand::Pin("1234".into()));
    restarted.until(|v| v.unlocked).await;
    assert_eq!(
        AdminPinStore::open(&dir.0.join("admin-pin.json"))
            .unwrap()
            .failures(),
        0
    );
}

#[tokio::test(start_paused = true)]
async fn a_locked_panel_obeys_nothing_and_an_idle_one_locks_itself() {
    let dir = temp_dir("locked");
    let mut panel = Panel::start(&dir);
    panel.send(SettingsCommand::Opened);
    panel.send(SettingsCommand::ScanWifi);
    panel.send(SettingsCommand::ResetPairing);
    panel.send(SettingsCommand::JoinWifi {
        ssid: "Shop".into(),
        password: "password1".into(),
    });
    panel.unlock("1234").await;
    assert!(
        panel.network_requests.try_recv().is_err(),
        "a locked panel sent a network request"
    );
    assert!(
        panel.link_requests.try_recv().is_err(),
        "a locked panel reset the pairing"
    );

    let unlocked_at = tokio::time::Instant::now();
    let view = panel.until(|v| !v.unlocked).await;
    assert_eq!(view.auto_closes, 1);
    assert!(unlocked_at.elapsed() >= countertop::settings::IDLE_CLOSE);
    panel.send(SettingsCommand::ScanWifi);
    // A wrong PIN after it makes a view, so the scan above has been handled by then.
    panel.send(SettingsCommand::Opened);
    panel.send(SettingsCommand::Pin("0000".into()));
    panel
        .until(|v| matches!(v.pin, PinPromptState::Wrong { .. }))
        .await;
    assert!(
        panel.network_requests.try_recv().is_err(),
        "a panel that locked itself still obeyed"
    );
}

#[tokio::test]
async fn a_new_pin_is_checked_by_the_rules_stored_as_argon2_and_opens_the_panel() {
    let dir = temp_dir("change");
    let mut panel = Panel::start(&dir);
    panel.unlock("1234").await;
    panel.send(SettingsCommand::ChangePin {
        new: "2580".into(),
        repeated: "2581".into(),
    });
    panel
        .until(|v| v.pin_change == PinChangeState::Mismatch)
        .await;
    panel.send(SettingsCommand::ChangePin {
        new: "1111".into(),
        repeated: "1111".into(),
    });
    panel
        .until(|v| matches!(v.pin_change, PinChangeState::Refused(_)))
        .await;
    panel.send(SettingsCommand::ChangePin {
        new: "2580".into(),
        repeated: "2580".into(),
    });
    let view = panel.until(|v| v.pin_change == PinChangeState::Saved).await;
    assert!(!view.default_pin);
    let stored = std::fs::read_to_string(dir.0.join("admin-pin.json")).unwrap();
    assert!(stored.contains("$argon2id$") && !stored.contains("2580"));

    panel.send(SettingsCommand::Closed);
    panel.until(|v| !v.unlocked).await;
    // Locked again: a language choice is not passed on.
    panel.send(SettingsCommand::SetLanguage(Language::Swedish));
    panel.send(SettingsCommand::Opened);
    panel.send(SettingsCommand::Pin("1234".into()));
    panel
        .until(|v| matches!(v.pin, PinPromptState::Wrong { tries_left: 4 }))
        .await;
    assert!(panel.orchestrator.try_recv().is_err());
    panel.send(SettingsCommand::Pin("2580".into()));
    panel.until(|v| v.unlocked).await;
    panel.send(SettingsCommand::SetLanguage(Language::Dutch));
    assert_eq!(
        panel.orchestrator.recv().await,
        Some(UiCommand::SetDefaultLanguage(Language::Dutch))
    );
    // The accessibility switches go the same way: the orchestrator owns display settings.
    panel.send(SettingsCommand::SetHighContrast(true));
    panel.send(SettingsCommand::SetLargeText(true));
    assert_eq!(
        panel.orchestrator.recv().await,
        Some(UiCommand::SetHighContrast(true))
    );
    assert_eq!(
        panel.orchestrator.recv().await,
        Some(UiCommand::SetLargeText(true))
    );
}

fn access_point(ssid: &str, signal: u8, security: WifiSecurity) -> AccessPoint {
    AccessPoint {
        ssid: ssid.into(),
        signal_percent: signal,
        security,
        known: false,
        active: false,
    }
}

#[tokio::test]
async fn wifi_requests_go_to_networkmanager_and_answers_come_back_to_the_panel() {
    let dir = temp_dir("wifi");
    let mut panel = Panel::start(&dir);
    panel.unlock("1234").await;
    panel.send(SettingsCommand::ScanWifi);
    panel.until(|v| v.network.scanning).await;
    assert_eq!(
        panel.network_requests.recv().await,
        Some(NetworkRequest::Scan)
    );
    let list = vec![
        access_point("Shop-Staff", 80, WifiSecurity::Wpa2Personal),
        access_point("Guest", 40, WifiSecurity::Open),
    ];
    panel
        .network_events
        .send(NetworkEvent::AccessPoints(list.clone()))
        .await
        .unwrap();
    let view = panel.until(|v| !v.network.scanning).await;
    assert_eq!(view.network.access_points, list);

    panel.send(SettingsCommand::JoinWifi {
        ssid: "Shop-Staff".into(),
        password: "not-it-123".into(),
    });
    panel
        .until(|v| v.network.join == JoinProgress::Joining("Shop-Staff".into()))
        .await;
    assert_eq!(
        panel.network_requests.recv().await,
        Some(NetworkRequest::Join {
            ssid: "Shop-Staff".into(),
            password: Some("not-it-123".into())
        })
    );
    panel
        .network_events
        .send(NetworkEvent::JoinFinished {
            ssid: "Shop-Staff".into(),
            result: Err(JoinError::WrongPassword),
        })
        .await
        .unwrap();
    panel
        .until(|v| {
            v.network.join
                == JoinProgress::Failed {
                    ssid: "Shop-Staff".into(),
                    error: JoinError::WrongPassword,
                }
        })
        .await;

    // An open network is joined without a password.
    panel.send(SettingsCommand::JoinWifi {
        ssid: "Guest".into(),
        password: String::new(),
    });
    assert_eq!(
        panel.network_requests.recv().await,
        Some(NetworkRequest::Join {
            ssid: "Guest".into(),
            password: None
        })
    );
    panel.send(SettingsCommand::ForgetWifi {
        ssid: "Guest".into(),
    });
    assert_eq!(
        panel.network_requests.recv().await,
        Some(NetworkRequest::Forget {
            ssid: "Guest".into()
        })
    );

    panel
        .network_events
        .send(NetworkEvent::Unavailable {
            reason: "NetworkManager stopped".into(),
        })
        .await
        .unwrap();
    panel.until(|v| v.network.unavailable.is_some()).await;
}

#[tokio::test]
async fn the_pairing_qr_follows_the_address_and_staff_can_reset_the_pairing() {
    let dir = temp_dir("pairing");
    let mut panel = Panel::start(&dir);
    let ethernet = NetworkStatus {
        kind: ConnectionKind::Ethernet,
        interface: Some("eth0".into()),
        ipv4: vec!["10.0.0.5/24".into()],
        connectivity: Connectivity::Full,
        ethernet_cable: true,
        primary_ipv4: Some(Ipv4Addr::new(10, 0, 0, 5)),
        ..NetworkStatus::default()
    };
    panel
        .network_events
        .send(NetworkEvent::Status(ethernet.clone()))
        .await
        .unwrap();
    assert_eq!(
        panel.link_requests.recv().await,
        Some(LinkRequest::CurrentAddresses(vec![Ipv4Addr::new(
            10, 0, 0, 5
        )]))
    );
    // The same address again is not news; a new one (cable out, Wi-Fi takes over) is.
    panel
        .network_events
        .send(NetworkEvent::Status(ethernet.clone()))
        .await
        .unwrap();
    let wifi = NetworkStatus {
        kind: ConnectionKind::Wifi,
        ssid: Some("Shop-Staff".into()),
        primary_ipv4: Some(Ipv4Addr::new(10, 0, 1, 9)),
        ..ethernet
    };
    panel
        .network_events
        .send(NetworkEvent::Status(wifi))
        .await
        .unwrap();
    assert_eq!(
        panel.link_requests.recv().await,
        Some(LinkRequest::CurrentAddresses(vec![Ipv4Addr::new(
            10, 0, 1, 9
        )]))
    );
    panel
        .until(|v| v.network.status.kind == ConnectionKind::Wifi)
        .await;

    panel.unlock("1234").await;
    assert_eq!(panel.last.pos.paired_pos.as_deref(), Some("Front counter"));
    panel.send(SettingsCommand::ResetPairing);
    assert_eq!(
        panel.link_requests.recv().await,
        Some(LinkRequest::ResetPairing)
    );
    // The link answers with its new state: no POS, a fresh QR; the panel shows it.
    panel.link_status.send_replace(PosLinkStatus {
        paired_pos: None,
        connected: false,
        pairing_uri: Some("countertop://pair?v=1".into()),
    });
    let view = panel.until(|v| v.pos.paired_pos.is_none()).await;
    assert_eq!(
        view.pos.pairing_uri.as_deref(),
        Some("countertop://pair?v=1")
    );
}

// ---- The real panel UI, headless ----

/// The element with this label that is on screen: the closed panel's content exists, but
/// sits beyond the right edge.
fn find(window: &MainWindow, label: &str) -> Option<ElementHandle> {
    let size = window
        .window()
        .size()
        .to_logical(window.window().scale_factor());
    ElementHandle::find_by_accessible_label(window, label).find(|e| {
        let (at, extent) = (e.absolute_position(), e.size());
        extent.width > 0.0
            && at.x >= 0.0
            && at.x + 1.0 < size.width
            && at.y >= 0.0
            && at.y + 1.0 < size.height
    })
}

fn tap(window: &MainWindow, label: &str) {
    let element =
        find(window, label).unwrap_or_else(|| panic!("nothing labelled {label:?} on screen"));
    let (position, size) = (element.absolute_position(), element.size());
    let at = LogicalPosition::new(
        position.x + size.width / 2.0,
        position.y + size.height / 2.0,
    );
    let w = window.window();
    let button = PointerEventButton::Left;
    w.dispatch_event(WindowEvent::PointerPressed {
        position: at,
        button,
    });
    mock_elapsed_time(Duration::from_millis(50));
    w.dispatch_event(WindowEvent::PointerReleased {
        position: at,
        button,
    });
    mock_elapsed_time(Duration::from_millis(16));
}

fn swipe_from_right_edge(window: &MainWindow, width: f32, height: f32) {
    let w = window.window();
    let button = PointerEventButton::Left;
    let y = height / 2.0;
    w.dispatch_event(WindowEvent::PointerPressed {
        position: LogicalPosition::new(width - 6.0, y),
        button,
    });
    for step in 1..=10 {
        mock_elapsed_time(Duration::from_millis(16));
        let position = LogicalPosition::new(width - 6.0 - step as f32 * 20.0, y);
        w.dispatch_event(WindowEvent::PointerMoved { position });
    }
    w.dispatch_event(WindowEvent::PointerReleased {
        position: LogicalPosition::new(width - 206.0, y),
        button,
    });
    // Let the slide-in finish.
    for _ in 0..30 {
        mock_elapsed_time(Duration::from_millis(16));
    }
}

fn commands(rx: &mut mpsc::UnboundedReceiver<SettingsCommand>) -> Vec<SettingsCommand> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// Runs the real settings actor on its own runtime; the test thread (which owns the Slint
/// window) passes commands in and applies each view the actor publishes.
struct LivePanel {
    runtime: tokio::runtime::Runtime,
    panel: Panel,
    previous: Option<SettingsView>,
}

impl LivePanel {
    fn start(dir: &TempDir) -> LivePanel {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let panel = runtime.block_on(async { Panel::start(dir) });
        LivePanel {
            runtime,
            panel,
            previous: None,
        }
    }

    /// Forwards what the UI sent, then applies views until one satisfies `wanted`.
    fn exchange(
        &mut self,
        window: &MainWindow,
        ui: &mut mpsc::UnboundedReceiver<SettingsCommand>,
        wanted: impl Fn(&SettingsView) -> bool,
    ) {
        for command in commands(ui) {
            self.panel.send(command);
        }
        let view = self.runtime.block_on(self.panel.until(wanted));
        apply_settings(window, self.previous.as_ref(), &view);
        self.previous = Some(view);
    }
}

#[test]
fn the_terminal_tab_switches_high_contrast_and_large_text() {
    use countertop::adapters::ui::AccessibilityAdapter;
    use i_slint_backend_testing::AccessibleRole;
    // Tall enough that the terminal tab's last section is in view without scrolling.
    let w = window(800.0, 2000.0);
    let (tx, mut ui) = mpsc::unbounded_channel();
    wire_settings(&w, tx);
    let settings = w.global::<SettingsAdapter>();
    settings.set_open(true);
    settings.set_unlocked(true);
    settings.set_tab(3);
    for (label, on) in [("High contrast", true), ("Larger text", true)] {
        let switch = find(&w, label).unwrap_or_else(|| panic!("no {label:?} switch"));
        assert_eq!(switch.accessible_role(), Some(AccessibleRole::Switch));
        assert_eq!(switch.accessible_checked(), Some(false), "{label}");
        switch.invoke_accessible_default_action();
        let expected = if label == "High contrast" {
            SettingsCommand::SetHighContrast(on)
        } else {
            SettingsCommand::SetLargeText(on)
        };
        assert_eq!(commands(&mut ui), vec![expected]);
    }
    // The switches show the setting as the terminal keeps it, and turn it off again.
    let accessibility = w.global::<AccessibilityAdapter>();
    accessibility.set_high_contrast(true);
    let switch = find(&w, "High contrast").unwrap();
    assert_eq!(switch.accessible_checked(), Some(true));
    switch.invoke_accessible_default_action();
    assert_eq!(
        commands(&mut ui),
        vec![SettingsCommand::SetHighContrast(false)]
    );
}

#[test]
fn edge_swipe_opens_the_pin_gate_and_wrong_pins_lock_it() {
    let (width, height) = (1280.0, 800.0);
    let w = window(width, height);
    let dir = temp_dir("ui-pin");
    let mut live = LivePanel::start(&dir);
    let (tx, mut ui) = mpsc::unbounded_channel();
    wire_settings(&w, tx);
    live.exchange(&w, &mut ui, |_| true);

    assert!(
        find(&w, "Enter the admin PIN").is_none(),
        "the panel is shut before the swipe"
    );
    swipe_from_right_edge(&w, width, height);
    assert!(w.global::<SettingsAdapter>().get_open());
    assert!(find(&w, "Enter the admin PIN").is_some());
    // Locked: none of the panel's content is there to touch.
    assert!(find(&w, "Scan for networks").is_none());
    assert!(find(&w, "Reset connection to POS").is_none());

    for attempt in 1..=5 {
        for digit in ["9", "8", "7", "6"] {
            tap(&w, digit);
        }
        tap(&w, "OK");
        let sent = commands(&mut ui);
        assert_eq!(
            sent.last(),
            Some(&SettingsCommand::Pin("9876".into())),
            "attempt {attempt}: {sent:?}"
        );
        if attempt == 1 {
            assert!(sent.contains(&SettingsCommand::Opened));
        }
        for command in sent {
            live.panel.send(command);
        }
        let wanted = if attempt < 5 { "wrong" } else { "locked" };
        let view = live.runtime.block_on(live.panel.until(|v| match v.pin {
            PinPromptState::Wrong { .. } => wanted == "wrong",
            PinPromptState::LockedOut { .. } => wanted == "locked",
            _ => false,
        }));
        apply_settings(&w, live.previous.as_ref(), &view);
        live.previous = Some(view);
    }
    assert!(find(&w, "Too many wrong PINs. Try again in 0:30.").is_some());
    // The keypad is off during the lockout: taps send nothing.
    tap(&w, "1");
    tap(&w, "OK");
    assert_eq!(commands(&mut ui), Vec::new());
    assert!(!w.global::<SettingsAdapter>().get_unlocked());
}

#[test]
fn the_wifi_list_renders_and_a_password_is_typed_on_the_keyboard() {
    let (width, height) = (800.0, 1280.0);
    let w = window(width, height);
    let dir = temp_dir("ui-wifi");
    let mut live = LivePanel::start(&dir);
    let (tx, mut ui) = mpsc::unbounded_channel();
    wire_settings(&w, tx);
    live.exchange(&w, &mut ui, |_| true);
    swipe_from_right_edge(&w, width, height);
    for key in ["1", "2", "3", "4", "OK"] {
        tap(&w, key);
    }
    live.exchange(&w, &mut ui, |v| v.unlocked);
    assert!(
        find(&w, "Network status").is_some(),
        "unlocked, the panel opens on the network status"
    );
    assert!(find(&w, "Scan for networks").is_none());
    tap(&w, "Wi-Fi");
    assert!(find(&w, "Scan for networks").is_some());

    tap(&w, "Scan for networks");
    live.exchange(&w, &mut ui, |v| v.network.scanning);
    assert_eq!(
        live.runtime.block_on(live.panel.network_requests.recv()),
        Some(NetworkRequest::Scan)
    );
    let mut known = access_point("Back office", 35, WifiSecurity::Wpa3Personal);
    known.known = true;
    let list = vec![
        access_point("Shop-Staff", 82, WifiSecurity::Wpa2Personal),
        known,
        access_point("Guest", 20, WifiSecurity::Open),
    ];
    live.runtime
        .block_on(
            live.panel
                .network_events
                .send(NetworkEvent::AccessPoints(list)),
        )
        .unwrap();
    live.exchange(&w, &mut ui, |v| v.network.access_points.len() == 3);
    let model = w.global::<NetworkAdapter>().get_wifi();
    use slint::Model;
    let rows: Vec<(String, i32)> = model.iter().map(|r| (r.ssid.to_string(), r.bars)).collect();
    assert_eq!(
        rows,
        [
            ("Shop-Staff".to_string(), 4),
            ("Back office".to_string(), 2),
            ("Guest".to_string(), 1)
        ]
    );
    for ssid in ["Shop-Staff", "Back office", "Guest"] {
        assert!(find(&w, ssid).is_some(), "{ssid} not listed");
    }
    assert!(
        find(&w, "Forget Back office").is_some(),
        "a saved network offers Forget"
    );
    assert!(find(&w, "Forget Shop-Staff").is_none());

    // A secured network asks for its password on the on-screen keyboard.
    tap(&w, "Shop-Staff");
    assert!(find(&w, "Password for Shop-Staff").is_some());
    for key in ["s", "3", "c", "r", "e", "t"] {
        tap(&w, key);
    }
    tap(&w, "Shift");
    tap(&w, "P");
    tap(&w, "Symbols");
    tap(&w, "!");
    tap(&w, "#");
    tap(&w, "Delete");
    tap(&w, "Letters");
    tap(&w, "w");
    // Typed characters never appear unless asked for.
    assert!(
        find(&w, "Wi-Fi password")
            .and_then(|e| e.accessible_value())
            .is_none_or(|v| v.is_empty())
    );
    tap(&w, "Show");
    let shown = find(&w, "Wi-Fi password")
        .and_then(|e| e.accessible_value())
        .map(|v| v.to_string());
    assert_eq!(shown.as_deref(), Some("s3cretP!w"));
    tap(&w, "Connect");
    assert_eq!(
        commands(&mut ui),
        [SettingsCommand::JoinWifi {
            ssid: "Shop-Staff".into(),
            password: "s3cretP!w".into()
        }]
    );
    assert!(
        find(&w, "Password for Shop-Staff").is_none(),
        "the dialog closes on Connect"
    );
}

/// The whole path with a fake NetworkManager: python-dbusmock on a private bus, the real
/// NetworkManager actor, the real settings actor, and the real panel on screen.
#[test]
fn the_wifi_list_on_screen_comes_from_networkmanager_over_dbus() {
    let (width, height) = (1280.0, 800.0);
    let w = window(width, height);
    let dir = temp_dir("ui-dbusmock");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let bus = nm_harness::PrivateBus::start();
    let mut mock = std::process::Command::new(nm_harness::require_dbusmock());
    mock.args(["-m", "dbusmock", "--template", "networkmanager"])
        .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    let _mock = nm_harness::Process::spawn("python-dbusmock", mock, &bus.dir.join("mock.log"));
    let (requests, mut views, _shutdown) = runtime.block_on(async {
        let connection = bus.connect().await;
        nm_harness::wait_for_name(
            &connection,
            "org.freedesktop.NetworkManager",
            Duration::from_secs(10),
        )
        .await;
        let mock = |method: &'static str, body| {
            let connection = connection.clone();
            async move {
                let reply = connection
                    .call_method(
                        Some("org.freedesktop.NetworkManager"),
                        "/org/freedesktop/NetworkManager",
                        Some("org.freedesktop.DBus.Mock"),
                        method,
                        &body,
                    )
                    .await
                    .unwrap_or_else(|e| panic!("{method}: {e}"));
                reply.body().deserialize::<String>().unwrap()
            }
        };
        let device = connection
            .call_method(
                Some("org.freedesktop.NetworkManager"),
                "/org/freedesktop/NetworkManager",
                Some("org.freedesktop.DBus.Mock"),
                "AddWiFiDevice",
                &("wlan0dev", "wlan0", 30i32),
            )
            .await
            .unwrap()
            .body()
            .deserialize::<String>()
            .unwrap();
        for (name, ssid, strength, security) in [
            ("ap1", "Shop-Staff", 82u8, 0x100u32),
            ("ap2", "Guest", 30, 0),
        ] {
            let bssid = format!("02:00:00:00:00:{:02x}", strength);
            mock(
                "AddAccessPoint",
                (
                    device.clone(),
                    name.to_string(),
                    ssid.to_string(),
                    bssid,
                    2u32,
                    2437u32,
                    54000u32,
                    strength,
                    security,
                ),
            )
            .await;
        }
        let config = countertop_network::NetworkConfig {
            bus_address: Some(bus.address.clone()),
            ..Default::default()
        };
        let (request_tx, request_rx) = mpsc::channel(8);
        let (event_tx, event_rx) = mpsc::channel(8);
        tokio::spawn(countertop_network::run(config, request_rx, event_tx));
        let store = AdminPinStore::open(&dir.0.join("admin-pin.json")).unwrap();
        let (view_tx, views) = mpsc::unbounded_channel();
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let ports = SettingsPorts {
            network: Some(request_tx),
            link: None,
            orchestrator: None,
        };
        tokio::spawn(SettingsActor::new(store, ports, vec![], view_tx).run(
            command_rx,
            event_rx,
            None,
            shutdown_rx,
        ));
        (command_tx, views, shutdown)
    });
    let (tx, mut ui) = mpsc::unbounded_channel();
    wire_settings(&w, tx);
    swipe_from_right_edge(&w, width, height);
    for key in ["1", "2", "3", "4", "OK"] {
        tap(&w, key);
    }
    let mut previous: Option<SettingsView> = None;
    let mut show_until = |w: &MainWindow,
                          ui: &mut mpsc::UnboundedReceiver<SettingsCommand>,
                          wanted: &dyn Fn(&SettingsView) -> bool| {
        for command in commands(ui) {
            requests.send(command).unwrap();
        }
        let view = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    let view = views.recv().await.expect("settings actor stopped");
                    if wanted(&view) {
                        return view;
                    }
                }
            })
            .await
            .expect("the panel view in time")
        });
        apply_settings(w, previous.as_ref(), &view);
        previous = Some(view);
    };
    show_until(&w, &mut ui, &|v| v.unlocked);
    tap(&w, "Wi-Fi");
    tap(&w, "Scan for networks");
    show_until(&w, &mut ui, &|v| {
        v.network.access_points.len() == 2 && !v.network.scanning
    });
    for ssid in ["Shop-Staff", "Guest"] {
        assert!(find(&w, ssid).is_some(), "{ssid} is not on screen");
    }
    use slint::Model;
    let rows: Vec<(String, i32, bool)> = w
        .global::<NetworkAdapter>()
        .get_wifi()
        .iter()
        .map(|r| {
            (
                r.ssid.to_string(),
                r.bars,
                r.security == countertop::adapters::ui::WifiSecurity::Wpa2,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Shop-Staff".to_string(), 4, true),
            ("Guest".to_string(), 1, false)
        ]
    );
}
