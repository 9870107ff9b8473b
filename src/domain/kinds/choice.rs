//! Choice questions: one answer, several answers, true/false. The options
//! are shuffled per paper (true/false excepted), so a saved key is a letter
//! as this participant saw it; `PaperItem::o` maps it back.

use std::collections::HashMap;

use crate::domain::bank::{
    Kind, RawQuestion, LETTERS, MAX_OPTIONS, MAX_OPTION_CHARS, TRUE_FALSE_OPTIONS,
};
use crate::domain::kinds::{refusal, Given};
use crate::domain::paper::{PaperItem, PoolQuestion};
use crate::domain::text::{clean, fold};
use crate::error::Problem;

/// Checks a choice question of a bank: its options (2 to 6, none empty or
/// repeated; true/false has "Đúng" and "Sai") and its answer letters.
/// Returns the kind (several right answers make it `Multiple` unless the
/// file said otherwise), the options and the right option indexes.
pub(crate) fn check(
    q: &RawQuestion,
    explicit: Option<Kind>,
    p: &mut impl FnMut(usize, &str, String, String),
) -> (Kind, Vec<String>, Vec<usize>) {
    let line = q.line;
    let mut options: Vec<String> = q.options.iter().map(|o| clean(o)).collect();
    while options.last().is_some_and(|o| o.is_empty()) {
        options.pop();
    }
    let is_tf = explicit == Some(Kind::TrueFalse);
    if is_tf {
        let folded: Vec<String> = options.iter().map(|o| fold(o)).collect();
        let standard =
            folded.is_empty() || folded == ["dung", "sai"] || folded == ["true", "false"];
        if !standard {
            p(line, "options", "Câu đúng/sai chỉ có hai phương án \"Đúng\" và \"Sai\".".into(), "A true/false question has exactly the options \"Đúng\" (true) and \"Sai\" (false).".into());
        }
        options = TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect();
    } else {
        check_options(q, &options, p);
    }

    let mut correct = Vec::new();
    for a in q.answer.iter().map(|a| clean(a)).filter(|a| !a.is_empty()) {
        let idx = if is_tf {
            match fold(&a).as_str() {
                "a" | "dung" | "d" | "t" | "true" => Some(0),
                "b" | "sai" | "s" | "f" | "false" => Some(1),
                _ => None,
            }
        } else {
            LETTERS
                .iter()
                .position(|l| l.eq_ignore_ascii_case(&a))
                .filter(|i| *i < options.len())
        };
        match idx {
            Some(i) if !correct.contains(&i) => correct.push(i),
            Some(_) => {}
            None => p(
                q.answer_at(),
                "answer",
                format!("Đáp án {a:?} không phải là một phương án của câu hỏi."),
                format!("The answer {a:?} is not one of the options."),
            ),
        }
    }
    correct.sort_unstable();
    if correct.is_empty() && !q.answer.iter().any(|a| !a.trim().is_empty()) {
        p(
            line,
            "answer",
            "Câu hỏi chưa có đáp án đúng.".into(),
            "The question has no correct answer.".into(),
        );
    }
    let kind = explicit.unwrap_or(if correct.len() > 1 {
        Kind::Multiple
    } else {
        Kind::Single
    });
    if kind != Kind::Multiple && correct.len() > 1 {
        p(
            q.answer_at(),
            "answer",
            "Câu một đáp án nhưng có nhiều đáp án đúng (đặt loại là multiple).".into(),
            "A single-answer question has several correct answers (set kind to multiple).".into(),
        );
    }
    (kind, options, correct)
}

