//! Kiosk benchmarks, printed as figures:
//! - cold start to first rendered frame (the real binary, `--self-test`, several runs);
//! - peak RSS with a 1,000-line cart on screen;
//! - cart update to rendered frame latency, p50 / p99, for single-line changes.
//!
//! `cargo bench` runs the full set on an optimised build. Under `cargo test` (no `--bench`
//! argument) it runs a short smoke pass on the debug build so CI proves the benchmark works;
//! those figures are labelled and are not performance claims.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use countertop::adapters::ui::headless::{Clock, HeadlessScreen};
use countertop::adapters::ui::{MainWindow, apply};
use countertop::config::AppConfig;
use countertop::view::{DisplaySettings, PairingInfo, ViewState};
use countertop_core::{Cart, Currency, Input, LineItem, LinkState, Money, Terminal, TerminalConfig};
use slint::ComponentHandle;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let mode = if full { "optimised" } else { "debug smoke run, not a performance figure" };
    println!("countertop kiosk benchmarks ({mode})");
    cold_start(if full { 7 } else { 2 });
    let (screen, window) = headless();
    peak_rss_with_cart(&screen, &window, 1_000);
    update_latency(&screen, &window, 1_000, if full { 2_000 } else { 100 });
}

fn headless() -> (HeadlessScreen, MainWindow) {
    let screen = HeadlessScreen::install(1280, 800, Clock::Manual(Rc::new(Cell::new(Duration::ZERO))))
        .expect("headless platform");
    let window = MainWindow::new().expect("main window");
    window.show().expect("show");
    (screen, window)
}

fn cold_start(runs: usize) {
    let binary = env!("CARGO_BIN_EXE_countertop");
    let mut first_frame = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new(binary).arg("--self-test").env("RUST_LOG", "warn").output().expect("run countertop");
        wall.push(started.elapsed());
        assert!(output.status.success(), "self-test failed: {}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let ms: f64 = stdout
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .next()
            .expect("self-test prints the first-frame time");
        first_frame.push(Duration::from_secs_f64(ms / 1_000.0));
    }
    first_frame.sort();
    wall.sort();
    println!(
        "cold start to first rendered frame (1280x800, software renderer): median {:.1} ms over {runs} runs (process start to exit: median {:.1} ms)",
        ms(first_frame[runs / 2]),
        ms(wall[runs / 2])
    );
}

fn cart_view(lines: usize, price_bump: i64, changed: usize) -> (Terminal, ViewState) {
    let eur = Currency::from_code("EUR").expect("EUR");
    let items: Vec<LineItem> = (0..lines)
        .map(|i| LineItem {
            id: format!("{i}"),
            description: format!("Item number {i} with a realistic name"),
            quantity_milli: 1_000 + (i as u64 % 3) * 1_000,
            unit_price: Money::new(199 + i as i64 + if i == changed { price_bump } else { 0 }, eur),
            discount_minor: 0,
            tax_rate_bp: 900,
        })
        .collect();
    let mut terminal = Terminal::new(TerminalConfig::default(), LinkState::Connected);
    let cart = Cart::from_items(eur, items).expect("valid cart");
    terminal.handle(Input::CartReplaced(cart), Instant::now()).expect("cart accepted");
    let view = ViewState::of(&terminal, &DisplaySettings::from_config(&AppConfig::default()), &PairingInfo::default());
    (terminal, view)
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn peak_rss_with_cart(screen: &HeadlessScreen, window: &MainWindow, lines: usize) {
    screen.render();
    let before = rss_kib("VmHWM:");
    let (_, view) = cart_view(lines, 0, usize::MAX);
    apply(window, None, &view);
    screen.render();
    let after = rss_kib("VmHWM:");
    println!(
        "peak RSS (VmHWM) with a {lines}-line cart rendered: {:.1} MiB (empty window before: {:.1} MiB)",
        after as f64 / 1024.0,
        before as f64 / 1024.0
    );
}

fn update_latency(screen: &HeadlessScreen, window: &MainWindow, lines: usize, updates: usize) {
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
        terminal.handle(Input::CartLineUpserted(item), Instant::now()).expect("line accepted");
        let view = ViewState::of(&terminal, &display, &pairing);
        apply(window, Some(&previous), &view);
        let frame = screen.render_if_needed();
        samples.push(started.elapsed());
        assert!(frame.is_some(), "a cart change must draw a frame");
        previous = view;
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "cart update to rendered frame ({lines}-line cart, 1280x800, {updates} updates): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(*samples.last().expect("samples"))
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
