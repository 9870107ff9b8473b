//! Uploaded images, checked from their own bytes, never from the name or
//! the declared type: a unit's logo (PNG or JPEG, small, kept at its size)
//! and the pictures of questions (PNG, JPEG, GIF or WebP, scaled down and
//! re-encoded to a small PNG or JPEG, see [`picture`]).

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
    // The JPEG decoder fills a file cut short with grey instead of failing:
    // a logo must reach its end marker.
    if format == image::ImageFormat::Jpeg && !jpeg_complete(bytes) {
        return Err(Invalid::new(
            "Tệp ảnh bị hỏng hoặc không phải ảnh PNG/JPEG hoàn chỉnh.",
            "The image is damaged or not a complete PNG/JPEG: the JPEG is cut short.",
        ));
    }
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

// ---------------------------------------------------------------------------
// Question pictures.

/// The largest picture file accepted, before it is re-encoded.
pub const MAX_PICTURE_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The widest picture stored, in pixels (wider ones are scaled down).
pub const MAX_PICTURE_WIDTH: u32 = 800;
/// The largest picture stored.
pub const MAX_PICTURE_BYTES: usize = 80 * 1024;
/// The widest or tallest picture accepted, read from its header.
pub const MAX_PICTURE_SIDE: u32 = 10_000;
/// The most pixels a picture may have (a 24-megapixel photo, 6000 × 4000).
pub const MAX_PICTURE_PIXELS: u64 = 24_000_000;

/// Memory a picture's decoder may take: the largest accepted picture as
/// 8-bit RGBA (96 MB), not as 16-bit (twice that).
const MAX_PICTURE_DECODE_BYTES: u64 = 100 * 1024 * 1024;
/// JPEG qualities tried in turn at one size before the size goes down.
const JPEG_QUALITIES: [u8; 4] = [85, 75, 65, 50];
/// Times a picture is made smaller to fit in [`MAX_PICTURE_BYTES`].
const MAX_SHRINKS: usize = 12;
/// No side is made smaller than this to fit.
const MIN_SHRUNK_SIDE: u32 = 16;

/// A question's picture as stored: decoded whole, scaled to at most
/// [`MAX_PICTURE_WIDTH`] wide and encoded again by this program within
/// [`MAX_PICTURE_BYTES`], as JPEG, or PNG where it has transparency (or is
/// lossless and fits as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    /// `png` or `jpg`.
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// The formats a picture may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl Source {
    fn format(self) -> image::ImageFormat {
        match self {
            Source::Png => image::ImageFormat::Png,
            Source::Jpeg => image::ImageFormat::Jpeg,
            Source::Gif => image::ImageFormat::Gif,
            Source::Webp => image::ImageFormat::WebP,
        }
    }

    /// Pictures that may be diagrams or text, worth keeping lossless.
    fn is_lossless(self) -> bool {
        matches!(self, Source::Png | Source::Gif)
    }
}

/// Reads a question's picture (PNG, JPEG, GIF or WebP, its first frame if
/// animated) and returns it re-encoded: at most [`MAX_PICTURE_WIDTH`] wide
/// (never enlarged, aspect kept, turned upright by its EXIF orientation)
/// and at most [`MAX_PICTURE_BYTES`]. Refused, cheaply and before any
/// pixel is allocated, when too large a file or declaring too many pixels
/// in its header; refused when damaged or cut short (it is decoded whole).
pub fn picture(bytes: &[u8]) -> Result<Picture, Invalid> {
    let source = check_picture(bytes)?;
    let (decoded, orientation) = decode_picture(bytes, source)?;
    // Scale down first, then turn: a turn copies every pixel.
    let turned = turns_sideways(orientation);
    let (w, h) = (decoded.width(), decoded.height());
    let (upright_w, upright_h) = if turned { (h, w) } else { (w, h) };
    let (fit_w, fit_h) = fitted(upright_w, upright_h, MAX_PICTURE_WIDTH);
    let mut small = if (fit_w, fit_h) == (upright_w, upright_h) {
        decoded
    } else if turned {
        decoded.thumbnail_exact(fit_h, fit_w)
    } else {
        decoded.thumbnail_exact(fit_w, fit_h)
    };
    small.apply_orientation(orientation);
    encode_within(&small, source.is_lossless())
}

