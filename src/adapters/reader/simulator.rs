//! A simulated card reader with deterministic test cards. Clearly a simulator: it never
//! touches a real card and its tokens start with `sim:`.

use std::time::Duration;

use countertop_core::{CardBrand, CardRead, EntryMode, Input, MaskedCard};
use tokio::sync::mpsc;

use super::ReaderRequest;

/// Test cards, each with a fixed behaviour at the simulated gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCard {
    /// Visa ending 4242: approved.
    Approve,
    /// Mastercard ending 9995: declined, insufficient funds.
    InsufficientFunds,
    /// Visa ending 0002: declined, do not honour.
    Decline,
    /// Amex ending 0119: the gateway never answers; the terminal times out and reverses.
    NoAnswer,
}

impl TestCard {
    /// By the names used on the command line.
    pub fn from_name(name: &str) -> Option<TestCard> {
        Some(match name {
            "approve" => TestCard::Approve,
            "insufficient-funds" => TestCard::InsufficientFunds,
            "decline" => TestCard::Decline,
            "no-answer" => TestCard::NoAnswer,
            _ => return None,
        })
    }

    /// The gateway token this card produces; the simulated gateway keys its answer on it.
    pub fn token(self) -> &'static str {
        match self {
            TestCard::Approve => "sim:approve",
            TestCard::InsufficientFunds => "sim:insufficient-funds",
            TestCard::Decline => "sim:decline",
            TestCard::NoAnswer => "sim:no-answer",
        }
    }

    pub fn card_read(self, entry: EntryMode) -> CardRead {
        let (brand, last4) = match self {
            TestCard::Approve => (CardBrand::Visa, "4242"),
            TestCard::InsufficientFunds => (CardBrand::Mastercard, "9995"),
            TestCard::Decline => (CardBrand::Visa, "0002"),
            TestCard::NoAnswer => (CardBrand::Amex, "0119"),
        };
        CardRead {
            card: MaskedCard::new(brand, last4).expect("test cards have four-digit endings"),
            entry,
            token: self.token().to_owned(),
        }
    }
}

/// Presents the next card of `cards` (cycling) `delay` after each arm request.
#[derive(Debug, Clone)]
pub struct SimulatedReader {
    pub delay: Duration,
    pub cards: Vec<(TestCard, EntryMode)>,
}

pub async fn run_simulated_reader(
    reader: SimulatedReader,
    mut requests: mpsc::Receiver<ReaderRequest>,
    inputs: mpsc::Sender<Input>,
) {
    let mut next = 0usize;
    let mut armed = false;
    let mut tap_allowed = true;
    loop {
        let request = if armed {
            tokio::select! {
                request = requests.recv() => request,
                () = tokio::time::sleep(reader.delay) => {
                    armed = false;
                    let Some((card, entry)) = reader.cards.get(next % reader.cards.len().max(1)).copied() else {
                        continue;
                    };
                    next += 1;
                    // Above the contactless limit the reader refuses a tap and the shopper inserts.
                    let entry = if !tap_allowed && entry == EntryMode::Tap { EntryMode::Insert } else { entry };
                    // An inserted card asks for the PIN on the reader's keypad first.
                    if entry == EntryMode::Insert {
                        if inputs.send(Input::PinEntryOnReader).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(reader.delay).await;
                    }
                    if inputs.send(Input::CardPresented(card.card_read(entry))).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        } else {
            requests.recv().await
        };
        match request {
            Some(ReaderRequest::Arm {
                tap_allowed: allowed,
                ..
            }) => {
                armed = true;
                tap_allowed = allowed;
            }
            Some(ReaderRequest::Disarm) => armed = false,
            Some(ReaderRequest::ExpectRemoval) => {
                // The simulated shopper takes the card a moment after reading the result.
                let inputs = inputs.clone();
                let delay = reader.delay;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = inputs.send(Input::CardRemoved).await;
                });
            }
            None => return,
        }
    }
}
