//! The digital receipt: a receipt URL from the POS puts "Scan for your receipt" on the
//! post-payment screen for the configured time, whether it comes with the result (wallet) or
//! after it; anything else is refused with a reason.

use std::time::{Duration, Instant};

use countertop_core::{
    CardBrand, CardRead, CoreError, Currency, DeclineReason, EntryMode, GatewayReply, Input,
    LineItem, LinkState, MaskedCard, Money, PaymentId, PaymentMethod, PaymentRequest, ReceiptUrl,
    Screen, Terminal, TerminalConfig,
};

const URL: &str = "https://receipts.example/r/8f2c";

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

fn id(s: &str) -> PaymentId {
    PaymentId::new(s).unwrap()
}

fn url() -> ReceiptUrl {
    ReceiptUrl::new(URL).unwrap()
}

fn config() -> TerminalConfig {
    TerminalConfig {
        result_display: Duration::from_secs(4),
        post_payment_display: Duration::from_secs(5),
        receipt_display: Duration::from_secs(30),
        ..TerminalConfig::default()
    }
}

fn pay(t: &mut Terminal, payment: &str, amount: i64, approved: bool, now: Instant) {
    t.handle(
        Input::PaymentRequested(PaymentRequest {
            id: id(payment),
            amount: eur(amount),
            tip: None,
            method: Default::default(),
            language: None,
        }),
        now,
    )
    .unwrap();
    t.handle(
        Input::CardPresented(CardRead {
            card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
            entry: EntryMode::Tap,
            token: "t".into(),
        }),
        now,
    )
    .unwrap();
    let reply = if approved {
        GatewayReply::Approved {
            auth_code: "1".into(),
            reference: "r".into(),
        }
    } else {
        GatewayReply::Declined(DeclineReason::DoNotHonor)
    };
    t.handle(
        Input::GatewayReplied {
            payment_id: id(payment),
            reply,
        },
        now,
    )
    .unwrap();
    while t.poll_effect().is_some() {}
}

fn receipt(payment: &str) -> Input {
    Input::ReceiptReady {
        payment_id: id(payment),
        url: url(),
    }
}

fn shown_receipt(t: &Terminal) -> Option<String> {
    match t.screen() {
        Screen::PostPayment { receipt, .. } => receipt,
        other => panic!("expected the post-payment screen, got {other:?}"),
    }
}

#[test]
fn a_receipt_sent_during_the_result_shows_after_it_for_the_receipt_time() {
    let t0 = Instant::now();
    let mut t = Terminal::new(config(), LinkState::Connected);
    pay(&mut t, "p1", 1_000, true, t0);
    t.handle(receipt("p1"), t0 + Duration::from_secs(1))
        .unwrap();
    assert!(
        matches!(t.screen(), Screen::Result { .. }),
        "the result stays up first"
    );
    let post = t0 + Duration::from_secs(4);
    t.handle_timeout(post);
    assert_eq!(shown_receipt(&t).as_deref(), Some(URL));
    // Not gone after the plain post-payment time, gone after the receipt time.
    t.handle_timeout(post + Duration::from_secs(5));
    assert_eq!(shown_receipt(&t).as_deref(), Some(URL));
    assert_eq!(t.poll_timeout(), Some(post + Duration::from_secs(30)));
    t.handle_timeout(post + Duration::from_secs(30));
    assert!(matches!(t.screen(), Screen::Idle { .. }));
}

#[test]
fn without_a_receipt_the_post_payment_screen_keeps_its_own_time_and_no_qr() {
    let t0 = Instant::now();
    let mut t = Terminal::new(config(), LinkState::Connected);
    pay(&mut t, "p1", 1_000, true, t0);
    t.handle_timeout(t0 + Duration::from_secs(4));
    assert_eq!(shown_receipt(&t), None);
    t.handle_timeout(t0 + Duration::from_secs(9));
    assert!(matches!(t.screen(), Screen::Idle { .. }));
}

