//! Moodle XML (`<quiz><question type="…">`): `multichoice` (single and
//! multiple), `truefalse`, and `category` questions as topics;
//! `questiontext`/`answer` in HTML or plain format (HTML turned into
//! text), `generalfeedback` as the explanation, `defaultgrade` as points.
//! Other types are listed by name and number as unsupported — or, when
//! asked, skipped and listed in the notes.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::gift::category;
use super::{Budget, Problems, RawBank, RawQuestion, LETTERS, MAX_OPTIONS, MAX_QUESTIONS};
use crate::error::Problem;

#[derive(Default)]
struct Q {
    kind: String,
    line: usize,
    name: String,
    text: String,
    text_html: bool,
    has_file: bool,
    feedback: String,
    feedback_html: bool,
    grade: String,
    single: Option<bool>,
    /// (fraction, text, html)
    answers: Vec<(f64, String, bool)>,
    /// More answers than are kept were given.
    answers_dropped: bool,
    category: String,
    /// numerical: the tolerance of the first right answer.
    tolerance: String,
}

fn plain(text: &str, html: bool) -> String {
    if html || super::html::looks_like_html(text) {
        super::html::to_text(text)
    } else {
        text.trim().to_string()
    }
}

fn unreadable(line: usize, why: impl std::fmt::Display) -> Vec<Problem> {
    vec![Problem::new(
        line.max(1),
        "file",
        format!("Không đọc được tệp Moodle XML: {why}."),
        format!("Cannot read the Moodle XML file: {why}."),
    )]
}

/// What was read: the bank, and the questions skipped (when asked).
pub fn parse(xml: &str, skip_unsupported: bool) -> Result<(RawBank, Vec<String>), Vec<Problem>> {
    parse_within(xml, skip_unsupported, &Budget::unlimited())
}

/// How deep elements may nest (Moodle's go 5 deep).
const MAX_DEPTH: usize = 64;

