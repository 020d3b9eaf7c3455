//! One POS connection: TLS, WebSocket, then messages. Only `pair`, `hello` and `ping` are
//! answered before the POS has proven who it is.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use countertop_core::pairing::{OfferAfterFailure, PairedPos, hash_credential, to_hex};
use countertop_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, ServerMessage, decode_client, encode_server,
    salvage_request_id,
};
use countertop_core::{Cart, CoreError, Input, Language, TaxMode};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::server::{ActiveSession, Shared};
use crate::adapters::idle_image;
use crate::adapters::store::{
    SavedDisplay, load_display, save_display, save_paired_pos, store_picture,
};
use crate::messages::PosCommand;
use crate::view::Logo;
use base64::Engine as _;

/// A POS that sends nothing (not even a WebSocket ping) for this long is gone.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames above this are refused by the WebSocket layer itself; between the protocol limit and
/// this one, the POS gets an error reply and the connection stays up.
const HARD_FRAME_LIMIT: usize = 4 * MAX_MESSAGE_BYTES;

pub(super) async fn run(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr, session_id: u64) {
    let acceptor = match shared.acceptor.lock() {
        Ok(acceptor) => acceptor.clone(),
        Err(_) => return,
    };
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => return tracing::info!(%peer, %error, "TLS handshake refused"),
        Err(_) => return tracing::info!(%peer, "TLS handshake timed out"),
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(HARD_FRAME_LIMIT))
        .max_frame_size(Some(HARD_FRAME_LIMIT));
    let ws = match tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        tokio_tungstenite::accept_async_with_config(tls, Some(config)),
    )
    .await
    {
        Ok(Ok(ws)) => ws,
        _ => return tracing::info!(%peer, "WebSocket handshake failed"),
    };
    let (mut sink, mut stream) = ws.split();
    let (outbound_tx, mut outbound) = mpsc::channel::<String>(64);
    let mut session = Session {
        shared: shared.clone(),
        id: session_id,
        outbound: Some(outbound_tx),
        authenticated: false,
    };
    let paired = shared
        .pairing
        .lock()
        .map(|p| p.paired().is_some())
        .unwrap_or(false);
    let welcome = encode_server(
        None,
        ServerMessage::Welcome {
            terminal_id: shared.settings.terminal_id.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            paired,
        },
    );
    if sink.send(Message::text(welcome)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = tokio::time::timeout(IDLE_TIMEOUT, stream.next()) => {
                let bytes = match frame {
                    Err(_) => { tracing::info!(%peer, "POS silent, closing"); break; }
                    Ok(None) | Ok(Some(Err(_))) => break,
                    Ok(Some(Ok(Message::Text(text)))) => text.as_bytes().to_vec(),
                    Ok(Some(Ok(Message::Binary(bytes)))) => bytes.to_vec(),
                    Ok(Some(Ok(Message::Close(_)))) => break,
                    Ok(Some(Ok(_))) => continue,
                };
                let reply = session.handle(&bytes).await;
                if sink.send(Message::text(reply)).await.is_err() {
                    break;
                }
            }
            pushed = outbound.recv(), if session.authenticated => match pushed {
                Some(text) => if sink.send(Message::text(text)).await.is_err() { break },
                // Another connection took over for this POS, or the pairing was reset.
                None => break,
            },
        }
    }
    let _ = sink.close().await;
    session.ended().await;
}

struct Session {
    shared: Arc<Shared>,
    id: u64,
    /// Handed to the shared state once authenticated; outcomes are pushed through it.
    outbound: Option<mpsc::Sender<String>>,
    authenticated: bool,
}

