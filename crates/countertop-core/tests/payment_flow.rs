//! Scenario tests of the terminal state machine, step by step with explicit time.

use std::time::{Duration, Instant};

use countertop_core::{
    CancelReason, CardBrand, CardRead, CoreError, Currency, DeclineReason, Effect, EntryMode,
    GatewayReply, Input, JournalRecord, Language, LineItem, LinkState, MaskedCard, Money, Outcome,
    PaymentId, PaymentRequest, Screen, TaxMode, Terminal, TerminalConfig, TipChoice, TipOptions,
};

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

fn request(id: &str, amount: i64, tip: bool) -> Input {
    Input::PaymentRequested(PaymentRequest {
        id: PaymentId::new(id).unwrap(),
        amount: eur(amount),
        tip: tip.then(|| TipOptions {
            percentages_bp: vec![1000, 1500, 2000],
            fixed_minor: vec![],
            allow_custom: true,
        }),
        method: Default::default(),
        language: None,
    })
}

fn card() -> Input {
    Input::CardPresented(CardRead {
        card: MaskedCard::new(CardBrand::Mastercard, "5100").unwrap(),
        entry: EntryMode::Tap,
        token: "sim-approve".into(),
    })
}

fn approve(id: &str) -> Input {
    Input::GatewayReplied {
        payment_id: PaymentId::new(id).unwrap(),
        reply: GatewayReply::Approved {
            auth_code: "123456".into(),
            reference: "ref-1".into(),
        },
    }
}

fn effects(t: &mut Terminal) -> Vec<Effect> {
    std::iter::from_fn(|| t.poll_effect()).collect()
}

fn terminal() -> Terminal {
    Terminal::new(TerminalConfig::default(), LinkState::Connected)
}

#[test]
fn a_tipped_payment_goes_tip_card_processing_approved_message_idle() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 4_000, true), now).unwrap();
    assert!(matches!(t.screen(), Screen::TipSelection { .. }));
    effects(&mut t);

    t.handle(Input::TipChosen(TipChoice::Percent(1500)), now)
        .unwrap();
    assert_eq!(
        t.screen(),
        Screen::AwaitingCard {
            total: eur(4_600),
            tip: eur(600),
            read_failed: false,
            tap_allowed: true,
            pin_on_reader: false,
            remaining: None,
        }
    );
    assert!(effects(&mut t).contains(&Effect::ArmReader {
        payment_id: PaymentId::new("p1").unwrap(),
        total: eur(4_600),
        tap_allowed: true,
    }));

    t.handle(card(), now).unwrap();
    assert!(matches!(t.screen(), Screen::Processing { .. }));
    let fx = effects(&mut t);
    // The journal learns of the authorization before it goes out.
    assert!(matches!(
        fx[0],
        Effect::Journal(JournalRecord::Authorizing { .. })
    ));
    assert!(matches!(fx[1], Effect::Authorize { total, .. } if total == eur(4_600)));

    t.handle(approve("p1"), now).unwrap();
    let Screen::Result {
        outcome: Outcome::Approved(approval),
        remove_card: false,
    } = t.screen()
    else {
        panic!("expected approval, got {:?}", t.screen())
    };
    assert_eq!(approval.tip, eur(600));
    assert_eq!(approval.card.last4(), "5100");

    let later = now + TerminalConfig::default().result_display;
    t.handle_timeout(later);
    assert!(matches!(t.screen(), Screen::PostPayment { .. }));
    t.handle_timeout(later + TerminalConfig::default().post_payment_display);
    assert_eq!(
        t.screen(),
        Screen::Idle {
            waiting_for_pos: false
        }
    );
}

#[test]
fn the_same_payment_id_is_never_charged_twice() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 1_000, false), now).unwrap();
    t.handle(card(), now).unwrap();
    t.handle(approve("p1"), now).unwrap();
    effects(&mut t);
    t.handle_timeout(now + Duration::from_secs(60));
    t.handle_timeout(now + Duration::from_secs(120));

    // The POS missed the answer and sends the same request again.
    t.handle(request("p1", 1_000, false), now + Duration::from_secs(121))
        .unwrap();
    let fx = effects(&mut t);
    assert_eq!(fx.len(), 1);
    assert!(matches!(
        &fx[0],
        Effect::ReportOutcome {
            outcome: Outcome::Approved(_),
            ..
        }
    ));
    assert!(t.active_payment().is_none());
    // A second approval for the same id is not accepted either.
    assert!(t.handle(approve("p1"), now).is_err());
}

