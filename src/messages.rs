//! The messages the orchestrator exchanges with its neighbours: what the UI sends
//! (`UiCommand`), what a POS session asks (`PosCommand`), where payment outcomes go
//! (`OutcomeReport`) and where views go (`ViewSink`). They live here, not in the orchestrator,
//! so the adapters depend on the messages and not on the actor that happens to consume them.

use countertop_core::protocol::PaymentState;
use countertop_core::{CoreError, Input, Language, Outcome, PaymentId};
use tokio::sync::{mpsc, oneshot};

use crate::view::{DisplaySettings, ViewState};

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
    /// New merchant display settings, already validated (and the picture stored) by the link.
    Display {
        settings: DisplaySettings,
        reply: oneshot::Sender<()>,
    },
    /// The display settings in force, for the link to change and send back.
    CurrentDisplay {
        reply: oneshot::Sender<DisplaySettings>,
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
