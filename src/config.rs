//! The terminal's configuration file (`/etc/countertop/countertop.toml` on the device).

use std::path::{Path, PathBuf};
use std::time::Duration;

use countertop_core::{Currency, Money, TerminalConfig};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AppConfig {
    pub store_name: String,
    pub currency: String,
    pub terminal_id: String,
    /// The store and location this terminal belongs to; a POS of another one cannot pair.
    pub store_id: String,
    pub location_id: String,
    pub display: DisplayConfig,
    pub timing: TimingConfig,
    pub dock: crate::adapters::dock::DockSettings,
    pub battery: crate::adapters::battery::BatterySettings,
    pub payments: PaymentRules,
    pub network: NetworkSettings,
    pub simulator: SimulatorSettings,
    /// The optional nexo Terminal API listener (Adyen's local dialect); off by default.
    pub nexo: crate::nexo_config::NexoConfig,
    pub screen: crate::screen_config::ScreenConfig,
}

/// The card reader and gateway simulators (the terminal's stand-ins until a certified reader
/// and an acquirer are integrated). The command line's `--sim-*` flags override these.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatorSettings {
    /// Test cards the reader presents in turn (approve, insufficient-funds, decline, no-answer).
    pub cards: Option<Vec<String>>,
    /// Milliseconds before the reader presents a card.
    pub card_delay_ms: Option<u64>,
    /// Milliseconds the gateway takes to answer.
    pub gateway_latency_ms: Option<u64>,
    /// Keep the gateway's records in this file, so they survive a power cut as an acquirer's
    /// would (the device's writable place is /var/lib/countertop).
    pub gateway_ledger: Option<PathBuf>,
}

/// NetworkManager, as the staff panel uses it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSettings {
    /// Off: the panel says network management is off and never touches D-Bus.
    pub enabled: bool,
    /// NetworkManager's bus; empty means the system bus.
    pub bus_address: String,
    /// The dock's ethernet interface; empty: every ethernet profile counts as the dock's.
    pub dock_interface: String,
    /// Lower wins: the dock's ethernet carries traffic whenever its cable is in.
    pub ethernet_route_metric: u32,
    pub wifi_route_metric: u32,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        let d = countertop_network::NetworkConfig::default();
        NetworkSettings {
            enabled: true,
            bus_address: String::new(),
            dock_interface: String::new(),
            ethernet_route_metric: d.ethernet_route_metric,
            wifi_route_metric: d.wifi_route_metric,
        }
    }
}

impl NetworkSettings {
    /// The NetworkManager actor's configuration, or `None` when management is off.
    pub fn actor_config(&self) -> Option<countertop_network::NetworkConfig> {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        self.enabled.then(|| countertop_network::NetworkConfig {
            bus_address: non_empty(&self.bus_address),
            ethernet_route_metric: self.ethernet_route_metric,
            wifi_route_metric: self.wifi_route_metric,
            dock_interface: non_empty(&self.dock_interface),
        })
    }
}

/// Merchant payment rules. Amounts are decimal strings in the currency ("0.50").
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentRules {
    /// Smallest payment, in the configured currency's major unit; applies in every currency.
    pub minimum_amount: String,
    /// Below this charge no payment starts.
    pub minimum_battery_percent: u8,
    /// Above these amounts the card must be inserted, by ISO 4217 code.
    pub contactless_limits: std::collections::BTreeMap<String, String>,
}

impl Default for PaymentRules {
    fn default() -> Self {
        PaymentRules {
            minimum_amount: "0.50".into(),
            minimum_battery_percent: 10,
            contactless_limits: std::collections::BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayConfig {
    pub show_logos: bool,
    /// Logos in display order, by name: visa, mastercard, amex, discover, diners, interac,
    /// unionpay, apple-pay, google-pay, wechat-pay, alipay.
    pub logos: Vec<String>,
    pub post_payment_message: String,
    /// The merchant's standby picture; the built-in one is used when unset.
    pub idle_image: Option<PathBuf>,
    /// The shopper screens' default language (BCP 47: en, nl, sv, zh-TW, zh-CN); the POS can
    /// change it, and ask for another per payment.
    pub language: countertop_core::Language,
    /// How the panel is mounted: 0, 90, 180 or 270 degrees clockwise (90 and 270 turn a
    /// landscape panel into a portrait display). A rotation chosen on the staff panel wins.
    pub rotation: countertop_core::Rotation,
}

/// Seconds for each step of the shopper flow.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TimingConfig {
    pub tip_timeout_s: u64,
    pub card_timeout_s: u64,
    pub processing_timeout_s: u64,
    pub result_display_s: u64,
    pub post_payment_display_s: u64,
    /// How long the post-payment screen shows a digital receipt's QR.
    pub receipt_display_s: u64,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            store_name: "Corner Café".into(),
            currency: "EUR".into(),
            terminal_id: "CT-0001".into(),
            store_id: "S-1".into(),
            location_id: "L-1".into(),
            display: DisplayConfig::default(),
            timing: TimingConfig::default(),
            dock: Default::default(),
            battery: Default::default(),
            payments: PaymentRules::default(),
            network: NetworkSettings::default(),
            simulator: SimulatorSettings::default(),
            nexo: Default::default(),
            screen: Default::default(),
        }
    }
}

