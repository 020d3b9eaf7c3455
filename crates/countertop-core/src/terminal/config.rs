use std::time::Duration;

/// Timings and texts of the shopper flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalConfig {
    /// How long the shopper has to choose a tip.
    pub tip_timeout: Duration,
    /// How long the reader waits for a card.
    pub card_timeout: Duration,
    /// How long the gateway may take before the authorization is reversed.
    pub processing_timeout: Duration,
    /// How long approved / declined / cancelled stays on screen.
    pub result_display: Duration,
    /// How long the post-payment message stays before the idle screen returns.
    pub post_payment_display: Duration,
    pub post_payment_message: String,
    /// How many finished payment ids are kept in memory for idempotent replies; older ones are
    /// answered from the journal by the storage adapter.
    pub remembered_outcomes: usize,
}

impl Default for TerminalConfig {
    fn default() -> Self {
        TerminalConfig {
            tip_timeout: Duration::from_secs(90),
            card_timeout: Duration::from_secs(90),
            processing_timeout: Duration::from_secs(45),
            result_display: Duration::from_secs(4),
            post_payment_display: Duration::from_secs(5),
            post_payment_message: String::new(),
            remembered_outcomes: 10_000,
        }
    }
}
