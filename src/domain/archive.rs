//! Limits for zip-based uploads (XLSX today, any other zip container later).
//!
//! A zip's central directory declares each entry's uncompressed size, but a
//! hostile file can lie, and a true declaration can still be a bomb (a 1 MB
//! entry that inflates to gigabytes). [`check_zip`] therefore checks the
//! declarations first (cheap), then inflates every entry into nothing,
//! counting bytes and stopping at the limit, so that whatever reads the
//! archive afterwards reads at most what was measured here.

use std::io::{Cursor, Read};

/// What a zip upload may hold.
#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    /// Entries in the archive (an XLSX has a few dozen).
    pub max_entries: usize,
    /// Uncompressed bytes of one entry.
    pub max_entry_bytes: u64,
    /// Uncompressed bytes of all entries together.
    pub max_total_bytes: u64,
    /// Uncompressed ÷ compressed, for entries larger than `ratio_floor_bytes`.
    pub max_ratio: u64,
    pub ratio_floor_bytes: u64,
}

/// Limits for question banks: generous for 20,000 questions, far below
/// anything that could hurt the server.
pub const BANK_ZIP_LIMITS: ZipLimits = ZipLimits {
    max_entries: 1_000,
    max_entry_bytes: 48 * 1024 * 1024,
    max_total_bytes: 96 * 1024 * 1024,
    max_ratio: 200,
    ratio_floor_bytes: 1024 * 1024,
};

/// Why a zip was refused. The messages name the limit, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipRefusal {
    #[error("not a readable zip archive: {0}")]
    Unreadable(String),
    #[error("too many entries: {found} (at most {max})")]
    TooManyEntries { found: usize, max: usize },
    #[error("entry {name} unpacks to more than {max} bytes")]
    EntryTooLarge { name: String, max: u64 },
    #[error("the archive unpacks to more than {max} bytes")]
    TotalTooLarge { max: u64 },
    #[error("entry {name} is compressed {ratio}:1 (at most {max}:1)")]
    RatioTooHigh { name: String, ratio: u64, max: u64 },
    #[error("entry {name} unpacks to another size than it declares")]
    SizeMismatch { name: String },
}

impl ZipRefusal {
    /// The message shown to the uploader: Vietnamese, then English.
    pub fn messages(&self) -> (String, String) {
        let mb = |b: u64| b / 1024 / 1024;
        let vi = match self {
            ZipRefusal::Unreadable(e) => format!("Tệp nén (zip) hỏng hoặc không đọc được: {e}"),
            ZipRefusal::TooManyEntries { found, max } => {
                format!("Tệp chứa quá nhiều thành phần ({found}; tối đa {max}).")
            }
            ZipRefusal::EntryTooLarge { name, max } => format!(
                "Thành phần \"{name}\" khi giải nén lớn hơn {} MB; tệp có thể là \"bom nén\".",
                mb(*max)
            ),
            ZipRefusal::TotalTooLarge { max } => format!(
                "Tệp khi giải nén lớn hơn {} MB; tệp có thể là \"bom nén\".",
                mb(*max)
            ),
            ZipRefusal::RatioTooHigh { name, ratio, max } => format!(
                "Thành phần \"{name}\" bị nén bất thường ({ratio}:1, tối đa {max}:1); tệp có thể là \"bom nén\"."
            ),
            ZipRefusal::SizeMismatch { name } => format!(
                "Thành phần \"{name}\" có kích thước thật khác kích thước khai báo; tệp bị hỏng hoặc bị sửa."
            ),
        };
        (vi, self.to_string())
    }
}

