use qrcode::{Color, EcLevel, QrCode};
use slint::{ComponentHandle, Image, Rgb8Pixel, SharedPixelBuffer};

use super::{MainWindow, PairingAdapter, UiError};
use countertop_core::pairing::PairingUri;

use crate::view::PairingInfo;

/// Modules of white border the QR standard asks for around the code.
const QUIET_ZONE: u32 = 4;
/// Pixels per module: large enough that the image is sharp without scaling artefacts.
const MODULE_PX: u32 = 8;

/// Renders `payload` as a black-on-white QR image.
pub fn qr_image(payload: &str) -> Result<Image, UiError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)?;
    let modules = u32::try_from(code.width()).unwrap_or(0);
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PX;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    buffer.make_mut_slice().fill(Rgb8Pixel {
        r: 255,
        g: 255,
        b: 255,
    });
    let colors = code.to_colors();
    let pixels = buffer.make_mut_slice();
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let index = u32::try_from(index).unwrap_or(0);
        let (mx, my) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
        for y in my * MODULE_PX..(my + 1) * MODULE_PX {
            let row = (y * side) as usize;
            let start = row + (mx * MODULE_PX) as usize;
            pixels[start..start + MODULE_PX as usize].fill(Rgb8Pixel { r: 0, g: 0, b: 0 });
        }
    }
    Ok(Image::from_rgb8(buffer))
}

pub fn apply_qr(window: &MainWindow, uri: &str) {
    let adapter = window.global::<PairingAdapter>();
    match qr_image(uri) {
        Ok(image) => adapter.set_qr(image),
        Err(error) => tracing::error!(%error, "pairing QR not shown"),
    }
    // The address under the QR comes from the payload itself, so it follows an IP change.
    if let Ok(parsed) = PairingUri::parse(uri) {
        adapter.set_address(parsed.address_text().into());
    }
}

pub fn apply_info(window: &MainWindow, info: &PairingInfo) {
    let adapter = window.global::<PairingAdapter>();
    adapter.set_address(info.address.as_str().into());
    adapter.set_terminal_id(info.terminal_id.as_str().into());
}
