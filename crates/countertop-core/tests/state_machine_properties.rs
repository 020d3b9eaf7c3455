//! Random event sequences against the terminal state machine. Whatever the POS, the reader, the
//! gateway, the dock and the clock do, in whatever order, money invariants hold.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use countertop_core::{
    CardBrand, CardRead, Currency, DeclineReason, Effect, EntryMode, GatewayReply, Input,
    JournalRecord, Language, LineItem, LinkState, MaskedCard, Money, Outcome, PaymentId,
    PaymentMethod, PaymentRequest, Screen, Terminal, TerminalConfig, TipChoice, TipOptions,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Dock(bool),
    Link(u8),
    Upsert(u8, i64),
    RemoveLine(u8),
    ClearCart,
    Request {
        id: u8,
        amount: i64,
        tip: bool,
        wallet: bool,
    },
    WalletConfirm(u8),
    PosCancel(u8),
    Tip(u8),
    ShopperCancel,
    Card(u8),
    ReadFailed,
    PinOnReader,
    CardOut,
    Reply {
        id: u8,
        approved: bool,
    },
    /// The gateway answers for whatever payment is in progress (the common, useful case).
    ReplyActive(bool),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => any::<bool>().prop_map(Op::Dock),
        1 => (0u8..3).prop_map(Op::Link),
        1 => ((0u8..4), (0i64..5_000)).prop_map(|(i, p)| Op::Upsert(i, p)),
        1 => (0u8..4).prop_map(Op::RemoveLine),
        1 => Just(Op::ClearCart),
        3 => ((0u8..5), (-5i64..20_000), any::<bool>(), any::<bool>())
            .prop_map(|(id, amount, tip, wallet)| Op::Request { id, amount, tip, wallet }),
        1 => (0u8..5).prop_map(Op::WalletConfirm),
        1 => (0u8..5).prop_map(Op::PosCancel),
        1 => (0u8..6).prop_map(Op::Tip),
        1 => Just(Op::ShopperCancel),
        1 => (0u8..3).prop_map(Op::Card),
        1 => Just(Op::ReadFailed),
        1 => Just(Op::PinOnReader),
        1 => Just(Op::CardOut),
        1 => ((0u8..5), any::<bool>()).prop_map(|(id, approved)| Op::Reply { id, approved }),
        3 => any::<bool>().prop_map(Op::ReplyActive),
        3 => (0u8..3).prop_map(Op::Card),
        1 => prop_oneof![0u64..5, 0u64..200].prop_map(Op::Advance),
    ]
}

fn eur() -> Currency {
    Currency::from_code("EUR").unwrap()
}

fn pid(n: u8) -> PaymentId {
    PaymentId::new(format!("pay-{n}")).unwrap()
}

fn tip_options() -> TipOptions {
    TipOptions {
        percentages_bp: vec![1000, 1500],
        fixed_minor: vec![1],
        allow_custom: true,
    }
}

fn to_input(op: &Op) -> Option<Input> {
    Some(match op {
        Op::Dock(d) => Input::Docked(*d),
        Op::Link(0) => Input::Link(LinkState::Unpaired {
            pairing_uri: "countertop://pair".into(),
        }),
        Op::Link(1) => Input::Link(LinkState::WaitingForPos),
        Op::Link(_) => Input::Link(LinkState::Connected),
        Op::Upsert(i, price) => Input::CartLineUpserted(LineItem {
            id: i.to_string(),
            description: format!("Line {i}"),
            quantity_milli: 1000,
            unit_price: Money::new(*price, eur()),
            discount_minor: 0,
            tax_rate_bp: 900,
        }),
        Op::RemoveLine(i) => Input::CartLineRemoved(i.to_string()),
        Op::ClearCart => Input::CartCleared,
        Op::Request {
            id,
            amount,
            tip,
            wallet,
        } => Input::PaymentRequested(PaymentRequest {
            id: pid(*id),
            amount: Money::new(*amount, eur()),
            tip: tip.then(tip_options),
            method: if *wallet {
                PaymentMethod::WalletQr {
                    payload: format!("https://qr.example/pay/{id}"),
                }
            } else {
                PaymentMethod::Card
            },
            // Odd ids ask for Dutch screens: the language must come back with the display.
            language: (id % 2 == 1).then_some(Language::Dutch),
        }),
        Op::WalletConfirm(id) => Input::WalletConfirmed {
            payment_id: pid(*id),
            reference: "W1".into(),
            receipt: None,
        },
        Op::PosCancel(id) => Input::PosCancelled(pid(*id)),
        Op::Tip(0) => Input::TipChosen(TipChoice::NoTip),
        Op::Tip(1) => Input::TipChosen(TipChoice::Percent(1500)),
        Op::Tip(2) => Input::TipChosen(TipChoice::Percent(1234)),
        Op::Tip(3) => Input::TipChosen(TipChoice::Fixed(1)),
        Op::Tip(4) => Input::TipChosen(TipChoice::Custom(25)),
        Op::Tip(_) => Input::TipChosen(TipChoice::TotalIncludingTip(30_000)),
        Op::ShopperCancel => Input::ShopperCancelled,
        Op::Card(n) => Input::CardPresented(CardRead {
            card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
            entry: [EntryMode::Tap, EntryMode::Insert, EntryMode::Swipe][usize::from(*n)],
            token: format!("tok-{n}"),
        }),
        Op::ReadFailed => Input::CardReadFailed,
        Op::PinOnReader => Input::PinEntryOnReader,
        Op::CardOut => Input::CardRemoved,
        Op::Reply { id, approved } => Input::GatewayReplied {
            payment_id: pid(*id),
            reply: if *approved {
                GatewayReply::Approved {
                    auth_code: "A1".into(),
                    reference: "R1".into(),
                }
            } else {
                GatewayReply::Declined(DeclineReason::InsufficientFunds)
            },
        },
        Op::Advance(_) | Op::ReplyActive(_) => return None,
    })
}