#[test]
fn restored_outcomes_answer_repeated_requests_after_a_restart() {
    let now = Instant::now();
    let mut t = terminal();
    t.restore_outcome(
        PaymentId::new("old").unwrap(),
        Outcome::Declined {
            reason: DeclineReason::DoNotHonor,
            card: None,
        },
    );
    t.handle(request("old", 500, false), now).unwrap();
    assert!(matches!(
        effects(&mut t)[..],
        [Effect::ReportOutcome {
            outcome: Outcome::Declined { .. },
            ..
        }]
    ));
}

#[test]
fn a_second_payment_while_one_runs_is_refused() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 1_000, false), now).unwrap();
    assert_eq!(
        t.handle(request("p2", 1_000, false), now),
        Err(CoreError::Busy(PaymentId::new("p1").unwrap()))
    );
}

#[test]
fn invalid_transitions_are_errors_not_panics() {
    let now = Instant::now();
    let mut t = terminal();
    assert!(matches!(
        t.handle(card(), now),
        Err(CoreError::InvalidTransition { .. })
    ));
    assert!(matches!(
        t.handle(Input::TipChosen(TipChoice::NoTip), now),
        Err(CoreError::InvalidTransition { .. })
    ));
    assert!(matches!(
        t.handle(approve("nope"), now),
        Err(CoreError::InvalidTransition { .. })
    ));
    assert!(matches!(
        t.handle(Input::ShopperCancelled, now),
        Err(CoreError::InvalidTransition { .. })
    ));
    assert_eq!(
        t.handle(request("p", 0, false), now),
        Err(CoreError::NonPositiveAmount)
    );
}

#[test]
fn a_gateway_that_never_answers_is_reversed_and_a_late_approval_reversed_again() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 1_000, false), now).unwrap();
    t.handle(card(), now).unwrap();
    effects(&mut t);
    t.handle_timeout(now + TerminalConfig::default().processing_timeout);
    assert_eq!(
        t.screen(),
        Screen::Result {
            outcome: Outcome::TimedOut,
            remove_card: false
        }
    );
    let fx = effects(&mut t);
    assert!(fx.contains(&Effect::Reverse {
        payment_id: PaymentId::new("p1").unwrap()
    }));

    t.handle(approve("p1"), now + Duration::from_secs(50))
        .unwrap();
    assert_eq!(
        effects(&mut t),
        vec![Effect::Reverse {
            payment_id: PaymentId::new("p1").unwrap()
        }]
    );
    assert_eq!(
        t.outcome_of(&PaymentId::new("p1").unwrap()),
        Some(&Outcome::TimedOut)
    );
}

#[test]
fn undocking_cancels_a_waiting_payment_and_hides_the_cart() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(
        Input::CartLineUpserted(countertop_core::LineItem {
            id: "1".into(),
            description: "Coffee".into(),
            quantity_milli: 1000,
            unit_price: eur(350),
            discount_minor: 0,
            tax_rate_bp: 0,
        }),
        now,
    )
    .unwrap();
    assert!(matches!(t.screen(), Screen::Cart { .. }));
    t.handle(request("p1", 350, false), now).unwrap();
    effects(&mut t);
    t.handle(Input::Docked(false), now).unwrap();
    assert_eq!(t.screen(), Screen::Undocked);
    let fx = effects(&mut t);
    assert!(fx.contains(&Effect::DisarmReader));
    assert!(fx.contains(&Effect::ReportOutcome {
        payment_id: PaymentId::new("p1").unwrap(),
        outcome: Outcome::Cancelled {
            reason: CancelReason::Undocked
        }
    }));
    assert_eq!(
        t.handle(request("p2", 350, false), now),
        Err(CoreError::Undocked)
    );
    t.handle(Input::Docked(true), now).unwrap();
    t.handle_timeout(now + Duration::from_secs(10));
    assert!(matches!(t.screen(), Screen::Cart { .. }));
}

