//! The payment journal: one JSON record per line, appended and synced before the action it
//! protects. A crash can only tear the last line, which is dropped on the next start (the
//! action after it never happened). Damage anywhere else stops payments rather than guess.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use countertop_core::JournalRecord;

use super::StoreError;

pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates) the journal and returns every intact record in order.
    pub fn open(path: &Path) -> Result<(Journal, Vec<JournalRecord>), StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(StoreError::io(path))?;
        let mut records = Vec::new();
        let mut good_len: u64 = 0;
        let mut torn_at: Option<usize> = None;
        {
            let mut reader = BufReader::new(&mut file);
            let mut line = Vec::new();
            let mut number = 0;
            loop {
                line.clear();
                let read = reader
                    .read_until(b'\n', &mut line)
                    .map_err(StoreError::io(path))?;
                if read == 0 {
                    break;
                }
                number += 1;
                if let Some(bad) = torn_at {
                    // A damaged line followed by more lines is not a torn tail.
                    return Err(StoreError::CorruptJournal {
                        path: path.to_owned(),
                        line: bad,
                    });
                }
                let complete = line.ends_with(b"\n");
                match serde_json::from_slice::<JournalRecord>(&line) {
                    Ok(record) if complete => {
                        records.push(record);
                        good_len += read as u64;
                    }
                    _ => torn_at = Some(number),
                }
            }
        }
        if let Some(line) = torn_at {
            tracing::warn!(path = %path.display(), line, "dropping a torn last journal line left by a crash");
            file.set_len(good_len).map_err(StoreError::io(path))?;
            file.sync_all().map_err(StoreError::io(path))?;
        }
        file.seek(SeekFrom::End(0)).map_err(StoreError::io(path))?;
        Ok((
            Journal {
                path: path.to_owned(),
                file,
            },
            records,
        ))
    }

    /// Appends a record and syncs it to disk before returning.
    pub fn append(&mut self, record: &JournalRecord) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(record).map_err(|e| StoreError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(StoreError::io(&self.path))?;
        self.file.sync_data().map_err(StoreError::io(&self.path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countertop_core::{CancelReason, Currency, Money, Outcome, PaymentId};

    fn record(n: u32) -> JournalRecord {
        JournalRecord::Final {
            payment_id: PaymentId::new(format!("p{n}")).unwrap(),
            outcome: Outcome::Cancelled {
                reason: CancelReason::Shopper,
            },
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("countertop-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn records_survive_reopening() {
        let path = temp_dir("reopen").join("journal.jsonl");
        let (mut j, existing) = Journal::open(&path).unwrap();
        assert!(existing.is_empty());
        j.append(&record(1)).unwrap();
        j.append(&JournalRecord::Accepted {
            payment_id: PaymentId::new("p2").unwrap(),
            amount: Money::new(5, Currency::from_code("EUR").unwrap()),
        })
        .unwrap();
        drop(j);
        let (_, records) = Journal::open(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], record(1));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_appending_continues() {
        let path = temp_dir("torn").join("journal.jsonl");
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&record(1)).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"record":"final","payment_id":"p2","outc"#)
            .unwrap();
        drop(f);
        let (mut j, records) = Journal::open(&path).unwrap();
        assert_eq!(records, vec![record(1)]);
        j.append(&record(3)).unwrap();
        drop(j);
        let (_, records) = Journal::open(&path).unwrap();
        assert_eq!(records, vec![record(1), record(3)]);
    }

    #[test]
    fn damage_in_the_middle_refuses_to_guess() {
        let path = temp_dir("corrupt").join("journal.jsonl");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let good = serde_json::to_string(&record(1)).unwrap();
        std::fs::write(&path, format!("{good}\nnot json\n{good}\n")).unwrap();
        assert!(matches!(
            Journal::open(&path),
            Err(StoreError::CorruptJournal { line: 2, .. })
        ));
    }
}