/// Everything the harness saw, to check invariants against.
#[derive(Default)]
struct Ledger {
    authorized: HashMap<PaymentId, (u32, Money)>,
    authorized_while_undocked: u32,
    finals: HashMap<PaymentId, Vec<Outcome>>,
    requested: HashMap<PaymentId, Money>,
    approved_replies: HashMap<PaymentId, u32>,
    repeated_requests: u32,
}

fn drain(t: &mut Terminal, ledger: &mut Ledger) {
    while let Some(effect) = t.poll_effect() {
        match effect {
            Effect::Authorize {
                payment_id, total, ..
            } => {
                if !t.is_docked() {
                    ledger.authorized_while_undocked += 1;
                }
                let entry = ledger.authorized.entry(payment_id).or_insert((0, total));
                entry.0 += 1;
            }
            Effect::Journal(JournalRecord::Final {
                payment_id,
                outcome,
            }) => {
                ledger.finals.entry(payment_id).or_default().push(outcome);
            }
            Effect::ReportOutcome {
                payment_id,
                outcome,
            } => {
                let recorded = ledger.finals.get(&payment_id).and_then(|v| v.first());
                assert_eq!(
                    recorded,
                    Some(&outcome),
                    "reported an outcome that was never recorded"
                );
            }
            _ => {}
        }
    }
}

fn check(t: &Terminal, ledger: &Ledger) {
    assert_eq!(
        ledger.authorized_while_undocked, 0,
        "authorized while undocked"
    );
    for (id, (count, _)) in &ledger.authorized {
        assert_eq!(
            *count, 1,
            "payment {id} was sent for authorization {count} times"
        );
    }
    for (id, outcomes) in &ledger.finals {
        assert_eq!(
            outcomes.len(),
            1,
            "payment {id} got {} final outcomes",
            outcomes.len()
        );
        if let Outcome::WalletApproved { total, .. } = &outcomes[0] {
            assert!(
                !ledger.authorized.contains_key(id),
                "a wallet payment went to the card gateway"
            );
            assert_eq!(*total, ledger.requested[id]);
        }
        if let Outcome::Approved(approval) = &outcomes[0] {
            let (_, authorized_total) = ledger
                .authorized
                .get(id)
                .expect("approved without authorizing");
            assert_eq!(approval.total, *authorized_total);
            let amount = ledger.requested[id];
            assert_eq!(approval.total.minor, amount.minor + approval.tip.minor);
            assert!(ledger.approved_replies.get(id).copied().unwrap_or(0) >= 1);
        }
    }
    let screen = t.screen();
    if !t.is_docked() {
        assert_eq!(screen, Screen::Undocked);
        assert!(!screen.shows_store_data());
    }
    if let Screen::Processing { .. } = screen {
        let id = t.active_payment().expect("processing without a payment");
        assert!(ledger.authorized.contains_key(id));
        assert!(!ledger.finals.contains_key(id));
    }
    if t.active_payment().is_some() {
        assert!(
            t.poll_timeout().is_some(),
            "a payment in progress must have a deadline"
        );
    }
}

