//! The built-in standby picture (images/idle-default.svg, the same file `Images.idle-default`
//! embeds) as pixels at exactly the size the idle page shows it: the window plus the burn-in
//! guard's overhang on every side, cropped to cover it as `image-fit: cover` would.
//!
//! Slint's software renderer rasterises an SVG afresh on every frame that shows it, and this
//! one (full-screen gradients) costs more than the rest of a frame together, so it is drawn into
//! pixels once. At exactly the drawn size, the renderer copies them without scaling (a picture
//! of another size is resampled in every idle frame). Drawing it was then most of the first
//! frame's time, so two more things: it is rasterised at half size and doubled (a quarter of
//! the gradient work; the picture is soft gradients and faint discs, and the test below holds
//! the result to the full-size drawing), and `prefetch` starts that work for the expected size
//! on its own thread as the process starts, beside the window's creation and font loading.
//! Only pixels cross threads.
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

/// The picture covering `size` = (width, height) pixels exactly, or `None` if the SVG cannot
/// be drawn (the page then shows the SVG itself).
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

/// Half the size, cropped to cover as `image-fit: cover` does, then doubled to `size`.
fn draw(size: (u32, u32)) -> Option<Pixels> {
    if size.0 == 0 || size.1 == 0 {
        return None;
    }
    let half = (size.0.div_ceil(2), size.1.div_ceil(2));
    let half = opaque_rgb(&sized_svg(half))?;
    Some(doubled(&half, size))
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

/// Twice the width and height, bilinear, cut to `size` (at most twice the source's): each new
/// pixel is 3/4 of its nearest source pixel and 1/4 of the next one over, across and down (the
/// edges repeat their pixels).
fn doubled(half: &Pixels, size: (u32, u32)) -> Pixels {
    let (w, h) = (half.width() as usize, half.height() as usize);
    let (out_w, out_h) = ((size.0 as usize).min(w * 2), (size.1 as usize).min(h * 2));
    let source = half.as_slice();
    let mut out = Pixels::new(out_w as u32, out_h as u32);
    let target = out.make_mut_slice();
    // The neighbour each output column or row leans towards: the one before for even, after for odd.
    let neighbour = |i: usize, odd: bool, len: usize| {
        if odd {
            (i + 1).min(len - 1)
        } else {
            i.saturating_sub(1)
        }
    };
    for oy in 0..out_h {
        let (y, y2) = (oy / 2, neighbour(oy / 2, oy % 2 == 1, h));
        let (row, row2) = (&source[y * w..][..w], &source[y2 * w..][..w]);
        let line = &mut target[oy * out_w..][..out_w];
        for (ox, to) in line.iter_mut().enumerate() {
            let (x, x2) = (ox / 2, neighbour(ox / 2, ox % 2 == 1, w));
            let mix = |channel: fn(&Rgb8Pixel) -> u8| {
                let near = 3 * u16::from(channel(&row[x])) + u16::from(channel(&row[x2]));
                let far = 3 * u16::from(channel(&row2[x])) + u16::from(channel(&row2[x2]));
                ((3 * near + far + 8) / 16) as u8
            };
            *to = Rgb8Pixel::new(mix(|p| p.r), mix(|p| p.g), mix(|p| p.b));
        }
    }
    out
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
    fn the_doubled_half_drawing_looks_like_the_full_one() {
        let size = page_size((1280, 800));
        let full = opaque_rgb(&sized_svg(size)).expect("the SVG draws, opaque");
        let ours = draw(size).expect("the half drawing draws");
        assert_eq!((ours.width(), ours.height()), size);
        assert_eq!((full.width(), full.height()), size);
        let differences: Vec<u8> = full
            .as_slice()
            .iter()
            .zip(ours.as_slice())
            .flat_map(|(a, b)| [a.r.abs_diff(b.r), a.g.abs_diff(b.g), a.b.abs_diff(b.b)])
            .collect();
        let mean =
            differences.iter().map(|&d| f64::from(d)).sum::<f64>() / differences.len() as f64;
        let worst = differences.iter().copied().max().unwrap_or(0);
        // Soft gradients: the eye sees nothing under a mean of one level; the faint rings'
        // edges are where single pixels differ most.
        assert!(mean < 0.5, "mean difference {mean:.2} levels");
        assert!(worst <= 12, "largest difference {worst} levels");
    }

    #[test]
    fn any_size_is_drawn_exactly_so_the_renderer_copies_it_unscaled() {
        for window in [(800, 1280), (801, 1279), (1280, 800)] {
            let size = page_size(window);
            let image = image(size).expect("drawn");
            assert_eq!((image.size().width, image.size().height), size);
        }
        assert!(image((0, 10)).is_none());
    }

    #[test]
    fn doubling_keeps_flat_areas_and_blends_an_edge_by_quarters() {
        let mut half = Pixels::new(2, 1);
        half.make_mut_slice()[0] = Rgb8Pixel::new(0, 0, 0);
        half.make_mut_slice()[1] = Rgb8Pixel::new(160, 160, 160);
        let reds = |out: Pixels| out.as_slice().iter().map(|p| p.r).collect::<Vec<u8>>();
        // Two rows of four: the edge pixels repeat, the middle two lean a quarter across.
        assert_eq!(
            reds(doubled(&half, (4, 2))),
            vec![0, 40, 120, 160, 0, 40, 120, 160]
        );
        // An odd size is the doubled picture cut short.
        assert_eq!(reds(doubled(&half, (3, 1))), vec![0, 40, 120]);
    }
}
