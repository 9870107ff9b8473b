//! The native TOML bank format (the one this repository keeps its banks in).
//! See `question_banks/README.md` for the reference.

use serde::{Deserialize, Serialize};

use super::limits::LineCounter;
use super::{Bank, Budget, RawBank, RawQuestion, Topic, LETTERS, MAX_QUESTIONS};
use crate::domain::kinds::short::Matching;
use crate::domain::kinds::TypedKey;
use crate::error::Problem;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlBank {
    slug: Option<String>,
    title: Option<String>,
    language: Option<String>,
    description: Option<String>,
    #[serde(default)]
    topics: Vec<TomlTopic>,
    #[serde(default)]
    questions: Vec<toml::Spanned<TomlQuestion>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TomlTopic {
    code: String,
    name: String,
}

#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
    /// `answer = 1931`, `tolerance = 0.5` (numeric questions).
    Int(i64),
    Float(f64),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(a) => vec![a],
            OneOrMany::Many(v) => v,
            OneOrMany::Int(n) => vec![n.to_string()],
            OneOrMany::Float(n) => vec![n.to_string()],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlQuestion {
    id: Option<String>,
    topic: Option<String>,
    difficulty: Option<String>,
    points: Option<i64>,
    kind: Option<String>,
    stem: Option<String>,
    #[serde(default)]
    options: Vec<toml::Spanned<String>>,
    answer: Option<toml::Spanned<OneOrMany>>,
    /// Short answers: every accepted text (`answer` works too).
    answers: Option<toml::Spanned<OneOrMany>>,
    /// Short answers: "fold" (default) or "exact".
    #[serde(rename = "match")]
    matching: Option<String>,
    /// Numeric answers: how far from `answer` is still right.
    tolerance: Option<OneOrMany>,
    explanation: Option<String>,
    source: Option<String>,
}

/// Reads a TOML bank. Syntax and type errors are reported with their line.
pub fn parse(text: &str) -> Result<RawBank, Vec<Problem>> {
    parse_within(text, &Budget::unlimited())
}

/// The most tokens a TOML file may have: the TOML reader holds all of
/// them at once (some 54 bytes each: 4.6 million comment lines took
/// 496 MB). A bank of 20,000 questions has under a million.
pub const MAX_TOML_PIECES: usize = 1_500_000;

/// About the number of tokens of `text` (line breaks, punctuation,
/// strings, comments, words, runs of spaces), in one pass, without parsing.
fn pieces(text: &str) -> usize {
    #[derive(PartialEq)]
    enum At {
        Code,
        Basic,
        Literal,
        Comment,
    }
    let mut at = At::Code;
    let mut n = 0;
    let mut prev_word = false;
    let mut prev_space = false;
    let mut escaped = false;
    for b in text.bytes() {
        match at {
            At::Basic => {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    at = At::Code;
                }
                continue;
            }
            At::Literal => {
                if b == b'\'' {
                    at = At::Code;
                }
                continue;
            }
            At::Comment => {
                if b != b'\n' {
                    continue;
                }
                at = At::Code;
            }
            At::Code => {}
        }
        let space = b == b' ' || b == b'\t' || b == b'\r';
        let word = !space
            && !matches!(
                b,
                b'\n' | b',' | b'=' | b'[' | b']' | b'{' | b'}' | b'"' | b'\'' | b'#' | b'.'
            );
        if (space && !prev_space) || (word && !prev_word) || !(space || word) {
            n += 1;
        }
        match b {
            b'"' => at = At::Basic,
            b'\'' => at = At::Literal,
            b'#' => at = At::Comment,
            _ => {}
        }
        prev_space = space;
        prev_word = word;
    }
    n
}