#[test]
fn shopper_cancel_on_the_card_prompt_reports_and_returns_to_the_cart() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 350, false), now).unwrap();
    t.handle(Input::CardReadFailed, now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            read_failed: true,
            ..
        }
    ));
    t.handle(Input::ShopperCancelled, now).unwrap();
    assert_eq!(
        t.screen(),
        Screen::Result {
            outcome: Outcome::Cancelled {
                reason: CancelReason::Shopper
            },
            remove_card: false
        }
    );
    t.handle_timeout(now + Duration::from_secs(10));
    assert_eq!(
        t.screen(),
        Screen::Idle {
            waiting_for_pos: false
        }
    );
}

#[test]
fn cancel_is_refused_once_the_authorization_is_out() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 350, false), now).unwrap();
    t.handle(card(), now).unwrap();
    assert!(
        t.handle(Input::PosCancelled(PaymentId::new("p1").unwrap()), now)
            .is_err()
    );
    assert!(t.handle(Input::ShopperCancelled, now).is_err());
    assert!(matches!(t.screen(), Screen::Processing { .. }));
}

#[test]
fn cancelling_a_finished_payment_cancels_nothing_and_returns_its_outcome() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 350, false), now).unwrap();
    t.handle(card(), now).unwrap();
    t.handle(approve("p1"), now).unwrap();
    let later = now + Duration::from_secs(30);
    t.handle_timeout(later);
    effects(&mut t);
    let before = t.screen();
    let refused = t
        .handle(Input::PosCancelled(PaymentId::new("p1").unwrap()), later)
        .unwrap_err();
    match refused {
        CoreError::AlreadyFinished(id, outcome) => {
            assert_eq!(id.as_str(), "p1");
            assert!(matches!(*outcome, Outcome::Approved(_)), "{outcome:?}");
        }
        other => panic!("expected AlreadyFinished, got {other:?}"),
    }
    // No second report of the outcome and no change of screen: the cancel did nothing.
    assert!(effects(&mut t).is_empty());
    assert_eq!(t.screen(), before);
}

#[test]
fn unpaired_terminal_shows_pairing_and_waiting_state_is_flagged() {
    let now = Instant::now();
    let mut t = Terminal::new(
        TerminalConfig::default(),
        LinkState::Unpaired {
            pairing_uri: "countertop://pair?v=1".into(),
        },
    );
    assert_eq!(
        t.screen(),
        Screen::Pairing {
            uri: "countertop://pair?v=1".into()
        }
    );
    t.handle(Input::Link(LinkState::WaitingForPos), now)
        .unwrap();
    assert_eq!(
        t.screen(),
        Screen::Idle {
            waiting_for_pos: true
        }
    );
}

#[test]
fn after_a_restart_a_pending_authorization_is_settled_from_the_gateway_record() {
    use countertop_core::{GatewayStatus, PendingAuthorization, protocol::PaymentState};
    let now = Instant::now();
    let mut t = terminal();
    let id = PaymentId::new("p-crash").unwrap();
    t.restore_pending(PendingAuthorization {
        payment_id: id.clone(),
        total: eur(1_150),
        tip: eur(150),
        card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
        entry: EntryMode::Tap,
    });
    assert_eq!(
        effects(&mut t),
        vec![Effect::QueryGateway {
            payment_id: id.clone()
        }]
    );
    assert_eq!(t.payment_state(&id), PaymentState::InProgress);
    // The POS retries the request meanwhile: refused, never charged again.
    assert_eq!(
        t.handle(request("p-crash", 1_000, false), now),
        Err(CoreError::Recovering(id.clone()))
    );
    assert!(effects(&mut t).is_empty());

    let reply = GatewayReply::Approved {
        auth_code: "777".into(),
        reference: "R".into(),
    };
    t.handle(
        Input::GatewayStatus {
            payment_id: id.clone(),
            status: GatewayStatus::Replied(reply),
        },
        now,
    )
    .unwrap();
    let fx = effects(&mut t);
    assert!(
        matches!(&fx[0], Effect::Journal(JournalRecord::Final { outcome: Outcome::Approved(a), .. }) if a.total == eur(1_150) && a.tip == eur(150))
    );
    assert!(matches!(&fx[1], Effect::ReportOutcome { .. }));
    assert!(matches!(
        t.payment_state(&id),
        PaymentState::Final {
            outcome: Outcome::Approved(_)
        }
    ));
    // The screen is not disturbed by a recovery.
    assert_eq!(
        t.screen(),
        Screen::Idle {
            waiting_for_pos: false
        }
    );
}

