//! The POS protocol: JSON messages over a WebSocket, version 1. Pure encode/decode with a size
//! limit; unknown fields are ignored so newer POS apps can talk to older terminals. Documented
//! with examples in docs/protocol.md.

use serde::{Deserialize, Serialize};

use crate::cart::LineItem;
use crate::money::Currency;
use crate::payment::{Outcome, PaymentId, PaymentRequest};
use crate::receipt::ReceiptUrl;

pub const PROTOCOL_VERSION: u32 = 1;
/// Largest message either side accepts. A 2,000-line cart is well under it.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Longest request `id` the terminal accepts (characters).
pub const MAX_REQUEST_ID_CHARS: usize = 64;

/// POS to terminal. `id` correlates the terminal's `ack`/`error` reply with the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientEnvelope {
    pub v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub message: ClientMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First message of a new POS: the one-time code from the QR and where the POS stands.
    Pair {
        code: String,
        store: String,
        location: String,
        pos_name: String,
    },
    /// First message of a paired POS on every new connection.
    Hello {
        pos_id: String,
        credential: String,
    },
    #[serde(rename = "cart.set")]
    CartSet {
        currency: Currency,
        lines: Vec<LineItem>,
        /// Whether the line prices include tax (VAT/GST countries). Absent means `false`: tax
        /// is added on top, as before the field existed. Lines upserted later follow it.
        #[serde(default)]
        prices_include_tax: bool,
    },
    #[serde(rename = "cart.upsert")]
    CartUpsert {
        line: LineItem,
    },
    #[serde(rename = "cart.remove")]
    CartRemove {
        line_id: String,
    },
    #[serde(rename = "cart.clear")]
    CartClear,
    #[serde(rename = "display.set")]
    DisplaySet {
        #[serde(default)]
        post_payment_message: Option<String>,
        /// Show the accepted payment methods on the idle screen.
        #[serde(default)]
        show_logos: Option<bool>,
        /// Which logos, in order (names as in the configuration).
        #[serde(default)]
        logos: Option<Vec<String>>,
        /// The standby picture (PNG, JPEG or WebP), base64.
        #[serde(default)]
        idle_image_base64: Option<String>,
        /// The shopper screens' default language, a BCP 47 tag ("nl", "zh-TW"); a payment may
        /// ask for another. Checked by the terminal (`Language::from_tag`): an unknown tag
        /// refuses the whole message.
        #[serde(default)]
        customer_language: Option<String>,
        /// The high-contrast theme for shoppers with low vision (every text at least 7:1).
        #[serde(default)]
        high_contrast: Option<bool>,
        /// Larger type on the shopper screens.
        #[serde(default)]
        large_text: Option<bool>,
    },
    #[serde(rename = "payment.request")]
    PaymentRequest {
        payment: PaymentRequest,
    },
    #[serde(rename = "payment.cancel")]
    PaymentCancel {
        payment_id: PaymentId,
    },
    /// The wallet provider told the POS the shopper paid the QR.
    #[serde(rename = "payment.wallet_confirm")]
    PaymentWalletConfirm {
        payment_id: PaymentId,
        reference: String,
        /// The shopper's digital receipt, if the POS already has it (checked on decoding).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt_url: Option<ReceiptUrl>,
    },
    /// The digital receipt of a payment just approved, sent after its result: the
    /// post-payment screen shows it as a QR.
    #[serde(rename = "receipt.show")]
    ReceiptShow {
        payment_id: PaymentId,
        receipt_url: ReceiptUrl,
    },
    #[serde(rename = "payment.status")]
    PaymentStatus {
        payment_id: PaymentId,
    },
    Ping,
}

impl ClientMessage {
    /// Only these may be sent before the POS has proven who it is.
    pub fn allowed_before_auth(&self) -> bool {
        matches!(
            self,
            ClientMessage::Pair { .. } | ClientMessage::Hello { .. } | ClientMessage::Ping
        )
    }
}

