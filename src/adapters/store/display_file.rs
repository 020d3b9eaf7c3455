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
