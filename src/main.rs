//! Entry point: parse the command line, set up logging, then render screenshots, run the
//! self-test, run headless, or run the kiosk (Slint on this thread, tokio on its own thread).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use countertop::adapters::reader::TestCard;
use countertop::adapters::store::startup_rotation;
use countertop::adapters::ui::{self, KioskWindow};
use countertop::cli::Cli;
use countertop::config::AppConfig;
use countertop::messages::ViewSink;
use countertop::runtime::{RuntimeOptions, run_terminal, start_panel};
use countertop::view::ViewState;
use countertop_core::{EntryMode, Screen};
use tokio::sync::{mpsc, oneshot, watch};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Every way the UI starts shows the standby picture first: it is drawn beside the rest, for
    // the product's panel as the environment turns it (another size is drawn when asked for).
    // `--headless` draws nothing.
    if !cli.headless {
        let turned = rotation_in_environment().unwrap_or_default();
        ui::idle_picture::prefetch(turned.window_size(PANEL_PX));
    }
    let config = match &cli.config {
        Some(path) => AppConfig::load(path)?,
        None => AppConfig::default(),
    };

    if let Some(dir) = &cli.screenshot {
        let files = match &cli.pairing_uri {
            Some(uri) => {
                let (files, change) = ui::screenshot::render_pairing(dir, &config, uri)?;
                println!(
                    "headless full-screen change: {:.2} ms",
                    change.as_secs_f64() * 1e3
                );
                files
            }
            None => ui::screenshot::render_all(dir, &config)?,
        };
        println!("wrote {} screenshots to {}", files.len(), dir.display());
        return Ok(());
    }
    if cli.self_test {
        let frame = ui::self_test::first_frame(&config, started)?;
        match frame.on_cpu {
            Some(cpu) => println!(
                "first frame after {} ms ({:.1} ms on CPU)",
                frame.elapsed.as_millis(),
                cpu.as_secs_f64() * 1e3
            ),
            None => println!("first frame after {} ms", frame.elapsed.as_millis()),
        }
        return Ok(());
    }
    let options = runtime_options(&cli, config)?;
    if cli.headless {
        return run_headless(options);
    }
    run_kiosk(&cli, options)
}

fn runtime_options(cli: &Cli, config: AppConfig) -> anyhow::Result<RuntimeOptions> {
    let mut options = RuntimeOptions::new(config, cli.state_dir());
    options.demo = cli.demo;
    options.listen = cli.listen;
    options.health = cli.health_listen;
    options.advertise = cli.advertise.clone();
    let simulator = options.config.simulator.clone();
    options.gateway_ledger = cli.sim_gateway_ledger.clone().or(simulator.gateway_ledger);
    if !cli.no_discovery {
        options.discovery = Some(cli.discovery_listen);
        options.announce_to = Some(cli.announce_to);
    }
    if let Some(names) = cli.sim_cards.as_ref().or(simulator.cards.as_ref()) {
        let entries = [EntryMode::Tap, EntryMode::Insert, EntryMode::Swipe];
        options.reader.cards = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                TestCard::from_name(name)
                    .map(|card| (card, entries[i % entries.len()]))
                    .with_context(|| format!("unknown test card {name:?}"))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(ms) = cli.sim_card_delay_ms.or(simulator.card_delay_ms) {
        options.reader.delay = Duration::from_millis(ms);
    }
    if let Some(ms) = cli.sim_gateway_latency_ms.or(simulator.gateway_latency_ms) {
        options.gateway_latency = Duration::from_millis(ms);
    }
    Ok(options)
}

/// Without a screen, the pairing payload goes to standard output.
struct PrintingSink;

impl ViewSink for PrintingSink {
    fn show(&self, view: ViewState) {
        if let Screen::Pairing { uri } = &view.screen {
            // Nobody reading standard output is no reason to stop taking payments.
            let _ = writeln!(std::io::stdout(), "pairing-uri: {uri}");
        }
        tracing::debug!(screen = view.screen.name(), "screen");
    }
}

fn run_headless(options: RuntimeOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (_ui_tx, ui_rx) = mpsc::unbounded_channel();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (started_tx, started_rx) = oneshot::channel();
        let terminal = tokio::spawn(run_terminal(
            options,
            PrintingSink,
            ui_rx,
            shutdown_rx,
            started_tx,
        ));
        if let Ok(started) = started_rx.await {
            if let (Some(p), Some(h)) = (started.pairing_port, started.health_port) {
                let _ = writeln!(
                    std::io::stdout(),
                    "listening: pairing_port={p} health_port={h}"
                );
            }
            if let (Some(port), Some(ca)) = (started.nexo_port, &started.nexo_ca) {
                let _ = writeln!(
                    std::io::stdout(),
                    "nexo-listening: port={port} ca={}",
                    ca.display()
                );
            }
        }
        tokio::select! {
            result = terminal => result.context("the terminal task failed")??,
            _ = tokio::signal::ctrl_c() => {
                let _ = shutdown_tx.send(true);
            }
        }
        anyhow::Ok(())
    })
}

