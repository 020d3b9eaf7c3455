//! Countertop's pure core: no IO, no threads, no clocks, no UI toolkit. Everything here is a
//! function of its inputs and the time passed in, so it is tested exhaustively in memory.

pub mod admin_pin;
pub mod burn_in;
pub mod cart;
pub mod discovery;
pub mod dock;
pub mod journal;
pub mod language;
pub mod money;
pub mod nexo;
pub mod pairing;
pub mod payment;
pub mod protocol;
pub mod receipt;
pub mod rotation;
pub mod terminal;
pub mod tip;

pub use burn_in::{BurnInConfig, BurnInGuard, NightSchedule, Protection, TimeOfDay};
pub use cart::{Cart, CartError, LineItem, PricedLine, TaxGroup, TaxMode};
pub use language::{Language, UnknownLanguage};
pub use money::{Currency, Money, MoneyError};
pub use payment::{
    Approval, CancelReason, CardBrand, CardRead, DeclineReason, EntryMode, MaskedCard, Outcome,
    PaymentId, PaymentMethod, PaymentRequest,
};
pub use receipt::{ReceiptUrl, ReceiptUrlError};
pub use rotation::{BadRotation, Rotation};
pub use terminal::{
    CoreError, Effect, GatewayReply, GatewayStatus, Input, JournalRecord, LinkState,
    PendingAuthorization, Screen, Terminal, TerminalConfig,
};
pub use tip::{TipChoice, TipError, TipOptions};
