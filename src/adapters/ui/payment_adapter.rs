use countertop_core::{
    CancelReason, Currency, DeclineReason, Language, Money, Outcome, Screen as CoreScreen,
    TipChoice,
};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::format::{format_money, format_percent};
use super::{CancelKind, DeclineKind, MainWindow, PaymentAdapter, ResultKind, TipButton};

pub fn map_decline(reason: DeclineReason) -> DeclineKind {
    match reason {
        DeclineReason::InsufficientFunds => DeclineKind::InsufficientFunds,
        DeclineReason::DoNotHonor => DeclineKind::DoNotHonor,
        DeclineReason::ExpiredCard => DeclineKind::ExpiredCard,
        DeclineReason::CardNotSupported => DeclineKind::CardNotSupported,
    }
}

pub fn map_cancel(reason: CancelReason) -> CancelKind {
    match reason {
        CancelReason::Shopper => CancelKind::Shopper,
        CancelReason::Pos => CancelKind::Pos,
        CancelReason::Undocked => CancelKind::Undocked,
        CancelReason::NoResponse => CancelKind::NoResponse,
        CancelReason::Restarted => CancelKind::Restarted,
        CancelReason::StorageFailed => CancelKind::StorageFailed,
    }
}

/// Lets the tip keypads format what the shopper types (`PaymentAdapter.format-minor`) the way
/// every other amount is formatted. Set once per window.
pub fn install_formatter(window: &MainWindow) {
    window
        .global::<PaymentAdapter>()
        .on_format_money(|minor, currency, language| {
            let Ok(currency) = Currency::from_code(&currency) else {
                return Default::default();
            };
            let language = Language::from_tag(&language).unwrap_or_default();
            format_money(Money::new(i64::from(minor), currency), language).into()
        });
}

/// Sets what the payment screens show, in `language`. Screens without payment data leave it
/// alone.
pub fn apply(window: &MainWindow, screen: &CoreScreen, language: Language) {
    let format_money = |money: Money| format_money(money, language);
    let adapter = window.global::<PaymentAdapter>();
    adapter.set_language(language.tag().into());
    match screen {
        CoreScreen::TipSelection {
            amount,
            options,
            remaining,
        } => {
            set_remaining(&adapter, *remaining, language);
            adapter.set_amount(format_money(*amount).into());
            adapter.set_total(format_money(*amount).into());
            adapter.set_allow_custom(options.allow_custom);
            adapter.set_tip_entry(0);
            adapter.set_amount_minor(i32::try_from(amount.minor).unwrap_or(i32::MAX / 4));
            adapter.set_currency(amount.currency.code().into());
            adapter.set_has_tip(false);
            let buttons: Vec<TipButton> = options
                .presets()
                .into_iter()
                .filter_map(|choice| {
                    let tip = options.tip_for(*amount, choice).ok()?;
                    let label = match choice {
                        TipChoice::Percent(bp) => format_percent(bp, language),
                        _ => format_money(tip),
                    };
                    let subtext = match choice {
                        TipChoice::Percent(_) => format!("+{}", format_money(tip)),
                        _ => String::new(),
                    };
                    Some(TipButton {
                        label: label.into(),
                        amount: subtext.into(),
                    })
                })
                .collect();
            adapter.set_tip_buttons(ModelRc::new(VecModel::from(buttons)));
        }
        CoreScreen::AwaitingCard {
            total,
            tip,
            read_failed,
            tap_allowed,
            pin_on_reader,
            remaining,
        } => {
            set_remaining(&adapter, *remaining, language);
            adapter.set_pin_on_reader(*pin_on_reader);
            adapter.set_tap_allowed(*tap_allowed);
            adapter.set_total(format_money(*total).into());
            adapter.set_tip(format_money(*tip).into());
            adapter.set_has_tip(!tip.is_zero());
            adapter.set_read_failed(*read_failed);
        }
        CoreScreen::Processing { total, card } => {
            adapter.set_total(format_money(*total).into());
            adapter.set_card(card.display().into());
        }
        CoreScreen::Result {
            outcome,
            remove_card,
        } => {
            adapter.set_remove_card(*remove_card);
            apply_outcome(&adapter, outcome, language);
        }
        CoreScreen::WalletQr {
            total,
            payload,
            remaining,
        } => {
            set_remaining(&adapter, *remaining, language);
            adapter.set_total(format_money(*total).into());
            match super::pairing_adapter::qr_image(payload) {
                Ok(image) => adapter.set_wallet_qr(image),
                Err(error) => tracing::error!(%error, "wallet QR not shown"),
            }
        }
        CoreScreen::PostPayment { message, receipt } => {
            adapter.set_post_payment_message(message.as_str().into());
            adapter.set_post_payment_message_wrapped(
                super::line_breaks::keep_last_words_together(message).into(),
            );
            let qr = receipt
                .as_deref()
                .map(super::pairing_adapter::qr_image)
                .transpose();
            match qr {
                Ok(Some(image)) => {
                    adapter.set_receipt_qr(image);
                    adapter.set_has_receipt(true);
                }
                Ok(None) => adapter.set_has_receipt(false),
                Err(error) => {
                    tracing::error!(%error, "receipt QR not shown");
                    adapter.set_has_receipt(false);
                }
            }
        }
        CoreScreen::Undocked
        | CoreScreen::Pairing { .. }
        | CoreScreen::Idle { .. }
        | CoreScreen::Cart { .. } => {}
    }
}

/// A split-tender payment says "To pay now" and what the cart still asks for after it.
fn set_remaining(adapter: &PaymentAdapter<'_>, remaining: Option<Money>, language: Language) {
    adapter.set_partial(remaining.is_some());
    adapter.set_remaining(
        remaining
            .map(|money| format_money(money, language))
            .unwrap_or_default()
            .into(),
    );
}

fn apply_outcome(adapter: &PaymentAdapter<'_>, outcome: &Outcome, language: Language) {
    let format_money = |money: Money| format_money(money, language);
    match outcome {
        Outcome::WalletApproved { reference, total } => {
            adapter.set_result(ResultKind::Approved);
            adapter.set_paid_by_wallet(true);
            adapter.set_total(format_money(*total).into());
            adapter.set_auth_code(reference.as_str().into());
        }
        Outcome::Approved(approval) => {
            adapter.set_result(ResultKind::Approved);
            adapter.set_paid_by_wallet(false);
            adapter.set_total(format_money(approval.total).into());
            adapter.set_card(approval.card.display().into());
            adapter.set_auth_code(approval.auth_code.as_str().into());
        }
        Outcome::Declined { reason, card } => {
            adapter.set_result(ResultKind::Declined);
            adapter.set_decline_reason(map_decline(*reason));
            adapter.set_card(
                card.as_ref()
                    .map(|c| c.display())
                    .unwrap_or_default()
                    .into(),
            );
        }
        Outcome::Cancelled { reason } => {
            adapter.set_result(ResultKind::Cancelled);
            adapter.set_cancel_reason(map_cancel(*reason));
        }
        Outcome::TimedOut => adapter.set_result(ResultKind::TimedOut),
    }
}