/// [`parse`] within a budget; questions, answers and nesting are capped
/// while the file is read.
pub fn parse_within(
    xml: &str,
    skip_unsupported: bool,
    budget: &Budget,
) -> Result<(RawBank, Vec<String>), Vec<Problem>> {
    let mut reader = Reader::from_str(xml);
    // Positions only move forward: the file is scanned once for lines.
    let mut lines = super::limits::LineCounter::new(xml);
    let mut line_at = |pos: u64| lines.line_of(pos as usize);
    let mut path: Vec<String> = Vec::new();
    let mut questions: Vec<Q> = Vec::new();
    let mut current: Option<Q> = None;
    let mut topic_path = String::new();
    let mut text = String::new();
    loop {
        budget.tick()?;
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| unreadable(line_at(pos), e))?;
        match event {
            Event::Start(e) => {
                if path.len() >= MAX_DEPTH {
                    return Err(unreadable(
                        line_at(pos),
                        format!("các thẻ lồng nhau quá {MAX_DEPTH} tầng / elements nested more than {MAX_DEPTH} deep"),
                    ));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attr = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == k)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                match name.as_str() {
                    "question" => {
                        if questions.len() >= MAX_QUESTIONS {
                            return Err(vec![Problem::new(
                                line_at(pos),
                                "questions",
                                format!("Tệp có hơn {MAX_QUESTIONS} câu hỏi (tối đa {MAX_QUESTIONS}); hãy chia thành nhiều ngân hàng."),
                                format!("The file has more than {MAX_QUESTIONS} questions (at most {MAX_QUESTIONS}); split it into several banks."),
                            )]);
                        }
                        current = Some(Q {
                            kind: attr(b"type").unwrap_or_default(),
                            line: line_at(pos),
                            category: topic_path.clone(),
                            ..Q::default()
                        })
                    }
                    "answer" => {
                        if let Some(q) = current.as_mut() {
                            let fraction = attr(b"fraction")
                                .and_then(|f| f.trim().parse().ok())
                                .unwrap_or(0.0);
                            let html = attr(b"format").is_some_and(|f| f == "html");
                            // Past A–H answers are not kept (the count is reported).
                            if q.answers.len() < MAX_OPTIONS + 2 {
                                q.answers.push((fraction, String::new(), html));
                            } else {
                                q.answers_dropped = true;
                            }
                        }
                    }
                    "questiontext" => {
                        if let Some(q) = current.as_mut() {
                            q.text_html = attr(b"format").is_some_and(|f| f == "html");
                        }
                    }
                    "generalfeedback" => {
                        if let Some(q) = current.as_mut() {
                            q.feedback_html = attr(b"format").is_some_and(|f| f == "html");
                        }
                    }
                    "file" => {
                        if let Some(q) = current.as_mut() {
                            q.has_file = true;
                        }
                    }
                    _ => {}
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(e) if e.local_name().as_ref() == b"file" => {
                if let Some(q) = current.as_mut() {
                    q.has_file = true;
                }
            }
            Event::Text(t) => {
                text.push_str(&t.decode().map_err(|e| unreadable(line_at(pos), e))?);
            }
            Event::CData(t) => {
                text.push_str(&String::from_utf8_lossy(&t.into_inner()));
            }
            Event::GeneralRef(r) => {
                let c = super::docx::reference(&r).map_err(|e| unreadable(line_at(pos), e))?;
                text.extend(c.filter(|c| !c.is_control() || c.is_whitespace()));
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = path
                    .len()
                    .checked_sub(2)
                    .and_then(|i| path.get(i))
                    .cloned()
                    .unwrap_or_default();
                if let Some(q) = current.as_mut() {
                    match (parent.as_str(), name.as_str()) {
                        ("name", "text") => q.name = text.trim().to_string(),
                        ("questiontext", "text") => q.text = text.clone(),
                        ("generalfeedback", "text") => q.feedback = text.clone(),
                        ("answer", "text") if !q.answers_dropped => {
                            if let Some(a) = q.answers.last_mut() {
                                a.1 = text.clone();
                            }
                        }
                        ("category", "text") => topic_path = text.trim().to_string(),
                        ("question", "defaultgrade") => q.grade = text.trim().to_string(),
                        ("answer", "tolerance") => {
                            let right = q.answers.last().is_some_and(|a| a.0 > 0.0);
                            if right && q.tolerance.is_empty() {
                                q.tolerance = text.trim().to_string();
                            }
                        }
                        ("question", "single") => {
                            q.single = Some(text.trim() == "true" || text.trim() == "1")
                        }
                        _ => {}
                    }
                }
                if name == "question" {
                    if let Some(q) = current.take() {
                        if q.kind != "category" {
                            questions.push(q);
                        }
                    }
                }
                path.pop();
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut bank = RawBank::default();
    let mut problems = Problems::new();
    let mut topic_codes = std::collections::HashSet::new();
    let mut skipped = Vec::new();
    let mut used: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (n, q) in questions.into_iter().enumerate() {
        budget.tick()?;
        let number = n + 1;
        let label = if q.name.is_empty() {
            format!("câu {number}")
        } else {
            format!("\"{}\" (câu {number})", q.name)
        };
        let kind = match q.kind.as_str() {
            "multichoice" => {
                if q.single == Some(false) {
                    "multiple"
                } else {
                    "single"
                }
            }
            "truefalse" => "true_false",
            "shortanswer" => "short",
            "numerical" => "numeric",
            other => {
                let why = format!("Câu hỏi {label} loại \"{other}\" chưa được hỗ trợ (chỉ multichoice, truefalse, shortanswer và numerical).");
                if skip_unsupported {
                    skipped.push(format!("Đã bỏ qua {label}: loại \"{other}\"."));
                } else {
                    problems.push(Problem::new(q.line, "kind", why, format!("Question {label} of type \"{other}\" is not supported (only multichoice, truefalse, shortanswer and numerical).")));
                }
                continue;
            }
        };
        if q.has_file {
            problems.push(Problem::new(
                q.line,
                "stem",
                format!("Câu hỏi {label} có hình ảnh đính kèm: hình ảnh chưa được hỗ trợ."),
                format!(
                    "Question {label} has an attached picture: pictures are not supported yet."
                ),
            ));
            continue;
        }
        // Typed kinds: every right answer's text is an accepted answer (a
        // number: the first right one). Moodle compares short answers with
        // their diacritics, ignoring case: `exact` here.
        let typed: Vec<String> = match kind {
            "short" => q
                .answers
                .iter()
                .filter(|a| a.0 > 0.0)
                .map(|a| plain(&a.1, a.2))
                .collect(),
            "numeric" => q
                .answers
                .iter()
                .find(|a| a.0 > 0.0)
                .map(|a| vec![plain(&a.1, a.2)])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if kind == "short" && typed.iter().any(|t| t.contains('*')) {
            problems.push(Problem::new(
                q.line,
                "answer",
                format!("Câu hỏi {label}: ký tự đại diện * của Moodle chưa được hỗ trợ; hãy liệt kê từng đáp án được chấp nhận."),
                format!("Question {label}: Moodle's * wildcard is not supported; list each accepted answer."),
            ));
            continue;
        }
        let (options, correct): (Vec<String>, Vec<usize>) = if kind == "short" || kind == "numeric"
        {
            // A typed question: its answers are never options (none right
            // is reported as "no answer").
            (Vec::new(), Vec::new())
        } else if kind == "true_false" {
            let truth = q
                .answers
                .iter()
                .find(|a| a.0 > 0.0)
                .map(|a| plain(&a.1, a.2).to_lowercase());
            let right = if truth.as_deref() == Some("false") {
                1
            } else {
                0
            };
            (vec!["Đúng".into(), "Sai".into()], vec![right])
        } else {
            let options = q.answers.iter().map(|a| plain(&a.1, a.2)).collect();
            let correct = q
                .answers
                .iter()
                .enumerate()
                .filter(|(_, a)| a.0 > 0.0)
                .map(|(i, _)| i)
                .collect();
            (options, correct)
        };
        let (topic, difficulty) = category(&q.category);
        if let Some(t) = &topic {
            if topic_codes.insert(t.code.clone()) {
                bank.topics.push(t.clone());
            }
        }
        let base = super::slugify(&q.name);
        let base = if base.is_empty() {
            format!("q{number}")
        } else {
            base
        };
        let seen = used.entry(base.clone()).or_insert(0);
        *seen += 1;
        let id = if *seen == 1 {
            base
        } else {
            format!("{base}-{seen}")
        };
        let points = q
            .grade
            .parse::<f64>()
            .map(|g| format!("{}", g.round().max(1.0) as u32))
            .unwrap_or_default();
        bank.questions.push(RawQuestion {
            line: q.line,
            id,
            topic: topic.map(|t| t.code).unwrap_or_default(),
            difficulty,
            points,
            kind: kind.to_string(),
            stem: plain(&q.text, q.text_html),
            answer: if typed.is_empty() {
                correct
                    .iter()
                    .map(|&i| LETTERS.get(i).copied().unwrap_or("?").to_string())
                    .collect()
            } else {
                typed
            },
            matching: if kind == "short" { "exact" } else { "" }.to_string(),
            tolerance: q.tolerance.clone(),
            options,
            explanation: plain(&q.feedback, q.feedback_html),
            source: String::new(),
            answer_line: 0,
            option_lines: Vec::new(),
        });
    }
    if !problems.is_empty() {
        return Err(problems.into_vec());
    }
    if bank.questions.is_empty() {
        return Err(vec![Problem::new(
            1,
            "file",
            "Không có câu hỏi nào dùng được trong tệp Moodle XML.",
            "No usable question in the Moodle XML file.",
        )]);
    }
    if !bank.topics.is_empty() && bank.questions.iter().any(|q| q.topic.is_empty()) {
        bank.topics.push(super::Topic {
            code: super::DEFAULT_TOPIC.into(),
            name: "Chung".into(),
        });
    }
    Ok((bank, skipped))
}

/// The example export (three supported questions and an essay), for the
/// integration tests.
pub fn tests_example() -> &'static str {
    EXAMPLE
}

pub(crate) const EXAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Định danh điện tử/dễ</text></category></question>
  <question type="multichoice">
    <name><text>Câu 1</text></name>
    <questiontext format="html"><text><![CDATA[<p>VNeID là ứng dụng của <strong>cơ quan nào</strong>?&nbsp;</p>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>Do Bộ Công an phát triển.</p>]]></text></generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <single>true</single>
    <answer fraction="100" format="html"><text><![CDATA[<p>Bộ Công an</p>]]></text></answer>
    <answer fraction="0" format="html"><text>Bộ Y tế</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Câu 1</text></name>
    <questiontext format="moodle_auto_format"><text>Chọn các ý đúng &amp; đủ</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>Miễn phí</text></answer>
    <answer fraction="50"><text>Trên điện thoại</text></answer>
    <answer fraction="-100"><text>Chỉ ở xã</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Đúng sai</text></name>
    <questiontext format="html"><text>Tài khoản định danh được cấp miễn phí?</text></questiontext>
    <answer fraction="0" format="moodle_auto_format"><text>true</text></answer>
    <answer fraction="100" format="moodle_auto_format"><text>false</text></answer>
  </question>
  <question type="essay">
    <name><text>Bài luận</text></name>
    <questiontext format="html"><text>Viết một đoạn</text></questiontext>
  </question>
</quiz>
"#;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use super::EXAMPLE;

    #[test]
    fn moodle_xml_imports_with_unsupported_types_named_then_skipped_when_asked() {
        let errs = parse(EXAMPLE, false).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].message.contains("\"Bài luận\" (câu 4)") && errs[0].message.contains("essay"),
            "{errs:?}"
        );
        assert_eq!(errs[0].row, 27);
        let (bank, skipped) = parse(EXAMPLE, true).unwrap();
        assert_eq!(skipped.len(), 1);
        let q = &bank.questions;
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].id, "cau-1");
        assert_eq!(q[0].stem, "VNeID là ứng dụng của cơ quan nào?");
        assert_eq!(q[0].options, ["Bộ Công an", "Bộ Y tế"]);
        assert_eq!(q[0].answer, ["A"]);
        assert_eq!(q[0].points, "2");
        assert_eq!(q[0].explanation, "Do Bộ Công an phát triển.");
        assert_eq!(q[0].difficulty, "dễ");
        assert_eq!(q[1].id, "cau-1-2");
        assert_eq!(q[1].stem, "Chọn các ý đúng & đủ");
        assert_eq!(q[1].kind, "multiple");
        assert_eq!(q[1].answer, ["A", "B"]);
        assert_eq!(q[2].kind, "true_false");
        assert_eq!(q[2].answer, ["B"], "false is right");
        assert_eq!(bank.topics[0].name, "Định danh điện tử");
    }

    #[test]
    fn broken_xml_is_an_error_at_a_line() {
        let errs = parse(
            "<quiz>\n<question type=\"multichoice\">\n<name><text>x</name>",
            false,
        )
        .unwrap_err();
        assert!(errs[0].row >= 1);
    }
}
