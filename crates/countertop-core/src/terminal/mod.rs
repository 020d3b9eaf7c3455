//! The terminal state machine: one payment at a time, time passed in, effects out.
//!
//! Shape borrowed from IO-free protocol cores: `handle(input, now)` changes state and queues
//! effects, `poll_effect()` drains them, `poll_timeout()`/`handle_timeout(now)` drive deadlines.
//! The tip is chosen before the card is presented because a contactless cryptogram covers the
//! exact amount: the total must be final when the card is tapped.

mod config;
mod effect;
mod input;
mod screen;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

pub use config::TerminalConfig;
pub use effect::{Effect, JournalRecord, PendingAuthorization};
pub use input::{GatewayReply, GatewayStatus, Input, LinkState};
pub use screen::Screen;

use crate::cart::{Cart, CartError, TaxMode};
use crate::language::Language;
use crate::money::{Currency, Money, MoneyError};
use crate::payment::{
    Approval, CancelReason, CardRead, EntryMode, Outcome, PaymentId, PaymentMethod, PaymentRequest,
};
use crate::protocol::PaymentState;
use crate::receipt::ReceiptUrl;
use crate::tip::{TipChoice, TipError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    #[error("'{input}' is not possible while {state}")]
    InvalidTransition {
        input: &'static str,
        state: &'static str,
    },
    #[error("another payment ({0}) is in progress")]
    Busy(PaymentId),
    #[error("the terminal is out of its dock")]
    Undocked,
    #[error("the payment amount must be above zero")]
    NonPositiveAmount,
    #[error("the smallest payment this terminal takes is {0}")]
    BelowMinimum(Money),
    #[error("the terminal's battery is at {0} %; charge it before taking payments")]
    BatteryLow(u8),
    #[error(
        "the terminal cannot save payment records (its storage is full or failing); payments are paused until staff free space"
    )]
    StorageUnavailable,
    #[error("the wallet QR payload must be 1 to 512 printable characters")]
    BadWalletPayload,
    #[error("tips are chosen on the card flow; a wallet QR already fixes the amount")]
    TipWithWallet,
    #[error("payment {0} is unknown to this terminal; there is no receipt to show")]
    ReceiptUnknownPayment(PaymentId),
    #[error("payment {0} was not approved; there is no receipt to show")]
    ReceiptNotApproved(PaymentId),
    #[error(
        "the receipt of payment {0} can no longer be shown: the terminal has moved on to another sale or payment"
    )]
    ReceiptTooLate(PaymentId),
    #[error("payment {0} is not the one in progress")]
    UnknownPayment(PaymentId),
    /// A cancel for a payment that already has an outcome: nothing changes, and the POS is
    /// told the recorded outcome instead (a paid sale must never look cancelled).
    #[error("payment {0} has already finished; nothing was cancelled")]
    AlreadyFinished(PaymentId, Box<Outcome>),
    #[error("the outcome of payment {0} is being confirmed with the bank; ask for its status")]
    Recovering(PaymentId),
    #[error(
        "the payment amount {amount} is more than the {due} the cart on screen asks for; \
         send the cart first, or ask for at most {due}"
    )]
    AboveAmountDue { amount: Money, due: Money },
    #[error("the cart is in {cart} but the line is in {line}")]
    CurrencyMismatch { cart: Currency, line: Currency },
    #[error(transparent)]
    Cart(#[from] CartError),
    #[error(transparent)]
    Tip(#[from] TipError),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

#[derive(Debug, Clone)]
struct ActivePayment {
    request: PaymentRequest,
    tip: Money,
    stage: Stage,
    /// A split-tender payment: what the cart still asks for after this one.
    remaining: Option<Money>,
}

impl ActivePayment {
    fn total(&self) -> Result<Money, MoneyError> {
        self.request.amount.checked_add(self.tip)
    }
}

#[derive(Debug, Clone)]
enum Stage {
    Tip {
        deadline: Instant,
    },
    WalletQr {
        deadline: Instant,
        payload: String,
    },
    AwaitingCard {
        deadline: Instant,
        read_failed: bool,
        pin_on_reader: bool,
    },
    Processing {
        deadline: Instant,
        card: CardRead,
    },
}

#[derive(Debug, Clone)]
enum Phase {
    Ready,
    Paying(ActivePayment),
    ShowingResult {
        outcome: Outcome,
        until: Instant,
        remove_card: bool,
        /// The cart the payment was for. A cart the POS sends while the result shows (the
        /// next sale, rung up at once) is a different one, and stays when the result ends.
        paid_cart: Option<Arc<Cart>>,
    },
    PostPayment {
        until: Instant,
    },
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Ready => "ready",
            Phase::Paying(p) => match p.stage {
                Stage::Tip { .. } => "choosing a tip",
                Stage::AwaitingCard { .. } => "waiting for a card",
                Stage::Processing { .. } => "processing a payment",
                Stage::WalletQr { .. } => "showing a wallet QR",
            },
            Phase::ShowingResult { .. } => "showing a result",
            Phase::PostPayment { .. } => "showing the post-payment message",
        }
    }
}

