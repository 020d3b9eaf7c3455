//! Renders every screen in every language with the software renderer into
//! target/screenshots/<language>/ and checks the pictures: non-trivial content, every text
//! fits its box (nothing clipped, cut off or elided), the pairing and wallet QR codes decode
//! back to their payloads, and the idle screen draws no frames while nothing changes.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use countertop::adapters::ui::headless::{Clock, HeadlessScreen};
use countertop::adapters::ui::{MainWindow, apply, screenshot};
use countertop::config::AppConfig;
use countertop::demo::{SAMPLE_PAIRING_URI, SAMPLE_WALLET_PAYLOAD, sample_views};
use countertop_core::Language;
use slint::ComponentHandle;

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots")
}

/// Distinct colours in a picture: a blank or broken render has one or two.
fn colour_count(image: &image::RgbImage) -> usize {
    let mut seen = std::collections::HashSet::new();
    for pixel in image.pixels().step_by(7) {
        seen.insert(pixel.0);
    }
    seen.len()
}

/// Does every visible text fit its box? Measured the way Slint's layouts measure (the Text
/// item's own layout info, from the renderer that draws it), then compared with the box the
/// layout gave it and with every clipping ancestor and the window edges.
mod text_fit {
    use super::*;
    use i_slint_core::item_tree::ParentItemTraversalMode;
    use i_slint_core::items::{
        ComplexText, Flickable, ItemRc, SimpleText, TextHorizontalAlignment, TextOverflow,
        TextVerticalAlignment, TextWrap,
    };
    use i_slint_core::layout::Orientation;
    use i_slint_core::window::WindowInner;

    /// Layouts round to whole pixels.
    const SLACK: f32 = 1.0;

    struct Rect {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
    }

    fn absolute(item: &ItemRc) -> Rect {
        let geometry = item.geometry();
        let origin = item.map_to_window(geometry.origin);
        Rect {
            x0: origin.x,
            y0: origin.y,
            x1: origin.x + geometry.size.width,
            y1: origin.y + geometry.size.height,
        }
    }

    /// Whether `item` lies inside a scrolling area (a Flickable above it).
    fn scrolled_below(item: &ItemRc) -> bool {
        let mut ancestor = item.parent_item(ParentItemTraversalMode::FindAllParents);
        while let Some(a) = ancestor {
            if a.downcast::<Flickable>().is_some() {
                return true;
            }
            ancestor = a.parent_item(ParentItemTraversalMode::FindAllParents);
        }
        false
    }

