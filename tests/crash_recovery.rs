//! Kill -9 the terminal process in the middle of a payment and start it again: the POS learns
//! the true outcome from a status query and nothing is charged twice.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use countertop::pos::PosClient;
use countertop_core::pairing::PairingUri;
use countertop_core::protocol::{ClientMessage, PaymentState, ServerMessage};
use countertop_core::{Currency, Money, Outcome, PaymentId, PaymentRequest};

struct Process {
    child: Child,
    uri: Option<String>,
    port: u16,
}

fn spawn(state: &Path, ledger: &Path, port: u16, expect_uri: bool) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_countertop"))
        .args([
            "--headless",
            "--health-listen",
            "127.0.0.1:0",
            "--advertise",
            "127.0.0.1",
            "--no-discovery",
        ])
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--state-dir")
        .arg(state)
        .arg("--sim-gateway-ledger")
        .arg(ledger)
        .args([
            "--sim-cards",
            "approve",
            "--sim-card-delay-ms",
            "200",
            "--sim-gateway-latency-ms",
            "4000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start countertop");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut uri = None;
    let mut port = 0;
    // The pairing payload (when unpaired) comes before the listening line.
    for line in lines.by_ref() {
        let line = line.unwrap();
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
    Process { child, uri, port }
}

fn wait_for(path: &Path, needle: &str, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if std::fs::read_to_string(path)
            .unwrap_or_default()
            .contains(needle)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{needle} never appeared in {}", path.display());
}

async fn status(pos: &mut PosClient, id: &str) -> PaymentState {
    match pos
        .request(ClientMessage::PaymentStatus {
            payment_id: PaymentId::new(id).unwrap(),
        })
        .await
        .unwrap()
    {
        ServerMessage::PaymentStatus { state, .. } => state,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_payment_then_restart_reports_the_true_outcome_and_never_charges_twice() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("countertop-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (state, ledger) = (dir.join("state"), dir.join("gateway-ledger.jsonl"));

    let mut first = spawn(&state, &ledger, 0, true);
    let uri = PairingUri::parse(
        first
            .uri
            .as_deref()
            .expect("unpaired terminal shows a pairing code"),
    )
    .unwrap();
    let (mut pos, credentials) = PosClient::pair(&uri, "S-1", "L-1", "Till 1").await.unwrap();
    let eur = Currency::from_code("EUR").unwrap();
    let request = PaymentRequest {
        id: PaymentId::new("crash-1").unwrap(),
        amount: Money::new(4_200, eur),
        tip: None,
        method: Default::default(),
        language: None,
    };
    pos.request(ClientMessage::PaymentRequest {
        payment: request.clone(),
    })
    .await
    .unwrap();

    // The gateway has charged the card, the answer is still on its way: pull the plug.
    wait_for(&ledger, "crash-1", Duration::from_secs(10));
    wait_for(
        &state.join("journal.jsonl"),
        "authorizing",
        Duration::from_secs(10),
    );
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();
    drop(pos);

    // Back on the same address, as the device would be.
    let mut second = spawn(&state, &ledger, first.port, false);
    assert!(second.uri.is_none(), "the pairing survived the crash");
    let mut pos = PosClient::resume_with_backoff(&credentials, Duration::from_secs(10))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let state_now = loop {
        let s = status(&mut pos, "crash-1").await;
        if matches!(s, PaymentState::Final { .. }) || Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let PaymentState::Final {
        outcome: Outcome::Approved(approval),
    } = state_now
    else {
        panic!("expected the recovered approval, got {state_now:?}")
    };
    assert_eq!(approval.total, Money::new(4_200, eur));

    // The POS, unsure, asks for the same payment again: answered, not charged.
    pos.request(ClientMessage::PaymentRequest { payment: request })
        .await
        .unwrap();
    loop {
        if let ServerMessage::PaymentResult {
            payment_id,
            outcome,
        } = pos.next_push(Duration::from_secs(10)).await.unwrap()
        {
            assert_eq!(payment_id.as_str(), "crash-1");
            assert_eq!(outcome, Outcome::Approved(approval.clone()));
            break;
        }
    }
    let charges = std::fs::read_to_string(&ledger)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"Answer\""))
        .count();
    assert_eq!(charges, 1, "the gateway was asked to charge once");

    second.child.kill().unwrap();
    second.child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