/// The format of an acceptable picture, or why it is refused: its size, its
/// signature and its dimensions, from the header.
fn check_picture(bytes: &[u8]) -> Result<Source, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::new("Chưa chọn tệp ảnh.", "No image was chosen."));
    }
    if bytes.len() > MAX_PICTURE_UPLOAD_BYTES {
        return Err(Invalid::new(
            format!(
                "Ảnh quá lớn: tối đa {} MB mỗi ảnh.",
                MAX_PICTURE_UPLOAD_BYTES / 1024 / 1024
            ),
            format!(
                "The image is too large: at most {} MB each.",
                MAX_PICTURE_UPLOAD_BYTES / 1024 / 1024
            ),
        ));
    }
    let (source, size) = if let Some(size) = png_size(bytes) {
        (Source::Png, size)
    } else if let Some(size) = jpeg_size(bytes) {
        (Source::Jpeg, size)
    } else if let Some(size) = gif_size(bytes) {
        (Source::Gif, size)
    } else if let Some(size) = webp_size(bytes) {
        (Source::Webp, size)
    } else {
        return Err(Invalid::new(
            "Chỉ nhận ảnh PNG, JPEG, GIF hoặc WebP.",
            "Only PNG, JPEG, GIF or WebP images are accepted.",
        ));
    };
    check_picture_size(size)?;
    if source == Source::Jpeg && !jpeg_complete(bytes) {
        return Err(damaged_picture("the JPEG data ends before its end marker"));
    }
    Ok(source)
}

fn check_picture_size((w, h): (u32, u32)) -> Result<(), Invalid> {
    let pixels = u64::from(w) * u64::from(h);
    if w == 0 || h == 0 || w > MAX_PICTURE_SIDE || h > MAX_PICTURE_SIDE {
        return Err(Invalid::new(
            format!("Ảnh {w}×{h} điểm ảnh: mỗi chiều từ 1 đến {MAX_PICTURE_SIDE}."),
            format!("The image is {w}×{h} pixels: each side must be 1–{MAX_PICTURE_SIDE}."),
        ));
    }
    if pixels > MAX_PICTURE_PIXELS {
        let mp = MAX_PICTURE_PIXELS / 1_000_000;
        return Err(Invalid::new(
            format!("Ảnh {w}×{h} điểm ảnh quá lớn: tối đa {mp} triệu điểm ảnh."),
            format!("The image is {w}×{h} pixels, too many: at most {mp} megapixels."),
        ));
    }
    Ok(())
}

fn damaged_picture(why: impl std::fmt::Display) -> Invalid {
    Invalid::new(
        "Tệp ảnh bị hỏng hoặc không phải ảnh hoàn chỉnh.",
        format!("The image is damaged or incomplete: {why}."),
    )
}

/// Decodes every pixel within the dimension and memory limits; gives the
/// orientation its EXIF data asks for (applied by the caller).
fn decode_picture(
    bytes: &[u8],
    source: Source,
) -> Result<(image::DynamicImage, image::metadata::Orientation), Invalid> {
    use image::ImageDecoder;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PICTURE_SIDE);
    limits.max_image_height = Some(MAX_PICTURE_SIDE);
    limits.max_alloc = Some(MAX_PICTURE_DECODE_BYTES);
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), source.format());
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(damaged_picture)?;
    // What the decoder read may differ from what was sniffed (another frame
    // header): checked again, with the memory its pixels take.
    check_picture_size(decoder.dimensions())?;
    if decoder.total_bytes() > MAX_PICTURE_DECODE_BYTES {
        return Err(Invalid::new(
            "Ảnh quá lớn để xử lý (quá nhiều điểm ảnh hoặc màu 16 bit); hãy lưu lại ảnh nhỏ hơn.",
            "The image is too large to process (too many pixels or 16-bit colour); save it smaller.",
        ));
    }
    // A damaged EXIF block only loses the turn, not the picture.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let decoded = image::DynamicImage::from_decoder(decoder).map_err(damaged_picture)?;
    Ok((decoded, orientation))
}

fn turns_sideways(o: image::metadata::Orientation) -> bool {
    use image::metadata::Orientation as O;
    matches!(
        o,
        O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH
    )
}