#[test]
fn a_pending_authorization_the_gateway_never_saw_ends_timed_out_and_interrupted_ones_cancelled() {
    use countertop_core::{GatewayStatus, PendingAuthorization, protocol::PaymentState};
    let now = Instant::now();
    let mut t = terminal();
    let id = PaymentId::new("p-lost").unwrap();
    t.restore_pending(PendingAuthorization {
        payment_id: id.clone(),
        total: eur(500),
        tip: eur(0),
        card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
        entry: EntryMode::Insert,
    });
    effects(&mut t);
    t.handle(
        Input::GatewayStatus {
            payment_id: id.clone(),
            status: GatewayStatus::NotFound,
        },
        now,
    )
    .unwrap();
    assert_eq!(
        t.payment_state(&id),
        PaymentState::Final {
            outcome: Outcome::TimedOut
        }
    );

    let early = PaymentId::new("p-early").unwrap();
    t.restore_interrupted(early.clone());
    assert_eq!(
        t.payment_state(&early),
        PaymentState::Final {
            outcome: Outcome::Cancelled {
                reason: CancelReason::Restarted
            }
        }
    );
    assert_eq!(
        t.payment_state(&PaymentId::new("never").unwrap()),
        PaymentState::Unknown
    );
}

#[test]
fn payments_below_the_minimum_are_refused_per_currency() {
    let now = Instant::now();
    let mut t = terminal();
    assert_eq!(
        t.handle(request("small", 49, false), now),
        Err(CoreError::BelowMinimum(eur(50)))
    );
    assert!(t.handle(request("ok", 50, false), now).is_ok());
    let jpy = Currency::from_code("JPY").unwrap();
    assert_eq!(
        TerminalConfig::default().minimum_amount(jpy),
        Money::new(1, jpy)
    );
    let message = CoreError::BelowMinimum(eur(50)).to_string();
    assert!(message.contains("EUR 0.50"), "{message}");
}

#[test]
fn no_payment_starts_on_a_nearly_empty_battery() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(Input::Battery(Some(9)), now).unwrap();
    assert_eq!(
        t.handle(request("p1", 1_000, false), now),
        Err(CoreError::BatteryLow(9))
    );
    t.handle(Input::Battery(Some(10)), now).unwrap();
    assert!(t.handle(request("p1", 1_000, false), now).is_ok());
    // Mains-powered devices report no battery: never refused.
    let mut mains = terminal();
    mains.handle(Input::Battery(None), now).unwrap();
    assert!(mains.handle(request("p2", 1_000, false), now).is_ok());
}

#[test]
fn above_the_contactless_limit_the_card_must_be_inserted() {
    let now = Instant::now();
    let config = TerminalConfig {
        contactless_limits: vec![(Currency::from_code("EUR").unwrap(), 5_000)],
        ..TerminalConfig::default()
    };
    let mut t = Terminal::new(config, LinkState::Connected);
    t.handle(request("small", 5_000, false), now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            tap_allowed: true,
            ..
        }
    ));
    t.handle(Input::ShopperCancelled, now).unwrap();
    t.handle(request("big", 4_500, true), now).unwrap();
    // The tip takes the total over the limit: the tap is withdrawn.
    t.handle(Input::TipChosen(TipChoice::Percent(2000)), now)
        .unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            tap_allowed: false,
            ..
        }
    ));
    assert!(effects(&mut t).iter().any(|e| matches!(
        e,
        Effect::ArmReader {
            tap_allowed: false,
            ..
        }
    )));
}

fn wallet_request(id: &str, amount: i64) -> Input {
    Input::PaymentRequested(PaymentRequest {
        id: PaymentId::new(id).unwrap(),
        amount: eur(amount),
        tip: None,
        method: countertop_core::PaymentMethod::WalletQr {
            payload: "https://wallet.example/qr/abc123".into(),
        },
        language: None,
    })
}

