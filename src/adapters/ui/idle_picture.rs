//! The built-in standby picture (images/idle-default.svg, the same file `Images.idle-default`
//! embeds) as pixels at its own size, 1280x800.
//!
//! Slint's software renderer rasterises an SVG afresh on every frame that shows it, and this
//! one (full-screen gradients) costs more than the rest of a frame together, so it is drawn into
//! pixels once and every later frame copies them. Drawing it was then most of the first frame's
//! time, so two more things: it is rasterised at half size and doubled (a quarter of the
//! gradient work; the picture is soft gradients and faint discs, and the test below holds the
//! result to the full-size drawing), and `prefetch` starts that work on its own thread as the
//! process starts, beside the window's creation and font loading. Only pixels cross threads.
//!
//! The picture is opaque, so it is kept as RGB: a quarter less memory, copied rather than
//! blended.

use std::sync::OnceLock;

use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

const SVG: &str = include_str!("../../../images/idle-default.svg");
/// The SVG's own size, as its root element states it.
const FULL: &str = r#"width="1280" height="800""#;
const HALF: &str = r#"width="640" height="400""#;

static PIXELS: OnceLock<Option<SharedPixelBuffer<Rgb8Pixel>>> = OnceLock::new();

/// Starts drawing the picture on a thread of its own; `pixels` then waits for it, if it is not
/// done yet, instead of drawing it again.
pub fn prefetch() {
    let spawned = std::thread::Builder::new()
        .name("idle-picture".into())
        .spawn(|| {
            pixels();
        });
    if let Err(error) = spawned {
        // Not fatal: the first frame draws it instead.
        tracing::debug!(%error, "the standby picture is drawn on the UI thread");
    }
}

/// The picture at 1280x800, or `None` if the SVG cannot be drawn (the page then shows the SVG
/// itself).
pub fn pixels() -> Option<SharedPixelBuffer<Rgb8Pixel>> {
    PIXELS.get_or_init(draw_half_and_double).clone()
}

pub fn image() -> Option<Image> {
    pixels().map(Image::from_rgb8)
}

fn draw_half_and_double() -> Option<SharedPixelBuffer<Rgb8Pixel>> {
    let half = opaque_rgb(&SVG.replacen(FULL, HALF, 1))?;
    Some(doubled(&half))
}

/// The SVG drawn at the size its root element states, if every pixel is opaque.
fn opaque_rgb(svg: &str) -> Option<SharedPixelBuffer<Rgb8Pixel>> {
    let rgba = Image::load_from_svg_data(svg.as_bytes())
        .ok()?
        .to_rgba8_premultiplied()?;
    if rgba.as_slice().iter().any(|p| p.a != u8::MAX) {
        return None;
    }
    let mut rgb = SharedPixelBuffer::<Rgb8Pixel>::new(rgba.width(), rgba.height());
    for (to, from) in rgb.make_mut_slice().iter_mut().zip(rgba.as_slice()) {
        *to = Rgb8Pixel::new(from.r, from.g, from.b);
    }
    Some(rgb)
}

/// Twice the width and height, bilinear: each new pixel is 3/4 of its nearest source pixel and
/// 1/4 of the next one over, across and down (the edges repeat their pixels).
fn doubled(half: &SharedPixelBuffer<Rgb8Pixel>) -> SharedPixelBuffer<Rgb8Pixel> {
    let (w, h) = (half.width() as usize, half.height() as usize);
    let source = half.as_slice();
    let mut out = SharedPixelBuffer::<Rgb8Pixel>::new(half.width() * 2, half.height() * 2);
    let target = out.make_mut_slice();
    // The neighbour each output column or row leans towards: the one before for even, after for odd.
    let neighbour = |i: usize, odd: bool, len: usize| {
        if odd {
            (i + 1).min(len - 1)
        } else {
            i.saturating_sub(1)
        }
    };
    for oy in 0..h * 2 {
        let (y, y2) = (oy / 2, neighbour(oy / 2, oy % 2 == 1, h));
        let (row, row2) = (&source[y * w..][..w], &source[y2 * w..][..w]);
        let line = &mut target[oy * w * 2..][..w * 2];
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
    fn the_svg_states_the_size_the_half_drawing_replaces() {
        assert!(
            SVG.contains(FULL),
            "images/idle-default.svg changed its size"
        );
    }

    #[test]
    fn the_doubled_half_drawing_looks_like_the_full_one() {
        let full = opaque_rgb(SVG).expect("the SVG draws, opaque");
        let ours = pixels().expect("the half drawing draws");
        assert_eq!((ours.width(), ours.height()), (full.width(), full.height()));
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
    fn doubling_keeps_flat_areas_and_blends_an_edge_by_quarters() {
        let mut half = SharedPixelBuffer::<Rgb8Pixel>::new(2, 1);
        half.make_mut_slice()[0] = Rgb8Pixel::new(0, 0, 0);
        half.make_mut_slice()[1] = Rgb8Pixel::new(160, 160, 160);
        let out = doubled(&half);
        let reds: Vec<u8> = out.as_slice().iter().map(|p| p.r).collect();
        // Two rows of four: the edge pixels repeat, the middle two lean a quarter across.
        assert_eq!(reds, vec![0, 40, 120, 160, 0, 40, 120, 160]);
    }
}
