//! The staff panel's actor: the admin PIN gate, the network (through the NetworkManager
//! actor), Wi-Fi joins and the POS pairing reset. It is separate from the payment
//! orchestrator on purpose: nothing staff do here can hold up a payment, and the panel never
//! sees cart or shopper data.

mod actor;
mod samples;
mod view;

pub use actor::{IDLE_CLOSE, SettingsActor, SettingsPorts, SettingsSink};
pub use samples::sample_settings_views;
pub use view::{JoinProgress, NetworkPanel, PinChangeState, PinPromptState, SettingsView};

/// What staff did in the panel. UI callbacks only send these.
#[derive(Clone, PartialEq, Eq)]
pub enum SettingsCommand {
    Opened,
    Closed,
    Pin(String),
    ChangePin {
        new: String,
        repeated: String,
    },
    ScanWifi,
    JoinWifi {
        ssid: String,
        password: String,
    },
    ForgetWifi {
        ssid: String,
    },
    ResetPairing,
    /// The shopper screens' default language.
    SetLanguage(countertop_core::Language),
    /// How the panel is mounted (the display restarts to take it on).
    SetRotation(countertop_core::Rotation),
    /// The shopper screens' high-contrast theme.
    SetHighContrast(bool),
    /// The shopper screens' larger text.
    SetLargeText(bool),
}

// Written by hand so that neither a PIN nor a Wi-Fi password can reach a log line.
impl std::fmt::Debug for SettingsCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsCommand::Opened => f.write_str("Opened"),
            SettingsCommand::Closed => f.write_str("Closed"),
            SettingsCommand::Pin(_) => f.write_str("Pin(<redacted>)"),
            SettingsCommand::ChangePin { .. } => f.write_str("ChangePin(<redacted>)"),
            SettingsCommand::ScanWifi => f.write_str("ScanWifi"),
            SettingsCommand::JoinWifi { ssid, .. } => write!(f, "JoinWifi({ssid:?}, <redacted>)"),
            SettingsCommand::ForgetWifi { ssid } => write!(f, "ForgetWifi({ssid:?})"),
            SettingsCommand::ResetPairing => f.write_str("ResetPairing"),
            SettingsCommand::SetLanguage(language) => write!(f, "SetLanguage({language:?})"),
            SettingsCommand::SetRotation(rotation) => write!(f, "SetRotation({rotation:?})"),
            SettingsCommand::SetHighContrast(on) => write!(f, "SetHighContrast({on})"),
            SettingsCommand::SetLargeText(on) => write!(f, "SetLargeText({on})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SettingsCommand;

    #[test]
    fn secrets_never_reach_debug_output() {
        let commands = [
            SettingsCommand::Pin("2580".into()),
            SettingsCommand::ChangePin {
                new: "2580".into(),
                repeated: "2580".into(),
            },
            SettingsCommand::JoinWifi {
                ssid: "Shop".into(),
                password: "hunter2-secret".into(),
            },
        ];
        for command in commands {
            let text = format!("{command:?}");
            assert!(
                !text.contains("2580") && !text.contains("hunter2"),
                "{text}"
            );
        }
    }
}
