//! The display settings the POS pushed, kept across restarts, and the pictures it sent.

use std::path::{Path, PathBuf};

use countertop_core::pairing::{sha256, to_hex};
use serde::{Deserialize, Serialize};

use super::{StoreError, write_atomically};
use crate::view::DisplaySettings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDisplay {
    pub settings: DisplaySettings,
    pub post_payment_message: Option<String>,
    /// The display rotation chosen on the staff panel; it wins over the configuration file.
    /// Absent until staff choose one (and in files written before rotation existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<countertop_core::Rotation>,
}

impl SavedDisplay {
    /// The display settings in force: these saved ones, with the store's name and, unless one
    /// was chosen on the terminal, the rotation from the configuration.
    pub fn settings_with(self, config: &crate::config::AppConfig) -> DisplaySettings {
        DisplaySettings {
            store_name: config.store_name.clone(),
            rotation: self.rotation.unwrap_or(config.display.rotation),
            ..self.settings
        }
    }
}

/// The rotation the display starts with: the panel's choice saved in `path`, else the
/// configuration's. An unreadable file counts as no choice (the terminal still starts).
pub fn startup_rotation(
    path: &Path,
    config: &crate::config::AppConfig,
) -> countertop_core::Rotation {
    match load_display(path) {
        Ok(saved) => saved
            .and_then(|s| s.rotation)
            .unwrap_or(config.display.rotation),
        Err(error) => {
            tracing::warn!(%error, "saved display settings ignored");
            config.display.rotation
        }
    }
}

pub fn load_display(path: &Path) -> Result<Option<SavedDisplay>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

pub fn save_display(path: &Path, saved: &SavedDisplay) -> Result<(), StoreError> {
    let text = serde_json::to_vec_pretty(saved).map_err(|e| StoreError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    write_atomically(path, &text, false)
}

/// Stores a validated picture under a name derived from its content, so a new picture is a new
/// path (the UI reloads it) and the old file stays until the new settings are saved.
pub fn store_picture(dir: &Path, bytes: &[u8]) -> Result<PathBuf, StoreError> {
    let path = dir.join(format!("idle-{}.img", &to_hex(&sha256(bytes))[..16]));
    write_atomically(&path, bytes, false)?;
    Ok(path)
}
