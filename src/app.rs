//! The orchestrator actor: owns the core, feeds it every input with the current time, applies
//! its effects through the adapters and publishes a `ViewState` whenever the screen changes.
//! It never touches the UI toolkit; a `ViewSink` carries views to whoever draws them.

use std::time::Instant;

use countertop_core::{Effect, Input, JournalRecord, Outcome, PaymentId, Terminal, TipChoice};
use tokio::sync::{mpsc, watch};

use crate::adapters::gateway::GatewayRequest;
use crate::adapters::reader::ReaderRequest;
use crate::view::{DisplaySettings, PairingInfo, ViewState};

/// What the shopper or staff did on screen. UI callbacks only send these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiCommand {
    /// Index into the tip buttons as shown (see `TipOptions::presets`).
    TipPreset(usize),
    NoTip,
    CancelPayment,
}

/// Receives each new view. Implemented by the Slint adapter; tests use a channel.
pub trait ViewSink: Send + 'static {
    fn show(&self, view: ViewState);
}

/// Every view in order: used by tests and tools that record what the shopper saw.
impl ViewSink for mpsc::UnboundedSender<ViewState> {
    fn show(&self, view: ViewState) {
        let _ = self.send(view);
    }
}

/// Where payment outcomes go: the POS link (or the demo POS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeReport {
    pub payment_id: PaymentId,
    pub outcome: Outcome,
}

/// The adapters the orchestrator drives.
pub struct Adapters {
    pub reader: mpsc::Sender<ReaderRequest>,
    pub gateway: mpsc::Sender<GatewayRequest>,
    pub pos: mpsc::Sender<OutcomeReport>,
}

pub struct Orchestrator<S: ViewSink> {
    pub terminal: Terminal,
    pub display: DisplaySettings,
    pub pairing: PairingInfo,
    pub adapters: Adapters,
    pub sink: S,
}

impl<S: ViewSink> Orchestrator<S> {
    /// Runs until `inputs` and `ui` are both closed or `shutdown` turns true.
    pub async fn run(
        mut self,
        mut inputs: mpsc::Receiver<Input>,
        mut ui: mpsc::UnboundedReceiver<UiCommand>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut last_view = None;
        self.publish(&mut last_view);
        loop {
            let deadline = self.terminal.poll_timeout();
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                input = inputs.recv() => match input {
                    Some(input) => self.feed(input),
                    None => break,
                },
                command = ui.recv() => match command {
                    Some(command) => self.command(command),
                    None => break,
                },
                () = sleep => self.terminal.handle_timeout(now()),
                _ = shutdown.changed() => break,
            }
            self.apply_effects().await;
            self.publish(&mut last_view);
        }
        tracing::info!("orchestrator stopped");
    }

    fn feed(&mut self, input: Input) {
        let name = input.name();
        if let Err(error) = self.terminal.handle(input, now()) {
            tracing::warn!(input = name, %error, "input refused");
        }
    }

    fn command(&mut self, command: UiCommand) {
        let input = match command {
            UiCommand::NoTip => Input::TipChosen(TipChoice::NoTip),
            UiCommand::CancelPayment => Input::ShopperCancelled,
            UiCommand::TipPreset(index) => {
                let preset = match self.terminal.screen() {
                    countertop_core::Screen::TipSelection { options, .. } => {
                        options.presets().get(index).copied()
                    }
                    _ => None,
                };
                match preset {
                    Some(choice) => Input::TipChosen(choice),
                    None => {
                        tracing::warn!(index, "tip button pressed that is not on screen");
                        return;
                    }
                }
            }
        };
        self.feed(input);
    }

    async fn apply_effects(&mut self) {
        while let Some(effect) = self.terminal.poll_effect() {
            match effect {
                Effect::Journal(record) => journal_log(&record),
                Effect::ArmReader { payment_id, total } => {
                    let _ = self.adapters.reader.send(ReaderRequest::Arm { payment_id, total }).await;
                }
                Effect::DisarmReader => {
                    let _ = self.adapters.reader.send(ReaderRequest::Disarm).await;
                }
                Effect::Authorize { payment_id, total, card_token } => {
                    let request = GatewayRequest::Authorize { payment_id, total, card_token };
                    let _ = self.adapters.gateway.send(request).await;
                }
                Effect::Reverse { payment_id } => {
                    let _ = self.adapters.gateway.send(GatewayRequest::Reverse { payment_id }).await;
                }
                Effect::ReportOutcome { payment_id, outcome } => {
                    let _ = self.adapters.pos.send(OutcomeReport { payment_id, outcome }).await;
                }
            }
        }
    }

    fn publish(&self, last: &mut Option<ViewState>) {
        let view = ViewState::of(&self.terminal, &self.display, &self.pairing);
        if last.as_ref() != Some(&view) {
            *last = Some(view.clone());
            self.sink.show(view);
        }
    }
}

fn journal_log(record: &JournalRecord) {
    match record {
        JournalRecord::Accepted { payment_id, amount } => {
            tracing::info!(%payment_id, %amount, "payment accepted")
        }
        JournalRecord::Authorizing { payment_id, total } => {
            tracing::info!(%payment_id, %total, "authorizing")
        }
        JournalRecord::Final { payment_id, outcome } => {
            tracing::info!(%payment_id, approved = outcome.is_approved(), "payment finished")
        }
    }
}

/// The current time from tokio's clock, so tests that pause time drive the core's deadlines too.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
