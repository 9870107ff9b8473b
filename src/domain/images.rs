//! Uploaded images (a unit's logo): only PNG and JPEG, small, and checked
//! from their own bytes, never from the name or the declared type.

use super::Invalid;

/// The largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 200 * 1024;
/// The widest or tallest logo accepted, in pixels.
pub const MAX_LOGO_SIDE: u32 = 2048;

/// Memory a logo's decoder may take (a 2048 × 2048 RGBA picture is 16 MB).
const MAX_DECODE_BYTES: u64 = 32 * 1024 * 1024;

/// A logo as stored: decoded whole and encoded again by this program, so
/// nothing of the uploaded file but its pixels is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The content type of an acceptable logo, or why it is refused: its size,
/// its signature and its dimensions, from the header (cheap refusals
/// first), before [`decode_logo`] reads it whole.
pub fn check_logo(bytes: &[u8]) -> Result<&'static str, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::new("Chưa chọn tệp ảnh.", "No image was chosen."));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(Invalid::new(
            format!("Ảnh quá lớn: tối đa {} KB.", MAX_LOGO_BYTES / 1024),
            format!(
                "The image is too large: at most {} KB.",
                MAX_LOGO_BYTES / 1024
            ),
        ));
    }
    let (kind, size) = if let Some(size) = png_size(bytes) {
        ("image/png", size)
    } else if let Some(size) = jpeg_size(bytes) {
        ("image/jpeg", size)
    } else {
        return Err(Invalid::new(
            "Chỉ nhận ảnh PNG hoặc JPEG.",
            "Only PNG or JPEG images are accepted.",
        ));
    };
    let (w, h) = size;
    if w == 0 || h == 0 || w > MAX_LOGO_SIDE || h > MAX_LOGO_SIDE {
        return Err(Invalid::new(
            format!("Ảnh {w}×{h} điểm ảnh: mỗi chiều từ 1 đến {MAX_LOGO_SIDE}."),
            format!("The image is {w}×{h} pixels: each side must be 1–{MAX_LOGO_SIDE}."),
        ));
    }
    Ok(kind)
}

/// Checks a logo, decodes every pixel of it within the size and memory
/// limits, and encodes it again in its own format: a file that only starts
/// like a picture (a PNG signature before HTML, a JPEG of one frame header)
/// is refused, and what is stored is a picture this program wrote.
pub fn decode_logo(bytes: &[u8]) -> Result<Logo, Invalid> {
    let kind = check_logo(bytes)?;
    let format = if kind == "image/png" {
        image::ImageFormat::Png
    } else {
        image::ImageFormat::Jpeg
    };
    let damaged = |e: image::ImageError| {
        Invalid::new(
            "Tệp ảnh bị hỏng hoặc không phải ảnh PNG/JPEG hoàn chỉnh.",
            format!("The image is damaged or not a complete PNG/JPEG: {e}."),
        )
    };
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE);
    limits.max_image_height = Some(MAX_LOGO_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    reader.limits(limits);
    let picture = reader.decode().map_err(damaged)?;
    let mut out = std::io::Cursor::new(Vec::new());
    let encoded = if format == image::ImageFormat::Png {
        picture.write_to(&mut out, image::ImageFormat::Png)
    } else {
        // JPEG has no alpha; a grey or colour picture is written as it is.
        image::DynamicImage::ImageRgb8(picture.to_rgb8()).write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90),
        )
    };
    encoded.map_err(damaged)?;
    Ok(Logo {
        content_type: kind,
        bytes: out.into_inner(),
    })
}

/// Width and height from a PNG's signature and IHDR chunk.
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if b.len() < 24 || !b.starts_with(SIGNATURE) || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(b[20..24].try_into().ok()?);
    Some((w, h))
}

