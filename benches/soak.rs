//! Soak: many payments through the real link (TLS WebSocket on loopback, journal on disk,
//! simulated reader and gateway), with the POS dropping its connection at random moments and
//! recovering by status query. Prints duplicates (must be 0), lost (must be 0) and throughput.
//!
//! A second run does the same against the real `countertop` process, killed with SIGKILL at a
//! random moment of a payment and started again on the same state directory (journal, pairing,
//! and the simulated gateway's ledger on disk): duplicates and lost must stay 0 across crashes.
//!
//! `cargo bench --bench soak` runs 10,000 payments with 50 kill -9 restarts; under `cargo test`
//! a 150-payment smoke run with 3 restarts proves the harness and the invariants without a
//! performance claim.

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
    let restarts = if full { 50 } else { 3 };
    runtime.block_on(soak_with_restarts(payments, restarts, full));
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
            let outcome = settle(&mut pos, &id)
                .await
                .expect("an acknowledged payment is known to the terminal");
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

/// The terminal as a process of its own, so it can be killed.
struct Terminal {
    child: std::process::Child,
    port: u16,
    /// The pairing payload, printed while the terminal is unpaired.
    uri: Option<String>,
}

fn spawn_terminal(state: &std::path::Path, port: u16) -> Terminal {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_countertop"))
        .args([
            "--headless",
            "--health-listen",
            "127.0.0.1:0",
            "--advertise",
            "127.0.0.1",
            "--no-discovery",
            "--sim-cards",
            "approve,insufficient-funds,approve",
            "--sim-card-delay-ms",
            "1",
            "--sim-gateway-latency-ms",
            "2",
        ])
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--state-dir")
        .arg(state)
        .arg("--sim-gateway-ledger")
        .arg(state.join("gateway-ledger.jsonl"))
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start countertop");
    // Started on a fixed port, the terminal is a restart of a paired one: no pairing URI. The
    // first start prints one, before or after the listening line (two tasks print them).
    let expect_uri = port == 0;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut port = 0;
    let mut uri = None;
    for line in lines.by_ref() {
        let line = line.expect("countertop's output");
        if let Some(payload) = line.strip_prefix("pairing-uri: ") {
            uri = Some(payload.to_owned());
        }
        if let Some(rest) = line.strip_prefix("listening: pairing_port=") {
            port = rest
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
                .expect("port");
        }
        if port != 0 && (uri.is_some() || !expect_uri) {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Terminal { child, port, uri }
}

async fn soak_with_restarts(payments: usize, restarts: usize, full: bool) {
    let state =
        std::env::temp_dir().join(format!("countertop-soak-restarts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).unwrap();
    let mut terminal = spawn_terminal(&state, 0);
    let port = terminal.port;
    let uri = PairingUri::parse(
        terminal
            .uri
            .as_deref()
            .expect("an unpaired terminal prints its pairing URI"),
    )
    .unwrap();
    let (mut pos, credentials) = PosClient::pair(&uri, "S-1", "L-1", "Soak till")
        .await
        .unwrap();
    let eur = Currency::from_code("EUR").unwrap();
    let mut rng = Lcg(0xdead_5eed);
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    let every = (payments / restarts.max(1)).max(1);
    let mut killed = 0;
    let started = Instant::now();
    for n in 0..payments {
        let id = format!("restart-soak-{n}");
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
        if n % every == every / 2 && killed < restarts {
            // Pull the plug somewhere in the payment: accepted, reading, authorizing or done.
            tokio::time::sleep(Duration::from_micros(rng.next() % 8_000)).await;
            terminal.child.kill().expect("SIGKILL"); // SIGKILL
            let _ = terminal.child.wait();
            killed += 1;
            pos.close().await;
            terminal = spawn_terminal(&state, port);
            pos = reconnect(&credentials).await;
            let outcome = match settle(&mut pos, &id).await {
                Some(outcome) => outcome,
                // Never recorded before the crash: nothing was charged, so the POS asks again.
                None => {
                    pos.request(ClientMessage::PaymentRequest { payment: request })
                        .await
                        .unwrap();
                    wait_result(&mut pos, &id).await
                }
            };
            outcomes.insert(id, outcome);
        } else {
            outcomes.insert(id.clone(), wait_result(&mut pos, &id).await);
        }
    }
    let elapsed = started.elapsed();
    pos.close().await;
    terminal.child.kill().expect("SIGKILL");
    let _ = terminal.child.wait();
    let ledger = SimulatedGateway::with_ledger(&state.join("gateway-ledger.jsonl")).unwrap();
    let duplicates = ledger.repeated_authorizations();
    let charges = ledger.standing_charges();
    let approved = outcomes.values().filter(|o| o.is_approved()).count();
    let lost = (payments - outcomes.len())
        + charges
            .keys()
            .filter(|id| !outcomes.get(id.as_str()).is_some_and(Outcome::is_approved))
            .count();
    let journal = std::fs::metadata(state.join("journal.jsonl"))
        .map(|m| m.len())
        .unwrap_or(0);
    let mode = if full {
        "optimised"
    } else {
        "debug smoke run, not a performance figure"
    };
    println!("countertop soak with kill -9 restarts ({mode})");
    println!(
        "{payments} payments, {killed} kill -9 restarts: duplicates {duplicates}, lost {lost}, approved {approved} (charges standing {}), journal {journal} bytes, {:.0} payments/s",
        charges.len(),
        payments as f64 / elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&state);
    assert_eq!(killed, restarts, "every planned restart happened");
    assert_eq!(duplicates, 0, "a payment was sent for authorization twice");
    assert_eq!(lost, 0, "a payment was lost");
    assert_eq!(charges.len(), approved);
}

/// The payment's final outcome once the restarted terminal knows it; `None` when it has no
/// record of the id (the crash came before the request was journaled).
async fn settle(pos: &mut PosClient, id: &str) -> Option<Outcome> {
    loop {
        let answer = pos
            .request(ClientMessage::PaymentStatus {
                payment_id: PaymentId::new(id).unwrap(),
            })
            .await
            .unwrap();
        match answer {
            ServerMessage::PaymentStatus {
                state: PaymentState::Final { outcome },
                ..
            } => return Some(outcome),
            ServerMessage::PaymentStatus {
                state: PaymentState::Unknown,
                ..
            } => return None,
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}
