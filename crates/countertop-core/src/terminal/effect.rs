//! What the terminal asks its adapters to do. Effects are applied in order: a journal record
//! always precedes the action it protects.

use crate::money::Money;
use crate::payment::{Outcome, PaymentId};

/// A durable record of a payment's progress, written (and synced) before the effect after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalRecord {
    /// The request was accepted; nothing has been sent to the gateway yet.
    Accepted { payment_id: PaymentId, amount: Money },
    /// An authorization is about to go out: after a crash its fate must be asked of the gateway.
    Authorizing { payment_id: PaymentId, total: Money },
    /// The final outcome. Never rewritten.
    Final { payment_id: PaymentId, outcome: Outcome },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Journal(JournalRecord),
    /// Wake the reader for a card; it reports `Input::CardPresented`.
    ArmReader { payment_id: PaymentId, total: Money },
    DisarmReader,
    /// Send the authorization; the gateway must treat `payment_id` as its idempotency key.
    Authorize { payment_id: PaymentId, total: Money, card_token: String },
    /// Undo an authorization whose answer came too late or never came.
    Reverse { payment_id: PaymentId },
    /// Tell the POS how a payment ended (also sent again when it asks for a finished id).
    ReportOutcome { payment_id: PaymentId, outcome: Outcome },
}
