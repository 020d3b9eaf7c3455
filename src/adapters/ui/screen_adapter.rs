use countertop_core::Protection;
use slint::ComponentHandle;

use super::{MainWindow, ScreenAdapter};
use crate::view::ViewState;

/// The burn-in guard's offset and dim level, the night's sleep and the backlight slider. Only
/// what changed is set, so a view that differs elsewhere leaves the idle screen undrawn.
pub fn apply(window: &MainWindow, previous: Option<&ViewState>, view: &ViewState) {
    let adapter = window.global::<ScreenAdapter>();
    if previous.map(|p| p.protection) != Some(view.protection) {
        let Protection {
            offset_x,
            offset_y,
            brightness_percent,
            screen_off,
        } = view.protection;
        adapter.set_offset_x(offset_x as f32);
        adapter.set_offset_y(offset_y as f32);
        adapter.set_brightness(f32::from(brightness_percent.min(100)) / 100.0);
        adapter.set_screen_off(screen_off);
    }
    adapter.set_has_backlight(view.backlight);
    adapter.set_backlight_percent(i32::from(view.display.brightness_percent));
}
