//! Numeric answers: the participant types a number ("Đoàn TNCS Hồ Chí Minh
//! được thành lập năm nào?" → 1931), right when it is within the
//! question's tolerance of the answer.
//!
//! How a typed number is read (documented in `question_banks/README.md`):
//! a sign, digits, and separators. One separator, `,` or `.`, is the
//! decimal point (`3,5` = `3.5`; `1.931` is one point nine three one). Two
//! kinds of separator: the last one is the decimal point and the other
//! groups thousands (`1.234,5` = `1,234.5` = 1234.5). The same separator
//! more than once, or spaces, group thousands (`1.000.000`, `1 000 000`,
//! `1 931,5`).
//! Groups of thousands must have three digits; anything else is not a
//! number and is refused when it is saved, with a message.

use serde::{Deserialize, Serialize};

use crate::domain::bank::RawQuestion;
use crate::domain::kinds::{refusal, short, Given};
use crate::error::Problem;

/// The key of a numeric question: decimal numbers written as Rust prints
/// them (`1931`, `3.5`), so the stored form is canonical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NumericKey {
    pub value: String,
    #[serde(default = "zero", skip_serializing_if = "is_zero")]
    pub tolerance: String,
}

/// The key of a numeric question (named apart in the API document).
pub type Key = NumericKey;

fn zero() -> String {
    "0".into()
}

fn is_zero(s: &String) -> bool {
    s == "0"
}

impl Key {
    fn numbers(&self) -> Option<(f64, f64)> {
        Some((self.value.parse().ok()?, self.tolerance.parse().ok()?))
    }
}

/// Digits with optional thousands groups of three after the first group.
fn grouped(s: &str, sep: char) -> Option<String> {
    let mut parts = s.split(sep);
    let first = parts.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = first.to_string();
    for part in parts {
        if part.len() != 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(part);
    }
    Some(out)
}

fn digits(s: &str) -> Option<&str> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// Reads a number as people type it (see the module documentation).
pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    let (sign, t) = match t.strip_prefix(['-', '−']) {
        Some(rest) => (-1.0, rest.trim_start()),
        None => (1.0, t.strip_prefix('+').unwrap_or(t)),
    };
    let t: String = t.chars().filter(|c| *c != '\u{a0}').collect();
    let (commas, dots, spaces) = (
        t.matches(',').count(),
        t.matches('.').count(),
        t.matches(' ').count(),
    );
    let plain = match (commas, dots, spaces) {
        (0, 0, 0) => digits(&t)?.to_string(),
        (0, 0, _) => grouped(&t, ' ')?,
        // "1 931,5": spaces group thousands, the one separator is the point.
        (1, 0, _) | (0, 1, _) => {
            let (int, frac) = t.split_once([',', '.'])?;
            let int = if int.contains(' ') {
                grouped(int, ' ')?
            } else {
                digits(int)?.to_string()
            };
            format!("{int}.{}", digits(frac)?)
        }
        (_, 0, 0) => grouped(&t, ',')?,
        (0, _, 0) => grouped(&t, '.')?,
        (_, _, 0) => {
            // Both: the last separator is the decimal point.
            let at = t.rfind([',', '.'])?;
            let (int, frac) = (&t[..at], &t[at + 1..]);
            let thousands = if t.as_bytes()[at] == b',' { '.' } else { ',' };
            if int.contains(t.as_bytes()[at] as char) {
                return None;
            }
            format!("{}.{}", grouped(int, thousands)?, digits(frac)?)
        }
        _ => return None,
    };
    let n: f64 = plain.parse().ok()?;
    n.is_finite().then_some(sign * n)
}

