//! Renders every screen with the software renderer into target/screenshots/ and checks the
//! pictures: non-trivial content, the pairing QR decodes back to its payload, and the idle
//! screen draws no frames while nothing changes.

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use countertop::adapters::ui::headless::{Clock, HeadlessScreen};
use countertop::adapters::ui::{MainWindow, apply, screenshot};
use countertop::config::AppConfig;
use countertop::demo::{SAMPLE_PAIRING_URI, SAMPLE_WALLET_PAYLOAD, sample_views};
use slint::ComponentHandle;

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("screenshots")
}

/// Distinct colours in a picture: a blank or broken render has one or two.
fn colour_count(image: &image::RgbImage) -> usize {
    let mut seen = std::collections::HashSet::new();
    for pixel in image.pixels().step_by(7) {
        seen.insert(pixel.0);
    }
    seen.len()
}

#[test]
fn every_screen_renders_at_both_sizes_and_the_qr_decodes() {
    let files = screenshot::render_all(&out_dir(), &AppConfig::default()).unwrap();
    let names: Vec<&str> = sample_views(&AppConfig::default()).into_iter().map(|(n, _)| n).collect();
    // Every sample view, the two tip keypads and the settings panel.
    assert_eq!(files.len(), (names.len() + 3) * screenshot::SIZES.len());
    for (width, height) in screenshot::SIZES {
        for name in names.iter().copied().chain(["settings", "tip-keypad", "tip-total-keypad"]) {
            let path = out_dir().join(format!("{name}-{width}x{height}.png"));
            let image = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            assert_eq!(image.dimensions(), (width, height), "{name}");
            assert!(colour_count(&image) > 8, "{name} at {width}x{height} looks blank");
        }
        for (screen, expected) in [("pairing", SAMPLE_PAIRING_URI), ("wallet", SAMPLE_WALLET_PAYLOAD)] {
            let qr = image::open(out_dir().join(format!("{screen}-{width}x{height}.png"))).unwrap().to_luma8();
            let mut prepared = rqrr::PreparedImage::prepare(qr);
            let grids = prepared.detect_grids();
            assert_eq!(grids.len(), 1, "exactly one QR on the {screen} screen");
            let (_, payload) = grids[0].decode().expect("the QR decodes");
            assert_eq!(payload, expected);
        }
    }
}

#[test]
fn the_idle_screen_draws_no_frames_while_nothing_changes() {
    let clock = Rc::new(Cell::new(Duration::ZERO));
    let screen = HeadlessScreen::install(1280, 800, Clock::Manual(clock)).unwrap();
    let window = MainWindow::new().unwrap();
    window.show().unwrap();
    let views = sample_views(&AppConfig::default());
    let view = |name: &str| views.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap();

    let idle = view("idle");
    apply(&window, None, &idle);
    assert!(screen.render_if_needed().is_some(), "the first idle frame is drawn");
    let mut frames = 0;
    for _ in 0..300 {
        screen.advance(Duration::from_millis(16));
        apply(&window, Some(&idle), &idle);
        frames += usize::from(screen.render_if_needed().is_some());
    }
    assert_eq!(frames, 0, "idle drew {frames} frames in 5 s with nothing changing");

    // The check can fail: the processing screen animates, so it does draw.
    let processing = view("processing");
    apply(&window, Some(&idle), &processing);
    let mut frames = 0;
    for _ in 0..30 {
        screen.advance(Duration::from_millis(16));
        frames += usize::from(screen.render_if_needed().is_some());
    }
    assert!(frames >= 25, "the spinner should animate, drew {frames} frames");
}
