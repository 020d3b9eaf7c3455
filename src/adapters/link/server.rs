//! The link actor: owns the pairing rules and the one authenticated POS session, accepts
//! connections, forwards outcomes to the POS and publishes the link state to the orchestrator.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use countertop_core::pairing::{Pairing, PairingUri};
use countertop_core::protocol::{ServerMessage, encode_server};
use countertop_core::{Input, LinkState};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_rustls::TlsAcceptor;

use super::{LinkError, LinkRequest, LinkSettings, discovery, health, local_ipv4s, session, tls};
use crate::adapters::store::{TlsIdentity, save_paired_pos};
use crate::messages::{OutcomeReport, PosCommand};

/// Connections at once, authenticated or not. Only one POS is paired; the rest of the room is
/// for its reconnects and for pairing attempts.
const MAX_CONNECTIONS: usize = 16;
/// Connections at once that have not yet paired or said hello (each has a short deadline).
const MAX_UNAUTHENTICATED: usize = 4;

/// The session currently speaking for the paired POS.
pub(super) struct ActiveSession {
    pub id: u64,
    pub outbound: mpsc::Sender<String>,
}

/// State shared by the actor and its session tasks.
pub(super) struct Shared {
    pub settings: LinkSettings,
    pub pairing: Mutex<Pairing>,
    pub acceptor: Mutex<TlsAcceptor>,
    pub fingerprint: Mutex<[u8; 32]>,
    pub active: Mutex<Option<ActiveSession>>,
    pub inputs: mpsc::Sender<Input>,
    pub commands: mpsc::Sender<PosCommand>,
    pub port: u16,
    pub started: Instant,
    /// The addresses NetworkManager reports as current; used when none are configured.
    pub current_ips: Mutex<Option<Vec<Ipv4Addr>>>,
    /// What the staff panel shows about the POS.
    pub status: watch::Sender<PosLinkStatus>,
}

impl Shared {
    pub fn pairing_path(&self) -> std::path::PathBuf {
        self.settings.state_dir.join("pairing.json")
    }

    /// Offers a fresh one-time code.
    pub fn new_code(&self) {
        let code = random_code();
        if let Ok(mut pairing) = self.pairing.lock() {
            pairing.offer_code(code, Instant::now());
        }
    }

    /// The addresses to hand the POS: configured ones, else the current ones from
    /// NetworkManager, else whatever the interfaces have.
    pub fn advertised_ips(&self) -> Vec<Ipv4Addr> {
        if let Some(fixed) = &self.settings.advertise {
            return fixed.clone();
        }
        let current = self.current_ips.lock().ok().and_then(|ips| ips.clone());
        current
            .filter(|ips| !ips.is_empty())
            .unwrap_or_else(local_ipv4s)
    }

    pub fn link_state(&self) -> LinkState {
        let Ok(pairing) = self.pairing.lock() else {
            return LinkState::WaitingForPos;
        };
        if pairing.paired().is_some() {
            let connected = self.active.lock().map(|a| a.is_some()).unwrap_or(false);
            return if connected {
                LinkState::Connected
            } else {
                LinkState::WaitingForPos
            };
        }
        let uri = PairingUri {
            ips: self.advertised_ips(),
            port: self.port,
            fingerprint: self.fingerprint.lock().map(|f| *f).unwrap_or([0; 32]),
            code: pairing
                .current_code(Instant::now())
                .unwrap_or_default()
                .to_owned(),
            store: pairing.store().to_owned(),
            location: pairing.location().to_owned(),
            terminal_id: self.settings.terminal_id.clone(),
        };
        LinkState::Unpaired {
            pairing_uri: uri.to_uri(),
        }
    }

    pub async fn publish(&self) {
        let state = self.link_state();
        if matches!(state, LinkState::Unpaired { .. }) {
            // Not the URI: it carries the one-time code, which belongs on the screen only
            // (`--headless` prints it on stdout for tools and tests).
            tracing::info!(ips = ?self.advertised_ips(), "pairing QR shown");
        }
        let paired_pos = self
            .pairing
            .lock()
            .ok()
            .and_then(|p| p.paired().map(|pos| pos.pos_name.clone()));
        let status = PosLinkStatus {
            paired_pos,
            connected: matches!(state, LinkState::Connected),
            pairing_uri: match &state {
                LinkState::Unpaired { pairing_uri } => Some(pairing_uri.clone()),
                _ => None,
            },
        };
        self.status
            .send_if_modified(|old| std::mem::replace(old, status.clone()) != status);
        let _ = self.inputs.send(Input::Link(state)).await;
    }
}

