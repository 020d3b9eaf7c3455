//! Payment vocabulary shared by the state machine, the POS protocol and the UI: ids, requests,
//! masked cards and outcomes. Nothing here can hold a full card number (PCI DSS 3.4.1).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::language::Language;
use crate::money::Money;
use crate::tip::TipOptions;

/// The POS's idempotency key for one payment attempt. The same id never charges twice.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PaymentId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a payment id is 1 to 64 characters of letters, digits, '-', '_', '.' or ':'")]
pub struct InvalidPaymentId;

impl PaymentId {
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidPaymentId> {
        let id = id.into();
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
        if id.is_empty() || id.len() > 64 || !id.chars().all(valid_char) {
            return Err(InvalidPaymentId);
        }
        Ok(PaymentId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PaymentId {
    type Error = InvalidPaymentId;
    fn try_from(s: String) -> Result<Self, InvalidPaymentId> {
        PaymentId::new(s)
    }
}

impl From<PaymentId> for String {
    fn from(id: PaymentId) -> String {
        id.0
    }
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the POS asks the terminal to collect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    pub id: PaymentId,
    /// Amount before any tip.
    pub amount: Money,
    /// Tip screen shown before the card is presented; `None` skips it.
    #[serde(default)]
    pub tip: Option<TipOptions>,
    #[serde(default)]
    pub method: PaymentMethod,
    /// The shopper's language for this payment: the screens speak it until the payment's
    /// result (and post-payment message) has gone, then the display's default returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

/// How the shopper pays.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// On the card reader: tap, insert or swipe.
    #[default]
    Card,
    /// A wallet QR (WeChat Pay / Alipay style) made by the POS with its wallet provider; the
    /// shopper scans it and the POS confirms or cancels once the provider tells it.
    WalletQr { payload: String },
}

/// Longest QR payload accepted: what a QR code shown at this size still scans reliably.
pub const MAX_WALLET_PAYLOAD: usize = 512;

impl PaymentMethod {
    pub fn is_valid(&self) -> bool {
        match self {
            PaymentMethod::Card => true,
            PaymentMethod::WalletQr { payload } => {
                !payload.is_empty()
                    && payload.len() <= MAX_WALLET_PAYLOAD
                    && payload.bytes().all(|b| b.is_ascii_graphic())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryMode {
    Tap,
    Insert,
    Swipe,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Diners,
    Interac,
    UnionPay,
    Other,
}

impl CardBrand {
    pub fn display_name(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::Discover => "Discover",
            CardBrand::Diners => "Diners Club",
            CardBrand::Interac => "Interac",
            CardBrand::UnionPay => "UnionPay",
            CardBrand::Other => "Card",
        }
    }
}

/// A card as the display may know it: brand and the last four digits, nothing more.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MaskedCardWire", into = "MaskedCardWire")]
pub struct MaskedCard {
    brand: CardBrand,
    last4: [u8; 4],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the last four digits must be exactly four digits")]
pub struct InvalidLast4;

impl MaskedCard {
    pub fn new(brand: CardBrand, last4: &str) -> Result<Self, InvalidLast4> {
        let bytes = last4.as_bytes();
        if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(InvalidLast4);
        }
        Ok(MaskedCard {
            brand,
            last4: [bytes[0], bytes[1], bytes[2], bytes[3]],
        })
    }

    pub fn brand(&self) -> CardBrand {
        self.brand
    }

    pub fn last4(&self) -> &str {
        std::str::from_utf8(&self.last4).unwrap_or("????")
    }

    /// "Visa •••• 4242"
    pub fn display(&self) -> String {
        format!("{} •••• {}", self.brand.display_name(), self.last4())
    }
}

#[derive(Serialize, Deserialize)]
struct MaskedCardWire {
    brand: CardBrand,
    last4: String,
}

impl TryFrom<MaskedCardWire> for MaskedCard {
    type Error = InvalidLast4;
    fn try_from(w: MaskedCardWire) -> Result<Self, InvalidLast4> {
        MaskedCard::new(w.brand, &w.last4)
    }
}

impl From<MaskedCard> for MaskedCardWire {
    fn from(c: MaskedCard) -> Self {
        MaskedCardWire {
            brand: c.brand,
            last4: c.last4().to_owned(),
        }
    }
}

/// What the card reader hands the display once a card was read. `token` is the reader's opaque
/// reference for the gateway; it is never shown and never a card number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRead {
    pub card: MaskedCard,
    pub entry: EntryMode,
    pub token: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    InsufficientFunds,
    DoNotHonor,
    ExpiredCard,
    CardNotSupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The shopper pressed cancel on the display.
    Shopper,
    /// The cashier cancelled at the POS.
    Pos,
    /// The handheld was taken out of its dock.
    Undocked,
    /// Nobody chose a tip or presented a card in time.
    NoResponse,
    /// The terminal restarted before the card was read.
    Restarted,
    /// The terminal could not save the payment's record (storage full or failing), so it
    /// stopped before anything reached the bank.
    StorageFailed,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Approval {
    pub auth_code: String,
    pub reference: String,
    pub card: MaskedCard,
    pub entry: EntryMode,
    /// Amount charged, tip included.
    pub total: Money,
    pub tip: Money,
}

/// The final word on a payment id. Once recorded it never changes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Approved(Approval),
    Declined {
        reason: DeclineReason,
        card: Option<MaskedCard>,
    },
    Cancelled {
        reason: CancelReason,
    },
    /// The gateway did not answer in time; the authorization was reversed, nothing is owed.
    TimedOut,
    /// Paid by wallet QR, as confirmed by the POS.
    WalletApproved {
        reference: String,
        total: Money,
    },
}

impl Outcome {
    pub fn is_approved(&self) -> bool {
        matches!(self, Outcome::Approved(_) | Outcome::WalletApproved { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_ids_are_restricted() {
        assert!(PaymentId::new("ord-2026-11-23:0001").is_ok());
        assert!(PaymentId::new("").is_err());
        assert!(PaymentId::new("a b").is_err());
        assert!(PaymentId::new("x".repeat(65)).is_err());
    }

    #[test]
    fn masked_card_keeps_only_four_digits() {
        let card = MaskedCard::new(CardBrand::Visa, "4242").unwrap();
        assert_eq!(card.display(), "Visa •••• 4242");
        assert!(MaskedCard::new(CardBrand::Visa, "424242").is_err());
        assert!(MaskedCard::new(CardBrand::Visa, "42a2").is_err());
    }
}
