//! What the terminal does when its journal cannot save a record: the payment whose record was
//! lost stops before anything reaches the gateway, new payments are refused until the journal
//! writes again, and a payment already charged keeps its outcome.

use std::time::Instant;

use countertop_core::{
    CancelReason, CardBrand, CardRead, CoreError, Currency, Effect, EntryMode, GatewayReply, Input,
    JournalRecord, LinkState, MaskedCard, Money, Outcome, PaymentId, PaymentRequest, Screen,
    Terminal, TerminalConfig, protocol::PaymentState,
};

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

fn id(s: &str) -> PaymentId {
    PaymentId::new(s).unwrap()
}

fn request(payment: &str) -> Input {
    Input::PaymentRequested(PaymentRequest {
        id: id(payment),
        amount: eur(1_250),
        tip: None,
        method: Default::default(),
        language: None,
    })
}

fn card(entry: EntryMode) -> Input {
    Input::CardPresented(CardRead {
        card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
        entry,
        token: "sim-approve".into(),
    })
}

fn terminal() -> Terminal {
    Terminal::new(TerminalConfig::default(), LinkState::Connected)
}

/// Takes effects one by one like the orchestrator does, failing the first journal record that
/// `fail` picks (the write fails, so the core hears of it before the next effect is taken).
fn apply(t: &mut Terminal, now: Instant, fail: impl Fn(&JournalRecord) -> bool) -> Vec<Effect> {
    let mut applied = Vec::new();
    let mut failed_once = false;
    while let Some(effect) = t.poll_effect() {
        if let Effect::Journal(record) = &effect
            && !failed_once
            && fail(record)
        {
            failed_once = true;
            t.handle(Input::JournalWriteFailed(record.clone()), now)
                .unwrap();
            continue;
        }
        applied.push(effect);
    }
    applied
}

fn never(_: &JournalRecord) -> bool {
    false
}

#[test]
fn a_lost_accepted_record_stops_the_payment_before_the_reader_wakes() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1"), now).unwrap();
    let applied = apply(&mut t, now, |r| matches!(r, JournalRecord::Accepted { .. }));
    assert!(
        !applied
            .iter()
            .any(|e| matches!(e, Effect::ArmReader { .. } | Effect::Authorize { .. })),
        "nothing may start after a lost record: {applied:?}"
    );
    let cancelled = Outcome::Cancelled {
        reason: CancelReason::StorageFailed,
    };
    assert!(applied.contains(&Effect::ReportOutcome {
        payment_id: id("p1"),
        outcome: cancelled.clone(),
    }));
    assert_eq!(
        t.screen(),
        Screen::Result {
            outcome: cancelled,
            remove_card: false
        }
    );
    assert!(t.payments_paused_for_storage());
}

#[test]
fn a_lost_authorizing_record_never_sends_the_authorization_and_asks_for_the_card_back() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1"), now).unwrap();
    apply(&mut t, now, never);
    t.handle(card(EntryMode::Insert), now).unwrap();
    let applied = apply(&mut t, now, |r| matches!(r, JournalRecord::Authorizing(_)));
    assert!(
        !applied
            .iter()
            .any(|e| matches!(e, Effect::Authorize { .. })),
        "the authorization must not leave: {applied:?}"
    );
    assert!(applied.contains(&Effect::ExpectCardRemoval));
    assert_eq!(
        t.payment_state(&id("p1")),
        PaymentState::Final {
            outcome: Outcome::Cancelled {
                reason: CancelReason::StorageFailed
            }
        }
    );
}

#[test]
fn new_payments_are_refused_until_the_journal_writes_again() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1"), now).unwrap();
    apply(&mut t, now, |r| matches!(r, JournalRecord::Accepted { .. }));
    t.handle_timeout(now + TerminalConfig::default().result_display);
    t.handle_timeout(
        now + TerminalConfig::default().result_display
            + TerminalConfig::default().post_payment_display,
    );
    assert_eq!(
        t.handle(request("p2"), now),
        Err(CoreError::StorageUnavailable)
    );
    // The POS asking again for the stopped payment gets its outcome, not a new attempt.
    t.handle(request("p1"), now).unwrap();
    assert!(matches!(
        apply(&mut t, now, never).as_slice(),
        [Effect::ReportOutcome {
            outcome: Outcome::Cancelled {
                reason: CancelReason::StorageFailed
            },
            ..
        }]
    ));
    t.handle(Input::JournalWritable, now).unwrap();
    assert!(!t.payments_paused_for_storage());
    t.handle(request("p2"), now).unwrap();
    assert!(
        apply(&mut t, now, never)
            .iter()
            .any(|e| matches!(e, Effect::ArmReader { .. }))
    );
}

#[test]
fn a_lost_final_record_keeps_the_charged_outcome_and_pauses_new_payments() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1"), now).unwrap();
    apply(&mut t, now, never);
    t.handle(card(EntryMode::Tap), now).unwrap();
    apply(&mut t, now, never);
    t.handle(
        Input::GatewayReplied {
            payment_id: id("p1"),
            reply: GatewayReply::Approved {
                auth_code: "A1".into(),
                reference: "R1".into(),
            },
        },
        now,
    )
    .unwrap();
    let applied = apply(&mut t, now, |r| matches!(r, JournalRecord::Final { .. }));
    // The shopper paid: the POS hears so, and the terminal remembers it.
    assert!(applied.iter().any(|e| matches!(
        e,
        Effect::ReportOutcome {
            outcome: Outcome::Approved(_),
            ..
        }
    )));
    assert!(matches!(
        t.payment_state(&id("p1")),
        PaymentState::Final {
            outcome: Outcome::Approved(_)
        }
    ));
    assert!(t.payments_paused_for_storage());
}
