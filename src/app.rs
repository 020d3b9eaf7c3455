//! The orchestrator actor: owns the core, feeds it every input with the current time, applies
//! its effects through the adapters and publishes a `ViewState` whenever the screen changes.
//! It never touches the UI toolkit; a `ViewSink` carries views to whoever draws them.

use std::path::PathBuf;
use std::time::Instant;

use countertop_core::protocol::PaymentState;
use countertop_core::{
    BurnInGuard, Effect, Input, JournalRecord, Screen, Terminal, TimeOfDay, TipChoice,
};
use tokio::sync::{mpsc, watch};

use crate::adapters::backlight::BacklightRequest;
use crate::adapters::gateway::GatewayRequest;
use crate::adapters::reader::ReaderRequest;
use crate::adapters::store::{Journal, SavedDisplay, load_display, save_display};
use crate::messages::{
    DisplayPatch, DisplayRestart, OutcomeReport, PosCommand, TerminalCondition, UiCommand, ViewSink,
};
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
    /// Asked to restart the display when staff chose another rotation; `None`: no display to
    /// restart (headless, tests), the choice is only kept.
    pub display_restart: Option<DisplayRestart>,
    /// The screen's backlight, when the device has one the terminal may set.
    pub backlight: Option<mpsc::Sender<BacklightRequest>>,
    /// The local time of day, for the night schedule (tests pass a fixed one).
    pub local_time: fn() -> TimeOfDay,
}

pub struct Orchestrator<S: ViewSink> {
    pub terminal: Terminal,
    pub display: DisplaySettings,
    pub pairing: PairingInfo,
    pub adapters: Adapters,
    pub sink: S,
    /// What the journal could not save yet; empty while it works.
    pub held: HeldRecords,
    /// When the idle screen moves, dims and sleeps.
    pub guard: BurnInGuard,
}

/// Final records the journal could not save, retried until it can. Their outcomes stand (the
/// core holds them), and after a crash the gateway is asked again for their authorizations.
#[derive(Debug, Default)]
pub struct HeldRecords {
    records: Vec<JournalRecord>,
    /// When to try the journal again; set while payments are paused for storage.
    retry_at: Option<Instant>,
}