impl Session {
    async fn handle(&mut self, bytes: &[u8]) -> String {
        let envelope = match decode_client(bytes) {
            Ok(envelope) => envelope,
            Err(error) => {
                return encode_server(
                    salvage_request_id(bytes),
                    ServerMessage::Error {
                        code: error.code(),
                        message: error.to_string(),
                    },
                );
            }
        };
        let id = envelope.id;
        let message = envelope.message;
        if !self.authenticated && !message.allowed_before_auth() {
            return encode_server(
                id,
                error(ErrorCode::NotAuthenticated, "pair or say hello first"),
            );
        }
        let reply = match message {
            ClientMessage::Ping => ServerMessage::Pong,
            ClientMessage::Pair {
                code,
                store,
                location,
                pos_name,
            } => self.pair(code, store, location, pos_name).await,
            ClientMessage::Hello { pos_id, credential } => self.hello(&pos_id, &credential).await,
            ClientMessage::CartSet {
                currency,
                lines,
                prices_include_tax,
            } => {
                let mode = TaxMode::from_prices_include_tax(prices_include_tax);
                match Cart::from_items_in(currency, mode, lines) {
                    Ok(cart) => self.apply(Input::CartReplaced(cart)).await,
                    Err(e) => error(ErrorCode::Rejected, &e.to_string()),
                }
            }
            ClientMessage::CartUpsert { line } => self.apply(Input::CartLineUpserted(line)).await,
            ClientMessage::CartRemove { line_id } => {
                self.apply(Input::CartLineRemoved(line_id)).await
            }
            ClientMessage::CartClear => self.apply(Input::CartCleared).await,
            ClientMessage::DisplaySet {
                post_payment_message,
                show_logos,
                logos,
                idle_image_base64,
                customer_language,
            } => {
                let pushed = self
                    .display_set(
                        post_payment_message,
                        show_logos,
                        logos,
                        idle_image_base64,
                        customer_language,
                    )
                    .await;
                match pushed {
                    Ok(()) => ServerMessage::Ack,
                    Err(message) => error(ErrorCode::Rejected, &message),
                }
            }
            ClientMessage::PaymentRequest { payment } => {
                self.apply(Input::PaymentRequested(payment)).await
            }
            ClientMessage::PaymentCancel { payment_id } => {
                self.apply(Input::PosCancelled(payment_id)).await
            }
            ClientMessage::PaymentWalletConfirm {
                payment_id,
                reference,
            } => {
                self.apply(Input::WalletConfirmed {
                    payment_id,
                    reference,
                })
                .await
            }
            ClientMessage::PaymentStatus { payment_id } => {
                let (reply, answer) = oneshot::channel();
                let command = PosCommand::Status {
                    payment_id: payment_id.clone(),
                    reply,
                };
                match self.ask(command, answer).await {
                    Some(state) => ServerMessage::PaymentStatus { payment_id, state },
                    None => error(ErrorCode::Internal, "the terminal is shutting down"),
                }
            }
        };
        encode_server(id, reply)
    }

    async fn ask<T>(&self, command: PosCommand, answer: oneshot::Receiver<T>) -> Option<T> {
        self.shared.commands.send(command).await.ok()?;
        answer.await.ok()
    }

    async fn apply(&self, input: Input) -> ServerMessage {
        let (reply, answer) = oneshot::channel();
        match self.ask(PosCommand::Apply { input, reply }, answer).await {
            Some(Ok(())) => ServerMessage::Ack,
            Some(Err(CoreError::Busy(id))) => {
                error(ErrorCode::Busy, &format!("payment {id} is in progress"))
            }
            Some(Err(e)) => error(ErrorCode::Rejected, &e.to_string()),
            None => error(ErrorCode::Internal, "the terminal is shutting down"),
        }
    }

    /// Validates everything first (language tag, logo names, the picture under decoding
    /// limits), so that a bad push changes nothing: the old picture stays.
    async fn display_set(
        &self,
        message: Option<String>,
        show_logos: Option<bool>,
        logos: Option<Vec<String>>,
        picture: Option<String>,
        language: Option<String>,
    ) -> Result<(), String> {
        let language = match language {
            Some(tag) => {
                Some(Language::from_tag(&tag).map_err(|e| format!("customer_language: {e}"))?)
            }
            None => None,
        };
        let logos = match logos {
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        Logo::from_name(name)
                            .ok_or_else(|| format!("unknown payment method logo {name:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let picture = match picture {
            Some(text) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|_| "the idle image is not valid base64".to_owned())?;
                let checked = bytes.clone();
                tokio::task::spawn_blocking(move || idle_image::decode(&checked).map(|_| ()))
                    .await
                    .map_err(|_| "the idle image could not be checked".to_owned())?
                    .map_err(|e| e.to_string())?;
                Some(
                    store_picture(&self.shared.settings.state_dir, &bytes)
                        .map_err(|e| e.to_string())?,
                )
            }
            None => None,
        };
        let (reply, answer) = oneshot::channel();
        let mut settings = self
            .ask(PosCommand::CurrentDisplay { reply }, answer)
            .await
            .ok_or_else(|| "the terminal is shutting down".to_owned())?;
        if let Some(show) = show_logos {
            settings.show_logos = show;
        }
        if let Some(logos) = logos {
            settings.logos = logos;
        }
        if picture.is_some() {
            settings.idle_image = picture;
        }
        if let Some(language) = language {
            settings.customer_language = language;
        }
        if let Some(message) = &message
            && let ServerMessage::Error { message, .. } =
                self.apply(Input::PostPaymentMessage(message.clone())).await
        {
            return Err(message);
        }
        let path = self.shared.settings.state_dir.join("display.json");
        let previous = load_display(&path).ok().flatten();
        let saved = SavedDisplay {
            settings: settings.clone(),
            post_payment_message: message.or(previous.and_then(|p| p.post_payment_message)),
        };
        save_display(&path, &saved).map_err(|e| e.to_string())?;
        let (reply, answer) = oneshot::channel();
        self.ask(PosCommand::Display { settings, reply }, answer)
            .await
            .ok_or_else(|| "the terminal is shutting down".to_owned())
    }

