//! The touch screen turns with the display. Slint 1.18.1's linuxkms backend rotates what it
//! draws (`SLINT_KMS_ROTATION`) but hands libinput's touch positions to the window unturned,
//! scaled to the turned window's size (its `calloop_backend/input.rs`; the software renderer's
//! `set_rendering_rotation` says input stays the caller's business). libinput itself can turn
//! them: each touch device gets the rotation's calibration matrix as it is added, through
//! Slint's libinput event hook, and the backend's scaling then lands on the right window pixel.
//!
//! The hook hears of the device in the event loop's first libinput dispatch, which comes after
//! the first frame; touches read in that same dispatch were converted before the matrix was set
//! and arrive unturned. On the device that is a finger already down while the first frame is
//! drawn (milliseconds in the optimised build); the device rig waits for the log line below.

use countertop_core::Rotation;

#[cfg(all(target_os = "linux", feature = "device"))]
pub fn install(rotation: Rotation) -> Result<(), slint::PlatformError> {
    if rotation == Rotation::Deg0 || !linuxkms_selected() {
        // Nothing to turn, or a window system that turns its own outputs and inputs.
        return Ok(());
    }
    let matrix = rotation.touch_calibration();
    slint::BackendSelector::new()
        .with_libinput_event_hook(move |event| {
            use input::event::EventTrait;
            if let input::Event::Device(input::event::DeviceEvent::Added(added)) = event {
                let mut device = added.device();
                if device.config_calibration_has_matrix() {
                    match device.config_calibration_set_matrix(matrix) {
                        Ok(()) => tracing::info!(device = %device.name(), %rotation, "touch input turned with the display"),
                        Err(error) => tracing::error!(device = %device.name(), ?error, "touch input could not be turned"),
                    }
                }
            }
            // The event goes on to Slint as before.
            false
        })
        .select()
}

/// The linuxkms backend is the one Slint will pick: asked for by name (the device's unit sets
/// `SLINT_BACKEND=linuxkms`), or the only one built in.
#[cfg(all(target_os = "linux", feature = "device"))]
fn linuxkms_selected() -> bool {
    std::env::var("SLINT_BACKEND").is_ok_and(|b| b.to_ascii_lowercase().starts_with("linuxkms"))
        || !cfg!(feature = "desktop")
}

#[cfg(not(all(target_os = "linux", feature = "device")))]
pub fn install(_rotation: Rotation) -> Result<(), slint::PlatformError> {
    Ok(())
}
