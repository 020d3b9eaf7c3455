use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use countertop_core::Outcome;
use countertop_core::pairing::{PairingUri, to_hex};
use countertop_core::protocol::{
    ClientMessage, ErrorCode, ServerEnvelope, ServerMessage, decode_server, encode_client,
};
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::PosCredentials;
use super::schema::{Direction, Schema};
use crate::adapters::link::pinned_client_config;

#[derive(Debug, thiserror::Error)]
pub enum PosError {
    #[error("could not reach the terminal at {0}")]
    Unreachable(String),
    #[error("the TLS connection failed (wrong certificate pin?): {0}")]
    Tls(String),
    #[error("the terminal said: {message} ({code:?})")]
    Refused {
        code: ErrorCode,
        message: String,
        /// With `already_finished`: the payment's recorded outcome.
        outcome: Option<Box<Outcome>>,
    },
    #[error("unexpected answer from the terminal: {0}")]
    Protocol(String),
    #[error("the connection closed")]
    Closed,
    #[error("no answer in time")]
    Timeout,
    #[error("credentials: {0}")]
    Credentials(String),
}

const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// The terminal closes connections silent for 60 s; a waiting POS pings well before that.
const KEEPALIVE: Duration = Duration::from_secs(20);

pub struct PosClient {
    ws: WebSocketStream<TlsStream<TcpStream>>,
    next_id: u64,
    /// Messages the terminal pushed (payment results) while we waited for an answer.
    pushed: VecDeque<ServerMessage>,
    pub terminal_id: String,
    pub terminal_paired: bool,
    /// When set (the conformance suite), every message received, and every message sent with
    /// `request`, is checked against the protocol schema; what fails is kept here.
    checker: Option<Arc<Schema>>,
    pub schema_violations: Vec<String>,
}

impl PosClient {
    /// Opens the pinned TLS WebSocket to one address and reads the welcome.
    pub async fn connect(addr: SocketAddr, fingerprint: [u8; 32]) -> Result<Self, PosError> {
        Self::connect_checked(addr, fingerprint, None).await
    }

