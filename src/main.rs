//! Entry point: parse the command line, set up logging, then either render screenshots or run
//! the kiosk: Slint on this thread, tokio (orchestrator and adapters) on its own thread.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use countertop::adapters::gateway::{SimulatedGateway, run_simulated_gateway};
use countertop::adapters::reader::{SimulatedReader, TestCard, run_simulated_reader};
use countertop::adapters::ui::{self, KioskWindow};
use countertop::app::{Adapters, Orchestrator};
use countertop::cli::Cli;
use countertop::config::AppConfig;
use countertop::demo::{self, DemoPace};
use countertop::view::{DisplaySettings, PairingInfo};
use countertop_core::{EntryMode, LinkState, Terminal};
use tokio::sync::{mpsc, watch};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = match &cli.config {
        Some(path) => AppConfig::load(path)?,
        None => AppConfig::default(),
    };

    if let Some(dir) = &cli.screenshot {
        let files = ui::screenshot::render_all(dir, &config)?;
        println!("wrote {} screenshots to {}", files.len(), dir.display());
        return Ok(());
    }
    if cli.self_test {
        let elapsed = ui::self_test::first_frame(&config, started)?;
        println!("first frame after {} ms", elapsed.as_millis());
        return Ok(());
    }
    run_kiosk(&cli, &config)
}

fn run_kiosk(cli: &Cli, config: &AppConfig) -> anyhow::Result<()> {
    let window = KioskWindow::new(!cli.windowed, env!("CARGO_PKG_VERSION"))
        .context("no display to show the kiosk on (set SLINT_BACKEND or use --screenshot)")?;
    let (ui_tx, ui_rx) = mpsc::unbounded_channel();
    window.wire(ui_tx);
    let sink = window.sink();
    let (shutdown_tx, shutdown_rx) = watch::channel(false);

    let currency = config.currency();
    let link = if cli.demo {
        LinkState::Connected
    } else {
        // Pairing over the LAN arrives with the POS link; until then the QR names this terminal.
        LinkState::Unpaired {
            pairing_uri: format!("countertop://pair?v=1&port=4443&tid={}", config.terminal_id),
        }
    };
    let terminal = Terminal::new(config.terminal_config(), link);
    let display = DisplaySettings::from_config(config);
    let pairing = PairingInfo { address: "—".into(), terminal_id: config.terminal_id.clone() };
    let demo_mode = cli.demo;

    let runtime = std::thread::Builder::new().name("countertop-io".into()).spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("could not start the IO runtime")?;
        rt.block_on(async move {
            let (input_tx, input_rx) = mpsc::channel(256);
            let (reader_tx, reader_rx) = mpsc::channel(16);
            let (gateway_tx, gateway_rx) = mpsc::channel(16);
            let (pos_tx, pos_rx) = mpsc::channel(16);
            let reader = SimulatedReader {
                delay: std::time::Duration::from_millis(2_500),
                cards: vec![
                    (TestCard::Approve, EntryMode::Tap),
                    (TestCard::InsufficientFunds, EntryMode::Insert),
                    (TestCard::Approve, EntryMode::Insert),
                    (TestCard::Approve, EntryMode::Swipe),
                ],
            };
            tokio::spawn(run_simulated_reader(reader, reader_rx, input_tx.clone()));
            let gateway = Arc::new(Mutex::new(SimulatedGateway::default()));
            tokio::spawn(run_simulated_gateway(
                gateway,
                std::time::Duration::from_millis(1_800),
                gateway_rx,
                input_tx.clone(),
            ));
            if demo_mode {
                tokio::spawn(demo::run_demo_pos(currency, DemoPace::default(), input_tx, pos_rx));
            } else {
                drop(pos_rx);
            }
            let adapters = Adapters { reader: reader_tx, gateway: gateway_tx, pos: pos_tx };
            let orchestrator = Orchestrator { terminal, display, pairing, adapters, sink };
            orchestrator.run(input_rx, ui_rx, shutdown_rx).await;
        });
        anyhow::Ok(())
    })?;

    let result = window.run();
    let _ = shutdown_tx.send(true);
    match runtime.join() {
        Ok(io_result) => io_result?,
        Err(_) => anyhow::bail!("the IO thread panicked"),
    }
    result.map_err(Into::into)
}
