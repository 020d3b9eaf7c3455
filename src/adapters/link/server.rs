//! The link actor: owns the pairing rules and the one authenticated POS session, accepts
//! connections, forwards outcomes to the POS and publishes the link state to the orchestrator.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use countertop_core::discovery::Whereabouts;
use countertop_core::pairing::{OfferAfterFailure, PairedPos, Pairing, PairingError, PairingUri};
use countertop_core::protocol::{ServerMessage, encode_server};
use countertop_core::{Input, LinkState};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio_rustls::TlsAcceptor;

use super::{LinkError, LinkRequest, LinkSettings, discovery, health, local_ipv4s, session, tls};
use crate::adapters::store::{TlsIdentity, save_paired_pos};
use crate::messages::{OutcomeReport, PosCommand};

/// Connections at once, authenticated or not. Only one POS is paired; the rest of the room is
/// for its reconnects and for pairing attempts.
const MAX_CONNECTIONS: usize = 16;
/// Connections at once that have not yet paired or said hello (each has a short deadline).
const MAX_UNAUTHENTICATED: usize = 4;
/// Requests from sessions waiting for the actor.
const CALL_QUEUE: usize = 32;

/// What every task of the link shares and nobody changes, plus the views the actor publishes.
/// The link's state itself (pairing, TLS identity, the active session, the addresses) has one
/// owner, the actor in `run_link`; the others ask it with a `Call` or read what it published.
pub(super) struct Context {
    pub settings: LinkSettings,
    pub started: Instant,
    pub commands: mpsc::Sender<PosCommand>,
    pub calls: mpsc::Sender<Call>,
    /// What the staff panel and `/health` show.
    pub status: watch::Receiver<PosLinkStatus>,
    /// The TLS configuration new connections use (a pairing reset replaces it).
    pub acceptor: watch::Receiver<TlsAcceptor>,
    /// Where the terminal is and whom to tell: for discovery answers and announcements.
    pub beacon: watch::Receiver<Beacon>,
}

/// The terminal's whereabouts and the paired POS's id and key, if one is paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Beacon {
    pub whereabouts: Whereabouts,
    pub paired: Option<(String, [u8; 32])>,
}

/// What a session asks of the link actor.
pub(super) enum Call {
    /// A `pair`; on success this session becomes the POS's (`outbound` receives its pushes).
    Pair {
        code: String,
        store: String,
        location: String,
        pos: PairedPos,
        session: u64,
        outbound: mpsc::Sender<String>,
        reply: oneshot::Sender<Result<(), PairingError>>,
    },
    /// A `hello`; on success this session becomes the POS's.
    Authenticate {
        pos_id: String,
        credential: String,
        session: u64,
        outbound: mpsc::Sender<String>,
        reply: oneshot::Sender<Result<(), PairingError>>,
    },
    /// The connection closed.
    Ended { session: u64 },
}

/// The session currently speaking for the paired POS.
struct ActiveSession {
    id: u64,
    outbound: mpsc::Sender<String>,
}

/// The link actor's state: only its own task touches it.
struct LinkActor {
    settings: LinkSettings,
    port: u16,
    pairing: Pairing,
    fingerprint: [u8; 32],
    active: Option<ActiveSession>,
    /// The addresses last reported (runtime or NetworkManager); used when none are configured.
    current_ips: Option<Vec<Ipv4Addr>>,
    inputs: mpsc::Sender<Input>,
    status: watch::Sender<PosLinkStatus>,
    acceptor: watch::Sender<TlsAcceptor>,
    beacon: watch::Sender<Beacon>,
}

impl LinkActor {
    fn pairing_path(&self) -> std::path::PathBuf {
        self.settings.state_dir.join("pairing.json")
    }

    /// Offers a fresh one-time code.
    fn new_code(&mut self) {
        self.pairing.offer_code(random_code(), Instant::now());
    }

    /// The addresses to hand the POS: configured ones, else the current ones reported, else
    /// whatever the interfaces have.
    fn advertised_ips(&self) -> Vec<Ipv4Addr> {
        if let Some(fixed) = &self.settings.advertise {
            return fixed.clone();
        }
        self.current_ips
            .clone()
            .filter(|ips| !ips.is_empty())
            .unwrap_or_else(local_ipv4s)
    }

