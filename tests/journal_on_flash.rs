//! The journal as it lives on the device's flash: a small filesystem that fills up mid-sale, and
//! outcomes older than the core keeps in memory, answered from disk. The orchestrator runs with
//! the simulated reader and gateway and a real journal file.
//!
//! The full-disk test mounts a 1 MiB tmpfs, so it needs root (CI runs as root); it fails with
//! that message otherwise.

#[path = "support/orchestrator_setup.rs"]
mod setup;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop::adapters::gateway::{SimulatedGateway, run_simulated_gateway};
use countertop::adapters::reader::{SimulatedReader, TestCard, run_simulated_reader};
use countertop::adapters::store::Journal;
use countertop::app::Adapters;
use countertop::config::AppConfig;
use countertop::messages::{OutcomeReport, PosCommand};
use countertop::view::ViewState;
use countertop_core::journal::replay;
use countertop_core::protocol::PaymentState;
use countertop_core::{
    CancelReason, CoreError, Currency, EntryMode, Input, LinkState, Money, Outcome, PaymentId,
    PaymentRequest, Terminal,
};
use tokio::sync::{mpsc, oneshot, watch};

struct Harness {
    pos: mpsc::Sender<PosCommand>,
    outcomes: mpsc::Receiver<OutcomeReport>,
    views: mpsc::UnboundedReceiver<ViewState>,
    gateway: Arc<Mutex<SimulatedGateway>>,
    _shutdown: watch::Sender<bool>,
    _inputs: mpsc::Sender<Input>,
    /// The orchestrator stops when the UI's channel closes.
    _ui: mpsc::UnboundedSender<countertop::messages::UiCommand>,
}

fn start(journal: Journal, remembered: usize, cards: usize) -> Harness {
    let config = AppConfig::default();
    let mut terminal_config = config.terminal_config();
    terminal_config.remembered_outcomes = remembered;
    let (input_tx, input_rx) = mpsc::channel(64);
    let (ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (view_tx, view_rx) = mpsc::unbounded_channel();
    let (reader_tx, reader_rx) = mpsc::channel(8);
    let (gateway_tx, gateway_rx) = mpsc::channel(8);
    let (pos_tx, pos_rx) = mpsc::channel(8);
    let (command_tx, command_rx) = mpsc::channel(8);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let gateway = Arc::new(Mutex::new(SimulatedGateway::default()));
    let reader = SimulatedReader {
        delay: Duration::from_millis(100),
        cards: vec![(TestCard::Approve, EntryMode::Tap); cards],
    };
    tokio::spawn(run_simulated_reader(reader, reader_rx, input_tx.clone()));
    tokio::spawn(run_simulated_gateway(
        gateway.clone(),
        Duration::from_millis(100),
        gateway_rx,
        input_tx.clone(),
    ));
    let adapters = Adapters {
        journal: Some(journal),
        ..setup::adapters(reader_tx, gateway_tx, pos_tx)
    };
    let orchestrator = setup::orchestrator(
        Terminal::new(terminal_config, LinkState::Connected),
        &config,
        adapters,
        view_tx,
    );
    tokio::spawn(orchestrator.run(input_rx, command_rx, ui_rx, shutdown_rx));
    Harness {
        pos: command_tx,
        outcomes: pos_rx,
        views: view_rx,
        gateway,
        _shutdown: shutdown_tx,
        _inputs: input_tx,
        _ui: ui_tx,
    }
}

fn id(s: &str) -> PaymentId {
    PaymentId::new(s).unwrap()
}

impl Harness {
    async fn pay(&self, payment: &str) -> Result<(), CoreError> {
        let (reply, answer) = oneshot::channel();
        let request = PaymentRequest {
            id: id(payment),
            amount: Money::new(1_250, Currency::from_code("EUR").unwrap()),
            tip: None,
            method: Default::default(),
            language: None,
        };
        self.pos
            .send(PosCommand::Apply {
                input: Input::PaymentRequested(request),
                reply,
            })
            .await
            .unwrap();
        answer.await.unwrap()
    }

    async fn status(&self, payment: &str) -> PaymentState {
        let (reply, answer) = oneshot::channel();
        self.pos
            .send(PosCommand::Status {
                payment_id: id(payment),
                reply,
            })
            .await
            .unwrap();
        answer.await.unwrap()
    }

    async fn outcome(&mut self, payment: &str) -> Outcome {
        loop {
            let report = tokio::time::timeout(Duration::from_secs(30), self.outcomes.recv())
                .await
                .expect("an outcome within 30 s")
                .expect("the orchestrator is running");
            if report.payment_id == id(payment) {
                return report.outcome;
            }
        }
    }

    fn paused_was_shown(&mut self) -> bool {
        let mut paused = false;
        while let Ok(view) = self.views.try_recv() {
            paused |= view.payments_paused;
        }
        paused
    }
}

/// A small tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(name: &str, size: &str) -> SmallDisk {
        let dir = std::env::temp_dir().join(format!("countertop-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "countertop-test",
            ])
            .arg(&dir)
            .status()
            .expect("mount(8) runs");
        assert!(
            status.success(),
            "could not mount a {size} tmpfs at {}: this test needs root (CI runs as root)",
            dir.display()
        );
        SmallDisk(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes a file until the filesystem has no room left.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0xA5u8; 4096];
    while file
        .write_all(&block)
        .and_then(|()| file.sync_all())
        .is_ok()
    {}
}

