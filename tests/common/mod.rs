//! Shared by the headless UI tests: the real window on Slint's testing backend.

use countertop::adapters::ui::MainWindow;
use slint::{ComponentHandle, LogicalSize};

/// The main window at a dock size, shown on the testing backend (no event loop: the test
/// thread drives it).
pub fn window(width: f32, height: f32) -> MainWindow {
    i_slint_backend_testing::init_no_event_loop();
    let window = MainWindow::new().unwrap();
    window.window().set_size(LogicalSize::new(width, height));
    window.show().unwrap();
    window
}
