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
//! blended.

use std::cell::RefCell;
use std::sync::OnceLock;

use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

const SVG: &str = include_str!("../../../images/idle-default.svg");
/// The SVG's own size, as its root element states it.
const NATURAL: &str = r#"width="1280" height="800""#;
/// How far the idle page's picture overhangs the window on each side (`overhang` in
/// ui/pages/idle.slint), so that the burn-in guard's shifts never show an edge.
pub const OVERHANG_PX: u32 = 20;

type Pixels = SharedPixelBuffer<Rgb8Pixel>;
/// A size and the picture drawn at it (`None`: the SVG could not be drawn).
type Drawn<T> = ((u32, u32), Option<T>);

/// The drawing `prefetch` started: (its size, the pixels).
static PREFETCHED: OnceLock<Drawn<Pixels>> = OnceLock::new();

thread_local! {
    /// The last size drawn on this thread and its image (the page asks again each time it is
    /// created, and a rotation restarts the process).
    static SHOWN: RefCell<Option<Drawn<Image>>> = const { RefCell::new(None) };
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
            PREFETCHED.get_or_init(|| (size, draw(size)));
        });
    if let Err(error) = spawned {
        // Not fatal: the first frame draws it instead.
        tracing::debug!(%error, "the standby picture is drawn on the UI thread");
    }
}

/// The picture for a page of `size` = (width, height) pixels: drawn at half that size (rounded
/// up), cropped to the page's shape, for the renderer to double; `None` if the SVG cannot be
/// drawn (the page then shows the SVG itself).
pub fn image(size: (u32, u32)) -> Option<Image> {
    SHOWN.with(|shown| {
        if let Some((drawn_size, image)) = shown.borrow().as_ref()
            && *drawn_size == size
        {
            return image.clone();
        }
        let pixels = match PREFETCHED.get_or_init(|| (size, draw(size))) {
            (prefetched, pixels) if *prefetched == size => pixels.clone(),
            _ => draw(size),
        };
        let image = pixels.map(Image::from_rgb8);
        *shown.borrow_mut() = Some((size, image.clone()));
        image
    })
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
            let image = image(page_size(window)).expect("drawn");
            assert_eq!((image.size().width, image.size().height), drawn);
        }
        assert!(image((0, 10)).is_none());
    }
}