/// Checks a numeric question of a bank: one answer that is a number, a
/// tolerance that is a number ≥ 0 (0 when left out), no options.
pub(crate) fn check(
    q: &RawQuestion,
    p: &mut impl FnMut(usize, &str, String, String),
) -> Option<Key> {
    super::no_options(q, p, "Câu trả lời bằng số", "A numeric question");
    if !q.matching.trim().is_empty() {
        p(
            q.answer_at(),
            "match",
            "Cách so đáp án chỉ dùng cho câu trả lời ngắn.".into(),
            "Matching is for short-answer questions only.".into(),
        );
    }
    let answers: Vec<&String> = q.answer.iter().filter(|a| !a.trim().is_empty()).collect();
    let value = match answers.as_slice() {
        [one] => {
            let n = parse(one);
            if n.is_none() {
                p(
                    q.answer_at(),
                    "answer",
                    format!("Đáp án {one:?} không phải là một số (ví dụ 1931 hoặc 3,5)."),
                    format!("The answer {one:?} is not a number (e.g. 1931 or 3.5)."),
                );
            }
            n
        }
        [] => {
            p(
                q.line,
                "answer",
                "Câu trả lời bằng số chưa có đáp án.".into(),
                "The numeric question has no answer.".into(),
            );
            None
        }
        _ => {
            p(
                q.answer_at(),
                "answer",
                "Câu trả lời bằng số chỉ có một đáp án (dùng sai số cho một khoảng).".into(),
                "A numeric question has one answer (use a tolerance for a range).".into(),
            );
            None
        }
    };
    let tolerance = match q.tolerance.trim() {
        "" => Some(0.0),
        t => parse(t).filter(|n| *n >= 0.0),
    };
    if tolerance.is_none() {
        p(
            q.answer_at(),
            "tolerance",
            format!("Sai số {:?} phải là một số không âm.", q.tolerance),
            format!(
                "The tolerance {:?} must be a number of 0 or more.",
                q.tolerance
            ),
        );
    }
    Some(Key {
        value: value?.to_string(),
        tolerance: tolerance?.to_string(),
    })
}

/// A typed number: text that reads as a number.
pub fn read(given: Given) -> Result<Given, Problem> {
    let given = short::read_text(given)?;
    match given.text() {
        Some(t) if !t.is_empty() && parse(t).is_none() => Err(refusal(
            format!("{t:?} không phải là một số. Hãy nhập số, ví dụ 1931 hoặc 3,5."),
            format!("{t:?} is not a number. Type a number, e.g. 1931 or 3.5."),
        )),
        _ => Ok(given),
    }
}

/// Right when the number is within the tolerance of the answer.
pub fn grade(key: &Key, text: &str) -> bool {
    let (Some(given), Some((value, tolerance))) = (parse(text), key.numbers()) else {
        return false;
    };
    // A hair of slack for decimals that binary floating point cannot hold.
    (given - value).abs() <= tolerance + 1e-9 * value.abs().max(1.0)
}

/// The key in words, Vietnamese style: "1931", "3,5 (± 0,1)".
pub fn describe(key: &Key) -> String {
    let vn = |s: &str| s.replace('.', ",");
    if is_zero(&key.tolerance) {
        vn(&key.value)
    } else {
        format!("{} (± {})", vn(&key.value), vn(&key.tolerance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_people_type_them() {
        for (text, n) in [
            ("1931", 1931.0),
            (" 1931 ", 1931.0),
            ("3,5", 3.5),
            ("3.5", 3.5),
            ("-2,25", -2.25),
            ("1.931", 1.931),
            ("1.000.000", 1_000_000.0),
            ("1,000,000", 1_000_000.0),
            ("1 000 000", 1_000_000.0),
            ("1.234,5", 1234.5),
            ("1,234.5", 1234.5),
            ("+7", 7.0),
            ("1 931,5", 1931.5),
            ("0,5", 0.5),
            ("1931,5", 1931.5),
        ] {
            assert_eq!(parse(text), Some(n), "{text:?}");
        }
        for text in [
            "",
            "abc",
            "1,2,3",
            "1.00.000",
            "1.234.5,6,7",
            "12 34",
            "1e5",
            "inf",
            "NaN",
            "3,",
            ",5",
            "1.234,5.6",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_number_is_right_within_the_tolerance() {
        let k = Key {
            value: "3.5".into(),
            tolerance: "0.1".into(),
        };
        assert!(grade(&k, "3,5"));
        assert!(grade(&k, "3.6"));
        assert!(grade(&k, "3,4"));
        assert!(!grade(&k, "3,7"));
        assert!(!grade(&k, "ba phẩy năm"));
        let year = Key {
            value: "1931".into(),
            tolerance: "0".into(),
        };
        assert!(grade(&year, "1931"));
        assert!(!grade(&year, "1930"));
        assert_eq!(describe(&k), "3,5 (± 0,1)");
        assert_eq!(describe(&year), "1931");
    }

    #[test]
    fn a_save_that_is_not_a_number_is_refused_with_words() {
        assert!(read(Given::Text("1931".into())).is_ok());
        assert!(read(Given::Text("".into())).is_ok(), "cleared");
        let e = read(Given::Text("năm 1931".into())).unwrap_err();
        assert!(e.message.contains("không phải là một số"), "{}", e.message);
    }
}