/// Checks the options of a question: 2 to 6, none empty, too long or
/// repeated (case and diacritics ignored).
pub(crate) fn check_options(
    q: &RawQuestion,
    options: &[String],
    p: &mut impl FnMut(usize, &str, String, String),
) {
    let line = q.line;
    if options.len() < 2 || options.len() > MAX_OPTIONS {
        p(
            line,
            "options",
            format!(
                "Cần từ 2 đến {MAX_OPTIONS} phương án, đang có {}.",
                options.len()
            ),
            format!(
                "A question needs 2 to {MAX_OPTIONS} options, it has {}.",
                options.len()
            ),
        );
    } else {
        for (i, o) in options.iter().enumerate() {
            if o.is_empty() {
                p(
                    q.option_at(i),
                    "options",
                    format!("Phương án {} trống.", LETTERS[i]),
                    format!("Option {} is empty.", LETTERS[i]),
                );
            } else if o.chars().count() > MAX_OPTION_CHARS {
                p(
                    q.option_at(i),
                    "options",
                    format!("Phương án {} dài quá {MAX_OPTION_CHARS} ký tự.", LETTERS[i]),
                    format!(
                        "Option {} is longer than {MAX_OPTION_CHARS} characters.",
                        LETTERS[i]
                    ),
                );
            }
        }
        let mut seen = HashMap::new();
        for (i, o) in options.iter().enumerate() {
            if o.is_empty() {
                continue;
            }
            if let Some(j) = seen.insert(fold(o), i) {
                p(
                    q.option_at(i),
                    "options",
                    format!(
                        "Phương án {} trùng với phương án {}.",
                        LETTERS[i], LETTERS[j]
                    ),
                    format!("Option {} duplicates option {}.", LETTERS[i], LETTERS[j]),
                );
            }
        }
    }
}

/// Checks the keys chosen for one question: each an option of it, one only
/// unless several answers are asked for; sorted, without repeats.
pub fn read(given: Given, item: &PaperItem, kind: Kind) -> Result<Given, Problem> {
    let Given::Choices(choices) = given else {
        return Err(refusal(
            "Câu hỏi này cần chọn đáp án, không nhập chữ.",
            "This question takes a choice, not text.",
        ));
    };
    let mut keys: Vec<String> = Vec::new();
    for c in &choices {
        let k = c.trim().to_ascii_uppercase();
        let valid = LETTERS.iter().take(item.o.len()).any(|l| *l == k);
        if !valid {
            return Err(Problem::new(
                0,
                "choices",
                format!("Lựa chọn {c:?} không có trong câu hỏi."),
                format!("Choice {c:?} is not an option of this question."),
            ));
        }
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    if kind != Kind::Multiple && keys.len() > 1 {
        return Err(Problem::new(
            0,
            "choices",
            "Câu hỏi này chỉ chọn một đáp án.",
            "This question takes one answer only.",
        ));
    }
    keys.sort();
    Ok(Given::Choices(keys))
}

/// The keys that are right for a paper item, as shown to this participant.
pub fn right_keys(item: &PaperItem, q: &PoolQuestion) -> Vec<String> {
    item.o
        .iter()
        .enumerate()
        .filter(|(_, orig)| q.correct.contains(&(**orig as usize)))
        .map(|(k, _)| LETTERS[k].to_string())
        .collect()
}

/// Right when the chosen keys, in any order, are exactly the right ones
/// (and there is at least one).
pub fn grade(item: &PaperItem, q: &PoolQuestion, given: &[String]) -> bool {
    if given.is_empty() {
        return false;
    }
    let mut given = given.to_vec();
    given.sort();
    given.dedup();
    let mut right = right_keys(item, q);
    right.sort();
    given == right
}

/// The original option indexes behind the keys shown on a paper.
pub fn chosen_options(item: &PaperItem, keys: &[String]) -> Vec<usize> {
    keys.iter()
        .filter_map(|k| LETTERS.iter().position(|l| l == k))
        .filter_map(|k| item.o.get(k).map(|o| *o as usize))
        .collect()
}

/// The key in words: "A, C" (letters of the bank's own order).
pub fn describe(correct: &[usize]) -> String {
    correct
        .iter()
        .filter_map(|&i| LETTERS.get(i))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}
