use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use countertop_core::admin_pin::{PinAttempt, PinGuard, validate_new_pin};
use countertop_network::{NetworkEvent, NetworkRequest};
use tokio::sync::{mpsc, watch};

use super::SettingsCommand;
use super::view::{JoinProgress, PinChangeState, PinPromptState, SettingsView};
use crate::adapters::link::{LinkRequest, PosLinkStatus};
use crate::adapters::store::AdminPinStore;
use crate::messages::UiCommand;

/// Receives each new panel view. The Slint adapter implements it; tests use a channel.
pub trait SettingsSink: Send + 'static {
    fn show(&self, view: SettingsView);
}

impl SettingsSink for mpsc::UnboundedSender<SettingsView> {
    fn show(&self, view: SettingsView) {
        let _ = self.send(view);
    }
}

/// Where the panel's requests go; `None` where that part is not running (demo, tests).
#[derive(Debug, Clone, Default)]
pub struct SettingsPorts {
    pub network: Option<mpsc::Sender<NetworkRequest>>,
    pub link: Option<mpsc::Sender<LinkRequest>>,
    /// The payment orchestrator, for settings that change what shoppers see (language).
    pub orchestrator: Option<mpsc::UnboundedSender<UiCommand>>,
}

/// An unlocked panel left alone this long locks and closes, so a shopper cannot walk up to
/// a panel staff forgot open.
pub const IDLE_CLOSE: Duration = Duration::from_secs(120);
/// A scan that brings no list within this time stops showing "Scanning…".
const SCAN_PATIENCE: Duration = Duration::from_secs(15);

pub struct SettingsActor<S: SettingsSink> {
    store: AdminPinStore,
    guard: PinGuard,
    view: SettingsView,
    ports: SettingsPorts,
    sink: S,
    open: bool,
    last_activity: Instant,
    scan_until: Option<Instant>,
    advertised: Option<Ipv4Addr>,
    /// The view last sent, so only changes go out (the PIN check sends one mid-command).
    published: Option<SettingsView>,
}

