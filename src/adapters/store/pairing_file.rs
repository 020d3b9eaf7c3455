//! The paired POS, kept across restarts. Only the credential's hash is stored.

use std::path::Path;

use countertop_core::pairing::{PairedPos, from_hex32, to_hex};
use serde::{Deserialize, Serialize};

use super::{StoreError, write_atomically};

#[derive(Serialize, Deserialize)]
struct PairingFile {
    pos_id: String,
    pos_name: String,
    credential_sha256: String,
}

pub fn load_paired_pos(path: &Path) -> Result<Option<PairedPos>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let invalid = |message: String| StoreError::Invalid {
        path: path.to_owned(),
        message,
    };
    let file: PairingFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let credential_hash =
        from_hex32(&file.credential_sha256).ok_or_else(|| invalid("bad credential hash".into()))?;
    Ok(Some(PairedPos {
        pos_id: file.pos_id,
        pos_name: file.pos_name,
        credential_hash,
    }))
}

/// Saves the paired POS, or removes the file when `pos` is `None` (pairing reset).
pub fn save_paired_pos(path: &Path, pos: Option<&PairedPos>) -> Result<(), StoreError> {
    match pos {
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
                path: path.to_owned(),
                source: e,
            }),
            _ => Ok(()),
        },
        Some(pos) => {
            let file = PairingFile {
                pos_id: pos.pos_id.clone(),
                pos_name: pos.pos_name.clone(),
                credential_sha256: to_hex(&pos.credential_hash),
            };
            let text = serde_json::to_vec_pretty(&file).map_err(|e| StoreError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
            write_atomically(path, &text, true)
        }
    }
}
