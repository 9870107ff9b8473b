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
//!   `Kind::Multiple`, `Kind::TrueFalse`);
//! - [`short`]: a typed text matched against accepted answers (`Kind::Short`);
//! - [`numeric`]: a typed number within a tolerance (`Kind::Numeric`);
//! - [`survey`]: unscored, a choice, several, or a free text (`Kind::Survey`).
//!
//! A typed kind keeps its key in [`TypedKey`] (`Question::typed`). How a
//! kind looks on the paper is `views::paper::question_card`, one arm per
//! kind. Adding a kind: a variant of `bank::Kind`, a module here, its arms
//! in the dispatch below and in `question_card`, and its spelling in each
//! bank format that can say so.

pub mod choice;
pub mod numeric;
pub mod short;
pub mod survey;

use serde::{Deserialize, Serialize};

use crate::domain::bank::{Kind, RawQuestion};
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

/// The key of a typed question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TypedKey {
    Short(short::ShortKey),
    Numeric(numeric::NumericKey),
    /// Not a key: a survey has no right answer, only its shape.
    Survey(survey::SurveyShape),
}

/// The kind of a question whose file did not say: without options but with
/// an answer it is typed, a number (`Đáp án: 1931`) being numeric.
pub(crate) fn guess(q: &RawQuestion) -> Option<Kind> {
    if q.options.iter().any(|o| !o.trim().is_empty()) {
        return None;
    }
    match q
        .answer
        .iter()
        .filter(|a| !a.trim().is_empty())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => None,
        [one] if numeric::parse(one).is_some() => Some(Kind::Numeric),
        _ => Some(Kind::Short),
    }
}

/// The key of a question in words, for item analysis, exports and the
/// answers shown after a round: "A, C", "Hồ Chí Minh | Nguyễn Ái Quốc",
/// "3,5 (± 0,1)".
pub fn describe(kind: Kind, correct: &[usize], typed: Option<&TypedKey>) -> String {
    match (kind, typed) {
        (_, Some(TypedKey::Short(k))) => short::describe(k),
        (_, Some(TypedKey::Numeric(k))) => numeric::describe(k),
        (_, Some(TypedKey::Survey(_))) => "khảo sát, không tính điểm".into(),
        _ => choice::describe(correct),
    }
}

/// A typed question of a bank has no options: a problem at its line when
/// the file gave some.
pub(crate) fn no_options(
    q: &RawQuestion,
    p: &mut impl FnMut(usize, &str, String, String),
    what_vi: &str,
    what_en: &str,
) {
    if q.options.iter().any(|o| !o.trim().is_empty()) {
        p(
            q.line,
            "options",
            format!(
                "{what_vi} không có phương án (bỏ các phương án, hoặc đặt loại single/multiple)."
            ),
            format!(
                "{what_en} has no options (remove them, or set the kind to single or multiple)."
            ),
        );
    }
}

/// A problem with what was saved for one question.
pub(crate) fn refusal(vi: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem::new(0, "answer", vi, en)
}

/// The kind a save of this question is read as: its own, but a survey
/// question reads as the choice or text question it looks like.
pub fn reads_as(kind: Kind, typed: Option<&TypedKey>, options: usize) -> Kind {
    match (kind, typed) {
        (Kind::Survey, Some(TypedKey::Survey(shape))) => survey::reads_as(shape, options),
        (Kind::Survey, _) => survey::reads_as(&survey::Shape::default(), options),
        (kind, _) => kind,
    }
}

/// How a question is answered on a paper: checkboxes, and whether a text
/// field stands instead of options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    pub multiple: bool,
    pub typed: bool,
}

/// The form of a question, from how its saves are read ([`reads_as`]).
pub fn form(kind: Kind, typed: Option<&TypedKey>, options: usize) -> Form {
    let reads = reads_as(kind, typed, options);
    Form {
        multiple: reads == Kind::Multiple,
        typed: !reads.has_options(),
    }
}

/// Checks and normalizes what a participant saved for one question of
/// their paper: the value that is stored. `kind` is [`reads_as`]'s.
pub fn read(given: Given, item: &PaperItem, kind: Kind) -> Result<Given, Problem> {
    match kind {
        Kind::Single | Kind::Multiple | Kind::TrueFalse => choice::read(given, item, kind),
        Kind::Short | Kind::Survey => short::read_text(given),
        Kind::Numeric => numeric::read(given),
    }
}

