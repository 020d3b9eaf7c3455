//! A simulated acquirer: deterministic answers by test-card token, idempotent by payment id,
//! and an account of what it charged so tests can prove nothing was charged twice. With a
//! ledger file it keeps its records across restarts of the terminal, as a real acquirer would.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop_core::{DeclineReason, GatewayReply, GatewayStatus, Input, Money, PaymentId};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::GatewayRequest;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    pub total: Money,
    pub reversed: bool,
}

/// One line of the ledger file.
#[derive(Serialize, Deserialize)]
enum LedgerLine {
    Answer {
        payment_id: PaymentId,
        total: Money,
        answer: Option<GatewayReply>,
    },
    Reversed {
        payment_id: PaymentId,
    },
}

#[derive(Debug, Default)]
pub struct SimulatedGateway {
    /// The first answer per payment id; repeats get the same answer.
    answers: HashMap<PaymentId, Option<GatewayReply>>,
    charges: HashMap<PaymentId, Charge>,
    authorization_requests: u64,
    /// How often each id was sent for authorization: the terminal should never send one twice.
    requests_per_id: HashMap<PaymentId, u32>,
    ledger: Option<PathBuf>,
}

impl SimulatedGateway {
    /// A gateway whose records live in `path` (created if missing).
    pub fn with_ledger(path: &Path) -> std::io::Result<Self> {
        let mut gateway = SimulatedGateway {
            ledger: Some(path.to_owned()),
            ..Default::default()
        };
        if let Ok(file) = std::fs::File::open(path) {
            for line in std::io::BufReader::new(file).lines() {
                let Ok(entry) = serde_json::from_str::<LedgerLine>(&line?) else {
                    continue;
                };
                gateway.remember(entry);
            }
        }
        Ok(gateway)
    }

    fn remember(&mut self, entry: LedgerLine) {
        match entry {
            LedgerLine::Answer {
                payment_id,
                total,
                answer,
            } => {
                if matches!(answer, Some(GatewayReply::Approved { .. })) {
                    self.charges.insert(
                        payment_id.clone(),
                        Charge {
                            total,
                            reversed: false,
                        },
                    );
                }
                self.answers.insert(payment_id, answer);
            }
            LedgerLine::Reversed { payment_id } => {
                if let Some(charge) = self.charges.get_mut(&payment_id) {
                    charge.reversed = true;
                }
            }
        }
    }

    fn persist(&self, entry: &LedgerLine) {
        let Some(path) = &self.ledger else { return };
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| {
                let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
                line.push(b'\n');
                f.write_all(&line)?;
                f.sync_data()
            });
        if let Err(error) = written {
            tracing::error!(%error, "simulated gateway could not write its ledger");
        }
    }

    /// Answers an authorization; `None` means the simulated network swallowed it.
    pub fn authorize(
        &mut self,
        payment_id: &PaymentId,
        total: Money,
        token: &str,
    ) -> Option<GatewayReply> {
        self.authorization_requests += 1;
        *self.requests_per_id.entry(payment_id.clone()).or_default() += 1;
        if let Some(answer) = self.answers.get(payment_id) {
            return answer.clone();
        }
        let answer = match token {
            "sim:approve" => {
                let n = self.charges.len() + 1;
                Some(GatewayReply::Approved {
                    auth_code: format!("{:06}", 100_000 + n * 7_919 % 900_000),
                    reference: format!("SIM-{n:06}"),
                })
            }
            "sim:insufficient-funds" => {
                Some(GatewayReply::Declined(DeclineReason::InsufficientFunds))
            }
            "sim:decline" => Some(GatewayReply::Declined(DeclineReason::DoNotHonor)),
            "sim:no-answer" => None,
            _ => Some(GatewayReply::Declined(DeclineReason::CardNotSupported)),
        };
        let entry = LedgerLine::Answer {
            payment_id: payment_id.clone(),
            total,
            answer: answer.clone(),
        };
        // The charge is on record before anyone hears of it.
        self.persist(&entry);
        self.remember(entry);
        answer
    }

    pub fn reverse(&mut self, payment_id: &PaymentId) {
        let entry = LedgerLine::Reversed {
            payment_id: payment_id.clone(),
        };
        self.persist(&entry);
        self.remember(entry);
    }

    /// The gateway's record of an id: what it answered, or that it never saw it.
    pub fn status(&self, payment_id: &PaymentId) -> GatewayStatus {
        match self.answers.get(payment_id) {
            Some(Some(reply)) => GatewayStatus::Replied(reply.clone()),
            _ => GatewayStatus::NotFound,
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

    /// Ids that were sent for authorization more than once.
    pub fn repeated_authorizations(&self) -> usize {
        self.requests_per_id.values().filter(|n| **n > 1).count()
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
        let Ok(mut g) = gateway.lock() else { return };
        let reply = match request {
            GatewayRequest::Authorize {
                payment_id,
                total,
                card_token,
            } => g
                .authorize(&payment_id, total, &card_token)
                .map(|reply| Input::GatewayReplied { payment_id, reply }),
            GatewayRequest::Reverse { payment_id } => {
                g.reverse(&payment_id);
                None
            }
            GatewayRequest::Status { payment_id } => {
                let status = g.status(&payment_id);
                Some(Input::GatewayStatus { payment_id, status })
            }
        };
        drop(g);
        if let Some(input) = reply {
            let inputs = inputs.clone();
            tokio::spawn(async move {
                tokio::time::sleep(latency).await;
                let _ = inputs.send(input).await;
            });
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
        assert_eq!(g.status(&id("b")), GatewayStatus::NotFound);
        assert_eq!(
            g.authorize(&id("c"), total, "4111111111111111"),
            Some(GatewayReply::Declined(DeclineReason::CardNotSupported))
        );
        assert!(g.standing_charges().is_empty());
    }

    #[test]
    fn the_ledger_outlives_the_process() {
        let path =
            std::env::temp_dir().join(format!("countertop-ledger-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let total = Money::new(700, Currency::from_code("EUR").unwrap());
        let id = PaymentId::new("p1").unwrap();
        let answer =
            SimulatedGateway::with_ledger(&path)
                .unwrap()
                .authorize(&id, total, "sim:approve");
        let reopened = SimulatedGateway::with_ledger(&path).unwrap();
        assert_eq!(
            reopened.status(&id),
            GatewayStatus::Replied(answer.unwrap())
        );
        assert_eq!(reopened.standing_charges().len(), 1);
        let _ = std::fs::remove_file(&path);
    }
}
