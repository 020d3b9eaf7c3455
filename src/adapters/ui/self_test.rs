//! `--self-test`: start as the kiosk would, draw the first frame off-screen and report how long
//! that took. Proves on a fresh image that the UI, fonts and images load.

use std::time::{Duration, Instant};

use countertop_core::{LinkState, Terminal};
use slint::ComponentHandle;

use super::headless::{Clock, HeadlessScreen};
use super::{MainWindow, UiError, apply};
use crate::config::AppConfig;
use crate::view::{DisplaySettings, PairingInfo, ViewState};

/// How long the first frame took from process start: by the clock, and on a CPU (the same
/// span less the time the process waited for one; tells a slow start from a busy machine).
pub struct FirstFrame {
    pub elapsed: Duration,
    pub on_cpu: Option<Duration>,
}

pub fn first_frame(config: &AppConfig, process_start: Instant) -> Result<FirstFrame, UiError> {
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
    // Drawn into the screen's own pixels, as on the display; no copy of the frame is made.
    screen.draw();
    // A frame of one flat colour means nothing was drawn: fail loudly rather than report a time.
    if !screen.shows_anything() {
        return Err(UiError::Write {
            path: "first frame".into(),
            source: std::io::Error::other("the first frame is blank"),
        });
    }
    Ok(FirstFrame {
        elapsed: process_start.elapsed(),
        on_cpu: on_cpu(),
    })
}

/// Time this process's threads have run on a CPU since it started, exec and dynamic linking
/// included, from the scheduler's accounting (Linux).
fn on_cpu() -> Option<Duration> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(ns))
}
