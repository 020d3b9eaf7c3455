//! The orchestrator as the orchestration tests start it, written once: each test states only
//! what it changes (with `..`), so a new adapter or orchestrator field is added here alone.

use countertop::adapters::gateway::GatewayRequest;
use countertop::adapters::reader::ReaderRequest;
use countertop::app::{Adapters, Orchestrator};
use countertop::config::AppConfig;
use countertop::messages::{OutcomeReport, ViewSink};
use countertop::view::{DisplaySettings, PairingInfo};
use countertop_core::{BurnInGuard, Terminal, TimeOfDay};
use tokio::sync::mpsc;

/// The three actor channels given; no journal, display file, display restart or backlight; and
/// noon, so the night schedule never turns the screen off in a test that does not ask for it.
pub fn adapters(
    reader: mpsc::Sender<ReaderRequest>,
    gateway: mpsc::Sender<GatewayRequest>,
    pos: mpsc::Sender<OutcomeReport>,
) -> Adapters {
    Adapters {
        reader,
        gateway,
        pos,
        journal: None,
        display_file: None,
        display_restart: None,
        backlight: None,
        local_time: || TimeOfDay::from_hms(12, 0, 0).unwrap(),
    }
}

/// `terminal` with `config`'s display settings, no pairing, nothing held and the default
/// burn-in guard.
pub fn orchestrator<S: ViewSink>(
    terminal: Terminal,
    config: &AppConfig,
    adapters: Adapters,
    sink: S,
) -> Orchestrator<S> {
    Orchestrator {
        held: Default::default(),
        guard: BurnInGuard::new(Default::default()),
        terminal,
        display: DisplaySettings::from_config(config),
        pairing: PairingInfo::default(),
        adapters,
        sink,
    }
}
