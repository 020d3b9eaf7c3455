//! The contract's scenarios against a live terminal, for any POS vendor: pairing refusals,
//! unauthenticated refusals, malformed and oversized frames, duplicate payment ids, cancel
//! races and the status after a disconnect. Every message seen (and every well-formed one
//! sent) is also checked against docs/protocol.schema.json. Needs an unpaired terminal (it
//! pairs during the run) whose reader presents an approving card after a moment, like the
//! simulator's.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use countertop_core::pairing::{PairingUri, to_hex};
use countertop_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, PaymentState, ServerMessage, encode_client,
};
use countertop_core::{Currency, Money, Outcome, PaymentId, PaymentRequest};

use super::schema::Schema;
use super::{PosClient, PosCredentials, PosError};

/// What the suite needs to know about the terminal under test.
#[derive(Debug, Clone)]
pub struct Target {
    pub uri: PairingUri,
    pub store: String,
    pub location: String,
    pub currency: Currency,
    /// An amount the terminal accepts (above its minimum), in minor units.
    pub amount_minor: i64,
    /// How long a payment may take to reach its outcome.
    pub payment_timeout: Duration,
}

/// One scenario's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub scenario: &'static str,
    pub failure: Option<String>,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.failure {
            None => write!(f, "PASS {}", self.scenario),
            Some(why) => write!(f, "FAIL {}: {why}", self.scenario),
        }
    }
}

type Check = Result<(), String>;

struct Suite {
    target: Target,
    schema: Arc<Schema>,
    addr: SocketAddr,
    credentials: Option<PosCredentials>,
    run_id: String,
}

/// Runs every scenario in order and reports each as it finishes.
pub async fn run(target: Target, mut report: impl FnMut(&Verdict)) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    let schema = match Schema::protocol() {
        Ok(schema) => Arc::new(schema),
        Err(error) => {
            let verdict = Verdict {
                scenario: "schema",
                failure: Some(error.to_string()),
            };
            report(&verdict);
            return vec![verdict];
        }
    };
    let ip = target
        .uri
        .ips
        .first()
        .copied()
        .unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let mut random = [0u8; 4];
    let _ = getrandom::fill(&mut random);
    let mut suite = Suite {
        addr: SocketAddr::new(IpAddr::V4(ip), target.uri.port),
        target,
        schema,
        credentials: None,
        run_id: to_hex(&random),
    };
    macro_rules! scenario {
        ($name:literal, $body:expr) => {{
            let result: Check = $body.await;
            let verdict = Verdict {
                scenario: $name,
                failure: result.err(),
            };
            report(&verdict);
            verdicts.push(verdict);
        }};
    }
    scenario!("welcome comes first", suite.welcome());
    scenario!(
        "unauthenticated messages are refused",
        suite.unauthenticated()
    );
    scenario!("pairing refusals", suite.pairing_refusals());
    scenario!("pairing", suite.pair());
    scenario!("hello with a wrong credential", suite.wrong_hello());
    scenario!("malformed messages", suite.malformed());
    scenario!("oversized frame", suite.oversized());
    scenario!("duplicate payment id", suite.duplicate_payment_id());
    scenario!("cancel races", suite.cancel_race());
    scenario!("status after disconnect", suite.status_after_disconnect());
    verdicts
}

fn expect_refusal<T: std::fmt::Debug>(
    result: Result<T, PosError>,
    expected: ErrorCode,
    what: &str,
) -> Check {
    match result {
        Err(PosError::Refused { code, .. }) if code == expected => Ok(()),
        other => Err(format!(
            "{what}: expected error {expected:?}, got {other:?}"
        )),
    }
}

impl Suite {
    async fn connect(&self) -> Result<PosClient, String> {
        PosClient::connect_checked(
            self.addr,
            self.target.uri.fingerprint,
            Some(self.schema.clone()),
        )
        .await
        .map_err(|e| format!("connect: {e}"))
    }

    async fn authenticated(&self) -> Result<PosClient, String> {
        let credentials = self
            .credentials
            .as_ref()
            .ok_or("not paired (the pairing scenario failed)")?;
        let mut client = self.connect().await?;
        match client
            .request(ClientMessage::Hello {
                pos_id: credentials.pos_id.clone(),
                credential: credentials.credential.clone(),
            })
            .await
        {
            Ok(ServerMessage::Authenticated { .. }) => Ok(client),
            other => Err(format!("hello: {other:?}")),
        }
    }

