use std::net::Ipv4Addr;
use std::path::Path;

use countertop_core::pairing::{from_hex32, to_hex};
use serde::{Deserialize, Serialize};

use super::PosError;

/// What a POS keeps after pairing: where the terminal is, its certificate pin and the secret
/// that proves this POS is the paired one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosCredentials {
    pub pos_id: String,
    pub credential: String,
    pub terminal_id: String,
    pub ips: Vec<Ipv4Addr>,
    pub port: u16,
    pub fingerprint: String,
}

impl PosCredentials {
    pub fn fingerprint_bytes(&self) -> Result<[u8; 32], PosError> {
        from_hex32(&self.fingerprint).ok_or_else(|| PosError::Credentials("bad fingerprint".into()))
    }

    pub fn with_fingerprint(mut self, fingerprint: [u8; 32]) -> Self {
        self.fingerprint = to_hex(&fingerprint);
        self
    }

    pub fn load(path: &Path) -> Result<Self, PosError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PosError::Credentials(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| PosError::Credentials(format!("{}: {e}", path.display())))
    }

    pub fn save(&self, path: &Path) -> Result<(), PosError> {
        let text =
            serde_json::to_vec_pretty(self).map_err(|e| PosError::Credentials(e.to_string()))?;
        crate::adapters::store::write_atomically(path, &text, true)
            .map_err(|e| PosError::Credentials(e.to_string()))
    }
}
