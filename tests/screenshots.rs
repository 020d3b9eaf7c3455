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
use countertop_core::{Language, Rotation};
use slint::ComponentHandle;

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots")
}

/// One sample view by name (as `sample_views` names them).
fn sample_view(name: &str) -> countertop::view::ViewState {
    sample_views(&AppConfig::default())
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no sample view {name:?}"))
}

/// The headless screen on a manual clock at `width`x`height`, with the window shown on it.
fn shown_window(width: u32, height: u32) -> (HeadlessScreen, MainWindow) {
    let screen = HeadlessScreen::install(
        width,
        height,
        Clock::Manual(Rc::new(Cell::new(Duration::ZERO))),
    )
    .unwrap();
    let window = MainWindow::new().unwrap();
    window.show().unwrap();
    (screen, window)
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

/// Does any wrapped text end with a line that holds a single word (or, in Chinese, a single
/// character and its punctuation)? The text is measured again without its last word, in its own
/// font and box width: if that saves a line, the last line held that word alone. Slint breaks
/// lines greedily from the start, so dropping the last word never moves an earlier break.
mod orphans {
    use super::*;
    use core::pin::Pin;
    use i_slint_core::graphics::FontRequest;
    use i_slint_core::item_rendering::{HasFont, PlainOrStyledText, RenderString};
    use i_slint_core::items::{ComplexText, ItemRc, TextWrap};
    use i_slint_core::lengths::LogicalLength;
    use i_slint_core::window::WindowInner;
    use slint::SharedString;

    /// A text to measure in another text's font.
    struct Probe {
        text: SharedString,
        font: FontRequest,
    }

    impl HasFont for Probe {
        fn font_request(self: Pin<&Self>, _: &ItemRc) -> FontRequest {
            self.font.clone()
        }
    }

    impl RenderString for Probe {
        fn text(self: Pin<&Self>) -> PlainOrStyledText {
            PlainOrStyledText::Plain(self.text.clone())
        }
    }

    // The same script and punctuation classes as the UI adapter's word tying.
    use countertop::adapters::ui::line_breaks::{breaks_anywhere, trails};

    /// Whether a unit the line breaker moves as one holds more than one word: words tied with
    /// no-break spaces or characters tied with word joiners.
    fn several_words(unit: &str) -> bool {
        unit.trim()
            .contains(['\u{a0}', '\u{2007}', '\u{202f}', '\u{2060}'])
    }

    /// The text without its last word, if it has more than one.
    pub fn without_last_word(text: &str) -> Option<&str> {
        let text = text.trim_end();
        let core = text.trim_end_matches(trails);
        let last = core.chars().next_back()?;
        let cut = if breaks_anywhere(last) {
            // Characters tied with a word joiner (U+2060) go down together.
            let mut cut = core.len() - last.len_utf8();
            while let Some(tied) = core[..cut].strip_suffix('\u{2060}') {
                cut = tied.len() - tied.chars().next_back()?.len_utf8();
            }
            cut
        } else {
            // No-break spaces tie the words on either side.
            core.rfind(|c: char| c.is_whitespace() && !"\u{a0}\u{2007}\u{202f}".contains(c))?
        };
        let rest = text[..cut].trim_end();
        (!rest.is_empty()).then_some(rest)
    }

    /// Every visible wrapped text whose last line is a single word, as "«text»: why".
    pub fn problems(window: &MainWindow) -> Vec<String> {
        let inner = WindowInner::from_pub(window.window());
        let adapter = inner.window_adapter();
        let mut found = Vec::new();
        ItemRc::new_root(inner.component()).visit_descendants(|item| {
            let Some(t) = item.downcast::<ComplexText>() else {
                return ControlFlow::<()>::Continue(());
            };
            let t = t.as_pin_ref();
            let text = t.text();
            if t.wrap() != TextWrap::WordWrap || !item.is_visible() {
                return ControlFlow::Continue(());
            }
            let Some(shorter) = without_last_word(&text) else {
                return ControlFlow::Continue(());
            };
            let width = LogicalLength::new(item.geometry().size.width);
            let font = t.font_request(item);
            let height = |text: &str| {
                let probe = Probe {
                    text: text.into(),
                    font: font.clone(),
                };
                let probe = Pin::new(&probe);
                let probe: Pin<&dyn RenderString> = probe;
                i_slint_core::textlayout::sharedparley::text_size(
                    adapter.renderer(),
                    probe,
                    item,
                    Some(width),
                    TextWrap::WordWrap,
                    None,
                )
                .map_or(0.0, |size| size.height)
            };
            let (full, without) = (height(&text), height(shorter));
            // A whole line less (line heights are far above one pixel), and what went down
            // alone is one word, not words tied together on purpose.
            if without + 1.0 < full && !several_words(&text[shorter.len()..]) {
                found.push(format!(
                    "«{}»: its last line holds «{}» alone",
                    text.replace('\n', " ⏎ "),
                    text[shorter.len()..].trim()
                ));
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

/// The share of window pixels that do not show up where `rotation` puts them on the panel
/// (any channel off by more than 8).
fn turned_pixels_differing(
    window: &image::RgbImage,
    panel: &image::RgbImage,
    rotation: Rotation,
) -> f64 {
    let size = panel.dimensions();
    let mut differing = 0usize;
    for (x, y, pixel) in window.enumerate_pixels() {
        let (px, py) = rotation.window_to_panel((x, y), size);
        let shown = panel.get_pixel(px, py);
        if pixel.0.iter().zip(shown.0).any(|(a, b)| a.abs_diff(b) > 8) {
            differing += 1;
        }
    }
    differing as f64 / (window.width() * window.height()) as f64
}

#[test]
fn the_rotation_check_notices_a_picture_turned_the_wrong_way() {
    // A picture with a marked corner, turned right by hand (the window's top-left corner goes
    // to the panel's top-right): right for 90, wrong for 270.
    let mut window = image::RgbImage::from_pixel(40, 60, image::Rgb([255, 255, 255]));
    for x in 0..10 {
        for y in 0..10 {
            window.put_pixel(x, y, image::Rgb([200, 0, 0]));
        }
    }
    let turned = image::imageops::rotate90(&window);
    assert_eq!(turned.get_pixel(59, 0).0, [200, 0, 0]);
    assert_eq!(
        turned_pixels_differing(&window, &turned, Rotation::Deg90),
        0.0
    );
    assert!(turned_pixels_differing(&window, &turned, Rotation::Deg270) > 0.05);
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
    let mut orphaned = Vec::new();
    let mut targets = serde_json::Map::new();
    let mut accessibility = Vec::new();
    let mut a11y_checking = Duration::ZERO;
    let mut inspect =
        |window: &MainWindow, shot: &screenshot::Shot, frame: Option<&image::RgbImage>| {
            for problem in text_fit::problems(window) {
                overflows.push(format!(
                    "{} {} {}x{}: {problem}",
                    shot.language, shot.name, shot.width, shot.height
                ));
            }
            for problem in orphans::problems(window) {
                orphaned.push(format!(
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
                ("post-payment-receipt", countertop::demo::SAMPLE_RECEIPT_URL),
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
    {
        // The panel mounted each way shows the layout for the turned window, turned exactly as
        // `Rotation` maps it: the mapping the touch calibration and the device rig rely on is
        // the one the device's renderer draws with.
        let dir = out_dir().join(language.tag());
        let panel = screenshot::SIZES[0];
        for rotation in Rotation::ALL {
            let (w, h) = rotation.window_size(panel);
            let window =
                image::open(dir.join(format!("{}-{w}x{h}.png", screenshot::ROTATED_SCREEN)))
                    .unwrap()
                    .to_rgb8();
            let shown = image::open(dir.join(format!(
                "rotation-{}-{}x{}.png",
                rotation.degrees(),
                panel.0,
                panel.1
            )))
            .unwrap()
            .to_rgb8();
            assert_eq!(shown.dimensions(), panel, "{rotation}");
            let share = turned_pixels_differing(&window, &shown, rotation);
            // Scaled pictures (the cart's payment logos) are resampled a little differently
            // when drawn turned; a picture turned the wrong way differs in far more than 1 %.
            assert!(
                share < 0.01,
                "{language} {rotation}: {:.2} % of the panel's pixels are not the window's turned",
                share * 100.0
            );
        }
        assert!(shots.iter().any(|s| s.name == "settings-rotation"));
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
        orphaned.is_empty(),
        "{} texts leave a word alone on their last line:\n{}",
        orphaned.len(),
        orphaned.join("\n")
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
    let (screen, window) = shown_window(800, 1280);
    let cart = sample_view("cart");
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

#[test]
fn the_orphan_check_notices_a_word_alone_on_the_last_line() {
    use countertop::adapters::ui::PaymentAdapter;
    use countertop::adapters::ui::line_breaks::keep_last_words_together;
    let (screen, window) = shown_window(800, 1280);
    let thanks = sample_view("post-payment");
    apply(&window, None, &thanks);
    let payment = window.global::<PaymentAdapter>();
    let words = "Thank you for shopping with us today and see you again at the corner very soon";
    let mut caught = Vec::new();
    // Messages of 2 to 16 words: as they grow, some end with a word alone on a new line.
    for n in 2..=words.split(' ').count() {
        let message: Vec<&str> = words.split(' ').take(n).collect();
        let message = message.join(" ");
        // Set straight on the global: the adapter would tie the last words together.
        payment.set_post_payment_message_wrapped(message.as_str().into());
        screen.render();
        let problems = orphans::problems(&window);
        if problems.iter().any(|p| p.contains(&message)) {
            caught.push(message.clone());
            payment.set_post_payment_message_wrapped(keep_last_words_together(&message).into());
            screen.render();
            assert_eq!(
                orphans::problems(&window),
                Vec::<String>::new(),
                "tied, {message:?} keeps two words on its last line"
            );
        } else if n <= 4 {
            // Short messages sit on one line.
            assert_eq!(problems, Vec::<String>::new(), "{message:?}");
        }
    }
    assert!(
        !caught.is_empty(),
        "none of the growing messages ended with a word alone"
    );
    // A Chinese line that ends with one character alone.
    let chinese =
        "请打开支付应用扫描二维码并在手机上确认付款。请打开支付应用扫描二维码并在手机上确认付款。";
    let mut caught_chinese = false;
    for cut in (4..chinese.chars().count()).rev() {
        let message: String = chinese.chars().take(cut).collect();
        payment.set_post_payment_message_wrapped(message.as_str().into());
        screen.render();
        if !orphans::problems(&window).is_empty() {
            caught_chinese = true;
            break;
        }
    }
    assert!(
        caught_chinese,
        "no Chinese message ended with one character alone"
    );
}

/// A merchant's landscape photo on a portrait dock: shown whole and round things stay round
/// (cropping it to fill the screen would cut two thirds of it away); on a landscape dock it fills
/// the screen. The picture has a blue frame and a red disc: the frame's four sides must show
/// and the disc must be as wide as it is tall.
#[test]
fn the_merchant_picture_keeps_its_aspect_ratio_in_both_orientations() {
    let dir = out_dir().join("en");
    std::fs::create_dir_all(&dir).unwrap();
    let picture_path = out_dir().join("merchant-picture-1200x750.png");
    let picture = image::RgbImage::from_fn(1200, 750, |x, y| {
        // Up and to the left: clear of the store's name and the logos drawn over the picture.
        // The frame is wider than the burn-in guard's overhang, which a filling picture loses.
        let (dx, dy) = (x as f32 - 200.0, y as f32 - 130.0);
        if !(40..1160).contains(&x) || !(40..710).contains(&y) {
            image::Rgb([0, 0, 255])
        } else if dx * dx + dy * dy < 90.0 * 90.0 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    picture.save(&picture_path).unwrap();
    let (screen, window) = shown_window(800, 1280);
    let mut idle = sample_view("idle");
    idle.display.idle_image = Some(picture_path);
    apply(&window, None, &idle);
    for (width, height) in [(800, 1280), (1280, 800)] {
        screen.resize(width, height);
        // Past the staff panel's slide to its new closed place.
        screen.advance(Duration::from_secs(1));
        let shot = screen.render();
        shot.save(dir.join(format!("idle-picture-{width}x{height}.png")))
            .unwrap();
        let red = |p: &image::Rgb<u8>| p.0[0] > 245 && p.0[1] < 20 && p.0[2] < 20;
        let blue = |p: &image::Rgb<u8>| p.0[2] > 245 && p.0[0] < 20 && p.0[1] < 20;
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        for (x, y, p) in shot.enumerate_pixels() {
            if red(p) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
        assert!(
            x1 > x0 && y1 > y0,
            "{width}x{height}: the red disc is not on screen"
        );
        let aspect = (x1 - x0) as f32 / (y1 - y0) as f32;
        assert!(
            (0.97..=1.03).contains(&aspect),
            "{width}x{height}: the disc is {}x{} px: the picture is stretched",
            x1 - x0,
            y1 - y0
        );
        // The frame: the picture's left and right columns and its top and bottom rows.
        let (mid_x, mid_y) = ((x0 + x1) / 2, (y0 + y1) / 2);
        let column_has_blue = |x: u32| (0..shot.height()).any(|y| blue(shot.get_pixel(x, y)));
        let row_has_blue = |y: u32| (0..shot.width()).any(|x| blue(shot.get_pixel(x, y)));
        let left = (0..mid_x).any(column_has_blue);
        let right = (mid_x..shot.width()).any(column_has_blue);
        let top = (0..mid_y).any(row_has_blue);
        let bottom = (mid_y..shot.height()).any(row_has_blue);
        assert!(
            left && right && top && bottom,
            "{width}x{height}: the picture is cropped (frame sides seen: left {left}, right \
             {right}, top {top}, bottom {bottom})"
        );
    }
}

/// The burn-in guard on a manual clock, as the orchestrator drives it: the idle screen is
/// drawn again only at the guard's steps (moved and dimmed), never in between.
#[test]
fn the_guarded_idle_screen_draws_frames_only_at_its_steps() {
    use countertop_core::{BurnInConfig, BurnInGuard, TimeOfDay};
    let clock = Rc::new(Cell::new(Duration::ZERO));
    let screen = HeadlessScreen::install(1280, 800, Clock::Manual(clock.clone())).unwrap();
    let window = MainWindow::new().unwrap();
    window.show().unwrap();
    let idle = sample_view("idle");
    apply(&window, None, &idle);
    let first = screen
        .render_if_needed()
        .expect("the first idle frame is drawn");

    let mut guard = BurnInGuard::new(BurnInConfig {
        idle_after: Duration::from_secs(5),
        shift_every: Duration::from_secs(10),
        ..BurnInConfig::default()
    });
    let start = Instant::now();
    guard.activity(true, start);
    let noon = TimeOfDay::from_hms(12, 0, 0).unwrap();
    let mut shown = idle.clone();
    let mut frames = Vec::new();
    let mut steps = 0;
    // 60 s at 30 frames a second: the guard starts at 5 s and steps at 15, 25, ... 55 s.
    for tick in 1..=1875u32 {
        screen.advance(Duration::from_millis(32));
        let now = start + Duration::from_millis(32 * u64::from(tick));
        let mut view = shown.clone();
        view.protection = guard.protection(now, noon);
        if view.protection != shown.protection {
            steps += 1;
        }
        apply(&window, Some(&shown), &view);
        shown = view;
        if let Some(frame) = screen.render_if_needed() {
            frames.push((tick, frame));
        }
    }
    assert_eq!(steps, 6, "the guard steps at 5, 15, 25, 35, 45 and 55 s");
    let ticks: Vec<u32> = frames.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        ticks,
        [157, 469, 782, 1094, 1407, 1719],
        "frames only at the guard's steps"
    );
    // Each step moved the picture and dimmed it.
    let mean = |image: &image::RgbImage| {
        image.pixels().map(|p| u64::from(p.0[1])).sum::<u64>()
            / u64::from(image.width() * image.height())
    };
    let (_, stepped) = &frames[0];
    assert!(mean(stepped) * 100 < mean(&first) * 75, "dimmed");
    assert_ne!(frames[0].1, frames[1].1, "moved between steps");
    let dir = out_dir().join("en");
    std::fs::create_dir_all(&dir).unwrap();
    stepped
        .save(dir.join("idle-guarded-step-1280x800.png"))
        .unwrap();
}

/// Night: the sleeping screen is black all over and draws nothing more; a touch anywhere
/// reaches the orchestrator as a wake-up and nothing underneath.
#[test]
fn the_sleeping_screen_is_black_and_a_touch_wakes_it() {
    use countertop::adapters::ui::ScreenAdapter;
    use countertop_core::Protection;
    let clock = Rc::new(Cell::new(Duration::ZERO));
    let screen = HeadlessScreen::install(1280, 800, Clock::Manual(clock)).unwrap();
    let window = MainWindow::new().unwrap();
    window.show().unwrap();
    let idle = sample_view("idle");
    let mut off = idle.clone();
    off.protection = Protection {
        screen_off: true,
        brightness_percent: 0,
        ..Protection::default()
    };
    let touches = Rc::new(Cell::new(0));
    let seen = touches.clone();
    window
        .global::<ScreenAdapter>()
        .on_touched(move || seen.set(seen.get() + 1));
    let dir = out_dir().join("en");
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height) in screenshot::SIZES {
        screen.resize(width, height);
        apply(&window, None, &idle);
        // Resizing slides the (closed) panel along the new edge: let that settle first.
        screen.advance(Duration::from_secs(1));
        screen.render();
        for _ in 0..10 {
            screen.advance(Duration::from_millis(16));
            screen.render_if_needed();
        }
        apply(&window, Some(&idle), &off);
        let frame = screen.render_if_needed().expect("going dark is drawn");
        assert!(frame.pixels().all(|p| p.0 == [0, 0, 0]), "all black");
        frame
            .save(dir.join(format!("screen-off-{width}x{height}.png")))
            .unwrap();
        for tick in 0..120 {
            screen.advance(Duration::from_millis(16));
            apply(&window, Some(&off), &off);
            assert!(
                screen.render_if_needed().is_none(),
                "dark draws nothing, but drew at {width}x{height} tick {tick}"
            );
        }
    }
    let before = touches.get();
    let position = slint::LogicalPosition::new(400.0, 300.0);
    window
        .window()
        .dispatch_event(slint::platform::WindowEvent::PointerPressed {
            position,
            button: slint::platform::PointerEventButton::Left,
        });
    window
        .window()
        .dispatch_event(slint::platform::WindowEvent::PointerReleased {
            position,
            button: slint::platform::PointerEventButton::Left,
        });
    assert_eq!(touches.get(), before + 1, "one touch, one wake-up");
    // Awake again, the idle screen is back.
    apply(&window, Some(&off), &idle);
    let frame = screen.render_if_needed().expect("waking is drawn");
    assert!(colour_count(&frame) > 8);
}
