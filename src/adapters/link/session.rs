//! One POS connection: TLS, WebSocket, then messages. Only `pair`, `hello` and `ping` are
//! answered before the POS has proven who it is.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use countertop_core::pairing::{PairedPos, hash_credential, to_hex};
use countertop_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, ProtocolError, ServerMessage, decode_client,
    encode_server, salvage_request_id,
};
use countertop_core::{Cart, CoreError, Input, Language, TaxMode};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::server::{Call, Context};
use crate::adapters::idle_image;
use crate::adapters::store::store_picture;
use crate::messages::{DisplayPatch, PosCommand};
use crate::view::Logo;
use base64::Engine as _;

/// A POS that sends nothing (not even a WebSocket ping) for this long is gone.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pushes waiting for one POS (payment results); beyond this they are dropped.
pub(super) const OUTBOUND_QUEUE: usize = 64;
/// From accepting the TCP connection to a successful `pair` or `hello`: a connection that has
/// not proven who it is by then is closed, so it cannot hold one of the few unauthenticated
/// places for long.
const AUTH_DEADLINE: Duration = Duration::from_secs(10);

pub(super) async fn run(
    shared: Arc<Context>,
    stream: TcpStream,
    peer: SocketAddr,
    session_id: u64,
    permits: Permits,
) {
    let Permits {
        _connection,
        mut unauthenticated,
    } = permits;
    let auth_deadline = tokio::time::Instant::now() + AUTH_DEADLINE;
    let acceptor = shared.acceptor.borrow().clone();
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => return tracing::info!(%peer, %error, "TLS handshake refused"),
        Err(_) => return tracing::info!(%peer, "TLS handshake timed out"),
    };
    // The WebSocket layer itself refuses a frame or message above the protocol's limit as
    // soon as its header announces it, so nobody makes the terminal buffer more than 1 MiB.
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
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
    // Bounded: a POS that stops reading loses pushes (it asks `payment.status` later), it
    // never makes the terminal queue without limit.
    let (outbound_tx, mut outbound) = mpsc::channel::<String>(OUTBOUND_QUEUE);
    let mut session = Session {
        shared: shared.clone(),
        id: session_id,
        outbound: Some(outbound_tx),
        authenticated: false,
    };
    let deadline = tokio::time::sleep_until(auth_deadline);
    tokio::pin!(deadline);
    let paired = shared.status.borrow().paired_pos.is_some();
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
                let reply = match frame {
                    Err(_) => { tracing::info!(%peer, "POS silent, closing"); break; }
                    Ok(Some(Ok(Message::Text(text)))) => session.handle(text.as_bytes()).await,
                    Ok(Some(Ok(Message::Binary(_)))) => encode_server(None, error(
                        ErrorCode::BadMessage,
                        "messages are JSON in text frames; binary frames are refused",
                    )),
                    Ok(Some(Err(WsError::Capacity(_)))) => {
                        // The frame is refused unread: say why, then close (the rest of it
                        // is still on the wire, so the stream cannot be resynchronised).
                        let reply = encode_server(None, error(
                            ErrorCode::TooLarge,
                            &ProtocolError::TooLarge.to_string(),
                        ));
                        let _ = sink.send(Message::text(reply)).await;
                        break;
                    }
                    Ok(None) | Ok(Some(Err(_))) => break,
                    Ok(Some(Ok(Message::Close(_)))) => break,
                    Ok(Some(Ok(_))) => continue,
                };
                if sink.send(Message::text(reply)).await.is_err() {
                    break;
                }
                if session.authenticated {
                    // Authenticated: this connection no longer counts against the few places
                    // for connections that have not proven who they are.
                    drop(unauthenticated.take());
                }
            }
            () = &mut deadline, if !session.authenticated => {
                tracing::info!(%peer, "no pair or hello in time, closing");
                break;
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
    shared: Arc<Context>,
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
                        outcome: None,
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
                high_contrast,
                large_text,
            } => {
                let pushed = self
                    .display_set(DisplayRequest {
                        message: post_payment_message,
                        show_logos,
                        logos,
                        picture: idle_image_base64,
                        language: customer_language,
                        high_contrast,
                        large_text,
                    })
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
                receipt_url,
            } => {
                self.apply(Input::WalletConfirmed {
                    payment_id,
                    reference,
                    receipt: receipt_url,
                })
                .await
            }
            ClientMessage::ReceiptShow {
                payment_id,
                receipt_url,
            } => {
                self.apply(Input::ReceiptReady {
                    payment_id,
                    url: receipt_url,
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
            Some(Err(CoreError::AlreadyFinished(id, outcome))) => ServerMessage::Error {
                code: ErrorCode::AlreadyFinished,
                message: CoreError::AlreadyFinished(id, outcome.clone()).to_string(),
                outcome: Some(*outcome),
            },
            Some(Err(e)) => error(ErrorCode::Rejected, &e.to_string()),
            None => error(ErrorCode::Internal, "the terminal is shutting down"),
        }
    }

    /// Validates everything first (language tag, logo names, the picture under decoding
    /// limits), so that a bad push changes nothing: the old picture stays.
    async fn display_set(&self, request: DisplayRequest) -> Result<(), String> {
        let DisplayRequest {
            message,
            show_logos,
            logos,
            picture,
            language,
            high_contrast,
            large_text,
        } = request;
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
        let patch = DisplayPatch {
            post_payment_message: message,
            show_logos,
            logos,
            idle_image: picture,
            customer_language: language,
            high_contrast,
            large_text,
        };
        let (reply, answer) = oneshot::channel();
        match self
            .ask(PosCommand::PatchDisplay { patch, reply }, answer)
            .await
        {
            Some(Ok(())) => Ok(()),
            Some(Err(error)) => Err(error.to_string()),
            None => Err("the terminal is shutting down".to_owned()),
        }
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
        let Some(outbound) = self.outbound.clone() else {
            return error(
                ErrorCode::Internal,
                "this connection is already authenticated",
            );
        };
        let (reply, answer) = oneshot::channel();
        let call = Call::Pair {
            code,
            store,
            location,
            pos: pos.clone(),
            session: self.id,
            outbound,
            reply,
        };
        match self.call(call, answer).await {
            Some(Ok(())) => {
                self.authenticated();
                ServerMessage::Paired {
                    pos_id: pos.pos_id,
                    credential,
                    terminal_id: self.shared.settings.terminal_id.clone(),
                }
            }
            Some(Err(refusal)) => error(ErrorCode::PairingRefused, &refusal.to_string()),
            None => error(ErrorCode::Internal, "the terminal is shutting down"),
        }
    }

    async fn hello(&mut self, pos_id: &str, credential: &str) -> ServerMessage {
        let Some(outbound) = self.outbound.clone() else {
            return error(
                ErrorCode::Internal,
                "this connection is already authenticated",
            );
        };
        let (reply, answer) = oneshot::channel();
        let call = Call::Authenticate {
            pos_id: pos_id.to_owned(),
            credential: credential.to_owned(),
            session: self.id,
            outbound,
            reply,
        };
        match self.call(call, answer).await {
            Some(Ok(())) => {
                self.authenticated();
                ServerMessage::Authenticated {
                    terminal_id: self.shared.settings.terminal_id.clone(),
                }
            }
            Some(Err(e)) => error(ErrorCode::NotAuthenticated, &e.to_string()),
            None => error(ErrorCode::Internal, "the terminal is shutting down"),
        }
    }

    /// The link actor now sends this POS's pushes to this connection; dropping our own copy
    /// of the sender lets a newer connection (or a pairing reset) end this one.
    fn authenticated(&mut self) {
        self.authenticated = true;
        self.outbound = None;
    }

    async fn call<T>(&self, call: Call, answer: oneshot::Receiver<T>) -> Option<T> {
        self.shared.calls.send(call).await.ok()?;
        answer.await.ok()
    }

    async fn ended(self) {
        let _ = self
            .shared
            .calls
            .send(Call::Ended { session: self.id })
            .await;
    }
}

/// A `display.set`'s fields as the POS sent them, before they are checked.
struct DisplayRequest {
    message: Option<String>,
    show_logos: Option<bool>,
    logos: Option<Vec<String>>,
    picture: Option<String>,
    language: Option<String>,
    high_contrast: Option<bool>,
    large_text: Option<bool>,
}

fn error(code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.to_owned(),
        outcome: None,
    }
}

/// A connection's places: one of the total, and while it has not authenticated, one of the
/// few unauthenticated ones. Dropped with the connection (or, for the second, on success).
pub(super) struct Permits {
    pub _connection: OwnedSemaphorePermit,
    pub unauthenticated: Option<OwnedSemaphorePermit>,
}