    /// Every visible text that does not fit, as "«text»: why".
    pub fn problems(window: &MainWindow) -> Vec<String> {
        let inner = WindowInner::from_pub(window.window());
        let adapter = inner.window_adapter();
        let size = window.window().size();
        let scale = window.window().scale_factor();
        let screen = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: size.width as f32 / scale,
            y1: size.height as f32 / scale,
        };
        let mut found = Vec::new();
        ItemRc::new_root(inner.component()).visit_descendants(|item| {
            let text = if let Some(t) = item.downcast::<ComplexText>() {
                let t = t.as_pin_ref();
                Some((
                    t.text(),
                    t.wrap(),
                    t.overflow(),
                    t.horizontal_alignment(),
                    t.vertical_alignment(),
                ))
            } else if let Some(t) = item.downcast::<SimpleText>() {
                let t = t.as_pin_ref();
                Some((
                    t.text(),
                    TextWrap::NoWrap,
                    TextOverflow::Clip,
                    t.horizontal_alignment(),
                    t.vertical_alignment(),
                ))
            } else {
                None
            };
            let Some((text, wrap, overflow, h_align, v_align)) = text else {
                return ControlFlow::<()>::Continue(());
            };
            if text.trim().is_empty() || !item.is_visible() {
                return ControlFlow::Continue(());
            }
            let geometry = item.geometry();
            let (w, h) = (geometry.size.width, geometry.size.height);
            let info = |orientation, cross| {
                item.borrow()
                    .as_ref()
                    .layout_info(orientation, cross, &adapter, item)
            };
            let horizontal = info(Orientation::Horizontal, -1.0);
            let needed_h = info(Orientation::Vertical, w).preferred;
            let label = format!("«{}»", text.replace('\n', " ⏎ "));
            let mut why = Vec::new();
            match wrap {
                TextWrap::NoWrap if horizontal.preferred > w + SLACK => why.push(format!(
                    "needs {:.0} px wide, its box is {w:.0}{}",
                    horizontal.preferred,
                    if overflow == TextOverflow::Elide {
                        " (elided)"
                    } else {
                        ""
                    }
                )),
                TextWrap::WordWrap if horizontal.min > w + SLACK => why.push(format!(
                    "a word needs {:.0} px, its box is {w:.0} wide",
                    horizontal.min
                )),
                _ => {}
            }
            if needed_h > h + SLACK {
                why.push(format!("needs {needed_h:.0} px high, its box is {h:.0}"));
            }
            // Where the glyphs are: the box, narrowed to the text by its alignment.
            let b = absolute(item);
            let ink_w = if wrap == TextWrap::NoWrap {
                horizontal.preferred.min(w)
            } else {
                w
            };
            let ink_h = needed_h.min(h);
            let x0 = match h_align {
                TextHorizontalAlignment::Center => b.x0 + (w - ink_w) / 2.0,
                TextHorizontalAlignment::Right | TextHorizontalAlignment::End => b.x1 - ink_w,
                _ => b.x0,
            };
            let y0 = match v_align {
                TextVerticalAlignment::Center => b.y0 + (h - ink_h) / 2.0,
                TextVerticalAlignment::Bottom => b.y1 - ink_h,
                _ => b.y0,
            };
            let ink = Rect {
                x0,
                y0,
                x1: x0 + ink_w,
                y1: y0 + ink_h,
            };
            // The window and every clipping ancestor. A scrolling list may cut rows at its top
            // and bottom (the shopper scrolls), never at its sides.
            let mut clips = vec![(
                "the window edge".to_owned(),
                screen.x0,
                screen.y0,
                screen.x1,
                screen.y1,
            )];
            // Containers that do not clip still frame the text: sticking out of a card or a
            // button is as wrong as being cut (only empty wrappers of no size are skipped).
            // Inside a scrolling area, content may run past its wrappers' bottoms: it is scrolled
            // into view, not cut.
            let mut containers = Vec::new();
            let mut ancestor = item.parent_item(ParentItemTraversalMode::FindAllParents);
            while let Some(a) = ancestor {
                let r = absolute(&a);
                if a.borrow().as_ref().clips_children() {
                    let scrolls = a.downcast::<Flickable>().is_some();
                    let (y0, y1) = if scrolls {
                        (f32::MIN, f32::MAX)
                    } else {
                        (r.y0, r.y1)
                    };
                    clips.push((
                        format!("a clipping {}", if scrolls { "list" } else { "parent" }),
                        r.x0,
                        y0,
                        r.x1,
                        y1,
                    ));
                } else if r.x1 - r.x0 > 0.0 && r.y1 - r.y0 > 0.0 {
                    let what = format!(
                        "its container at ({:.0}, {:.0}) {:.0}×{:.0}",
                        r.x0,
                        r.y0,
                        r.x1 - r.x0,
                        r.y1 - r.y0
                    );
                    containers.push((what, r.x0, r.y0, r.x1, r.y1, scrolled_below(&a)));
                }
                ancestor = a.parent_item(ParentItemTraversalMode::FindAllParents);
            }
            let containers: Vec<_> = containers
                .into_iter()
                .map(|(what, x0, y0, x1, y1, in_scroll)| {
                    if in_scroll {
                        (what, x0, f32::MIN, x1, f32::MAX)
                    } else {
                        (what, x0, y0, x1, y1)
                    }
                })
                .collect();
            let hidden = clips.iter().any(|(_, x0, y0, x1, y1)| {
                ink.x1 <= *x0 || ink.x0 >= *x1 || ink.y1 <= *y0 || ink.y0 >= *y1
            });
            let outside = |(_, x0, y0, x1, y1): &&(String, f32, f32, f32, f32)| {
                ink.x0 < x0 - SLACK
                    || ink.y0 < y0 - SLACK
                    || ink.x1 > x1 + SLACK
                    || ink.y1 > y1 + SLACK
            };
            if !hidden {
                for (what, ..) in clips.iter().filter(outside) {
                    why.push(format!("cut off by {what}"));
                }
                // The innermost container it leaves is the one to name.
                if let Some((what, ..)) = containers.iter().find(outside) {
                    why.push(format!("sticks out of {what}"));
                }
            }
            if !why.is_empty() && !hidden {
                found.push(format!("{label}: {}", why.join("; ")));
            }
            ControlFlow::Continue(())
        });
        found
    }
}

/// Where each labelled control is on each screenshot: for the device rig, which taps the
/// device's touch screen by label (the device draws the same layout at the same size).
mod touch_targets {
    use super::*;
    use i_slint_backend_testing::{ElementHandle, ElementQuery};

    pub fn of(window: &MainWindow, shot: &screenshot::Shot) -> serde_json::Value {
        let (width, height) = (shot.width as f32, shot.height as f32);
        let elements = ElementQuery::from_root(window)
            .match_descendants()
            .match_predicate(|e| e.accessible_label().is_some_and(|l| !l.is_empty()))
            .find_all();
        let mut found = Vec::new();
        for element in elements {
            let (position, size) = (element.absolute_position(), element.size());
            let visible = element.computed_opacity() > 0.0
                && size.width > 0.0
                && size.height > 0.0
                && position.x >= 0.0
                && position.y >= 0.0
                && position.x + size.width <= width + 0.5
                && position.y + size.height <= height + 0.5;
            if visible {
                found.push(serde_json::json!({
                    "label": element.accessible_label().unwrap().as_str(),
                    "x": position.x, "y": position.y, "w": size.width, "h": size.height,
                }));
            }
        }
        serde_json::Value::Array(found)
    }

