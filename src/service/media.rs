//! Pictures of questions: stored once, re-encoded by `domain::images`,
//! named by the SHA-256 of the stored bytes and served from
//! `/media/{sha256}.{ext}` (public: the name cannot be guessed, and a paper's
//! pictures are seen by its participants). The pictures served lately are
//! kept in memory, up to [`CACHE_BYTES`] per instance.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use actix_web::web::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::media::{self as store, Media};
use crate::domain::images;
use crate::error::AppError;
use crate::service::state::AppState;

/// Bytes of pictures kept in memory per instance (some 200 pictures).
pub const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// A stored picture, as a bank or a paper names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaRef {
    /// Lowercase hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// `png` or `jpg`.
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
}

impl MediaRef {
    /// Where the picture is served: `/media/{sha256}.{ext}`.
    pub fn path(&self) -> String {
        format!("/media/{}.{}", self.sha256, self.ext)
    }
}

/// A stored picture to serve (cheap to clone: the bytes are shared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub content_type: String,
    /// The extension its address takes (`png`, `jpg`).
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Bytes,
}

/// Checks, scales down and re-encodes a picture (PNG, JPEG, GIF or WebP; see
/// [`images::picture`]), then stores it unless the same picture is stored
/// already. Decoding is CPU work: it runs off the async workers (callers
/// parsing an upload hold a turn of `state.uploads` already). A refused
/// picture is `AppError::InvalidInput` with its reason.
pub async fn store(state: &AppState, bytes: Vec<u8>) -> Result<MediaRef, AppError> {
    let picture = actix_web::web::block(move || images::picture(&bytes)).await??;
    let sha256 = hex::encode(Sha256::digest(&picture.bytes));
    let out = MediaRef {
        sha256: sha256.clone(),
        ext: picture.ext,
        width: picture.width,
        height: picture.height,
    };
    let row = Media {
        sha256,
        content_type: picture.content_type.to_string(),
        width: dimension(picture.width)?,
        height: dimension(picture.height)?,
        bytes: picture.bytes,
    };
    state.db.write(move |c| store::insert(c, &row)).await?;
    Ok(out)
}

/// The picture of that name (64 lowercase hex digits), from memory when it
/// was served lately; `None` for any other name or one not stored.
pub async fn get(state: &AppState, sha256: String) -> Result<Option<Stored>, AppError> {
    if !is_sha256(&sha256) {
        return Ok(None);
    }
    if let Some(hit) = state.media.get(&sha256) {
        return Ok(Some(hit));
    }
    let Some(row) = state.db.read(move |c| store::get(c, &sha256)).await? else {
        return Ok(None);
    };
    let Some(ext) = extension(&row.content_type) else {
        return Ok(None);
    };
    let stored = Stored {
        sha256: row.sha256,
        content_type: row.content_type,
        ext,
        width: u32::try_from(row.width).unwrap_or(0),
        height: u32::try_from(row.height).unwrap_or(0),
        bytes: Bytes::from(row.bytes),
    };
    state.media.put(stored.clone());
    Ok(Some(stored))
}

/// Splits a media file name `{sha256}.{ext}` into its parts, if the name is
/// 64 lowercase hex digits, a dot and an extension of letters.
pub fn parse_name(name: &str) -> Option<(&str, &str)> {
    let (sha256, ext) = name.split_once('.')?;
    let ext_ok = (1..=4).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_lowercase());
    (is_sha256(sha256) && ext_ok).then_some((sha256, ext))
}

/// Is `s` a SHA-256 as the names are written (64 lowercase hex digits)?
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The extension of the address of a stored content type.
fn extension(content_type: &str) -> Option<&'static str> {
    match content_type {
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        _ => None,
    }
}

fn dimension(side: u32) -> Result<i32, AppError> {
    i32::try_from(side).map_err(|_| AppError::Internal(format!("picture side {side}")))
}

