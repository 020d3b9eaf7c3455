//! `--screenshot DIR`: every screen at both supported sizes, rendered off-screen to PNG.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::headless::{Clock, HeadlessScreen};
use super::{MainWindow, PaymentAdapter, SettingsAdapter, UiError, apply};
use crate::config::AppConfig;
use crate::demo::sample_views;

/// Landscape dock and portrait dock.
pub const SIZES: [(u32, u32); 2] = [(1280, 800), (800, 1280)];

/// Renders each sample screen, plus the settings panel open over the idle screen, at each size.
/// Returns the files written. Installs the headless platform on this thread.
pub fn render_all(dir: &Path, config: &AppConfig) -> Result<Vec<PathBuf>, UiError> {
    std::fs::create_dir_all(dir).map_err(|source| UiError::Write { path: dir.to_owned(), source })?;
    let (w0, h0) = SIZES[0];
    let screen = HeadlessScreen::install(w0, h0, Clock::Manual(Rc::new(Cell::new(Duration::ZERO))))?;
    let window = MainWindow::new()?;
    window.global::<SettingsAdapter>().set_version(env!("CARGO_PKG_VERSION").into());
    window.show()?;
    let views = sample_views(config);
    let mut written = Vec::new();
    for (width, height) in SIZES {
        screen.resize(width, height);
        let mut previous = None;
        for (name, view) in &views {
            apply(&window, previous, view);
            previous = Some(view);
            // Let entry animations settle so the picture shows the resting state.
            screen.advance(Duration::from_secs(1));
            written.push(save(&screen, dir, name, width, height)?);
            if *name == "tip" {
                // The keypads behind "Other amount" and "Enter total".
                for (entry, keypad) in [(1, "tip-keypad"), (2, "tip-total-keypad")] {
                    window.global::<PaymentAdapter>().set_tip_entry(entry);
                    screen.advance(Duration::from_secs(1));
                    written.push(save(&screen, dir, keypad, width, height)?);
                }
                window.global::<PaymentAdapter>().set_tip_entry(0);
            }
        }
        if let Some((_, idle)) = views.first() {
            apply(&window, previous, idle);
            window.global::<SettingsAdapter>().set_open(true);
            screen.advance(Duration::from_secs(1));
            written.push(save(&screen, dir, "settings", width, height)?);
            window.global::<SettingsAdapter>().set_open(false);
            screen.advance(Duration::from_secs(1));
        }
    }
    window.hide()?;
    Ok(written)
}

fn save(screen: &HeadlessScreen, dir: &Path, name: &str, width: u32, height: u32) -> Result<PathBuf, UiError> {
    let path = dir.join(format!("{name}-{width}x{height}.png"));
    screen.render().save(&path)?;
    Ok(path)
}
