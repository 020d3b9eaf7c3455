//! The touch screen turns with the display. Slint 1.18.1's linuxkms backend rotates what it
//! draws (`SLINT_KMS_ROTATION`) but hands libinput's touch positions to the window unturned,
//! scaled to the turned window's size (its `calloop_backend/input.rs`; the software renderer's
//! `set_rendering_rotation` says input stays the caller's business).
//!
//! So on a turned display the terminal takes touch events itself, through Slint's libinput
//! event hook: each finger's panel position is turned into the window (`Rotation::
//! touch_to_window`) and handed to the window as pointer events; the backend never sees them.
//! An earlier version set libinput's calibration matrix on each touch device instead, but the
//! hook only hears a device being added when libinput first wakes for an input event, so the
//! matrix came after the first touches, and on the device rig not at all while nothing touched.
//! Turning every event here has no such start.
//!
//! One finger drives the pointer, as Slint itself does with touches: a second finger down while
//! the first is is ignored (the terminal's screens have no two-finger gestures).

// The turning itself is plain logic, unit-tested in every build; only the device backend uses it.
#![cfg_attr(not(all(target_os = "linux", feature = "device")), allow(dead_code))]

use countertop_core::Rotation;
use slint::LogicalPosition;
use slint::platform::{PointerEventButton, WindowEvent};

/// What a finger did, at normalised panel coordinates (each in 0..1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Contact {
    Down { finger: u32, at: (f64, f64) },
    Motion { finger: u32, at: (f64, f64) },
    Up { finger: u32 },
    Cancel { finger: u32 },
}

/// The pointer the first finger down drives, with its position in the window.
#[derive(Debug)]
pub struct TouchTurner {
    rotation: Rotation,
    finger: Option<(u32, LogicalPosition)>,
}

impl TouchTurner {
    pub fn new(rotation: Rotation) -> Self {
        TouchTurner {
            rotation,
            finger: None,
        }
    }