/// The pictures served lately, least recently served dropped first once
/// they take more than [`CACHE_BYTES`].
#[derive(Debug, Default)]
pub struct Cache {
    inner: Mutex<Lru>,
}

#[derive(Debug, Default)]
struct Lru {
    entries: HashMap<String, (Stored, u64)>,
    /// Last use → name, oldest first.
    order: BTreeMap<u64, String>,
    bytes: usize,
    clock: u64,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kept copy, marked as just used.
    pub fn get(&self, sha256: &str) -> Option<Stored> {
        let mut lru = self.lock();
        let lru = &mut *lru;
        let (stored, used) = lru.entries.get_mut(sha256)?;
        lru.order.remove(used);
        lru.clock += 1;
        *used = lru.clock;
        lru.order.insert(lru.clock, sha256.to_string());
        Some(stored.clone())
    }

    /// Keeps a copy, dropping the least recently used ones to make room.
    pub fn put(&self, stored: Stored) {
        let size = stored.bytes.len();
        if size > CACHE_BYTES / 8 {
            return;
        }
        let mut lru = self.lock();
        if lru.entries.contains_key(&stored.sha256) {
            return;
        }
        while lru.bytes + size > CACHE_BYTES {
            let Some((_, oldest)) = lru.order.pop_first() else {
                break;
            };
            if let Some((gone, _)) = lru.entries.remove(&oldest) {
                lru.bytes -= gone.bytes.len();
            }
        }
        lru.clock += 1;
        let used = lru.clock;
        lru.order.insert(used, stored.sha256.clone());
        lru.bytes += size;
        lru.entries.insert(stored.sha256.clone(), (stored, used));
    }

    /// Bytes kept now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(n: u8, size: usize) -> Stored {
        Stored {
            sha256: hex::encode([n; 32]),
            content_type: "image/png".into(),
            ext: "png",
            width: 1,
            height: 1,
            bytes: Bytes::from(vec![n; size]),
        }
    }

    #[test]
    fn names_are_64_lowercase_hex_digits_and_an_extension() {
        let sha = "a".repeat(64);
        assert_eq!(
            parse_name(&format!("{sha}.png")),
            Some((sha.as_str(), "png"))
        );
        assert_eq!(
            parse_name(&format!("{sha}.jpg")),
            Some((sha.as_str(), "jpg"))
        );
        for bad in [
            format!("{}.png", "A".repeat(64)),
            format!("{}.png", "a".repeat(63)),
            format!("{}.png", "a".repeat(65)),
            format!("{}.png", "g".repeat(64)),
            sha.clone(),
            format!("{sha}."),
            format!("{sha}.PNG"),
            format!("{sha}.png.png"),
            format!("{sha}.png%00"),
            format!("../{sha}.png"),
            format!("{sha}.toolong"),
        ] {
            assert_eq!(parse_name(&bad), None, "{bad}");
        }
        assert_eq!(extension("image/jpeg"), Some("jpg"));
        assert_eq!(extension("text/html"), None);
    }

    #[test]
    fn the_cache_keeps_at_most_its_bytes_dropping_the_least_recently_served() {
        let cache = Cache::default();
        let size = CACHE_BYTES / 10;
        for n in 0..10 {
            cache.put(stored(n, size));
        }
        assert_eq!(cache.bytes(), 10 * size);
        // Serving the first one makes the second the oldest.
        assert!(cache.get(&stored(0, 0).sha256).is_some());
        cache.put(stored(10, size));
        assert!(cache.bytes() <= CACHE_BYTES);
        assert!(cache.get(&stored(0, 0).sha256).is_some());
        assert!(cache.get(&stored(1, 0).sha256).is_none());
        assert!(cache.get(&stored(10, 0).sha256).is_some());
        // One too large for its share is not kept at all.
        cache.put(stored(11, CACHE_BYTES / 4));
        assert!(cache.get(&stored(11, 0).sha256).is_none());
        assert!(cache.bytes() <= CACHE_BYTES);
    }
}
