//! The built-in demo: a simulated POS that rings up a café order line by line, asks for a
//! tipped payment and starts over, so every shopper screen shows within a minute. Also the
//! sample views for screenshots, produced by driving the real core.

use std::time::{Duration, Instant};

use countertop_core::pairing::PairingUri;
use countertop_core::{
    BurnInGuard, CardBrand, CardRead, Cart, Currency, DeclineReason, EntryMode, GatewayReply,
    Input, JournalRecord, Language, LineItem, LinkState, MaskedCard, Money, PaymentId,
    PaymentMethod, PaymentRequest, ReceiptUrl, TaxMode, Terminal, TimeOfDay, TipChoice, TipOptions,
};
use tokio::sync::mpsc;

use crate::config::AppConfig;
use crate::messages::OutcomeReport;
use crate::view::{DisplaySettings, PairingInfo, ViewState};

/// (description, quantity in thousandths, unit price in minor units, discount). Food and drink:
/// the reduced rate of `demo_rates`.
const MENU: &[(&str, u64, i64, i64)] = &[
    ("Flat white", 2_000, 340, 0),
    ("Almond croissant", 1_000, 310, 0),
    ("Sourdough loaf", 1_000, 590, 100),
    ("Blueberry muffin", 3_000, 275, 0),
    ("Single-origin beans 250 g", 1_000, 1_450, 0),
    ("Cheddar, by weight (kg)", 350, 2_290, 0),
];

/// How shops in the currency's country price: tax added at the till in the US and Canada,
/// included in the shelf price everywhere else the terminal knows (EU, UK, Sweden, Norway,
/// Switzerland, Australia, New Zealand, China, Taiwan, Japan, Korea...). docs/tax.md.
pub fn tax_mode_for(currency: Currency) -> TaxMode {
    match currency.code() {
        "USD" | "CAD" => TaxMode::Exclusive,
        _ => TaxMode::Inclusive,
    }
}

/// A café's (food and drink, other goods) tax rates in basis points where the currency is
/// spent: the Netherlands 9/21 %, Sweden 12/25 %, the UK 20 % on eat-in café sales, Australia
/// 10 % GST, China 6 % catering/13 % goods, Taiwan 5 %, a New York sales tax of 8.875 %.
pub fn demo_rates(currency: Currency) -> (u32, u32) {
    match currency.code() {
        "EUR" => (900, 2_100),
        "SEK" => (1_200, 2_500),
        "NOK" => (1_500, 2_500),
        "DKK" => (2_500, 2_500),
        "GBP" => (2_000, 2_000),
        "AUD" | "NZD" => (1_000, 1_000),
        "CNY" => (600, 1_300),
        "TWD" => (500, 500),
        "CHF" => (260, 810),
        "JPY" => (800, 1_000),
        "CAD" => (1_300, 1_300),
        "USD" => (888, 888),
        _ => (1_000, 2_000),
    }
}

pub fn demo_items(currency: Currency) -> Vec<LineItem> {
    let (food, _) = demo_rates(currency);
    MENU.iter()
        .enumerate()
        .map(|(i, (description, qty, price, discount))| LineItem {
            id: format!("line-{}", i + 1),
            description: (*description).to_owned(),
            quantity_milli: *qty,
            unit_price: Money::new(*price, currency),
            discount_minor: *discount,
            tax_rate_bp: food,
        })
        .collect()
}

/// A line at the standard rate, so the sample cart shows two rates.
pub fn demo_standard_rate_item(currency: Currency) -> LineItem {
    let (_, standard) = demo_rates(currency);
    LineItem {
        id: "line-cup".into(),
        description: "Reusable cup".into(),
        quantity_milli: 1_000,
        unit_price: Money::new(1_250, currency),
        discount_minor: 0,
        tax_rate_bp: standard,
    }
}

/// A cart of `items` priced the way the currency's country prices.
pub fn local_cart(currency: Currency, items: Vec<LineItem>) -> Option<Cart> {
    Cart::from_items_in(currency, tax_mode_for(currency), items).ok()
}

pub fn demo_tip_options() -> TipOptions {
    TipOptions {
        percentages_bp: vec![1000, 1500, 2000],
        fixed_minor: vec![],
        allow_custom: true,
    }
}

/// How fast the demo moves.
#[derive(Debug, Clone, Copy)]
pub struct DemoPace {
    pub step: Duration,
}

impl Default for DemoPace {
    fn default() -> Self {
        DemoPace {
            step: Duration::from_millis(900),
        }
    }
}

