//! Detects Vietnamese text typed in the legacy 8-bit encodings TCVN3 (ABC)
//! and VNI that was then read as Windows-1252/Latin-1, e.g. "Thµnh ®oµn"
//! (TCVN3 for "Thành đoàn") or "Ñoaøn" (VNI for "Đoàn").
//!
//! The signal characters below never occur in correct Vietnamese; a word that
//! mixes them with ASCII letters is mojibake.

/// Characters that TCVN3 text shows in Latin-1 and Vietnamese never uses.
/// (Degree, plus-minus and superscripts are left out: "25°C" is not mojibake.)
const TCVN3_SIGNS: &str = "µ¸¶·¹¨»¾¼½®¬©«ª¦§¥¤¢£¡¯º¿ÆÇßþ÷";
/// The same for VNI (its tone and vowel marks read as Latin-1 letters).
const VNI_SIGNS: &str = "øûïöëäñÑÖØÛÏËÄ";

fn is_sign(c: char) -> bool {
    TCVN3_SIGNS.contains(c) || VNI_SIGNS.contains(c)
}

/// Words that mix an ASCII letter with a signal character.
fn suspicious_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || ",.;:!?()[]\"'/".contains(c))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()) && w.chars().any(is_sign))
}

/// Returns the probable legacy encoding ("TCVN3" or "VNI") if `text` looks like mojibake.
pub fn detect(text: &str) -> Option<&'static str> {
    let mut tcvn3 = 0;
    let mut vni = 0;
    for w in suspicious_words(text) {
        tcvn3 += w.chars().filter(|c| TCVN3_SIGNS.contains(*c)).count();
        vni += w.chars().filter(|c| VNI_SIGNS.contains(*c)).count();
    }
    match (tcvn3, vni) {
        (0, 0) => None,
        (t, v) if t >= v => Some("TCVN3 (ABC)"),
        _ => Some("VNI"),
    }
}

/// The first suspicious word, to quote in the error.
pub fn sample(text: &str) -> String {
    suspicious_words(text)
        .next()
        .unwrap_or("")
        .chars()
        .take(30)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcvn3_read_as_latin1_is_detected() {
        assert_eq!(detect("Thµnh ®oµn Hå ChÝ Minh"), Some("TCVN3 (ABC)"));
        assert_eq!(sample("Ban chÊp hµnh Thµnh ®oµn"), "hµnh");
    }

    #[test]
    fn vni_read_as_latin1_is_detected() {
        assert_eq!(detect("Ñoaøn Thanh nieân Coäng saûn"), Some("VNI"));
    }

    #[test]
    fn correct_vietnamese_and_plain_symbols_pass() {
        for ok in [
            "Thành đoàn Hồ Chí Minh",
            "Đoàn viên, thanh niên",
            "© 2023 — 25°C",
            "Café ½ giá",
            "Dịch vụ công trực tuyến toàn trình",
        ] {
            assert_eq!(detect(ok), None, "{ok}");
        }
    }
}