    fn link_state(&self) -> LinkState {
        if self.pairing.paired().is_some() {
            return if self.active.is_some() {
                LinkState::Connected
            } else {
                LinkState::WaitingForPos
            };
        }
        let uri = PairingUri {
            ips: self.advertised_ips(),
            port: self.port,
            fingerprint: self.fingerprint,
            code: self
                .pairing
                .current_code(Instant::now())
                .unwrap_or_default()
                .to_owned(),
            store: self.pairing.store().to_owned(),
            location: self.pairing.location().to_owned(),
            terminal_id: self.settings.terminal_id.clone(),
        };
        LinkState::Unpaired {
            pairing_uri: uri.to_uri(),
        }
    }

    /// Tells the orchestrator, the panel and discovery what the link looks like now.
    async fn publish(&self) {
        let state = self.link_state();
        if matches!(state, LinkState::Unpaired { .. }) {
            // Not the URI: it carries the one-time code, which belongs on the screen only
            // (`--headless` prints it on stdout for tools and tests).
            tracing::info!(ips = ?self.advertised_ips(), "pairing QR shown");
        }
        let status = PosLinkStatus {
            paired_pos: self.pairing.paired().map(|pos| pos.pos_name.clone()),
            connected: matches!(state, LinkState::Connected),
            pairing_uri: match &state {
                LinkState::Unpaired { pairing_uri } => Some(pairing_uri.clone()),
                _ => None,
            },
        };
        self.status
            .send_if_modified(|old| std::mem::replace(old, status.clone()) != status);
        let beacon = Beacon {
            whereabouts: Whereabouts {
                terminal_id: self.settings.terminal_id.clone(),
                ips: self.advertised_ips(),
                port: self.port,
                fingerprint: self.fingerprint,
            },
            paired: self
                .pairing
                .paired()
                .map(|p| (p.pos_id.clone(), p.credential_hash)),
        };
        self.beacon
            .send_if_modified(|old| std::mem::replace(old, beacon.clone()) != beacon);
        let _ = self.inputs.send(Input::Link(state)).await;
    }

    /// This session now speaks for the POS; an older one (a dead socket the POS left behind)
    /// is dropped with its sender, which ends it.
    async fn become_active(&mut self, id: u64, outbound: mpsc::Sender<String>) {
        self.active = Some(ActiveSession { id, outbound });
        self.publish().await;
    }

    async fn call(&mut self, call: Call) {
        match call {
            Call::Pair {
                code,
                store,
                location,
                pos,
                session,
                outbound,
                reply,
            } => {
                match self
                    .pairing
                    .pair(&code, &store, &location, pos.clone(), Instant::now())
                {
                    Ok(()) => {
                        if let Err(e) = save_paired_pos(&self.pairing_path(), Some(&pos)) {
                            tracing::error!(error = %e, "the pairing could not be saved; it lasts until restart");
                        }
                        tracing::info!(pos_id = %pos.pos_id, pos_name = %pos.pos_name, "POS paired");
                        self.become_active(session, outbound).await;
                        let _ = reply.send(Ok(()));
                    }
                    Err((refusal, after)) => {
                        tracing::warn!(%refusal, "pairing refused");
                        if after == OfferAfterFailure::NeedsNewCode {
                            self.new_code();
                            self.publish().await;
                        }
                        let _ = reply.send(Err(refusal));
                    }
                }
            }
            Call::Authenticate {
                pos_id,
                credential,
                session,
                outbound,
                reply,
            } => {
                let result = self.pairing.authenticate(&pos_id, &credential);
                if result.is_ok() {
                    self.become_active(session, outbound).await;
                }
                let _ = reply.send(result);
            }
            Call::Ended { session } => {
                if self.active.as_ref().is_some_and(|a| a.id == session) {
                    self.active = None;
                    tracing::info!("POS disconnected");
                    self.publish().await;
                }
            }
        }
    }

    async fn addresses(&mut self, ips: Vec<Ipv4Addr>) {
        if self.current_ips.as_ref() != Some(&ips) {
            tracing::info!(?ips, "terminal address changed; pairing QR follows");
            self.current_ips = Some(ips);
            self.publish().await;
        }
    }

    async fn forward(&self, report: OutcomeReport) {
        let text = encode_server(
            None,
            ServerMessage::PaymentResult {
                payment_id: report.payment_id.clone(),
                outcome: report.outcome,
            },
        );
        // try_send: a POS that stopped reading must not stall the link; it asks for the status.
        match &self.active {
            Some(active) if active.outbound.try_send(text).is_ok() => {}
            // The POS will ask with payment.status when it is back; the journal has the answer.
            _ => {
                tracing::info!(payment_id = %report.payment_id, "no POS connected; outcome kept for its status query")
            }
        }
    }

