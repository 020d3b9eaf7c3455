//! Durable state under the state directory (`/var/lib/countertop` on the device): the payment
//! journal, the paired POS, the terminal's TLS identity and the staff PIN.

mod admin_pin_file;
mod atomic;
mod display_file;
mod identity;
mod journal;
mod pairing_file;

use std::path::PathBuf;

pub use admin_pin_file::AdminPinStore;
pub use atomic::write_atomically;
pub use display_file::{SavedDisplay, load_display, save_display, startup_rotation, store_picture};
pub use identity::TlsIdentity;
pub use journal::Journal;
pub use pairing_file::{load_paired_pos, save_paired_pos};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the payment journal {path} is damaged at line {line}; it is kept as it is for inspection and the terminal will not take payments until it is repaired"
    )]
    CorruptJournal { path: PathBuf, line: usize },
    #[error("{path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("could not create the terminal's TLS certificate: {0}")]
    Certificate(String),
}

impl StoreError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
        move |source| StoreError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