fn run_kiosk(cli: &Cli, mut options: RuntimeOptions) -> anyhow::Result<()> {
    let wanted = startup_rotation(&options.state_dir.join("display.json"), &options.config);
    // Slint's linuxkms backend reads its rotation from the environment, once: when it is not
    // the one wanted, start again with it there (nothing has been opened yet). Should that
    // fail, a sideways picture with touch to match beats a black screen.
    let rotation = match rotation_in_environment() {
        Some(current) if current == wanted => current,
        current => {
            let error = restart_with(wanted);
            tracing::error!(
                error = format!("{error:#}"),
                "the display keeps its rotation"
            );
            current.unwrap_or_default()
        }
    };
    let window = KioskWindow::new(!cli.windowed, env!("CARGO_PKG_VERSION"), rotation)
        .context("no display to show the kiosk on (try --headless or --screenshot DIR)")?;
    let (restart_tx, mut restart_rx) = mpsc::unbounded_channel();
    options.display_restart = Some(restart_tx);
    let (ui_tx, ui_rx) = mpsc::unbounded_channel();
    let panel_to_orchestrator = ui_tx.clone();
    window.wire(ui_tx);
    let sink = window.sink();
    let (settings_tx, settings_rx) = mpsc::unbounded_channel();
    window.wire_settings(settings_tx);
    let settings_sink = window.settings_sink();
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let io = std::thread::Builder::new()
        .name("countertop-io".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("could not start the IO runtime")?;
            runtime.block_on(async move {
                let (started_tx, started_rx) = oneshot::channel();
                let state_dir = options.state_dir.clone();
                let network = options.config.network.actor_config();
                let terminal = tokio::spawn(run_terminal(
                    options,
                    sink,
                    ui_rx,
                    shutdown_rx.clone(),
                    started_tx,
                ));
                if let Ok(started) = started_rx.await {
                    let orchestrator = Some(panel_to_orchestrator);
                    start_panel(
                        &state_dir,
                        network,
                        &started,
                        settings_sink,
                        settings_rx,
                        orchestrator,
                        shutdown_rx,
                    )?;
                }
                terminal.await.context("the terminal task failed")??;
                // The orchestrator stops by itself only to restart the display (at a moment
                // with no payment running); the event loop is ended for that.
                let restart = restart_rx.try_recv().ok();
                if restart.is_some() {
                    ui::quit_event_loop();
                }
                anyhow::Ok(restart)
            })
        })?;
    let result = window.run();
    let _ = shutdown_tx.send(true);
    let restart = match io.join() {
        Ok(io_result) => io_result?,
        Err(_) => anyhow::bail!("the IO thread panicked"),
    };
    result?;
    match restart {
        // Everything is closed (the IO runtime is gone, its sockets and files with it); the
        // display is the last thing this process holds, and exec lets it go.
        Some(rotation) => {
            drop(window);
            Err(restart_with(rotation))
        }
        None => Ok(()),
    }
}

/// The terminal's panel, unturned (the size the screenshots and the bench draw at too).
const PANEL_PX: (u32, u32) = (1280, 800);

/// Slint's linuxkms backend takes its rotation from this variable (0, 90, 180, 270).
const ROTATION_VARIABLE: &str = "SLINT_KMS_ROTATION";

/// The rotation Slint's linuxkms backend will read: unset is none; `None` for a value it
/// would refuse.
fn rotation_in_environment() -> Option<countertop_core::Rotation> {
    match std::env::var(ROTATION_VARIABLE) {
        Err(_) => Some(countertop_core::Rotation::Deg0),
        Ok(value) => countertop_core::Rotation::from_degrees(value.parse().ok()?).ok(),
    }
}

/// Starts this program again in place of this process, with the same arguments and the
/// display rotation in the environment. Returns only if that failed, with the reason: `main`
/// then exits with an error and systemd starts the unit again (with the rotation saved, so
/// the new start takes it on).
fn restart_with(rotation: countertop_core::Rotation) -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    tracing::info!(%rotation, "starting again with the display rotation");
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(error) => {
            return anyhow::Error::new(error).context("cannot find this program to restart it");
        }
    };
    let error = std::process::Command::new(&program)
        .args(std::env::args_os().skip(1))
        .env(ROTATION_VARIABLE, rotation.degrees().to_string())
        .exec();
    anyhow::Error::new(error).context(format!("could not restart {}", program.display()))
}