#[test]
fn a_wallet_qr_payment_is_shown_then_confirmed_by_the_pos() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(wallet_request("w1", 1_880), now).unwrap();
    assert_eq!(
        t.screen(),
        Screen::WalletQr {
            total: eur(1_880),
            payload: "https://wallet.example/qr/abc123".into(),
            remaining: None,
        }
    );
    // Nothing goes to the card reader or the card gateway.
    assert!(
        effects(&mut t)
            .iter()
            .all(|e| !matches!(e, Effect::ArmReader { .. } | Effect::Authorize { .. }))
    );
    // Undocking does not drop it: the shopper may already have paid on their phone.
    t.handle(Input::Docked(false), now).unwrap();
    assert!(effects(&mut t).is_empty());
    t.handle(Input::Docked(true), now).unwrap();
    t.handle(
        Input::WalletConfirmed {
            payment_id: PaymentId::new("w1").unwrap(),
            reference: "WX-77".into(),
            receipt: None,
        },
        now,
    )
    .unwrap();
    let outcome = Outcome::WalletApproved {
        reference: "WX-77".into(),
        total: eur(1_880),
    };
    assert_eq!(
        t.screen(),
        Screen::Result {
            outcome: outcome.clone(),
            remove_card: false
        }
    );
    assert!(effects(&mut t).contains(&Effect::ReportOutcome {
        payment_id: PaymentId::new("w1").unwrap(),
        outcome
    }));
}

#[test]
fn a_wallet_qr_can_be_cancelled_times_out_and_refuses_bad_payloads_and_tips() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(wallet_request("w1", 1_000), now).unwrap();
    t.handle(Input::PosCancelled(PaymentId::new("w1").unwrap()), now)
        .unwrap();
    assert_eq!(
        t.screen(),
        Screen::Result {
            outcome: Outcome::Cancelled {
                reason: CancelReason::Pos
            },
            remove_card: false
        }
    );

    let later = now + Duration::from_secs(10);
    t.handle_timeout(later);
    t.handle(wallet_request("w2", 1_000), later).unwrap();
    t.handle_timeout(later + TerminalConfig::default().wallet_timeout);
    assert_eq!(
        t.outcome_of(&PaymentId::new("w2").unwrap()),
        Some(&Outcome::Cancelled {
            reason: CancelReason::NoResponse
        })
    );

    let mut bad = PaymentRequest {
        id: PaymentId::new("w3").unwrap(),
        amount: eur(1_000),
        tip: None,
        method: countertop_core::PaymentMethod::WalletQr {
            payload: "has space".into(),
        },
        language: None,
    };
    let much_later = later + Duration::from_secs(600);
    t.handle_timeout(much_later);
    assert_eq!(
        t.handle(Input::PaymentRequested(bad.clone()), much_later),
        Err(CoreError::BadWalletPayload)
    );
    bad.method = countertop_core::PaymentMethod::WalletQr {
        payload: "https://w/1".into(),
    };
    bad.tip = Some(TipOptions {
        percentages_bp: vec![1000],
        ..TipOptions::default()
    });
    assert_eq!(
        t.handle(Input::PaymentRequested(bad), much_later),
        Err(CoreError::TipWithWallet)
    );
    // A card payment cannot be "confirmed" as a wallet payment.
    t.handle(request("c1", 1_000, false), much_later).unwrap();
    assert!(
        t.handle(
            Input::WalletConfirmed {
                payment_id: PaymentId::new("c1").unwrap(),
                reference: "x".into(),
                receipt: None,
            },
            much_later
        )
        .is_err()
    );
}

#[test]
fn the_pin_is_typed_on_the_reader_and_the_display_says_so() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 2_000, false), now).unwrap();
    t.handle(Input::PinEntryOnReader, now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            pin_on_reader: true,
            read_failed: false,
            ..
        }
    ));
    // A failed read after the PIN prompt goes back to asking for the card.
    t.handle(Input::CardReadFailed, now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            pin_on_reader: false,
            read_failed: true,
            ..
        }
    ));
    t.handle(card(), now).unwrap();
    assert!(
        t.handle(Input::PinEntryOnReader, now).is_err(),
        "no PIN prompt once the card is read"
    );
}

