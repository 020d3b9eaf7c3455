use countertop_core::Screen as CoreScreen;
use slint::ComponentHandle;

use super::{MainWindow, Screen, StatusAdapter};
use crate::view::ViewState;

pub fn map_screen(screen: &CoreScreen) -> Screen {
    match screen {
        CoreScreen::Undocked => Screen::Undocked,
        CoreScreen::Pairing { .. } => Screen::Pairing,
        CoreScreen::Idle { .. } => Screen::Idle,
        CoreScreen::Cart { .. } => Screen::Cart,
        CoreScreen::TipSelection { .. } => Screen::Tip,
        CoreScreen::AwaitingCard { .. } => Screen::Card,
        CoreScreen::Processing { .. } => Screen::Processing,
        CoreScreen::WalletQr { .. } => Screen::Wallet,
        CoreScreen::Result { .. } => Screen::Result,
        CoreScreen::PostPayment { .. } => Screen::PostPayment,
    }
}

pub fn apply(window: &MainWindow, view: &ViewState) {
    let status = window.global::<StatusAdapter>();
    status.set_screen(map_screen(&view.screen));
    status.set_waiting_for_pos(matches!(
        view.screen,
        CoreScreen::Idle {
            waiting_for_pos: true
        }
    ));
    status.set_store_name(view.display.store_name.as_str().into());
    status.set_store_name_wrapped(
        super::line_breaks::keep_last_words_together(&view.display.store_name).into(),
    );
    status.set_payments_paused(view.payments_paused);
}
