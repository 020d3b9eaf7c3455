//! The merchant's standby picture: PNG, JPEG or WebP, decoded under explicit limits so that a
//! decompression bomb or a damaged file is refused with a clear error instead of exhausting the
//! terminal's memory, then scaled down to what the screen can show.

use std::io::Cursor;
use std::path::Path;

use image::{ImageReader, Limits, RgbaImage};

/// Largest file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest picture accepted, per side.
pub const MAX_SIDE: u32 = 6_000;
/// Most memory the decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;
/// Kept at most this large per side: covers 1280x800 and 800x1280 with room for scaling.
pub const KEEP_SIDE: u32 = 1_920;

#[derive(Debug, thiserror::Error)]
pub enum IdleImageError {
    #[error("the picture could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the picture is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024)]
    FileTooLarge,
    #[error("the picture is not a PNG, JPEG or WebP image, or it is damaged: {0}")]
    Decode(#[from] image::ImageError),
}

/// Decodes a picture from memory (a file or a POS push).
pub fn decode(bytes: &[u8]) -> Result<RgbaImage, IdleImageError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(IdleImageError::FileTooLarge);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    reader.limits(limits);
    let image = reader.decode()?;
    let image = if image.width() > KEEP_SIDE || image.height() > KEEP_SIDE {
        image.thumbnail(KEEP_SIDE, KEEP_SIDE)
    } else {
        image
    };
    Ok(image.into_rgba8())
}

pub fn load(path: &Path) -> Result<RgbaImage, IdleImageError> {
    if std::fs::metadata(path)?.len() > MAX_FILE_BYTES {
        return Err(IdleImageError::FileTooLarge);
    }
    decode(&std::fs::read(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        RgbaImage::from_pixel(width, height, image::Rgba([10, 20, 30, 255]))
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// A PNG whose header claims `width` x `height` over a tiny body: what a decompression bomb
    /// looks like to the decoder before it allocates.
    fn bomb(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        // IHDR data starts after the 8-byte signature, 4-byte length and 4-byte type.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_normal_picture_decodes_and_a_big_one_is_scaled_down() {
        assert_eq!(decode(&png(640, 400)).unwrap().dimensions(), (640, 400));
        let big = decode(&png(4_000, 2_500)).unwrap();
        assert!(big.width() <= KEEP_SIDE && big.height() <= KEEP_SIDE);
    }

    #[test]
    fn bombs_truncated_files_and_garbage_are_refused() {
        // Refused on the header alone, before any pixel memory is allocated.
        assert!(matches!(
            decode(&bomb(60_000, 60_000)),
            Err(IdleImageError::Decode(image::ImageError::Limits(_)))
        ));
        assert!(matches!(
            decode(&bomb(MAX_SIDE + 1, 10)),
            Err(IdleImageError::Decode(image::ImageError::Limits(_)))
        ));
        let whole = png(300, 300);
        assert!(matches!(
            decode(&whole[..whole.len() / 2]),
            Err(IdleImageError::Decode(_))
        ));
        assert!(matches!(
            decode(b"definitely not a picture"),
            Err(IdleImageError::Decode(_))
        ));
        assert!(matches!(
            decode(&vec![0u8; (MAX_FILE_BYTES + 1) as usize]),
            Err(IdleImageError::FileTooLarge)
        ));
    }
}
