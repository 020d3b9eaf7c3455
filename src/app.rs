//! The orchestrator actor: owns the core, feeds it every input with the current time, applies
//! its effects through the adapters and publishes a `ViewState` whenever the screen changes.
//! It never touches the UI toolkit; a `ViewSink` carries views to whoever draws them.

use std::path::PathBuf;
use std::time::Instant;

use countertop_core::{Effect, Input, JournalRecord, Terminal, TipChoice};
use tokio::sync::{mpsc, watch};

use crate::adapters::gateway::GatewayRequest;
use crate::adapters::reader::ReaderRequest;
use crate::adapters::store::{Journal, SavedDisplay, load_display, save_display};
use crate::messages::{OutcomeReport, PosCommand, TerminalCondition, UiCommand, ViewSink};
use crate::view::{DisplaySettings, PairingInfo, ViewState};

/// The adapters the orchestrator drives.
pub struct Adapters {
    pub reader: mpsc::Sender<ReaderRequest>,
    pub gateway: mpsc::Sender<GatewayRequest>,
    pub pos: mpsc::Sender<OutcomeReport>,
    /// The durable journal; `None` only in tests that do not exercise restarts.
    pub journal: Option<Journal>,
    /// Where display settings changed on the terminal itself are kept (`display.json`, shared
    /// with the POS link's pushes); `None` keeps them in memory only.
    pub display_file: Option<PathBuf>,
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
        mut pos: mpsc::Receiver<PosCommand>,
        mut ui: mpsc::UnboundedReceiver<UiCommand>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        // Effects queued before the loop (journal recovery at start-up) go out first.
        self.apply_effects().await;
        let mut last_view = None;
        self.publish(&mut last_view);
        loop {
            let sleep = crate::timers::sleep_until(self.terminal.poll_timeout());
            tokio::select! {
                input = inputs.recv() => match input {
                    Some(input) => self.feed(input),
                    None => break,
                },
                command = pos.recv(), if !pos.is_closed() => match command {
                    Some(command) => self.pos_command(command),
                    None => continue,
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

    fn pos_command(&mut self, command: PosCommand) {
        match command {
            PosCommand::Apply { input, reply } => {
                let name = input.name();
                let result = self.terminal.handle(input, now());
                if let Err(error) = &result {
                    tracing::info!(input = name, %error, "POS request refused");
                }
                let _ = reply.send(result);
            }
            PosCommand::Status { payment_id, reply } => {
                let _ = reply.send(self.terminal.payment_state(&payment_id));
            }
            PosCommand::Display { settings, reply } => {
                self.display = settings;
                let _ = reply.send(());
            }
            PosCommand::CurrentDisplay { reply } => {
                let _ = reply.send(self.display.clone());
            }
            PosCommand::Condition { reply } => {
                let _ = reply.send(TerminalCondition {
                    docked: self.terminal.is_docked(),
                    active_payment: self.terminal.active_payment().cloned(),
                });
            }
        }
    }

    fn command(&mut self, command: UiCommand) {
        let input = match command {
            UiCommand::SetDefaultLanguage(language) => {
                if self.display.customer_language != language {
                    tracing::info!(%language, "default language chosen on the terminal");
                    self.display.customer_language = language;
                    self.save_display();
                }
                return;
            }
            UiCommand::NoTip => Input::TipChosen(TipChoice::NoTip),
            UiCommand::CustomTip(minor) => Input::TipChosen(TipChoice::Custom(minor)),
            UiCommand::TotalWithTip(minor) => Input::TipChosen(TipChoice::TotalIncludingTip(minor)),
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
                Effect::Journal(record) => self.journal(&record),
                Effect::ArmReader {
                    payment_id,
                    total,
                    tap_allowed,
                } => {
                    let request = ReaderRequest::Arm {
                        payment_id,
                        total,
                        tap_allowed,
                    };
                    let _ = self.adapters.reader.send(request).await;
                }
                Effect::DisarmReader => {
                    let _ = self.adapters.reader.send(ReaderRequest::Disarm).await;
                }
                Effect::ExpectCardRemoval => {
                    let _ = self
                        .adapters
                        .reader
                        .send(ReaderRequest::ExpectRemoval)
                        .await;
                }
                Effect::Authorize {
                    payment_id,
                    total,
                    card_token,
                } => {
                    let request = GatewayRequest::Authorize {
                        payment_id,
                        total,
                        card_token,
                    };
                    let _ = self.adapters.gateway.send(request).await;
                }
                Effect::Reverse { payment_id } => {
                    let _ = self
                        .adapters
                        .gateway
                        .send(GatewayRequest::Reverse { payment_id })
                        .await;
                }
                Effect::QueryGateway { payment_id } => {
                    let _ = self
                        .adapters
                        .gateway
                        .send(GatewayRequest::Status { payment_id })
                        .await;
                }
                Effect::ReportOutcome {
                    payment_id,
                    outcome,
                } => {
                    let _ = self
                        .adapters
                        .pos
                        .send(OutcomeReport {
                            payment_id,
                            outcome,
                        })
                        .await;
                }
            }
        }
    }

    /// Keeps the display settings across restarts, with the POS's post-payment message as it was.
    fn save_display(&self) {
        let Some(path) = &self.adapters.display_file else {
            return;
        };
        let post_payment_message = match load_display(path) {
            Ok(previous) => previous.and_then(|p| p.post_payment_message),
            Err(error) => {
                tracing::warn!(%error, "saved display settings unreadable; they are replaced");
                None
            }
        };
        let saved = SavedDisplay {
            settings: self.display.clone(),
            post_payment_message,
        };
        if let Err(error) = save_display(path, &saved) {
            tracing::error!(%error, "display settings not saved; the change lasts until restart");
        }
    }

    /// Writes and syncs a journal record before the effects after it are applied.
    fn journal(&mut self, record: &JournalRecord) {
        journal_log(record);
        if let Some(journal) = self.adapters.journal.as_mut()
            && let Err(error) = journal.append(record)
        {
            // The record is also in the log; payments go on only because stopping mid-sale
            // would strand the shopper. Storage monitoring must raise this.
            tracing::error!(%error, payment_id = %record.payment_id(), "JOURNAL WRITE FAILED");
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
        JournalRecord::Authorizing(pending) => {
            tracing::info!(payment_id = %pending.payment_id, total = %pending.total, "authorizing")
        }
        JournalRecord::Final {
            payment_id,
            outcome,
        } => {
            tracing::info!(%payment_id, approved = outcome.is_approved(), "payment finished")
        }
    }
}

/// The current time from tokio's clock, so tests that pause time drive the core's deadlines too.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
