//! Everything that can happen to the terminal, from any adapter.

use crate::cart::{Cart, LineItem};
use crate::payment::{CardRead, DeclineReason, PaymentId, PaymentRequest};
use crate::receipt::ReceiptUrl;
use crate::terminal::JournalRecord;
use crate::tip::TipChoice;

/// How the terminal stands with its POS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// No POS paired: the pairing QR is shown with this payload.
    Unpaired {
        pairing_uri: String,
    },
    /// Paired, but the POS is not connected right now.
    WaitingForPos,
    Connected,
}

/// The gateway's answer to an authorization.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayReply {
    Approved {
        auth_code: String,
        reference: String,
    },
    Declined(DeclineReason),
}

/// The gateway's record of an authorization, asked for after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayStatus {
    Replied(GatewayReply),
    /// The gateway never received it: nothing was charged.
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Docked(bool),
    Link(LinkState),
    CartReplaced(Cart),
    CartLineUpserted(LineItem),
    CartLineRemoved(String),
    CartCleared,
    PaymentRequested(PaymentRequest),
    PosCancelled(PaymentId),
    TipChosen(TipChoice),
    ShopperCancelled,
    CardPresented(CardRead),
    /// The reader could not read the card; the shopper may try again.
    CardReadFailed,
    /// The reader is asking for the PIN on its own keypad.
    PinEntryOnReader,
    /// The shopper took the card out of the reader.
    CardRemoved,
    GatewayReplied {
        payment_id: PaymentId,
        reply: GatewayReply,
    },
    GatewayStatus {
        payment_id: PaymentId,
        status: GatewayStatus,
    },
    /// A message shown after an approved payment, set by the merchant.
    PostPaymentMessage(String),
    /// The POS heard from its wallet provider that the shopper paid the QR.
    WalletConfirmed {
        payment_id: PaymentId,
        reference: String,
        /// The shopper's digital receipt, when the POS already has it.
        receipt: Option<ReceiptUrl>,
    },
    /// The POS has the digital receipt of a payment that has just been approved: the
    /// post-payment screen shows it as a QR.
    ReceiptReady {
        payment_id: PaymentId,
        url: ReceiptUrl,
    },
    /// Battery charge in percent; `None` when the device has no battery (mains powered).
    Battery(Option<u8>),
    /// The journal could not save this record (disk full, I/O error). Payments pause; a payment
    /// whose `Accepted` or `Authorizing` record was lost stops before it reaches the gateway.
    JournalWriteFailed(JournalRecord),
    /// The journal writes again (everything held back is saved): payments resume.
    JournalWritable,
}

impl Input {
    /// Short name used in errors and logs; never includes data.
    pub fn name(&self) -> &'static str {
        match self {
            Input::Docked(_) => "docked",
            Input::Link(_) => "link",
            Input::CartReplaced(_) => "cart replaced",
            Input::CartLineUpserted(_) => "cart line upserted",
            Input::CartLineRemoved(_) => "cart line removed",
            Input::CartCleared => "cart cleared",
            Input::PaymentRequested(_) => "payment requested",
            Input::PosCancelled(_) => "POS cancelled",
            Input::TipChosen(_) => "tip chosen",
            Input::ShopperCancelled => "shopper cancelled",
            Input::CardPresented(_) => "card presented",
            Input::CardReadFailed => "card read failed",
            Input::PinEntryOnReader => "PIN entry on reader",
            Input::CardRemoved => "card removed",
            Input::GatewayReplied { .. } => "gateway replied",
            Input::GatewayStatus { .. } => "gateway status",
            Input::PostPaymentMessage(_) => "post-payment message",
            Input::Battery(_) => "battery",
            Input::JournalWriteFailed(_) => "journal write failed",
            Input::JournalWritable => "journal writable",
            Input::WalletConfirmed { .. } => "wallet confirmed",
            Input::ReceiptReady { .. } => "receipt ready",
        }
    }
}
