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

/// The idle screen of a terminal the POS is connected to, as the kiosk first shows it.
pub fn idle_view() -> ViewState {
    let terminal = Terminal::new(TerminalConfig::default(), LinkState::Connected);
    ViewState::of(
        &terminal,
        &DisplaySettings::from_config(&AppConfig::default()),
        &PairingInfo::default(),
    )
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

/// Peak RSS (the process's high-water mark) once a `lines`-line cart is drawn, the way the kiosk
/// gets there: the idle screen applied (its standby picture drawn once, as pixels) and drawn,
/// then the POS sends the cart. Returns the printed figure.
pub fn peak_rss_with_cart(screen: &HeadlessScreen, window: &MainWindow, lines: usize) -> String {
    let idle = idle_view();
    apply(window, None, &idle);
    screen.draw();
    let before = high_water_kib();
    let (_, view) = cart_view(lines, 0, usize::MAX);
    apply(window, Some(&idle), &view);
    screen.draw();
    let after = high_water_kib();
    format!(
        "peak RSS (VmHWM) with a {lines}-line cart rendered: {:.1} MiB (idle screen before: {:.1} MiB)",
        after as f64 / 1024.0,
        before as f64 / 1024.0
    )
}

/// The process's peak resident set (`VmHWM` in /proc/self/status), in KiB.
fn high_water_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
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
    screen.draw();
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
        let mut sample = Sample::start();
        terminal
            .handle(Input::CartLineUpserted(item), Instant::now())
            .expect("line accepted");
        let view = ViewState::of(&terminal, &display, &pairing);
        apply(window, Some(&previous), &view);
        // Into the screen's pixels, as on the display: no copy of the frame is taken.
        let drawn = screen.draw_if_needed();
        sample.stop();
        samples.push(sample);
        assert!(drawn, "a cart change must draw a frame");
        previous = view;
    }
    format!(
        "cart update to rendered frame ({lines}-line cart, 1280x800, {updates} updates): {}",
        summary(&mut samples)
    )
}

/// Full-screen changes to rendered frame at 1280x800: idle -> cart -> card prompt -> processing
/// -> idle, round after round (the sample sale's views); returns the printed figure.
pub fn transition_latency(screen: &HeadlessScreen, window: &MainWindow, rounds: usize) -> String {
    let views = countertop::demo::sample_views(&AppConfig::default());
    let pick = |name: &str| {
        views
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .expect("sample view")
    };
    let cycle = [pick("idle"), pick("cart"), pick("card"), pick("processing")];
    screen.resize(1280, 800);
    apply(window, None, &cycle[0]);
    screen.draw();
    let names = ["cart", "card prompt", "processing", "idle"];
    let mut samples = Vec::with_capacity(rounds * cycle.len());
    // Per screen changed to, so the output says which change is the slow one.
    let mut by_screen: Vec<Vec<Duration>> = vec![Vec::new(); cycle.len()];
    // The first round creates each page for the first time; it is counted too.
    for _ in 0..rounds {
        for step in 0..cycle.len() {
            let (from, to) = (&cycle[step], &cycle[(step + 1) % cycle.len()]);
            let mut sample = Sample::start();
            apply(window, Some(from), to);
            let drawn = screen.draw_if_needed();
            sample.stop();
            assert!(drawn, "a screen change must draw a frame");
            by_screen[step].push(sample.wall);
            samples.push(sample);
        }
    }
    let per_screen: Vec<String> = names
        .iter()
        .zip(by_screen.iter_mut())
        .map(|(name, walls)| {
            walls.sort();
            let pct = |p: f64| ms(walls[((walls.len() as f64 - 1.0) * p).round() as usize]);
            format!("to {name} p50 {:.2} / p99 {:.2} ms", pct(0.5), pct(0.99))
        })
        .collect();
    format!(
        "full-screen change to rendered frame (idle -> cart -> card prompt -> processing -> idle, 1280x800, {} changes): {} [{}]",
        samples.len(),
        summary(&mut samples),
        per_screen.join(", ")
    )
}

/// One measurement: wall time, and the time the thread was actually on a CPU (from the
/// scheduler's own accounting), which tells a slow frame from a frame the machine preempted.
pub struct Sample {
    started: Instant,
    cpu_started: Option<u64>,
    wall: Duration,
    cpu: Option<Duration>,
}

impl Sample {
    pub fn start() -> Self {
        let cpu_started = on_cpu_ns();
        Sample {
            started: Instant::now(),
            cpu_started,
            wall: Duration::ZERO,
            cpu: None,
        }
    }

    pub fn stop(&mut self) {
        self.wall = self.started.elapsed();
        self.cpu = match (self.cpu_started, on_cpu_ns()) {
            (Some(a), Some(b)) => Some(Duration::from_nanos(b.saturating_sub(a))),
            _ => None,
        };
    }
}

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`, Linux only).
fn on_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// "p50 a ms, p99 b ms, max c ms (on CPU: p50 d ms, p99 e ms)".
pub fn summary(samples: &mut [Sample]) -> String {
    let mut wall: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    let mut cpu: Vec<Duration> = samples.iter().filter_map(|s| s.cpu).collect();
    wall.sort();
    cpu.sort();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    let mut text = format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(&wall, 0.50)),
        ms(pct(&wall, 0.99)),
        ms(*wall.last().expect("samples"))
    );
    if cpu.len() == wall.len() {
        text.push_str(&format!(
            " (on CPU: p50 {:.2} ms, p99 {:.2} ms)",
            ms(pct(&cpu, 0.50)),
            ms(pct(&cpu, 0.99))
        ));
    }
    text
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
