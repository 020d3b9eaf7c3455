//! How the panel is mounted: the display turned by 0, 90, 180 or 270 degrees clockwise. The UI
//! is laid out for the turned window (portrait at 90 and 270 on a landscape panel), drawn into
//! the panel turned back, and a finger on the panel is mapped into the window the same way.
//!
//! The direction is the one Slint's software renderer uses (`RenderingRotation::Rotate90` is
//! "90° to the right"): at 90 the window's top edge runs down the panel's right edge, so the
//! window's top-left corner is the panel's top-right one.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub enum Rotation {
    #[default]
    Deg0,
    Deg90,
    Deg180,
    Deg270,
}

/// A rotation that is not one of the four the panel can be mounted at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a display rotation; use 0, 90, 180 or 270 (degrees clockwise)")]
pub struct BadRotation(pub i64);

impl Rotation {
    pub const ALL: [Rotation; 4] = [
        Rotation::Deg0,
        Rotation::Deg90,
        Rotation::Deg180,
        Rotation::Deg270,
    ];

    pub fn from_degrees(degrees: i64) -> Result<Rotation, BadRotation> {
        Ok(match degrees {
            0 => Rotation::Deg0,
            90 => Rotation::Deg90,
            180 => Rotation::Deg180,
            270 => Rotation::Deg270,
            other => return Err(BadRotation(other)),
        })
    }

    pub fn degrees(self) -> u16 {
        match self {
            Rotation::Deg0 => 0,
            Rotation::Deg90 => 90,
            Rotation::Deg180 => 180,
            Rotation::Deg270 => 270,
        }
    }

    /// Whether the window's width and height are the panel's swapped.
    pub fn is_quarter_turn(self) -> bool {
        matches!(self, Rotation::Deg90 | Rotation::Deg270)
    }

    /// The window the UI lays itself out in, on a panel of `panel` = (width, height) pixels.
    pub fn window_size(self, panel: (u32, u32)) -> (u32, u32) {
        if self.is_quarter_turn() {
            (panel.1, panel.0)
        } else {
            panel
        }
    }

    /// Where the window's pixel `(x, y)` lands on the panel (pixel indices, so a corner maps to
    /// a corner exactly).
    pub fn window_to_panel(self, (x, y): (u32, u32), panel: (u32, u32)) -> (u32, u32) {
        let (pw, ph) = panel;
        match self {
            Rotation::Deg0 => (x, y),
            Rotation::Deg90 => (pw - 1 - y, x),
            Rotation::Deg180 => (pw - 1 - x, ph - 1 - y),
            Rotation::Deg270 => (y, ph - 1 - x),
        }
    }

    /// Which window pixel the panel's pixel `(x, y)` shows: the inverse of `window_to_panel`,
    /// what a touch on the panel must be turned into.
    pub fn panel_to_window(self, (x, y): (u32, u32), panel: (u32, u32)) -> (u32, u32) {
        let (pw, ph) = panel;
        match self {
            Rotation::Deg0 => (x, y),
            Rotation::Deg90 => (y, pw - 1 - x),
            Rotation::Deg180 => (pw - 1 - x, ph - 1 - y),
            Rotation::Deg270 => (ph - 1 - y, x),
        }
    }

    /// Where a finger at normalised panel coordinates (u, v), each in 0..1 as libinput reports
    /// a touch, lies in the window, normalised the same way: multiply by the window's size for
    /// its logical position. Fractions, not pixels, so no panel size is needed.
    pub fn touch_to_window(self, (u, v): (f64, f64)) -> (f64, f64) {
        match self {
            Rotation::Deg0 => (u, v),
            // Window x follows the panel downwards, window y runs from the panel's right edge.
            Rotation::Deg90 => (v, 1.0 - u),
            Rotation::Deg180 => (1.0 - u, 1.0 - v),
            Rotation::Deg270 => (1.0 - v, u),
        }
    }
}

impl TryFrom<i64> for Rotation {
    type Error = BadRotation;

    fn try_from(degrees: i64) -> Result<Self, Self::Error> {
        Rotation::from_degrees(degrees)
    }
}