/// Terminal to POS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEnvelope {
    pub v: u32,
    /// The request this answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub message: ServerMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PaymentState {
    /// The terminal has no record of this id: it was never requested (nothing was charged).
    Unknown,
    InProgress,
    Final {
        outcome: Outcome,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadMessage,
    TooLarge,
    UnsupportedVersion,
    NotAuthenticated,
    PairingRefused,
    Rejected,
    Busy,
    /// `payment.cancel` for a payment that already has an outcome: nothing was cancelled, and
    /// the error carries the recorded outcome (an approved sale stays approved).
    AlreadyFinished,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Welcome {
        terminal_id: String,
        version: String,
        paired: bool,
    },
    Paired {
        pos_id: String,
        credential: String,
        terminal_id: String,
    },
    Authenticated {
        terminal_id: String,
    },
    Ack,
    #[serde(rename = "payment.result")]
    PaymentResult {
        payment_id: PaymentId,
        outcome: Outcome,
    },
    #[serde(rename = "payment.status")]
    PaymentStatus {
        payment_id: PaymentId,
        state: PaymentState,
    },
    Pong,
    Error {
        code: ErrorCode,
        message: String,
        /// Only with `already_finished`: the payment's recorded outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Outcome>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the message is larger than {MAX_MESSAGE_BYTES} bytes")]
    TooLarge,
    #[error(
        "protocol version {0} is not supported; this terminal speaks version {PROTOCOL_VERSION}"
    )]
    UnsupportedVersion(u32),
    #[error(
        "the field \"v\" (protocol version) is missing; this terminal speaks version {PROTOCOL_VERSION}"
    )]
    MissingVersion,
    #[error("the request id is longer than {MAX_REQUEST_ID_CHARS} characters")]
    IdTooLong,
    #[error("the message is not valid: {0}")]
    Malformed(String),
}

impl ProtocolError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::TooLarge => ErrorCode::TooLarge,
            ProtocolError::UnsupportedVersion(_) | ProtocolError::MissingVersion => {
                ErrorCode::UnsupportedVersion
            }
            ProtocolError::IdTooLong => ErrorCode::BadMessage,
            ProtocolError::Malformed(_) => ErrorCode::BadMessage,
        }
    }
}

/// The request id of a message that failed to decode, if it can be found, so the error reply
/// can still be matched by the POS.
pub fn salvage_request_id(bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return None;
    }
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<String>,
    }
    serde_json::from_slice::<IdOnly>(bytes)
        .ok()?
        .id
        .filter(|id| id.chars().count() <= MAX_REQUEST_ID_CHARS)
}

fn check_version(bytes: &[u8]) -> Result<(), ProtocolError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        v: Option<u32>,
    }
    let version = serde_json::from_slice::<VersionOnly>(bytes)
        .map_err(|e| ProtocolError::Malformed(short(&e.to_string())))?
        .v
        .ok_or(ProtocolError::MissingVersion)?;
    if version != PROTOCOL_VERSION {
        return Err(ProtocolError::UnsupportedVersion(version));
    }
    Ok(())
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

pub fn decode_client(bytes: &[u8]) -> Result<ClientEnvelope, ProtocolError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::TooLarge);
    }
    check_version(bytes)?;
    let envelope: ClientEnvelope = serde_json::from_slice(bytes)
        .map_err(|e| ProtocolError::Malformed(short(&e.to_string())))?;
    if envelope
        .id
        .as_ref()
        .is_some_and(|id| id.chars().count() > MAX_REQUEST_ID_CHARS)
    {
        return Err(ProtocolError::IdTooLong);
    }
    Ok(envelope)
}

pub fn decode_server(bytes: &[u8]) -> Result<ServerEnvelope, ProtocolError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::TooLarge);
    }
    check_version(bytes)?;
    serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed(short(&e.to_string())))
}

pub fn encode_client(id: Option<String>, message: ClientMessage) -> String {
    encode(&ClientEnvelope {
        v: PROTOCOL_VERSION,
        id,
        message,
    })
}

pub fn encode_server(id: Option<String>, message: ServerMessage) -> String {
    encode(&ServerEnvelope {
        v: PROTOCOL_VERSION,
        id,
        message,
    })
}

