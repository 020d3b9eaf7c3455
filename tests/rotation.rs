//! The display rotation: chosen on the panel, kept in the display settings across restarts
//! (winning over the configuration file), and taken on by a display restart that the
//! orchestrator asks for only when no payment is running or on screen.

#[path = "support/orchestrator_setup.rs"]
mod setup;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop::adapters::gateway::{SimulatedGateway, run_simulated_gateway};
use countertop::adapters::reader::{SimulatedReader, TestCard, run_simulated_reader};
use countertop::adapters::store::{SavedDisplay, load_display, save_display, startup_rotation};
use countertop::app::Adapters;
use countertop::config::AppConfig;
use countertop::messages::{DisplayPatch, PosCommand, UiCommand};
use countertop::runtime::{RuntimeOptions, run_terminal};
use countertop::view::{DisplaySettings, ViewState};
use countertop_core::{
    Currency, EntryMode, Input, LinkState, Money, PaymentId, PaymentRequest, Rotation, Terminal,
};
use tokio::sync::{mpsc, oneshot, watch};

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir =
        std::env::temp_dir().join(format!("countertop-rotation-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn config(rotation: Rotation) -> AppConfig {
    let mut config = AppConfig::default();
    config.display.rotation = rotation;
    config
}

/// One run of the real terminal wiring on `state`, as the kiosk starts it.
struct Run {
    views: mpsc::UnboundedReceiver<ViewState>,
    ui: mpsc::UnboundedSender<UiCommand>,
    restart: mpsc::UnboundedReceiver<Rotation>,
    task: tokio::task::JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

async fn run(state: &TempDir, config: AppConfig) -> Run {
    let mut options = RuntimeOptions::new(config, state.0.clone());
    options.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    options.health = SocketAddr::from(([127, 0, 0, 1], 0));
    options.advertise = Some(vec![Ipv4Addr::LOCALHOST]);
    let (restart_tx, restart) = mpsc::unbounded_channel();
    options.display_restart = Some(restart_tx);
    let (views_tx, views) = mpsc::unbounded_channel();
    let (ui, ui_rx) = mpsc::unbounded_channel();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let (started_tx, started_rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        run_terminal(options, views_tx, ui_rx, shutdown_rx, started_tx)
            .await
            .expect("the terminal runs");
    });
    started_rx.await.expect("the terminal started");
    Run {
        views,
        ui,
        restart,
        task,
        shutdown,
    }
}

async fn next_view(views: &mut mpsc::UnboundedReceiver<ViewState>) -> ViewState {
    tokio::time::timeout(Duration::from_secs(10), views.recv())
        .await
        .expect("a view in time")
        .expect("the terminal is running")
}

#[tokio::test]
async fn a_rotation_chosen_on_the_panel_restarts_the_display_and_survives_the_restart() {
    let state = temp_dir("restart");
    let file = state.0.join("display.json");
    // Mounted upside down by configuration.
    let mut first = run(&state, config(Rotation::Deg180)).await;
    assert_eq!(
        next_view(&mut first.views).await.display.rotation,
        Rotation::Deg180
    );
    assert_eq!(
        startup_rotation(&file, &config(Rotation::Deg180)),
        Rotation::Deg180
    );

    // Staff turn it on the panel: nothing is running, so the display restart is asked for at
    // once and the orchestrator takes nothing more on.
    first
        .ui
        .send(UiCommand::SetRotation(Rotation::Deg90))
        .unwrap();
    let asked = tokio::time::timeout(Duration::from_secs(10), first.restart.recv())
        .await
        .expect("a restart asked for");
    assert_eq!(asked, Some(Rotation::Deg90));
    tokio::time::timeout(Duration::from_secs(10), first.task)
        .await
        .expect("the terminal stops for the restart")
        .unwrap();
    let saved = load_display(&file).unwrap().expect("saved");
    assert_eq!(saved.rotation, Some(Rotation::Deg90));

    // The next start takes the panel's choice over the configuration's.
    assert_eq!(
        startup_rotation(&file, &config(Rotation::Deg180)),
        Rotation::Deg90
    );
    let mut second = run(&state, config(Rotation::Deg180)).await;
    let view = next_view(&mut second.views).await;
    assert_eq!(view.display.rotation, Rotation::Deg90);
    // The same rotation again asks for nothing.
    second
        .ui
        .send(UiCommand::SetRotation(Rotation::Deg90))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(second.restart.try_recv().is_err());
    let _ = second.shutdown.send(true);
    drop(first.shutdown);
}

#[test]
fn the_configuration_rotates_until_one_is_chosen_on_the_terminal() {
    let state = temp_dir("files");
    let file = state.0.join("display.json");
    let configured = config(Rotation::Deg270);
    // No file, a file from before rotation existed (or from a POS push), an unreadable file:
    // the configuration's rotation.
    assert_eq!(startup_rotation(&file, &configured), Rotation::Deg270);
    let pushed = SavedDisplay {
        settings: DisplaySettings::from_config(&AppConfig::default()),
        post_payment_message: Some("Thanks".into()),
        rotation: None,
    };
    save_display(&file, &pushed).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("rotation"), "{text}");
    assert_eq!(startup_rotation(&file, &configured), Rotation::Deg270);
    let loaded = load_display(&file).unwrap().unwrap();
    assert_eq!(loaded.settings_with(&configured).rotation, Rotation::Deg270);
    std::fs::write(&file, "{ not json").unwrap();
    assert_eq!(startup_rotation(&file, &configured), Rotation::Deg270);
    // Chosen on the terminal: that one.
    let chosen = SavedDisplay {
        rotation: Some(Rotation::Deg0),
        ..pushed
    };
    save_display(&file, &chosen).unwrap();
    assert_eq!(startup_rotation(&file, &configured), Rotation::Deg0);
    let loaded = load_display(&file).unwrap().unwrap();
    assert_eq!(loaded.settings_with(&configured).rotation, Rotation::Deg0);
    // A bad rotation in the file is refused like any bad file, never a panic.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"rotation\": 0", "\"rotation\": 45");
    std::fs::write(&file, text).unwrap();
    assert!(load_display(&file).is_err());
    assert_eq!(startup_rotation(&file, &configured), Rotation::Deg270);
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

/// The orchestrator alone, on a paused clock, with the simulated reader and gateway.
struct Harness {
    inputs: mpsc::Sender<Input>,
    ui: mpsc::UnboundedSender<UiCommand>,
    pos: mpsc::Sender<PosCommand>,
    restart: mpsc::UnboundedReceiver<Rotation>,
    outcomes: mpsc::Receiver<countertop::messages::OutcomeReport>,
    orchestrator: tokio::task::JoinHandle<()>,
    _views: mpsc::UnboundedReceiver<ViewState>,
    _shutdown: watch::Sender<bool>,
}

fn start(display_file: PathBuf) -> Harness {
    let config = AppConfig::default();
    let (input_tx, input_rx) = mpsc::channel(64);
    let (ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (view_tx, views) = mpsc::unbounded_channel();
    let (reader_tx, reader_rx) = mpsc::channel(8);
    let (gateway_tx, gateway_rx) = mpsc::channel(8);
    let (pos_tx, outcomes) = mpsc::channel(8);
    let (restart_tx, restart) = mpsc::unbounded_channel();
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let reader = SimulatedReader {
        delay: Duration::from_secs(2),
        cards: vec![(TestCard::Approve, EntryMode::Tap)],
    };
    tokio::spawn(run_simulated_reader(reader, reader_rx, input_tx.clone()));
    tokio::spawn(run_simulated_gateway(
        Arc::new(Mutex::new(SimulatedGateway::default())),
        Duration::from_secs(1),
        gateway_rx,
        input_tx.clone(),
    ));
    let adapters = Adapters {
        display_file: Some(display_file),
        display_restart: Some(restart_tx),
        ..setup::adapters(reader_tx, gateway_tx, pos_tx)
    };
    let orchestrator = setup::orchestrator(
        Terminal::new(config.terminal_config(), LinkState::Connected),
        &config,
        adapters,
        view_tx,
    );
    let (pos, pos_rx) = mpsc::channel(8);
    let orchestrator = tokio::spawn(orchestrator.run(input_rx, pos_rx, ui_rx, shutdown_rx));
    Harness {
        inputs: input_tx,
        ui: ui_tx,
        pos,
        restart,
        outcomes,
        orchestrator,
        _views: views,
        _shutdown: shutdown_tx,
    }
}

#[tokio::test(start_paused = true)]
async fn the_display_restarts_for_a_rotation_only_once_the_payment_is_over() {
    let state = temp_dir("payment");
    let file = state.0.join("display.json");
    let mut h = start(file.clone());
    h.inputs
        .send(Input::PaymentRequested(PaymentRequest {
            id: PaymentId::new("p-turn").unwrap(),
            amount: eur(1_000),
            tip: None,
            method: Default::default(),
            language: None,
        }))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    // Chosen while the shopper is asked for a card: kept at once, the restart waits.
    h.ui.send(UiCommand::SetRotation(Rotation::Deg270)).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        load_display(&file).unwrap().unwrap().rotation,
        Some(Rotation::Deg270)
    );
    // A POS push meanwhile keeps the choice.
    let (reply, answer) = oneshot::channel();
    let patch = DisplayPatch {
        show_logos: Some(false),
        ..DisplayPatch::default()
    };
    h.pos
        .send(PosCommand::PatchDisplay { patch, reply })
        .await
        .unwrap();
    answer.await.unwrap().unwrap();
    assert_eq!(
        load_display(&file).unwrap().unwrap().rotation,
        Some(Rotation::Deg270)
    );

    // Card, authorization, the result and the post-payment message: no restart meanwhile.
    let report = tokio::time::timeout(Duration::from_secs(30), h.outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(report.outcome.is_approved());
    assert!(
        h.restart.try_recv().is_err(),
        "restarted with the result on screen"
    );
    let asked = tokio::time::timeout(Duration::from_secs(60), h.restart.recv())
        .await
        .expect("the restart once the payment is over");
    assert_eq!(asked, Some(Rotation::Deg270));
    // The orchestrator takes nothing more on: no payment can start before the restart.
    tokio::time::timeout(Duration::from_secs(1), h.orchestrator)
        .await
        .expect("the orchestrator stopped")
        .unwrap();
    let (reply, _answer) = oneshot::channel();
    let late = PosCommand::Apply {
        input: Input::PaymentRequested(PaymentRequest {
            id: PaymentId::new("p-late").unwrap(),
            amount: eur(500),
            tip: None,
            method: Default::default(),
            language: None,
        }),
        reply,
    };
    assert!(h.pos.send(late).await.is_err());
}