/// `(w, h)` scaled to at most `max_w` wide, keeping the aspect ratio,
/// never enlarged, no side below one pixel.
fn fitted(w: u32, h: u32, max_w: u32) -> (u32, u32) {
    if w <= max_w {
        return (w, h);
    }
    let h = (u64::from(h) * u64::from(max_w) + u64::from(w) / 2) / u64::from(w);
    (max_w, u32::try_from(h).unwrap_or(u32::MAX).max(1))
}

/// Does any pixel show what is behind it?
fn has_transparency(picture: &image::DynamicImage) -> bool {
    use image::DynamicImage as D;
    match picture {
        D::ImageLumaA8(p) => p.pixels().any(|px| px.0[1] < u8::MAX),
        D::ImageRgba8(p) => p.pixels().any(|px| px.0[3] < u8::MAX),
        D::ImageLumaA16(p) => p.pixels().any(|px| px.0[1] < u16::MAX),
        D::ImageRgba16(p) => p.pixels().any(|px| px.0[3] < u16::MAX),
        D::ImageRgba32F(p) => p.pixels().any(|px| px.0[3] < 1.0),
        other => other.color().has_alpha(),
    }
}

/// Encodes `picture` (already at most [`MAX_PICTURE_WIDTH`] wide) within
/// [`MAX_PICTURE_BYTES`]: PNG when it has transparency, making it smaller
/// until it fits; otherwise PNG if `lossless_first` and it fits as it is,
/// else JPEG at lower qualities, then smaller.
fn encode_within(picture: &image::DynamicImage, lossless_first: bool) -> Result<Picture, Invalid> {
    let transparent = has_transparency(picture);
    let grey = !picture.color().has_color();
    // 8 bits per channel, only the channels needed.
    let base = match (transparent, grey) {
        (true, true) => image::DynamicImage::ImageLumaA8(picture.to_luma_alpha8()),
        (true, false) => image::DynamicImage::ImageRgba8(picture.to_rgba8()),
        (false, true) => image::DynamicImage::ImageLuma8(picture.to_luma8()),
        (false, false) => image::DynamicImage::ImageRgb8(picture.to_rgb8()),
    };
    let mut current = base.clone();
    for round in 0..=MAX_SHRINKS {
        let (w, h) = (current.width(), current.height());
        let last = if transparent || (lossless_first && round == 0) {
            let png = encode_png(&current)?;
            if png.len() <= MAX_PICTURE_BYTES {
                return Ok(Picture {
                    content_type: "image/png",
                    ext: "png",
                    width: w,
                    height: h,
                    bytes: png,
                });
            }
            png.len()
        } else {
            0
        };
        let last = if transparent {
            last
        } else {
            let mut size = last;
            for quality in JPEG_QUALITIES {
                let jpeg = encode_jpeg(&current, quality)?;
                if jpeg.len() <= MAX_PICTURE_BYTES {
                    return Ok(Picture {
                        content_type: "image/jpeg",
                        ext: "jpg",
                        width: w,
                        height: h,
                        bytes: jpeg,
                    });
                }
                size = jpeg.len();
            }
            size
        };
        // The bytes go roughly with the pixels: aim a little below the limit.
        let scale = ((MAX_PICTURE_BYTES as f64 / last.max(1) as f64).sqrt() * 0.9).clamp(0.3, 0.9);
        let next_w = (f64::from(w) * scale).round() as u32;
        let next_h = (f64::from(h) * scale).round() as u32;
        if next_w < MIN_SHRUNK_SIDE || next_h < MIN_SHRUNK_SIDE {
            break;
        }
        // From the full-size picture each time: no blur on blur.
        current = base.thumbnail_exact(next_w, next_h);
    }
    let kb = MAX_PICTURE_BYTES / 1024;
    Err(Invalid::new(
        format!("Không thể thu nhỏ ảnh xuống {kb} KB; hãy dùng ảnh đơn giản hơn."),
        format!("The image cannot be made as small as {kb} KB; use a simpler one."),
    ))
}

fn encode_png(picture: &image::DynamicImage) -> Result<Vec<u8>, Invalid> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = Vec::new();
    picture
        .write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Best,
            FilterType::Adaptive,
        ))
        .map_err(damaged_picture)?;
    Ok(out)
}