    async fn reset(&mut self) {
        tracing::info!("pairing reset by staff");
        self.pairing.revoke();
        if let Err(error) = save_paired_pos(&self.pairing_path(), None) {
            tracing::error!(%error, "could not remove the pairing file");
        }
        // A new certificate, so the old POS cannot even complete a handshake with its pin.
        match rotated_identity(&self.settings.state_dir) {
            Ok((fingerprint, config)) => {
                self.acceptor.send_replace(TlsAcceptor::from(config));
                self.fingerprint = fingerprint;
            }
            Err(error) => tracing::error!(%error, "could not rotate the TLS certificate"),
        }
        // Dropping the sender ends the session.
        self.active = None;
        self.new_code();
        self.publish().await;
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
    let fingerprint = identity.fingerprint();
    let (acceptor_tx, acceptor_rx) =
        watch::channel(TlsAcceptor::from(tls::server_config(&identity)?));
    let (status_tx, status_rx) = watch::channel(PosLinkStatus::default());
    let (beacon_tx, beacon_rx) = watch::channel(Beacon {
        whereabouts: Whereabouts {
            terminal_id: settings.terminal_id.clone(),
            ips: Vec::new(),
            port,
            fingerprint,
        },
        paired: None,
    });
    let (call_tx, mut calls) = mpsc::channel(CALL_QUEUE);
    let context = Arc::new(Context {
        settings: settings.clone(),
        started: Instant::now(),
        commands,
        calls: call_tx,
        status: status_rx.clone(),
        acceptor: acceptor_rx,
        beacon: beacon_rx,
    });
    let mut actor = LinkActor {
        settings,
        port,
        pairing,
        fingerprint,
        active: None,
        current_ips: None,
        inputs,
        status: status_tx,
        acceptor: acceptor_tx,
        beacon: beacon_tx,
    };
    tracing::info!(port, health_port, "POS link listening");
    actor.new_code();
    actor.publish().await;

    tokio::spawn(health::serve(
        health_listener,
        context.clone(),
        shutdown.clone(),
    ));
    if let Some(socket) = discovery_socket {
        tokio::spawn(discovery::answer(socket, context.clone(), shutdown.clone()));
    }
    if let Some(target) = context.settings.announce_to {
        tokio::spawn(discovery::announce(
            target,
            context.clone(),
            shutdown.clone(),
        ));
    }
    let accept_context = context.clone();
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
                            accept_context.clone(),
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

    let (request_tx, mut requests) = mpsc::channel(8);
    tokio::spawn(async move {
        loop {
            let code_expiry = if actor.pairing.paired().is_some() {
                None
            } else {
                actor.pairing.code_expires()
            };
            let expiry = crate::timers::sleep_until(code_expiry);
            tokio::select! {
                report = outcomes.recv() => match report {
                    Some(report) => actor.forward(report).await,
                    None => break,
                },
                // Sessions hold the context (and its sender) while they live; the branch
                // cannot close while the actor runs, but a guard keeps a closed one from spinning.
                call = calls.recv(), if !calls.is_closed() => {
                    if let Some(call) = call {
                        actor.call(call).await;
                    }
                }
                // Once nobody can send requests any more the branch is off; without the guard a
                // closed channel would answer `None` at once, forever, and spin this loop.
                request = requests.recv(), if !requests.is_closed() => {
                    match request {
                        Some(LinkRequest::ResetPairing) => actor.reset().await,
                        Some(LinkRequest::CurrentAddresses(ips)) => actor.addresses(ips).await,
                        None => {}
                    }
                }
                () = expiry => {
                    actor.new_code();
                    actor.publish().await;
                }
                _ = shutdown.changed() => break,
            }
        }
    });
    Ok(LinkHandle {
        requests: request_tx,
        status: status_rx,
        pairing_port: port,
        health_port,
        discovery_port,
    })
}

/// A fresh certificate on disk, with its fingerprint and the server configuration using it.
fn rotated_identity(
    dir: &std::path::Path,
) -> Result<([u8; 32], Arc<rustls::ServerConfig>), LinkError> {
    let identity = TlsIdentity::rotate(dir)?;
    Ok((identity.fingerprint(), tls::server_config(&identity)?))
}
