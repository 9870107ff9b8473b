//! Survey questions ("Bạn biết đến hội thi qua kênh nào?"): unscored, one
//! choice, several choices (`survey_multiple`), or a short free text when
//! the question has no options. Every paper of a person's first attempt in
//! a round carries the bank's survey questions after the scored ones,
//! marked "Khảo sát — không tính điểm"; only that first attempt's answers
//! count, and they never reach a score or a board. Results are counted per
//! unit of the tree (`service::surveys`).

use serde::{Deserialize, Serialize};

use crate::domain::bank::{Kind, RawQuestion};
use crate::domain::kinds::choice;
use crate::domain::text::{clean, fold};

/// The shape of a survey question (its options are the question's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SurveyShape {
    /// Several options may be chosen.
    #[serde(default, skip_serializing_if = "is_false")]
    pub multiple: bool,
}

/// The shape of a survey question (named apart in the API document).
pub type Shape = SurveyShape;

fn is_false(b: &bool) -> bool {
    !*b
}

/// Does a file's kind text ask for several choices ("survey_multiple",
/// "khảo sát nhiều lựa chọn")?
pub fn multiple_in(kind: &str) -> bool {
    let k = fold(kind);
    k.contains("multiple") || k.contains("nhieu")
}

/// How a saved answer to a survey question is read: like the choice or
/// text question it looks like.
pub fn reads_as(shape: &Shape, options: usize) -> Kind {
    match (options, shape.multiple) {
        (0, _) => Kind::Short,
        (_, true) => Kind::Multiple,
        (_, false) => Kind::Single,
    }
}

/// Checks a survey question of a bank: no options (free text) or 2 to 6,
/// and no right answer.
pub(crate) fn check(
    q: &RawQuestion,
    p: &mut impl FnMut(usize, &str, String, String),
) -> (Vec<String>, Shape) {
    let mut options: Vec<String> = q.options.iter().map(|o| clean(o)).collect();
    while options.last().is_some_and(|o| o.is_empty()) {
        options.pop();
    }
    if !options.is_empty() {
        choice::check_options(q, &options, p);
    }
    if q.answer.iter().any(|a| !a.trim().is_empty()) {
        p(
            q.answer_at(),
            "answer",
            "Câu khảo sát không có đáp án đúng (bỏ đáp án đi).".into(),
            "A survey question has no right answer (remove it).".into(),
        );
    }
    let multiple = multiple_in(&q.kind);
    if multiple && options.is_empty() {
        p(
            q.line,
            "kind",
            "Câu khảo sát nhiều lựa chọn cần các phương án.".into(),
            "A multiple-choice survey question needs options.".into(),
        );
    }
    (options, Shape { multiple })
}

/// What one person answered to one survey question, and the group (a unit
/// of the tree) they are counted in.
pub struct Response<'a> {
    pub group: Option<usize>,
    pub given: &'a crate::domain::kinds::Given,
}

/// The counts of one survey question: overall and per group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// People who answered (a blank answer is not one).
    pub respondents: usize,
    /// Per option: how many chose it (several each for `multiple`).
    pub counts: Vec<usize>,
    /// Free texts as typed, in the order they came.
    pub texts: Vec<String>,
    /// Per group: (respondents, counts per option).
    pub groups: Vec<(usize, Vec<usize>)>,
}

/// Counts the answers to a question of `options` options (0: free text)
/// across `groups` groups. Keys are letters of the bank's order: survey
/// options are never shuffled.
pub fn tally(options: usize, groups: usize, responses: &[Response<'_>]) -> Tally {
    let mut t = Tally {
        counts: vec![0; options],
        groups: vec![(0, vec![0; options]); groups],
        ..Tally::default()
    };
    for r in responses {
        if r.given.is_blank() {
            continue;
        }
        t.respondents += 1;
        let group = r.group.and_then(|g| t.groups.get_mut(g));
        let chosen: Vec<usize> = r
            .given
            .keys()
            .iter()
            .filter_map(|k| crate::domain::bank::LETTERS.iter().position(|l| l == k))
            .filter(|&i| i < options)
            .collect();
        if let Some((n, counts)) = group {
            *n += 1;
            for &i in &chosen {
                counts[i] += 1;
            }
        }
        for &i in &chosen {
            t.counts[i] += 1;
        }
        if let Some(text) = r.given.text() {
            t.texts.push(text.to_string());
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kinds::Given;

    #[test]
    fn answers_are_counted_overall_and_per_group_blank_ones_not_at_all() {
        let keys = |k: &[&str]| Given::Choices(k.iter().map(|s| s.to_string()).collect());
        let answers = [
            (Some(0), keys(&["A"])),
            (Some(0), keys(&["A", "C"])),
            (Some(1), keys(&["B"])),
            (None, keys(&["C"])),
            (Some(1), keys(&[])),
        ];
        let responses: Vec<Response> = answers
            .iter()
            .map(|(g, given)| Response { group: *g, given })
            .collect();
        let t = tally(3, 2, &responses);
        assert_eq!(t.respondents, 4);
        assert_eq!(t.counts, [2, 1, 2]);
        assert_eq!(t.groups, [(2, vec![2, 0, 1]), (1, vec![0, 1, 0])]);
        let texts = [Given::Text("Zalo".into()), Given::Text(" ".into())];
        let responses: Vec<Response> = texts
            .iter()
            .map(|given| Response {
                group: Some(0),
                given,
            })
            .collect();
        let t = tally(0, 1, &responses);
        assert_eq!(
            (t.respondents, t.texts.as_slice()),
            (1, &["Zalo".to_string()][..])
        );
    }

    #[test]
    fn a_survey_reads_as_the_question_it_looks_like() {
        let one = Shape { multiple: false };
        let many = Shape { multiple: true };
        assert_eq!(reads_as(&one, 4), Kind::Single);
        assert_eq!(reads_as(&many, 4), Kind::Multiple);
        assert_eq!(reads_as(&one, 0), Kind::Short);
        assert!(multiple_in("survey_multiple") && multiple_in("Khảo sát nhiều lựa chọn"));
        assert!(!multiple_in("survey"));
    }
}