pub struct Terminal {
    config: TerminalConfig,
    docked: bool,
    battery: Option<u8>,
    link: LinkState,
    cart: Option<Arc<Cart>>,
    /// The mode of the last `cart.set`, so that lines upserted into no cart follow it.
    tax_mode: TaxMode,
    /// Approved partial (split-tender) payments toward the cart on screen, in its minor units.
    cart_paid_minor: i64,
    /// The amount of the payment in progress when it pays toward the cart on screen.
    counted_amount: Option<Money>,
    phase: Phase,
    /// Final outcomes by id, for idempotent replies; bounded, oldest dropped first.
    finished: HashMap<PaymentId, Outcome>,
    finished_order: VecDeque<PaymentId>,
    /// Ids whose authorization was reversed: a late approval for them is reversed again.
    reversed: HashMap<PaymentId, ()>,
    /// Authorizations found unanswered in the journal at start-up, waiting for the gateway.
    recovering: HashMap<PaymentId, PendingAuthorization>,
    effects: VecDeque<Effect>,
    /// The language the last accepted payment asked for; in force while its screens are up.
    payment_language: Option<Language>,
    /// The journal failed to save a record and has not recovered: no new payment starts.
    storage_failed: bool,
    /// The payment whose result is (or was last) on screen, and its digital receipt if the
    /// POS sent one. Cleared when the next payment starts.
    last_finished: Option<PaymentId>,
    receipt: Option<ReceiptUrl>,
}

impl Terminal {
    pub fn new(config: TerminalConfig, link: LinkState) -> Self {
        Terminal {
            config,
            docked: true,
            battery: None,
            link,
            cart: None,
            tax_mode: TaxMode::Exclusive,
            cart_paid_minor: 0,
            counted_amount: None,
            phase: Phase::Ready,
            finished: HashMap::new(),
            finished_order: VecDeque::new(),
            reversed: HashMap::new(),
            recovering: HashMap::new(),
            effects: VecDeque::new(),
            payment_language: None,
            storage_failed: false,
            last_finished: None,
            receipt: None,
        }
    }

    /// Loads an outcome from the journal at start-up so that a repeated request for that id is
    /// answered, not charged again.
    pub fn restore_outcome(&mut self, payment_id: PaymentId, outcome: Outcome) {
        self.remember(payment_id, outcome);
    }

    /// A payment accepted before a restart whose card was never read: it ends as cancelled,
    /// nothing having been sent to the gateway.
    pub fn restore_interrupted(&mut self, payment_id: PaymentId) {
        let outcome = Outcome::Cancelled {
            reason: CancelReason::Restarted,
        };
        self.effects
            .push_back(Effect::Journal(JournalRecord::Final {
                payment_id: payment_id.clone(),
                outcome: outcome.clone(),
            }));
        self.remember(payment_id, outcome);
    }

    /// An authorization that went out before a restart with no recorded answer: ask the gateway.
    pub fn restore_pending(&mut self, pending: PendingAuthorization) {
        self.effects.push_back(Effect::QueryGateway {
            payment_id: pending.payment_id.clone(),
        });
        self.recovering.insert(pending.payment_id.clone(), pending);
    }

    /// What the POS is told when it asks about a payment id.
    pub fn payment_state(&self, id: &PaymentId) -> PaymentState {
        if let Some(outcome) = self.finished.get(id) {
            return PaymentState::Final {
                outcome: outcome.clone(),
            };
        }
        if self.active_payment() == Some(id) || self.recovering.contains_key(id) {
            return PaymentState::InProgress;
        }
        PaymentState::Unknown
    }

    pub fn config(&self) -> &TerminalConfig {
        &self.config
    }

    pub fn is_docked(&self) -> bool {
        self.docked
    }

    pub fn link(&self) -> &LinkState {
        &self.link
    }

    /// New payments are refused because the journal cannot save them.
    pub fn payments_paused_for_storage(&self) -> bool {
        self.storage_failed
    }