#[test]
fn an_inserted_card_must_come_out_before_the_terminal_moves_on() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(request("p1", 2_000, false), now).unwrap();
    t.handle(
        Input::CardPresented(CardRead {
            card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
            entry: EntryMode::Insert,
            token: "t".into(),
        }),
        now,
    )
    .unwrap();
    t.handle(approve("p1"), now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::Result {
            remove_card: true,
            ..
        }
    ));
    // However long it takes, the result waits for the card.
    assert_eq!(t.poll_timeout(), None);
    t.handle_timeout(now + Duration::from_secs(600));
    assert!(matches!(
        t.screen(),
        Screen::Result {
            remove_card: true,
            ..
        }
    ));
    let later = now + Duration::from_secs(601);
    t.handle(Input::CardRemoved, later).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::Result {
            remove_card: false,
            ..
        }
    ));
    t.handle_timeout(later + TerminalConfig::default().result_display);
    assert!(matches!(t.screen(), Screen::PostPayment { .. }));
}

fn request_in(id: &str, language: Option<Language>) -> Input {
    let Input::PaymentRequested(mut payment) = request(id, 1_500, false) else {
        unreachable!()
    };
    payment.language = language;
    Input::PaymentRequested(payment)
}

#[test]
fn a_payment_speaks_its_language_through_result_and_message_then_the_default_returns() {
    let mut now = Instant::now();
    let mut t = terminal();
    assert_eq!(t.language(), None);
    t.handle(request_in("nl-1", Some(Language::Dutch)), now)
        .unwrap();
    assert_eq!(t.language(), Some(Language::Dutch), "card prompt");
    t.handle(card(), now).unwrap();
    assert_eq!(t.language(), Some(Language::Dutch), "processing");
    t.handle(approve("nl-1"), now).unwrap();
    assert!(matches!(t.screen(), Screen::Result { .. }));
    assert_eq!(t.language(), Some(Language::Dutch), "result");
    now += TerminalConfig::default().result_display;
    t.handle_timeout(now);
    assert!(matches!(t.screen(), Screen::PostPayment { .. }));
    assert_eq!(t.language(), Some(Language::Dutch), "post-payment message");
    now += TerminalConfig::default().post_payment_display;
    t.handle_timeout(now);
    assert!(matches!(t.screen(), Screen::Idle { .. }));
    assert_eq!(t.language(), None, "idle is in the default language");

    // A declined or cancelled payment returns to the default once its result has gone.
    t.handle(request_in("zh-1", Some(Language::ChineseTraditional)), now)
        .unwrap();
    assert_eq!(t.language(), Some(Language::ChineseTraditional));
    t.handle(Input::ShopperCancelled, now).unwrap();
    assert_eq!(
        t.language(),
        Some(Language::ChineseTraditional),
        "cancelled result"
    );
    now += TerminalConfig::default().result_display;
    t.handle_timeout(now);
    assert_eq!(t.language(), None);

    // A payment without a language does not inherit the previous one's.
    t.handle(request_in("sv-1", Some(Language::Swedish)), now)
        .unwrap();
    t.handle(Input::ShopperCancelled, now).unwrap();
    t.handle(request_in("plain-1", None), now).unwrap();
    assert_eq!(t.language(), None);
    // Nor does a refused request change what is on screen.
    assert!(
        t.handle(request_in("sv-2", Some(Language::Swedish)), now)
            .is_err()
    );
    assert_eq!(t.language(), None);
}

#[test]
fn the_language_travels_in_the_payment_request_and_unknown_tags_are_refused() {
    use countertop_core::protocol::{ClientMessage, decode_client};
    let text = r#"{"v":1,"type":"payment.request","payment":{"id":"p","amount":{"minor":500,"currency":"EUR"},"language":"zh-Hant"}}"#;
    let ClientMessage::PaymentRequest { payment } = decode_client(text.as_bytes()).unwrap().message
    else {
        panic!("not a payment request")
    };
    assert_eq!(payment.language, Some(Language::ChineseTraditional));
    let without = r#"{"v":1,"type":"payment.request","payment":{"id":"p","amount":{"minor":500,"currency":"EUR"}}}"#;
    let ClientMessage::PaymentRequest { payment } =
        decode_client(without.as_bytes()).unwrap().message
    else {
        panic!("not a payment request")
    };
    assert_eq!(payment.language, None);
    let bad = r#"{"v":1,"type":"payment.request","payment":{"id":"p","amount":{"minor":500,"currency":"EUR"},"language":"fr"}}"#;
    let error = decode_client(bad.as_bytes()).unwrap_err().to_string();
    assert!(error.contains("unknown language \"fr\""), "{error}");
}

