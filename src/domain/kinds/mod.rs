//! Question kinds and the answer model.
//!
//! What a participant gives for one question is a [`Given`]: option keys as
//! shown on their paper (`{"choices": ["A", "C"]}`) or typed text
//! (`{"text": "…"}`), stored as that JSON in `answers.given`. Each kind of
//! question lives in one module here, which knows how a bank entry of it is
//! checked, how a save is read (`read`), how it is graded (`grade`) and how
//! its key is described in item analysis and exports (`describe`):
//!
//! - [`choice`]: one answer, several answers, true/false (`Kind::Single`,
//!   `Kind::Multiple`, `Kind::TrueFalse`).
//!
//! Adding a kind: a variant of `bank::Kind`, a module here, its arms in the
//! dispatch below, and its spelling in each bank format that can say so.

pub mod choice;

use serde::{Deserialize, Serialize};

use crate::domain::bank::Kind;
use crate::domain::paper::{PaperItem, PoolQuestion};
use crate::error::Problem;

/// Longest typed answer a participant may save.
pub const MAX_TEXT_CHARS: usize = 200;

/// What a participant gave for one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Given {
    /// Option keys as shown on this participant's paper (A, B, …).
    Choices(Vec<String>),
    /// Typed text, at most 200 characters.
    Text(String),
}

impl Given {
    /// Nothing chosen or typed: the question counts as unanswered.
    pub fn is_blank(&self) -> bool {
        match self {
            Given::Choices(keys) => keys.is_empty(),
            Given::Text(t) => t.trim().is_empty(),
        }
    }

    /// The chosen keys (none for text).
    pub fn keys(&self) -> &[String] {
        match self {
            Given::Choices(keys) => keys,
            Given::Text(_) => &[],
        }
    }

    /// The typed text (None for choices).
    pub fn text(&self) -> Option<&str> {
        match self {
            Given::Choices(_) => None,
            Given::Text(t) => Some(t),
        }
    }
}

/// A problem with what was saved for one question.
pub(crate) fn refusal(vi: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem::new(0, "answer", vi, en)
}

/// Checks and normalizes what a participant saved for one question of
/// their paper: the value that is stored.
pub fn read(given: Given, item: &PaperItem, kind: Kind) -> Result<Given, Problem> {
    match kind {
        Kind::Single | Kind::Multiple | Kind::TrueFalse => choice::read(given, item, kind),
    }
}

/// Is this answer right? A blank answer never is.
pub fn grade(item: &PaperItem, q: &PoolQuestion, given: &Given) -> bool {
    if given.is_blank() {
        return false;
    }
    match q.kind {
        Kind::Single | Kind::Multiple | Kind::TrueFalse => choice::grade(item, q, given.keys()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_stored_as_tagged_json() {
        let g = Given::Choices(vec!["A".into(), "C".into()]);
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            r#"{"choices":["A","C"]}"#
        );
        let t: Given = serde_json::from_str(r#"{"text":"Hồ Chí Minh"}"#).unwrap();
        assert_eq!(t.text(), Some("Hồ Chí Minh"));
        assert!(serde_json::from_str::<Given>(r#"{"choices":"A"}"#).is_err());
        assert!(serde_json::from_str::<Given>(r#"{"nothing":1}"#).is_err());
        assert!(Given::Choices(vec![]).is_blank());
        assert!(Given::Text("  ".into()).is_blank());
    }
}