    /// Like `connect`, checking every message against `checker` from the welcome on.
    pub async fn connect_checked(
        addr: SocketAddr,
        fingerprint: [u8; 32],
        checker: Option<Arc<Schema>>,
    ) -> Result<Self, PosError> {
        let config = pinned_client_config(fingerprint).map_err(|e| PosError::Tls(e.to_string()))?;
        let tcp = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .map_err(|_| PosError::Unreachable(addr.to_string()))?
            .map_err(|_| PosError::Unreachable(addr.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let server_name = ServerName::IpAddress(addr.ip().into());
        let tls = TlsConnector::from(config)
            .connect(server_name, tcp)
            .await
            .map_err(|e| PosError::Tls(e.to_string()))?;
        let url = format!("wss://{addr}/");
        let (ws, _) = tokio_tungstenite::client_async(url, tls)
            .await
            .map_err(|e| PosError::Protocol(e.to_string()))?;
        let mut client = PosClient {
            ws,
            next_id: 0,
            pushed: VecDeque::new(),
            terminal_id: String::new(),
            terminal_paired: false,
            checker,
            schema_violations: Vec::new(),
        };
        match client.receive().await?.message {
            ServerMessage::Welcome {
                terminal_id,
                paired,
                ..
            } => {
                client.terminal_id = terminal_id;
                client.terminal_paired = paired;
                Ok(client)
            }
            other => Err(PosError::Protocol(format!(
                "expected welcome, got {other:?}"
            ))),
        }
    }

    /// Tries each address the terminal advertised, in order.
    pub async fn connect_any(
        ips: &[Ipv4Addr],
        port: u16,
        fingerprint: [u8; 32],
    ) -> Result<Self, PosError> {
        let mut last = PosError::Unreachable("no address".into());
        for ip in ips {
            match Self::connect(SocketAddr::new(IpAddr::V4(*ip), port), fingerprint).await {
                Ok(client) => return Ok(client),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Pairs with the terminal whose QR carried `uri`.
    pub async fn pair(
        uri: &PairingUri,
        store: &str,
        location: &str,
        pos_name: &str,
    ) -> Result<(Self, PosCredentials), PosError> {
        let mut client = Self::connect_any(&uri.ips, uri.port, uri.fingerprint).await?;
        let answer = client
            .request(ClientMessage::Pair {
                code: uri.code.clone(),
                store: store.into(),
                location: location.into(),
                pos_name: pos_name.into(),
            })
            .await?;
        match answer {
            ServerMessage::Paired {
                pos_id,
                credential,
                terminal_id,
            } => {
                let credentials = PosCredentials {
                    pos_id,
                    credential,
                    terminal_id,
                    ips: uri.ips.clone(),
                    port: uri.port,
                    fingerprint: to_hex(&uri.fingerprint),
                };
                Ok((client, credentials))
            }
            other => Err(PosError::Protocol(format!(
                "expected paired, got {other:?}"
            ))),
        }
    }

    /// Connects and authenticates as the paired POS.
    pub async fn resume(credentials: &PosCredentials) -> Result<Self, PosError> {
        let mut client = Self::connect_any(
            &credentials.ips,
            credentials.port,
            credentials.fingerprint_bytes()?,
        )
        .await?;
        let answer = client
            .request(ClientMessage::Hello {
                pos_id: credentials.pos_id.clone(),
                credential: credentials.credential.clone(),
            })
            .await?;
        match answer {
            ServerMessage::Authenticated { .. } => Ok(client),
            other => Err(PosError::Protocol(format!(
                "expected authenticated, got {other:?}"
            ))),
        }
    }

    /// Like `resume`, retrying with exponential backoff (250 ms doubling to 5 s) until `give_up`.
    pub async fn resume_with_backoff(
        credentials: &PosCredentials,
        give_up: Duration,
    ) -> Result<Self, PosError> {
        let deadline = tokio::time::Instant::now() + give_up;
        let mut wait = Duration::from_millis(250);
        loop {
            match Self::resume(credentials).await {
                Ok(client) => return Ok(client),
                Err(
                    e @ PosError::Refused {
                        code: ErrorCode::NotAuthenticated,
                        ..
                    },
                ) => return Err(e),
                Err(e) if tokio::time::Instant::now() + wait > deadline => return Err(e),
                Err(_) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Sends a message and waits for the answer to it. Errors from the terminal become
    /// `PosError::Refused`.
    pub async fn request(&mut self, message: ClientMessage) -> Result<ServerMessage, PosError> {
        self.next_id += 1;
        let id = format!("r{}", self.next_id);
        let text = encode_client(Some(id.clone()), message);
        self.check(Direction::PosToTerminal, &text);
        self.send_text(text).await?;
        self.answer_to(&id).await
    }

    /// Sends raw text (for tests of malformed input) and waits for the next answer.
    pub async fn send_text(&mut self, text: String) -> Result<(), PosError> {
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|_| PosError::Closed)
    }

    /// Sends a binary frame (the protocol refuses them; for conformance tests).
    pub async fn send_binary(&mut self, bytes: Vec<u8>) -> Result<(), PosError> {
        self.ws
            .send(Message::binary(bytes))
            .await
            .map_err(|_| PosError::Closed)
    }

    pub async fn answer_to(&mut self, id: &str) -> Result<ServerMessage, PosError> {
        loop {
            let envelope = self.receive().await?;
            if envelope.id.as_deref() == Some(id) {
                return match envelope.message {
                    ServerMessage::Error {
                        code,
                        message,
                        outcome,
                    } => Err(PosError::Refused {
                        code,
                        message,
                        outcome: outcome.map(Box::new),
                    }),
                    other => Ok(other),
                };
            }
            if envelope.id.is_none() {
                self.pushed.push_back(envelope.message);
            }
        }
    }

    /// The next answer or push, whatever it is (for tests of error replies).
    pub async fn next_envelope(&mut self) -> Result<ServerEnvelope, PosError> {
        self.receive().await
    }

    /// Waits for the next message the terminal pushes on its own (a payment result), pinging
    /// every 20 s meanwhile so the terminal does not close a quiet connection.
    pub async fn next_push(&mut self, wait: Duration) -> Result<ServerMessage, PosError> {
        if let Some(message) = self.pushed.pop_front() {
            return Ok(message);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(PosError::Timeout);
            }
            let slice = (deadline - now).min(KEEPALIVE);
            match tokio::time::timeout(slice, self.receive_raw()).await {
                Ok(envelope) => {
                    let envelope = envelope?;
                    if envelope.id.is_none() {
                        return Ok(envelope.message);
                    }
                }
                Err(_) => {
                    self.next_id += 1;
                    let ping =
                        encode_client(Some(format!("k{}", self.next_id)), ClientMessage::Ping);
                    self.send_text(ping).await?;
                }
            }
        }
    }

    async fn receive(&mut self) -> Result<ServerEnvelope, PosError> {
        tokio::time::timeout(ANSWER_TIMEOUT, self.receive_raw())
            .await
            .map_err(|_| PosError::Timeout)?
    }

    /// The next protocol message, however long it takes.
    async fn receive_raw(&mut self) -> Result<ServerEnvelope, PosError> {
        loop {
            let frame = self.ws.next().await;
            match frame {
                None | Some(Err(_)) => return Err(PosError::Closed),
                Some(Ok(Message::Text(text))) => {
                    self.check(Direction::TerminalToPos, text.as_str());
                    return decode_server(text.as_bytes())
                        .map_err(|e| PosError::Protocol(e.to_string()));
                }
                Some(Ok(Message::Close(_))) => return Err(PosError::Closed),
                Some(Ok(_)) => continue,
            }
        }
    }

    fn check(&mut self, direction: Direction, text: &str) {
        if let Some(schema) = &self.checker
            && let Err(error) = schema.check_message(direction, text)
        {
            let excerpt: String = text.chars().take(200).collect();
            self.schema_violations
                .push(format!("{direction:?} {excerpt}: {error}"));
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
