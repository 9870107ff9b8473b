//! Text hygiene for Vietnamese input: NFC normalization, whitespace cleanup,
//! and a diacritic-insensitive folding for search and duplicate detection.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// NFC-normalizes, drops control characters (NUL and the like, which no
/// text needs and PostgreSQL refuses), trims, and collapses runs of
/// whitespace to one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s
        .nfc()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds case, diacritics and spacing: "  Đoàn  Thanh niên " → "doan thanh nien".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_input_is_stored_composed() {
        let decomposed = "Đoa\u{300}n"; // "Đoàn" with a combining grave accent
        assert_eq!(clean(decomposed), "Đoàn");
        assert_eq!(clean(decomposed).chars().count(), 4);
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(clean("Chi\u{0}đoàn\u{1b} 1\u{7f}"), "Chiđoàn 1");
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed() {
        assert_eq!(clean("  Chi   đoàn\tthôn 1 \n"), "Chi đoàn thôn 1");
    }

    #[test]
    fn folding_ignores_case_diacritics_and_d_stroke() {
        assert_eq!(fold("Dịch  vụ CÔNG"), "dich vu cong");
        assert_eq!(fold("Đoàn Thanh niên"), "doan thanh nien");
        assert_eq!(fold("Nguyễn Thị Ánh"), fold("nguyen thi anh"));
    }

    #[test]
    fn urlencode_keeps_paths_and_escapes_the_rest() {
        assert_eq!(
            urlencode("/c/dvc-2023?x=1&y=Đ"),
            "/c/dvc-2023%3Fx%3D1%26y%3D%C4%90"
        );
    }
}