/// Plays a sequence against a fresh terminal, checking invariants after every step.
fn play(ops: &[Op]) -> Ledger {
    let start = Instant::now();
    let mut now = start;
    let mut t = Terminal::new(TerminalConfig::default(), LinkState::Connected);
    let mut ledger = Ledger::default();
    for op in ops {
        let input = match op {
            Op::Advance(secs) => {
                now += Duration::from_secs(*secs);
                t.handle_timeout(now);
                None
            }
            Op::ReplyActive(approved) => {
                t.active_payment()
                    .cloned()
                    .map(|payment_id| Input::GatewayReplied {
                        payment_id,
                        reply: if *approved {
                            GatewayReply::Approved {
                                auth_code: "A2".into(),
                                reference: "R2".into(),
                            }
                        } else {
                            GatewayReply::Declined(DeclineReason::DoNotHonor)
                        },
                    })
            }
            other => to_input(other),
        };
        if let Some(input) = input {
            let request = match &input {
                Input::PaymentRequested(r) => Some((r.id.clone(), r.amount)),
                _ => None,
            };
            if let Some((id, _)) = &request
                && ledger.finals.contains_key(id)
            {
                ledger.repeated_requests += 1;
            }
            if let Input::GatewayReplied {
                payment_id,
                reply: GatewayReply::Approved { .. },
            } = &input
            {
                *ledger
                    .approved_replies
                    .entry(payment_id.clone())
                    .or_default() += 1;
            }
            // What the cart on screen still asks for: no payment may start for more.
            let due = match t.screen() {
                Screen::Cart { cart, paid } => {
                    Some(cart.total().minor - paid.map_or(0, |p| p.minor))
                }
                _ => None,
            };
            // Errors are fine (the input may be invalid now); panics are not.
            let accepted = t.handle(input, now).is_ok();
            if let Some((id, amount)) = request
                && accepted
                && !ledger.finals.contains_key(&id)
            {
                let previous = ledger.requested.insert(id.clone(), amount);
                assert!(previous.is_none(), "payment {id} was started twice");
                if let Some(due) = due {
                    assert!(
                        amount.minor <= due,
                        "payment {id} of {amount} started with {due} due"
                    );
                }
            }
        }
        drain(&mut t, &mut ledger);
        check(&t, &ledger);
    }
    // Liveness: with nobody acting but a shopper taking their card, every payment ends and the
    // display settles.
    for _ in 0..4 {
        now += Duration::from_secs(3_600);
        t.handle_timeout(now);
        let _ = t.handle(Input::CardRemoved, now);
        drain(&mut t, &mut ledger);
    }
    check(&t, &ledger);
    assert!(t.active_payment().is_none());
    assert!(t.poll_timeout().is_none());
    let settled = matches!(
        t.screen(),
        Screen::Idle { .. } | Screen::Cart { .. } | Screen::Pairing { .. } | Screen::Undocked
    );
    assert!(settled, "the display did not settle: {}", t.screen().name());
    assert_eq!(t.language(), None, "a payment's language outlived it");
    ledger
}

fn sequences() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..80)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_money_invariants(ops in sequences()) {
        play(&ops);
    }
}

/// Guards against a vacuous property: the generator must reach approvals, declines, timeouts
/// and repeated requests for finished ids, or the invariants above prove little.
#[test]
fn the_generator_reaches_the_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut approved, mut declined, mut timed_out, mut repeats, mut wallet) = (0, 0, 0, 0, 0);
    for _ in 0..300 {
        let ops = sequences().new_tree(&mut runner).unwrap().current();
        let ledger = play(&ops);
        for outcomes in ledger.finals.values() {
            match outcomes[0] {
                Outcome::Approved(_) => approved += 1,
                Outcome::Declined { .. } => declined += 1,
                Outcome::TimedOut => timed_out += 1,
                Outcome::WalletApproved { .. } => wallet += 1,
                Outcome::Cancelled { .. } => {}
            }
        }
        repeats += ledger.repeated_requests;
    }
    assert!(approved >= 30, "only {approved} approvals");
    assert!(declined >= 10, "only {declined} declines");
    assert!(timed_out >= 5, "only {timed_out} timeouts");
    assert!(repeats >= 10, "only {repeats} repeated requests");
    assert!(wallet >= 3, "only {wallet} wallet payments");
}