/// Runs the simulated POS until `inputs` closes. Round 2 of every three is declined first
/// (the reader presents a card with insufficient funds) and retried with a new payment id.
pub async fn run_demo_pos(
    currency: Currency,
    pace: DemoPace,
    inputs: mpsc::Sender<Input>,
    mut outcomes: mpsc::Receiver<OutcomeReport>,
) {
    let step = pace.step;
    for round in 1u64.. {
        tokio::time::sleep(step * 4).await;
        // An empty cart in the local mode: the lines rung up next follow it.
        let mode = Cart::empty_in(currency, tax_mode_for(currency));
        if inputs.send(Input::CartReplaced(mode)).await.is_err() {
            return;
        }
        let items = demo_items(currency);
        let count = 3 + (round as usize % 4);
        for item in items.iter().take(count) {
            if inputs
                .send(Input::CartLineUpserted(item.clone()))
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(step).await;
        }
        let Some(cart) = local_cart(currency, items.into_iter().take(count).collect()) else {
            return;
        };
        tokio::time::sleep(step * 2).await;
        let mut attempt = 1;
        loop {
            let Ok(id) = PaymentId::new(format!("demo-{round}-{attempt}")) else {
                return;
            };
            // Each round in the next language, as a POS would ask for the shopper's own.
            let language = Language::ALL[(round as usize - 1) % Language::ALL.len()];
            let request = PaymentRequest {
                id,
                amount: cart.total(),
                tip: Some(demo_tip_options()),
                method: Default::default(),
                language: Some(language),
            };
            if inputs.send(Input::PaymentRequested(request)).await.is_err() {
                return;
            }
            // The demo shopper picks 15 % unless someone taps the screen first.
            tokio::time::sleep(step * 3).await;
            let _ = inputs
                .send(Input::TipChosen(TipChoice::Percent(1500)))
                .await;
            let Some(report) = outcomes.recv().await else {
                return;
            };
            tracing::info!(payment_id = %report.payment_id, approved = report.outcome.is_approved(), "demo POS got an outcome");
            if report.outcome.is_approved() || attempt >= 2 {
                break;
            }
            attempt += 1;
            tokio::time::sleep(step * 5).await;
        }
        tokio::time::sleep(step * 10).await;
        if inputs.send(Input::CartCleared).await.is_err() {
            return;
        }
    }
}

/// A pairing URI of the documented shape with sample values, for screenshots and tests.
pub const SAMPLE_PAIRING_URI: &str = "countertop://pair?v=1&ip=192.168.1.23&port=4443&fp=3f9a1c0e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7&code=7KQ2-M9XD&store=S-1042&location=L-7&tid=CT-0001";

/// A wallet QR payload of the kind a wallet provider hands the POS.
pub const SAMPLE_WALLET_PAYLOAD: &str =
    "https://qr.wallet.example/pay/7d3f9c2e41ab?amount=4967&currency=EUR";

/// A digital receipt's address of the kind a POS's receipt service hands out.
pub const SAMPLE_RECEIPT_URL: &str = "https://receipts.example/r/CT-0001/sample-3?k=8f2c41ab";

/// The pairing screen as a terminal with this configuration shows `uri` (the address under the
/// QR is the URI's own). The device rig renders it on the host to compare with what
/// the device's display shows.
pub fn pairing_view(config: &AppConfig, uri: &str) -> ViewState {
    let address = PairingUri::parse(uri)
        .map(|parsed| parsed.address_text())
        .unwrap_or_default();
    let pairing = PairingInfo {
        address,
        terminal_id: config.terminal_id.clone(),
    };
    let mut terminal = Terminal::new(
        config.terminal_config(),
        LinkState::Unpaired {
            pairing_uri: uri.into(),
        },
    );
    while terminal.poll_effect().is_some() {}
    ViewState::of(&terminal, &DisplaySettings::from_config(config), &pairing)
}

/// The undocked screen, as the terminal shows it when lifted out of its dock.
pub fn undocked_view(config: &AppConfig) -> ViewState {
    let mut terminal = Terminal::new(config.terminal_config(), LinkState::Connected);
    if let Err(error) = terminal.handle(Input::Docked(false), Instant::now()) {
        tracing::error!(%error, "the undocked sample was refused");
    }
    while terminal.poll_effect().is_some() {}
    ViewState::of(
        &terminal,
        &DisplaySettings::from_config(config),
        &PairingInfo::default(),
    )
}

