use countertop_core::Language;
use countertop_core::admin_pin::PinRuleError;
use slint::ComponentHandle;
use tokio::sync::mpsc;

use super::{
    AccessibilityAdapter, MainWindow, NetworkAdapter, PinChange, PinPrompt, SettingsAdapter,
    network_adapter, pairing_adapter,
};
use crate::settings::{PinChangeState, PinPromptState, SettingsCommand, SettingsView};

pub fn apply(window: &MainWindow, previous: Option<&SettingsView>, view: &SettingsView) {
    let adapter = window.global::<SettingsAdapter>();
    if previous.is_some_and(|p| p.auto_closes != view.auto_closes) {
        adapter.set_open(false);
    }
    adapter.set_unlocked(view.unlocked);
    let (prompt, tries_left, seconds) = match view.pin {
        PinPromptState::Enter => (PinPrompt::Enter, 0, 0),
        PinPromptState::Checking => (PinPrompt::Checking, 0, 0),
        PinPromptState::Wrong { tries_left } => (PinPrompt::Wrong, tries_left, 0),
        PinPromptState::LockedOut { seconds } => (PinPrompt::LockedOut, 0, seconds),
    };
    adapter.set_pin_prompt(prompt);
    adapter.set_tries_left(i32::try_from(tries_left).unwrap_or(0));
    adapter.set_lockout_seconds(i32::try_from(seconds).unwrap_or(i32::MAX));
    adapter.set_default_pin(view.default_pin);
    adapter.set_pin_change(match view.pin_change {
        PinChangeState::Idle => PinChange::Idle,
        PinChangeState::Saving => PinChange::Saving,
        PinChangeState::Saved => PinChange::Saved,
        PinChangeState::Mismatch => PinChange::Mismatch,
        PinChangeState::Refused(PinRuleError::Length) => PinChange::TooShort,
        PinChangeState::Refused(PinRuleError::NotDigits) => PinChange::NotDigits,
        PinChangeState::Refused(PinRuleError::TooSimple) => PinChange::TooSimple,
        PinChangeState::Refused(PinRuleError::Default) => PinChange::SameAsDefault,
        PinChangeState::Failed => PinChange::Failed,
    });
    adapter.set_paired(view.pos.paired_pos.is_some());
    adapter.set_pos_name(view.pos.paired_pos.clone().unwrap_or_default().into());
    adapter.set_pos_connected(view.pos.connected);
    let uri_changed = previous.map(|p| &p.pos.pairing_uri) != Some(&view.pos.pairing_uri);
    if let (true, Some(uri)) = (uri_changed, &view.pos.pairing_uri) {
        match pairing_adapter::qr_image(uri) {
            Ok(image) => adapter.set_pairing_qr(image),
            Err(error) => tracing::error!(%error, "pairing QR not shown in the panel"),
        }
        if let Ok(parsed) = countertop_core::pairing::PairingUri::parse(uri) {
            adapter.set_pairing_address(parsed.address_text().into());
        }
    }
    let ports: Vec<String> = view
        .ports
        .iter()
        .map(|(name, port)| format!("{port} ({name})"))
        .collect();
    adapter.set_ports(ports.join(", ").into());
    let nexo = view.ports.iter().find(|(name, _)| *name == "nexo");
    adapter.set_nexo_port(nexo.map_or(0, |(_, port)| i32::from(*port)));
    network_adapter::apply(window, previous.map(|p| &p.network), &view.network);
}

/// Sends panel callbacks to the settings actor as `SettingsCommand`s.
pub fn wire(window: &MainWindow, commands: mpsc::UnboundedSender<SettingsCommand>) {
    let adapter = window.global::<SettingsAdapter>();
    let send = move |tx: &mpsc::UnboundedSender<SettingsCommand>, command| {
        let _ = tx.send(command);
    };
    let tx = commands.clone();
    adapter.on_opened(move || send(&tx, SettingsCommand::Opened));
    let tx = commands.clone();
    adapter.on_closed(move || send(&tx, SettingsCommand::Closed));
    let tx = commands.clone();
    adapter.on_pin_entered(move |pin| send(&tx, SettingsCommand::Pin(pin.into())));
    let tx = commands.clone();
    adapter.on_change_pin(move |new, repeated| {
        send(
            &tx,
            SettingsCommand::ChangePin {
                new: new.into(),
                repeated: repeated.into(),
            },
        )
    });
    let tx = commands.clone();
    adapter.on_reset_pairing(move || send(&tx, SettingsCommand::ResetPairing));
    let names: Vec<slint::SharedString> = Language::ALL
        .iter()
        .map(|l| l.native_name().into())
        .collect();
    adapter.set_languages(slint::ModelRc::new(slint::VecModel::from(names)));
    let tx = commands.clone();
    adapter.on_choose_language(move |index| {
        if let Some(language) = usize::try_from(index)
            .ok()
            .and_then(|i| Language::ALL.get(i))
        {
            send(&tx, SettingsCommand::SetLanguage(*language));
        }
    });
    let tx = commands.clone();
    adapter.on_choose_rotation(move |degrees| {
        match countertop_core::Rotation::from_degrees(i64::from(degrees)) {
            Ok(rotation) => send(&tx, SettingsCommand::SetRotation(rotation)),
            Err(error) => tracing::warn!(%error, "rotation button with no rotation"),
        }
    });
    let accessibility = window.global::<AccessibilityAdapter>();
    let tx = commands.clone();
    accessibility.on_set_high_contrast(move |on| send(&tx, SettingsCommand::SetHighContrast(on)));
    let tx = commands.clone();
    accessibility.on_set_large_text(move |on| send(&tx, SettingsCommand::SetLargeText(on)));
    let network = window.global::<NetworkAdapter>();
    let tx = commands.clone();
    network.on_scan(move || send(&tx, SettingsCommand::ScanWifi));
    let tx = commands.clone();
    network.on_join(move |ssid, password| {
        send(
            &tx,
            SettingsCommand::JoinWifi {
                ssid: ssid.into(),
                password: password.into(),
            },
        )
    });
    network
        .on_forget(move |ssid| send(&commands, SettingsCommand::ForgetWifi { ssid: ssid.into() }));
    network.on_without_last_char(|text| {
        let mut text = text.to_string();
        text.pop();
        text.into()
    });
}