    pub fn press(window: &MainWindow, label: &str) {
        let button = ElementHandle::find_by_accessible_label(window, label).next();
        button
            .unwrap_or_else(|| panic!("no {label:?} button"))
            .invoke_accessible_default_action();
    }
}

/// WCAG 2.2 contrast of every text the shopper sees, measured on the rendered frame: the
/// text's own colour against the colour actually drawn behind its glyphs (a card, a button, a
/// scrim over a picture), so a pair no theme declares is caught as well.
mod contrast {
    use super::*;
    use i_slint_core::item_tree::ParentItemTraversalMode;
    use i_slint_core::items::{
        BasicBorderRectangle, BorderRectangle, ClippedImage, ComplexText, ImageItem, ItemRc,
        Opacity, Rectangle, SimpleText, TextHorizontalAlignment, TextVerticalAlignment, TextWrap,
        WindowItem,
    };
    use i_slint_core::layout::Orientation;
    use i_slint_core::window::WindowInner;

    /// The ratios a theme must reach: for normal text and for large text (WCAG: 18 pt, or
    /// 14 pt bold, i.e. 24 px or 18.66 px at weight 700).
    #[derive(Debug, Clone, Copy)]
    pub struct Rule {
        pub normal: f32,
        pub large: f32,
    }

    /// WCAG 2.2 AA (1.4.3).
    pub const STANDARD: Rule = Rule {
        normal: 4.5,
        large: 3.0,
    };
    /// The high-contrast theme: 7:1 for every text, large or not.
    pub const HIGH: Rule = Rule {
        normal: 7.0,
        large: 7.0,
    };

