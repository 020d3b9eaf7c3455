//! The payment journal: one JSON record per line, appended and synced before the action it
//! protects. A crash can only tear the last line, which is dropped on the next start (the
//! action after it never happened). Damage anywhere else stops payments rather than guess.
//!
//! On flash the journal must not grow for ever: once it passes its size bound it is compacted
//! (one record per payment, see `countertop_core::journal::compact`) into a new file that
//! replaces it atomically, keeping the newest final outcomes that fit in half the bound. So the
//! file never exceeds the bound, and the outcomes the core no longer holds in memory are still
//! answered from disk (`lookup`). A write that fails (disk full, I/O error) is cut back off the
//! file, so a later append never follows a torn line.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use countertop_core::journal::compact;
use countertop_core::{JournalRecord, Outcome, PaymentId};

use super::StoreError;

/// The default bound: 8 MiB holds tens of thousands of outcomes (a final record is about 300
/// bytes), weeks of a busy counter, and is nothing on the device's flash.
pub const DEFAULT_JOURNAL_BYTES: u64 = 8 * 1024 * 1024;

pub struct Journal {
    path: PathBuf,
    file: File,
    /// Bytes of whole records in the file: where the next record starts.
    len: u64,
    max_bytes: u64,
    /// A failed write could not be cut off the file: nothing is appended until it is (the
    /// file is opened for appending, so a write would land after the broken bytes).
    dirty: bool,
    /// Hashes of the ids with a final record on disk, so a lookup of an id never seen costs
    /// no read (a hash match is confirmed by reading the file).
    finals: HashSet<u64>,
}

impl Journal {
    /// Opens (or creates) the journal with the default bound and returns every intact record.
    pub fn open(path: &Path) -> Result<(Journal, Vec<JournalRecord>), StoreError> {
        Journal::open_bounded(path, DEFAULT_JOURNAL_BYTES)
    }

