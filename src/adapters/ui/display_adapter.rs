use slint::{ComponentHandle, Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, VecModel};

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

/// Answers the idle page's `default-picture`: the built-in standby picture under the theme's
/// veil, as pixels for the page's size in physical pixels (at half of it, see `idle_picture`).
/// If the SVG could not be drawn, no picture: the page's dark background, which the white words
/// read on (the renderer could not draw that SVG either).
pub fn install_default_picture(window: &MainWindow) {
    let adapter = window.global::<DisplayAdapter>();
    let weak = window.as_weak();
    adapter.on_default_picture(move |width, height, veil| {
        let Some(window) = weak.upgrade() else {
            return Image::default();
        };
        let scale = window.window().scale_factor();
        let size = (
            (width * scale).round() as u32,
            (height * scale).round() as u32,
        );
        super::idle_picture::image(size, veil).unwrap_or_default()
    });
    adapter.set_default_picture_ready(true);
}
