//! A simulated acquirer: deterministic answers by test-card token, idempotent by payment id,
//! and an account of what it charged so tests can prove nothing was charged twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop_core::{DeclineReason, GatewayReply, Input, Money, PaymentId};
use tokio::sync::mpsc;

use super::GatewayRequest;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub total: Money,
    pub reversed: bool,
}

#[derive(Debug, Default)]
pub struct SimulatedGateway {
    /// The first answer per payment id; repeats get the same answer.
    answers: HashMap<PaymentId, Option<GatewayReply>>,
    charges: HashMap<PaymentId, Charge>,
    authorization_requests: u64,
}

impl SimulatedGateway {
    /// Answers an authorization; `None` means the simulated network swallowed it.
    pub fn authorize(&mut self, payment_id: &PaymentId, total: Money, token: &str) -> Option<GatewayReply> {
        self.authorization_requests += 1;
        if let Some(answer) = self.answers.get(payment_id) {
            return answer.clone();
        }
        let answer = match token {
            "sim:approve" => {
                let n = self.charges.len() + 1;
                self.charges.insert(payment_id.clone(), Charge { total, reversed: false });
                Some(GatewayReply::Approved {
                    auth_code: format!("{:06}", 100_000 + n * 7_919 % 900_000),
                    reference: format!("SIM-{n:06}"),
                })
            }
            "sim:insufficient-funds" => Some(GatewayReply::Declined(DeclineReason::InsufficientFunds)),
            "sim:decline" => Some(GatewayReply::Declined(DeclineReason::DoNotHonor)),
            "sim:no-answer" => None,
            _ => Some(GatewayReply::Declined(DeclineReason::CardNotSupported)),
        };
        self.answers.insert(payment_id.clone(), answer.clone());
        answer
    }

    pub fn reverse(&mut self, payment_id: &PaymentId) {
        if let Some(charge) = self.charges.get_mut(payment_id) {
            charge.reversed = true;
        }
    }

    /// Charges that stand (not reversed), by payment id.
    pub fn standing_charges(&self) -> HashMap<PaymentId, Money> {
        self.charges
            .iter()
            .filter(|(_, c)| !c.reversed)
            .map(|(id, c)| (id.clone(), c.total))
            .collect()
    }

    pub fn authorization_requests(&self) -> u64 {
        self.authorization_requests
    }
}

/// Runs the gateway actor: answers arrive `latency` after each request.
pub async fn run_simulated_gateway(
    gateway: Arc<Mutex<SimulatedGateway>>,
    latency: Duration,
    mut requests: mpsc::Receiver<GatewayRequest>,
    inputs: mpsc::Sender<Input>,
) {
    while let Some(request) = requests.recv().await {
        match request {
            GatewayRequest::Authorize { payment_id, total, card_token } => {
                let answer = match gateway.lock() {
                    Ok(mut g) => g.authorize(&payment_id, total, &card_token),
                    Err(_) => return,
                };
                if let Some(reply) = answer {
                    let inputs = inputs.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(latency).await;
                        let _ = inputs.send(Input::GatewayReplied { payment_id, reply }).await;
                    });
                }
            }
            GatewayRequest::Reverse { payment_id } => {
                if let Ok(mut g) = gateway.lock() {
                    g.reverse(&payment_id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countertop_core::Currency;

    #[test]
    fn the_same_id_is_charged_once_and_answered_alike() {
        let mut g = SimulatedGateway::default();
        let id = PaymentId::new("p1").unwrap();
        let total = Money::new(500, Currency::from_code("EUR").unwrap());
        let first = g.authorize(&id, total, "sim:approve");
        let second = g.authorize(&id, total, "sim:approve");
        assert_eq!(first, second);
        assert_eq!(g.standing_charges().len(), 1);
        g.reverse(&id);
        assert!(g.standing_charges().is_empty());
        assert_eq!(g.authorization_requests(), 2);
    }

    #[test]
    fn test_cards_answer_as_documented() {
        let mut g = SimulatedGateway::default();
        let total = Money::new(500, Currency::from_code("EUR").unwrap());
        let id = |s: &str| PaymentId::new(s).unwrap();
        assert_eq!(
            g.authorize(&id("a"), total, "sim:insufficient-funds"),
            Some(GatewayReply::Declined(DeclineReason::InsufficientFunds))
        );
        assert_eq!(g.authorize(&id("b"), total, "sim:no-answer"), None);
        assert_eq!(
            g.authorize(&id("c"), total, "4111111111111111"),
            Some(GatewayReply::Declined(DeclineReason::CardNotSupported))
        );
        assert!(g.standing_charges().is_empty());
    }
}
