//! The terminal's self-signed TLS certificate. The POS pins its SHA-256 from the pairing QR,
//! so no certificate authority or host name is involved.

use std::path::Path;

use countertop_core::pairing::sha256;

use super::{StoreError, write_atomically};

#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

impl TlsIdentity {
    /// Loads the identity from `dir`, creating one on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, StoreError> {
        let (cert_path, key_path) = (dir.join("tls-cert.der"), dir.join("tls-key.der"));
        match (std::fs::read(&cert_path), std::fs::read(&key_path)) {
            (Ok(cert_der), Ok(key_der)) => Ok(TlsIdentity { cert_der, key_der }),
            _ => Self::rotate(dir),
        }
    }

    /// Makes a new certificate and key, replacing the old ones (pairing reset).
    pub fn rotate(dir: &Path) -> Result<Self, StoreError> {
        let certified = rcgen::generate_simple_self_signed(vec!["countertop.local".to_owned()])
            .map_err(|e| StoreError::Certificate(e.to_string()))?;
        let identity = TlsIdentity {
            cert_der: certified.cert.der().to_vec(),
            key_der: certified.signing_key.serialize_der(),
        };
        write_atomically(&dir.join("tls-key.der"), &identity.key_der, true)?;
        write_atomically(&dir.join("tls-cert.der"), &identity.cert_der, false)?;
        Ok(identity)
    }

    pub fn fingerprint(&self) -> [u8; 32] {
        sha256(&self.cert_der)
    }
}