#[test]
fn a_receipt_sent_afterwards_brings_the_screen_back_until_another_sale_starts() {
    let t0 = Instant::now();
    let mut t = Terminal::new(config(), LinkState::Connected);
    pay(&mut t, "p1", 1_000, true, t0);
    // On the post-payment screen: shown at once, for the receipt time from now.
    let post = t0 + Duration::from_secs(4);
    t.handle_timeout(post);
    let now = post + Duration::from_secs(3);
    t.handle(receipt("p1"), now).unwrap();
    assert_eq!(shown_receipt(&t).as_deref(), Some(URL));
    assert_eq!(t.poll_timeout(), Some(now + Duration::from_secs(30)));
    t.handle_timeout(now + Duration::from_secs(30));
    assert!(matches!(t.screen(), Screen::Idle { .. }));
    // Back on idle: the receipt screen comes back.
    let later = now + Duration::from_secs(60);
    t.handle(receipt("p1"), later).unwrap();
    assert_eq!(shown_receipt(&t).as_deref(), Some(URL));
    t.handle_timeout(later + Duration::from_secs(30));
    // A cart for the next shopper: too late for the old receipt.
    let line = LineItem {
        id: "l1".into(),
        description: "Tea".into(),
        quantity_milli: 1000,
        unit_price: eur(300),
        discount_minor: 0,
        tax_rate_bp: 0,
    };
    t.handle(
        Input::CartLineUpserted(line),
        later + Duration::from_secs(31),
    )
    .unwrap();
    assert_eq!(
        t.handle(receipt("p1"), later + Duration::from_secs(32)),
        Err(CoreError::ReceiptTooLate(id("p1")))
    );
    assert!(matches!(t.screen(), Screen::Cart { .. }));
}

#[test]
fn a_receipt_comes_with_the_wallet_confirmation_in_one_step() {
    let t0 = Instant::now();
    let mut t = Terminal::new(config(), LinkState::Connected);
    t.handle(
        Input::PaymentRequested(PaymentRequest {
            id: id("w1"),
            amount: eur(1_000),
            tip: None,
            method: PaymentMethod::WalletQr {
                payload: "https://qr.wallet.example/x".into(),
            },
            language: None,
        }),
        t0,
    )
    .unwrap();
    t.handle(
        Input::WalletConfirmed {
            payment_id: id("w1"),
            reference: "WX-1".into(),
            receipt: Some(url()),
        },
        t0,
    )
    .unwrap();
    t.handle_timeout(t0 + Duration::from_secs(4));
    assert_eq!(shown_receipt(&t).as_deref(), Some(URL));
}

#[test]
fn receipts_for_unapproved_unknown_older_or_running_payments_are_refused() {
    let t0 = Instant::now();
    let mut t = Terminal::new(config(), LinkState::Connected);
    assert_eq!(
        t.handle(receipt("nope"), t0),
        Err(CoreError::ReceiptUnknownPayment(id("nope")))
    );
    pay(&mut t, "p1", 1_000, false, t0);
    assert_eq!(
        t.handle(receipt("p1"), t0),
        Err(CoreError::ReceiptNotApproved(id("p1")))
    );
    let t1 = t0 + Duration::from_secs(60);
    t.handle_timeout(t1);
    pay(&mut t, "p2", 1_000, true, t1);
    let t2 = t1 + Duration::from_secs(60);
    t.handle_timeout(t2);
    t.handle_timeout(t2 + Duration::from_secs(60));
    // A new payment in progress: neither its own (not approved yet) nor the last one's.
    t.handle(
        Input::PaymentRequested(PaymentRequest {
            id: id("p3"),
            amount: eur(1_000),
            tip: None,
            method: Default::default(),
            language: None,
        }),
        t2 + Duration::from_secs(61),
    )
    .unwrap();
    let now = t2 + Duration::from_secs(62);
    assert_eq!(
        t.handle(receipt("p3"), now),
        Err(CoreError::ReceiptNotApproved(id("p3")))
    );
    assert_eq!(
        t.handle(receipt("p2"), now),
        Err(CoreError::ReceiptTooLate(id("p2")))
    );
    assert!(matches!(t.screen(), Screen::AwaitingCard { .. }));
    assert!(
        CoreError::ReceiptTooLate(id("p2"))
            .to_string()
            .contains("another sale")
    );
}
