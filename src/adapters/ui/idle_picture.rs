//! The built-in standby picture (images/idle-default.svg, the same file `Images.idle-default`
//! embeds) as pixels for the idle page, which shows it at the window plus the burn-in guard's
//! overhang on every side, cropped to cover as `image-fit: cover` does.
//!
//! Slint's software renderer rasterises an SVG afresh on every frame that shows it, and this
//! one (full-screen gradients) costs more than the rest of a frame together, so it is drawn into
//! pixels once, at half the page's width and height, and the renderer doubles it on screen.
//! Half size keeps a quarter of the pixels: 0.8 MB instead of 3.2 MB at 1280x800, which was the
//! largest allocation of the process, and a quarter of the gradient work before the first
//! frame. The renderer steps through a picture's pixels at any scale the same way, so the idle
//! frame costs what it did with the full-size pixels (the kiosk bench's change to idle shows
//! it), and the picture is soft gradients and faint discs, where doubled pixels are not seen
//! (the test below holds them to the full-size drawing). `prefetch` starts the drawing for the
//! expected size on its own thread as the process starts, beside the window's creation and
//! font loading. Only pixels cross threads.
//!
//! The picture is opaque, so it is kept as RGB: a quarter less memory, copied rather than
//! blended. The theme's veil over it (`Theme.picture-scrim`, which keeps the white words on it
//! readable) is blended into the pixels once, as the renderer would blend it, instead of as a
//! full-screen translucent rectangle in every idle frame: that blend was a third of the change
//! to the idle screen, the slowest full-screen change.

use std::cell::RefCell;
use std::sync::{Mutex, OnceLock};

use slint::{Color, Image, Rgb8Pixel, SharedPixelBuffer};

const SVG: &str = include_str!("../../../images/idle-default.svg");
/// The SVG's own size, as its root element states it.
const NATURAL: &str = r#"width="1280" height="800""#;
/// How far the idle page's picture overhangs the window on each side (`overhang` in
/// ui/pages/idle.slint), so that the burn-in guard's shifts never show an edge.
pub const OVERHANG_PX: u32 = 20;

type Pixels = SharedPixelBuffer<Rgb8Pixel>;
/// A page size in pixels: (width, height).
type Size = (u32, u32);
/// Pixels drawn ahead, waiting to be taken (`None` once taken, or if the SVG could not be drawn).
type Waiting = Mutex<Option<Pixels>>;

/// The drawing `prefetch` started: its size and the unveiled pixels, until the first `image`
/// for that size takes them to veil in place (`None` after, or if the SVG could not be drawn).
static PREFETCHED: OnceLock<(Size, Waiting)> = OnceLock::new();

thread_local! {
    /// The last page size and veil drawn on this thread and the image (the page asks again each
    /// time it is created; a rotation restarts the process, high contrast changes the veil).
    static SHOWN: RefCell<Option<(Size, Color, Image)>> = const { RefCell::new(None) };
}

/// The size the idle page will ask for on a `window` = (width, height) window.
pub fn page_size(window: (u32, u32)) -> (u32, u32) {
    (window.0 + 2 * OVERHANG_PX, window.1 + 2 * OVERHANG_PX)
}

/// Starts drawing the picture for a `window` of that size on a thread of its own; `image` then
/// waits for it, if it is not done yet, instead of drawing it again.
pub fn prefetch(window: (u32, u32)) {
    let size = page_size(window);
    let spawned = std::thread::Builder::new()
        .name("idle-picture".into())
        .spawn(move || {
            PREFETCHED.get_or_init(|| (size, Mutex::new(draw(size))));
        });
    if let Err(error) = spawned {
        // Not fatal: the first frame draws it instead.
        tracing::debug!(%error, "the standby picture is drawn on the UI thread");
    }
}

/// The picture for a page of `size` = (width, height) pixels under `veil`: drawn at half that
/// size (rounded up), cropped to the page's shape, for the renderer to double; `None` if the
/// SVG cannot be drawn.
pub fn image(size: (u32, u32), veil: Color) -> Option<Image> {
    SHOWN.with(|shown| {
        if let Some((drawn_size, drawn_veil, image)) = shown.borrow().as_ref()
            && (*drawn_size, *drawn_veil) == (size, veil)
        {
            return Some(image.clone());
        }
        let (prefetched_size, slot) = PREFETCHED.get_or_init(|| (size, Mutex::new(draw(size))));
        let prefetched = if *prefetched_size == size {
            slot.lock().ok().and_then(|mut pixels| pixels.take())
        } else {
            None
        };
        let mut pixels = prefetched.or_else(|| draw(size))?;
        veiled(&mut pixels, veil);
        let image = Image::from_rgb8(pixels);
        *shown.borrow_mut() = Some((size, veil, image.clone()));
        Some(image)
    })
}

/// Blends `veil` over every pixel exactly as Slint's software renderer blends a translucent
/// colour over an opaque one (premultiplied, 8-bit integer steps), so the picture looks as it
/// did under the page's veil rectangle.
fn veiled(pixels: &mut Pixels, veil: Color) {
    let alpha = u16::from(veil.alpha());
    if alpha == 0 {
        return;
    }
    let keep = 255 - alpha;
    let premultiplied = |channel: u8| (u16::from(channel) * alpha / 255) as u8;
    let (r, g, b) = (
        premultiplied(veil.red()),
        premultiplied(veil.green()),
        premultiplied(veil.blue()),
    );
    let over = |under: u8, colour: u8| (u16::from(under) * keep / 255) as u8 + colour;
    for pixel in pixels.make_mut_slice() {
        *pixel = Rgb8Pixel::new(over(pixel.r, r), over(pixel.g, g), over(pixel.b, b));
    }
}