/// Eight characters from an alphabet without look-alikes (no 0/O, 1/I).
fn random_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        tracing::error!("no secure random source; pairing code not rotated");
    }
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The POS link as the staff panel sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PosLinkStatus {
    /// The name the paired POS gave, if one is paired.
    pub paired_pos: Option<String>,
    pub connected: bool,
    /// The QR payload while no POS is paired.
    pub pairing_uri: Option<String>,
}

/// Handles for the rest of the program.
pub struct LinkHandle {
    pub requests: mpsc::Sender<LinkRequest>,
    pub status: watch::Receiver<PosLinkStatus>,
    pub pairing_port: u16,
    pub health_port: u16,
    pub discovery_port: Option<u16>,
}

/// Starts the link: binds the listeners (port 0 picks a free one, for tests) and spawns the
/// actor. Outcomes from the orchestrator arrive on `outcomes`.
#[allow(clippy::too_many_arguments)]
pub async fn run_link(
    settings: LinkSettings,
    pairing: Pairing,
    identity: TlsIdentity,
    pairing_addr: SocketAddr,
    health_addr: SocketAddr,
    inputs: mpsc::Sender<Input>,
    commands: mpsc::Sender<PosCommand>,
    mut outcomes: mpsc::Receiver<OutcomeReport>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<LinkHandle, LinkError> {
    let listener = TcpListener::bind(pairing_addr)
        .await
        .map_err(|source| LinkError::Bind {
            addr: pairing_addr,
            source,
        })?;
    let health_listener =
        TcpListener::bind(health_addr)
            .await
            .map_err(|source| LinkError::Bind {
                addr: health_addr,
                source,
            })?;
    let port = listener
        .local_addr()
        .map_err(|source| LinkError::Bind {
            addr: pairing_addr,
            source,
        })?
        .port();
    let health_port = health_listener
        .local_addr()
        .map_err(|source| LinkError::Bind {
            addr: health_addr,
            source,
        })?
        .port();
    let discovery_socket = match settings.discovery {
        Some(addr) => Some(
            tokio::net::UdpSocket::bind(addr)
                .await
                .map_err(|source| LinkError::Bind { addr, source })?,
        ),
        None => None,
    };
    let discovery_port = discovery_socket
        .as_ref()
        .and_then(|s| s.local_addr().ok())
        .map(|a| a.port());
    let acceptor = TlsAcceptor::from(tls::server_config(&identity)?);
    let shared = Arc::new(Shared {
        settings,
        pairing: Mutex::new(pairing),
        acceptor: Mutex::new(acceptor),
        fingerprint: Mutex::new(identity.fingerprint()),
        active: Mutex::new(None),
        inputs,
        commands,
        port,
        started: Instant::now(),
        current_ips: Mutex::new(None),
        status: watch::Sender::new(PosLinkStatus::default()),
    });
    tracing::info!(port, health_port, "POS link listening");
    shared.new_code();
    shared.publish().await;

    tokio::spawn(health::serve(
        health_listener,
        shared.clone(),
        shutdown.clone(),
    ));
    if let Some(socket) = discovery_socket {
        tokio::spawn(discovery::answer(socket, shared.clone(), shutdown.clone()));
    }
    if let Some(target) = shared.settings.announce_to {
        tokio::spawn(discovery::announce(
            target,
            shared.clone(),
            shutdown.clone(),
        ));
    }
    let accept_shared = shared.clone();
    let mut accept_shutdown = shutdown.clone();
    tokio::spawn(async move {
        let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let unauthenticated = Arc::new(Semaphore::new(MAX_UNAUTHENTICATED));
        let mut next_id = 0u64;
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        // Over either cap the connection is closed at once, before any TLS
                        // work: a flood costs the terminal a socket for an instant, no more.
                        let permits = connections.clone().try_acquire_owned().ok().zip(
                            unauthenticated.clone().try_acquire_owned().ok(),
                        );
                        let Some((connection, unauthenticated)) = permits else {
                            tracing::debug!(%peer, "too many connections; refused");
                            continue;
                        };
                        next_id += 1;
                        let permits = session::Permits {
                            _connection: connection,
                            unauthenticated: Some(unauthenticated),
                        };
                        tokio::spawn(session::run(
                            accept_shared.clone(),
                            stream,
                            peer,
                            next_id,
                            permits,
                        ));
                    }
                    Err(error) => tracing::warn!(%error, "accept failed"),
                },
                _ = accept_shutdown.changed() => break,
            }
        }
    });

    let status = shared.status.subscribe();
    let (request_tx, mut requests) = mpsc::channel(8);
    tokio::spawn(async move {
        loop {
            let code_expiry = shared.pairing.lock().ok().and_then(|p| {
                if p.paired().is_some() {
                    None
                } else {
                    p.code_expires()
                }
            });
            let expiry = crate::timers::sleep_until(code_expiry);
            tokio::select! {
                report = outcomes.recv() => match report {
                    Some(report) => forward(&shared, report).await,
                    None => break,
                },
                // Once nobody can send requests any more the branch is off; without the guard a
                // closed channel would answer `None` at once, forever, and spin this loop.
                request = requests.recv(), if !requests.is_closed() => {
                    match request {
                        Some(LinkRequest::ResetPairing) => reset(&shared).await,
                        Some(LinkRequest::CurrentAddresses(ips)) => {
                            let changed = shared.current_ips.lock().map(|mut current| {
                                current.replace(ips.clone()).as_ref() != Some(&ips)
                            });
                            if changed.unwrap_or(false) {
                                tracing::info!(?ips, "terminal address changed; pairing QR follows");
                                shared.publish().await;
                            }
                        }
                        None => {}
                    }
                }
                () = expiry => {
                    shared.new_code();
                    shared.publish().await;
                }
                _ = shutdown.changed() => break,
            }
        }
    });
    Ok(LinkHandle {
        requests: request_tx,
        status,
        pairing_port: port,
        health_port,
        discovery_port,
    })
}

