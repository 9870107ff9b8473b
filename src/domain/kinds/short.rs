//! Short answers: the participant types a few words ("Điền vào chỗ trống"),
//! right when, after Unicode NFC, trimming, collapsing spaces and case
//! folding, the text equals one of the accepted answers. `fold` matching
//! (the default) also ignores diacritics and punctuation ("Hồ Chí Minh" =
//! "ho chi minh"); `exact` does not. Telex/VNI leftovers of a phone keyboard
//! ("Hoof Chis Minh") are not corrected: they are wrong.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::domain::bank::RawQuestion;
use crate::domain::kinds::{refusal, Given, MAX_TEXT_CHARS};
use crate::domain::text::{clean, fold};
use crate::error::Problem;

/// Accepted answers of one question, at most this many.
pub const MAX_ACCEPTED: usize = 20;

/// How a typed text is compared with the accepted answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matching {
    /// Case, diacritics, punctuation and spacing do not count.
    #[default]
    Fold,
    /// Case and spacing do not count; diacritics and punctuation do.
    Exact,
}

impl Matching {
    fn is_fold(&self) -> bool {
        *self == Matching::Fold
    }

    pub fn parse(s: &str) -> Option<Matching> {
        match fold(s).as_str() {
            "" | "fold" | "gan dung" | "bo dau" => Some(Matching::Fold),
            "exact" | "chinh xac" => Some(Matching::Exact),
            _ => None,
        }
    }
}

/// The key of a short-answer question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShortKey {
    pub accepted: Vec<String>,
    #[serde(default, skip_serializing_if = "Matching::is_fold")]
    pub matching: Matching,
}

/// The key of a short-answer question (named apart from the other kinds'
/// keys in the API document).
pub type Key = ShortKey;

/// The form two texts are compared in.
pub fn normalize(text: &str, matching: Matching) -> String {
    let composed: String = text.nfc().collect();
    match matching {
        Matching::Exact => composed
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
        Matching::Fold => {
            let plain: String = fold(&composed)
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect();
            plain.split_whitespace().collect::<Vec<_>>().join(" ")
        }
    }
}

/// Checks a short-answer question of a bank: at least one accepted answer,
/// each at most 200 characters, no options.
pub(crate) fn check(
    q: &RawQuestion,
    p: &mut impl FnMut(usize, &str, String, String),
) -> Option<Key> {
    super::no_options(q, p, "Câu trả lời ngắn", "A short-answer question");
    if !q.tolerance.trim().is_empty() {
        p(
            q.answer_at(),
            "tolerance",
            "Sai số chỉ dùng cho câu trả lời bằng số.".into(),
            "A tolerance is for numeric questions only.".into(),
        );
    }
    let matching = Matching::parse(&q.matching);
    if matching.is_none() {
        p(
            q.answer_at(),
            "match",
            format!(
                "Cách so đáp án {:?} không hợp lệ (fold hoặc exact).",
                q.matching
            ),
            format!("Unknown matching {:?} (fold or exact).", q.matching),
        );
    }
    let matching = matching.unwrap_or_default();
    let mut accepted: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    for a in q.answer.iter().map(|a| clean(a)).filter(|a| !a.is_empty()) {
        if a.contains('|') {
            p(
                q.answer_at(),
                "answer",
                format!("Đáp án {a:?} có ký tự |, là dấu ngăn cách các đáp án trong bảng tính."),
                format!("The answer {a:?} holds |, the separator of accepted answers in a sheet."),
            );
            continue;
        }
        if a.chars().count() > MAX_TEXT_CHARS {
            p(
                q.answer_at(),
                "answer",
                format!("Đáp án {a:?} dài quá {MAX_TEXT_CHARS} ký tự."),
                format!("The answer {a:?} is longer than {MAX_TEXT_CHARS} characters."),
            );
            continue;
        }
        let n = normalize(&a, matching);
        if n.is_empty() {
            p(
                q.answer_at(),
                "answer",
                format!("Đáp án {a:?} không còn chữ hay số nào để so."),
                format!("The answer {a:?} has no letter or digit to compare."),
            );
        } else if !seen.contains(&n) {
            seen.push(n);
            accepted.push(a);
        }
    }
    if accepted.is_empty() && q.answer.iter().all(|a| a.trim().is_empty()) {
        p(
            q.line,
            "answer",
            "Câu trả lời ngắn chưa có đáp án được chấp nhận.".into(),
            "The short-answer question has no accepted answer.".into(),
        );
    }
    if accepted.len() > MAX_ACCEPTED {
        p(
            q.answer_at(),
            "answer",
            format!("Tối đa {MAX_ACCEPTED} đáp án được chấp nhận."),
            format!("At most {MAX_ACCEPTED} accepted answers."),
        );
    }
    (!accepted.is_empty()).then_some(Key { accepted, matching })
}

