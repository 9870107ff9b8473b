//! Who a participant is: the normalized phone number is the identity; names
//! and CCCD numbers are kept only in the forms needed to spot duplicates.

use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::text::{clean, fold};

/// A Vietnamese phone number in its one stored form (`0912345678`): a
/// participant's identity in a contest. Only [`Phone::parse`] makes one, so
/// a value of this type has been checked and normalized.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// `0912 345 678`, `+84912345678`, `84 912.345.678` → `0912345678`.
    pub fn parse(raw: &str) -> Option<Phone> {
        normalize(raw).map(Phone)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `09xx xxx 678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

fn normalize(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let local = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("840").filter(|r| r.len() == 9) {
        format!("0{rest}")
    } else {
        digits.to_string()
    };
    let valid = local.len() == 10 && local.starts_with('0') && !local.starts_with("00");
    valid.then_some(local)
}

/// `0912345678` → `09xx xxx 678` (public boards never show more).
pub fn mask_phone(phone: &str) -> String {
    if phone.len() < 5 || !phone.is_ascii() {
        return "xxxx".into();
    }
    format!("{}xx xxx {}", &phone[..2], &phone[phone.len() - 3..])
}

/// Whole years of age on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// A CCCD (citizen id) is 12 digits; only a keyed hash and the last 4 are kept.
pub fn parse_cccd(raw: &str) -> Option<String> {
    let d: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    (d.len() == 12 && d.chars().all(|c| c.is_ascii_digit())).then_some(d)
}

/// HMAC-SHA256 of an identity value under the installation's secret pepper.
pub fn keyed_hash(pepper: &[u8], value: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(pepper).unwrap_or_else(|_| unreachable_hmac());
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

// HMAC accepts keys of any length, so this is never reached.
#[allow(clippy::expect_used)]
fn unreachable_hmac() -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(b"hoithi").expect("HMAC takes any key length")
}

/// The name as typed (NFC, tidy spacing) and its folded form for matching.
pub fn names(raw: &str) -> (String, String) {
    let shown = clean(raw);
    let folded = fold(&shown);
    (shown, folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_phone_forms_are_one_person() {
        let forms = [
            "0912345678",
            "+84912345678",
            "84 912 345 678",
            "0912.345.678",
            "+84 (0) 912345678",
        ];
        for f in forms {
            assert_eq!(
                Phone::parse(f).as_ref().map(Phone::as_str),
                Some("0912345678"),
                "{f}"
            );
        }
    }

    #[test]
    fn malformed_phones_are_refused() {
        for f in [
            "",
            "12345",
            "09123456789",
            "abc0912345678",
            "0012345678",
            "+1 415 555 0100",
        ] {
            assert_eq!(Phone::parse(f), None, "{f}");
        }
    }

    #[test]
    fn masked_phones_keep_the_prefix_and_last_three_digits() {
        assert_eq!(mask_phone("0912345123"), "09xx xxx 123");
    }

    #[test]
    fn age_counts_whole_years_up_to_the_birthday() {
        let b = NaiveDate::from_ymd_opt(2000, 6, 15).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2016, 6, 14).unwrap()), 15);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2016, 6, 15).unwrap()), 16);
    }

    #[test]
    fn cccd_is_twelve_digits_and_hashed_with_a_key() {
        assert_eq!(
            parse_cccd("001 203 004 567").as_deref(),
            Some("001203004567")
        );
        assert!(parse_cccd("12345").is_none());
        let a = keyed_hash(b"k1", "001203004567");
        assert_eq!(a, keyed_hash(b"k1", "001203004567"));
        assert_ne!(a, keyed_hash(b"k2", "001203004567"));
        assert_eq!(a.len(), 64);
    }
}
