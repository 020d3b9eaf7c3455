//! The `[nexo]` section: the optional Terminal API listener in Adyen's local dialect.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use countertop_core::TipOptions;
use countertop_core::nexo::KeyRing;
use serde::Deserialize;

use crate::adapters::nexo::{NEXO_PORT, NexoSettings};

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NexoConfig {
    /// Off by default: nothing listens until staff turn it on.
    pub enabled: bool,
    pub bind: IpAddr,
    /// Adyen's clients always use 8443; another port only suits other clients and tests.
    pub port: u16,
    /// The terminal's POIID; empty: the terminal id. Two groups of letters and digits joined by
    /// a '-' (the certificate check of Adyen's clients needs that form).
    pub poi_id: String,
    /// The key as the POS names it in its SecurityTrailer.
    pub key_identifier: String,
    pub key_version: u64,
    /// The shared passphrase (printable ASCII, at least 8 characters). Keep this file private.
    pub passphrase: String,
    /// Adyen's "unencrypted local API", for test set-ups only.
    pub allow_unencrypted: bool,
    /// Tip buttons offered when a payment asks `tenderOption=AskGratuity`, in percent.
    pub tip_percentages: Vec<u32>,
}

impl Default for NexoConfig {
    fn default() -> Self {
        NexoConfig {
            enabled: false,
            bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: NEXO_PORT,
            poi_id: String::new(),
            key_identifier: String::new(),
            key_version: 1,
            passphrase: String::new(),
            allow_unencrypted: false,
            tip_percentages: vec![10, 15, 20],
        }
    }
}

impl NexoConfig {
    /// Checks the section (only when enabled); the message says what to change.
    pub fn check(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let has_key = !self.passphrase.is_empty();
        if has_key {
            let printable = self.passphrase.bytes().all(|b| (0x20..0x7f).contains(&b));
            if !printable || self.passphrase.len() < 8 {
                return Err("nexo.passphrase must be at least 8 printable ASCII characters".into());
            }
            if self.key_identifier.is_empty() || self.key_identifier.len() > 64 {
                return Err("nexo.key_identifier must be 1 to 64 characters".into());
            }
        } else if !self.allow_unencrypted {
            return Err(
                "nexo.passphrase is needed (or allow_unencrypted for a test set-up)".into(),
            );
        }
        let tips = TipOptions {
            percentages_bp: self
                .tip_percentages
                .iter()
                .map(|p| p.saturating_mul(100))
                .collect(),
            ..TipOptions::default()
        };
        let any = countertop_core::Money::new(
            100,
            countertop_core::Currency::from_code("EUR").map_err(|e| e.to_string())?,
        );
        tips.validate(any)
            .map_err(|e| format!("nexo.tip_percentages: {e}"))?;
        Ok(())
    }

    /// The listener's settings, or `None` when it is off.
    pub fn settings(
        &self,
        terminal_id: &str,
        payment_deadline: Duration,
        state_dir: &Path,
    ) -> Option<NexoSettings> {
        if !self.enabled {
            return None;
        }
        let poi_id = if self.poi_id.is_empty() {
            terminal_id.to_owned()
        } else {
            self.poi_id.clone()
        };
        let keys = (!self.passphrase.is_empty()).then(|| {
            KeyRing::new(
                self.key_identifier.clone(),
                self.key_version,
                &self.passphrase,
            )
        });
        Some(NexoSettings {
            listen: SocketAddr::new(self.bind, self.port),
            poi_id,
            keys,
            allow_unencrypted: self.allow_unencrypted,
            gratuity: TipOptions {
                percentages_bp: self.tip_percentages.iter().map(|p| p * 100).collect(),
                fixed_minor: Vec::new(),
                allow_custom: true,
            },
            payment_deadline,
            state_dir: state_dir.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_checked_when_on() {
        let off = NexoConfig::default();
        assert!(off.check().is_ok());
        assert!(
            off.settings("CT-0001", Duration::from_secs(1), Path::new("/tmp"))
                .is_none()
        );
        let no_key = NexoConfig {
            enabled: true,
            ..NexoConfig::default()
        };
        assert!(no_key.check().is_err());
        let short = NexoConfig {
            enabled: true,
            passphrase: "short".into(),
            key_identifier: "k".into(),
            ..NexoConfig::default()
        };
        assert!(short.check().is_err());
        let good = NexoConfig {
            enabled: true,
            passphrase: "p@ssw0rd123456".into(),
            key_identifier: "k".into(),
            ..NexoConfig::default()
        };
        assert!(good.check().is_ok());
        let settings = good
            .settings("CT-0001", Duration::from_secs(1), Path::new("/tmp"))
            .unwrap();
        assert_eq!(settings.listen.port(), 8443);
        assert_eq!(settings.poi_id, "CT-0001");
        assert_eq!(settings.gratuity.percentages_bp, vec![1000, 1500, 2000]);
    }
}