    /// The window events for `contact` on a window of `window` = (width, height) logical pixels.
    pub fn turn(&mut self, contact: Contact, window: (f32, f32)) -> Vec<WindowEvent> {
        let place = |at: (f64, f64)| {
            let (x, y) = self.rotation.touch_to_window(at);
            LogicalPosition::new(
                (x * f64::from(window.0)) as f32,
                (y * f64::from(window.1)) as f32,
            )
        };
        let button = PointerEventButton::Left;
        match (contact, self.finger) {
            (Contact::Down { finger, at }, None) => {
                let position = place(at);
                self.finger = Some((finger, position));
                vec![
                    WindowEvent::PointerMoved { position },
                    WindowEvent::PointerPressed { position, button },
                ]
            }
            (Contact::Motion { finger, at }, Some((down, _))) if finger == down => {
                let position = place(at);
                self.finger = Some((finger, position));
                vec![WindowEvent::PointerMoved { position }]
            }
            (Contact::Up { finger }, Some((down, position))) if finger == down => {
                self.finger = None;
                // A lifted finger hovers nowhere: nothing stays highlighted under it.
                vec![
                    WindowEvent::PointerReleased { position, button },
                    WindowEvent::PointerExited,
                ]
            }
            (Contact::Cancel { finger }, Some((down, _))) if finger == down => {
                // The pointer leaves without a release, so the press is not a click.
                self.finger = None;
                vec![WindowEvent::PointerExited]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(all(target_os = "linux", feature = "device"))]
mod hook {
    use super::{Contact, TouchTurner};
    use crate::adapters::ui::MainWindow;
    use countertop_core::Rotation;
    use input::event::TouchEvent;
    use input::event::touch::{TouchEventPosition, TouchEventSlot};
    use slint::ComponentHandle;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// The window the turned touches go to, known once it exists (the backend, and with it the
    /// hook, has to be chosen before any window is made).
    #[derive(Clone, Default)]
    pub struct TouchTarget(Rc<RefCell<Option<slint::Weak<MainWindow>>>>);

    impl TouchTarget {
        pub fn attach(&self, window: &MainWindow) {
            *self.0.borrow_mut() = Some(window.as_weak());
        }
    }

    pub fn install(rotation: Rotation) -> Result<Option<TouchTarget>, slint::PlatformError> {
        if rotation == Rotation::Deg0 || !linuxkms_selected() {
            // Nothing to turn, or a window system that turns its own outputs and inputs.
            return Ok(None);
        }
        let target = TouchTarget::default();
        let window = target.clone();
        let turner = RefCell::new(TouchTurner::new(rotation));
        slint::BackendSelector::new()
            .with_libinput_event_hook(move |event| {
                let input::Event::Touch(touch) = event else {
                    return false;
                };
                let Some(contact) = contact(touch) else {
                    return true;
                };
                let Some(window) = window.0.borrow().as_ref().and_then(|weak| weak.upgrade())
                else {
                    return true;
                };
                let window = window.window();
                let size = window.size().to_logical(window.scale_factor());
                let events = turner.borrow_mut().turn(contact, (size.width, size.height));
                for turned in events {
                    window.dispatch_event(turned);
                }
                // Taken here: the backend would hand it on unturned.
                true
            })
            .select()?;
        tracing::info!(%rotation, "touch input turned with the display");
        Ok(Some(target))
    }

    fn contact(touch: &TouchEvent) -> Option<Contact> {
        let at = |x: f64, y: f64| (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0));
        Some(match touch {
            TouchEvent::Down(down) => Contact::Down {
                finger: down.seat_slot(),
                at: at(down.x_transformed(1), down.y_transformed(1)),
            },
            TouchEvent::Motion(motion) => Contact::Motion {
                finger: motion.seat_slot(),
                at: at(motion.x_transformed(1), motion.y_transformed(1)),
            },
            TouchEvent::Up(up) => Contact::Up {
                finger: up.seat_slot(),
            },
            TouchEvent::Cancel(cancel) => Contact::Cancel {
                finger: cancel.seat_slot(),
            },
            _ => return None,
        })
    }

    /// The linuxkms backend is the one Slint will pick: asked for by name (the device's unit sets
    /// `SLINT_BACKEND=linuxkms`), or the only one built in.
    fn linuxkms_selected() -> bool {
        std::env::var("SLINT_BACKEND").is_ok_and(|b| b.to_ascii_lowercase().starts_with("linuxkms"))
            || !cfg!(feature = "desktop")
    }
}

#[cfg(all(target_os = "linux", feature = "device"))]
pub use hook::install;

#[cfg(not(all(target_os = "linux", feature = "device")))]
pub struct TouchTarget;

#[cfg(not(all(target_os = "linux", feature = "device")))]
impl TouchTarget {
    pub fn attach(&self, _window: &super::MainWindow) {}
}

#[cfg(not(all(target_os = "linux", feature = "device")))]
pub fn install(_rotation: Rotation) -> Result<Option<TouchTarget>, slint::PlatformError> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTRAIT: (f32, f32) = (800.0, 1280.0);

    fn at(event: &WindowEvent) -> Option<(f32, f32)> {
        event.position().map(|p| (p.x, p.y))
    }

    #[test]
    fn a_tap_on_a_panel_turned_90_presses_and_releases_where_the_window_shows_it() {
        let mut turner = TouchTurner::new(Rotation::Deg90);
        // The panel's top-right corner shows the window's top-left one at 90°.
        let down = turner.turn(
            Contact::Down {
                finger: 0,
                at: (0.99, 0.01),
            },
            PORTRAIT,
        );
        assert_eq!(down.len(), 2, "{down:?}");
        assert!(matches!(down[1], WindowEvent::PointerPressed { .. }));
        let (x, y) = at(&down[1]).unwrap();
        assert!((x - 8.0).abs() < 0.01 && (y - 12.8).abs() < 0.01, "{x},{y}");
        let up = turner.turn(Contact::Up { finger: 0 }, PORTRAIT);
        assert!(
            matches!(
                up.as_slice(),
                [
                    WindowEvent::PointerReleased { .. },
                    WindowEvent::PointerExited
                ]
            ),
            "{up:?}"
        );
        assert_eq!(at(&up[0]), at(&down[1]), "released where it was pressed");
    }

    #[test]
    fn a_swipe_moves_the_pointer_along_the_turned_path() {
        let mut turner = TouchTurner::new(Rotation::Deg180);
        turner.turn(
            Contact::Down {
                finger: 3,
                at: (0.0, 0.5),
            },
            (1280.0, 800.0),
        );
        // Upside down, a finger going right on the panel goes left in the window.
        let moved = turner.turn(
            Contact::Motion {
                finger: 3,
                at: (0.25, 0.5),
            },
            (1280.0, 800.0),
        );
        assert_eq!(moved.len(), 1);
        assert_eq!(at(&moved[0]), Some((960.0, 400.0)));
        let up = turner.turn(Contact::Up { finger: 3 }, (1280.0, 800.0));
        assert_eq!(
            at(&up[0]),
            Some((960.0, 400.0)),
            "released at the last place"
        );
    }

    #[test]
    fn a_second_finger_is_ignored_and_a_cancelled_touch_is_no_click() {
        let mut turner = TouchTurner::new(Rotation::Deg270);
        turner.turn(
            Contact::Down {
                finger: 0,
                at: (0.5, 0.5),
            },
            PORTRAIT,
        );
        for second in [
            Contact::Down {
                finger: 1,
                at: (0.1, 0.1),
            },
            Contact::Motion {
                finger: 1,
                at: (0.2, 0.2),
            },
            Contact::Up { finger: 1 },
        ] {
            assert!(turner.turn(second, PORTRAIT).is_empty(), "{second:?}");
        }
        let cancelled = turner.turn(Contact::Cancel { finger: 0 }, PORTRAIT);
        assert!(
            matches!(cancelled.as_slice(), [WindowEvent::PointerExited]),
            "{cancelled:?}"
        );
        // The next finger down drives the pointer again.
        let again = turner.turn(
            Contact::Down {
                finger: 1,
                at: (0.0, 1.0),
            },
            PORTRAIT,
        );
        // At 270° the panel's bottom-left corner is the window's top-left one.
        assert_eq!(at(&again[1]), Some((0.0, 0.0)));
    }

    #[test]
    fn motion_and_lifting_without_a_finger_down_do_nothing() {
        let mut turner = TouchTurner::new(Rotation::Deg90);
        assert!(
            turner
                .turn(
                    Contact::Motion {
                        finger: 0,
                        at: (0.5, 0.5)
                    },
                    PORTRAIT
                )
                .is_empty()
        );
        assert!(turner.turn(Contact::Up { finger: 0 }, PORTRAIT).is_empty());
    }
}
