//! The plain data the UI adapter renders. Built by the orchestrator from the core's `Screen`
//! and the display settings; it holds no toolkit types so it can cross threads and be compared.

use std::path::PathBuf;

use countertop_core::{Language, Protection, Rotation, Screen, Terminal};

use crate::config::AppConfig;

/// Accepted payment methods the display can show, in the UI's naming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Logo {
    #[serde(rename = "visa")]
    Visa,
    #[serde(rename = "mastercard")]
    Mastercard,
    #[serde(rename = "amex")]
    Amex,
    #[serde(rename = "discover")]
    Discover,
    #[serde(rename = "diners")]
    Diners,
    #[serde(rename = "interac")]
    Interac,
    #[serde(rename = "unionpay")]
    UnionPay,
    #[serde(rename = "apple-pay")]
    ApplePay,
    #[serde(rename = "google-pay")]
    GooglePay,
    #[serde(rename = "wechat-pay")]
    WeChatPay,
    #[serde(rename = "alipay")]
    Alipay,
}

impl Logo {
    pub fn from_name(name: &str) -> Option<Logo> {
        Some(match name {
            "visa" => Logo::Visa,
            "mastercard" => Logo::Mastercard,
            "amex" => Logo::Amex,
            "discover" => Logo::Discover,
            "diners" => Logo::Diners,
            "interac" => Logo::Interac,
            "unionpay" => Logo::UnionPay,
            "apple-pay" => Logo::ApplePay,
            "google-pay" => Logo::GooglePay,
            "wechat-pay" => Logo::WeChatPay,
            "alipay" => Logo::Alipay,
            _ => return None,
        })
    }
}

/// Merchant choices for the standby screen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DisplaySettings {
    pub store_name: String,
    pub show_logos: bool,
    pub logos: Vec<Logo>,
    pub idle_image: Option<PathBuf>,
    /// The language of the shopper screens when a payment does not ask for another. Files
    /// saved before languages existed load as English.
    #[serde(default)]
    pub customer_language: Language,
    /// The rotation in force: one chosen on the panel, else the configuration's. Not part of
    /// this record on disk: `SavedDisplay::rotation` keeps only a choice made on the terminal,
    /// so an older file (or a POS push) never overrides the configuration with a default.
    #[serde(skip)]
    pub rotation: Rotation,
    /// The backlight's brightness in percent, set on the panel (5 to 100; files saved before
    /// it existed load at full brightness).
    #[serde(default = "full_brightness")]
    pub brightness_percent: u8,
    /// The high-contrast theme (every text at least 7:1 against its background), for shoppers
    /// with low vision. Files saved before it existed load as off.
    #[serde(default)]
    pub high_contrast: bool,
    /// Larger type on every screen.
    #[serde(default)]
    pub large_text: bool,
}

fn full_brightness() -> u8 {
    100
}

/// The lowest brightness the panel offers: a screen turned fully dark from the panel could
/// not be found again to turn it back up.
pub const MIN_BRIGHTNESS_PERCENT: u8 = 5;

impl DisplaySettings {
    pub fn from_config(config: &AppConfig) -> Self {
        let logos = config
            .display
            .logos
            .iter()
            .filter_map(|name| {
                let logo = Logo::from_name(name);
                if logo.is_none() {
                    tracing::warn!(%name, "unknown payment logo in the configuration, skipped");
                }
                logo
            })
            .collect();
        DisplaySettings {
            store_name: config.store_name.clone(),
            show_logos: config.display.show_logos,
            logos,
            idle_image: config.display.idle_image.clone(),
            customer_language: config.display.language,
            rotation: config.display.rotation,
            brightness_percent: full_brightness(),
            high_contrast: false,
            large_text: false,
        }
    }
}

/// What pairing staff need to see next to the QR.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PairingInfo {
    pub address: String,
    pub terminal_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewState {
    pub screen: Screen,
    pub display: DisplaySettings,
    pub pairing: PairingInfo,
    /// The language in effect: the payment's own if the POS asked for one, else the default.
    pub language: Language,
    /// The journal cannot save records: payments are paused and the idle and cart screens say
    /// so (staff must free storage; a shopper must not wait for a payment that cannot start).
    pub payments_paused: bool,
    /// The idle screen's burn-in guard and night schedule: where its content sits, how bright
    /// it is, whether the screen is off.
    pub protection: Protection,
    /// A backlight the panel's brightness slider can set.
    pub backlight: bool,
}

impl ViewState {
    pub fn of(terminal: &Terminal, display: &DisplaySettings, pairing: &PairingInfo) -> Self {
        ViewState {
            screen: terminal.screen(),
            display: display.clone(),
            pairing: pairing.clone(),
            language: terminal.language().unwrap_or(display.customer_language),
            payments_paused: terminal.payments_paused_for_storage(),
            protection: Protection::default(),
            backlight: false,
        }
    }
}
