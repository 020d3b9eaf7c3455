use std::cell::OnceCell;

use slint::{ComponentHandle, Image, ModelRc, Rgb8Pixel, Rgba8Pixel, SharedPixelBuffer, VecModel};

use super::{AccessibilityAdapter, DisplayAdapter, MainWindow, PaymentLogo};
use crate::view::{DisplaySettings, Logo};

pub fn map_logo(logo: Logo) -> PaymentLogo {
    match logo {
        Logo::Visa => PaymentLogo::Visa,
        Logo::Mastercard => PaymentLogo::Mastercard,
        Logo::Amex => PaymentLogo::Amex,
        Logo::Discover => PaymentLogo::Discover,
        Logo::Diners => PaymentLogo::Diners,
        Logo::Interac => PaymentLogo::Interac,
        Logo::UnionPay => PaymentLogo::Unionpay,
        Logo::ApplePay => PaymentLogo::ApplePay,
        Logo::GooglePay => PaymentLogo::GooglePay,
        Logo::WeChatPay => PaymentLogo::WechatPay,
        Logo::Alipay => PaymentLogo::Alipay,
    }
}

pub fn apply(window: &MainWindow, display: &DisplaySettings) {
    let accessibility = window.global::<AccessibilityAdapter>();
    accessibility.set_high_contrast(display.high_contrast);
    accessibility.set_large_text(display.large_text);
    let adapter = window.global::<DisplayAdapter>();
    if let Some(picture) = default_idle_image() {
        adapter.set_default_idle_image(picture);
    }
    adapter.set_show_logos(display.show_logos);
    let logos: Vec<PaymentLogo> = display.logos.iter().copied().map(map_logo).collect();
    adapter.set_logos(ModelRc::new(VecModel::from(logos)));
    match display.idle_image.as_deref().map(load_idle_image) {
        Some(Ok(image)) => {
            adapter.set_idle_image(image);
            adapter.set_has_idle_image(true);
        }
        Some(Err(error)) => {
            tracing::warn!(%error, "the merchant's idle image could not be shown; using the default");
            adapter.set_has_idle_image(false);
        }
        None => adapter.set_has_idle_image(false),
    }
}

fn load_idle_image(
    path: &std::path::Path,
) -> Result<Image, crate::adapters::idle_image::IdleImageError> {
    let rgba = crate::adapters::idle_image::load(path)?;
    let buffer = SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        rgba.as_raw(),
        rgba.width(),
        rgba.height(),
    );
    Ok(Image::from_rgba8(buffer))
}

/// The built-in standby picture (images/idle-default.svg, the same file `Images.idle-default`
/// embeds) as pixels at its own size, 1280x800. Slint's software renderer rasterises an SVG
/// afresh on every frame that shows it, and this one (full-screen gradients) cost more than the
/// rest of a frame together; drawn once here, every later frame copies pixels. It is opaque, so
/// it is kept as RGB: a quarter less memory, and copied rather than blended. `None` if the SVG
/// cannot be drawn; the page then shows the SVG itself.
fn default_idle_image() -> Option<Image> {
    thread_local! {
        static PICTURE: OnceCell<Option<Image>> = const { OnceCell::new() };
    }
    PICTURE.with(|picture| picture.get_or_init(rasterise_default_idle_image).clone())
}

fn rasterise_default_idle_image() -> Option<Image> {
    let svg = Image::load_from_svg_data(include_bytes!("../../../images/idle-default.svg")).ok()?;
    let rgba = svg.to_rgba8_premultiplied()?;
    if rgba.as_slice().iter().any(|p| p.a != u8::MAX) {
        return Some(Image::from_rgba8_premultiplied(rgba));
    }
    let mut rgb = SharedPixelBuffer::<Rgb8Pixel>::new(rgba.width(), rgba.height());
    for (to, from) in rgb.make_mut_slice().iter_mut().zip(rgba.as_slice()) {
        *to = Rgb8Pixel::new(from.r, from.g, from.b);
    }
    Some(Image::from_rgb8(rgb))
}
