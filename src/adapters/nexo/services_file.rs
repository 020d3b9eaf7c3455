//! `nexo-services.jsonl`: which payment each nexo ServiceID started, appended and synced before
//! the payment starts, so that after a restart a POS asking `TransactionStatusRequest` for its
//! lost answer still finds it. Read back into the core's bounded `ServiceLedger`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use countertop_core::nexo::{PaymentContext, ServiceLedger};

use crate::adapters::store::StoreError;

pub struct ServicesFile {
    path: PathBuf,
    file: std::fs::File,
}

impl ServicesFile {
    /// Opens (or creates) the file and loads what it holds. Unreadable lines are skipped and
    /// logged: losing one status answer is better than refusing every nexo request.
    pub fn open(path: &Path) -> Result<(Self, ServiceLedger), StoreError> {
        let mut ledger = ServiceLedger::default();
        let mut lines = 0usize;
        if let Ok(file) = std::fs::File::open(path) {
            for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<PaymentContext>(&line) {
                    Ok(context) => ledger.insert(context),
                    Err(_) => tracing::warn!(
                        line = n + 1,
                        "unreadable line in nexo-services.jsonl skipped"
                    ),
                }
                lines += 1;
            }
        }
        // Keep the file from growing without end: rewrite it with what the ledger still holds.
        if lines > 2 * ServiceLedger::CAPACITY {
            let mut text = String::new();
            for context in ledger.contexts() {
                text.push_str(&serde_json::to_string(context).unwrap_or_default());
                text.push('\n');
            }
            crate::adapters::store::write_atomically(path, text.as_bytes(), true)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?;
        Ok((
            ServicesFile {
                path: path.to_owned(),
                file,
            },
            ledger,
        ))
    }

    pub fn append(&mut self, context: &PaymentContext) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(context).unwrap_or_default();
        line.push(b'\n');
        let io = |source| StoreError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(|source| StoreError::Io {
            path: self.path.clone(),
            source,
        })
    }
}
