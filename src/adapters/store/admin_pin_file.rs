//! The staff PIN, kept as an Argon2id hash (PHC string) with the count of wrong guesses since
//! the last right one. No file means the documented default PIN is in force.

use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use countertop_core::admin_pin::DEFAULT_PIN;
use serde::{Deserialize, Serialize};

use super::{StoreError, write_atomically};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct PinFile {
    /// `None` until staff set their own PIN.
    hash: Option<String>,
    failures: u32,
}

/// The PIN on disk. Checking is slow on purpose (Argon2id, 19 MiB, two passes: OWASP's
/// minimum), so callers run it off the async threads.
#[derive(Debug, Clone)]
pub struct AdminPinStore {
    path: PathBuf,
    file: PinFile,
}

impl AdminPinStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let file = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => PinFile::default(),
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        if let Some(hash) = &file.hash {
            PasswordHash::new(hash).map_err(|e| StoreError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        }
        Ok(AdminPinStore {
            path: path.to_owned(),
            file,
        })
    }

    pub fn is_default(&self) -> bool {
        self.file.hash.is_none()
    }

    pub fn failures(&self) -> u32 {
        self.file.failures
    }

    pub fn verify(&self, pin: &str) -> bool {
        match &self.file.hash {
            // The default is public anyway; comparing it directly keeps boot free of hashing.
            None => pin == DEFAULT_PIN,
            Some(hash) => match PasswordHash::new(hash) {
                Ok(parsed) => hasher().verify_password(pin.as_bytes(), &parsed).is_ok(),
                Err(_) => false,
            },
        }
    }

    /// Stores the failure count so a power cycle does not reset the lockout.
    pub fn set_failures(&mut self, failures: u32) -> Result<(), StoreError> {
        if self.file.failures == failures {
            return Ok(());
        }
        self.file.failures = failures;
        self.save()
    }

    /// Replaces the PIN (already checked against the rules by the caller).
    pub fn set_pin(&mut self, pin: &str) -> Result<(), StoreError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| self.invalid(format!("no secure random source: {e}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| self.invalid(e.to_string()))?;
        let hash = hasher()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| self.invalid(e.to_string()))?;
        self.file = PinFile {
            hash: Some(hash.to_string()),
            failures: 0,
        };
        self.save()
    }

    fn save(&self) -> Result<(), StoreError> {
        let bytes =
            serde_json::to_vec_pretty(&self.file).map_err(|e| self.invalid(e.to_string()))?;
        write_atomically(&self.path, &bytes, true)
    }

    fn invalid(&self, message: String) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message,
        }
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_then_own_pin_survives_reopen_as_a_hash() {
        let dir = std::env::temp_dir().join(format!("countertop-pin-{}", std::process::id()));
        let path = dir.join("admin-pin.json");
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = AdminPinStore::open(&path).unwrap();
        assert!(store.is_default() && store.verify(DEFAULT_PIN) && !store.verify("2580"));
        store.set_failures(3).unwrap();
        store.set_pin("2580").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("$argon2id$") && !text.contains("2580"),
            "{text}"
        );
        let mut reopened = AdminPinStore::open(&path).unwrap();
        assert!(!reopened.is_default() && reopened.verify("2580") && !reopened.verify(DEFAULT_PIN));
        assert_eq!(reopened.failures(), 0);
        reopened.set_failures(6).unwrap();
        assert_eq!(AdminPinStore::open(&path).unwrap().failures(), 6);
        std::fs::write(&path, b"{\"hash\":\"not a phc string\",\"failures\":0}").unwrap();
        assert!(matches!(
            AdminPinStore::open(&path),
            Err(StoreError::Invalid { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