    /// Fails the scenario if any message broke the schema.
    fn schema_clean(client: &PosClient) -> Check {
        match client.schema_violations.first() {
            None => Ok(()),
            Some(first) => Err(format!(
                "{} message(s) break the schema, first: {first}",
                client.schema_violations.len()
            )),
        }
    }

    async fn welcome(&mut self) -> Check {
        let client = self.connect().await?;
        if client.terminal_id != self.target.uri.terminal_id {
            return Err(format!(
                "welcome names {:?}, the QR {:?}",
                client.terminal_id, self.target.uri.terminal_id
            ));
        }
        if client.terminal_paired {
            return Err("the terminal is already paired; the suite needs an unpaired one".into());
        }
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn unauthenticated(&mut self) -> Check {
        let mut client = self.connect().await?;
        match client.request(ClientMessage::Ping).await {
            Ok(ServerMessage::Pong) => {}
            other => return Err(format!("ping before authentication: {other:?}")),
        }
        expect_refusal(
            client.request(ClientMessage::CartClear).await,
            ErrorCode::NotAuthenticated,
            "cart.clear before authentication",
        )?;
        expect_refusal(
            client
                .request(ClientMessage::PaymentStatus {
                    payment_id: self.payment_id("u")?,
                })
                .await,
            ErrorCode::NotAuthenticated,
            "payment.status before authentication",
        )?;
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn pairing_refusals(&mut self) -> Check {
        let mut client = self.connect().await?;
        let uri = &self.target.uri;
        // One wrong code only: five would replace the code the QR shows.
        expect_refusal(
            client
                .request(ClientMessage::Pair {
                    code: "ZZZZ-ZZZZ".into(),
                    store: self.target.store.clone(),
                    location: self.target.location.clone(),
                    pos_name: "conformance".into(),
                })
                .await,
            ErrorCode::PairingRefused,
            "pair with a wrong code",
        )?;
        expect_refusal(
            client
                .request(ClientMessage::Pair {
                    code: uri.code.clone(),
                    store: format!("{}-other", self.target.store),
                    location: self.target.location.clone(),
                    pos_name: "conformance".into(),
                })
                .await,
            ErrorCode::PairingRefused,
            "pair from another store",
        )?;
        expect_refusal(
            client
                .request(ClientMessage::Pair {
                    code: uri.code.clone(),
                    store: self.target.store.clone(),
                    location: format!("{}-other", self.target.location),
                    pos_name: "conformance".into(),
                })
                .await,
            ErrorCode::PairingRefused,
            "pair from another location",
        )?;
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn pair(&mut self) -> Check {
        let mut client = self.connect().await?;
        let uri = &self.target.uri;
        let answer = client
            .request(ClientMessage::Pair {
                code: uri.code.clone(),
                store: self.target.store.clone(),
                location: self.target.location.clone(),
                pos_name: "conformance".into(),
            })
            .await;
        let ServerMessage::Paired {
            pos_id,
            credential,
            terminal_id,
        } = answer.map_err(|e| format!("pair: {e}"))?
        else {
            return Err("pair was not answered with paired".into());
        };
        self.credentials = Some(PosCredentials {
            pos_id,
            credential,
            terminal_id,
            ips: uri.ips.clone(),
            port: uri.port,
            fingerprint: to_hex(&uri.fingerprint),
        });
        // The code is single-use.
        let mut second = self.connect().await?;
        expect_refusal(
            second
                .request(ClientMessage::Pair {
                    code: uri.code.clone(),
                    store: self.target.store.clone(),
                    location: self.target.location.clone(),
                    pos_name: "conformance".into(),
                })
                .await,
            ErrorCode::PairingRefused,
            "the same code a second time",
        )?;
        Self::schema_clean(&client)?;
        Self::schema_clean(&second)?;
        second.close().await;
        client.close().await;
        Ok(())
    }

    async fn wrong_hello(&mut self) -> Check {
        let credentials = self.credentials.clone().ok_or("not paired")?;
        let mut client = self.connect().await?;
        expect_refusal(
            client
                .request(ClientMessage::Hello {
                    pos_id: credentials.pos_id,
                    credential: "00".repeat(32),
                })
                .await,
            ErrorCode::NotAuthenticated,
            "hello with a wrong credential",
        )?;
        expect_refusal(
            client.request(ClientMessage::CartClear).await,
            ErrorCode::NotAuthenticated,
            "cart.clear after a failed hello",
        )?;
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn malformed(&mut self) -> Check {
        let mut client = self.authenticated().await?;
        let cases = [
            ("not JSON", "not json".to_owned(), ErrorCode::BadMessage),
            (
                "unknown type",
                r#"{"v":1,"id":"m1","type":"launch_rockets"}"#.to_owned(),
                ErrorCode::BadMessage,
            ),
            (
                "another version",
                r#"{"v":7,"id":"m2","type":"ping"}"#.to_owned(),
                ErrorCode::UnsupportedVersion,
            ),
            (
                "no version",
                r#"{"id":"m3","type":"ping"}"#.to_owned(),
                ErrorCode::UnsupportedVersion,
            ),
            (
                "request id over 64 characters",
                format!(r#"{{"v":1,"id":"{}","type":"ping"}}"#, "i".repeat(65)),
                ErrorCode::BadMessage,
            ),
            (
                "bad payment id",
                r#"{"v":1,"id":"m4","type":"payment.status","payment_id":"a b"}"#.to_owned(),
                ErrorCode::BadMessage,
            ),
            (
                "missing field",
                r#"{"v":1,"id":"m5","type":"cart.remove"}"#.to_owned(),
                ErrorCode::BadMessage,
            ),
        ];
        for (what, text, expected) in cases {
            client
                .send_text(text)
                .await
                .map_err(|e| format!("{what}: {e}"))?;
            match client.next_envelope().await {
                Ok(envelope) => match envelope.message {
                    ServerMessage::Error { code, .. } if code == expected => {}
                    other => return Err(format!("{what}: expected {expected:?}, got {other:?}")),
                },
                Err(e) => return Err(format!("{what}: {e}")),
            }
        }
        client
            .send_binary(encode_client(Some("m6".into()), ClientMessage::Ping).into_bytes())
            .await
            .map_err(|e| format!("binary frame: {e}"))?;
        match client.next_envelope().await {
            Ok(envelope) => match envelope.message {
                ServerMessage::Error {
                    code: ErrorCode::BadMessage,
                    ..
                } => {}
                other => return Err(format!("binary frame: expected bad_message, got {other:?}")),
            },
            Err(e) => return Err(format!("binary frame: {e}")),
        }
        match client.request(ClientMessage::Ping).await {
            Ok(ServerMessage::Pong) => {}
            other => return Err(format!("ping after the malformed messages: {other:?}")),
        }
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn oversized(&mut self) -> Check {
        let mut client = self.authenticated().await?;
        let text = format!(
            r#"{{"v":1,"id":"big","type":"ping","pad":"{}"}}"#,
            "a".repeat(MAX_MESSAGE_BYTES)
        );
        // The terminal refuses the frame from its header: it answers `too_large` and closes,
        // usually while the frame is still being sent. Over TCP the close can then reset the
        // connection before the answer is read, so a connection closed mid-send also counts;
        // an answer other than `too_large`, or the connection staying up, does not.
        let sent = client.send_text(text).await;
        match client.next_envelope().await {
            Ok(envelope) => match envelope.message {
                ServerMessage::Error {
                    code: ErrorCode::TooLarge,
                    ..
                } => {}
                other => return Err(format!("expected too_large, got {other:?}")),
            },
            Err(PosError::Closed) if sent.is_err() => {}
            Err(e) => return Err(format!("expected too_large, got {e}")),
        }
        if let Ok(pong) = client.request(ClientMessage::Ping).await {
            return Err(format!(
                "the connection stayed up after an oversized frame ({pong:?})"
            ));
        }
        Self::schema_clean(&client)?;
        // A fresh connection works afterwards.
        let mut again = self.authenticated().await?;
        match again.request(ClientMessage::Ping).await {
            Ok(ServerMessage::Pong) => {}
            other => return Err(format!("ping on a new connection: {other:?}")),
        }
        again.close().await;
        Ok(())
    }

    fn payment_id(&self, name: &str) -> Result<PaymentId, String> {
        PaymentId::new(format!("conf-{}-{name}", self.run_id)).map_err(|e| e.to_string())
    }

    fn payment(&self, name: &str) -> Result<ClientMessage, String> {
        Ok(ClientMessage::PaymentRequest {
            payment: PaymentRequest {
                id: self.payment_id(name)?,
                amount: Money::new(self.target.amount_minor, self.target.currency),
                tip: None,
                method: Default::default(),
                language: None,
            },
        })
    }

    async fn result_of(&self, client: &mut PosClient, id: &PaymentId) -> Result<Outcome, String> {
        let deadline = tokio::time::Instant::now() + self.target.payment_timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match client.next_push(left).await {
                Ok(ServerMessage::PaymentResult {
                    payment_id,
                    outcome,
                }) if payment_id == *id => return Ok(outcome),
                Ok(_) => {}
                Err(e) => return Err(format!("no payment.result for {id}: {e}")),
            }
        }
    }

    async fn duplicate_payment_id(&mut self) -> Check {
        let mut client = self.authenticated().await?;
        let id = self.payment_id("dup")?;
        client
            .request(self.payment("dup")?)
            .await
            .map_err(|e| format!("payment.request: {e}"))?;
        let first = self.result_of(&mut client, &id).await?;
        // The same id again (a POS that missed the answer): the same outcome, nothing new.
        client
            .request(self.payment("dup")?)
            .await
            .map_err(|e| format!("repeated payment.request: {e}"))?;
        let second = self.result_of(&mut client, &id).await?;
        if first != second {
            return Err(format!("the repeat gave {second:?}, the first {first:?}"));
        }
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn cancel_race(&mut self) -> Check {
        let mut client = self.authenticated().await?;
        let id = self.payment_id("cancel")?;
        client
            .request(self.payment("cancel")?)
            .await
            .map_err(|e| format!("payment.request: {e}"))?;
        let cancel = ClientMessage::PaymentCancel {
            payment_id: id.clone(),
        };
        // Either the cancel wins (ack, then a cancelled result) or the payment finished first
        // (already_finished with its outcome). Never an ack followed by another outcome.
        let recorded = match client.request(cancel.clone()).await {
            Ok(ServerMessage::Ack) => {
                let outcome = self.result_of(&mut client, &id).await?;
                if !matches!(outcome, Outcome::Cancelled { .. }) {
                    return Err(format!("cancel was acked but the result is {outcome:?}"));
                }
                outcome
            }
            Err(PosError::Refused {
                code: ErrorCode::AlreadyFinished,
                outcome: Some(outcome),
                ..
            }) => *outcome,
            other => return Err(format!("first cancel: {other:?}")),
        };
        // A second cancel is too late whatever happened: it must carry the recorded outcome.
        match client.request(cancel).await {
            Err(PosError::Refused {
                code: ErrorCode::AlreadyFinished,
                outcome: Some(outcome),
                ..
            }) if *outcome == recorded => {}
            other => {
                return Err(format!(
                    "cancel of a finished payment: expected already_finished with {recorded:?}, got {other:?}"
                ));
            }
        }
        if let Ok(pushed) = client.next_push(Duration::from_millis(500)).await {
            return Err(format!("a late cancel pushed {pushed:?}"));
        }
        Self::schema_clean(&client)?;
        client.close().await;
        Ok(())
    }

    async fn status_after_disconnect(&mut self) -> Check {
        let id = self.payment_id("gone")?;
        {
            let mut client = self.authenticated().await?;
            client
                .request(self.payment("gone")?)
                .await
                .map_err(|e| format!("payment.request: {e}"))?;
            Self::schema_clean(&client)?;
            // Dropped without a close: the POS vanished mid-payment.
        }
        let deadline = tokio::time::Instant::now() + self.target.payment_timeout;
        loop {
            let mut client = self.authenticated().await?;
            let state = match client
                .request(ClientMessage::PaymentStatus {
                    payment_id: id.clone(),
                })
                .await
            {
                Ok(ServerMessage::PaymentStatus { payment_id, state }) if payment_id == id => state,
                other => return Err(format!("payment.status: {other:?}")),
            };
            Self::schema_clean(&client)?;
            client.close().await;
            match state {
                PaymentState::Final { .. } => return Ok(()),
                PaymentState::Unknown => {
                    return Err("the terminal forgot a payment it acknowledged".into());
                }
                PaymentState::InProgress if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                PaymentState::InProgress => {
                    return Err("still in progress when the payment timeout passed".into());
                }
            }
        }
    }
}
