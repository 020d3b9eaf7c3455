//! The payment gateway. Every request carries the payment id as its idempotency key, so a
//! repeated authorization can never charge twice. This build ships the simulator.

mod simulator;

use countertop_core::{Money, PaymentId};

pub use simulator::{SimulatedGateway, run_simulated_gateway};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayRequest {
    Authorize {
        payment_id: PaymentId,
        total: Money,
        card_token: String,
    },
    Reverse {
        payment_id: PaymentId,
    },
    /// What became of an authorization (asked after a restart).
    Status {
        payment_id: PaymentId,
    },
}
