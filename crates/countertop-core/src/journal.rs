//! Reading the payment journal back after a restart: which ids are final, which authorizations
//! went out without a recorded answer, and which payments never reached the gateway.

use std::collections::BTreeMap;

use crate::payment::{Outcome, PaymentId};
use crate::terminal::{JournalRecord, PendingAuthorization};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Replay {
    pub finished: Vec<(PaymentId, Outcome)>,
    /// Sent to the gateway, answer unknown: ask the gateway.
    pub pending: Vec<PendingAuthorization>,
    /// Accepted but never sent to the gateway: nothing was charged.
    pub interrupted: Vec<PaymentId>,
}

/// Folds records in journal order. A final record always wins, whatever came after it, so a
/// payment can never be reopened.
pub fn replay(records: impl IntoIterator<Item = JournalRecord>) -> Replay {
    enum Last {
        Accepted,
        Authorizing(PendingAuthorization),
        Final(Outcome),
    }
    let mut last: BTreeMap<PaymentId, (usize, Last)> = BTreeMap::new();
    for (order, record) in records.into_iter().enumerate() {
        let id = record.payment_id().clone();
        if matches!(last.get(&id), Some((_, Last::Final(_)))) {
            continue;
        }
        let state = match record {
            JournalRecord::Accepted { .. } => Last::Accepted,
            JournalRecord::Authorizing(pending) => Last::Authorizing(pending),
            JournalRecord::Final { outcome, .. } => Last::Final(outcome),
        };
        let first_seen = last.get(&id).map_or(order, |(o, _)| *o);
        last.insert(id, (first_seen, state));
    }
    let mut ordered: Vec<(PaymentId, (usize, Last))> = last.into_iter().collect();
    ordered.sort_by_key(|(_, (order, _))| *order);
    let mut replay = Replay::default();
    for (id, (_, state)) in ordered {
        match state {
            Last::Accepted => replay.interrupted.push(id),
            Last::Authorizing(pending) => replay.pending.push(pending),
            Last::Final(outcome) => replay.finished.push((id, outcome)),
        }
    }
    replay
}

/// The journal rewritten with one record per payment, in first-seen order: its final outcome,
/// or for an unfinished payment its latest record (`Authorizing` if it reached the gateway,
/// else `Accepted`). Replaying the result gives the same `Replay` as the original, so a
/// compacted journal recovers exactly like the long one it replaces.
pub fn compact(records: impl IntoIterator<Item = JournalRecord>) -> Vec<JournalRecord> {
    let mut last: BTreeMap<PaymentId, (usize, JournalRecord)> = BTreeMap::new();
    for (order, record) in records.into_iter().enumerate() {
        match last.get_mut(record.payment_id()) {
            Some((_, JournalRecord::Final { .. })) => {}
            Some((_, kept)) => *kept = record,
            None => {
                last.insert(record.payment_id().clone(), (order, record));
            }
        }
    }
    let mut kept: Vec<(usize, JournalRecord)> = last.into_values().collect();
    kept.sort_by_key(|(order, _)| *order);
    kept.into_iter().map(|(_, record)| record).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};
    use crate::payment::{CancelReason, CardBrand, EntryMode, MaskedCard};

    fn id(s: &str) -> PaymentId {
        PaymentId::new(s).unwrap()
    }

    fn pending(s: &str) -> PendingAuthorization {
        let eur = Currency::from_code("EUR").unwrap();
        PendingAuthorization {
            payment_id: id(s),
            total: Money::new(100, eur),
            tip: Money::new(0, eur),
            card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
            entry: EntryMode::Tap,
        }
    }

    #[test]
    fn each_id_ends_in_its_last_state_and_finals_are_never_reopened() {
        let eur = Currency::from_code("EUR").unwrap();
        let cancelled = Outcome::Cancelled {
            reason: CancelReason::Shopper,
        };
        let records = vec![
            JournalRecord::Accepted {
                payment_id: id("a"),
                amount: Money::new(1, eur),
            },
            JournalRecord::Accepted {
                payment_id: id("b"),
                amount: Money::new(1, eur),
            },
            JournalRecord::Authorizing(pending("b")),
            JournalRecord::Accepted {
                payment_id: id("c"),
                amount: Money::new(1, eur),
            },
            JournalRecord::Final {
                payment_id: id("c"),
                outcome: cancelled.clone(),
            },
            // A stray record after the final one must not reopen it.
            JournalRecord::Authorizing(pending("c")),
        ];
        let r = replay(records);
        assert_eq!(r.interrupted, vec![id("a")]);
        assert_eq!(r.pending, vec![pending("b")]);
        assert_eq!(r.finished, vec![(id("c"), cancelled)]);
    }

    #[test]
    fn compacting_keeps_one_record_per_payment_and_replays_the_same() {
        let eur = Currency::from_code("EUR").unwrap();
        let accepted = |s: &str| JournalRecord::Accepted {
            payment_id: id(s),
            amount: Money::new(7, eur),
        };
        let final_of = |s: &str| JournalRecord::Final {
            payment_id: id(s),
            outcome: Outcome::TimedOut,
        };
        let records = vec![
            accepted("a"),
            accepted("b"),
            JournalRecord::Authorizing(pending("a")),
            final_of("a"),
            JournalRecord::Authorizing(pending("b")),
            accepted("c"),
            final_of("d"),
            JournalRecord::Authorizing(pending("d")),
        ];
        let compacted = compact(records.clone());
        assert_eq!(
            compacted,
            vec![
                final_of("a"),
                JournalRecord::Authorizing(pending("b")),
                accepted("c"),
                final_of("d"),
            ]
        );
        assert_eq!(replay(compacted), replay(records));
    }
}