/// Is this answer right? A blank answer never is.
pub fn grade(item: &PaperItem, q: &PoolQuestion, given: &Given) -> bool {
    if given.is_blank() {
        return false;
    }
    match (&q.typed, given) {
        (Some(TypedKey::Short(k)), Given::Text(t)) => short::grade(k, t),
        (Some(TypedKey::Numeric(k)), Given::Text(t)) => numeric::grade(k, t),
        (None, Given::Choices(keys)) if q.kind.has_options() => choice::grade(item, q, keys),
        _ => false,
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

    use crate::domain::bank::{parse, BankDefaults, Format, Question};

    /// The typed questions every format can write, read and checked.
    fn bank(format: Format, text: &str) -> Vec<Question> {
        let defaults = BankDefaults {
            slug: Some("kieu-go".into()),
            title: Some("Câu trả lời gõ".into()),
            file_name: "x".into(),
            ..BankDefaults::default()
        };
        match parse(format, text.as_bytes(), &defaults) {
            Ok(b) => b.questions,
            Err(p) => panic!("{format:?}: {p:?}"),
        }
    }

    fn short_key(q: &Question) -> (&[String], short::Matching) {
        match &q.typed {
            Some(TypedKey::Short(k)) => (&k.accepted, k.matching),
            other => panic!("not short: {other:?}"),
        }
    }

    fn numeric_key(q: &Question) -> (&str, &str) {
        match &q.typed {
            Some(TypedKey::Numeric(k)) => (&k.value, &k.tolerance),
            other => panic!("not numeric: {other:?}"),
        }
    }

    #[test]
    fn every_format_that_can_say_so_reads_short_and_numeric_questions() {
        let toml = r#"
[[questions]]
id = "ten"
kind = "short"
stem = "Ai là người sáng lập Đoàn?"
answers = ["Hồ Chí Minh", "Nguyễn Ái Quốc"]

[[questions]]
id = "nam"
kind = "numeric"
stem = "Đoàn được thành lập năm nào?"
answer = 1931

[[questions]]
id = "pi"
kind = "numeric"
stem = "Số pi?"
answer = 3.14
tolerance = 0.01
"#;
        let q = bank(Format::Toml, toml);
        assert_eq!(short_key(&q[0]).0, ["Hồ Chí Minh", "Nguyễn Ái Quốc"]);
        assert_eq!(numeric_key(&q[1]), ("1931", "0"));
        assert_eq!(numeric_key(&q[2]), ("3.14", "0.01"));

        let csv = "Câu hỏi,Phương án A,Phương án B,Đáp án,Loại,Sai số,Cách so đáp án\n\
            Ai sáng lập Đoàn?,,,Hồ Chí Minh | Nguyễn Ái Quốc,short,,exact\n\
            Năm thành lập?,,,1931,numeric,,\n\
            Thủ đô?,,,Hà Nội,,,\n\
            Số tỉnh?,,,34,,,\n";
        let q = bank(Format::Csv, csv);
        assert_eq!(
            short_key(&q[0]),
            (
                &["Hồ Chí Minh".to_string(), "Nguyễn Ái Quốc".to_string()][..],
                short::Matching::Exact
            )
        );
        assert_eq!(numeric_key(&q[1]), ("1931", "0"));
        assert_eq!(q[2].kind, Kind::Short, "no options, a text answer");
        assert_eq!(q[3].kind, Kind::Numeric, "no options, a number");

        let gift = "::ten:: Ai sáng lập Đoàn? {=Hồ Chí Minh =Nguyễn Ái Quốc}\n\n::nam:: Năm nào? {#1931}\n\n::pi:: Pi? {#3.14:0.01}\n\n::khoang:: Từ 1 đến 5? {#1..5}\n";
        let q = bank(Format::Gift, gift);
        assert_eq!(short_key(&q[0]).0.len(), 2);
        assert_eq!(numeric_key(&q[1]), ("1931", "0"));
        assert_eq!(numeric_key(&q[2]), ("3.14", "0.01"));
        assert_eq!(numeric_key(&q[3]), ("3", "2"));

        let xml = r#"<?xml version="1.0"?><quiz>
<question type="shortanswer"><name><text>Tên</text></name><questiontext><text>Ai sáng lập Đoàn?</text></questiontext>
<answer fraction="100"><text>Hồ Chí Minh</text></answer><answer fraction="0"><text>Lê Duẩn</text></answer></question>
<question type="numerical"><name><text>Năm</text></name><questiontext><text>Năm nào?</text></questiontext>
<answer fraction="100"><text>1931</text><tolerance>1</tolerance></answer></question>
</quiz>"#;
        let q = bank(Format::MoodleXml, xml);
        assert_eq!(
            short_key(&q[0]),
            (&["Hồ Chí Minh".to_string()][..], short::Matching::Exact),
            "Moodle compares with diacritics"
        );
        assert_eq!(numeric_key(&q[1]), ("1931", "1"));

        let text = "Câu 1: Ai là người sáng lập Đoàn?\nĐáp án: Hồ Chí Minh | Nguyễn Ái Quốc\nCâu 2: Đoàn thành lập năm nào?\nĐáp án: 1931\nCâu 3: Thủ đô?\nA. Hà Nội\nB. Huế\nĐáp án: A\n";
        let q = bank(Format::Text, text);
        assert_eq!(short_key(&q[0]).0.len(), 2);
        assert_eq!(numeric_key(&q[1]), ("1931", "0"));
        assert_eq!(
            (q[2].kind, q[2].correct.as_slice()),
            (Kind::Single, &[0][..])
        );
    }

    #[test]
    fn a_typed_question_with_a_bad_key_is_refused_at_its_line() {
        let defaults = BankDefaults {
            slug: Some("kieu-go".into()),
            title: Some("X".into()),
            ..BankDefaults::default()
        };
        let toml = "[[questions]]\nid = \"a\"\nkind = \"numeric\"\nstem = \"Năm?\"\nanswer = \"năm 1931\"\n\n[[questions]]\nid = \"b\"\nkind = \"short\"\nstem = \"Ai?\"\noptions = [\"x\", \"y\"]\nanswers = [\"x\"]\n";
        let errs = parse(Format::Toml, toml.as_bytes(), &defaults).unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(got, [(5, "answer"), (7, "options")], "{errs:?}");
        // Settings that mean nothing for the kind are refused, not ignored.
        let toml = "[[questions]]\nid = \"a\"\nkind = \"numeric\"\nstem = \"Năm?\"\nanswer = 1931\nmatch = \"exact\"\n\n[[questions]]\nid = \"b\"\nkind = \"short\"\nstem = \"Ai?\"\nanswers = [\"x\"]\ntolerance = 1\n";
        let errs = parse(Format::Toml, toml.as_bytes(), &defaults).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["match", "tolerance"], "{errs:?}");
        let toml = "[[questions]]\nid = \"a\"\nkind = \"numeric\"\nstem = \"Năm?\"\nanswer = 1931\ntolerance = [\"0\", \"5\"]\n";
        let errs = parse(Format::Toml, toml.as_bytes(), &defaults).unwrap_err();
        assert_eq!(errs[0].field, "tolerance", "{errs:?}");
        // GIFT: one number only; Moodle: no wildcard.
        let errs = parse(Format::Gift, "Năm? {#=1931 =1932}\n".as_bytes(), &defaults).unwrap_err();
        assert_eq!(errs[0].field, "answer", "{errs:?}");
        let xml = r#"<quiz><question type="shortanswer"><name><text>T</text></name><questiontext><text>Ai?</text></questiontext><answer fraction="100"><text>Hồ*Minh</text></answer></question></quiz>"#;
        let errs = parse(Format::MoodleXml, xml.as_bytes(), &defaults).unwrap_err();
        assert!(errs[0].message.contains("ký tự đại diện"), "{errs:?}");
        let xml = r#"<quiz><question type="numerical"><name><text>T</text></name><questiontext><text>Năm?</text></questiontext><answer fraction="0"><text>1930</text></answer></question></quiz>"#;
        let errs = parse(Format::MoodleXml, xml.as_bytes(), &defaults).unwrap_err();
        assert_eq!(
            errs[0].field, "answer",
            "no right answer, not \"no options\": {errs:?}"
        );
    }

    #[test]
    fn typed_questions_survive_a_toml_and_xlsx_round_trip() {
        use crate::domain::bank::{table, toml_format, validate};
        let toml = "slug = \"kieu-go\"\ntitle = \"X\"\n[[questions]]\nid = \"a\"\nkind = \"short\"\nstem = \"Ai?\"\nanswers = [\"Hồ Chí Minh\", \"Bác Hồ\"]\nmatch = \"exact\"\n\n[[questions]]\nid = \"b\"\nkind = \"numeric\"\nstem = \"Pi?\"\nanswer = 3.14\ntolerance = 0.01\n";
        let bank = validate(toml_format::parse(toml).unwrap()).unwrap();
        let again = validate(toml_format::parse(&toml_format::write(&bank)).unwrap()).unwrap();
        assert_eq!(again, bank);
        let xlsx = table::write_xlsx(&bank).unwrap();
        let defaults = BankDefaults {
            slug: Some("kieu-go".into()),
            title: Some("X".into()),
            ..BankDefaults::default()
        };
        let from_sheet = parse(Format::Xlsx, &xlsx, &defaults).unwrap();
        assert_eq!(from_sheet.questions, bank.questions);
    }
}