/// [`parse`] within a budget (checked per question once the document is
/// read); line numbers are counted in one pass, in document order.
pub fn parse_within(text: &str, budget: &Budget) -> Result<RawBank, Vec<Problem>> {
    if pieces(text) > MAX_TOML_PIECES {
        return Err(vec![Problem::new(
            1,
            "file",
            format!("Tệp TOML quá phức tạp để xử lý (hơn {MAX_TOML_PIECES} dòng, dấu câu và khoảng trắng); hãy chia thành nhiều tệp."),
            format!("The TOML file is too complex to process (more than {MAX_TOML_PIECES} lines, punctuation marks and runs of spaces); split it into several files."),
        )]);
    }
    let mut lines = LineCounter::new(text);
    let doc: TomlBank = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line_of(s.start)).unwrap_or(0);
        let msg = e.message().to_string();
        vec![Problem::new(
            line,
            "toml",
            format!("Lỗi cú pháp TOML: {msg}"),
            format!("TOML error: {msg}"),
        )]
    })?;
    if doc.questions.len() > MAX_QUESTIONS {
        return Err(vec![Problem::new(
            0,
            "questions",
            format!("Tệp có hơn {MAX_QUESTIONS} câu hỏi (tối đa {MAX_QUESTIONS}); hãy chia thành nhiều ngân hàng."),
            format!("The file has more than {MAX_QUESTIONS} questions (at most {MAX_QUESTIONS}); split it into several banks."),
        )]);
    }
    let mut questions = Vec::with_capacity(doc.questions.len());
    for sq in doc.questions {
        budget.tick()?;
        let line = lines.line_of(sq.span().start);
        let q = sq.into_inner();
        // In document order: the answer's line is counted after the options'.
        let option_lines = q
            .options
            .iter()
            .map(|o| lines.line_of(o.span().start))
            .collect();
        let answer_line = q
            .answer
            .as_ref()
            .or(q.answers.as_ref())
            .map(|a| lines.line_of(a.span().start))
            .unwrap_or(0);
        questions.push(RawQuestion {
            line,
            id: q.id.unwrap_or_default(),
            topic: q.topic.unwrap_or_default(),
            difficulty: q.difficulty.unwrap_or_default(),
            points: q.points.map(|p| p.to_string()).unwrap_or_default(),
            kind: q.kind.unwrap_or_default(),
            stem: q.stem.unwrap_or_default(),
            option_lines,
            options: q
                .options
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            answer_line,
            answer: q
                .answer
                .into_iter()
                .chain(q.answers)
                .flat_map(|a| a.into_inner().into_vec())
                .collect(),
            matching: q.matching.unwrap_or_default(),
            tolerance: q
                .tolerance
                // An array of several is not a number: kept apart so it is
                // refused at its line ("0", "5" must not become 5).
                .map(|t| t.into_vec().join(" ; "))
                .unwrap_or_default(),
            explanation: q.explanation.unwrap_or_default(),
            source: q.source.unwrap_or_default(),
        });
    }
    Ok(RawBank {
        slug: doc.slug.unwrap_or_default(),
        title: doc.title.unwrap_or_default(),
        language: doc.language.unwrap_or_default(),
        description: doc.description.unwrap_or_default(),
        topics: doc
            .topics
            .into_iter()
            .map(|t| Topic {
                code: t.code,
                name: t.name,
            })
            .collect(),
        questions,
    })
}

#[derive(Serialize)]
struct OutBank<'a> {
    slug: &'a str,
    title: &'a str,
    language: &'a str,
    description: &'a str,
    topics: Vec<TomlTopic>,
    questions: Vec<OutQuestion<'a>>,
}

#[derive(Serialize)]
struct OutQuestion<'a> {
    id: &'a str,
    topic: &'a str,
    difficulty: &'static str,
    points: u32,
    kind: &'static str,
    stem: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    options: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<OneOrMany>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answers: Option<Vec<String>>,
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    matching: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerance: Option<OneOrMany>,
    explanation: &'a str,
    source: &'a str,
}

/// A number as TOML writes it: an integer when it is one.
fn toml_number(text: &str) -> OneOrMany {
    match text.parse::<i64>() {
        Ok(n) => OneOrMany::Int(n),
        Err(_) => text
            .parse::<f64>()
            .map(OneOrMany::Float)
            .unwrap_or_else(|_| OneOrMany::One(text.to_string())),
    }
}