async fn forward(shared: &Shared, report: OutcomeReport) {
    let text = encode_server(
        None,
        ServerMessage::PaymentResult {
            payment_id: report.payment_id.clone(),
            outcome: report.outcome,
        },
    );
    let outbound = shared
        .active
        .lock()
        .ok()
        .and_then(|a| a.as_ref().map(|s| s.outbound.clone()));
    // try_send: a POS that stopped reading must not stall the link; it asks for the status.
    match outbound {
        Some(tx) if tx.try_send(text).is_ok() => {}
        // The POS will ask with payment.status when it is back; the journal has the answer.
        _ => {
            tracing::info!(payment_id = %report.payment_id, "no POS connected; outcome kept for its status query")
        }
    }
}

/// A fresh certificate on disk, with its fingerprint and the server configuration using it.
fn rotated_identity(
    dir: &std::path::Path,
) -> Result<([u8; 32], Arc<rustls::ServerConfig>), LinkError> {
    let identity = TlsIdentity::rotate(dir)?;
    Ok((identity.fingerprint(), tls::server_config(&identity)?))
}

async fn reset(shared: &Shared) {
    tracing::info!("pairing reset by staff");
    if let Ok(mut pairing) = shared.pairing.lock() {
        pairing.revoke();
    }
    if let Err(error) = save_paired_pos(&shared.pairing_path(), None) {
        tracing::error!(%error, "could not remove the pairing file");
    }
    // A new certificate, so the old POS cannot even complete a handshake with its pin.
    match rotated_identity(&shared.settings.state_dir) {
        Ok((fingerprint, config)) => {
            if let (Ok(mut acceptor), Ok(mut fp)) =
                (shared.acceptor.lock(), shared.fingerprint.lock())
            {
                *acceptor = TlsAcceptor::from(config);
                *fp = fingerprint;
            }
        }
        Err(error) => tracing::error!(%error, "could not rotate the TLS certificate"),
    }
    // Dropping the sender ends the session.
    if let Ok(mut active) = shared.active.lock() {
        *active = None;
    }
    shared.new_code();
    shared.publish().await;
}