/// Width and height from a JPEG's first start-of-frame segment.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return None;
    }
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let seg = b.get(i + 4..i + 9)?;
            let h = u16::from_be_bytes([seg[1], seg[2]]) as u32;
            let w = u16::from_be_bytes([seg[3], seg[4]]) as u32;
            return Some((w, h));
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PNG header of the given size (enough to be recognized).
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, b'J', b'F'];
        b.extend([0xFF, 0xC0, 0x00, 0x0B, 8]);
        b.extend(h.to_be_bytes());
        b.extend(w.to_be_bytes());
        b.extend([1, 1, 0x11, 0, 0xFF, 0xD9]);
        b
    }

    fn real(format: image::ImageFormat, w: u32, h: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(picture)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    fn dimensions(logo: &Logo) -> (u32, u32) {
        let p = image::load_from_memory(&logo.bytes).unwrap();
        (p.width(), p.height())
    }

    #[test]
    fn real_pictures_are_stored_as_encoded_again() {
        let png = real(image::ImageFormat::Png, 120, 80);
        let logo = decode_logo(&png).unwrap();
        assert_eq!(logo.content_type, "image/png");
        assert_eq!(dimensions(&logo), (120, 80));
        let jpeg = real(image::ImageFormat::Jpeg, 64, 48);
        let logo = decode_logo(&jpeg).unwrap();
        assert_eq!(logo.content_type, "image/jpeg");
        assert_eq!(dimensions(&logo), (64, 48));
        assert!(logo.bytes.starts_with(&[0xFF, 0xD8]));
    }

    #[test]
    fn files_that_only_start_like_a_picture_are_refused() {
        let mut html = png(100, 100);
        html.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert!(decode_logo(&html).unwrap_err().vi.contains("hỏng"));
        assert!(
            decode_logo(&jpeg(300, 200)).is_err(),
            "a frame header alone"
        );
        // A real PNG cut short.
        let whole = real(image::ImageFormat::Png, 200, 200);
        assert!(decode_logo(&whole[..whole.len() / 2]).is_err());
    }

    /// A 100 × 100 PNG whose image data inflates far beyond its pixels: what
    /// is kept is the picture re-encoded, not the bomb.
    #[test]
    fn a_png_whose_data_inflates_past_its_pixels_is_stored_small() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..150 {
            z.write_all(&zeros).unwrap();
        }
        let data = z.finish().unwrap();
        assert!(data.len() < MAX_LOGO_BYTES - 1024, "{}", data.len());
        let chunk = |kind: &[u8], body: &[u8]| {
            let mut c = (body.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(body);
            let mut crc = crc32fast::Hasher::new();
            crc.update(kind);
            crc.update(body);
            c.extend(crc.finalize().to_be_bytes());
            c
        };
        let mut ihdr = 100u32.to_be_bytes().to_vec();
        ihdr.extend(100u32.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        bomb.extend(chunk(b"IHDR", &ihdr));
        bomb.extend(chunk(b"IDAT", &data));
        bomb.extend(chunk(b"IEND", b""));
        match decode_logo(&bomb) {
            Ok(logo) => {
                assert!(logo.bytes.len() < 10_000, "{}", logo.bytes.len());
                assert_eq!(dimensions(&logo), (100, 100));
            }
            Err(e) => assert!(e.vi.contains("hỏng"), "{}", e.vi),
        }
    }

    #[test]
    fn png_and_jpeg_logos_are_recognized_from_their_bytes() {
        assert_eq!(check_logo(&png(256, 256)).unwrap(), "image/png");
        assert_eq!(check_logo(&jpeg(300, 200)).unwrap(), "image/jpeg");
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        assert!(check_logo(b"").is_err());
        assert!(check_logo(b"<svg onload=alert(1)>")
            .unwrap_err()
            .vi
            .contains("PNG"));
        assert!(check_logo(b"GIF89a....").is_err());
        assert!(check_logo(&png(0, 10)).is_err());
        assert!(check_logo(&png(5000, 10)).unwrap_err().vi.contains("5000"));
        let mut big = png(10, 10);
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert!(check_logo(&big).unwrap_err().vi.contains("quá lớn"));
        // A truncated or looping JPEG is not read past its end.
        assert!(check_logo(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]).is_err());
        assert!(check_logo(&[0xFF, 0xD8, 0xFF, 0xC0, 0x00]).is_err());
    }
}