    async fn pair(
        &mut self,
        code: String,
        store: String,
        location: String,
        pos_name: String,
    ) -> ServerMessage {
        let mut secret = [0u8; 32];
        let mut id_bytes = [0u8; 6];
        if getrandom::fill(&mut secret).is_err() || getrandom::fill(&mut id_bytes).is_err() {
            return error(ErrorCode::Internal, "no secure random source");
        }
        let credential = to_hex(&secret);
        let pos = PairedPos {
            pos_id: format!("pos-{}", to_hex(&id_bytes)),
            pos_name: pos_name.chars().take(64).collect(),
            credential_hash: hash_credential(&credential),
        };
        let result = match self.shared.pairing.lock() {
            Ok(mut pairing) => pairing.pair(&code, &store, &location, pos.clone(), Instant::now()),
            Err(_) => return error(ErrorCode::Internal, "pairing state unavailable"),
        };
        match result {
            Ok(()) => {
                if let Err(e) = save_paired_pos(&self.shared.pairing_path(), Some(&pos)) {
                    tracing::error!(error = %e, "the pairing could not be saved; it lasts until restart");
                }
                tracing::info!(pos_id = %pos.pos_id, pos_name = %pos.pos_name, "POS paired");
                self.become_active().await;
                ServerMessage::Paired {
                    pos_id: pos.pos_id,
                    credential,
                    terminal_id: self.shared.settings.terminal_id.clone(),
                }
            }
            Err((refusal, after)) => {
                tracing::warn!(%refusal, "pairing refused");
                if after == OfferAfterFailure::NeedsNewCode {
                    self.shared.new_code();
                    self.shared.publish().await;
                }
                error(ErrorCode::PairingRefused, &refusal.to_string())
            }
        }
    }

    async fn hello(&mut self, pos_id: &str, credential: &str) -> ServerMessage {
        let result = match self.shared.pairing.lock() {
            Ok(pairing) => pairing.authenticate(pos_id, credential),
            Err(_) => return error(ErrorCode::Internal, "pairing state unavailable"),
        };
        match result {
            Ok(()) => {
                self.become_active().await;
                ServerMessage::Authenticated {
                    terminal_id: self.shared.settings.terminal_id.clone(),
                }
            }
            Err(e) => error(ErrorCode::NotAuthenticated, &e.to_string()),
        }
    }

    /// This connection now speaks for the POS; an older one (a dead socket the POS left
    /// behind) is dropped.
    async fn become_active(&mut self) {
        self.authenticated = true;
        if let (Some(outbound), Ok(mut active)) = (self.outbound.take(), self.shared.active.lock())
        {
            *active = Some(ActiveSession {
                id: self.id,
                outbound,
            });
        }
        self.shared.publish().await;
    }

    async fn ended(self) {
        let was_active = match self.shared.active.lock() {
            Ok(mut active) if active.as_ref().is_some_and(|a| a.id == self.id) => {
                *active = None;
                true
            }
            _ => false,
        };
        if was_active {
            tracing::info!("POS disconnected");
            self.shared.publish().await;
        }
    }
}

fn error(code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.to_owned(),
    }
}