    /// Relative luminance of an sRGB colour (WCAG 2.2).
    fn luminance([r, g, b]: [f32; 3]) -> f32 {
        let linear = |c: f32| {
            let c = c / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// How far (per channel, 0-255) a pixel may be from a colour and still be that colour.
    const NEAR: f32 = 12.0;

    pub fn ratio(a: [f32; 3], b: [f32; 3]) -> f32 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[derive(Clone, Copy)]
    struct Rect {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
    }

    impl Rect {
        fn of(item: &ItemRc) -> Rect {
            let geometry = item.geometry();
            let origin = item.map_to_window(geometry.origin);
            Rect {
                x0: origin.x,
                y0: origin.y,
                x1: origin.x + geometry.size.width,
                y1: origin.y + geometry.size.height,
            }
        }
        fn intersect(self, o: Rect) -> Rect {
            Rect {
                x0: self.x0.max(o.x0),
                y0: self.y0.max(o.y0),
                x1: self.x1.min(o.x1),
                y1: self.y1.min(o.y1),
            }
        }
        fn area(self) -> f32 {
            (self.x1 - self.x0).max(0.0) * (self.y1 - self.y0).max(0.0)
        }
    }

    /// What paints over what lies under it: backgrounds and pictures.
    fn paints(item: &ItemRc) -> bool {
        let opaque = |brush: i_slint_core::Brush| !brush.is_transparent();
        if let Some(r) = item.downcast::<Rectangle>() {
            opaque(r.as_pin_ref().background())
        } else if let Some(r) = item.downcast::<BasicBorderRectangle>() {
            opaque(r.as_pin_ref().background())
        } else if let Some(r) = item.downcast::<BorderRectangle>() {
            opaque(r.as_pin_ref().background())
        } else {
            item.downcast::<ImageItem>().is_some() || item.downcast::<ClippedImage>().is_some()
        }
    }

    struct Glyphs {
        label: String,
        colour: i_slint_core::Color,
        /// Opacity of the text and its ancestors.
        alpha: f32,
        large: bool,
        /// The glyphs' box where clipping parents let it show.
        ink: Rect,
        /// The area of the whole box, clipped or not.
        full_area: f32,
    }

    /// A visible text, with where its glyphs are (its box narrowed by its alignment), or `None`.
    fn glyphs(
        item: &ItemRc,
        adapter: &std::rc::Rc<dyn i_slint_core::window::WindowAdapter>,
        default_size: f32,
    ) -> Option<Glyphs> {
        let (text, colour, size, weight, wrap, h_align, v_align) =
            if let Some(t) = item.downcast::<ComplexText>() {
                let t = t.as_pin_ref();
                (
                    t.text(),
                    t.color(),
                    t.font_size().get(),
                    t.font_weight(),
                    t.wrap(),
                    t.horizontal_alignment(),
                    t.vertical_alignment(),
                )
            } else if let Some(t) = item.downcast::<SimpleText>() {
                let t = t.as_pin_ref();
                (
                    t.text(),
                    t.color(),
                    t.font_size().get(),
                    t.font_weight(),
                    TextWrap::NoWrap,
                    t.horizontal_alignment(),
                    t.vertical_alignment(),
                )
            } else {
                return None;
            };
        if text.trim().is_empty() || !item.is_visible() {
            return None;
        }
        let size = if size > 0.0 { size } else { default_size };
        let weight = if weight > 0 { weight } else { 400 };
        let geometry = item.geometry();
        let (w, h) = (geometry.size.width, geometry.size.height);
        let info = |orientation, cross| {
            item.borrow()
                .as_ref()
                .layout_info(orientation, cross, adapter, item)
        };
        let ink_w = if wrap == TextWrap::NoWrap {
            info(Orientation::Horizontal, -1.0).preferred.min(w)
        } else {
            w
        };
        let ink_h = info(Orientation::Vertical, w).preferred.min(h);
        let b = Rect::of(item);
        let x0 = match h_align {
            TextHorizontalAlignment::Center => b.x0 + (w - ink_w) / 2.0,
            TextHorizontalAlignment::Right | TextHorizontalAlignment::End => b.x1 - ink_w,
            _ => b.x0,
        };
        let y0 = match v_align {
            TextVerticalAlignment::Center => b.y0 + (h - ink_h) / 2.0,
            TextVerticalAlignment::Bottom => b.y1 - ink_h,
            _ => b.y0,
        };
        let mut ink = Rect {
            x0,
            y0,
            x1: x0 + ink_w,
            y1: y0 + ink_h,
        };
        let full_area = ink.area();
        let mut alpha = f32::from(colour.color().alpha()) / 255.0;
        let mut ancestor = item.parent_item(ParentItemTraversalMode::FindAllParents);
        while let Some(a) = ancestor {
            if a.borrow().as_ref().clips_children() {
                ink = ink.intersect(Rect::of(&a));
            }
            if let Some(o) = a.downcast::<Opacity>() {
                alpha *= o.as_pin_ref().opacity();
            }
            ancestor = a.parent_item(ParentItemTraversalMode::FindAllParents);
        }
        Some(Glyphs {
            label: format!("«{}»", text.replace('\n', " ⏎ ")),
            colour: colour.color(),
            alpha,
            large: size >= 24.0 - 0.01 || (size >= 18.66 && weight >= 700),
            ink,
            full_area,
        })
    }

    /// Every visible text whose contrast with what is behind it is below `rule`, as
    /// "«text»: 3.2:1 … needs 4.5:1". A text covered by something drawn later (the staff
    /// panel and its scrim over a shopper screen) is not what anyone reads, and is skipped.
    pub fn problems(window: &MainWindow, frame: &image::RgbImage, rule: Rule) -> Vec<String> {
        let inner = WindowInner::from_pub(window.window());
        let adapter = inner.window_adapter();
        let default_size = WindowItem::resolved_default_font_size(inner.component()).get();
        let scale = window.window().scale_factor();
        // Paint order: a depth-first walk draws parents before children, siblings in order.
        let mut items = Vec::new();
        ItemRc::new_root(inner.component()).visit_descendants(|item| {
            items.push(item.clone());
            ControlFlow::<()>::Continue(())
        });
        let painters: Vec<(usize, Rect)> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| paints(item) && item.is_visible())
            .map(|(i, item)| (i, Rect::of(item)))
            .collect();
        let mut found = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let Some(g) = glyphs(item, &adapter, default_size) else {
                continue;
            };
            let ink = g.ink.intersect(Rect {
                x0: 0.0,
                y0: 0.0,
                x1: frame.width() as f32 / scale,
                y1: frame.height() as f32 / scale,
            });
            // Mostly scrolled out of a list (or off the screen): read once scrolled into view.
            if ink.area() < 4.0 || ink.area() < 0.5 * g.full_area {
                continue;
            }
            let covered = painters.iter().any(|(i, r)| {
                *i > index
                    && !is_ancestor(&items[*i], item)
                    && r.intersect(ink).area() > 0.1 * ink.area()
            });
            if covered {
                continue;
            }
            let measured = match measure(frame, ink, scale, &g) {
                Ok(measured) => measured,
                Err(why) => {
                    found.push(format!("{}: {why}", g.label));
                    continue;
                }
            };
            let needed = if g.large { rule.large } else { rule.normal };
            if measured.ratio + 0.005 < needed {
                found.push(format!(
                    "{}: {:.2}:1 ({} on {}), needs {needed}:1{}",
                    g.label,
                    measured.ratio,
                    hex(measured.text),
                    hex(measured.background),
                    if g.large { " (large text)" } else { "" },
                ));
            }
        }
        found
    }