/// One sample view per screen, produced by driving the real core through a sale.
pub fn sample_views(config: &AppConfig) -> Vec<(&'static str, ViewState)> {
    let currency = config.currency();
    // The panel's brightness as staff might leave it (the slider shows where it stands).
    let display = DisplaySettings {
        brightness_percent: 70,
        ..DisplaySettings::from_config(config)
    };
    let pairing = PairingInfo {
        address: "192.168.1.23 : 4443".into(),
        terminal_id: config.terminal_id.clone(),
    };
    let mut views = Vec::new();
    let mut now = Instant::now();
    let mut t = Terminal::new(config.terminal_config(), LinkState::Connected);
    let mut snap = |name: &'static str, t: &Terminal| {
        let mut view = ViewState::of(t, &display, &pairing);
        // A device with a backlight: the panel's Terminal tab shows its brightness slider.
        view.backlight = true;
        views.push((name, view));
    };
    let feed = |t: &mut Terminal, input: Input, now: Instant| {
        if let Err(error) = t.handle(input, now) {
            tracing::error!(%error, "sample flow refused an input");
        }
        while t.poll_effect().is_some() {}
    };

    snap("idle", &t);
    // The idle screen left alone for a while: the burn-in guard's second step (moved and dimmed).
    let mut guard = BurnInGuard::new(config.screen.burn_in());
    guard.activity(true, now);
    let noon = TimeOfDay::from_hms(12, 0, 0).expect("noon is a time");
    let step = now + guard.config().idle_after + guard.config().shift_every;
    let guarded = guard.protection(step, noon);
    snap("idle-guarded", &t);
    feed(&mut t, Input::Link(LinkState::WaitingForPos), now);
    snap("idle-waiting", &t);
    feed(
        &mut t,
        Input::Link(LinkState::Unpaired {
            pairing_uri: SAMPLE_PAIRING_URI.into(),
        }),
        now,
    );
    snap("pairing", &t);
    feed(&mut t, Input::Link(LinkState::Connected), now);
    feed(
        &mut t,
        Input::CartReplaced(Cart::empty_in(currency, tax_mode_for(currency))),
        now,
    );
    let items = demo_items(currency);
    for item in items.clone() {
        feed(&mut t, Input::CartLineUpserted(item), now);
    }
    snap("cart", &t);
    let total = local_cart(currency, items)
        .map(|c| c.total())
        .unwrap_or(Money::zero(currency));
    // The same cart with a line at the standard rate: two rates under the total.
    let extra = demo_standard_rate_item(currency);
    let extra_id = extra.id.clone();
    feed(&mut t, Input::CartLineUpserted(extra), now);
    snap("cart-two-rates", &t);
    feed(&mut t, Input::CartLineRemoved(extra_id), now);
    // Split tender: the shopper pays part now (a gift card pays the rest at the POS).
    let part = Money::new(total.minor / 2, currency);
    feed(
        &mut t,
        Input::PaymentRequested(PaymentRequest {
            id: PaymentId::new("sample-0").expect("sample ids are valid"),
            amount: part,
            tip: Some(demo_tip_options()),
            method: Default::default(),
            language: None,
        }),
        now,
    );
    snap("tip-partial", &t);
    feed(&mut t, Input::TipChosen(TipChoice::NoTip), now);
    snap("card-partial", &t);
    feed(
        &mut t,
        Input::PosCancelled(PaymentId::new("sample-0").expect("valid")),
        now,
    );
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    // The same part by wallet QR.
    feed(
        &mut t,
        Input::PaymentRequested(PaymentRequest {
            id: PaymentId::new("sample-0-wallet").expect("valid"),
            amount: part,
            tip: None,
            method: PaymentMethod::WalletQr {
                payload: SAMPLE_WALLET_PAYLOAD.into(),
            },
            language: None,
        }),
        now,
    );
    snap("wallet-partial", &t);
    feed(
        &mut t,
        Input::PosCancelled(PaymentId::new("sample-0-wallet").expect("valid")),
        now,
    );
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    let pay = |id: &str| {
        Input::PaymentRequested(PaymentRequest {
            id: PaymentId::new(id).expect("sample ids are valid"),
            amount: total,
            tip: Some(demo_tip_options()),
            method: Default::default(),
            language: None,
        })
    };
    let card = |brand, last4, entry| {
        Input::CardPresented(CardRead {
            card: MaskedCard::new(brand, last4).expect("sample cards are valid"),
            entry,
            token: "sample".into(),
        })
    };
    feed(&mut t, pay("sample-1"), now);
    snap("tip", &t);
    feed(&mut t, Input::TipChosen(TipChoice::Percent(1500)), now);
    snap("card", &t);
    feed(&mut t, Input::CardReadFailed, now);
    snap("card-read-failed", &t);
    feed(&mut t, Input::PinEntryOnReader, now);
    snap("card-pin-on-reader", &t);
    feed(
        &mut t,
        card(CardBrand::Mastercard, "9995", EntryMode::Insert),
        now,
    );
    snap("processing", &t);
    let declined = GatewayReply::Declined(DeclineReason::InsufficientFunds);
    feed(
        &mut t,
        Input::GatewayReplied {
            payment_id: PaymentId::new("sample-1").expect("valid"),
            reply: declined,
        },
        now,
    );
    snap("declined", &t);
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    feed(&mut t, pay("sample-2"), now);
    feed(&mut t, Input::ShopperCancelled, now);
    snap("cancelled", &t);
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    feed(&mut t, pay("sample-3"), now);
    feed(&mut t, Input::TipChosen(TipChoice::Percent(1500)), now);
    feed(&mut t, card(CardBrand::Visa, "4242", EntryMode::Tap), now);
    let approved = GatewayReply::Approved {
        auth_code: "482913".into(),
        reference: "SIM-000001".into(),
    };
    feed(
        &mut t,
        Input::GatewayReplied {
            payment_id: PaymentId::new("sample-3").expect("valid"),
            reply: approved,
        },
        now,
    );
    snap("approved", &t);
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    snap("post-payment", &t);
    // The POS sends the shopper's digital receipt.
    feed(
        &mut t,
        Input::ReceiptReady {
            payment_id: PaymentId::new("sample-3").expect("valid"),
            url: ReceiptUrl::new(SAMPLE_RECEIPT_URL).expect("the sample receipt URL is valid"),
        },
        now,
    );
    snap("post-payment-receipt", &t);
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    let wallet = PaymentRequest {
        id: PaymentId::new("sample-4").expect("valid"),
        amount: total,
        tip: None,
        method: PaymentMethod::WalletQr {
            payload: SAMPLE_WALLET_PAYLOAD.into(),
        },
        language: None,
    };
    feed(&mut t, Input::PaymentRequested(wallet), now);
    snap("wallet", &t);
    feed(
        &mut t,
        Input::WalletConfirmed {
            payment_id: PaymentId::new("sample-4").expect("valid"),
            reference: "WX-20261123-0042".into(),
            receipt: None,
        },
        now,
    );
    snap("wallet-approved", &t);
    // Storage fails as the next payment is accepted: it stops, nothing charged, and the
    // idle screen says payments are paused until the journal writes again.
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    feed(&mut t, pay("sample-storage"), now);
    let lost = JournalRecord::Accepted {
        payment_id: PaymentId::new("sample-storage").expect("valid"),
        amount: total,
    };
    feed(&mut t, Input::JournalWriteFailed(lost), now);
    snap("cancelled-storage", &t);
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    snap("idle-paused", &t);
    feed(&mut t, Input::JournalWritable, now);
    // Split tender once more, paid this time: the cart comes back with what is left.
    for _ in 0..2 {
        now += Duration::from_secs(60);
        t.handle_timeout(now);
    }
    if let Some(cart) = local_cart(currency, demo_items(currency)) {
        feed(&mut t, Input::CartReplaced(cart), now);
    }
    feed(
        &mut t,
        Input::PaymentRequested(PaymentRequest {
            id: PaymentId::new("sample-5").expect("valid"),
            amount: part,
            tip: None,
            method: Default::default(),
            language: None,
        }),
        now,
    );
    feed(&mut t, card(CardBrand::Visa, "4242", EntryMode::Tap), now);
    feed(
        &mut t,
        Input::GatewayReplied {
            payment_id: PaymentId::new("sample-5").expect("valid"),
            reply: GatewayReply::Approved {
                auth_code: "482914".into(),
                reference: "SIM-000002".into(),
            },
        },
        now,
    );
    now += Duration::from_secs(60);
    t.handle_timeout(now);
    snap("cart-part-paid", &t);
    feed(&mut t, Input::Docked(false), now);
    snap("undocked", &t);
    for (name, view) in &mut views {
        if *name == "idle-guarded" {
            view.protection = guarded;
        }
    }
    views
}