impl From<Rotation> for u16 {
    fn from(rotation: Rotation) -> u16 {
        rotation.degrees()
    }
}

impl std::fmt::Display for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}°", self.degrees())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANEL: (u32, u32) = (1280, 800);

    #[test]
    fn degrees_round_trip_and_anything_else_is_a_clear_error() {
        for rotation in Rotation::ALL {
            let degrees = i64::from(rotation.degrees());
            assert_eq!(Rotation::from_degrees(degrees), Ok(rotation));
        }
        for bad in [-90, 45, 360, 1] {
            let error = Rotation::from_degrees(bad).unwrap_err().to_string();
            assert!(error.contains("0, 90, 180 or 270"), "{error}");
            assert!(error.contains(&bad.to_string()), "{error}");
        }
    }

    #[test]
    fn quarter_turns_make_a_landscape_panel_a_portrait_window() {
        assert_eq!(Rotation::Deg0.window_size(PANEL), (1280, 800));
        assert_eq!(Rotation::Deg90.window_size(PANEL), (800, 1280));
        assert_eq!(Rotation::Deg180.window_size(PANEL), (1280, 800));
        assert_eq!(Rotation::Deg270.window_size(PANEL), (800, 1280));
    }

    #[test]
    fn the_windows_top_left_corner_lands_where_the_renderer_puts_it() {
        // Slint's software renderer: at 90 the window's origin is the panel's top-right pixel,
        // at 180 its bottom-right, at 270 its bottom-left.
        let corners = [
            (0, (0, 0)),
            (90, (1279, 0)),
            (180, (1279, 799)),
            (270, (0, 799)),
        ];
        for (degrees, corner) in corners {
            let rotation = Rotation::from_degrees(degrees).unwrap();
            assert_eq!(
                rotation.window_to_panel((0, 0), PANEL),
                corner,
                "{rotation}"
            );
        }
    }

    #[test]
    fn panel_to_window_undoes_window_to_panel_everywhere() {
        for rotation in Rotation::ALL {
            let (ww, wh) = rotation.window_size(PANEL);
            for x in (0..ww).step_by(37).chain([ww - 1]) {
                for y in (0..wh).step_by(41).chain([wh - 1]) {
                    let on_panel = rotation.window_to_panel((x, y), PANEL);
                    assert!(on_panel.0 < PANEL.0 && on_panel.1 < PANEL.1, "{rotation}");
                    assert_eq!(
                        rotation.panel_to_window(on_panel, PANEL),
                        (x, y),
                        "{rotation}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_touch_lands_on_the_window_pixel_the_panel_shows_there() {
        for rotation in Rotation::ALL {
            let (ww, wh) = rotation.window_size(PANEL);
            for (px, py) in [
                (0, 0),
                (1279, 0),
                (0, 799),
                (1279, 799),
                (1000, 100),
                (3, 640),
            ] {
                // Pixel centres, normalised, as libinput hands them over.
                let u = (f64::from(px) + 0.5) / f64::from(PANEL.0);
                let v = (f64::from(py) + 0.5) / f64::from(PANEL.1);
                let (nx, ny) = rotation.touch_to_window((u, v));
                let (wx, wy) = (nx * f64::from(ww), ny * f64::from(wh));
                let (ex, ey) = rotation.panel_to_window((px, py), PANEL);
                assert!(
                    (wx - (f64::from(ex) + 0.5)).abs() < 0.01,
                    "{rotation} x at {px},{py}: {wx} vs {ex}"
                );
                assert!(
                    (wy - (f64::from(ey) + 0.5)).abs() < 0.01,
                    "{rotation} y at {px},{py}: {wy} vs {ey}"
                );
            }
        }
    }

    #[test]
    fn serde_reads_degrees_and_refuses_other_numbers() {
        let r: Rotation = serde_json::from_str("270").unwrap();
        assert_eq!(r, Rotation::Deg270);
        assert_eq!(serde_json::to_string(&Rotation::Deg90).unwrap(), "90");
        let error = serde_json::from_str::<Rotation>("45")
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a display rotation"), "{error}");
        assert!(serde_json::from_str::<Rotation>("\"90\"").is_err());
    }
}