    /// Opens the journal, compacting it first if it is past `max_bytes` (a journal written by
    /// an older version, or one whose compaction failed for lack of space).
    pub fn open_bounded(
        path: &Path,
        max_bytes: u64,
    ) -> Result<(Journal, Vec<JournalRecord>), StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(StoreError::io(path))?;
        let (records, good_len, torn) = read_records(&mut file, path)?;
        if torn {
            tracing::warn!(path = %path.display(), "dropping a torn last journal line left by a crash");
            file.set_len(good_len).map_err(StoreError::io(path))?;
            file.sync_all().map_err(StoreError::io(path))?;
        }
        file.seek(SeekFrom::End(0)).map_err(StoreError::io(path))?;
        let mut journal = Journal {
            path: path.to_owned(),
            file,
            len: good_len,
            dirty: false,
            max_bytes,
            finals: HashSet::new(),
        };
        journal.index(&records);
        if journal.len > max_bytes {
            let kept = journal.compact(records)?;
            return Ok((journal, kept));
        }
        Ok((journal, records))
    }

    /// Appends a record and syncs it to disk before returning. On failure nothing of it stays
    /// in the file.
    pub fn append(&mut self, record: &JournalRecord) -> Result<(), StoreError> {
        let line = self.encode(record)?;
        // Compact before a record that would pass the bound, so the file never does. Doing it
        // here is safe at any point of a payment: the compacted file keeps the unfinished
        // payment's records, and this record is appended after them.
        if self.len + line.len() as u64 > self.max_bytes {
            match self.read_all().and_then(|records| self.compact(records)) {
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "journal compaction failed; the record is appended past the bound");
                }
            }
        }
        if self.dirty {
            self.file
                .set_len(self.len)
                .map_err(StoreError::io(&self.path))?;
            self.dirty = false;
        }
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = written {
            // Cut the partial line off; if even that fails, the next append tries again first
            // (and a restart would drop it as a torn tail).
            if let Err(cut) = self.file.set_len(self.len) {
                tracing::error!(%cut, "could not cut a failed journal write off the file");
                self.dirty = true;
            }
            return Err(StoreError::io(&self.path)(error));
        }
        self.len += line.len() as u64;
        if let JournalRecord::Final { payment_id, .. } = record {
            self.finals.insert(id_hash(payment_id));
        }
        Ok(())
    }

    /// The final outcome of `id` as the journal has it, for ids the core no longer remembers.
    pub fn lookup(&mut self, id: &PaymentId) -> Result<Option<Outcome>, StoreError> {
        if !self.finals.contains(&id_hash(id)) {
            return Ok(None);
        }
        let records = self.read_all()?;
        Ok(records.into_iter().rev().find_map(|record| match record {
            JournalRecord::Final {
                payment_id,
                outcome,
            } if payment_id == *id => Some(outcome),
            _ => None,
        }))
    }

    /// Whether the journal's folder takes a write now: after a failure, a small file is
    /// written, synced and removed before payments resume.
    pub fn probe(&self) -> Result<(), StoreError> {
        let probe = self.path.with_extension("probe");
        let result = (|| {
            let mut file = File::create(&probe)?;
            file.write_all(&[0u8; 16 * 1024])?;
            file.sync_all()
        })();
        let _ = std::fs::remove_file(&probe);
        result.map_err(StoreError::io(&probe))
    }

    /// Size of the journal file in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.len
    }

    /// One record as its journal line.
    fn encode(&self, record: &JournalRecord) -> Result<Vec<u8>, StoreError> {
        let mut line = serde_json::to_vec(record).map_err(|e| StoreError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        Ok(line)
    }

    fn index(&mut self, records: &[JournalRecord]) {
        self.finals = records
            .iter()
            .filter_map(|record| match record {
                JournalRecord::Final { payment_id, .. } => Some(id_hash(payment_id)),
                _ => None,
            })
            .collect();
    }

    fn read_all(&mut self) -> Result<Vec<JournalRecord>, StoreError> {
        let (records, _, _) = read_records(&mut self.file, &self.path)?;
        self.file
            .seek(SeekFrom::End(0))
            .map_err(StoreError::io(&self.path))?;
        Ok(records)
    }

    /// Rewrites the journal as one record per payment, dropping the oldest final outcomes
    /// until it fits in half the bound (unfinished payments are always kept), and puts the
    /// new file in place of the old one atomically. Returns the records kept.
    fn compact(&mut self, records: Vec<JournalRecord>) -> Result<Vec<JournalRecord>, StoreError> {
        let target = self.max_bytes / 2;
        let mut lines = Vec::new();
        for record in compact(records) {
            let line = self.encode(&record)?;
            lines.push((record, line));
        }
        // Oldest final outcomes go first, until the rest fits; unfinished payments always stay.
        let mut total: u64 = lines.iter().map(|(_, l)| l.len() as u64).sum();
        lines.retain(|(record, line)| {
            if total <= target || !matches!(record, JournalRecord::Final { .. }) {
                return true;
            }
            total -= line.len() as u64;
            false
        });
        let bytes: Vec<u8> = lines
            .iter()
            .flat_map(|(_, line)| line.iter().copied())
            .collect();
        let before = self.len;
        if let Err(error) = super::write_atomically(&self.path, &bytes, false) {
            let _ = std::fs::remove_file(self.path.with_extension("tmp"));
            return Err(error);
        }
        self.file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(StoreError::io(&self.path))?;
        self.file
            .seek(SeekFrom::End(0))
            .map_err(StoreError::io(&self.path))?;
        self.len = bytes.len() as u64;
        let kept: Vec<JournalRecord> = lines.into_iter().map(|(record, _)| record).collect();
        self.index(&kept);
        tracing::info!(
            before,
            after = self.len,
            payments = kept.len(),
            "journal compacted"
        );
        Ok(kept)
    }
}