    pub fn outcome_of(&self, id: &PaymentId) -> Option<&Outcome> {
        self.finished.get(id)
    }

    /// The language the POS asked for with the payment on screen: while it is in progress, its
    /// result and the post-payment message. `None` when the display's default language applies
    /// (no payment on screen, or the POS did not ask).
    pub fn language(&self) -> Option<Language> {
        match self.phase {
            Phase::Ready => None,
            _ => self.payment_language,
        }
    }

    /// The payment in progress, if any.
    pub fn active_payment(&self) -> Option<&PaymentId> {
        match &self.phase {
            Phase::Paying(p) => Some(&p.request.id),
            _ => None,
        }
    }

    /// No payment in progress, none on screen and no interrupted authorization waiting for the
    /// gateway: a moment when the display process may restart (a rotation chosen on the panel)
    /// without a shopper or a POS seeing a payment cut short.
    pub fn is_at_rest(&self) -> bool {
        matches!(self.phase, Phase::Ready) && self.recovering.is_empty()
    }

    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Ready => None,
            Phase::Paying(p) => Some(match &p.stage {
                Stage::Tip { deadline }
                | Stage::WalletQr { deadline, .. }
                | Stage::AwaitingCard { deadline, .. }
                | Stage::Processing { deadline, .. } => *deadline,
            }),
            // Waiting for the card to come out: nothing to time.
            Phase::ShowingResult {
                remove_card: true, ..
            } => None,
            Phase::ShowingResult { until, .. } | Phase::PostPayment { until } => Some(*until),
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(deadline) = self.poll_timeout() else {
            return;
        };
        if now < deadline {
            return;
        }
        match std::mem::replace(&mut self.phase, Phase::Ready) {
            Phase::Ready => {}
            Phase::Paying(p) => match p.stage {
                Stage::Tip { .. } | Stage::WalletQr { .. } => self.finish(
                    p.request.id,
                    Outcome::Cancelled {
                        reason: CancelReason::NoResponse,
                    },
                    now,
                ),
                Stage::AwaitingCard { .. } => {
                    self.effects.push_back(Effect::DisarmReader);
                    self.finish(
                        p.request.id,
                        Outcome::Cancelled {
                            reason: CancelReason::NoResponse,
                        },
                        now,
                    )
                }
                Stage::Processing { .. } => {
                    // Unknown fate: reverse it so the shopper can never be charged for a payment
                    // the POS was told failed.
                    self.reversed.insert(p.request.id.clone(), ());
                    self.effects.push_back(Effect::Reverse {
                        payment_id: p.request.id.clone(),
                    });
                    self.finish(p.request.id, Outcome::TimedOut, now)
                }
            },
            Phase::ShowingResult {
                outcome, paid_cart, ..
            } => {
                // After a partial payment the cart comes back with what it still asks for; the
                // payment that settles it ends the sale as before.
                let part_paid =
                    self.cart_paid_minor > 0 && self.amount_due().is_some_and(|due| due.minor > 0);
                if outcome.is_approved() && !part_paid {
                    let same_cart = match (&self.cart, &paid_cart) {
                        (Some(now_shown), Some(paid)) => Arc::ptr_eq(now_shown, paid),
                        (shown, _) => shown.is_none(),
                    };
                    if same_cart {
                        self.set_cart(None);
                    }
                    self.phase = Phase::PostPayment {
                        until: now + self.post_payment_time(),
                    };
                }
            }
            Phase::PostPayment { .. } => {}
        }
    }

    pub fn handle(&mut self, input: Input, now: Instant) -> Result<(), CoreError> {
        let name = input.name();
        match input {
            Input::Docked(docked) => {
                self.set_docked(docked, now);
                Ok(())
            }
            Input::Link(link) => {
                self.link = link;
                Ok(())
            }
            Input::CartReplaced(cart) => {
                self.tax_mode = cart.tax_mode();
                self.set_cart((!cart.is_empty()).then(|| Arc::new(cart)));
                Ok(())
            }
            Input::CartLineUpserted(item) => self.upsert_line(item),
            Input::CartLineRemoved(id) => {
                let cart = self
                    .cart
                    .as_mut()
                    .ok_or(CartError::NoSuchLine(id.clone()))?;
                Arc::make_mut(cart).remove(&id)?;
                if cart.is_empty() {
                    self.set_cart(None);
                }
                Ok(())
            }
            Input::CartCleared => {
                self.set_cart(None);
                Ok(())
            }
            Input::PaymentRequested(request) => self.request_payment(request, now),
            Input::PosCancelled(id) => self.pos_cancel(id, name, now),
            Input::TipChosen(choice) => self.choose_tip(choice, name, now),
            Input::ShopperCancelled => self.shopper_cancel(name, now),
            Input::CardPresented(card) => self.card_presented(card, name, now),
            Input::CardReadFailed => match &mut self.phase {
                Phase::Paying(ActivePayment {
                    stage:
                        Stage::AwaitingCard {
                            read_failed,
                            pin_on_reader,
                            ..
                        },
                    ..
                }) => {
                    *read_failed = true;
                    *pin_on_reader = false;
                    Ok(())
                }
                other => Err(CoreError::InvalidTransition {
                    input: name,
                    state: other.name(),
                }),
            },
            Input::CardRemoved => {
                if let Phase::ShowingResult {
                    remove_card, until, ..
                } = &mut self.phase
                    && *remove_card
                {
                    *remove_card = false;
                    *until = now + self.config.result_display;
                }
                Ok(())
            }
            Input::PinEntryOnReader => match &mut self.phase {
                Phase::Paying(ActivePayment {
                    stage:
                        Stage::AwaitingCard {
                            read_failed,
                            pin_on_reader,
                            ..
                        },
                    ..
                }) => {
                    *read_failed = false;
                    *pin_on_reader = true;
                    Ok(())
                }
                other => Err(CoreError::InvalidTransition {
                    input: name,
                    state: other.name(),
                }),
            },
            Input::GatewayReplied { payment_id, reply } => {
                self.gateway_replied(payment_id, reply, name, now)
            }
            Input::GatewayStatus { payment_id, status } => self.recovered(payment_id, status),
            Input::WalletConfirmed {
                payment_id,
                reference,
                receipt,
            } => {
                self.wallet_confirmed(payment_id.clone(), reference, name, now)?;
                if let Some(url) = receipt {
                    self.receipt_ready(payment_id, url, now)?;
                }
                Ok(())
            }
            Input::ReceiptReady { payment_id, url } => self.receipt_ready(payment_id, url, now),
            Input::Battery(percent) => {
                self.battery = percent.map(|p| p.min(100));
                Ok(())
            }
            Input::JournalWriteFailed(record) => {
                self.journal_write_failed(record, now);
                Ok(())
            }
            Input::JournalWritable => {
                self.storage_failed = false;
                Ok(())
            }
            Input::PostPaymentMessage(message) => {
                self.config.post_payment_message = message.chars().take(280).collect();
                Ok(())
            }
        }
    }

    /// What the display should show now.
    pub fn screen(&self) -> Screen {
        if !self.docked {
            return Screen::Undocked;
        }
        match &self.phase {
            Phase::Paying(p) => {
                let total = p.total().unwrap_or(p.request.amount);
                return match &p.stage {
                    Stage::Tip { .. } => Screen::TipSelection {
                        amount: p.request.amount,
                        options: p.request.tip.clone().unwrap_or_default(),
                        remaining: p.remaining,
                    },
                    Stage::AwaitingCard {
                        read_failed,
                        pin_on_reader,
                        ..
                    } => Screen::AwaitingCard {
                        total,
                        tip: p.tip,
                        read_failed: *read_failed,
                        tap_allowed: self.config.tap_allowed(total),
                        pin_on_reader: *pin_on_reader,
                        remaining: p.remaining,
                    },
                    Stage::Processing { card, .. } => Screen::Processing {
                        total,
                        card: card.card.clone(),
                    },
                    Stage::WalletQr { payload, .. } => Screen::WalletQr {
                        total,
                        payload: payload.clone(),
                        remaining: p.remaining,
                    },
                };
            }
            Phase::ShowingResult {
                outcome,
                remove_card,
                ..
            } => {
                return Screen::Result {
                    outcome: outcome.clone(),
                    remove_card: *remove_card,
                };
            }
            Phase::PostPayment { .. } => {
                return Screen::PostPayment {
                    message: self.config.post_payment_message.clone(),
                    receipt: self.receipt.as_ref().map(|url| url.as_str().to_owned()),
                };
            }
            Phase::Ready => {}
        }
        match (&self.link, &self.cart) {
            (LinkState::Unpaired { pairing_uri }, _) => Screen::Pairing {
                uri: pairing_uri.clone(),
            },
            (_, Some(cart)) => Screen::Cart {
                cart: cart.clone(),
                paid: (self.cart_paid_minor > 0)
                    .then(|| Money::new(self.cart_paid_minor, cart.currency())),
            },
            (link, None) => Screen::Idle {
                waiting_for_pos: *link == LinkState::WaitingForPos,
            },
        }
    }

    fn set_docked(&mut self, docked: bool, now: Instant) {
        self.docked = docked;
        if docked {
            return;
        }
        // A payment that has not reached the gateway is cancelled: nobody is facing the screen.
        // One already authorizing runs to its end and is reported; it cannot be recalled. A
        // wallet QR stays open too: the shopper may have paid on their phone, and only the POS,
        // which hears from the wallet provider, can settle it.
        if let Phase::Paying(p) = &self.phase
            && !matches!(p.stage, Stage::Processing { .. } | Stage::WalletQr { .. })
        {
            let id = p.request.id.clone();
            let was_awaiting_card = matches!(p.stage, Stage::AwaitingCard { .. });
            self.phase = Phase::Ready;
            if was_awaiting_card {
                self.effects.push_back(Effect::DisarmReader);
            }
            self.finish(
                id,
                Outcome::Cancelled {
                    reason: CancelReason::Undocked,
                },
                now,
            );
        }
    }

    /// Replaces the cart; approved partial payments counted toward the old one are forgotten.
    fn set_cart(&mut self, cart: Option<Arc<Cart>>) {
        self.cart = cart;
        self.cart_paid_minor = 0;
    }

    /// What the cart on screen still asks for: its total less the partial payments approved
    /// toward it, never below zero (the POS may take lines off after a part was paid; what
    /// to refund is the POS's business). `None` without a cart.
    fn amount_due(&self) -> Option<Money> {
        self.cart.as_ref().map(|cart| {
            let total = cart.total();
            let due = total.minor.saturating_sub(self.cart_paid_minor).max(0);
            Money::new(due, total.currency)
        })
    }

    fn upsert_line(&mut self, item: crate::cart::LineItem) -> Result<(), CoreError> {
        match &mut self.cart {
            Some(cart) => Arc::make_mut(cart).upsert(item)?,
            None => {
                let mut cart = Cart::empty_in(item.unit_price.currency, self.tax_mode);
                cart.upsert(item)?;
                self.cart = Some(Arc::new(cart));
            }
        }
        Ok(())
    }

    fn request_payment(&mut self, request: PaymentRequest, now: Instant) -> Result<(), CoreError> {
        // Idempotency first: a known id is answered with its outcome, whatever the state.
        if let Some(outcome) = self.finished.get(&request.id) {
            self.effects.push_back(Effect::ReportOutcome {
                payment_id: request.id,
                outcome: outcome.clone(),
            });
            return Ok(());
        }
        if self.recovering.contains_key(&request.id) {
            return Err(CoreError::Recovering(request.id));
        }
        if let Phase::Paying(active) = &self.phase {
            return Err(CoreError::Busy(active.request.id.clone()));
        }
        if !self.docked {
            return Err(CoreError::Undocked);
        }
        if self.storage_failed {
            return Err(CoreError::StorageUnavailable);
        }
        if request.amount.minor <= 0 {
            return Err(CoreError::NonPositiveAmount);
        }
        let minimum = self.config.minimum_amount(request.amount.currency);
        if request.amount.minor < minimum.minor {
            return Err(CoreError::BelowMinimum(minimum));
        }
        if let Some(percent) = self
            .battery
            .filter(|p| *p < self.config.minimum_battery_percent)
        {
            return Err(CoreError::BatteryLow(percent));
        }
        if let Some(tip) = &request.tip {
            tip.validate(request.amount)?;
        }
        if !request.method.is_valid() {
            return Err(CoreError::BadWalletPayload);
        }
        let wallet = match &request.method {
            PaymentMethod::WalletQr { payload } => Some(payload.clone()),
            PaymentMethod::Card => None,
        };
        if wallet.is_some() && request.tip.is_some() {
            return Err(CoreError::TipWithWallet);
        }
        // The amount is checked against the cart on screen (in its currency): more than it asks
        // for is refused, less is a split-tender payment that shows what remains. Without a
        // cart the POS's amount stands alone, as before.
        let due = self
            .amount_due()
            .filter(|due| due.currency == request.amount.currency);
        if let Some(due) = due
            && request.amount.minor > due.minor
        {
            return Err(CoreError::AboveAmountDue {
                amount: request.amount,
                due,
            });
        }
        let remaining = due
            .map(|due| Money::new(due.minor - request.amount.minor, due.currency))
            .filter(|remaining| remaining.minor > 0);
        self.effects
            .push_back(Effect::Journal(JournalRecord::Accepted {
                payment_id: request.id.clone(),
                amount: request.amount,
            }));
        let tip = Money::zero(request.amount.currency);
        self.counted_amount = due.map(|_| request.amount);
        let mut payment = ActivePayment {
            request,
            tip,
            stage: Stage::Tip {
                deadline: now + self.config.tip_timeout,
            },
            remaining,
        };
        if let Some(payload) = wallet {
            payment.stage = Stage::WalletQr {
                deadline: now + self.config.wallet_timeout,
                payload,
            };
        } else if payment.request.tip.is_none() {
            payment.stage = self.arm_reader(&payment, now)?;
        }
        self.payment_language = payment.request.language;
        self.last_finished = None;
        self.receipt = None;
        self.phase = Phase::Paying(payment);
        Ok(())
    }

    fn arm_reader(&mut self, payment: &ActivePayment, now: Instant) -> Result<Stage, CoreError> {
        let total = payment.total()?;
        self.effects.push_back(Effect::ArmReader {
            payment_id: payment.request.id.clone(),
            total,
            tap_allowed: self.config.tap_allowed(total),
        });
        Ok(Stage::AwaitingCard {
            deadline: now + self.config.card_timeout,
            read_failed: false,
            pin_on_reader: false,
        })
    }

    fn choose_tip(
        &mut self,
        choice: TipChoice,
        name: &'static str,
        now: Instant,
    ) -> Result<(), CoreError> {
        let Phase::Paying(payment) = &self.phase else {
            return Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            });
        };
        if !matches!(payment.stage, Stage::Tip { .. }) {
            return Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            });
        }
        let options = payment.request.tip.clone().unwrap_or_default();
        let tip = options.tip_for(payment.request.amount, choice)?;
        let mut payment = payment.clone();
        payment.tip = tip;
        payment.total()?;
        payment.stage = self.arm_reader(&payment, now)?;
        self.phase = Phase::Paying(payment);
        Ok(())
    }

    fn card_presented(
        &mut self,
        card: CardRead,
        name: &'static str,
        now: Instant,
    ) -> Result<(), CoreError> {
        let Phase::Paying(payment) = &mut self.phase else {
            return Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            });
        };
        if !matches!(payment.stage, Stage::AwaitingCard { .. }) {
            return Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            });
        }
        let total = payment.total()?;
        let payment_id = payment.request.id.clone();
        let card_token = card.token.clone();
        let pending = PendingAuthorization {
            payment_id: payment_id.clone(),
            total,
            tip: payment.tip,
            card: card.card.clone(),
            entry: card.entry,
        };
        payment.stage = Stage::Processing {
            deadline: now + self.config.processing_timeout,
            card,
        };
        self.effects
            .push_back(Effect::Journal(JournalRecord::Authorizing(pending)));
        self.effects.push_back(Effect::Authorize {
            payment_id,
            total,
            card_token,
        });
        Ok(())
    }

    fn gateway_replied(
        &mut self,
        payment_id: PaymentId,
        reply: GatewayReply,
        name: &'static str,
        now: Instant,
    ) -> Result<(), CoreError> {
        let processing = matches!(
            &self.phase,
            Phase::Paying(p) if p.request.id == payment_id && matches!(p.stage, Stage::Processing { .. })
        );
        if !processing {
            // A late approval for a reversed payment must not stand.
            if self.reversed.contains_key(&payment_id)
                && matches!(reply, GatewayReply::Approved { .. })
            {
                self.effects.push_back(Effect::Reverse { payment_id });
                return Ok(());
            }
            return Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            });
        }
        let Phase::Paying(payment) = std::mem::replace(&mut self.phase, Phase::Ready) else {
            unreachable!("checked above that a payment is processing")
        };
        let Stage::Processing { card, .. } = payment.stage.clone() else {
            unreachable!("checked above that the payment is processing")
        };
        let outcome = match reply {
            GatewayReply::Approved {
                auth_code,
                reference,
            } => Outcome::Approved(Approval {
                auth_code,
                reference,
                card: card.card,
                entry: card.entry,
                total: payment.total()?,
                tip: payment.tip,
            }),
            GatewayReply::Declined(reason) => Outcome::Declined {
                reason,
                card: Some(card.card),
            },
        };
        self.finish(payment_id, outcome, now);
        if card.entry == EntryMode::Insert
            && let Phase::ShowingResult { remove_card, .. } = &mut self.phase
        {
            *remove_card = true;
            self.effects.push_back(Effect::ExpectCardRemoval);
        }
        Ok(())
    }

    /// The gateway's answer about an authorization found pending at start-up. Recorded and
    /// reported like a live answer, but the screen is left alone: nobody is waiting at it.
    fn recovered(&mut self, payment_id: PaymentId, status: GatewayStatus) -> Result<(), CoreError> {
        let pending = self
            .recovering
            .remove(&payment_id)
            .ok_or(CoreError::UnknownPayment(payment_id.clone()))?;
        let outcome = match status {
            GatewayStatus::Replied(GatewayReply::Approved {
                auth_code,
                reference,
            }) => Outcome::Approved(Approval {
                auth_code,
                reference,
                card: pending.card,
                entry: pending.entry,
                total: pending.total,
                tip: pending.tip,
            }),
            GatewayStatus::Replied(GatewayReply::Declined(reason)) => Outcome::Declined {
                reason,
                card: Some(pending.card),
            },
            GatewayStatus::NotFound => Outcome::TimedOut,
        };
        self.effects
            .push_back(Effect::Journal(JournalRecord::Final {
                payment_id: payment_id.clone(),
                outcome: outcome.clone(),
            }));
        self.effects.push_back(Effect::ReportOutcome {
            payment_id: payment_id.clone(),
            outcome: outcome.clone(),
        });
        self.remember(payment_id, outcome);
        Ok(())
    }

    fn wallet_confirmed(
        &mut self,
        payment_id: PaymentId,
        reference: String,
        name: &'static str,
        now: Instant,
    ) -> Result<(), CoreError> {
        let total = match &self.phase {
            Phase::Paying(p)
                if p.request.id == payment_id && matches!(p.stage, Stage::WalletQr { .. }) =>
            {
                p.request.amount
            }
            Phase::Paying(p) if p.request.id != payment_id => {
                return Err(CoreError::UnknownPayment(payment_id));
            }
            other => {
                return Err(CoreError::InvalidTransition {
                    input: name,
                    state: other.name(),
                });
            }
        };
        self.phase = Phase::Ready;
        let reference = reference.chars().take(64).collect();
        self.finish(
            payment_id,
            Outcome::WalletApproved { reference, total },
            now,
        );
        Ok(())
    }

    fn pos_cancel(
        &mut self,
        id: PaymentId,
        name: &'static str,
        now: Instant,
    ) -> Result<(), CoreError> {
        match &self.phase {
            Phase::Paying(p) if p.request.id == id => {
                self.cancel_active(CancelReason::Pos, name, now)
            }
            Phase::Paying(_) => Err(CoreError::UnknownPayment(id)),
            // Cancelling a finished payment cancels nothing: the refusal carries the recorded
            // outcome, so a POS never mistakes an approved sale for a cancelled one.
            _ => match self.finished.get(&id) {
                Some(outcome) => Err(CoreError::AlreadyFinished(id, Box::new(outcome.clone()))),
                None => Err(CoreError::UnknownPayment(id)),
            },
        }
    }

    fn shopper_cancel(&mut self, name: &'static str, now: Instant) -> Result<(), CoreError> {
        self.cancel_active(CancelReason::Shopper, name, now)
    }

    fn cancel_active(
        &mut self,
        reason: CancelReason,
        name: &'static str,
        now: Instant,
    ) -> Result<(), CoreError> {
        let Phase::Paying(payment) = &self.phase else {
            return Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            });
        };
        match payment.stage {
            // Once the authorization is out, only its answer (or its timeout) ends the payment.
            Stage::Processing { .. } => Err(CoreError::InvalidTransition {
                input: name,
                state: self.phase.name(),
            }),
            Stage::Tip { .. } | Stage::AwaitingCard { .. } | Stage::WalletQr { .. } => {
                let id = payment.request.id.clone();
                if matches!(payment.stage, Stage::AwaitingCard { .. }) {
                    self.effects.push_back(Effect::DisarmReader);
                }
                self.phase = Phase::Ready;
                self.finish(id, Outcome::Cancelled { reason }, now);
                Ok(())
            }
        }
    }

    /// Records the final outcome (journal first), reports it and shows it.
    fn finish(&mut self, payment_id: PaymentId, outcome: Outcome, now: Instant) {
        self.effects
            .push_back(Effect::Journal(JournalRecord::Final {
                payment_id: payment_id.clone(),
                outcome: outcome.clone(),
            }));
        self.effects.push_back(Effect::ReportOutcome {
            payment_id: payment_id.clone(),
            outcome: outcome.clone(),
        });
        self.remember(payment_id.clone(), outcome.clone());
        if let Some(counted) = self.counted_amount.take()
            && outcome.is_approved()
        {
            self.cart_paid_minor = self.cart_paid_minor.saturating_add(counted.minor);
        }
        self.last_finished = Some(payment_id);
        self.receipt = None;
        self.phase = Phase::ShowingResult {
            outcome,
            until: now + self.config.result_display,
            remove_card: false,
            paid_cart: self.cart.clone(),
        };
    }

    /// How long the post-payment screen stays: longer with a receipt to scan.
    fn post_payment_time(&self) -> std::time::Duration {
        if self.receipt.is_some() {
            self.config.receipt_display
        } else {
            self.config.post_payment_display
        }
    }

    /// The POS's receipt for the payment just approved. On the result it waits for the
    /// post-payment screen, which then stays for `receipt_display`; on the post-payment screen
    /// it shows at once for that long; back on the idle screen (the shopper may still be at the
    /// counter) the post-payment screen comes back with it. Once another cart or payment is up
    /// it is too late, and the POS is told so.
    fn receipt_ready(
        &mut self,
        payment_id: PaymentId,
        url: ReceiptUrl,
        now: Instant,
    ) -> Result<(), CoreError> {
        match self.finished.get(&payment_id) {
            Some(outcome) if outcome.is_approved() => {}
            Some(_) => return Err(CoreError::ReceiptNotApproved(payment_id)),
            None if self.active_payment() == Some(&payment_id) => {
                return Err(CoreError::ReceiptNotApproved(payment_id));
            }
            None => return Err(CoreError::ReceiptUnknownPayment(payment_id)),
        }
        if self.last_finished.as_ref() != Some(&payment_id) {
            return Err(CoreError::ReceiptTooLate(payment_id));
        }
        // A part of a split payment: the cart comes back after its result, not this screen.
        let part_paid =
            self.cart_paid_minor > 0 && self.amount_due().is_some_and(|due| due.minor > 0);
        match &mut self.phase {
            Phase::ShowingResult { .. } if !part_paid => {}
            Phase::PostPayment { until } => *until = now + self.config.receipt_display,
            Phase::Ready if !self.docked => return Err(CoreError::Undocked),
            Phase::Ready if self.cart.is_none() => {
                self.phase = Phase::PostPayment {
                    until: now + self.config.receipt_display,
                };
            }
            _ => return Err(CoreError::ReceiptTooLate(payment_id)),
        }
        self.receipt = Some(url);
        Ok(())
    }

    /// A record was not saved. A lost `Final` is held and retried by the journal's owner (the
    /// outcome stands; after a crash the `Authorizing` record makes the gateway tell it again).
    /// A lost `Accepted` or `Authorizing` record means the payment could not be recovered after
    /// a crash, so it stops here, before its authorization leaves: the effects queued behind the
    /// record are dropped and the payment ends as cancelled, nothing charged.
    fn journal_write_failed(&mut self, record: JournalRecord, now: Instant) {
        self.storage_failed = true;
        let id = match &record {
            JournalRecord::Final { .. } => return,
            JournalRecord::Accepted { payment_id, .. } => payment_id.clone(),
            JournalRecord::Authorizing(pending) => pending.payment_id.clone(),
        };
        if self.active_payment() != Some(&id) {
            return;
        }
        self.effects.retain(|effect| match effect {
            Effect::ArmReader { payment_id, .. } | Effect::Authorize { payment_id, .. } => {
                *payment_id != id
            }
            _ => true,
        });
        // An inserted card is still in the reader once it was read: ask for it back.
        let card_inserted = matches!(
            &self.phase,
            Phase::Paying(ActivePayment {
                stage: Stage::Processing { card, .. },
                ..
            }) if card.entry == EntryMode::Insert
        );
        self.effects.push_back(Effect::DisarmReader);
        self.phase = Phase::Ready;
        self.finish(
            id,
            Outcome::Cancelled {
                reason: CancelReason::StorageFailed,
            },
            now,
        );
        if card_inserted && let Phase::ShowingResult { remove_card, .. } = &mut self.phase {
            *remove_card = true;
            self.effects.push_back(Effect::ExpectCardRemoval);
        }
    }

    fn remember(&mut self, payment_id: PaymentId, outcome: Outcome) {
        if self.finished.insert(payment_id.clone(), outcome).is_none() {
            self.finished_order.push_back(payment_id);
        }
        while self.finished_order.len() > self.config.remembered_outcomes {
            if let Some(old) = self.finished_order.pop_front() {
                self.finished.remove(&old);
            }
        }
    }
}