fn vat_line(id: &str, price: i64, rate_bp: u32) -> LineItem {
    LineItem {
        id: id.into(),
        description: format!("Item {id}"),
        quantity_milli: 1000,
        unit_price: eur(price),
        discount_minor: 0,
        tax_rate_bp: rate_bp,
    }
}

fn inclusive_cart(lines: Vec<LineItem>) -> Input {
    let currency = Currency::from_code("EUR").unwrap();
    Input::CartReplaced(
        countertop_core::Cart::from_items_in(currency, TaxMode::Inclusive, lines).unwrap(),
    )
}

#[test]
fn a_payment_above_the_cart_total_is_refused_and_nothing_starts() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(inclusive_cart(vec![vat_line("a", 1_079, 900)]), now)
        .unwrap();
    assert_eq!(
        t.handle(request("p1", 1_080, false), now),
        Err(CoreError::AboveAmountDue {
            amount: eur(1_080),
            due: eur(1_079),
        })
    );
    assert!(effects(&mut t).is_empty());
    assert!(matches!(t.screen(), Screen::Cart { paid: None, .. }));
    // The exact total is an ordinary payment, with nothing remaining.
    t.handle(request("p2", 1_079, false), now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            remaining: None,
            ..
        }
    ));
}

#[test]
fn a_split_tender_payment_shows_what_remains_and_the_next_one_settles_the_cart() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(
        inclusive_cart(vec![vat_line("a", 680, 900), vat_line("b", 399, 2100)]),
        now,
    )
    .unwrap();
    t.handle(request("p1", 400, true), now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::TipSelection { remaining: Some(r), .. } if r == eur(679)
    ));
    t.handle(Input::TipChosen(TipChoice::NoTip), now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard { total, remaining: Some(r), .. } if total == eur(400) && r == eur(679)
    ));
    t.handle(card(), now).unwrap();
    t.handle(approve("p1"), now).unwrap();
    // After the result the cart comes back with what was paid, not the thank-you message.
    t.handle_timeout(now + Duration::from_secs(30));
    let Screen::Cart { cart, paid } = t.screen() else {
        panic!("expected the cart, got {:?}", t.screen())
    };
    assert_eq!(cart.total(), eur(1_079));
    assert_eq!(paid, Some(eur(400)));
    // The rest is what is due now: one cent more is refused, the exact rest settles it.
    assert_eq!(
        t.handle(request("p2", 680, false), now),
        Err(CoreError::AboveAmountDue {
            amount: eur(680),
            due: eur(679),
        })
    );
    t.handle(request("p3", 679, false), now).unwrap();
    assert!(matches!(
        t.screen(),
        Screen::AwaitingCard {
            remaining: None,
            ..
        }
    ));
    t.handle(card(), now).unwrap();
    t.handle(approve("p3"), now).unwrap();
    t.handle_timeout(now + Duration::from_secs(60));
    assert!(matches!(t.screen(), Screen::PostPayment { .. }));
    t.handle_timeout(now + Duration::from_secs(120));
    assert!(matches!(t.screen(), Screen::Idle { .. }));
}

#[test]
fn a_declined_partial_payment_counts_nothing_toward_the_cart() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(inclusive_cart(vec![vat_line("a", 1_000, 900)]), now)
        .unwrap();
    t.handle(request("p1", 300, false), now).unwrap();
    t.handle(card(), now).unwrap();
    t.handle(
        Input::GatewayReplied {
            payment_id: PaymentId::new("p1").unwrap(),
            reply: GatewayReply::Declined(DeclineReason::InsufficientFunds),
        },
        now,
    )
    .unwrap();
    t.handle_timeout(now + Duration::from_secs(30));
    assert!(matches!(t.screen(), Screen::Cart { paid: None, .. }));
    assert!(t.handle(request("p2", 1_000, false), now).is_ok());
}

#[test]
fn lines_upserted_after_an_inclusive_cart_set_follow_its_mode() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(inclusive_cart(vec![vat_line("a", 1_090, 900)]), now)
        .unwrap();
    t.handle(Input::CartCleared, now).unwrap();
    t.handle(Input::CartLineUpserted(vat_line("b", 1_090, 900)), now)
        .unwrap();
    let Screen::Cart { cart, .. } = t.screen() else {
        panic!("expected the cart, got {:?}", t.screen())
    };
    assert_eq!(cart.tax_mode(), TaxMode::Inclusive);
    assert_eq!(cart.total(), eur(1_090));
    assert_eq!(cart.tax(), eur(90));
}

