//! `--self-test`: start as the kiosk would, draw the first frame off-screen and report how long
//! that took. Proves on a fresh image that the UI, fonts and images load.

use std::time::{Duration, Instant};

use countertop_core::{LinkState, Terminal};
use slint::ComponentHandle;

use super::headless::{Clock, HeadlessScreen};
use super::{MainWindow, UiError, apply};
use crate::config::AppConfig;
use crate::view::{DisplaySettings, PairingInfo, ViewState};

pub fn first_frame(config: &AppConfig, process_start: Instant) -> Result<Duration, UiError> {
    let screen = HeadlessScreen::install(1280, 800, Clock::Real(Instant::now()))?;
    let window = MainWindow::new()?;
    window.show()?;
    let terminal = Terminal::new(config.terminal_config(), LinkState::Connected);
    let view = ViewState::of(
        &terminal,
        &DisplaySettings::from_config(config),
        &PairingInfo::default(),
    );
    apply(&window, None, &view);
    let frame = screen.render();
    // A frame of one flat colour means nothing was drawn: fail loudly rather than report a time.
    let first = frame.get_pixel(0, 0);
    if frame.pixels().all(|p| p == first) {
        return Err(UiError::Write {
            path: "first frame".into(),
            source: std::io::Error::other("the first frame is blank"),
        });
    }
    Ok(process_start.elapsed())
}
