//! The card reader. The certified reader does the card work (and any PIN); the display only
//! learns a masked card and an opaque token. Real reader drivers plug in behind the same
//! request/event shape; this build ships the simulator.

mod simulator;

use countertop_core::{Money, PaymentId};

pub use simulator::{SimulatedReader, TestCard, run_simulated_reader};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderRequest {
    /// Wake up and wait for a card for this payment.
    /// `tap_allowed` is false above the contactless limit: the reader asks for the chip.
    Arm {
        payment_id: PaymentId,
        total: Money,
        tap_allowed: bool,
    },
    /// Stop waiting (payment cancelled or timed out).
    Disarm,
    /// Report when the inserted card is taken out.
    ExpectRemoval,
}
