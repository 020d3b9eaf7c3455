//! Assembles the terminal: journal recovery, the core, the simulated reader and gateway, the
//! POS link (or the demo POS), and the orchestrator. Shared by the kiosk, `--headless` and the
//! integration tests, so they all run the same wiring.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop_core::journal::replay;
use countertop_core::pairing::Pairing;
use countertop_core::{EntryMode, LinkState, Terminal};
use tokio::sync::{mpsc, oneshot, watch};

use crate::adapters::gateway::{SimulatedGateway, run_simulated_gateway};
use crate::adapters::link::{LinkError, LinkRequest, LinkSettings, PosLinkStatus, run_link};
use crate::adapters::reader::{SimulatedReader, TestCard, run_simulated_reader};
use crate::adapters::store::{AdminPinStore, Journal, StoreError, TlsIdentity, load_paired_pos};
use crate::app::{Adapters, Orchestrator};
use crate::config::AppConfig;
use crate::demo::{self, DemoPace};
use crate::messages::{UiCommand, ViewSink};
use crate::settings::{SettingsActor, SettingsCommand, SettingsPorts, SettingsSink};
use crate::view::{DisplaySettings, PairingInfo};
use countertop_network::{NetworkConfig, NetworkEvent};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Nexo(#[from] crate::adapters::nexo::NexoError),
    #[error("the simulated gateway ledger {path} could not be opened: {source}")]
    Ledger {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    pub config: AppConfig,
    /// Built-in demo POS instead of the LAN link.
    pub demo: bool,
    pub state_dir: PathBuf,
    pub listen: SocketAddr,
    pub health: SocketAddr,
    /// Addresses for the pairing QR; `None` lists the machine's own.
    pub advertise: Option<Vec<Ipv4Addr>>,
    /// Keep the simulated gateway's records in this file (survives terminal restarts).
    pub gateway_ledger: Option<PathBuf>,
    pub gateway_latency: Duration,
    pub reader: SimulatedReader,
    /// How long a pairing code is valid (five minutes; shorter in tests).
    pub code_lifetime: Duration,
    /// UDP discovery address (27000) and announcement target (27001); off unless set, so that
    /// nothing is broadcast by accident (tests use loopback).
    pub discovery: Option<SocketAddr>,
    pub announce_to: Option<SocketAddr>,
    /// A gateway simulator shared with the caller (benchmarks count its charges).
    pub gateway: Option<Arc<Mutex<SimulatedGateway>>>,
    /// Where the terminal's current addresses come from when `advertise` is not set: `None`
    /// polls the machine's interfaces (so `--headless` follows a new DHCP lease too); tests
    /// feed their own. The staff panel adds what NetworkManager reports.
    pub addresses: Option<watch::Receiver<Vec<Ipv4Addr>>>,
    /// Where the orchestrator asks for a display restart (a new rotation); the kiosk's `main`
    /// listens, nothing else has a display to restart.
    pub display_restart: Option<crate::messages::DisplayRestart>,
}

impl RuntimeOptions {
    pub fn new(config: AppConfig, state_dir: PathBuf) -> Self {
        RuntimeOptions {
            config,
            demo: false,
            state_dir,
            listen: SocketAddr::from(([0, 0, 0, 0], crate::adapters::link::PAIRING_PORT)),
            health: SocketAddr::from(([0, 0, 0, 0], crate::adapters::link::HEALTH_PORT)),
            advertise: None,
            gateway_ledger: None,
            gateway_latency: Duration::from_millis(1_800),
            code_lifetime: countertop_core::pairing::CODE_LIFETIME,
            discovery: None,
            announce_to: None,
            gateway: None,
            addresses: None,
            display_restart: None,
            reader: SimulatedReader {
                delay: Duration::from_millis(2_500),
                cards: vec![
                    (TestCard::Approve, EntryMode::Tap),
                    (TestCard::InsufficientFunds, EntryMode::Insert),
                    (TestCard::Approve, EntryMode::Insert),
                    (TestCard::Approve, EntryMode::Swipe),
                ],
            },
        }
    }
}

/// What a started terminal tells its caller.
#[derive(Debug, Clone)]
pub struct Started {
    pub pairing_port: Option<u16>,
    pub health_port: Option<u16>,
    pub discovery_port: Option<u16>,
    pub announce_port: Option<u16>,
    pub link: Option<mpsc::Sender<LinkRequest>>,
    pub link_status: Option<watch::Receiver<PosLinkStatus>>,
    /// The nexo Terminal API listener's port, when it is on.
    pub nexo_port: Option<u16>,
    /// The root certificate a nexo POS must trust (its `certificatePath`), when it is on.
    pub nexo_ca: Option<PathBuf>,
}

impl Started {
    /// The ports the terminal listens on (and announces to), for the staff panel.
    pub fn listening(&self) -> Vec<(&'static str, u16)> {
        [
            ("POS", self.pairing_port),
            ("health", self.health_port),
            ("discovery", self.discovery_port),
            ("announce", self.announce_port),
            ("nexo", self.nexo_port),
        ]
        .into_iter()
        .filter_map(|(name, port)| Some((name, port?)))
        .collect()
    }
}

/// Starts the staff panel: the NetworkManager actor (when `network` is set) and the settings
/// actor, connected to the POS link from `started`.
pub fn start_panel<S: SettingsSink>(
    state_dir: &std::path::Path,
    network: Option<NetworkConfig>,
    started: &Started,
    sink: S,
    commands: mpsc::UnboundedReceiver<SettingsCommand>,
    orchestrator: Option<mpsc::UnboundedSender<UiCommand>>,
    shutdown: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, RuntimeError> {
    let store = AdminPinStore::open(&state_dir.join("admin-pin.json"))?;
    let (event_tx, event_rx) = mpsc::channel(32);
    let network_tx = network.map(|config| {
        let (request_tx, request_rx) = mpsc::channel(16);
        tokio::spawn(countertop_network::run(
            config,
            request_rx,
            event_tx.clone(),
        ));
        request_tx
    });
    // With no NetworkManager actor, the panel hears why straight away.
    if network_tx.is_none() {
        let _ = event_tx.try_send(NetworkEvent::Unavailable {
            reason: "network management is off".into(),
        });
    }
    drop(event_tx);
    let ports = SettingsPorts {
        network: network_tx,
        link: started.link.clone(),
        orchestrator,
    };
    let actor = SettingsActor::new(store, ports, started.listening(), sink);
    Ok(tokio::spawn(actor.run(
        commands,
        event_rx,
        started.link_status.clone(),
        shutdown,
    )))
}

/// Runs the terminal until `shutdown`. `started` learns the bound ports once listening.
pub async fn run_terminal<S: ViewSink>(
    options: RuntimeOptions,
    sink: S,
    ui: mpsc::UnboundedReceiver<UiCommand>,
    shutdown: watch::Receiver<bool>,
    started: oneshot::Sender<Started>,
) -> Result<(), RuntimeError> {
    let config = &options.config;
    let (journal, records) = Journal::open(&options.state_dir.join("journal.jsonl"))?;
    let recovered = replay(records);
    let link = if options.demo {
        LinkState::Connected
    } else {
        LinkState::WaitingForPos
    };
    // What the POS pushed last time wins over the configuration file.
    let saved_display =
        match crate::adapters::store::load_display(&options.state_dir.join("display.json")) {
            Ok(saved) => saved,
            Err(error) => {
                tracing::warn!(%error, "saved display settings ignored");
                None
            }
        };
    let mut terminal_config = config.terminal_config();
    if let Some(message) = saved_display
        .as_ref()
        .and_then(|s| s.post_payment_message.clone())
    {
        terminal_config.post_payment_message = message;
    }
    let mut terminal = Terminal::new(terminal_config, link);
    tracing::info!(
        finished = recovered.finished.len(),
        pending = recovered.pending.len(),
        interrupted = recovered.interrupted.len(),
        "journal replayed"
    );
    for (id, outcome) in recovered.finished {
        terminal.restore_outcome(id, outcome);
    }
    for id in recovered.interrupted {
        terminal.restore_interrupted(id);
    }
    for pending in recovered.pending {
        terminal.restore_pending(pending);
    }

    let (input_tx, input_rx) = mpsc::channel(256);
    let (command_tx, command_rx) = mpsc::channel(64);
    let (reader_tx, reader_rx) = mpsc::channel(16);
    let (gateway_tx, gateway_rx) = mpsc::channel(64);
    let (pos_tx, pos_rx) = mpsc::channel(64);
    tokio::spawn(run_simulated_reader(
        options.reader.clone(),
        reader_rx,
        input_tx.clone(),
    ));
    crate::adapters::dock::start(config.dock.clone(), input_tx.clone());
    tokio::spawn(crate::adapters::battery::run(
        config.battery.clone(),
        input_tx.clone(),
    ));
    let gateway = match (&options.gateway, &options.gateway_ledger) {
        (Some(shared), _) => shared.clone(),
        (None, Some(path)) => Arc::new(Mutex::new(SimulatedGateway::with_ledger(path).map_err(
            |source| RuntimeError::Ledger {
                path: path.clone(),
                source,
            },
        )?)),
        (None, None) => Arc::new(Mutex::new(SimulatedGateway::default())),
    };
    tokio::spawn(run_simulated_gateway(
        gateway,
        options.gateway_latency,
        gateway_rx,
        input_tx.clone(),
    ));

    let mut report = Started {
        pairing_port: None,
        health_port: None,
        discovery_port: None,
        announce_port: options.announce_to.map(|a| a.port()),
        link: None,
        link_status: None,
        nexo_port: None,
        nexo_ca: None,
    };
    // The nexo listener speaks to the orchestrator like the link does; off unless configured.
    if let Some(settings) = config.nexo_settings(&options.state_dir) {
        let handle =
            crate::adapters::nexo::run_nexo(settings, command_tx.clone(), shutdown.clone()).await?;
        report.nexo_port = Some(handle.port);
        report.nexo_ca = Some(handle.ca_file);
    }
    let mut pairing_info = PairingInfo {
        address: String::new(),
        terminal_id: config.terminal_id.clone(),
    };
    if options.demo {
        // The panel shows the built-in POS as paired and connected; it cannot be reset.
        let (_fixed, status) = watch::channel(PosLinkStatus {
            paired_pos: Some("Countertop demo POS".into()),
            connected: true,
            pairing_uri: None,
        });
        report.link_status = Some(status);
        tokio::spawn(demo::run_demo_pos(
            config.currency(),
            DemoPace::default(),
            input_tx.clone(),
            pos_rx,
        ));
    } else {
        let paired = load_paired_pos(&options.state_dir.join("pairing.json"))?;
        let pairing = Pairing::new(config.store_id.clone(), config.location_id.clone(), paired)
            .with_code_lifetime(options.code_lifetime);
        let identity = TlsIdentity::load_or_create(&options.state_dir)?;
        let settings = LinkSettings {
            terminal_id: config.terminal_id.clone(),
            store: config.store_id.clone(),
            location: config.location_id.clone(),
            state_dir: options.state_dir.clone(),
            advertise: options.advertise.clone(),
            discovery: options.discovery,
            announce_to: options.announce_to,
        };
        let handle = run_link(
            settings,
            pairing,
            identity,
            options.listen,
            options.health,
            input_tx.clone(),
            command_tx,
            pos_rx,
            shutdown.clone(),
        )
        .await?;
        if options.advertise.is_none() {
            tokio::spawn(follow_addresses(
                options.addresses.clone(),
                handle.requests.clone(),
                shutdown.clone(),
            ));
        }
        let ips = options
            .advertise
            .clone()
            .unwrap_or_else(crate::adapters::link::local_ipv4s);
        let ips: Vec<String> = ips.iter().map(|ip| ip.to_string()).collect();
        pairing_info.address = format!("{} : {}", ips.join(", "), handle.pairing_port);
        report.pairing_port = Some(handle.pairing_port);
        report.health_port = Some(handle.health_port);
        report.discovery_port = handle.discovery_port;
        report.link = Some(handle.requests);
        report.link_status = Some(handle.status);
    }
    let _ = started.send(report);

    let backlight = start_backlight(&config.screen.backlight_class_dir);
    let orchestrator = Orchestrator {
        held: Default::default(),
        guard: countertop_core::BurnInGuard::new(config.screen.burn_in()),
        terminal,
        display: saved_display
            .map(|s| s.settings_with(config))
            .unwrap_or_else(|| DisplaySettings::from_config(config)),
        pairing: pairing_info,
        adapters: Adapters {
            reader: reader_tx,
            gateway: gateway_tx,
            pos: pos_tx,
            journal: Some(journal),
            display_file: Some(options.state_dir.join("display.json")),
            display_restart: options.display_restart.clone(),
            backlight,
            local_time: crate::adapters::local_time::now,
        },
        sink,
    };
    drop(input_tx);
    orchestrator.run(input_rx, command_rx, ui, shutdown).await;
    Ok(())
}

/// Starts the backlight actor when the device has a backlight; without one (a laptop's may be
/// there but not writable, a QEMU guest has none) brightness is simply not offered.
fn start_backlight(
    class_dir: &std::path::Path,
) -> Option<mpsc::Sender<crate::adapters::backlight::BacklightRequest>> {
    use crate::adapters::backlight::{Backlight, run};
    match Backlight::find(class_dir) {
        Ok(backlight) => {
            let (tx, rx) = mpsc::channel(4);
            tokio::spawn(run(backlight, rx));
            Some(tx)
        }
        Err(error) => {
            tracing::info!(%error, "brightness cannot be set on this device");
            None
        }
    }
}

/// How often the interfaces are looked at for a changed address (no NetworkManager needed).
const ADDRESS_POLL: Duration = Duration::from_secs(2);

/// Feeds the terminal's current addresses to the link, so the pairing QR, the discovery
/// answers and the announcements follow them in every mode, `--headless` included.
async fn follow_addresses(
    feed: Option<watch::Receiver<Vec<Ipv4Addr>>>,
    link: mpsc::Sender<LinkRequest>,
    mut shutdown: watch::Receiver<bool>,
) {
    match feed {
        Some(mut feed) => loop {
            let ips = feed.borrow_and_update().clone();
            if link.send(LinkRequest::CurrentAddresses(ips)).await.is_err() {
                return;
            }
            tokio::select! {
                changed = feed.changed() => if changed.is_err() { return },
                _ = shutdown.changed() => return,
            }
        },
        None => {
            // The link reads the interfaces itself until told otherwise: only changes are sent.
            let mut last = crate::adapters::link::local_ipv4s();
            loop {
                tokio::select! {
                    () = tokio::time::sleep(ADDRESS_POLL) => {}
                    _ = shutdown.changed() => return,
                }
                let now = crate::adapters::link::local_ipv4s();
                if now != last {
                    tracing::info!(ips = ?now, "interface addresses changed");
                    if link
                        .send(LinkRequest::CurrentAddresses(now.clone()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    last = now;
                }
            }
        }
    }
}
