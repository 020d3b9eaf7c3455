//! `PictureAdapter.at-size`: an SVG picture drawn into pixels at the size it is shown, once.
//!
//! Slint 1.18's software renderer draws an SVG afresh, at its on-screen size, in every frame
//! that repaints it (its `draw_image_impl`). The payment logos beside the cart were redrawn
//! with every cart change, a third of the cart update's time. Here each (picture, size) is drawn
//! once with Slint's own SVG rendering, and the frames copy its pixels.

use std::cell::RefCell;
use std::collections::HashMap;

use i_slint_core::graphics::euclid;
use i_slint_core::graphics::{ImageCacheKey, ImageInner, SharedImageBuffer};
use slint::{ComponentHandle, Image};

use super::{MainWindow, PictureAdapter};

/// Enough for every logo and pictogram at the sizes of both orientations and both text sizes;
/// past it the cache starts again rather than grow (a picture is a few tens of kilobytes).
const KEPT: usize = 64;

/// Which picture: the address of its SVG data embedded in the binary (every picture the UI
/// ships with), or, for one loaded at run time, the address of its parsed SVG, which the cache
/// keeps alive with the entry so that the address cannot be reused by another picture.
#[derive(Clone, PartialEq, Eq, Hash)]
enum PictureKey {
    Embedded(ImageCacheKey),
    Loaded(usize),
}

/// (picture, width, height) -> (the picture, kept alive; its pixels at that size)
type Drawn = HashMap<(PictureKey, u32, u32), (Image, Image)>;

thread_local! {
    static DRAWN: RefCell<Drawn> = RefCell::new(HashMap::new());
}

pub fn install(window: &MainWindow) {
    let adapter = window.global::<PictureAdapter>();
    let weak = window.as_weak();
    adapter.on_at_size(move |picture, width, height| {
        let scale = weak
            .upgrade()
            .map(|window| window.window().scale_factor())
            .unwrap_or(1.0);
        at_size(&picture, width * scale, height * scale).unwrap_or(picture)
    });
    adapter.set_ready(true);
}

/// `picture` drawn to fit `width` x `height` physical pixels, keeping its aspect ratio (as an
/// Image element shows it); `None` for a picture that is pixels already, or draws to nothing.
pub fn at_size(picture: &Image, width: f32, height: f32) -> Option<Image> {
    let inner: &ImageInner = picture.into();
    let ImageInner::Svg(svg) = inner else {
        return None;
    };
    let natural = picture.size();
    if natural.width == 0 || natural.height == 0 {
        return None;
    }
    let scale = (width / natural.width as f32).min(height / natural.height as f32);
    let size = (
        (natural.width as f32 * scale).round() as u32,
        (natural.height as f32 * scale).round() as u32,
    );
    if size.0 == 0 || size.1 == 0 {
        return None;
    }
    let picture_key = match ImageCacheKey::new(inner) {
        Some(ImageCacheKey::Invalid) | None => PictureKey::Loaded(&**svg as *const _ as usize),
        Some(key) => PictureKey::Embedded(key),
    };
    let key = (picture_key, size.0, size.1);
    if let Some((_, drawn)) = DRAWN.with(|drawn| drawn.borrow().get(&key).cloned()) {
        return Some(drawn);
    }
    let image = match inner.render_to_buffer(Some(euclid::size2(size.0, size.1)))? {
        SharedImageBuffer::RGB8(pixels) => Image::from_rgb8(pixels),
        SharedImageBuffer::RGBA8(pixels) => Image::from_rgba8(pixels),
        SharedImageBuffer::RGBA8Premultiplied(pixels) => Image::from_rgba8_premultiplied(pixels),
    };
    DRAWN.with(|drawn| {
        let mut drawn = drawn.borrow_mut();
        if drawn.len() >= KEPT {
            drawn.clear();
        }
        drawn.insert(key, (picture.clone(), image.clone()));
    });
    Some(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGO: &[u8] = include_bytes!("../../../images/visa.svg");

    #[test]
    fn an_svg_is_drawn_at_the_asked_size_keeping_its_shape_and_once() {
        let svg = Image::load_from_svg_data(LOGO).expect("the logo loads");
        let natural = svg.size();
        // Twice as wide a box as the logo's shape: the height decides.
        let drawn = at_size(&svg, 400.0, 76.0).expect("drawn");
        let expected_width = (natural.width as f32 * 76.0 / natural.height as f32).round() as u32;
        assert_eq!(drawn.size().height, 76);
        assert_eq!(drawn.size().width, expected_width);
        let pixels = drawn.to_rgba8_premultiplied().expect("pixels");
        assert!(pixels.as_slice().iter().any(|p| p.a > 0), "something drawn");
        // The same picture at the same size is the same pixels, not a new drawing.
        let again = at_size(&svg, 400.0, 76.0).expect("drawn");
        let (a, b): (&ImageInner, &ImageInner) = ((&drawn).into(), (&again).into());
        match (a, b) {
            (
                ImageInner::EmbeddedImage { buffer: first, .. },
                ImageInner::EmbeddedImage { buffer: second, .. },
            ) => assert!(std::ptr::eq(pixel_data(first), pixel_data(second))),
            other => panic!("not pixels: {other:?}"),
        }
    }

    #[test]
    fn pixels_and_empty_sizes_are_left_as_they_are() {
        let pixels = Image::from_rgb8(slint::SharedPixelBuffer::new(4, 4));
        assert!(at_size(&pixels, 10.0, 10.0).is_none());
        let svg = Image::load_from_svg_data(LOGO).expect("the logo loads");
        assert!(at_size(&svg, 0.0, 10.0).is_none());
    }

    fn pixel_data(buffer: &SharedImageBuffer) -> *const u8 {
        match buffer {
            SharedImageBuffer::RGB8(p) => p.as_bytes().as_ptr(),
            SharedImageBuffer::RGBA8(p) => p.as_bytes().as_ptr(),
            SharedImageBuffer::RGBA8Premultiplied(p) => p.as_bytes().as_ptr(),
        }
    }
}