fn encode_jpeg(picture: &image::DynamicImage, quality: u8) -> Result<Vec<u8>, Invalid> {
    let mut out = Vec::new();
    picture
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, quality,
        ))
        .map_err(damaged_picture)?;
    Ok(out)
}

/// Width and height from a GIF's logical screen descriptor.
fn gif_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 10 || !(b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) {
        return None;
    }
    let w = u16::from_le_bytes([b[6], b[7]]) as u32;
    let h = u16::from_le_bytes([b[8], b[9]]) as u32;
    Some((w, h))
}

/// Width and height from a WebP's first chunk (lossy, lossless or extended).
fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 30 || &b[0..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return None;
    }
    let le24 = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], 0]);
    match &b[12..16] {
        b"VP8X" => Some((le24(24) + 1, le24(27) + 1)),
        b"VP8L" if b[20] == 0x2F => {
            let bits = u32::from_le_bytes([b[21], b[22], b[23], b[24]]);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8 " if b[23..26] == [0x9D, 0x01, 0x2A] => {
            let w = u16::from_le_bytes([b[26], b[27]]) & 0x3FFF;
            let h = u16::from_le_bytes([b[28], b[29]]) & 0x3FFF;
            Some((w as u32, h as u32))
        }
        _ => None,
    }
}