impl<S: SettingsSink> SettingsActor<S> {
    pub fn new(
        store: AdminPinStore,
        ports: SettingsPorts,
        listening: Vec<(&'static str, u16)>,
        sink: S,
    ) -> Self {
        let now = now();
        let guard = PinGuard::new(store.failures(), now);
        let view = SettingsView {
            default_pin: store.is_default(),
            ports: listening,
            ..SettingsView::default()
        };
        SettingsActor {
            store,
            guard,
            view,
            ports,
            sink,
            open: false,
            last_activity: now,
            scan_until: None,
            advertised: None,
            published: None,
        }
    }

    /// Runs until `commands` closes or `shutdown` turns true.
    pub async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<SettingsCommand>,
        mut network: mpsc::Receiver<NetworkEvent>,
        mut link: Option<watch::Receiver<PosLinkStatus>>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        if let Some(link) = &mut link {
            self.view.pos = link.borrow_and_update().clone();
        }
        self.publish();
        loop {
            let sleep = crate::timers::sleep_until(self.next_deadline());
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => break,
                },
                event = network.recv(), if !network.is_closed() => {
                    if let Some(event) = event {
                        self.network_event(event).await;
                    }
                }
                changed = async { link.as_mut()?.changed().await.ok() }, if link.is_some() => match changed {
                    Some(()) => self.view.pos = link.as_mut().map(|l| l.borrow_and_update().clone()).unwrap_or_default(),
                    None => link = None,
                },
                () = sleep => self.tick(),
                _ = shutdown.changed() => break,
            }
            self.publish();
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let now = now();
        let mut deadlines = Vec::new();
        if self.open {
            if let Some(until) = self.guard.locked_until(now) {
                // The countdown on screen moves once a second, only while someone looks at it.
                let left = until - now;
                let fraction = Duration::from_nanos((left.as_nanos() % 1_000_000_000) as u64);
                deadlines.push(
                    now + if fraction.is_zero() {
                        Duration::from_secs(1)
                    } else {
                        fraction
                    },
                );
            }
            if self.view.unlocked {
                deadlines.push(self.last_activity + IDLE_CLOSE);
            }
        }
        deadlines.extend(self.scan_until);
        deadlines.into_iter().min()
    }

    fn tick(&mut self) {
        let now = now();
        if self.scan_until.is_some_and(|until| until <= now) {
            self.scan_until = None;
            self.view.network.scanning = false;
        }
        if self.open && self.view.unlocked && now >= self.last_activity + IDLE_CLOSE {
            tracing::info!(
                "settings panel locked after {} s without a touch",
                IDLE_CLOSE.as_secs()
            );
            self.close();
            self.view.auto_closes += 1;
        }
        self.refresh_lockout(now);
    }

    fn refresh_lockout(&mut self, now: Instant) {
        match self.guard.locked_until(now) {
            Some(until) => {
                self.view.pin = PinPromptState::LockedOut {
                    seconds: ceil_secs(until - now),
                }
            }
            None if matches!(self.view.pin, PinPromptState::LockedOut { .. }) => {
                self.view.pin = PinPromptState::Enter
            }
            None => {}
        }
    }

    fn close(&mut self) {
        self.open = false;
        self.view.unlocked = false;
        self.view.pin = PinPromptState::Enter;
        self.view.pin_change = PinChangeState::Idle;
        self.view.network.join = JoinProgress::Idle;
        self.view.network.forget_failed = None;
    }

    async fn command(&mut self, command: SettingsCommand) {
        let now = now();
        self.last_activity = now;
        match command {
            SettingsCommand::Opened => {
                self.open = true;
                self.refresh_lockout(now);
            }
            SettingsCommand::Closed => self.close(),
            SettingsCommand::Pin(pin) => self.check_pin(pin).await,
            command if !self.view.unlocked => {
                // The UI shows none of these while locked; a stray one is refused, not obeyed.
                tracing::warn!(?command, "settings command refused: panel is locked");
            }
            SettingsCommand::ChangePin { new, repeated } => self.change_pin(new, repeated).await,
            SettingsCommand::ScanWifi => {
                self.view.network.scanning = true;
                self.scan_until = Some(now + SCAN_PATIENCE);
                self.ask_network(NetworkRequest::Scan).await;
            }
            SettingsCommand::JoinWifi { ssid, password } => {
                self.view.network.join = JoinProgress::Joining(ssid.clone());
                let password = (!password.is_empty()).then_some(password);
                self.ask_network(NetworkRequest::Join { ssid, password })
                    .await;
            }
            SettingsCommand::ForgetWifi { ssid } => {
                self.view.network.forget_failed = None;
                self.ask_network(NetworkRequest::Forget { ssid }).await;
            }
            SettingsCommand::SetLanguage(language) => {
                self.tell_orchestrator(UiCommand::SetDefaultLanguage(language))
            }
            SettingsCommand::SetHighContrast(on) => {
                self.tell_orchestrator(UiCommand::SetHighContrast(on))
            }
            SettingsCommand::SetLargeText(on) => {
                self.tell_orchestrator(UiCommand::SetLargeText(on))
            }
            SettingsCommand::SetRotation(rotation) => {
                if let Some(orchestrator) = &self.ports.orchestrator {
                    let _ = orchestrator.send(UiCommand::SetRotation(rotation));
                }
            }
            SettingsCommand::ResetPairing => match &self.ports.link {
                Some(link) => {
                    tracing::info!("staff reset the POS pairing");
                    let _ = link.send(LinkRequest::ResetPairing).await;
                }
                None => tracing::warn!("no POS link to reset (demo mode)"),
            },
        }
    }

    async fn check_pin(&mut self, pin: String) {
        let asked = now();
        if !self.guard.may_try(asked) {
            self.refresh_lockout(asked);
            return;
        }
        self.view.pin = PinPromptState::Checking;
        self.publish();
        let store = self.store.clone();
        // Argon2 takes a noticeable moment by design; keep it off the async workers.
        let correct = tokio::task::spawn_blocking(move || store.verify(&pin))
            .await
            .unwrap_or(false);
        let now = now();
        match self.guard.record(correct, now) {
            PinAttempt::Accepted => {
                self.view.unlocked = true;
                self.view.pin = PinPromptState::Enter;
                self.last_activity = now;
            }
            PinAttempt::Refused { tries_left } => {
                self.view.pin = PinPromptState::Wrong { tries_left }
            }
            PinAttempt::LockedOut { until } => {
                tracing::warn!(
                    failures = self.guard.failures(),
                    "admin PIN locked after wrong guesses"
                );
                self.view.pin = PinPromptState::LockedOut {
                    seconds: ceil_secs(until - now),
                };
            }
        }
        if let Err(error) = self.store.set_failures(self.guard.failures()) {
            tracing::error!(%error, "could not store the PIN failure count");
        }
    }

    async fn change_pin(&mut self, new: String, repeated: String) {
        if new != repeated {
            self.view.pin_change = PinChangeState::Mismatch;
            return;
        }
        if let Err(rule) = validate_new_pin(&new) {
            self.view.pin_change = PinChangeState::Refused(rule);
            return;
        }
        self.view.pin_change = PinChangeState::Saving;
        self.publish();
        let mut store = self.store.clone();
        let saved = tokio::task::spawn_blocking(move || store.set_pin(&new).map(|()| store)).await;
        match saved {
            Ok(Ok(store)) => {
                tracing::info!("admin PIN changed");
                self.store = store;
                self.view.default_pin = false;
                self.view.pin_change = PinChangeState::Saved;
            }
            Ok(Err(error)) => {
                tracing::error!(%error, "admin PIN not saved");
                self.view.pin_change = PinChangeState::Failed;
            }
            Err(error) => {
                tracing::error!(%error, "admin PIN task failed");
                self.view.pin_change = PinChangeState::Failed;
            }
        }
    }

    async fn ask_network(&mut self, request: NetworkRequest) {
        let sent = match &self.ports.network {
            Some(network) => network.send(request).await.is_ok(),
            None => false,
        };
        if !sent {
            self.view.network.scanning = false;
            self.view
                .network
                .unavailable
                .get_or_insert_with(|| "not started".into());
        }
    }

    async fn network_event(&mut self, event: NetworkEvent) {
        let panel = &mut self.view.network;
        match event {
            NetworkEvent::Status(status) => {
                panel.unavailable = None;
                let primary = status.primary_ipv4;
                panel.status = status;
                if primary.is_some() && primary != self.advertised {
                    self.advertised = primary;
                    if let (Some(link), Some(ip)) = (&self.ports.link, primary) {
                        let _ = link.send(LinkRequest::CurrentAddresses(vec![ip])).await;
                    }
                }
            }
            NetworkEvent::AccessPoints(list) => {
                panel.access_points = list;
                panel.scanning = false;
                self.scan_until = None;
            }
            NetworkEvent::JoinFinished { ssid, result } => {
                panel.join = match result {
                    Ok(()) => JoinProgress::Joined(ssid),
                    Err(error) => JoinProgress::Failed { ssid, error },
                };
            }
            NetworkEvent::Forgotten { ssid, result } => {
                panel.forget_failed = result.is_err().then_some(ssid);
            }
            NetworkEvent::Unavailable { reason } => {
                panel.unavailable = Some(reason);
                panel.scanning = false;
            }
        }
    }

    /// Settings that change what shoppers see belong to the payment orchestrator: the panel
    /// only forwards the choice (there is none in the demo without one).
    fn tell_orchestrator(&self, command: UiCommand) {
        if let Some(orchestrator) = &self.ports.orchestrator {
            let _ = orchestrator.send(command);
        }
    }

    fn publish(&mut self) {
        if self.published.as_ref() != Some(&self.view) {
            self.published = Some(self.view.clone());
            self.sink.show(self.view.clone());
        }
    }
}

fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// tokio's clock, so tests with paused time drive lockouts and idle closing.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