/// How often a failed journal is tried again while payments are paused.
const JOURNAL_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

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
        let mut last_level = None;
        self.publish(&mut last_view, &mut last_level);
        // The rotation the display was started with; another one needs a restart.
        let running = self.display.rotation;
        loop {
            let sleep = crate::timers::sleep_until(self.terminal.poll_timeout());
            let retry = crate::timers::sleep_until(self.held.retry_at);
            // The burn-in guard's next step: the only wake-up while the idle screen is up.
            let guard = crate::timers::sleep_until(
                self.guard.next_change(now(), (self.adapters.local_time)()),
            );
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
                () = retry => self.retry_journal(),
                () = guard => {}
                _ = shutdown.changed() => break,
            }
            self.apply_effects().await;
            self.publish(&mut last_view, &mut last_level);
            if self.restart_display_if_at_rest(running) {
                // Nothing more is taken on: no payment can start before the display restarts.
                break;
            }
        }
        tracing::info!("orchestrator stopped");
    }

    /// Asks for the display restart a new rotation needs, at a moment when no payment is
    /// running or on screen and every final record is saved. True once asked.
    fn restart_display_if_at_rest(&self, running: countertop_core::Rotation) -> bool {
        let wanted = self.display.rotation;
        if wanted == running || !self.terminal.is_at_rest() || !self.held.records.is_empty() {
            return false;
        }
        let Some(restart) = &self.adapters.display_restart else {
            return false;
        };
        tracing::info!(from = %running, to = %wanted, "restarting the display for its new rotation");
        restart.send(wanted).is_ok()
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
                if let Input::PaymentRequested(request) = &input {
                    self.recall_from_journal(&request.id);
                }
                let name = input.name();
                let result = self.terminal.handle(input, now());
                if let Err(error) = &result {
                    tracing::info!(input = name, %error, "POS request refused");
                }
                let _ = reply.send(result);
            }
            PosCommand::Status { payment_id, reply } => {
                self.recall_from_journal(&payment_id);
                let _ = reply.send(self.terminal.payment_state(&payment_id));
            }
            PosCommand::PatchDisplay { patch, reply } => {
                let _ = reply.send(self.patch_display(patch));
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
                    self.save_display(None, None);
                }
                return;
            }
            UiCommand::SetRotation(rotation) => {
                if self.display.rotation != rotation {
                    tracing::info!(%rotation, "display rotation chosen on the terminal");
                    self.display.rotation = rotation;
                    self.save_display(None, Some(rotation));
                }
                return;
            }
            UiCommand::SetBrightness(percent) => {
                let percent = percent.clamp(crate::view::MIN_BRIGHTNESS_PERCENT, 100);
                if self.display.brightness_percent != percent {
                    tracing::info!(percent, "brightness set on the terminal");
                    self.display.brightness_percent = percent;
                    self.save_display(None, None);
                }
                return;
            }
            UiCommand::Touched => {
                let idle = matches!(self.terminal.screen(), Screen::Idle { .. });
                self.guard.activity(idle, now());
                return;
            }
            UiCommand::SetHighContrast(on) => {
                if self.display.high_contrast != on {
                    tracing::info!(on, "high contrast switched on the terminal");
                    self.display.high_contrast = on;
                    self.save_display(None, None);
                }
                return;
            }
            UiCommand::SetLargeText(on) => {
                if self.display.large_text != on {
                    tracing::info!(on, "large text switched on the terminal");
                    self.display.large_text = on;
                    self.save_display(None, None);
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

    /// Applies a POS's `display.set` as one step: the post-payment message first (the core
    /// may refuse it, and then nothing changes), then the settings, then the file.
    fn patch_display(&mut self, patch: DisplayPatch) -> Result<(), countertop_core::CoreError> {
        if let Some(message) = &patch.post_payment_message {
            self.terminal
                .handle(Input::PostPaymentMessage(message.clone()), now())?;
        }
        if let Some(show) = patch.show_logos {
            self.display.show_logos = show;
        }
        if let Some(logos) = patch.logos {
            self.display.logos = logos;
        }
        if let Some(picture) = patch.idle_image {
            self.display.idle_image = Some(picture);
        }
        if let Some(language) = patch.customer_language {
            self.display.customer_language = language;
        }
        if let Some(on) = patch.high_contrast {
            self.display.high_contrast = on;
        }
        if let Some(on) = patch.large_text {
            self.display.large_text = on;
        }
        self.save_display(patch.post_payment_message, None);
        Ok(())
    }

    /// Keeps the display settings across restarts, with the POS's post-payment message and the
    /// rotation chosen on the panel (the new ones, or as they were).
    fn save_display(
        &self,
        new_message: Option<String>,
        new_rotation: Option<countertop_core::Rotation>,
    ) {
        let Some(path) = &self.adapters.display_file else {
            return;
        };
        let previous = if new_message.is_some() && new_rotation.is_some() {
            None
        } else {
            match load_display(path) {
                Ok(previous) => previous,
                Err(error) => {
                    tracing::warn!(%error, "saved display settings unreadable; they are replaced");
                    None
                }
            }
        };
        let (old_message, old_rotation) = previous
            .map(|p| (p.post_payment_message, p.rotation))
            .unwrap_or_default();
        let saved = SavedDisplay {
            settings: self.display.clone(),
            post_payment_message: new_message.or(old_message),
            rotation: new_rotation.or(old_rotation),
        };
        if let Err(error) = save_display(path, &saved) {
            tracing::error!(%error, "display settings not saved; the change lasts until restart");
        }
    }

    /// Writes and syncs a journal record before the effects after it are applied. A record
    /// that cannot be saved is reported to the core at once, before the next effect is taken,
    /// so the action it protects never happens; a lost final record is kept for a retry.
    fn journal(&mut self, record: &JournalRecord) {
        journal_log(record);
        let Some(journal) = self.adapters.journal.as_mut() else {
            return;
        };
        if let Err(error) = journal.append(record) {
            tracing::error!(%error, payment_id = %record.payment_id(), "journal write failed; payments pause until it writes again");
            if matches!(record, JournalRecord::Final { .. }) {
                self.held.records.push(record.clone());
            }
            self.held.retry_at.get_or_insert(now() + JOURNAL_RETRY);
            self.feed(Input::JournalWriteFailed(record.clone()));
        }
    }

    /// While payments are paused: saves the held records, or checks the journal's folder
    /// takes a write, and resumes payments when it does.
    fn retry_journal(&mut self) {
        self.held.retry_at = Some(now() + JOURNAL_RETRY);
        let Some(journal) = self.adapters.journal.as_mut() else {
            return;
        };
        while let Some(record) = self.held.records.first() {
            if let Err(error) = journal.append(record) {
                tracing::warn!(%error, "journal still not writable");
                return;
            }
            self.held.records.remove(0);
        }
        if let Err(error) = journal.probe() {
            tracing::warn!(%error, "journal still not writable");
            return;
        }
        tracing::info!("journal writable again; payments resume");
        self.held.retry_at = None;
        self.feed(Input::JournalWritable);
    }

    /// An id the core no longer remembers may still be in the journal (it keeps far more
    /// outcomes than memory): its outcome is put back so the answer is the truth, and a
    /// repeated request is answered, never charged again.
    fn recall_from_journal(&mut self, payment_id: &countertop_core::PaymentId) {
        if !matches!(
            self.terminal.payment_state(payment_id),
            PaymentState::Unknown
        ) {
            return;
        }
        let Some(journal) = self.adapters.journal.as_mut() else {
            return;
        };
        match journal.lookup(payment_id) {
            Ok(Some(outcome)) => self.terminal.restore_outcome(payment_id.clone(), outcome),
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "journal unreadable for a status lookup"),
        }
    }

    fn publish(&mut self, last: &mut Option<ViewState>, last_level: &mut Option<u8>) {
        let mut view = ViewState::of(&self.terminal, &self.display, &self.pairing);
        let now = now();
        self.guard
            .screen_shown(matches!(view.screen, Screen::Idle { .. }), now);
        view.protection = self.guard.protection(now, (self.adapters.local_time)());
        view.backlight = self.adapters.backlight.is_some();
        // The backlight follows the panel's brightness, and is off while the screen sleeps.
        let level = if view.protection.screen_off {
            0
        } else {
            self.display.brightness_percent
        };
        if let Some(backlight) = &self.adapters.backlight
            && *last_level != Some(level)
        {
            // Full only while a level is already waiting: the newest one is sent next time.
            if backlight.try_send(BacklightRequest::Level(level)).is_ok() {
                *last_level = Some(level);
            }
        }
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