/// A typed text: trimmed, at most 200 characters, no control characters.
pub fn read_text(given: Given) -> Result<Given, Problem> {
    let Given::Text(text) = given else {
        return Err(refusal(
            "Câu hỏi này cần nhập câu trả lời, không chọn phương án.",
            "This question takes typed text, not a choice.",
        ));
    };
    let too_long = || {
        refusal(
            format!("Câu trả lời dài quá {MAX_TEXT_CHARS} ký tự."),
            format!("The answer is longer than {MAX_TEXT_CHARS} characters."),
        )
    };
    // Far past the limit: refused before any work on it.
    if text.len() > MAX_TEXT_CHARS * 8 {
        return Err(too_long());
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(refusal(
            "Câu trả lời có ký tự điều khiển không hợp lệ.",
            "The answer holds invalid control characters.",
        ));
    }
    let composed: String = text.nfc().collect();
    let text = composed.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(too_long());
    }
    Ok(Given::Text(text))
}

/// Right when the text equals an accepted answer, both normalized.
pub fn grade(key: &Key, text: &str) -> bool {
    let given = normalize(text, key.matching);
    !given.is_empty()
        && key
            .accepted
            .iter()
            .any(|a| normalize(a, key.matching) == given)
}

/// The key in words: the accepted answers separated by " | ".
pub fn describe(key: &Key) -> String {
    key.accepted.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(accepted: &[&str], matching: Matching) -> Key {
        Key {
            accepted: accepted.iter().map(|s| s.to_string()).collect(),
            matching,
        }
    }

    #[test]
    fn case_diacritics_punctuation_and_spacing_do_not_count_by_default() {
        let k = key(&["Hồ Chí Minh", "Nguyễn Ái Quốc"], Matching::Fold);
        for right in [
            "Hồ Chí Minh",
            "  hồ   chí minh ",
            "HO CHI MINH",
            "ho chi minh.",
            "Nguyen Ai Quoc",
            // Decomposed (NFD) input, as some keyboards send it.
            "Ho\u{0302}\u{0300} Chi\u{0301} Minh",
        ] {
            assert!(grade(&k, right), "{right:?}");
        }
        for wrong in ["Hồ Chí", "Hoof Chis Minh", "", "   ", "Hồ Chí Minh Minh"] {
            assert!(!grade(&k, wrong), "{wrong:?}");
        }
    }

    #[test]
    fn exact_matching_keeps_diacritics_but_not_case_or_spacing() {
        let k = key(&["Hồ Chí Minh"], Matching::Exact);
        assert!(grade(&k, "hồ  chí minh"));
        assert!(grade(&k, "Ho\u{0302}\u{0300} Chi\u{0301} Minh"));
        assert!(!grade(&k, "Ho Chi Minh"));
        assert!(!grade(&k, "Hồ Chí Minh."));
    }

    #[test]
    fn a_typed_answer_is_trimmed_capped_and_never_a_choice() {
        assert_eq!(
            read_text(Given::Text("  Hồ   Chí Minh ".into())).unwrap(),
            Given::Text("Hồ Chí Minh".into())
        );
        assert!(read_text(Given::Text("a".repeat(201))).is_err());
        assert!(read_text(Given::Text("a\u{0}b".into())).is_err());
        assert!(read_text(Given::Choices(vec!["A".into()])).is_err());
    }
}