fn id_hash(id: &PaymentId) -> u64 {
    let mut hasher = DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Every intact record from the start of `file`, the length they cover, and whether a torn last
/// line follows them. Damage before the last line is an error.
fn read_records(
    file: &mut File,
    path: &Path,
) -> Result<(Vec<JournalRecord>, u64, bool), StoreError> {
    file.seek(SeekFrom::Start(0))
        .map_err(StoreError::io(path))?;
    let mut records = Vec::new();
    let mut good_len: u64 = 0;
    let mut torn_at: Option<usize> = None;
    let mut reader = BufReader::new(file);
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
    Ok((records, good_len, torn_at.is_some()))
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

    fn approved(n: u32) -> Vec<JournalRecord> {
        use countertop_core::{Approval, CardBrand, EntryMode, MaskedCard, PendingAuthorization};
        let eur = Currency::from_code("EUR").unwrap();
        let id = PaymentId::new(format!("pos-payment-{n:06}")).unwrap();
        let card = MaskedCard::new(CardBrand::Visa, "4242").unwrap();
        vec![
            JournalRecord::Accepted {
                payment_id: id.clone(),
                amount: Money::new(1_000, eur),
            },
            JournalRecord::Authorizing(PendingAuthorization {
                payment_id: id.clone(),
                total: Money::new(1_100, eur),
                tip: Money::new(100, eur),
                card: card.clone(),
                entry: EntryMode::Tap,
            }),
            JournalRecord::Final {
                payment_id: id,
                outcome: Outcome::Approved(Approval {
                    auth_code: format!("{n:06}"),
                    reference: format!("GW-{n:08}"),
                    card,
                    entry: EntryMode::Tap,
                    total: Money::new(1_100, eur),
                    tip: Money::new(100, eur),
                }),
            },
        ]
    }

    #[test]
    fn compaction_keeps_the_file_within_its_bound_and_old_outcomes_answerable() {
        let path = temp_dir("bound").join("journal.jsonl");
        let bound = 32 * 1024;
        let (mut j, _) = Journal::open_bounded(&path, bound).unwrap();
        let mut largest = 0;
        for n in 0..1_000 {
            for record in approved(n) {
                j.append(&record).unwrap();
                largest = largest.max(std::fs::metadata(&path).unwrap().len());
            }
        }
        assert!(largest <= bound, "the journal reached {largest} bytes");
        // The newest outcomes are on disk, one record each; the oldest were let go.
        let newest = PaymentId::new("pos-payment-000999").unwrap();
        assert!(matches!(
            j.lookup(&newest).unwrap(),
            Some(Outcome::Approved(_))
        ));
        let oldest = PaymentId::new("pos-payment-000000").unwrap();
        assert_eq!(j.lookup(&oldest).unwrap(), None);
        drop(j);
        let (_, records) = Journal::open_bounded(&path, bound).unwrap();
        let replay = countertop_core::journal::replay(records);
        assert!(replay.pending.is_empty() && replay.interrupted.is_empty());
        assert!(
            replay.finished.len() > 40,
            "only {} outcomes kept",
            replay.finished.len()
        );
    }

    #[test]
    fn compaction_never_drops_an_unfinished_payment() {
        let path = temp_dir("unfinished").join("journal.jsonl");
        let bound = 16 * 1024;
        let (mut j, _) = Journal::open_bounded(&path, bound).unwrap();
        // An authorization whose answer is not in yet, then many finished payments.
        let open = approved(999_999);
        j.append(&open[0]).unwrap();
        j.append(&open[1]).unwrap();
        for n in 0..500 {
            for record in approved(n) {
                j.append(&record).unwrap();
            }
        }
        drop(j);
        let (_, records) = Journal::open_bounded(&path, bound).unwrap();
        let replay = countertop_core::journal::replay(records);
        assert_eq!(replay.pending.len(), 1);
        assert_eq!(replay.pending[0].payment_id.as_str(), "pos-payment-999999");
    }

    #[test]
    fn an_oversized_journal_from_an_older_version_is_compacted_on_open() {
        let path = temp_dir("oversized").join("journal.jsonl");
        let (mut j, _) = Journal::open_bounded(&path, u64::MAX).unwrap();
        for n in 0..200 {
            for record in approved(n) {
                j.append(&record).unwrap();
            }
        }
        drop(j);
        let before = std::fs::metadata(&path).unwrap().len();
        let (j, records) = Journal::open_bounded(&path, before / 2).unwrap();
        assert!(j.len_bytes() <= before / 4);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), j.len_bytes());
        assert!(!records.is_empty());
    }
}
