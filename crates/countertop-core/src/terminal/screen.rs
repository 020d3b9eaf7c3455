//! What the shopper should see, derived from the terminal state. Owned and cheap to clone so it
//! can cross to the UI thread.

use std::sync::Arc;

use crate::cart::Cart;
use crate::money::Money;
use crate::payment::{MaskedCard, Outcome};
use crate::tip::TipOptions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Out of the dock: no store data at all.
    Undocked,
    Pairing {
        uri: String,
    },
    Idle {
        waiting_for_pos: bool,
    },
    /// `paid`: partial (split-tender) payments already approved toward this cart.
    Cart {
        cart: Arc<Cart>,
        paid: Option<Money>,
    },
    /// `remaining` (here and below): the payment is for part of the cart ("to pay now") and
    /// this much of the cart is left for later payments.
    TipSelection {
        amount: Money,
        options: TipOptions,
        remaining: Option<Money>,
    },
    /// `pin_on_reader`: the card is in and the shopper types the PIN on the certified reader
    /// (never on this display).
    AwaitingCard {
        total: Money,
        tip: Money,
        read_failed: bool,
        tap_allowed: bool,
        pin_on_reader: bool,
        remaining: Option<Money>,
    },
    Processing {
        total: Money,
        card: MaskedCard,
    },
    /// The wallet QR to scan, with the amount it is for.
    WalletQr {
        total: Money,
        payload: String,
        remaining: Option<Money>,
    },
    /// `remove_card`: the card is still in the reader; the result waits until it is taken out.
    Result {
        outcome: Outcome,
        remove_card: bool,
    },
    /// `receipt`: the shopper's digital receipt, shown as a QR to scan.
    PostPayment {
        message: String,
        receipt: Option<String>,
    },
}

impl Screen {
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Undocked => "undocked",
            Screen::Pairing { .. } => "pairing",
            Screen::Idle { .. } => "idle",
            Screen::Cart { .. } => "cart",
            Screen::TipSelection { .. } => "tip",
            Screen::AwaitingCard { .. } => "card",
            Screen::Processing { .. } => "processing",
            Screen::WalletQr { .. } => "wallet",
            Screen::Result { .. } => "result",
            Screen::PostPayment { .. } => "post-payment",
        }
    }

    /// Whether the screen shows anything about the store's sale.
    pub fn shows_store_data(&self) -> bool {
        !matches!(
            self,
            Screen::Undocked | Screen::Pairing { .. } | Screen::Idle { .. }
        )
    }
}
