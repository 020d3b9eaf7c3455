//! Soak: many payments through the real link (TLS WebSocket on loopback, journal on disk,
//! simulated reader and gateway), with the POS dropping its connection at random moments and
//! recovering by status query. Prints duplicates (must be 0), lost (must be 0) and throughput.
//!
//! `cargo bench --bench soak` runs 10,000 payments; under `cargo test` a 150-payment smoke run
//! proves the harness and the invariants without a performance claim.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countertop::adapters::gateway::SimulatedGateway;
use countertop::adapters::reader::TestCard;
use countertop::config::AppConfig;
use countertop::messages::ViewSink;
use countertop::pos::{PosClient, PosCredentials};
use countertop::runtime::{RuntimeOptions, run_terminal};
use countertop::view::ViewState;
use countertop_core::pairing::PairingUri;
use countertop_core::protocol::{ClientMessage, PaymentState, ServerMessage};
use countertop_core::{Currency, EntryMode, Money, Outcome, PaymentId, PaymentRequest, Screen};
use tokio::sync::{mpsc, oneshot, watch};

struct UriSink(mpsc::UnboundedSender<String>);
impl ViewSink for UriSink {
    fn show(&self, view: ViewState) {
        if let Screen::Pairing { uri } = view.screen {
            let _ = self.0.send(uri);
        }
    }
}

/// A tiny deterministic generator, so a run can be repeated.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let payments = if full { 10_000 } else { 150 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(soak(payments, full));
}

async fn soak(payments: usize, full: bool) {
    let state = std::env::temp_dir().join(format!("countertop-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let gateway = Arc::new(Mutex::new(SimulatedGateway::default()));
    let mut options = RuntimeOptions::new(AppConfig::default(), state.clone());
    options.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    options.health = SocketAddr::from(([127, 0, 0, 1], 0));
    options.advertise = Some(vec![Ipv4Addr::LOCALHOST]);
    options.reader.delay = Duration::from_millis(1);
    options.reader.cards = vec![
        (TestCard::Approve, EntryMode::Tap),
        (TestCard::Approve, EntryMode::Insert),
        (TestCard::InsufficientFunds, EntryMode::Tap),
    ];
    options.gateway_latency = Duration::from_millis(1);
    options.gateway = Some(gateway.clone());
    let (uri_tx, mut uris) = mpsc::unbounded_channel();
    let (_ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (_shutdown, shutdown_rx) = watch::channel(false);
    let (started_tx, started_rx) = oneshot::channel();
    tokio::spawn(run_terminal(
        options,
        UriSink(uri_tx),
        ui_rx,
        shutdown_rx,
        started_tx,
    ));
    started_rx.await.expect("terminal started");
    let uri = PairingUri::parse(&uris.recv().await.expect("pairing QR")).unwrap();
    let (mut pos, credentials) = PosClient::pair(&uri, "S-1", "L-1", "Soak till")
        .await
        .unwrap();

    let eur = Currency::from_code("EUR").unwrap();
    let mut rng = Lcg(0x5eed);
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    let mut disconnects = 0;
    let started = Instant::now();
    for n in 0..payments {
        let id = format!("soak-{n}");
        let request = PaymentRequest {
            id: PaymentId::new(id.clone()).unwrap(),
            amount: Money::new(100 + n as i64, eur),
            tip: None,
            method: Default::default(),
            language: None,
        };
        pos.request(ClientMessage::PaymentRequest {
            payment: request.clone(),
        })
        .await
        .unwrap();
        let roll = rng.next() % 100;
        if roll < 5 {
            // The POS drops the line mid-payment, comes back and asks.
            disconnects += 1;
            pos.close().await;
            pos = reconnect(&credentials).await;
            let outcome = wait_final(&mut pos, &id).await;
            // Half the time it also repeats the request it was unsure about: must not charge.
            if roll < 2 {
                pos.request(ClientMessage::PaymentRequest { payment: request })
                    .await
                    .unwrap();
                let again = wait_result(&mut pos, &id).await;
                assert_eq!(
                    again, outcome,
                    "a repeated request changed the outcome of {id}"
                );
            }
            outcomes.insert(id, outcome);
        } else {
            outcomes.insert(id.clone(), wait_result(&mut pos, &id).await);
        }
    }
    let elapsed = started.elapsed();
    let g = gateway.lock().unwrap();
    let duplicates = g.repeated_authorizations();
    let approved = outcomes.values().filter(|o| o.is_approved()).count();
    let charges = g.standing_charges();
    // Lost: a payment the POS never learned the end of, or a charge the POS does not know of.
    let lost = (payments - outcomes.len())
        + charges
            .keys()
            .filter(|id| !outcomes.get(id.as_str()).is_some_and(Outcome::is_approved))
            .count();
    let mode = if full {
        "optimised"
    } else {
        "debug smoke run, not a performance figure"
    };
    println!("countertop soak ({mode})");
    println!(
        "{payments} payments, {disconnects} random disconnects: duplicates {duplicates}, lost {lost}, approved {approved} (charges standing {}), {:.0} payments/s",
        charges.len(),
        payments as f64 / elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&state);
    assert_eq!(duplicates, 0, "a payment was sent for authorization twice");
    assert_eq!(lost, 0, "a payment was lost");
    assert_eq!(charges.len(), approved);
}

async fn reconnect(credentials: &PosCredentials) -> PosClient {
    PosClient::resume_with_backoff(credentials, Duration::from_secs(10))
        .await
        .expect("reconnect")
}

async fn wait_result(pos: &mut PosClient, id: &str) -> Outcome {
    loop {
        if let ServerMessage::PaymentResult {
            payment_id,
            outcome,
        } = pos.next_push(Duration::from_secs(30)).await.unwrap()
            && payment_id.as_str() == id
        {
            return outcome;
        }
    }
}

async fn wait_final(pos: &mut PosClient, id: &str) -> Outcome {
    loop {
        let answer = pos
            .request(ClientMessage::PaymentStatus {
                payment_id: PaymentId::new(id).unwrap(),
            })
            .await
            .unwrap();
        if let ServerMessage::PaymentStatus {
            state: PaymentState::Final { outcome },
            ..
        } = answer
        {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
