//! What the terminal asks its adapters to do. Effects are applied in order: a journal record
//! always precedes the action it protects.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::payment::{EntryMode, MaskedCard, Outcome, PaymentId};

/// A durable record of a payment's progress, written (and synced) before the effect after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum JournalRecord {
    /// The request was accepted; nothing has been sent to the gateway yet.
    Accepted {
        payment_id: PaymentId,
        amount: Money,
    },
    /// An authorization is about to go out: after a crash its fate must be asked of the gateway.
    /// Holds what is needed to rebuild the approval from the gateway's answer.
    Authorizing(PendingAuthorization),
    /// The final outcome. Never rewritten.
    Final {
        payment_id: PaymentId,
        outcome: Outcome,
    },
}

/// An authorization sent to the gateway whose answer is not recorded yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub payment_id: PaymentId,
    pub total: Money,
    pub tip: Money,
    pub card: MaskedCard,
    pub entry: EntryMode,
}

impl JournalRecord {
    pub fn payment_id(&self) -> &PaymentId {
        match self {
            JournalRecord::Accepted { payment_id, .. }
            | JournalRecord::Final { payment_id, .. } => payment_id,
            JournalRecord::Authorizing(p) => &p.payment_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Journal(JournalRecord),
    /// Wake the reader for a card; it reports `Input::CardPresented`. Above the contactless
    /// limit `tap_allowed` is false and the reader asks for the chip.
    ArmReader {
        payment_id: PaymentId,
        total: Money,
        tap_allowed: bool,
    },
    DisarmReader,
    /// The result is up and the card is still in: the reader reports `Input::CardRemoved`.
    ExpectCardRemoval,
    /// Send the authorization; the gateway must treat `payment_id` as its idempotency key.
    Authorize {
        payment_id: PaymentId,
        total: Money,
        card_token: String,
    },
    /// Undo an authorization whose answer came too late or never came.
    Reverse {
        payment_id: PaymentId,
    },
    /// Ask the gateway what became of an authorization (after a restart).
    QueryGateway {
        payment_id: PaymentId,
    },
    /// Tell the POS how a payment ended (also sent again when it asks for a finished id).
    ReportOutcome {
        payment_id: PaymentId,
        outcome: Outcome,
    },
}