#[tokio::test]
async fn a_full_disk_pauses_payments_loses_nothing_and_recovers_when_space_returns() {
    let disk = SmallDisk::mount("full-disk", "1m");
    let path = disk.0.join("journal.jsonl");
    let (journal, _) = Journal::open(&path).unwrap();
    let mut h = start(journal, 10_000, 8);

    h.pay("before-full").await.unwrap();
    assert!(matches!(
        h.outcome("before-full").await,
        Outcome::Approved(_)
    ));

    let filler = disk.0.join("filler");
    fill(&filler);
    // The journal's last page still has a little room, as on any full disk: payments go on
    // until a record does not fit. The one whose Accepted or Authorizing record is lost stops
    // before its authorization leaves; if a final record is the one lost, the payment stands
    // (the outcome is held and saved later) and the next request is refused.
    let mut charged = vec!["before-full".to_owned()];
    let mut stopped = None;
    for n in 0..40 {
        let payment = format!("while-full-{n}");
        match h.pay(&payment).await {
            Ok(()) => {}
            Err(CoreError::StorageUnavailable) => break,
            Err(other) => panic!("unexpected refusal: {other}"),
        }
        match h.outcome(&payment).await {
            Outcome::Approved(_) => charged.push(payment),
            Outcome::Cancelled {
                reason: CancelReason::StorageFailed,
            } => {
                stopped = Some(payment);
                break;
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    // New payments are refused, with the reason, to the POS and on screen.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.pay("refused").await, Err(CoreError::StorageUnavailable));
    assert!(h.paused_was_shown(), "the screens said payments are paused");
    // What was already accepted is still the truth.
    assert!(matches!(
        h.status("before-full").await,
        PaymentState::Final {
            outcome: Outcome::Approved(_)
        }
    ));

    std::fs::remove_file(&filler).unwrap();
    let mut resumed = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if h.pay("after-space").await.is_ok() {
            resumed = true;
            break;
        }
    }
    assert!(resumed, "payments resumed within 15 s of space returning");
    assert!(matches!(
        h.outcome("after-space").await,
        Outcome::Approved(_)
    ));
    charged.push("after-space".into());
    // One charge per approved payment, none for the stopped one.
    let charges = h.gateway.lock().unwrap().standing_charges();
    assert_eq!(charges.len(), charged.len(), "charges: {charges:?}");
    if let Some(stopped) = &stopped {
        assert!(!charges.contains_key(&id(stopped)));
    }
    drop(h);
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The journal on disk is whole and tells every outcome, the held one included.
    let (_, records) = Journal::open(&path).unwrap();
    let replay = replay(records);
    let finished: Vec<&str> = replay.finished.iter().map(|(i, _)| i.as_str()).collect();
    for payment in charged.iter().chain(&stopped) {
        assert!(
            finished.contains(&payment.as_str()),
            "{payment} missing: {finished:?}"
        );
    }
    assert!(replay.pending.is_empty() && replay.interrupted.is_empty());
}

#[tokio::test]
async fn outcomes_older_than_memory_are_answered_from_disk_and_never_charged_again() {
    let dir = std::env::temp_dir().join(format!("countertop-old-ids-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (journal, _) = Journal::open(&dir.join("journal.jsonl")).unwrap();
    // The core remembers two outcomes; the journal keeps them all.
    let mut h = start(journal, 2, 8);
    for payment in ["old-1", "old-2", "old-3", "old-4"] {
        h.pay(payment).await.unwrap();
        assert!(matches!(h.outcome(payment).await, Outcome::Approved(_)));
    }
    assert!(matches!(
        h.status("old-1").await,
        PaymentState::Final {
            outcome: Outcome::Approved(_)
        }
    ));
    // Asked again for the oldest id: the recorded outcome, no second authorization.
    let requests = h.gateway.lock().unwrap().authorization_requests();
    h.pay("old-1").await.unwrap();
    assert!(matches!(h.outcome("old-1").await, Outcome::Approved(_)));
    assert_eq!(h.gateway.lock().unwrap().authorization_requests(), requests);
    assert_eq!(h.status("never-seen").await, PaymentState::Unknown);
    let _ = std::fs::remove_dir_all(&dir);
}