/// Writes a bank back as TOML; `parse` + `validate` of the result gives the same bank.
pub fn write(bank: &Bank) -> String {
    let out = OutBank {
        slug: &bank.slug,
        title: &bank.title,
        language: &bank.language,
        description: &bank.description,
        topics: bank
            .topics
            .iter()
            .map(|t| TomlTopic {
                code: t.code.clone(),
                name: t.name.clone(),
            })
            .collect(),
        questions: bank
            .questions
            .iter()
            .map(|q| {
                let mut out = OutQuestion {
                    id: &q.id,
                    topic: &q.topic,
                    difficulty: q.difficulty.as_str(),
                    points: q.points,
                    kind: q.kind.as_str(),
                    stem: &q.stem,
                    options: &q.options,
                    answer: None,
                    answers: None,
                    matching: None,
                    tolerance: None,
                    explanation: &q.explanation,
                    source: &q.source,
                };
                match &q.typed {
                    Some(TypedKey::Short(k)) => {
                        out.answers = Some(k.accepted.clone());
                        out.matching = (k.matching == Matching::Exact).then_some("exact");
                    }
                    Some(TypedKey::Numeric(k)) => {
                        out.answer = Some(toml_number(&k.value));
                        out.tolerance = (k.tolerance != "0").then(|| toml_number(&k.tolerance));
                    }
                    Some(TypedKey::Survey(shape)) => {
                        if shape.multiple {
                            out.kind = "survey_multiple";
                        }
                    }
                    None => {
                        out.answer = Some(match q.correct.as_slice() {
                            [one] => OneOrMany::One(LETTERS[*one].to_string()),
                            many => OneOrMany::Many(
                                many.iter().map(|i| LETTERS[*i].to_string()).collect(),
                            ),
                        })
                    }
                }
                out
            })
            .collect(),
    };
    toml::to_string_pretty(&out).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::bank::{validate, Kind};

    pub(crate) const EXAMPLE: &str = r#"
slug = "vi-du"
title = "Ví dụ"
language = "vi"
description = "Ngân hàng ví dụ"

[[topics]]
code = "vneid"
name = "Định danh điện tử"

[[questions]]
id = "q1"
topic = "vneid"
difficulty = "easy"
kind = "single"
stem = "VNeID là ứng dụng của cơ quan nào?"
options = ["Bộ Công an", "Bộ Y tế"]
answer = "A"
explanation = "VNeID do Bộ Công an phát triển."
source = "vneid.gov.vn"

[[questions]]
id = "q2"
topic = "vneid"
difficulty = "medium"
points = 2
kind = "multiple"
stem = "Chọn các phát biểu đúng."
options = ["Miễn phí", "Chỉ cho người trên 18 tuổi", "Có mức 2"]
answer = ["A", "C"]
"#;

    #[test]
    fn the_example_parses_with_lines_and_validates() {
        let raw = parse(EXAMPLE).unwrap();
        assert_eq!(raw.questions[0].line, 11, "the [[questions]] header line");
        assert_eq!(raw.questions[1].line, 22);
        let bank = validate(raw).unwrap();
        assert_eq!(bank.questions[1].kind, Kind::Multiple);
        assert_eq!(bank.questions[1].correct, [0, 2]);
        assert_eq!(bank.questions[1].points, 2);
    }

    #[test]
    fn write_then_parse_gives_the_same_bank() {
        let bank = validate(parse(EXAMPLE).unwrap()).unwrap();
        let again = validate(parse(&write(&bank)).unwrap()).unwrap();
        assert_eq!(bank, again);
    }

    #[test]
    fn a_toml_file_of_millions_of_pieces_is_refused_before_it_is_tokenized() {
        let text = format!("{EXAMPLE}{}", "#\n".repeat(MAX_TOML_PIECES));
        let (errs, _, peak) = crate::domain::alloc_meter::measure(|| parse(&text).unwrap_err());
        assert_eq!(
            (errs[0].row, errs[0].field.as_str()),
            (1, "file"),
            "{errs:?}"
        );
        assert!(errs[0].message.contains("quá phức tạp"), "{errs:?}");
        assert!(
            peak < text.len() as u64,
            "peak {peak} for {} bytes",
            text.len()
        );
        assert!(
            pieces(EXAMPLE) < 200,
            "the example is small: {}",
            pieces(EXAMPLE)
        );
    }

    #[test]
    fn syntax_errors_and_unknown_keys_carry_a_line() {
        let errs = parse("slug = \"x\"\n[[questions]]\nid = \"a\"\nstem = \n").unwrap_err();
        assert_eq!(errs[0].row, 4);
        let errs =
            parse("slug = \"x\"\n\n[[questions]]\nid = \"a\"\nanwser = \"B\"\n").unwrap_err();
        assert!(errs[0].row >= 3, "{errs:?}");
        assert!(errs[0].message_en.contains("anwser"));
    }

    #[test]
    fn semantic_errors_point_at_the_line_that_is_wrong() {
        let text = EXAMPLE.replace("answer = \"A\"", "answer = \"D\"");
        let line = 1 + text[..text.find("answer = \"D\"").unwrap()]
            .matches('\n')
            .count();
        let errs = validate(parse(&text).unwrap()).unwrap_err();
        assert_eq!((errs[0].row, errs[0].field.as_str()), (line, "answer"));
        assert!(line > 11, "after the [[questions]] header");
    }
}