#[test]
fn lines_taken_off_after_a_paid_part_leave_nothing_due_not_a_negative_amount() {
    let now = Instant::now();
    let mut t = terminal();
    t.handle(
        inclusive_cart(vec![vat_line("a", 600, 900), vat_line("b", 400, 900)]),
        now,
    )
    .unwrap();
    t.handle(request("p1", 700, false), now).unwrap();
    t.handle(card(), now).unwrap();
    t.handle(approve("p1"), now).unwrap();
    t.handle_timeout(now + Duration::from_secs(30));
    t.handle(Input::CartLineRemoved("b".into()), now).unwrap();
    // 7.00 paid toward a cart now worth 6.00: nothing more can be asked for.
    assert_eq!(
        t.handle(request("p2", 50, false), now),
        Err(CoreError::AboveAmountDue {
            amount: eur(50),
            due: eur(0),
        })
    );
    assert!(matches!(t.screen(), Screen::Cart { paid: Some(p), .. } if p == eur(700)));
}

#[test]
fn the_terminal_is_at_rest_only_with_no_payment_running_shown_or_recovering() {
    let now = Instant::now();
    let mut t = terminal();
    assert!(t.is_at_rest());
    t.handle(request("p-rest", 4_000, false), now).unwrap();
    assert!(!t.is_at_rest(), "waiting for a card");
    t.handle(card(), now).unwrap();
    assert!(!t.is_at_rest(), "authorizing");
    t.handle(approve("p-rest"), now).unwrap();
    assert!(!t.is_at_rest(), "the result is on screen");
    let later = now + TerminalConfig::default().result_display;
    t.handle_timeout(later);
    assert!(!t.is_at_rest(), "the post-payment message is on screen");
    t.handle_timeout(later + TerminalConfig::default().post_payment_display);
    assert!(t.is_at_rest());

    // An authorization found unanswered after a restart keeps it busy until the gateway says.
    let mut t = terminal();
    t.restore_pending(countertop_core::PendingAuthorization {
        payment_id: PaymentId::new("p-crash").unwrap(),
        total: eur(1_000),
        tip: eur(0),
        card: MaskedCard::new(CardBrand::Visa, "4242").unwrap(),
        entry: EntryMode::Tap,
    });
    assert!(!t.is_at_rest());
}

/// A terminal whose one-line cart was just paid in full: the approval is on screen.
fn cart_paid_in_full(now: Instant) -> Terminal {
    let mut t = terminal();
    t.handle(inclusive_cart(vec![vat_line("a", 1_079, 900)]), now)
        .unwrap();
    t.handle(request("p1", 1_079, false), now).unwrap();
    t.handle(card(), now).unwrap();
    t.handle(approve("p1"), now).unwrap();
    t
}

#[test]
fn the_next_sale_rung_up_while_the_approval_shows_stays_on_screen() {
    let now = Instant::now();
    let mut t = cart_paid_in_full(now);
    assert!(matches!(t.screen(), Screen::Result { .. }));
    // The cashier rings up the next shopper at once.
    t.handle(inclusive_cart(vec![vat_line("b", 250, 900)]), now)
        .unwrap();
    let later = now + TerminalConfig::default().result_display;
    t.handle_timeout(later);
    assert!(matches!(t.screen(), Screen::PostPayment { .. }));
    t.handle_timeout(later + TerminalConfig::default().post_payment_display);
    let Screen::Cart { cart, paid: None } = t.screen() else {
        panic!("expected the next sale's cart, got {:?}", t.screen())
    };
    assert_eq!(cart.total(), eur(250));
}

#[test]
fn the_paid_cart_leaves_the_screen_when_its_approval_ends() {
    let now = Instant::now();
    let mut t = cart_paid_in_full(now);
    let later = now + TerminalConfig::default().result_display;
    t.handle_timeout(later);
    t.handle_timeout(later + TerminalConfig::default().post_payment_display);
    assert_eq!(
        t.screen(),
        Screen::Idle {
            waiting_for_pos: false
        }
    );
}