/// The picture for a page of `size`: half of it (rounded up), cropped to cover as
/// `image-fit: cover` does.
fn draw(size: (u32, u32)) -> Option<Pixels> {
    if size.0 == 0 || size.1 == 0 {
        return None;
    }
    opaque_rgb(&sized_svg(half(size)))
}

/// Half a size, rounded up, so the doubled picture is never short of the page.
fn half(size: (u32, u32)) -> (u32, u32) {
    (size.0.div_ceil(2), size.1.div_ceil(2))
}

/// The SVG's root element asked for `size`, cropped to cover it (its viewBox keeps the shape).
fn sized_svg(size: (u32, u32)) -> String {
    SVG.replacen(
        NATURAL,
        &format!(
            r#"width="{}" height="{}" preserveAspectRatio="xMidYMid slice""#,
            size.0, size.1
        ),
        1,
    )
}

/// The SVG drawn at the size its root element states, if every pixel is opaque.
fn opaque_rgb(svg: &str) -> Option<Pixels> {
    let rgba = Image::load_from_svg_data(svg.as_bytes())
        .ok()?
        .to_rgba8_premultiplied()?;
    if rgba.as_slice().iter().any(|p| p.a != u8::MAX) {
        return None;
    }
    let mut rgb = Pixels::new(rgba.width(), rgba.height());
    for (to, from) in rgb.make_mut_slice().iter_mut().zip(rgba.as_slice()) {
        *to = Rgb8Pixel::new(from.r, from.g, from.b);
    }
    Some(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_states_the_size_the_drawing_replaces_and_the_page_its_overhang() {
        assert!(
            SVG.contains(NATURAL),
            "images/idle-default.svg changed its size"
        );
        let page = include_str!("../../../ui/pages/idle.slint");
        assert!(
            page.contains(&format!("property <length> overhang: {OVERHANG_PX}px;")),
            "ui/pages/idle.slint's overhang is no longer {OVERHANG_PX}px"
        );
    }

    #[test]
    fn the_half_drawing_doubled_as_the_renderer_does_looks_like_the_full_one() {
        let size = page_size((1280, 800));
        let full = opaque_rgb(&sized_svg(size)).expect("the SVG draws, opaque");
        let ours = draw(size).expect("the half drawing draws");
        assert_eq!((ours.width(), ours.height()), half(size));
        assert_eq!((full.width(), full.height()), size);
        // The software renderer scales by picking the nearest source pixel: each one covers
        // two by two on screen.
        let (w, h) = (size.0 as usize, size.1 as usize);
        let half_w = ours.width() as usize;
        let mut differences = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                let (a, b) = (
                    full.as_slice()[y * w + x],
                    ours.as_slice()[(y / 2) * half_w + x / 2],
                );
                differences.extend([a.r.abs_diff(b.r), a.g.abs_diff(b.g), a.b.abs_diff(b.b)]);
            }
        }
        let mean =
            differences.iter().map(|&d| f64::from(d)).sum::<f64>() / differences.len() as f64;
        let worst = differences.iter().copied().max().unwrap_or(0);
        let visible = differences.iter().filter(|&&d| d > 4).count();
        // Soft gradients: the eye sees nothing under a mean of one level. The faint discs' and
        // rings' edges, a pixel wide, are where single pixels differ most (0.11 levels on
        // average, 14 at most and 0.3 % of values over 4 levels when this was written).
        assert!(mean < 0.5, "mean difference {mean:.2} levels");
        assert!(worst <= 20, "largest difference {worst} levels");
        assert!(
            visible * 100 < differences.len(),
            "{visible} of {} values differ by more than 4 levels",
            differences.len()
        );
    }

    #[test]
    fn any_page_gets_the_picture_at_half_its_size_rounded_up() {
        for (window, drawn) in [
            ((800, 1280), (420, 660)),
            ((801, 1279), (421, 660)),
            ((1280, 800), (660, 420)),
        ] {
            let image = image(page_size(window), Color::default()).expect("drawn");
            assert_eq!((image.size().width, image.size().height), drawn);
        }
        assert!(image((0, 10), Color::default()).is_none());
    }

    #[test]
    fn the_veil_is_blended_as_the_renderer_blends_it_and_a_new_veil_draws_afresh() {
        let mut pixels = Pixels::new(2, 1);
        pixels.make_mut_slice()[0] = Rgb8Pixel::new(0, 0, 0);
        pixels.make_mut_slice()[1] = Rgb8Pixel::new(255, 200, 100);
        // The default theme's veil, #0B1F3A4D: premultiplied (11, 31, 58) * 77 / 255 = (3, 9,
        // 17), and what is under it kept by 178 / 255.
        veiled(&mut pixels, Color::from_argb_u8(0x4D, 0x0B, 0x1F, 0x3A));
        let got: Vec<(u8, u8, u8)> = pixels.as_slice().iter().map(|p| (p.r, p.g, p.b)).collect();
        assert_eq!(got, vec![(3, 9, 17), (181, 148, 86)]);

        let size = page_size((1280, 800));
        let clear = image(size, Color::from_argb_u8(0, 0, 0, 0)).expect("drawn");
        let dark = image(size, Color::from_argb_u8(0xC8, 0, 0, 0)).expect("drawn");
        let pixel = |image: &Image| {
            let buffer = image.to_rgb8().expect("RGB pixels");
            let p = buffer.as_slice()[buffer.as_slice().len() / 2];
            u16::from(p.r) + u16::from(p.g) + u16::from(p.b)
        };
        assert!(
            pixel(&dark) * 3 < pixel(&clear),
            "the dark veil darkens the picture"
        );
    }
}
