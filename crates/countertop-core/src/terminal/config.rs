use std::time::Duration;

use crate::money::{Currency, Money};

/// Timings and texts of the shopper flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalConfig {
    /// How long the shopper has to choose a tip.
    pub tip_timeout: Duration,
    /// How long the reader waits for a card.
    pub card_timeout: Duration,
    /// How long a wallet QR stays up waiting for the POS's confirmation.
    pub wallet_timeout: Duration,
    /// How long the gateway may take before the authorization is reversed.
    pub processing_timeout: Duration,
    /// How long approved / declined / cancelled stays on screen.
    pub result_display: Duration,
    /// How long the post-payment message stays before the idle screen returns.
    pub post_payment_display: Duration,
    pub post_payment_message: String,
    /// How long the post-payment screen stays when it shows a digital receipt to scan (counted
    /// from when the receipt arrives).
    pub receipt_display: Duration,
    /// How many finished payment ids are kept in memory for idempotent replies; older ones are
    /// answered from the journal by the storage adapter.
    pub remembered_outcomes: usize,
    /// Smallest payment, in hundredths of the currency's major unit (50 = 0.50 EUR, 0.50 USD;
    /// at least one minor unit in currencies without cents).
    pub minimum_amount_hundredths: i64,
    /// Below this battery charge no payment is started: a terminal that dies mid-payment
    /// leaves the shopper unsure whether they paid.
    pub minimum_battery_percent: u8,
    /// Above these amounts the card must be inserted (chip and PIN), per currency, in minor units.
    pub contactless_limits: Vec<(Currency, i64)>,
}

impl Default for TerminalConfig {
    fn default() -> Self {
        TerminalConfig {
            tip_timeout: Duration::from_secs(90),
            card_timeout: Duration::from_secs(90),
            processing_timeout: Duration::from_secs(45),
            wallet_timeout: Duration::from_secs(180),
            result_display: Duration::from_secs(4),
            post_payment_display: Duration::from_secs(5),
            post_payment_message: String::new(),
            receipt_display: Duration::from_secs(30),
            remembered_outcomes: 10_000,
            minimum_amount_hundredths: 50,
            minimum_battery_percent: 10,
            contactless_limits: Vec::new(),
        }
    }
}

impl TerminalConfig {
    pub fn minimum_amount(&self, currency: Currency) -> Money {
        let minor = (self.minimum_amount_hundredths * currency.minor_per_major() / 100).max(1);
        Money::new(minor, currency)
    }

    /// Whether a tap is allowed for this total (no limit configured: yes).
    pub fn tap_allowed(&self, total: Money) -> bool {
        self.contactless_limits
            .iter()
            .find(|(currency, _)| *currency == total.currency)
            .is_none_or(|(_, limit)| total.minor <= *limit)
    }
}
