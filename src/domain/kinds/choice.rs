//! Choice questions: one answer, several answers, true/false. The options
//! are shuffled per paper (true/false excepted), so a saved key is a letter
//! as this participant saw it; `PaperItem::o` maps it back.

use crate::domain::bank::{Kind, LETTERS};
use crate::domain::kinds::{refusal, Given};
use crate::domain::paper::{PaperItem, PoolQuestion};
use crate::error::Problem;

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
