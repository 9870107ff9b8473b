//! Uploaded images (a unit's logo): only PNG and JPEG, small, and checked
//! from their own bytes, never from the name or the declared type.

use super::Invalid;

/// The largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 200 * 1024;
/// The widest or tallest logo accepted, in pixels.
pub const MAX_LOGO_SIDE: u32 = 2048;

/// The content type of an acceptable logo, or why it is refused.
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