/// Does a JPEG reach its end-of-image marker? Walks its segments and the
/// entropy-coded data after each start of scan (the decoder fills a JPEG
/// cut short with grey instead of failing). Data after the marker (a
/// phone's appended video) is allowed.
fn jpeg_complete(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    while i + 1 < b.len() {
        if b[i] != 0xFF {
            return false;
        }
        let marker = b[i + 1];
        match marker {
            0xFF => i += 1,
            0xD9 => return true,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = b.get(i + 2..i + 4) else {
                    return false;
                };
                let len = u16::from_be_bytes([len[0], len[1]]) as usize;
                if len < 2 {
                    return false;
                }
                i += 2 + len;
                if marker == 0xDA {
                    // Entropy-coded data: up to the next marker that is
                    // neither a stuffed zero nor a restart.
                    while i + 1 < b.len()
                        && !(b[i] == 0xFF && b[i + 1] != 0 && !(0xD0..=0xD7).contains(&b[i + 1]))
                    {
                        i += 1;
                    }
                }
            }
        }
    }
    false
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

    // Question pictures.

    /// A picture of pseudo-random noise: the worst case for any encoder.
    fn noise(w: u32, h: u32) -> image::RgbImage {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        image::RgbImage::from_fn(w, h, |_, _| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = state.to_le_bytes();
            image::Rgb([b[0], b[1], b[2]])
        })
    }

    static NOISE: std::sync::LazyLock<image::RgbImage> =
        std::sync::LazyLock::new(|| noise(1000, 1000));

    fn encoded(picture: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    /// A logo-like picture: a coloured disc on a transparent background.
    fn disc(w: u32, h: u32) -> image::RgbaImage {
        let (cx, cy, r) = (w as f64 / 2.0, h as f64 / 2.0, h.min(w) as f64 / 2.5);
        image::RgbaImage::from_fn(w, h, |x, y| {
            let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
            if d < r {
                image::Rgba([200, (x % 256) as u8, 40, 255])
            } else {
                image::Rgba([0, 0, 0, 0])
            }
        })
    }

    fn reread(p: &Picture) -> image::DynamicImage {
        image::load_from_memory(&p.bytes).unwrap()
    }

    #[test]
    fn a_large_noisy_png_comes_out_small_and_at_most_800_wide() {
        // Four levels a channel: noise that a PNG still holds in 5 MB.
        let coarse = image::RgbImage::from_fn(2000, 2000, |x, y| {
            let image::Rgb(n) = *NOISE.get_pixel(x % 1000, y % 1000);
            image::Rgb(n.map(|c| c & 0xC0))
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(coarse)
            .write_with_encoder(image::codecs::png::PngEncoder::new_with_quality(
                &mut png,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            ))
            .unwrap();
        assert!(png.len() > 2 * 1024 * 1024, "{}", png.len());
        let p = picture(&png).unwrap();
        assert!(p.bytes.len() <= MAX_PICTURE_BYTES, "{}", p.bytes.len());
        assert!(p.width <= 800 && p.width > 0, "{}", p.width);
        assert_eq!(p.width, p.height, "the aspect is kept");
        assert_eq!((p.content_type, p.ext), ("image/jpeg", "jpg"));
        let back = reread(&p);
        assert_eq!((back.width(), back.height()), (p.width, p.height));
    }

    #[test]
    fn a_wide_photo_is_scaled_to_800_keeping_its_aspect_and_a_small_one_is_not_enlarged() {
        let jpeg = encoded(
            image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1600, 900, |x, y| {
                image::Rgb([(x / 7) as u8, (y / 4) as u8, 120])
            })),
            image::ImageFormat::Jpeg,
        );
        let p = picture(&jpeg).unwrap();
        assert_eq!((p.width, p.height, p.ext), (800, 450, "jpg"));
        let small = encoded(
            image::DynamicImage::ImageRgb8(noise(120, 60)),
            image::ImageFormat::Jpeg,
        );
        let p = picture(&small).unwrap();
        assert_eq!((p.width, p.height), (120, 60));
        assert_eq!(fitted(2000, 1000, 800), (800, 400));
        assert_eq!(fitted(8000, 1, 800), (800, 1));
        assert_eq!(fitted(640, 480, 800), (640, 480));
    }

    #[test]
    fn a_transparent_logo_stays_png_with_its_transparency() {
        let png = encoded(disc(1200, 600).into(), image::ImageFormat::Png);
        let p = picture(&png).unwrap();
        assert_eq!((p.content_type, p.ext), ("image/png", "png"));
        assert_eq!((p.width, p.height), (800, 400));
        assert!(p.bytes.len() <= MAX_PICTURE_BYTES, "{}", p.bytes.len());
        let back = reread(&p).to_rgba8();
        assert_eq!(back.get_pixel(0, 0).0[3], 0, "the corner stays transparent");
        assert_eq!(back.get_pixel(400, 200).0[3], 255, "the disc stays opaque");
    }

    #[test]
    fn a_transparent_noisy_png_is_made_smaller_until_it_fits() {
        let rgb = noise(900, 900);
        let noisy = image::RgbaImage::from_fn(900, 900, |x, y| {
            let n = rgb.get_pixel(x, y).0;
            image::Rgba([n[0], n[1], n[2], (x % 200) as u8])
        });
        let p = picture(&encoded(noisy.into(), image::ImageFormat::Png)).unwrap();
        assert_eq!(p.ext, "png");
        assert!(p.bytes.len() <= MAX_PICTURE_BYTES, "{}", p.bytes.len());
        assert!(p.width < 800 && p.width == p.height, "{}", p.width);
    }

    #[test]
    fn an_opaque_diagram_that_fits_stays_lossless() {
        let diagram = image::RgbImage::from_fn(400, 300, |x, y| {
            if x % 50 < 2 || y % 50 < 2 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let p = picture(&encoded(diagram.into(), image::ImageFormat::Png)).unwrap();
        assert_eq!((p.ext, p.width, p.height), ("png", 400, 300));
        // Opaque: no alpha channel kept.
        assert!(!reread(&p).color().has_alpha());
    }

    #[test]
    fn gif_and_webp_are_read_and_stored_as_png_or_jpeg() {
        let gif = encoded(disc(300, 200).into(), image::ImageFormat::Gif);
        let p = picture(&gif).unwrap();
        assert_eq!((p.ext, p.width, p.height), ("png", 300, 200));
        let webp = encoded(
            image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1000, 500, |x, y| {
                image::Rgb([(x / 4) as u8, (y / 2) as u8, 60])
            })),
            image::ImageFormat::WebP,
        );
        assert_eq!(webp_size(&webp), Some((1000, 500)));
        let p = picture(&webp).unwrap();
        assert_eq!((p.ext, p.width, p.height), ("jpg", 800, 400));
        assert_eq!(gif_size(&gif), Some((300, 200)));
    }

    #[test]
    fn a_pixel_bomb_is_refused_from_its_header_without_allocating_its_pixels() {
        // 48 bytes declaring 50,000 × 50,000 (10 GB as RGBA).
        let mut bomb = png(50_000, 50_000);
        bomb.extend_from_slice(&[0; 23]);
        let (result, _, peak) = crate::domain::alloc_meter::measure(|| picture(&bomb));
        let e = result.unwrap_err();
        assert!(e.vi.contains("50000×50000"), "{}", e.vi);
        assert!(peak < 16 * 1024, "peak {peak} bytes");
        // Within each side but too many pixels in all.
        assert!(picture(&png(9_000, 9_000))
            .unwrap_err()
            .en
            .contains("megapixels"));
        // The same lie in the other formats' headers.
        let mut gif = b"GIF89a".to_vec();
        gif.extend(u16::MAX.to_le_bytes());
        gif.extend(u16::MAX.to_le_bytes());
        gif.extend([0; 8]);
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        for b in [gif, webp, jpeg(60_000, 60_000)] {
            let (result, _, peak) = crate::domain::alloc_meter::measure(|| picture(&b));
            assert!(result.unwrap_err().vi.contains("điểm ảnh"));
            assert!(peak < 16 * 1024, "peak {peak} bytes");
        }
    }

    /// A PNG within the pixel limit whose 16-bit pixels would take 160 MB:
    /// refused before its data is inflated.
    #[test]
    fn a_picture_too_large_for_the_decoders_memory_is_refused_cheaply() {
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
        let mut ihdr = 5000u32.to_be_bytes().to_vec();
        ihdr.extend(4000u32.to_be_bytes());
        ihdr.extend([16, 6, 0, 0, 0]);
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.extend(chunk(b"IHDR", &ihdr));
        big.extend(chunk(b"IDAT", &[0x78, 0x9C, 0, 0, 0, 0]));
        big.extend(chunk(b"IEND", b""));
        let (result, _, peak) = crate::domain::alloc_meter::measure(|| picture(&big));
        assert!(result.is_err());
        assert!(peak < 4 * 1024 * 1024, "peak {peak} bytes");
    }

    #[test]
    fn a_truncated_jpeg_is_refused_and_a_whole_one_with_trailing_data_is_not() {
        let whole = encoded(
            image::DynamicImage::ImageRgb8(noise(300, 200)),
            image::ImageFormat::Jpeg,
        );
        assert!(jpeg_complete(&whole));
        let cut = &whole[..whole.len() * 6 / 10];
        assert!(!jpeg_complete(cut));
        let e = picture(cut).unwrap_err();
        assert!(e.vi.contains("hỏng"), "{}", e.vi);
        assert!(picture(&whole[..whole.len() - 2]).is_err(), "no end marker");
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"....ftypmp42 a phone's video");
        assert_eq!(picture(&trailing).unwrap().width, 300);
        // The same for a unit's logo.
        assert!(decode_logo(cut).is_err(), "a logo cut short");
        assert!(decode_logo(&whole).is_ok());
    }

    #[test]
    fn html_behind_a_png_signature_is_refused_and_so_is_anything_else() {
        let mut html = png(100, 100);
        html.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert!(picture(&html).unwrap_err().vi.contains("hỏng"));
        let whole = encoded(disc(200, 200).into(), image::ImageFormat::Png);
        assert!(picture(&whole[..whole.len() / 2]).is_err());
        assert!(picture(b"").unwrap_err().vi.contains("Chưa chọn"));
        let e = picture(b"<svg onload=alert(1)>").unwrap_err();
        assert!(
            e.vi.starts_with("Chỉ nhận ảnh PNG, JPEG, GIF hoặc WebP"),
            "{}",
            e.vi
        );
        let mut huge = png(10, 10);
        huge.resize(MAX_PICTURE_UPLOAD_BYTES + 1, 0);
        assert!(picture(&huge).unwrap_err().vi.contains("5 MB"));
    }

    /// A JPEG whose EXIF says "turn 90° clockwise" (a phone held upright)
    /// is stored upright.
    #[test]
    fn a_photo_is_turned_upright_by_its_exif_orientation() {
        let jpeg = encoded(
            image::DynamicImage::ImageRgb8(noise(40, 20)),
            image::ImageFormat::Jpeg,
        );
        let tiff: &[u8] = &[
            b'M', b'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF, first IFD at 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, // Orientation = 6
            0, 0, 0, 0, // no next IFD
        ];
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend_from_slice(tiff);
        let mut turned = jpeg[..2].to_vec();
        turned.extend(app1);
        turned.extend_from_slice(&jpeg[2..]);
        let p = picture(&turned).unwrap();
        assert_eq!((p.width, p.height), (20, 40));
    }
}
