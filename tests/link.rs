//! The POS link over loopback with real TLS: pairing rules, authentication, the cart on screen,
//! payments, cancel, disconnects, malformed and oversized messages, health, pairing reset.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use countertop::adapters::link::LinkRequest;
use countertop::adapters::reader::TestCard;
use countertop::config::AppConfig;
use countertop::demo::demo_items;
use countertop::messages::ViewSink;
use countertop::pos::{PosClient, PosError};
use countertop::runtime::{RuntimeOptions, Started, run_terminal};
use countertop::view::ViewState;
use countertop_core::pairing::PairingUri;
use countertop_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, PaymentState, ServerMessage,
};
use countertop_core::{
    CancelReason, Currency, EntryMode, Language, Money, Outcome, PaymentId, PaymentRequest, Screen,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};

struct Terminal {
    views: mpsc::UnboundedReceiver<ViewState>,
    started: Started,
    _shutdown: watch::Sender<bool>,
    _state: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct ChannelSink(mpsc::UnboundedSender<ViewState>);
impl ViewSink for ChannelSink {
    fn show(&self, view: ViewState) {
        let _ = self.0.send(view);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("countertop-link-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TempDir(dir)
}

async fn start(name: &str, configure: impl FnOnce(&mut RuntimeOptions)) -> Terminal {
    let state = temp_dir(name);
    let mut options = RuntimeOptions::new(AppConfig::default(), state.0.clone());
    options.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    options.health = SocketAddr::from(([127, 0, 0, 1], 0));
    options.advertise = Some(vec![Ipv4Addr::LOCALHOST]);
    options.gateway_latency = Duration::from_millis(200);
    options.reader.delay = Duration::from_millis(300);
    options.reader.cards = vec![(TestCard::Approve, EntryMode::Tap)];
    configure(&mut options);
    let (view_tx, views) = mpsc::unbounded_channel();
    let (_ui_tx, ui_rx) = mpsc::unbounded_channel();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let (started_tx, started_rx) = oneshot::channel();
    tokio::spawn(async move {
        if let Err(error) = run_terminal(
            options,
            ChannelSink(view_tx),
            ui_rx,
            shutdown_rx,
            started_tx,
        )
        .await
        {
            panic!("terminal failed: {error}");
        }
        drop(_ui_tx);
    });
    let started = started_rx.await.expect("terminal started");
    Terminal {
        views,
        started,
        _shutdown: shutdown,
        _state: state,
    }
}

impl Terminal {
    /// The pairing payload currently on screen.
    async fn pairing_uri(&mut self) -> PairingUri {
        loop {
            let view = tokio::time::timeout(Duration::from_secs(10), self.views.recv())
                .await
                .unwrap()
                .unwrap();
            if let Screen::Pairing { uri } = view.screen {
                return PairingUri::parse(&uri).unwrap();
            }
        }
    }

    /// Waits until the screen satisfies `check`.
    async fn screen_until(&mut self, check: impl Fn(&Screen) -> bool) -> Screen {
        loop {
            let view = tokio::time::timeout(Duration::from_secs(10), self.views.recv())
                .await
                .expect("screen change in time")
                .unwrap();
            if check(&view.screen) {
                return view.screen;
            }
        }
    }
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap())
}

fn payment(id: &str, amount: i64) -> ClientMessage {
    ClientMessage::PaymentRequest {
        payment: PaymentRequest {
            id: PaymentId::new(id).unwrap(),
            amount: eur(amount),
            tip: None,
            method: Default::default(),
            language: None,
        },
    }
}

async fn result_of(client: &mut PosClient, id: &str) -> Outcome {
    loop {
        match client.next_push(Duration::from_secs(20)).await.unwrap() {
            ServerMessage::PaymentResult {
                payment_id,
                outcome,
            } if payment_id.as_str() == id => return outcome,
            _ => {}
        }
    }
}

fn refused(result: Result<impl std::fmt::Debug, PosError>) -> (ErrorCode, String) {
    match result {
        Err(PosError::Refused { code, message, .. }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn pairing_refuses_wrong_code_wrong_store_and_location_then_pairs_once() {
    let mut t = start("pairing", |_| {}).await;
    let uri = t.pairing_uri().await;

    let mut wrong = uri.clone();
    wrong.code = "AAAA-AAAA".into();
    let (code, message) = refused(
        PosClient::pair(&wrong, "S-1", "L-1", "Till")
            .await
            .map(|_| ()),
    );
    assert_eq!(code, ErrorCode::PairingRefused);
    assert!(message.contains("wrong"), "{message}");
    let (_, message) = refused(
        PosClient::pair(&uri, "S-2", "L-1", "Till")
            .await
            .map(|_| ()),
    );
    assert!(message.contains("another store"), "{message}");
    let (_, message) = refused(
        PosClient::pair(&uri, "S-1", "L-9", "Till")
            .await
            .map(|_| ()),
    );
    assert!(message.contains("another location"), "{message}");

    let (client, credentials) = PosClient::pair(&uri, "S-1", "L-1", "Till 1").await.unwrap();
    assert_eq!(credentials.terminal_id, "CT-0001");
    t.screen_until(|s| {
        matches!(
            s,
            Screen::Idle {
                waiting_for_pos: false
            }
        )
    })
    .await;

    // The same code again: used up.
    let (_, message) = refused(
        PosClient::pair(&uri, "S-1", "L-1", "Till 2")
            .await
            .map(|_| ()),
    );
    assert!(message.contains("already used"), "{message}");
    drop(client);

    // The paired POS comes back with its credential; a forged one is refused.
    let resumed = PosClient::resume(&credentials).await.unwrap();
    drop(resumed);
    let mut forged = credentials.clone();
    forged.credential = "00".repeat(32);
    let (code, _) = refused(PosClient::resume(&forged).await.map(|_| ()));
    assert_eq!(code, ErrorCode::NotAuthenticated);
}

#[tokio::test]
async fn an_expired_code_is_refused_and_a_new_one_shown() {
    let mut t = start("expired", |o| o.code_lifetime = Duration::from_millis(400)).await;
    let old = t.pairing_uri().await;
    let new = t.pairing_uri().await; // shown when the old one expires
    assert_ne!(old.code, new.code);
    let (_, message) = refused(
        PosClient::pair(&old, "S-1", "L-1", "Till")
            .await
            .map(|_| ()),
    );
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn a_wrong_certificate_pin_never_reaches_the_protocol() {
    let mut t = start("pin", |_| {}).await;
    let mut uri = t.pairing_uri().await;
    uri.fingerprint[0] ^= 0xff;
    match PosClient::pair(&uri, "S-1", "L-1", "Till").await {
        Err(PosError::Tls(_)) => {}
        Err(other) => panic!("expected a TLS failure, got {other}"),
        Ok(_) => panic!("connected with a wrong pin"),
    }
}

#[tokio::test]
async fn an_unpaired_client_is_refused_every_message() {
    let mut t = start("unpaired", |_| {}).await;
    let uri = t.pairing_uri().await;
    let mut client = PosClient::connect_any(&uri.ips, uri.port, uri.fingerprint)
        .await
        .unwrap();
    let id = PaymentId::new("p").unwrap();
    let messages = vec![
        ClientMessage::CartSet {
            currency: Currency::from_code("EUR").unwrap(),
            lines: vec![],
            prices_include_tax: false,
        },
        ClientMessage::CartUpsert {
            line: demo_items(Currency::from_code("EUR").unwrap()).remove(0),
        },
        ClientMessage::CartRemove {
            line_id: "x".into(),
        },
        ClientMessage::CartClear,
        ClientMessage::DisplaySet {
            post_payment_message: Some("hi".into()),
            show_logos: None,
            logos: None,
            idle_image_base64: None,
            customer_language: None,
            high_contrast: None,
            large_text: None,
        },
        payment("p", 100),
        ClientMessage::PaymentCancel {
            payment_id: id.clone(),
        },
        ClientMessage::PaymentStatus { payment_id: id },
    ];
    for message in messages {
        let (code, _) = refused(client.request(message.clone()).await);
        assert_eq!(code, ErrorCode::NotAuthenticated, "{message:?}");
    }
    assert_eq!(
        client.request(ClientMessage::Ping).await.unwrap(),
        ServerMessage::Pong
    );
    let (code, _) = refused(
        client
            .request(ClientMessage::Hello {
                pos_id: "pos-x".into(),
                credential: "y".into(),
            })
            .await,
    );
    assert_eq!(code, ErrorCode::NotAuthenticated);
    // Nothing reached the screen.
    while let Ok(view) = t.views.try_recv() {
        assert!(!matches!(view.screen, Screen::Cart { .. }));
    }
}

async fn paired(
    name: &str,
    configure: impl FnOnce(&mut RuntimeOptions),
) -> (Terminal, PosClient, countertop::pos::PosCredentials) {
    let mut t = start(name, configure).await;
    let uri = t.pairing_uri().await;
    let (client, credentials) = PosClient::pair(&uri, "S-1", "L-1", "Till 1").await.unwrap();
    (t, client, credentials)
}

#[tokio::test]
async fn cart_updates_reach_the_screen_and_a_payment_is_approved() {
    let (mut t, mut pos, _) = paired("pay", |_| {}).await;
    let currency = Currency::from_code("EUR").unwrap();
    let items = demo_items(currency);
    pos.request(ClientMessage::CartSet {
        currency,
        lines: items[..2].to_vec(),
        prices_include_tax: false,
    })
    .await
    .unwrap();
    let screen = t.screen_until(|s| matches!(s, Screen::Cart { .. })).await;
    let Screen::Cart { cart, .. } = screen else {
        unreachable!()
    };
    assert_eq!(cart.lines().len(), 2);
    pos.request(ClientMessage::CartUpsert {
        line: items[2].clone(),
    })
    .await
    .unwrap();
    let Screen::Cart { cart, .. } = t
        .screen_until(|s| matches!(s, Screen::Cart { cart, .. } if cart.lines().len() == 3))
        .await
    else {
        unreachable!()
    };
    let total = cart.total();

    // A cart the terminal cannot total is refused with a reason, and the screen keeps the old one.
    let mut bad = items[0].clone();
    bad.quantity_milli = 0;
    let (code, message) = refused(
        pos.request(ClientMessage::CartSet {
            currency,
            lines: vec![bad],
            prices_include_tax: false,
        })
        .await,
    );
    assert_eq!(code, ErrorCode::Rejected);
    assert!(message.contains("quantity"), "{message}");

    pos.request(payment("sale-1", total.minor)).await.unwrap();
    let Outcome::Approved(approval) = result_of(&mut pos, "sale-1").await else {
        panic!("not approved")
    };
    assert_eq!(approval.total, total);
    assert_eq!(approval.card.last4(), "4242");
    t.screen_until(|s| {
        matches!(
            s,
            Screen::Result {
                outcome: Outcome::Approved(_),
                ..
            }
        )
    })
    .await;

    // The POS repeats the request (it missed the answer): same outcome, no new payment.
    pos.request(payment("sale-1", total.minor)).await.unwrap();
    assert_eq!(
        result_of(&mut pos, "sale-1").await,
        Outcome::Approved(approval.clone())
    );

    // A cancel that comes too late cancels nothing: an `already_finished` error carrying the
    // approval, never an `ack` a POS could take for a voided sale, and no repeated push.
    let late = pos
        .request(ClientMessage::PaymentCancel {
            payment_id: PaymentId::new("sale-1").unwrap(),
        })
        .await;
    match late {
        Err(PosError::Refused {
            code: ErrorCode::AlreadyFinished,
            outcome: Some(outcome),
            ..
        }) => assert_eq!(*outcome, Outcome::Approved(approval)),
        other => panic!("expected already_finished with the approval, got {other:?}"),
    }
    assert!(matches!(
        pos.next_push(Duration::from_millis(500)).await,
        Err(PosError::Timeout)
    ));
}

#[tokio::test]
async fn a_tax_inclusive_cart_shows_the_sent_total_and_a_payment_is_checked_against_it() {
    let (mut t, mut pos, _) = paired("vat", |_| {}).await;
    let currency = Currency::from_code("EUR").unwrap();
    let mut items = demo_items(currency);
    items.truncate(3);
    items[2].tax_rate_bp = 2_100;
    let sent: i64 = items
        .iter()
        .map(|i| i.unit_price.minor * i.quantity_milli as i64 / 1_000 - i.discount_minor)
        .sum();
    pos.request(ClientMessage::CartSet {
        currency,
        lines: items,
        prices_include_tax: true,
    })
    .await
    .unwrap();
    let Screen::Cart { cart, paid: None } =
        t.screen_until(|s| matches!(s, Screen::Cart { .. })).await
    else {
        panic!("expected a cart with nothing paid")
    };
    // The total is the lines exactly as sent; the VAT in it is shown per rate.
    assert_eq!(cart.total(), eur(sent));
    let rates: Vec<u32> = cart.tax_breakdown().iter().map(|g| g.rate_bp).collect();
    assert_eq!(rates, vec![900, 2_100]);
    // A line upserted later is priced the same way: its price adds to the total as it is.
    let mut extra = demo_items(currency).remove(3);
    extra.id = "extra".into();
    let extra_amount = extra.unit_price.minor * extra.quantity_milli as i64 / 1_000;
    pos.request(ClientMessage::CartUpsert { line: extra })
        .await
        .unwrap();
    let Screen::Cart { cart, .. } = t
        .screen_until(|s| matches!(s, Screen::Cart { cart, .. } if cart.lines().len() == 4))
        .await
    else {
        unreachable!()
    };
    let total = cart.total();
    assert_eq!(total, eur(sent + extra_amount));

    // More than the cart total is refused with a reason, and nothing starts.
    let (code, message) = refused(pos.request(payment("over", total.minor + 1)).await);
    assert_eq!(code, ErrorCode::Rejected);
    assert!(message.contains("more than"), "{message}");
    assert_eq!(
        pos.request(ClientMessage::PaymentStatus {
            payment_id: PaymentId::new("over").unwrap()
        })
        .await
        .unwrap(),
        ServerMessage::PaymentStatus {
            payment_id: PaymentId::new("over").unwrap(),
            state: PaymentState::Unknown,
        }
    );

    // Less is a split-tender payment: the card screen shows what remains.
    pos.request(payment("part", 1_000)).await.unwrap();
    let Screen::AwaitingCard {
        total: now,
        remaining,
        ..
    } = t
        .screen_until(|s| matches!(s, Screen::AwaitingCard { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(now, eur(1_000));
    assert_eq!(remaining, Some(eur(total.minor - 1_000)));
    assert!(matches!(
        result_of(&mut pos, "part").await,
        Outcome::Approved(_)
    ));
    // After the result, the cart is back with what was paid toward it.
    let Screen::Cart { paid, .. } = t
        .screen_until(|s| matches!(s, Screen::Cart { paid: Some(_), .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(paid, Some(eur(1_000)));
}

#[tokio::test]
async fn the_pos_cancels_while_the_shopper_looks_for_a_card() {
    let (_t, mut pos, _) = paired("cancel", |o| o.reader.delay = Duration::from_secs(30)).await;
    pos.request(payment("c-1", 500)).await.unwrap();
    let (code, _) = refused(pos.request(payment("c-2", 500)).await);
    assert_eq!(code, ErrorCode::Busy);
    pos.request(ClientMessage::PaymentCancel {
        payment_id: PaymentId::new("c-1").unwrap(),
    })
    .await
    .unwrap();
    assert_eq!(
        result_of(&mut pos, "c-1").await,
        Outcome::Cancelled {
            reason: CancelReason::Pos
        }
    );
}

#[tokio::test]
async fn after_a_disconnect_mid_payment_the_status_query_tells_the_truth() {
    let (_t, mut pos, credentials) =
        paired("disconnect", |o| o.gateway_latency = Duration::from_secs(2)).await;
    pos.request(payment("d-1", 1_999)).await.unwrap();
    pos.close().await; // the POS app is killed while the card is being read

    let mut pos = PosClient::resume_with_backoff(&credentials, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(status(&mut pos).await, PaymentState::InProgress);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let final_state = loop {
        let state = status(&mut pos).await;
        if matches!(state, PaymentState::Final { .. }) || tokio::time::Instant::now() > deadline {
            break state;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        matches!(
            final_state,
            PaymentState::Final {
                outcome: Outcome::Approved(_)
            }
        ),
        "{final_state:?}"
    );
    let unknown = pos
        .request(ClientMessage::PaymentStatus {
            payment_id: PaymentId::new("never").unwrap(),
        })
        .await
        .unwrap();
    assert!(matches!(
        unknown,
        ServerMessage::PaymentStatus {
            state: PaymentState::Unknown,
            ..
        }
    ));
}

async fn status(pos: &mut PosClient) -> PaymentState {
    let id = PaymentId::new("d-1").unwrap();
    match pos
        .request(ClientMessage::PaymentStatus { payment_id: id })
        .await
        .unwrap()
    {
        ServerMessage::PaymentStatus { state, .. } => state,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_messages_get_error_replies_and_the_link_survives() {
    let (_t, mut pos, credentials) = paired("garbage", |_| {}).await;
    for (text, expected) in [
        ("not json".to_owned(), ErrorCode::BadMessage),
        (
            r#"{"v":1,"id":"x1","type":"launch_rockets"}"#.to_owned(),
            ErrorCode::BadMessage,
        ),
        (
            r#"{"v":7,"id":"x2","type":"ping"}"#.to_owned(),
            ErrorCode::UnsupportedVersion,
        ),
        (
            r#"{"id":"x3","type":"ping"}"#.to_owned(),
            ErrorCode::UnsupportedVersion,
        ),
        (
            format!(r#"{{"v":1,"id":"{}","type":"ping"}}"#, "i".repeat(65)),
            ErrorCode::BadMessage,
        ),
    ] {
        pos.send_text(text.clone()).await.unwrap();
        let envelope = pos.next_envelope().await.unwrap();
        assert!(
            matches!(&envelope.message, ServerMessage::Error { code, .. } if *code == expected),
            "{text}: {envelope:?}"
        );
    }
    // Binary frames are refused: the protocol is JSON in text frames.
    pos.send_binary(br#"{"v":1,"id":"b1","type":"ping"}"#.to_vec())
        .await
        .unwrap();
    let envelope = pos.next_envelope().await.unwrap();
    assert!(
        matches!(
            &envelope.message,
            ServerMessage::Error {
                code: ErrorCode::BadMessage,
                ..
            }
        ),
        "{envelope:?}"
    );
    // Still connected and still authenticated.
    assert_eq!(
        pos.request(ClientMessage::Ping).await.unwrap(),
        ServerMessage::Pong
    );
    pos.request(ClientMessage::CartClear).await.unwrap();

    // A message over 1 MiB is refused by the WebSocket layer with `too_large`, then the
    // connection closes (the rest of the frame is never read); the POS simply reconnects.
    pos.send_text(format!(
        r#"{{"v":1,"id":"x9","type":"ping","pad":"{}"}}"#,
        "a".repeat(MAX_MESSAGE_BYTES + 10)
    ))
    .await
    .unwrap();
    let envelope = pos.next_envelope().await.unwrap();
    assert!(
        matches!(
            &envelope.message,
            ServerMessage::Error {
                code: ErrorCode::TooLarge,
                ..
            }
        ),
        "{envelope:?}"
    );
    assert!(matches!(pos.next_envelope().await, Err(PosError::Closed)));
    let mut again = PosClient::resume(&credentials).await.unwrap();
    assert_eq!(
        again.request(ClientMessage::Ping).await.unwrap(),
        ServerMessage::Pong
    );
}

/// A connection that neither pairs nor says hello is closed after the authentication deadline
/// (10 s), so it cannot keep one of the few unauthenticated places.
#[tokio::test]
async fn a_connection_that_never_authenticates_is_closed_after_the_deadline() {
    let mut t = start("deadline", |_| {}).await;
    let uri = t.pairing_uri().await;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, uri.port));
    let mut idle = PosClient::connect(addr, uri.fingerprint).await.unwrap();
    let started = std::time::Instant::now();
    // Pings are answered but do not authenticate: the deadline still ends the connection.
    assert_eq!(
        idle.request(ClientMessage::Ping).await.unwrap(),
        ServerMessage::Pong
    );
    assert!(matches!(idle.next_envelope().await, Err(PosError::Closed)));
    let waited = started.elapsed();
    assert!(
        waited > Duration::from_secs(8) && waited < Duration::from_secs(14),
        "closed after {waited:?}"
    );
    // Pairing within the deadline works as before.
    PosClient::pair(&uri, "S-1", "L-1", "Till 1").await.unwrap();
}

#[tokio::test]
async fn health_answers_without_secrets() {
    let t = start("health", |_| {}).await;
    let port = t.started.health_port.unwrap();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["paired"], false);
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["uptime_s"].is_u64());
    assert!(!body.contains("code") && !body.contains("fp"), "{body}");
    let mut other = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    other
        .write_all(b"GET /admin HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    other.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
}

#[tokio::test]
async fn resetting_the_pairing_locks_the_old_pos_out_and_shows_a_new_qr() {
    let (mut t, pos, credentials) = paired("reset", |_| {}).await;
    drop(pos);
    t.started
        .link
        .clone()
        .unwrap()
        .send(LinkRequest::ResetPairing)
        .await
        .unwrap();
    let uri = t.pairing_uri().await;
    assert_ne!(
        uri.fingerprint,
        credentials.fingerprint_bytes().unwrap(),
        "the certificate is new"
    );
    assert!(PosClient::resume(&credentials).await.is_err());
    // A new POS can pair with the new code.
    let (_pos, fresh) = PosClient::pair(&uri, "S-1", "L-1", "Till 2").await.unwrap();
    assert_ne!(fresh.pos_id, credentials.pos_id);
}

#[tokio::test]
async fn the_pairing_qr_and_the_panel_follow_the_address_networkmanager_reports() {
    // No fixed address: the link uses what NetworkManager says (here, as the settings actor
    // would pass it on) and rebuilds the QR when it changes.
    let mut t = start("follow-address", |o| o.advertise = None).await;
    let link = t.started.link.clone().unwrap();
    let mut status = t.started.link_status.clone().unwrap();
    t.pairing_uri().await;
    link.send(LinkRequest::CurrentAddresses(vec![Ipv4Addr::new(
        10, 20, 30, 40,
    )]))
    .await
    .unwrap();
    let uri = t.pairing_uri().await;
    assert_eq!(uri.ips, [Ipv4Addr::new(10, 20, 30, 40)]);
    // Cloned at once: a held `Ref` would block the link from publishing.
    let panel = status
        .wait_for(|s| {
            s.pairing_uri
                .as_deref()
                .is_some_and(|u| u.contains("10.20.30.40"))
        })
        .await
        .unwrap()
        .clone();
    assert_eq!(panel.paired_pos, None);
    link.send(LinkRequest::CurrentAddresses(vec![Ipv4Addr::new(
        10, 20, 31, 7,
    )]))
    .await
    .unwrap();
    assert_eq!(t.pairing_uri().await.ips, [Ipv4Addr::new(10, 20, 31, 7)]);
}

/// Without the staff panel (`--headless`), the runtime itself feeds the link the terminal's
/// addresses (polled from the interfaces in production, fed by the test here).
#[tokio::test]
async fn without_the_panel_the_runtime_feeds_address_changes_to_the_link() {
    let (feed, addresses) = watch::channel(vec![Ipv4Addr::new(10, 1, 2, 3)]);
    let mut t = start("runtime-addresses", |o| {
        o.advertise = None;
        o.addresses = Some(addresses);
    })
    .await;
    let mut uri = t.pairing_uri().await;
    while uri.ips != [Ipv4Addr::new(10, 1, 2, 3)] {
        uri = t.pairing_uri().await;
    }
    feed.send(vec![
        Ipv4Addr::new(10, 1, 9, 9),
        Ipv4Addr::new(172, 16, 0, 4),
    ])
    .unwrap();
    let mut uri = t.pairing_uri().await;
    while uri.ips != [Ipv4Addr::new(10, 1, 9, 9), Ipv4Addr::new(172, 16, 0, 4)] {
        uri = t.pairing_uri().await;
    }
}

#[tokio::test]
async fn the_paired_pos_finds_the_terminal_by_udp_discovery_and_announcements() {
    let announcements = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let announce_to = announcements.local_addr().unwrap();
    let (t, _pos, credentials) = paired("discovery", |o| {
        o.discovery = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        o.announce_to = Some(announce_to);
    })
    .await;
    let discovery_addr = SocketAddr::from(([127, 0, 0, 1], t.started.discovery_port.unwrap()));

    let found = countertop::pos::discover(&credentials, discovery_addr, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(found.port, t.started.pairing_port.unwrap());
    assert_eq!(found.ips, vec![Ipv4Addr::LOCALHOST]);
    assert_eq!(found.fingerprint, credentials.fingerprint_bytes().unwrap());

    // Another POS (or a stranger) gets no answer at all.
    let mut stranger = credentials.clone();
    stranger.pos_id = "pos-stranger".into();
    assert!(matches!(
        countertop::pos::discover(&stranger, discovery_addr, Duration::from_millis(700)).await,
        Err(PosError::Timeout)
    ));

    // The paired POS with a nonce that is not 32 lowercase hex digits gets no answer either;
    // with a proper one it does (the same socket, so only the nonce differs).
    let asker = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut reply = [0u8; 2048];
    for (nonce, answered) in [
        ("short", false),
        ("0123456789ABCDEF0123456789ABCDEF", false),
        ("0123456789abcdef0123456789abcdef", true),
    ] {
        let ask = serde_json::json!({"type":"discover","pos_id":credentials.pos_id,"nonce":nonce});
        asker
            .send_to(ask.to_string().as_bytes(), discovery_addr)
            .await
            .unwrap();
        let got = tokio::time::timeout(Duration::from_millis(700), asker.recv_from(&mut reply))
            .await
            .is_ok();
        assert_eq!(got, answered, "nonce {nonce:?}");
    }

    let (announced, counter) = countertop::pos::next_announcement(
        &announcements,
        &credentials,
        None,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(announced, found);
    assert!(counter > 0);
}

#[tokio::test]
async fn a_wallet_qr_payment_is_shown_and_settled_by_the_pos() {
    let (mut t, mut pos, _) = paired("wallet", |_| {}).await;
    let payload = "https://qr.wallet.example/pay/abc?amount=1880";
    let request = PaymentRequest {
        id: PaymentId::new("w-1").unwrap(),
        amount: eur(1_880),
        tip: None,
        method: countertop_core::PaymentMethod::WalletQr {
            payload: payload.into(),
        },
        language: None,
    };
    pos.request(ClientMessage::PaymentRequest { payment: request })
        .await
        .unwrap();
    let screen = t
        .screen_until(|s| matches!(s, Screen::WalletQr { .. }))
        .await;
    assert_eq!(
        screen,
        Screen::WalletQr {
            total: eur(1_880),
            payload: payload.into(),
            remaining: None,
        }
    );

    // A receipt address that is not a web address is refused on decoding, nothing confirmed.
    pos.send_text(
        r#"{"v":1,"id":"r-bad","type":"payment.wallet_confirm","payment_id":"w-1","reference":"WX-9","receipt_url":"javascript:alert(1)"}"#
            .into(),
    )
    .await
    .unwrap();
    let (code, message) = refused(pos.answer_to("r-bad").await);
    assert_eq!(code, ErrorCode::BadMessage);
    assert!(message.contains("https://"), "{message}");
    let receipt = countertop_core::ReceiptUrl::new("https://receipts.example/r/w-1").unwrap();
    pos.request(ClientMessage::PaymentWalletConfirm {
        payment_id: PaymentId::new("w-1").unwrap(),
        reference: "WX-9".into(),
        receipt_url: Some(receipt.clone()),
    })
    .await
    .unwrap();
    assert_eq!(
        result_of(&mut pos, "w-1").await,
        Outcome::WalletApproved {
            reference: "WX-9".into(),
            total: eur(1_880)
        }
    );
    // Confirming again (or confirming a card payment) is refused with a reason.
    let (code, _) = refused(
        pos.request(ClientMessage::PaymentWalletConfirm {
            payment_id: PaymentId::new("w-1").unwrap(),
            reference: "WX-9".into(),
            receipt_url: None,
        })
        .await,
    );
    assert_eq!(code, ErrorCode::Rejected);
    // The receipt again, afterwards, is fine for this sale; for an unknown one it is refused.
    pos.request(ClientMessage::ReceiptShow {
        payment_id: PaymentId::new("w-1").unwrap(),
        receipt_url: receipt.clone(),
    })
    .await
    .unwrap();
    let (code, message) = refused(
        pos.request(ClientMessage::ReceiptShow {
            payment_id: PaymentId::new("w-0").unwrap(),
            receipt_url: receipt,
        })
        .await,
    );
    assert_eq!(code, ErrorCode::Rejected);
    assert!(message.contains("w-0 is unknown"), "{message}");
}

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbaImage::from_pixel(width, height, image::Rgba([30, 90, 60, 255]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn display_set(picture: Option<&[u8]>, logos: Option<Vec<&str>>) -> ClientMessage {
    use base64::Engine as _;
    ClientMessage::DisplaySet {
        post_payment_message: Some("Thanks, see you tomorrow!".into()),
        show_logos: Some(true),
        logos: logos.map(|l| l.into_iter().map(String::from).collect()),
        idle_image_base64: picture.map(|p| base64::engine::general_purpose::STANDARD.encode(p)),
        customer_language: None,
        high_contrast: None,
        large_text: None,
    }
}

#[tokio::test]
async fn display_settings_push_keeps_the_old_picture_when_a_new_one_is_bad() {
    let (mut t, mut pos, _) = paired("display", |_| {}).await;
    pos.request(display_set(
        Some(&png_bytes(640, 400)),
        Some(vec!["visa", "alipay"]),
    ))
    .await
    .unwrap();
    let view = loop {
        let view = tokio::time::timeout(Duration::from_secs(5), t.views.recv())
            .await
            .unwrap()
            .unwrap();
        if view.display.idle_image.is_some() {
            break view;
        }
    };
    let good = view.display.idle_image.clone().unwrap();
    assert!(good.exists());
    assert_eq!(view.display.logos.len(), 2);

    // A decompression bomb (a header claiming 60000 x 60000), a truncated file, garbage and an
    // unknown logo are refused with reasons; nothing changes.
    let mut bomb = png_bytes(1, 1);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let whole = png_bytes(300, 300);
    for (picture, logos) in [
        (Some(bomb.as_slice()), None),
        (Some(&whole[..whole.len() / 2]), None),
        (Some(b"GIF89a not supported".as_slice()), None),
        (None, Some(vec!["visa", "monopoly-money"])),
    ] {
        let (code, message) = refused(pos.request(display_set(picture, logos)).await);
        assert_eq!(code, ErrorCode::Rejected);
        assert!(!message.is_empty());
    }
    let saved = std::fs::read_to_string(t._state.0.join("display.json")).unwrap();
    assert!(
        saved.contains(good.file_name().unwrap().to_str().unwrap()),
        "{saved}"
    );
    assert!(saved.contains("see you tomorrow"));
    // The screen still has the good picture: no view since names a different one.
    while let Ok(view) = t.views.try_recv() {
        assert_eq!(view.display.idle_image.as_ref(), Some(&good));
    }
}

#[tokio::test]
async fn the_pos_sets_the_default_language_and_asks_for_another_per_payment() {
    let (mut t, mut pos, _) = paired("language", |_| {}).await;
    let language = |tag: &str| ClientMessage::DisplaySet {
        post_payment_message: Some("Tot ziens!".into()),
        show_logos: Some(false),
        logos: None,
        idle_image_base64: None,
        customer_language: Some(tag.into()),
        high_contrast: None,
        large_text: None,
    };
    // An unknown tag refuses the whole push: the message and the logo switch do not apply.
    let (code, message) = refused(pos.request(language("fr-FR")).await);
    assert_eq!(code, ErrorCode::Rejected);
    assert!(
        message.contains("customer_language") && message.contains("fr-FR"),
        "{message}"
    );
    assert!(!t._state.0.join("display.json").exists(), "nothing saved");

    pos.request(language("nl-NL")).await.unwrap();
    let view = loop {
        let view = tokio::time::timeout(Duration::from_secs(5), t.views.recv())
            .await
            .unwrap()
            .unwrap();
        if view.language == Language::Dutch {
            break view;
        }
    };
    assert!(!view.display.show_logos);
    let saved = std::fs::read_to_string(t._state.0.join("display.json")).unwrap();
    assert!(saved.contains("\"customer_language\": \"nl\""), "{saved}");

    // A payment in Traditional Chinese: its screens speak it, then the default returns.
    let payment = PaymentRequest {
        id: PaymentId::new("zh-1").unwrap(),
        amount: eur(1_500),
        tip: None,
        method: Default::default(),
        language: Some(Language::ChineseTraditional),
    };
    pos.request(ClientMessage::PaymentRequest { payment })
        .await
        .unwrap();
    let card = loop {
        let view = tokio::time::timeout(Duration::from_secs(5), t.views.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(view.screen, Screen::AwaitingCard { .. }) {
            break view;
        }
    };
    assert_eq!(card.language, Language::ChineseTraditional);
    let outcome = result_of(&mut pos, "zh-1").await;
    assert!(outcome.is_approved(), "{outcome:?}");
    let back = loop {
        let view = tokio::time::timeout(Duration::from_secs(30), t.views.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(
            view.language == Language::ChineseTraditional
                || !view.screen.shows_store_data()
                || matches!(view.screen, Screen::Cart { .. }),
            "{} in {}",
            view.screen.name(),
            view.language
        );
        if matches!(view.screen, Screen::Idle { .. }) {
            break view;
        }
    };
    assert_eq!(
        back.language,
        Language::Dutch,
        "the default returns after the payment"
    );

    // A malformed language in a payment is a bad message, and nothing starts.
    let bad = r#"{"v":1,"id":"r9","type":"payment.request","payment":{"id":"zh-2","amount":{"minor":500,"currency":"EUR"},"language":"klingon"}}"#;
    pos.send_text(bad.into()).await.unwrap();
    let (code, message) = refused(pos.answer_to("r9").await);
    assert_eq!(code, ErrorCode::BadMessage);
    assert!(message.contains("unknown language"), "{message}");
}

#[tokio::test]
async fn the_pos_switches_high_contrast_and_large_text() {
    let (mut t, mut pos, _) = paired("accessibility", |_| {}).await;
    // Not a boolean: a bad message, nothing saved.
    let bad = r#"{"v":1,"id":"a1","type":"display.set","high_contrast":"yes"}"#;
    pos.send_text(bad.into()).await.unwrap();
    let (code, _) = refused(pos.answer_to("a1").await);
    assert_eq!(code, ErrorCode::BadMessage);
    assert!(!t._state.0.join("display.json").exists(), "nothing saved");

    pos.request(ClientMessage::DisplaySet {
        post_payment_message: None,
        show_logos: None,
        logos: None,
        idle_image_base64: None,
        customer_language: None,
        high_contrast: Some(true),
        large_text: Some(true),
    })
    .await
    .unwrap();
    loop {
        let view = tokio::time::timeout(Duration::from_secs(5), t.views.recv())
            .await
            .unwrap()
            .unwrap();
        if view.display.high_contrast && view.display.large_text {
            break;
        }
    }
    let saved = std::fs::read_to_string(t._state.0.join("display.json")).unwrap();
    assert!(
        saved.contains("\"high_contrast\": true") && saved.contains("\"large_text\": true"),
        "{saved}"
    );
}