/// Checks every entry of a zip held in memory against `limits`, reading
/// (inflating) at most `max_entry_bytes + 1` bytes of each entry and
/// `max_total_bytes + 1` in all. Costs time proportional to what is allowed,
/// never to what the archive claims.
pub fn check_zip(bytes: &[u8], limits: &ZipLimits) -> Result<(), ZipRefusal> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ZipRefusal::Unreadable(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(ZipRefusal::TooManyEntries {
            found: zip.len(),
            max: limits.max_entries,
        });
    }
    // Declarations first: refusing a bomb that says what it is costs nothing.
    let mut declared_total = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| ZipRefusal::Unreadable(e.to_string()))?;
        let name = shorten(entry.name());
        check_sizes(&name, entry.size(), entry.compressed_size(), limits)?;
        declared_total = declared_total.saturating_add(entry.size());
        if declared_total > limits.max_total_bytes {
            return Err(ZipRefusal::TotalTooLarge {
                max: limits.max_total_bytes,
            });
        }
    }
    // Then the truth: inflate each entry into a sink, with a bound.
    let mut actual_total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| ZipRefusal::Unreadable(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = shorten(entry.name());
        let declared = entry.size();
        let compressed = entry.compressed_size();
        let mut n = 0u64;
        loop {
            let read = entry
                .read(&mut buf)
                .map_err(|e| ZipRefusal::Unreadable(format!("{name}: {e}")))?;
            if read == 0 {
                break;
            }
            n += read as u64;
            check_sizes(&name, n, compressed, limits)?;
            if actual_total + n > limits.max_total_bytes {
                return Err(ZipRefusal::TotalTooLarge {
                    max: limits.max_total_bytes,
                });
            }
        }
        if n != declared {
            return Err(ZipRefusal::SizeMismatch { name });
        }
        actual_total += n;
    }
    Ok(())
}

fn check_sizes(
    name: &str,
    size: u64,
    compressed: u64,
    limits: &ZipLimits,
) -> Result<(), ZipRefusal> {
    if size > limits.max_entry_bytes {
        return Err(ZipRefusal::EntryTooLarge {
            name: name.to_string(),
            max: limits.max_entry_bytes,
        });
    }
    if size > limits.ratio_floor_bytes {
        let ratio = size / compressed.max(1);
        if ratio > limits.max_ratio {
            return Err(ZipRefusal::RatioTooHigh {
                name: name.to_string(),
                ratio,
                max: limits.max_ratio,
            });
        }
    }
    Ok(())
}

/// Entry names come from the file: keep them short and printable in messages.
fn shorten(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    const SMALL: ZipLimits = ZipLimits {
        max_entries: 4,
        max_entry_bytes: 1000,
        max_total_bytes: 1500,
        max_ratio: 50,
        ratio_floor_bytes: 100,
    };

    #[test]
    fn an_ordinary_archive_passes() {
        let z = zip_of(&[("a.xml", b"<a>hello</a>"), ("b.xml", b"<b/>")]);
        assert_eq!(check_zip(&z, &SMALL), Ok(()));
    }

    #[test]
    fn an_entry_over_the_limit_is_refused_before_the_total() {
        let z = zip_of(&[("big.xml", &[b'x'; 1001])]);
        assert!(matches!(
            check_zip(&z, &SMALL),
            Err(ZipRefusal::EntryTooLarge { .. }) | Err(ZipRefusal::RatioTooHigh { .. })
        ));
    }

    #[test]
    fn entries_adding_up_past_the_total_are_refused() {
        let varied: Vec<u8> = (0..800u32).map(|i| (i * 7919 % 251) as u8).collect();
        let z = zip_of(&[("a", &varied), ("b", &varied)]);
        assert!(matches!(
            check_zip(&z, &SMALL),
            Err(ZipRefusal::TotalTooLarge { .. })
        ));
    }

    #[test]
    fn a_highly_compressed_entry_is_refused_by_its_ratio() {
        let z = zip_of(&[("zeros", &[0u8; 900])]);
        assert!(matches!(
            check_zip(&z, &SMALL),
            Err(ZipRefusal::RatioTooHigh { .. })
        ));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let z = zip_of(&[
            ("1", b"a"),
            ("2", b"b"),
            ("3", b"c"),
            ("4", b"d"),
            ("5", b"e"),
        ]);
        assert_eq!(
            check_zip(&z, &SMALL),
            Err(ZipRefusal::TooManyEntries { found: 5, max: 4 })
        );
    }

    #[test]
    fn a_lying_size_declaration_is_caught_by_inflating() {
        // Store 600 varied bytes, then patch both size fields to claim 10.
        let data: Vec<u8> = (0..600u32).map(|i| (i * 31 % 253) as u8).collect();
        let mut z = zip_of(&[("liar", &data)]);
        let patch = |z: &mut Vec<u8>, sig: &[u8], offset: usize| {
            let at = z.windows(4).position(|w| w == sig).unwrap();
            z[at + offset..at + offset + 4].copy_from_slice(&10u32.to_le_bytes());
        };
        patch(&mut z, b"PK\x03\x04", 22);
        patch(&mut z, b"PK\x01\x02", 24);
        assert!(check_zip(&z, &SMALL).is_err());
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        assert!(matches!(
            check_zip(b"PK\x03\x04 not really", &SMALL),
            Err(ZipRefusal::Unreadable(_))
        ));
    }
}
