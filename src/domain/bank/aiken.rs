//! Moodle Aiken: a question line, options `A.` or `A)`, then `ANSWER: X`.
//! Aiken has no topics or difficulty: questions go to topic "chung", medium.

use super::limits::{field_too_long, MAX_FIELD_CHARS};
use super::{Budget, Problems, RawBank, RawQuestion, LETTERS, MAX_OPTIONS, MAX_QUESTIONS};
use crate::error::Problem;

fn option_line(line: &str) -> Option<(usize, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[0].is_ascii_uppercase() || !bytes[1].is_ascii() {
        return None;
    }
    let (letter, sep) = (bytes[0] as char, bytes[1] as char);
    let idx = LETTERS.iter().position(|l| l.starts_with(letter))?;
    let rest = &line[2..];
    ((sep == '.' || sep == ')') && rest.starts_with([' ', '\t'])).then(|| (idx, rest.trim()))
}

pub fn parse(text: &str) -> Result<RawBank, Vec<Problem>> {
    parse_within(text, &Budget::unlimited())
}

/// [`parse`] within a budget; questions, options and stems are capped
/// while the file is read.
pub fn parse_within(text: &str, budget: &Budget) -> Result<RawBank, Vec<Problem>> {
    let mut problems = Problems::new();
    let mut questions = Vec::new();
    let mut cur: Option<RawQuestion> = None;
    let mut stem_chars = 0;
    let mut n = 0;
    for (i, raw) in text.lines().enumerate() {
        budget.tick()?;
        let line = i + 1;
        if n > MAX_QUESTIONS {
            return Err(vec![Problem::new(
                line,
                "questions",
                format!("Tệp có hơn {MAX_QUESTIONS} câu hỏi (tối đa {MAX_QUESTIONS}); hãy chia thành nhiều ngân hàng."),
                format!("The file has more than {MAX_QUESTIONS} questions (at most {MAX_QUESTIONS}); split it into several banks."),
            )]);
        }
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(ans) = t
            .strip_prefix("ANSWER:")
            .or_else(|| t.strip_prefix("ANSWER :"))
        {
            match cur.take() {
                Some(mut q) if !q.options.is_empty() => {
                    q.answer_line = line;
                    q.answer = ans
                        .split(',')
                        .map(|a| a.trim().to_string())
                        .filter(|a| !a.is_empty())
                        .collect();
                    questions.push(q);
                }
                _ => problems.push(Problem::new(
                    line,
                    "answer",
                    "Dòng ANSWER: đứng trước các phương án.",
                    "ANSWER: comes before any option.",
                )),
            }
            continue;
        }
        match (&mut cur, option_line(t)) {
            (Some(q), Some((idx, text))) => {
                if idx != q.options.len() {
                    problems.push(Problem::new(
                        line,
                        "options",
                        format!(
                            "Phương án {} không đúng thứ tự (cần {}).",
                            LETTERS[idx],
                            LETTERS.get(q.options.len()).unwrap_or(&"?")
                        ),
                        format!(
                            "Option {} is out of order (expected {}).",
                            LETTERS[idx],
                            LETTERS.get(q.options.len()).unwrap_or(&"?")
                        ),
                    ));
                }
                // Past A–H the options are only reported, not kept.
                if q.options.len() < MAX_OPTIONS + 2 {
                    q.options.push(text.to_string());
                    q.option_lines.push(line);
                }
            }
            (Some(q), None) if q.options.is_empty() => {
                stem_chars += 1 + t.chars().count();
                if stem_chars > MAX_FIELD_CHARS {
                    return Err(vec![field_too_long(q.line, "stem")]);
                }
                q.stem.push(' ');
                q.stem.push_str(t);
            }
            (Some(q), None) => {
                problems.push(Problem::new(
                    q.line,
                    "answer",
                    "Câu hỏi thiếu dòng \"ANSWER: X\".",
                    "The question has no \"ANSWER: X\" line.",
                ));
                n += 1;
                stem_chars = t.chars().count();
                cur = Some(RawQuestion {
                    line,
                    id: format!("q{n}"),
                    stem: t.to_string(),
                    ..Default::default()
                });
            }
            (None, Some(_)) => problems.push(Problem::new(
                line,
                "stem",
                "Phương án không thuộc câu hỏi nào.",
                "An option without a question.",
            )),
            (None, None) => {
                n += 1;
                stem_chars = t.chars().count();
                cur = Some(RawQuestion {
                    line,
                    id: format!("q{n}"),
                    stem: t.to_string(),
                    ..Default::default()
                });
            }
        }
    }
    if let Some(q) = cur {
        problems.push(Problem::new(
            q.line,
            "answer",
            "Câu hỏi thiếu dòng \"ANSWER: X\".",
            "The question has no \"ANSWER: X\" line.",
        ));
    }
    if problems.is_empty() {
        Ok(RawBank {
            questions,
            ..Default::default()
        })
    } else {
        problems.sort_by_row();
        Err(problems.into_vec())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::bank::validate;

    pub(crate) const EXAMPLE: &str = "Cổng Dịch vụ công quốc gia khai trương năm nào?\nA. 2019\nB) 2020\nC. 2021\nANSWER: A\n\nNghị định 42/2022/NĐ-CP quy định mấy mức dịch vụ công trực tuyến?\nA. Hai\nB. Bốn\nANSWER: A\n";

    #[test]
    fn the_example_parses() {
        let raw = parse(EXAMPLE).unwrap();
        assert_eq!(raw.questions[1].line, 7);
        let bank = validate(RawBank {
            slug: "aiken".into(),
            title: "Aiken".into(),
            ..raw
        })
        .unwrap();
        assert_eq!(bank.questions[0].options, ["2019", "2020", "2021"]);
        assert_eq!(bank.questions[0].correct, [0]);
        assert_eq!(bank.questions[0].topic, "chung");
    }

    #[test]
    fn a_missing_answer_line_is_reported_on_the_question() {
        let errs = parse("Hỏi 1?\nA. x\nB. y\n\nHỏi 2?\nA. x\nB. y\nANSWER: B\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 1);
        let errs = parse("Hỏi?\nA. x\nC. y\nANSWER: A\n").unwrap_err();
        assert_eq!(errs[0].row, 3);
    }

    #[test]
    fn a_wrong_answer_letter_is_reported_on_its_answer_line_and_an_empty_option_on_its_line() {
        let text = "Hỏi 1?\nA. x\nB. y\nANSWER: A\n\nHỏi 2 dài\nhai dòng?\nA. x\nB. y\nANSWER: E\n";
        let errs = validate(RawBank {
            slug: "aiken".into(),
            title: "Aiken".into(),
            ..parse(text).unwrap()
        })
        .unwrap_err();
        assert_eq!(
            errs.iter()
                .map(|p| (p.row, p.field.as_str()))
                .collect::<Vec<_>>(),
            [(10, "answer")]
        );
        let text = "Hỏi?\nA. x\nB. x\nANSWER: A\n";
        let errs = validate(RawBank {
            slug: "aiken".into(),
            title: "Aiken".into(),
            ..parse(text).unwrap()
        })
        .unwrap_err();
        assert_eq!((errs[0].row, errs[0].field.as_str()), (3, "options"));
    }
}