    fn is_ancestor(candidate: &ItemRc, item: &ItemRc) -> bool {
        let mut ancestor = item.parent_item(ParentItemTraversalMode::FindAllParents);
        while let Some(a) = ancestor {
            if a == *candidate {
                return true;
            }
            ancestor = a.parent_item(ParentItemTraversalMode::FindAllParents);
        }
        false
    }

    fn hex([r, g, b]: [f32; 3]) -> String {
        format!(
            "#{:02X}{:02X}{:02X}",
            r.round() as u8,
            g.round() as u8,
            b.round() as u8
        )
    }

    struct Measured {
        ratio: f32,
        text: [f32; 3],
        background: [f32; 3],
    }

    /// The background is the commonest colour among the pixels of the glyphs' box that are
    /// not the text's own colour (glyph pixels are that colour or blends towards the
    /// background, each shade rare). When (nearly) every pixel is the text's colour, the text
    /// is invisible: the background is that colour. `Err` when the text's colour appears
    /// nowhere in its box, which the check reports rather than guessing.
    fn measure(
        frame: &image::RgbImage,
        ink: Rect,
        scale: f32,
        g: &Glyphs,
    ) -> Result<Measured, String> {
        let declared = [
            f32::from(g.colour.red()),
            f32::from(g.colour.green()),
            f32::from(g.colour.blue()),
        ];
        let x0 = (ink.x0 * scale).floor().max(0.0) as u32;
        let y0 = (ink.y0 * scale).floor().max(0.0) as u32;
        let x1 = ((ink.x1 * scale).ceil().max(0.0) as u32).min(frame.width());
        let y1 = ((ink.y1 * scale).ceil().max(0.0) as u32).min(frame.height());
        let pixels: Vec<[u8; 3]> = (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .map(|(x, y)| frame.get_pixel(x, y).0)
            .collect();
        let near = |p: [u8; 3], c: [f32; 3]| {
            p.iter()
                .zip(c)
                .all(|(a, b)| (f32::from(*a) - b).abs() <= NEAR)
        };
        // Colours quantised to 5 bits a channel, so a picture's noise still has a commonest
        // one; its colour is the mean of its pixels.
        let bucket = |p: &[u8; 3]| {
            (usize::from(p[0] >> 3) << 10) | (usize::from(p[1] >> 3) << 5) | usize::from(p[2] >> 3)
        };
        let mode = |exclude: [f32; 3]| {
            let mut counts = vec![0u32; 1 << 15];
            let (mut best, mut most) = (0, 0);
            for p in pixels.iter().filter(|p| !near(**p, exclude)) {
                let b = bucket(p);
                counts[b] += 1;
                if counts[b] > most {
                    (best, most) = (b, counts[b]);
                }
            }
            (most > 0).then(|| {
                let mut sum = [0.0f32; 3];
                for p in pixels
                    .iter()
                    .filter(|p| bucket(p) == best && !near(**p, exclude))
                {
                    for i in 0..3 {
                        sum[i] += f32::from(p[i]);
                    }
                }
                (most as usize, sum.map(|s| s / most as f32))
            })
        };
        // A translucent text is drawn as its colour blended over the background.
        let text = match mode(declared) {
            Some((_, bg)) if g.alpha < 0.999 => {
                [0, 1, 2].map(|i| declared[i] * g.alpha + bg[i] * (1.0 - g.alpha))
            }
            _ => declared,
        };
        if !pixels.iter().any(|p| near(*p, text)) {
            return Err(format!("its colour {} is nowhere in its box", hex(text)));
        }
        let background = match mode(text) {
            // A few stray pixels are antialiasing, not a background.
            Some((n, bg)) if n * 50 >= pixels.len() => bg,
            _ => text,
        };
        Ok(Measured {
            ratio: ratio(text, background),
            text,
            background,
        })
    }
}

/// Every control a finger operates (buttons, tabs, switches, keys, text fields) is at least
/// 48x48 px (WCAG 2.5.8 asks 24; a terminal at arm's length, Android and Apple ask 48).
mod target_size {
    use super::*;
    use i_slint_backend_testing::{AccessibleRole, ElementQuery};

    pub const MIN: f32 = 48.0;

    fn interactive(role: AccessibleRole) -> bool {
        matches!(
            role,
            AccessibleRole::Button
                | AccessibleRole::Tab
                | AccessibleRole::Switch
                | AccessibleRole::Checkbox
                | AccessibleRole::Slider
                | AccessibleRole::Combobox
                | AccessibleRole::Spinbox
                | AccessibleRole::TextInput
        )
    }

