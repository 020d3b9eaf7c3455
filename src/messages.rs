//! The messages the orchestrator exchanges with its neighbours: what the UI sends
//! (`UiCommand`), what a POS session asks (`PosCommand`), where payment outcomes go
//! (`OutcomeReport`) and where views go (`ViewSink`). They live here, not in the orchestrator,
//! so the adapters depend on the messages and not on the actor that happens to consume them.

use countertop_core::protocol::PaymentState;
use countertop_core::{CoreError, Input, Language, Outcome, PaymentId, Rotation};
use tokio::sync::{mpsc, oneshot};

use crate::view::{Logo, ViewState};

/// What the shopper or staff did on screen. UI callbacks only send these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiCommand {
    /// Index into the tip buttons as shown (see `TipOptions::presets`).
    TipPreset(usize),
    NoTip,
    /// A tip typed on the keypad, in minor units.
    CustomTip(i64),
    /// The total the shopper typed; the extra over the amount is the tip.
    TotalWithTip(i64),
    CancelPayment,
    /// Staff chose the shopper screens' default language in the settings panel. Kept with the
    /// display settings, so it survives a restart; a payment may still ask for another.
    SetDefaultLanguage(Language),
    /// Staff chose how the panel is mounted. Kept with the display settings; the display takes
    /// it on by restarting, which the orchestrator asks for only when no payment is running.
    SetRotation(Rotation),
    /// Staff set the backlight's brightness on the panel (percent). Kept with the display
    /// settings.
    SetBrightness(u8),
    /// Someone touched the screen: the idle screen shows as normal again (and wakes at night).
    Touched,
    /// Staff switched the high-contrast theme in the panel (kept like the language).
    SetHighContrast(bool),
    /// Staff switched the larger text in the panel.
    SetLargeText(bool),
}

/// Where the orchestrator asks for the display to be restarted with a new rotation (Slint's
/// linuxkms backend reads its rotation once, at start). The one who runs the display (`main`)
/// holds the receiver; nothing listens in tests and `--headless`.
pub type DisplayRestart = mpsc::UnboundedSender<Rotation>;

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

/// What a POS session asks of the orchestrator; every request gets its answer.
#[derive(Debug)]
pub enum PosCommand {
    Apply {
        input: Input,
        reply: oneshot::Sender<Result<(), CoreError>>,
    },
    Status {
        payment_id: PaymentId,
        reply: oneshot::Sender<PaymentState>,
    },
    /// A `display.set` from the POS, already validated (and its picture stored) by the link.
    /// The orchestrator alone owns the display settings: it applies the patch in one step and
    /// saves them, so a language chosen on the panel meanwhile is never overwritten.
    PatchDisplay {
        patch: DisplayPatch,
        reply: oneshot::Sender<Result<(), CoreError>>,
    },
    /// How the terminal stands, for a POS that asks (nexo's `DiagnosisRequest`).
    Condition {
        reply: oneshot::Sender<TerminalCondition>,
    },
}

/// The terminal's condition as a POS may know it: no cart, no shopper data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalCondition {
    pub docked: bool,
    pub active_payment: Option<PaymentId>,
}

/// The display settings a `display.set` changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisplayPatch {
    pub post_payment_message: Option<String>,
    pub show_logos: Option<bool>,
    pub logos: Option<Vec<Logo>>,
    /// Where the link stored the checked picture.
    pub idle_image: Option<std::path::PathBuf>,
    pub customer_language: Option<Language>,
    pub high_contrast: Option<bool>,
    pub large_text: Option<bool>,
}