impl Default for DisplayConfig {
    fn default() -> Self {
        DisplayConfig {
            show_logos: true,
            logos: [
                "visa",
                "mastercard",
                "amex",
                "apple-pay",
                "google-pay",
                "wechat-pay",
                "alipay",
            ]
            .map(String::from)
            .to_vec(),
            post_payment_message: "Thank you for shopping with us!".into(),
            idle_image: None,
            language: countertop_core::Language::English,
            rotation: countertop_core::Rotation::Deg0,
        }
    }
}

impl Default for TimingConfig {
    fn default() -> Self {
        let d = TerminalConfig::default();
        TimingConfig {
            tip_timeout_s: d.tip_timeout.as_secs(),
            card_timeout_s: d.card_timeout.as_secs(),
            processing_timeout_s: d.processing_timeout.as_secs(),
            result_display_s: d.result_display.as_secs(),
            post_payment_display_s: d.post_payment_display.as_secs(),
            receipt_display_s: d.receipt_display.as_secs(),
        }
    }
}

impl AppConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: AppConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |message: String| ConfigError::Parse {
            path: path.to_owned(),
            message,
        };
        Currency::from_code(&config.currency).map_err(|e| invalid(e.to_string()))?;
        config
            .minimum_hundredths()
            .map_err(|e| invalid(format!("payments.minimum_amount: {e}")))?;
        config
            .contactless_limits()
            .map_err(|e| invalid(format!("payments.contactless_limits: {e}")))?;
        config.nexo.check().map_err(invalid)?;
        config.screen.check().map_err(invalid)?;
        Ok(config)
    }

    pub fn currency(&self) -> Currency {
        // Checked in `parse`; the default is a known code.
        Currency::from_code(&self.currency)
            .unwrap_or_else(|_| Currency::from_code("EUR").expect("EUR is a known currency"))
    }

    /// The minimum amount in hundredths of a major unit (currency-independent).
    fn minimum_hundredths(&self) -> Result<i64, countertop_core::MoneyError> {
        let cents = Currency::from_code("EUR").expect("EUR is a known currency");
        Money::parse_decimal(&self.payments.minimum_amount, cents).map(|m| m.minor)
    }

    fn contactless_limits(&self) -> Result<Vec<(Currency, i64)>, countertop_core::MoneyError> {
        self.payments
            .contactless_limits
            .iter()
            .map(|(code, amount)| {
                let currency = Currency::from_code(code)?;
                Ok((currency, Money::parse_decimal(amount, currency)?.minor))
            })
            .collect()
    }

    /// The nexo listener's settings, or `None` when it is off. A payment request waits longer
    /// than the terminal's own tip, card and processing timeouts, which end every payment first.
    pub fn nexo_settings(&self, state_dir: &Path) -> Option<crate::adapters::nexo::NexoSettings> {
        let t = &self.timing;
        let deadline = t.tip_timeout_s + t.card_timeout_s + t.processing_timeout_s + 30;
        self.nexo
            .settings(&self.terminal_id, Duration::from_secs(deadline), state_dir)
    }

    pub fn terminal_config(&self) -> TerminalConfig {
        let t = &self.timing;
        TerminalConfig {
            tip_timeout: Duration::from_secs(t.tip_timeout_s),
            card_timeout: Duration::from_secs(t.card_timeout_s),
            processing_timeout: Duration::from_secs(t.processing_timeout_s),
            result_display: Duration::from_secs(t.result_display_s),
            post_payment_display: Duration::from_secs(t.post_payment_display_s),
            receipt_display: Duration::from_secs(t.receipt_display_s),
            post_payment_message: self.display.post_payment_message.clone(),
            // Both were checked in `parse`; the defaults stand in for a config built in code.
            minimum_amount_hundredths: self.minimum_hundredths().unwrap_or(50),
            minimum_battery_percent: self.payments.minimum_battery_percent,
            contactless_limits: self.contactless_limits().unwrap_or_default(),
            ..TerminalConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_fill_in_defaults() {
        let c = AppConfig::parse(
            "store_name = \"Bakery\"\n[display]\nshow_logos = false\n",
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(c.store_name, "Bakery");
        assert!(!c.display.show_logos);
        assert_eq!(c.currency, "EUR");
        assert_eq!(c.timing, TimingConfig::default());
    }

    #[test]
    fn the_documented_example_is_valid_and_matches_the_defaults() {
        let text = include_str!("../docs/countertop.example.toml");
        let parsed = AppConfig::parse(text, Path::new("docs/countertop.example.toml")).unwrap();
        assert_eq!(parsed, AppConfig::default());
    }

    #[test]
    fn simulator_settings_are_read_and_unknown_keys_refused() {
        let text = "[simulator]\ncards = [\"approve\", \"decline\"]\ncard_delay_ms = 3000\ngateway_latency_ms = 8000\ngateway_ledger = \"/var/lib/countertop/ledger.jsonl\"\n";
        let config = AppConfig::parse(text, Path::new("c")).unwrap();
        assert_eq!(
            config.simulator.cards,
            Some(vec!["approve".to_owned(), "decline".to_owned()])
        );
        assert_eq!(config.simulator.card_delay_ms, Some(3000));
        assert_eq!(config.simulator.gateway_latency_ms, Some(8000));
        assert_eq!(
            config.simulator.gateway_ledger,
            Some(PathBuf::from("/var/lib/countertop/ledger.jsonl"))
        );
        assert!(AppConfig::parse("[simulator]\nledger = \"x\"\n", Path::new("c")).is_err());
    }

    #[test]
    fn payment_rules_reach_the_core() {
        let text = "[payments]\nminimum_amount = \"1.00\"\nminimum_battery_percent = 15\n[payments.contactless_limits]\nEUR = \"50.00\"\nJPY = \"10000\"\n";
        let config = AppConfig::parse(text, Path::new("c")).unwrap();
        let core = config.terminal_config();
        assert_eq!(core.minimum_amount_hundredths, 100);
        assert_eq!(core.minimum_battery_percent, 15);
        let eur = Currency::from_code("EUR").unwrap();
        assert!(core.tap_allowed(Money::new(5_000, eur)));
        assert!(!core.tap_allowed(Money::new(5_001, eur)));
        let bad = AppConfig::parse(
            "[payments.contactless_limits]\nEUR = \"50,00\"\n",
            Path::new("c"),
        )
        .unwrap_err();
        assert!(bad.to_string().contains("contactless_limits"), "{bad}");
    }

    #[test]
    fn typos_and_bad_currencies_are_clear_errors() {
        let e = AppConfig::parse("stor_name = \"x\"", Path::new("/etc/c.toml")).unwrap_err();
        assert!(e.to_string().contains("/etc/c.toml"), "{e}");
        assert!(AppConfig::parse("currency = \"XYZ\"", Path::new("c")).is_err());
        let e = AppConfig::parse("[display]\nlanguage = \"fr\"\n", Path::new("c")).unwrap_err();
        assert!(e.to_string().contains("unknown language"), "{e}");
        let dutch = AppConfig::parse("[display]\nlanguage = \"nl-BE\"\n", Path::new("c")).unwrap();
        assert_eq!(dutch.display.language, countertop_core::Language::Dutch);
    }

    #[test]
    fn rotation_is_read_in_degrees_and_a_bad_one_is_a_clear_error() {
        use countertop_core::Rotation;
        assert_eq!(AppConfig::default().display.rotation, Rotation::Deg0);
        for (text, rotation) in [
            ("0", Rotation::Deg0),
            ("90", Rotation::Deg90),
            ("180", Rotation::Deg180),
            ("270", Rotation::Deg270),
        ] {
            let config =
                AppConfig::parse(&format!("[display]\nrotation = {text}\n"), Path::new("c"))
                    .unwrap();
            assert_eq!(config.display.rotation, rotation);
        }
        for bad in ["45", "-90", "360"] {
            let e = AppConfig::parse(
                &format!("[display]\nrotation = {bad}\n"),
                Path::new("/etc/c.toml"),
            )
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("/etc/c.toml")
                    && e.contains("rotation")
                    && e.contains("0, 90, 180 or 270"),
                "{e}"
            );
        }
        for bad in ["\"90\"", "90.0", "true"] {
            let e = AppConfig::parse(&format!("[display]\nrotation = {bad}\n"), Path::new("c"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("rotation"), "{e}");
        }
    }
}