fn encode<T: Serialize>(value: &T) -> String {
    // Our own types always serialize: no maps with non-string keys, no floats.
    serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    #[test]
    fn messages_round_trip() {
        let eur = Currency::from_code("EUR").unwrap();
        let request = PaymentRequest {
            id: PaymentId::new("p1").unwrap(),
            amount: Money::new(1250, eur),
            tip: None,
            method: Default::default(),
            language: None,
        };
        let text = encode_client(
            Some("r1".into()),
            ClientMessage::PaymentRequest {
                payment: request.clone(),
            },
        );
        let decoded = decode_client(text.as_bytes()).unwrap();
        assert_eq!(decoded.id.as_deref(), Some("r1"));
        assert_eq!(
            decoded.message,
            ClientMessage::PaymentRequest { payment: request }
        );
        let reply = encode_server(
            None,
            ServerMessage::PaymentStatus {
                payment_id: PaymentId::new("p1").unwrap(),
                state: PaymentState::Unknown,
            },
        );
        assert!(decode_server(reply.as_bytes()).is_ok());
    }

    #[test]
    fn unknown_fields_are_ignored_and_unknown_types_refused() {
        let ok = decode_client(br#"{"v":1,"type":"ping","future_field":{"x":1}}"#).unwrap();
        assert_eq!(ok.message, ClientMessage::Ping);
        assert!(matches!(
            decode_client(br#"{"v":1,"type":"format_disk"}"#),
            Err(ProtocolError::Malformed(_))
        ));
    }

    #[test]
    fn versions_sizes_and_garbage_are_clear_errors() {
        assert_eq!(
            decode_client(br#"{"v":2,"type":"ping"}"#),
            Err(ProtocolError::UnsupportedVersion(2))
        );
        let missing = decode_client(br#"{"type":"ping"}"#).unwrap_err();
        assert_eq!(missing, ProtocolError::MissingVersion);
        assert_eq!(missing.code(), ErrorCode::UnsupportedVersion);
        let long_id = format!(r#"{{"v":1,"id":"{}","type":"ping"}}"#, "x".repeat(65));
        assert_eq!(
            decode_client(long_id.as_bytes()),
            Err(ProtocolError::IdTooLong)
        );
        let max_id = format!(r#"{{"v":1,"id":"{}","type":"ping"}}"#, "x".repeat(64));
        assert!(decode_client(max_id.as_bytes()).is_ok());
        assert!(matches!(
            decode_client(b"\xff\xfe"),
            Err(ProtocolError::Malformed(_))
        ));
        let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert_eq!(decode_client(&huge), Err(ProtocolError::TooLarge));
        assert_eq!(
            salvage_request_id(br#"{"v":1,"id":"abc","type":"nope"}"#).as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn cart_set_prices_exclude_tax_unless_the_pos_says_otherwise() {
        let old = decode_client(br#"{"v":1,"type":"cart.set","currency":"EUR","lines":[]}"#);
        assert!(matches!(
            old.map(|e| e.message),
            Ok(ClientMessage::CartSet {
                prices_include_tax: false,
                ..
            })
        ));
        let new = decode_client(
            br#"{"v":1,"type":"cart.set","currency":"EUR","lines":[],"prices_include_tax":true}"#,
        );
        assert!(matches!(
            new.map(|e| e.message),
            Ok(ClientMessage::CartSet {
                prices_include_tax: true,
                ..
            })
        ));
    }

    #[test]
    fn receipt_urls_are_checked_when_the_message_is_decoded() {
        let show = decode_client(
            br#"{"v":1,"type":"receipt.show","payment_id":"p1","receipt_url":"https://r.example/1"}"#,
        )
        .unwrap();
        assert!(matches!(show.message, ClientMessage::ReceiptShow { .. }));
        let confirm = decode_client(
            br#"{"v":1,"type":"payment.wallet_confirm","payment_id":"p1","reference":"W"}"#,
        )
        .unwrap();
        assert!(matches!(
            confirm.message,
            ClientMessage::PaymentWalletConfirm {
                receipt_url: None,
                ..
            }
        ));
        for bad in [
            r#"{"v":1,"type":"receipt.show","payment_id":"p1","receipt_url":"ftp://r.example/1"}"#,
            r#"{"v":1,"type":"payment.wallet_confirm","payment_id":"p1","reference":"W","receipt_url":"https://r.example/\u0007"}"#,
        ] {
            let error = decode_client(bad.as_bytes()).unwrap_err();
            assert_eq!(error.code(), ErrorCode::BadMessage);
            assert!(error.to_string().contains("receipt URL"), "{error}");
        }
    }

    #[test]
    fn amounts_in_unknown_currencies_are_refused_at_decode() {
        let text = r#"{"v":1,"type":"payment.request","payment":{"id":"p","amount":{"minor":5,"currency":"XXX"}}}"#;
        assert!(matches!(
            decode_client(text.as_bytes()),
            Err(ProtocolError::Malformed(_))
        ));
    }
}