    /// Each control smaller than `MIN` in either direction, as "«label» (role) w×h".
    pub fn problems(window: &MainWindow) -> Vec<String> {
        let size = window.window().size();
        let scale = window.window().scale_factor();
        let (width, height) = (size.width as f32 / scale, size.height as f32 / scale);
        ElementQuery::from_root(window)
            .match_descendants()
            .match_predicate(|e| e.accessible_role().is_some_and(interactive))
            .find_all()
            .into_iter()
            .filter_map(|element| {
                let (position, size) = (element.absolute_position(), element.size());
                let shown = element.computed_opacity() > 0.0
                    && size.width > 0.0
                    && size.height > 0.0
                    && position.x < width
                    && position.y < height
                    && position.x + size.width > 0.0
                    && position.y + size.height > 0.0;
                // The edge strip that opens the staff panel is swiped along, not tapped: it
                // runs the screen's full height and stays narrow so it swallows no tap meant
                // for a button near the edge.
                let edge_strip =
                    size.height >= height - 0.5 && position.x + size.width >= width - 0.5;
                (shown && !edge_strip && (size.width < MIN - 0.01 || size.height < MIN - 0.01))
                    .then(|| {
                        format!(
                            "«{}» ({:?}) {:.0}×{:.0}",
                            element.accessible_label().unwrap_or_default(),
                            element.accessible_role().unwrap_or(AccessibleRole::None),
                            size.width,
                            size.height
                        )
                    })
            })
            .collect()
    }
}

/// Every screen of one language at both sizes: pictures, text fit and QR codes. One test per
/// language, so that the languages render in parallel.
fn screens_of(language: Language) {
    let started = Instant::now();
    let mut overflows = Vec::new();
    let mut accessibility = Vec::new();
    let mut a11y_checking = Duration::ZERO;
    let mut targets = serde_json::Map::new();
    let mut inspect =
        |window: &MainWindow, shot: &screenshot::Shot, frame: Option<&image::RgbImage>| {
            for problem in text_fit::problems(window) {
                overflows.push(format!(
                    "{} {} {}x{}: {problem}",
                    shot.language, shot.name, shot.width, shot.height
                ));
            }
            let check = Instant::now();
            accessibility.extend(accessibility_problems(window, shot, frame));
            a11y_checking += check.elapsed();
            let key = |name: &str| format!("{name}-{}x{}", shot.width, shot.height);
            targets.insert(key(&shot.name), touch_targets::of(window, shot));
            if shot.name == "settings-pos" && shot.language == Language::English {
                // The reset's confirmation is the panel's own state: open it, note it, close it
                // (the rig touches the English screens).
                touch_targets::press(window, "Reset connection to POS");
                targets.insert(key("settings-pos-confirm"), touch_targets::of(window, shot));
                touch_targets::press(window, "Keep pairing");
            }
        };
    let shots =
        screenshot::render_languages(&out_dir(), &AppConfig::default(), &[language], &mut inspect)
            .unwrap();
    let rendered = started.elapsed();
    // The device rig touches the device's screen where these say each control is.
    let targets_file = out_dir().join(language.tag()).join("touch-targets.json");
    std::fs::write(
        &targets_file,
        serde_json::to_string_pretty(&targets).unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = sample_views(&AppConfig::default())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    // Every sample view and the two tip keypads at each size, then the staff panel's states.
    for (width, height) in screenshot::SIZES {
        for name in names
            .iter()
            .copied()
            .chain(["tip-keypad", "tip-total-keypad"])
        {
            let taken = shots
                .iter()
                .any(|s| s.name == name && (s.width, s.height) == (width, height));
            assert!(taken, "{language} {name} {width}x{height} was not rendered");
        }
        let panel = shots
            .iter()
            .filter(|s| s.name.starts_with("settings") && (s.width, s.height) == (width, height));
        assert!(
            panel.count() >= 1,
            "{language}: no settings panel at {width}x{height}"
        );
    }
    for shot in &shots {
        let image = image::open(&shot.path)
            .unwrap_or_else(|e| panic!("{}: {e}", shot.path.display()))
            .to_rgb8();
        assert_eq!(
            image.dimensions(),
            (shot.width, shot.height),
            "{}",
            shot.name
        );
        assert!(
            colour_count(&image) > 8,
            "{} looks blank",
            shot.path.display()
        );
    }
    {
        let dir = out_dir().join(language.tag());
        for (width, height) in screenshot::SIZES {
            for (screen, expected) in [
                ("pairing", SAMPLE_PAIRING_URI),
                ("wallet", SAMPLE_WALLET_PAYLOAD),
            ] {
                let qr = image::open(dir.join(format!("{screen}-{width}x{height}.png")))
                    .unwrap()
                    .to_luma8();
                let mut prepared = rqrr::PreparedImage::prepare(qr);
                let grids = prepared.detect_grids();
                assert_eq!(
                    grids.len(),
                    1,
                    "exactly one QR on the {language} {screen} screen"
                );
                let (_, payload) = grids[0].decode().expect("the QR decodes");
                assert_eq!(payload, expected);
            }
        }
    }
    eprintln!(
        "{language}: {} screenshots in {:.1} s ({:.1} s with the checks, {:.1} s of it contrast and touch targets)",
        shots.len(),
        rendered.as_secs_f32(),
        started.elapsed().as_secs_f32(),
        a11y_checking.as_secs_f32()
    );
    assert!(
        overflows.is_empty(),
        "{} texts do not fit:\n{}",
        overflows.len(),
        overflows.join("\n")
    );
    assert!(
        accessibility.is_empty(),
        "{} accessibility problems:\n{}",
        accessibility.len(),
        accessibility.join("\n")
    );
}

/// Contrast (at the look's level) and touch-target size on one picture, named for the report.
fn accessibility_problems(
    window: &MainWindow,
    shot: &screenshot::Shot,
    frame: Option<&image::RgbImage>,
) -> Vec<String> {
    let rule = if shot.look.high_contrast {
        contrast::HIGH
    } else {
        contrast::STANDARD
    };
    let at = format!(
        "{} {}{}{} {}x{}",
        shot.language,
        if shot.look.high_contrast {
            "high-contrast "
        } else {
            ""
        },
        if shot.look.large_text {
            "large-text "
        } else {
            ""
        },
        shot.name,
        shot.width,
        shot.height
    );
    let contrast = frame
        .map(|frame| contrast::problems(window, frame, rule))
        .unwrap_or_default()
        .into_iter()
        .map(|p| format!("{at}: contrast {p}"));
    let small = target_size::problems(window).into_iter().map(|p| {
        format!(
            "{at}: touch target {p} is under {}×{} px",
            target_size::MIN,
            target_size::MIN
        )
    });
    contrast.chain(small).collect()
}

/// The shopper screens and the panel section pictured in large text with high contrast.
const ACCESSIBLE_PICTURES: [&str; 11] = [
    "idle",
    "cart",
    "tip",
    "tip-keypad",
    "card",
    "processing",
    "wallet",
    "approved",
    "declined",
    "post-payment",
    "settings-accessibility",
];

/// Those pictured in each setting on its own.
const ONE_SETTING_PICTURES: [&str; 6] = [
    "idle",
    "cart",
    "tip",
    "card",
    "approved",
    "settings-accessibility",
];

/// The accessibility settings of one language. Every screen at both sizes in large text with
/// high contrast, the most demanding combination: text fit and touch sizes (which need only
/// the layout), and 7:1 contrast measured on every screen drawn at 1280x800 (colours do not
/// depend on the orientation; drawing is what costs). Pictures of the representative screens
/// at both sizes, in the combination and in each setting on its own, go to
/// target/screenshots/<language>/{large-high-contrast, high-contrast, large-text}/.
fn accessible_screens_of(language: Language) {
    use screenshot::{Look, Pass};
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut checking = Duration::ZERO;
    let mut inspect =
        |window: &MainWindow, shot: &screenshot::Shot, frame: Option<&image::RgbImage>| {
            let check = Instant::now();
            for problem in text_fit::problems(window) {
                problems.push(format!(
                    "{} large-text {} {}x{}: {problem}",
                    shot.language, shot.name, shot.width, shot.height
                ));
            }
            problems.extend(accessibility_problems(window, shot, frame));
            checking += check.elapsed();
        };
    let representative = |name: &str| ACCESSIBLE_PICTURES.contains(&name);
    let one_setting = |name: &str| ONE_SETTING_PICTURES.contains(&name);
    let passes = [
        Pass {
            look: Look {
                high_contrast: true,
                large_text: true,
            },
            folder: "large-high-contrast",
            screens: &|_| true,
            draw: &|name, width| width == screenshot::SIZES[0].0 || representative(name),
            write: &representative,
        },
        Pass {
            look: Look {
                high_contrast: true,
                large_text: false,
            },
            folder: "high-contrast",
            screens: &one_setting,
            draw: &|_, _| true,
            write: &|_| true,
        },
        Pass {
            look: Look {
                high_contrast: false,
                large_text: true,
            },
            folder: "large-text",
            screens: &one_setting,
            draw: &|_, _| true,
            write: &|_| true,
        },
    ];
    let shots = screenshot::render_passes(
        &out_dir(),
        &AppConfig::default(),
        &[language],
        &passes,
        &mut inspect,
    )
    .unwrap();
    for pass in &passes {
        for (width, height) in screenshot::SIZES {
            for name in ACCESSIBLE_PICTURES
                .into_iter()
                .filter(|n| (pass.screens)(n))
            {
                let path = out_dir()
                    .join(language.tag())
                    .join(pass.folder)
                    .join(format!("{name}-{width}x{height}.png"));
                assert!(
                    shots.iter().any(|s| s.path == path),
                    "{} was not written",
                    path.display()
                );
            }
        }
    }
    eprintln!(
        "{language} accessibility: {} pictures written, every screen checked, in {:.1} s ({:.1} s of it checking)",
        shots.len(),
        started.elapsed().as_secs_f32(),
        checking.as_secs_f32()
    );
    assert!(
        problems.is_empty(),
        "{} problems in large text with high contrast:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn english_screens_are_accessible_in_large_text_and_high_contrast() {
    accessible_screens_of(Language::English);
}

#[test]
fn dutch_screens_are_accessible_in_large_text_and_high_contrast() {
    accessible_screens_of(Language::Dutch);
}

#[test]
fn swedish_screens_are_accessible_in_large_text_and_high_contrast() {
    accessible_screens_of(Language::Swedish);
}

#[test]
fn traditional_chinese_screens_are_accessible_in_large_text_and_high_contrast() {
    accessible_screens_of(Language::ChineseTraditional);
}

#[test]
fn simplified_chinese_screens_are_accessible_in_large_text_and_high_contrast() {
    accessible_screens_of(Language::ChineseSimplified);
}

#[test]
fn english_screens_render_with_every_text_in_its_box() {
    screens_of(Language::English);
}

#[test]
fn dutch_screens_render_with_every_text_in_its_box() {
    screens_of(Language::Dutch);
}

#[test]
fn swedish_screens_render_with_every_text_in_its_box() {
    screens_of(Language::Swedish);
}

#[test]
fn traditional_chinese_screens_render_with_every_text_in_its_box() {
    screens_of(Language::ChineseTraditional);
}

#[test]
fn simplified_chinese_screens_render_with_every_text_in_its_box() {
    screens_of(Language::ChineseSimplified);
}

#[test]
fn the_text_fit_check_notices_a_text_that_does_not_fit() {
    let screen =
        HeadlessScreen::install(800, 1280, Clock::Manual(Rc::new(Cell::new(Duration::ZERO))))
            .unwrap();
    let window = MainWindow::new().unwrap();
    window.show().unwrap();
    let views = sample_views(&AppConfig::default());
    let cart = views
        .iter()
        .find(|(n, _)| *n == "cart")
        .map(|(_, v)| v.clone())
        .unwrap();
    apply(&window, None, &cart);
    screen.render();
    assert_eq!(
        text_fit::problems(&window),
        Vec::<String>::new(),
        "the sample cart fits"
    );
    // A line description far wider than its row: elided on screen, so the check must object.
    let countertop_core::Screen::Cart { cart: lines, .. } = &cart.screen else {
        panic!("not a cart")
    };
    let mut items: Vec<_> = lines.lines().iter().map(|l| l.item.clone()).collect();
    items[0].description =
        "Single-origin Ethiopian Yirgacheffe beans, washed process, light roast, whole bean, 1 kg"
            .into();
    let mut wide = cart.clone();
    wide.screen = countertop_core::Screen::Cart {
        cart: std::sync::Arc::new(
            countertop_core::Cart::from_items_in(lines.currency(), lines.tax_mode(), items)
                .unwrap(),
        ),
        paid: None,
    };
    apply(&window, Some(&cart), &wide);
    screen.render();
    let problems = text_fit::problems(&window);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Yirgacheffe") && p.contains("elided")),
        "{problems:?}"
    );
}

#[test]
fn the_idle_screen_draws_no_frames_while_nothing_changes() {
    let clock = Rc::new(Cell::new(Duration::ZERO));
    let screen = HeadlessScreen::install(1280, 800, Clock::Manual(clock)).unwrap();
    let window = MainWindow::new().unwrap();
    window.show().unwrap();
    let views = sample_views(&AppConfig::default());
    let view = |name: &str| {
        views
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };

    let idle = view("idle");
    apply(&window, None, &idle);
    assert!(
        screen.render_if_needed().is_some(),
        "the first idle frame is drawn"
    );
    let mut frames = 0;
    for _ in 0..300 {
        screen.advance(Duration::from_millis(16));
        apply(&window, Some(&idle), &idle);
        frames += usize::from(screen.render_if_needed().is_some());
    }
    assert_eq!(
        frames, 0,
        "idle drew {frames} frames in 5 s with nothing changing"
    );

    // The check can fail: the processing screen animates, so it does draw.
    let processing = view("processing");
    apply(&window, Some(&idle), &processing);
    let mut frames = 0;
    for _ in 0..30 {
        screen.advance(Duration::from_millis(16));
        frames += usize::from(screen.render_if_needed().is_some());
    }
    assert!(
        frames >= 25,
        "the spinner should animate, drew {frames} frames"
    );
}
