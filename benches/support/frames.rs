//! Frame measurements shared by `benches/kiosk.rs` (the bench build) and
//! `benches/support/device_frames.rs` (the same code in the device build, see `cargo bench`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use countertop::adapters::ui::headless::{Clock, HeadlessScreen};
use countertop::adapters::ui::{MainWindow, apply};
use countertop::config::AppConfig;
use countertop::view::{DisplaySettings, PairingInfo, ViewState};
use countertop_core::{
    Cart, Currency, Input, LineItem, LinkState, Money, Terminal, TerminalConfig,
};
use slint::ComponentHandle;

pub fn headless() -> (HeadlessScreen, MainWindow) {
    let screen =
        HeadlessScreen::install(1280, 800, Clock::Manual(Rc::new(Cell::new(Duration::ZERO))))
            .expect("headless platform");
    let window = MainWindow::new().expect("main window");
    window.show().expect("show");
    (screen, window)
}

pub fn cart_view(lines: usize, price_bump: i64, changed: usize) -> (Terminal, ViewState) {
    let eur = Currency::from_code("EUR").expect("EUR");
    let items: Vec<LineItem> = (0..lines)
        .map(|i| LineItem {
            id: format!("{i}"),
            description: format!("Item number {i} with a realistic name"),
            quantity_milli: 1_000 + (i as u64 % 3) * 1_000,
            unit_price: Money::new(
                199 + i as i64 + if i == changed { price_bump } else { 0 },
                eur,
            ),
            discount_minor: 0,
            tax_rate_bp: 900,
        })
        .collect();
    let mut terminal = Terminal::new(TerminalConfig::default(), LinkState::Connected);
    let cart = Cart::from_items(eur, items).expect("valid cart");
    terminal
        .handle(Input::CartReplaced(cart), Instant::now())
        .expect("cart accepted");
    let view = ViewState::of(
        &terminal,
        &DisplaySettings::from_config(&AppConfig::default()),
        &PairingInfo::default(),
    );
    (terminal, view)
}

/// Cart update to rendered frame, one line changed at a time; returns the printed figure.
pub fn update_latency(
    screen: &HeadlessScreen,
    window: &MainWindow,
    lines: usize,
    updates: usize,
) -> String {
    let (mut terminal, view) = cart_view(lines, 0, usize::MAX);
    let display = DisplaySettings::from_config(&AppConfig::default());
    let pairing = PairingInfo::default();
    apply(window, None, &view);
    screen.render();
    let mut previous = view;
    let eur = Currency::from_code("EUR").expect("EUR");
    let mut samples = Vec::with_capacity(updates);
    for n in 0..updates {
        // The POS changes the quantity of one of the lines on screen.
        let index = n % 6;
        let item = LineItem {
            id: format!("{index}"),
            description: format!("Item number {index} with a realistic name"),
            quantity_milli: 1_000 * (2 + n as u64 % 5),
            unit_price: Money::new(199 + index as i64, eur),
            discount_minor: 0,
            tax_rate_bp: 900,
        };
        let started = Instant::now();
        terminal
            .handle(Input::CartLineUpserted(item), Instant::now())
            .expect("line accepted");
        let view = ViewState::of(&terminal, &display, &pairing);
        apply(window, Some(&previous), &view);
        let frame = screen.render_if_needed();
        samples.push(started.elapsed());
        assert!(frame.is_some(), "a cart change must draw a frame");
        previous = view;
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "cart update to rendered frame ({lines}-line cart, 1280x800, {updates} updates): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(*samples.last().expect("samples"))
    )
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
