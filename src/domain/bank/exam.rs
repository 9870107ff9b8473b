//! The Vietnamese exam convention, as Word files and pasted text keep
//! banks (the layout Azota, McMIX and similar tools import):
//!
//! ```text
//! Phần I. Dịch vụ công                 ← a section: the topic that follows
//! Câu 1: Cổng Dịch vụ công quốc gia có địa chỉ nào?
//! A. dichvucong.gov.vn    B. vneid.gov.vn      ← several options on a line
//! *C. chinhphu.vn                              ← `*` marks the right one
//! D. baochinhphu.vn
//! Lời giải: …                                  ← the explanation
//! BẢNG ĐÁP ÁN                                  ← or an answer table at the end
//! 1-C 2.A 3B 4 D
//! ```
//!
//! In a Word file the right option may instead be underlined, bold, red or
//! highlighted: one rule per file, found from the file (a mark that sits on
//! some but not all options of its questions) and reported.

use std::collections::{HashMap, HashSet};

use super::limits::{field_too_long, Field, MAX_FIELD_CHARS};
use super::{slugify, Budget, Problems, RawBank, RawQuestion, Topic, LETTERS, MAX_OPTIONS};
use crate::domain::text::fold;
use crate::error::Problem;

/// How a piece of text is formatted (Word); plain text has none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub underline: bool,
    pub bold: bool,
    pub red: bool,
    pub highlight: bool,
}

/// A way of marking the right option: its name and its test.
type Rule = (&'static str, fn(&Marks) -> bool);

/// The ways a Word file marks its right options, most telling first.
const RULES: [Rule; 4] = [
    ("gạch chân", |m| m.underline),
    ("tô màu đỏ", |m| m.red),
    ("tô nền (highlight)", |m| m.highlight),
    ("in đậm", |m| m.bold),
];

/// One paragraph (a line): its characters with their formatting, its
/// number (the line of pasted text, the paragraph of a Word file), and
/// whether it holds a picture.
#[derive(Debug, Clone, Default)]
pub struct Para {
    pub line: usize,
    pub chars: Vec<(char, Marks)>,
    pub has_image: bool,
}

impl Para {
    pub fn plain(line: usize, text: &str) -> Para {
        Para {
            line,
            chars: text.chars().map(|c| (c, Marks::default())).collect(),
            has_image: false,
        }
    }

    fn text(&self) -> String {
        self.chars.iter().map(|c| c.0).collect()
    }
}

/// The folded form of one character (no case, no diacritics, đ → d).
fn base(c: char) -> char {
    fold(&c.to_string()).chars().next().unwrap_or(c)
}

/// Does the folded text at `from` start with `word`?
fn starts_with_word(chars: &[(char, Marks)], from: usize, word: &str) -> Option<usize> {
    let mut i = from;
    for w in word.chars() {
        if chars.get(i).map(|c| base(c.0)) != Some(w) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

fn skip_spaces(chars: &[(char, Marks)], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.0.is_whitespace()) {
        i += 1;
    }
    i
}

/// "Câu 12:", "Bài 3.", "Question 4", "12." or "12)": the number and where
/// the question's text starts.
fn question_start(chars: &[(char, Marks)], bare_numbers: bool) -> Option<(u32, usize)> {
    let start = skip_spaces(chars, 0);
    let after_word = ["cau", "bai", "question"]
        .iter()
        .find_map(|w| starts_with_word(chars, start, w));
    let i = skip_spaces(chars, after_word.unwrap_or(start));
    let digits: String = chars[i.min(chars.len())..]
        .iter()
        .take_while(|c| c.0.is_ascii_digit())
        .map(|c| c.0)
        .collect();
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let mut j = i + digits.len();
    let sep = chars.get(j).map(|c| c.0);
    match (after_word.is_some(), sep) {
        (true, Some(':' | '.' | ')')) => j += 1,
        (true, None) => {}
        (true, Some(c)) if c.is_whitespace() => {}
        (false, Some('.' | ')')) if bare_numbers => {
            j += 1;
            // "1.A" is an answer table entry, not a question.
            if !chars.get(j).is_some_and(|c| c.0.is_whitespace()) {
                return None;
            }
        }
        _ => return None,
    }
    Some((digits.parse().ok()?, skip_spaces(chars, j)))
}

/// An option found in a line: its letter index, whether a `*` marks it,
/// and the character range of its marker and text.
struct OptionSpan {
    letter: usize,
    starred: bool,
    from: usize,
    to: usize,
}

/// The options of a line ("A. x", "*B) y", several separated by a tab or
/// two spaces), or none when the line does not start with one.
fn options_in(chars: &[(char, Marks)]) -> Vec<OptionSpan> {
    // (where the marker starts, letter index, starred)
    let mut starts: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = skip_spaces(chars, 0);
    let first = i;
    while i < chars.len() {
        let at_start = i == first;
        let gap_before = at_start
            || chars.get(i.wrapping_sub(1)).is_some_and(|c| c.0 == '\t')
            || (i >= 2 && chars[i - 1].0.is_whitespace() && chars[i - 2].0.is_whitespace());
        if gap_before {
            let starred = chars[i].0 == '*';
            let l = if starred { i + 1 } else { i };
            let letter = chars.get(l).map(|c| c.0);
            let sep = chars.get(l + 1).map(|c| c.0);
            let upper = letter.filter(|c| ('A'..='H').contains(c));
            let lower = letter.filter(|c| at_start && ('a'..='h').contains(c));
            if let (Some(letter), Some('.' | ')')) = (upper.or(lower), sep) {
                let text_start = l + 2;
                let followed = chars
                    .get(text_start)
                    .is_none_or(|c| c.0.is_whitespace() || c.0 == '*');
                if followed {
                    let idx = (letter.to_ascii_uppercase() as u8 - b'A') as usize;
                    starts.push((i, idx, starred));
                    i = text_start;
                    continue;
                }
            }
        }
        if at_start && starts.is_empty() {
            return Vec::new();
        }
        i += 1;
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &(from, letter, starred))| OptionSpan {
            letter,
            starred,
            from,
            to: starts.get(k + 1).map_or(chars.len(), |s| s.0),
        })
        .collect()
}

fn span_text(chars: &[(char, Marks)], from: usize, to: usize) -> String {
    let s: String = chars[from..to].iter().map(|c| c.0).collect();
    let s = s.trim();
    // The marker itself ("*A." / "A)") and a star right after it.
    let s = s.trim_start_matches('*');
    let s = s
        .get(2..)
        .unwrap_or("")
        .trim_start()
        .trim_start_matches('*');
    s.trim().to_string()
}

/// Is an option (its marker and text) carrying the mark `rule`? The letter
/// alone, or most of the text's letters.
fn carries(chars: &[(char, Marks)], o: &OptionSpan, rule: fn(&Marks) -> bool) -> bool {
    let letter = chars[o.from..o.to]
        .iter()
        .find(|c| c.0.is_alphabetic())
        .is_some_and(|c| rule(&c.1));
    let letters: Vec<&(char, Marks)> = chars[o.from..o.to]
        .iter()
        .filter(|c| c.0.is_alphanumeric())
        .collect();
    let marked = letters.iter().filter(|c| rule(&c.1)).count();
    letter || (!letters.is_empty() && marked * 2 > letters.len())
}

struct Building {
    number: u32,
    line: usize,
    stem: Field,
    options: Vec<(Field, usize)>,
    /// Per option: (starred, marks per rule).
    flags: Vec<(bool, [bool; 4])>,
    answer: Vec<String>,
    answer_line: usize,
    /// The text of an "Đáp án: …" line: a typed answer when the question
    /// has no options ("Đáp án: 1931", "Đáp án: Hồ Chí Minh | Nguyễn Ái Quốc").
    typed: String,
    explanation: Field,
    topic: String,
    image: bool,
    in_explanation: bool,
    /// A field of it was too long (reported once).
    too_long: bool,
}

/// What follows "Đáp án:" / "ĐA:" on a line, as written.
fn inline_text(text: &str) -> Option<String> {
    let folded = fold(text);
    let rest = ["dap an dung", "dap an", "da"]
        .iter()
        .find_map(|w| folded.strip_prefix(w))?;
    rest.trim_start().strip_prefix(':')?;
    let (_, after) = text.split_once(':')?;
    Some(after.trim().to_string())
}

/// "Đáp án: B" / "ĐA: A, C" inside a question: the letters.
fn inline_answer(text: &str) -> Option<Vec<String>> {
    let folded = fold(text);
    let rest = ["dap an dung", "dap an", "da"]
        .iter()
        .find_map(|w| folded.strip_prefix(w))?;
    let rest = rest.trim_start().strip_prefix(':')?;
    let letters: Vec<String> = rest
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|t| t.trim_matches(|c: char| "().".contains(c)))
        .filter(|t| !t.is_empty())
        .map(|t| t.to_uppercase())
        .collect();
    (!letters.is_empty()
        && letters
            .iter()
            .all(|l| l.len() == 1 && ("A"..="H").contains(&l.as_str())))
    .then_some(letters)
}

/// Pairs "1-A", "1.A", "1A", "1 A", "Câu 2: B" of an answer table line.
fn table_pairs(text: &str) -> Vec<(u32, String)> {
    let folded = fold(text).replace("cau", " ");
    let chars: Vec<char> = folded.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let n: Option<u32> = chars[i..j].iter().collect::<String>().parse().ok();
            let mut k = j;
            while k < chars.len() && (chars[k] == ' ' || "-.:)".contains(chars[k])) {
                k += 1;
            }
            if let (Some(n), Some(c)) = (n, chars.get(k)) {
                let end_ok = chars.get(k + 1).is_none_or(|c| !c.is_ascii_alphanumeric());
                if ('a'..='h').contains(c) && end_ok {
                    out.push((n, c.to_ascii_uppercase().to_string()));
                    i = k + 1;
                    continue;
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// What a file or text was understood as, to show before saving.
#[derive(Debug, Clone, Default)]
pub struct Understood {
    pub bank: RawBank,
    /// How the right answers were marked ("dấu *", "gạch chân", "bảng đáp án"…).
    pub notes: Vec<String>,
}

/// The most questions a file may start ("Câu n:" lines): past it the file
/// is refused while it is read, before anything more is kept.
pub const MAX_STARTED_QUESTIONS: usize = super::MAX_QUESTIONS;

/// The longest line (paragraph) read: a question with its options on one
/// line fits many times over.
pub const MAX_LINE_CHARS: usize = 4 * MAX_FIELD_CHARS;

/// The problem of a line longer than [`MAX_LINE_CHARS`].
pub fn line_too_long(line: usize) -> Vec<Problem> {
    vec![Problem::new(
        line,
        "file",
        format!("Dòng (đoạn văn) này dài quá {MAX_LINE_CHARS} ký tự; mỗi câu hỏi và phương án nên ở dòng riêng."),
        format!("This line (paragraph) is longer than {MAX_LINE_CHARS} characters; put each question and option on a line of its own."),
    )]
}

fn too_many_questions(line: usize) -> Vec<Problem> {
    vec![Problem::new(
        line,
        "questions",
        format!("Tệp có hơn {MAX_STARTED_QUESTIONS} câu hỏi (tối đa {MAX_STARTED_QUESTIONS}); hãy chia thành nhiều ngân hàng."),
        format!("The file has more than {MAX_STARTED_QUESTIONS} questions (at most {MAX_STARTED_QUESTIONS}); split it into several banks."),
    )]
}

/// Reads the convention one paragraph at a time ([`Reader::feed`]), keeping
/// only the questions: each line costs time in its own length, each field
/// grows in place up to [`MAX_FIELD_CHARS`].
pub struct Reader<'b> {
    budget: &'b Budget,
    problems: Problems,
    questions: Vec<Building>,
    numbers: HashSet<u32>,
    topics: Vec<Topic>,
    topic_codes: HashSet<String>,
    topic: String,
    table: HashMap<u32, (Vec<String>, usize)>,
    in_table: bool,
}

impl<'b> Reader<'b> {
    pub fn new(budget: &'b Budget) -> Reader<'b> {
        Reader {
            budget,
            problems: Problems::new(),
            questions: Vec::new(),
            numbers: HashSet::new(),
            topics: Vec::new(),
            topic_codes: HashSet::new(),
            topic: String::new(),
            table: HashMap::new(),
            in_table: false,
        }
    }

    /// Reads one paragraph; Err stops the whole file (budget spent, too
    /// many questions, a line too long).
    pub fn feed(&mut self, p: &Para) -> Result<(), Vec<Problem>> {
        self.budget.tick()?;
        if p.chars.len() > MAX_LINE_CHARS {
            return Err(line_too_long(p.line));
        }
        let text = p.text();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        let folded = fold(trimmed);
        let head = folded.trim_end_matches(':').trim();
        if !self.questions.is_empty()
            && (head == "bang dap an" || head == "dap an" || head == "dap an tham khao")
        {
            self.in_table = true;
            return Ok(());
        }
        if self.in_table {
            for (n, letter) in table_pairs(trimmed) {
                // Only the numbers of questions, and a few letters each:
                // a table of made-up numbers keeps nothing.
                if !self.numbers.contains(&n) {
                    continue;
                }
                let e = self.table.entry(n).or_insert((Vec::new(), p.line));
                if e.0.len() <= MAX_OPTIONS {
                    e.0.push(letter);
                }
            }
            return Ok(());
        }
        if ["phan ", "chu de", "chuyen de"]
            .iter()
            .any(|w| folded.starts_with(w))
        {
            // "Phần I. Dịch vụ công" / "Chủ đề: VNeID": a topic.
            let name = trimmed
                .split_once([':', '.'])
                .map(|(_, n)| n.trim())
                .filter(|n| !n.is_empty())
                .unwrap_or(trimmed)
                .to_string();
            let code = slugify(&name);
            if !code.is_empty() {
                if self.topic_codes.insert(code.clone()) {
                    self.topics.push(Topic {
                        code: code.clone(),
                        name,
                    });
                }
                self.topic = code;
                return Ok(());
            }
        }
        if let Some((number, from)) = question_start(&p.chars, true) {
            if self.questions.len() >= MAX_STARTED_QUESTIONS {
                return Err(too_many_questions(p.line));
            }
            let stem: String = p.chars[from..].iter().map(|c| c.0).collect();
            // A question and its options on one line: "Câu 1: … A. x  B. y".
            self.numbers.insert(number);
            let mut q = Building {
                number,
                line: p.line,
                stem: Field::default(),
                options: Vec::new(),
                flags: Vec::new(),
                answer: Vec::new(),
                answer_line: 0,
                typed: String::new(),
                explanation: Field::default(),
                topic: self.topic.clone(),
                image: p.has_image,
                in_explanation: false,
                too_long: false,
            };
            if !q.stem.set(stem.trim()) {
                q.too_long = true;
                self.problems.push(field_too_long(p.line, "stem"));
            }
            self.questions.push(q);
            return Ok(());
        }
        let Some(q) = self.questions.last_mut() else {
            return Ok(()); // A title or notes before the first question.
        };
        q.image |= p.has_image;
        if let Some(text) = inline_text(trimmed) {
            if let Some(letters) = inline_answer(trimmed) {
                q.answer = letters;
            }
            q.typed = text;
            q.answer_line = p.line;
            return Ok(());
        }
        if ["loi giai", "giai thich", "huong dan giai", "huong dan"]
            .iter()
            .any(|w| folded.starts_with(w))
        {
            q.in_explanation = true;
            let first = trimmed.split_once(':').map(|(_, e)| e.trim()).unwrap_or("");
            if !q.explanation.set(first) && !q.too_long {
                q.too_long = true;
                self.problems.push(field_too_long(p.line, "explanation"));
            }
            return Ok(());
        }
        // Continuation lines are appended in place (never rebuilding the
        // text so far), and refused past MAX_FIELD_CHARS.
        let (field, name, sep) = if q.in_explanation {
            (&mut q.explanation, "explanation", "\n")
        } else {
            let spans = options_in(&p.chars);
            if spans.is_empty() {
                match q.options.last_mut() {
                    // A line after an option continues it; before any, the stem.
                    Some((o, _)) => (o, "options", " "),
                    None => (&mut q.stem, "stem", "\n"),
                }
            } else {
                for o in spans {
                    if o.letter != q.options.len() {
                        self.problems.push(Problem::new(
                            p.line,
                            "options",
                            format!(
                                "Câu {}: phương án {} đứng sau {} phương án (phải theo thứ tự A, B, C…).",
                                q.number,
                                LETTERS.get(o.letter).copied().unwrap_or("?"),
                                q.options.len()
                            ),
                            format!(
                                "Question {}: option {} comes after {} options (they go A, B, C…).",
                                q.number,
                                LETTERS.get(o.letter).copied().unwrap_or("?"),
                                q.options.len()
                            ),
                        ));
                    }
                    // Past A–H the options are only reported, not kept.
                    if q.options.len() < MAX_OPTIONS + 2 {
                        let marks = [0, 1, 2, 3].map(|r| carries(&p.chars, &o, RULES[r].1));
                        q.flags.push((o.starred, marks));
                        q.options
                            .push((Field::new(&span_text(&p.chars, o.from, o.to)), p.line));
                    }
                }
                return Ok(());
            }
        };
        if !field.append(sep, trimmed) && !q.too_long {
            q.too_long = true;
            self.problems.push(field_too_long(p.line, name));
        }
        Ok(())
    }

    /// The questions read, with their answers, or every problem.
    pub fn finish(self) -> Result<Understood, Vec<Problem>> {
        let Reader {
            mut problems,
            questions,
            topics,
            table,
            ..
        } = self;
        // The formatting rule of the file: a mark on some, not all, options.
        let scores: Vec<usize> = (0..RULES.len())
            .map(|r| {
                questions
                    .iter()
                    .filter(|q| {
                        let n = q.flags.iter().filter(|f| f.1[r]).count();
                        n >= 1 && n < q.flags.len()
                    })
                    .count()
            })
            .collect();
        let any_star = questions.iter().any(|q| q.flags.iter().any(|f| f.0));
        let rule = (0..RULES.len())
            .filter(|&r| scores[r] > 0)
            .max_by_key(|&r| (scores[r], std::cmp::Reverse(r)));
        let mut notes = Vec::new();
        if any_star {
            notes.push("Đáp án đúng được đánh dấu bằng dấu * trước chữ cái.".to_string());
        }
        if let (Some(r), false) = (rule, any_star) {
            notes.push(format!(
                "Đáp án đúng được nhận theo định dạng: {} ({} câu).",
                RULES[r].0, scores[r]
            ));
        }
        if !table.is_empty() {
            notes.push(format!(
                "Đáp án lấy từ bảng đáp án ở cuối ({} câu).",
                table.len()
            ));
        }

        let mut used: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        for q in questions {
            let mut answer = q.answer.clone();
            let mut answer_line = q.answer_line;
            if answer.is_empty() {
                if let Some((letters, line)) = table.get(&q.number) {
                    answer = letters.clone();
                    answer_line = *line;
                }
            }
            if answer.is_empty() {
                answer = q
                    .flags
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.0 || (!any_star && rule.is_some_and(|r| f.1[r])))
                    .map(|(i, _)| LETTERS[i].to_string())
                    .collect();
                answer_line = q.options.first().map_or(q.line, |o| o.1);
            }
            if q.image {
                problems.push(Problem::new(
                    q.line,
                    "stem",
                    format!("Câu {} có hình ảnh: hình ảnh trong câu hỏi chưa được hỗ trợ; hãy bỏ hình hoặc viết thành chữ.", q.number),
                    format!("Question {} has a picture: pictures are not supported yet; remove it or describe it in words.", q.number),
                ));
            }
            if q.options.is_empty() && !q.typed.is_empty() {
                // No options and an answer line: a typed answer, short or
                // numeric (`kinds::guess`).
                let base = format!("cau-{}", q.number);
                let seen = used.entry(base.clone()).or_insert(0);
                *seen += 1;
                out.push(RawQuestion {
                    line: q.line,
                    id: if *seen == 1 {
                        base
                    } else {
                        format!("{base}-{seen}")
                    },
                    topic: q.topic,
                    stem: q.stem.text,
                    answer: q
                        .typed
                        .split('|')
                        .map(|a| a.trim().to_string())
                        .filter(|a| !a.is_empty())
                        .collect(),
                    answer_line,
                    explanation: q.explanation.text,
                    ..RawQuestion::default()
                });
                continue;
            }
            if q.options.is_empty() {
                problems.push(Problem::new(
                    q.line,
                    "options",
                    format!("Câu {}: không thấy phương án nào (A. … B. …).", q.number),
                    format!("Question {}: no options found (A. … B. …).", q.number),
                ));
                continue;
            }
            if answer.is_empty() {
                problems.push(Problem::new(
                    q.line,
                    "answer",
                    format!("Câu {}: không thấy đáp án đúng — đánh dấu bằng * trước chữ cái, gạch chân/in đậm/tô đỏ phương án đúng, thêm dòng \"Đáp án: B\" hoặc bảng đáp án ở cuối.", q.number),
                    format!("Question {}: no right answer found — mark it with * before its letter, underline/bold/red it, add a line \"Đáp án: B\" or an answer table at the end.", q.number),
                ));
                continue;
            }
            if !problems.is_empty() {
                // Nothing will be kept: only the problems go on.
                continue;
            }
            let base = format!("cau-{}", q.number);
            let seen = used.entry(base.clone()).or_insert(0);
            *seen += 1;
            let id = if *seen == 1 {
                base
            } else {
                format!("{base}-{seen}")
            };
            out.push(RawQuestion {
                line: q.line,
                id,
                topic: q.topic,
                difficulty: String::new(),
                points: String::new(),
                kind: String::new(),
                stem: q.stem.text,
                option_lines: q.options.iter().map(|o| o.1).collect(),
                options: q.options.into_iter().map(|o| o.0.text).collect(),
                answer,
                explanation: q.explanation.text,
                answer_line,
                ..RawQuestion::default()
            });
        }
        if out.is_empty() && problems.is_empty() {
            problems.push(Problem::new(
                1,
                "file",
                "Không thấy câu hỏi nào: mỗi câu bắt đầu bằng \"Câu 1:\" (hoặc \"1.\"), các phương án bằng \"A.\", \"B.\"…",
                "No question found: each starts with \"Câu 1:\" (or \"1.\"), its options with \"A.\", \"B.\"…",
            ));
        }
        if !problems.is_empty() {
            return Err(problems.into_vec());
        }
        Ok(Understood {
            bank: RawBank {
                topics,
                questions: out,
                ..Default::default()
            },
            notes,
        })
    }
}

/// Paragraphs in the convention (a Word file's, or lines).
pub fn parse(paras: &[Para]) -> Result<Understood, Vec<Problem>> {
    let budget = Budget::unlimited();
    let mut reader = Reader::new(&budget);
    for p in paras {
        reader.feed(p)?;
    }
    reader.finish()
}

/// Pasted (or .txt) text in the convention.
pub fn parse_text(text: &str) -> Result<Understood, Vec<Problem>> {
    parse_text_within(text, &Budget::unlimited())
}

/// [`parse_text`] within a budget, one line at a time (a line is turned
/// into a paragraph only while it is read).
pub fn parse_text_within(text: &str, budget: &Budget) -> Result<Understood, Vec<Problem>> {
    let mut reader = Reader::new(budget);
    for (i, l) in text.lines().enumerate() {
        if l.len() > MAX_LINE_CHARS && l.chars().count() > MAX_LINE_CHARS {
            return Err(line_too_long(i + 1));
        }
        reader.feed(&Para::plain(i + 1, l))?;
    }
    reader.finish()
}

/// Does this text look like the convention ("Câu 1:" lines with "A." options)?
pub fn looks_like(text: &str) -> bool {
    let starts = text
        .lines()
        .filter(|l| question_start(&Para::plain(0, l).chars, false).is_some())
        .count();
    starts >= 1
        && text
            .lines()
            .any(|l| !options_in(&Para::plain(0, l).chars).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_with_stars_tabs_and_explanations() {
        let text = "ĐỀ THI TÌM HIỂU LUẬT THANH NIÊN\n\
Thời gian: 15 phút\n\
Phần I. Luật Thanh niên\n\
Câu 1: Độ tuổi thanh niên là?\n\
A. Từ 15 đến 30\tB. Từ 16 đến 30\n\
*C. Từ 16 đến 35\t D. Từ 18 đến 35\n\
Lời giải: Điều 1 Luật Thanh niên 2020.\n\
Câu 2. Tháng Thanh niên là tháng mấy?\n\
A) Tháng 1    *B) Tháng 3    C) Tháng 5    D) Tháng 7\n";
        let u = parse_text(text).unwrap();
        let qs = &u.bank.questions;
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].id, "cau-1");
        assert_eq!(qs[0].stem, "Độ tuổi thanh niên là?");
        assert_eq!(
            qs[0].options,
            [
                "Từ 15 đến 30",
                "Từ 16 đến 30",
                "Từ 16 đến 35",
                "Từ 18 đến 35"
            ]
        );
        assert_eq!(qs[0].answer, ["C"]);
        assert_eq!(qs[0].explanation, "Điều 1 Luật Thanh niên 2020.");
        assert_eq!(qs[0].topic, "luat-thanh-nien");
        assert_eq!(qs[1].options, ["Tháng 1", "Tháng 3", "Tháng 5", "Tháng 7"]);
        assert_eq!(qs[1].answer, ["B"]);
        assert_eq!(u.bank.topics[0].name, "Luật Thanh niên");
        assert!(u.notes[0].contains("dấu *"));
    }

    #[test]
    fn an_answer_table_at_the_end_gives_the_answers() {
        let text = "1. Thủ đô?\nA. Hà Nội\nB. Huế\n2. Sông dài nhất?\nA. Hồng\nB. Mê Kông\n\nBẢNG ĐÁP ÁN\n1-A 2.B\n";
        let u = parse_text(text).unwrap();
        assert_eq!(u.bank.questions[0].answer, ["A"]);
        assert_eq!(u.bank.questions[1].answer, ["B"]);
        assert_eq!(u.bank.questions[1].answer_line, 9);
        for table in ["1A 2B", "1 A, 2 B", "Câu 1: A  Câu 2: B", "1.a 2.b"] {
            let pairs = table_pairs(table);
            assert_eq!(pairs, [(1, "A".into()), (2, "B".into())], "{table}");
        }
    }

    #[test]
    fn underlined_answers_are_found_and_the_rule_reported() {
        let under = Marks {
            underline: true,
            ..Marks::default()
        };
        let bold = Marks {
            bold: true,
            ..Marks::default()
        };
        let para = |line, parts: &[(&str, Marks)]| Para {
            line,
            chars: parts
                .iter()
                .flat_map(|(t, m)| t.chars().map(move |c| (c, *m)))
                .collect(),
            has_image: false,
        };
        let paras = vec![
            para(1, &[("Câu 1: Thủ đô?", Marks::default())]),
            // Every option's letter is bold (so bold tells nothing); the right one is underlined.
            para(
                2,
                &[
                    ("A.", bold),
                    (" Huế\t", Marks::default()),
                    ("B.", bold),
                    (" ", Marks::default()),
                    ("Hà Nội", under),
                ],
            ),
            para(3, &[("Câu 2: Số 2?", Marks::default())]),
            para(
                4,
                &[
                    ("A.", bold),
                    (" Hai", under),
                    ("\t", Marks::default()),
                    ("B.", bold),
                    (" Ba", Marks::default()),
                ],
            ),
        ];
        let u = parse(&paras).unwrap();
        assert_eq!(u.bank.questions[0].answer, ["B"]);
        assert_eq!(u.bank.questions[1].answer, ["A"]);
        assert!(u.notes[0].contains("gạch chân"), "{:?}", u.notes);
    }

    #[test]
    fn missing_answers_pictures_and_order_are_reported_at_their_lines() {
        let errs = parse_text("Câu 1: Hỏi?\nA. x\nB. y\nCâu 2: Hỏi nữa?\nB. x\nA. y\nĐáp án: A\n")
            .unwrap_err();
        assert!(
            errs.iter().any(|p| p.row == 1 && p.field == "answer"),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|p| p.row == 5 && p.field == "options"),
            "{errs:?}"
        );
        let mut paras = vec![
            Para::plain(1, "Câu 1: Hình bên là gì?"),
            Para::plain(2, "*A. x"),
            Para::plain(3, "B. y"),
        ];
        paras[0].has_image = true;
        let errs = parse(&paras).unwrap_err();
        assert!(errs[0].message.contains("hình ảnh"), "{errs:?}");
        assert!(parse_text("Chỉ có tiêu đề\n").unwrap_err()[0].row == 1);
    }

    /// A question whose stem goes on for `n` lines of 60 characters.
    fn continued(n: usize) -> String {
        let mut text = String::from("Câu 1: Câu hỏi mở đầu\n");
        for i in 0..n {
            text.push_str(&format!(
                "dòng tiếp theo số {i:05} của câu hỏi, viết cho đủ sáu mươi ký tự\n"
            ));
        }
        text.push_str("*A. Một\nB. Hai\n");
        text
    }

    #[test]
    fn continuation_lines_cost_linear_work_not_quadratic() {
        // Rebuilding the stem per line allocated ~N²: twice the lines cost
        // ~3.7× the bytes. Appending in place costs ~2×.
        let cost = |n: usize| {
            let text = continued(n);
            let (parsed, allocated, _) = crate::domain::alloc_meter::measure(|| parse_text(&text));
            let q = &parsed.unwrap().bank.questions[0];
            assert!(q.stem.ends_with("sáu mươi ký tự"), "{n} lines kept");
            allocated
        };
        let (one, two) = (cost(70), cost(140));
        assert!(
            two * 10 < one * 26,
            "70 lines: {one} bytes allocated, 140 lines: {two} (≥ 2.6×: quadratic)"
        );
    }

    #[test]
    fn a_stem_continued_past_the_field_cap_is_an_error_at_its_line() {
        // "Câu 100000:" has too many digits to start a question: a file of
        // them is one stem going on and on.
        let mut text = String::from("Câu 1: Bắt đầu\n");
        for i in 0..400 {
            text.push_str(&format!(
                "Câu 100000: dòng {i:04} nối vào câu hỏi trước, không phải câu mới\n"
            ));
        }
        text.push_str("*A. Một\nB. Hai\n");
        let errs = parse_text(&text).unwrap_err();
        assert_eq!(errs.len(), 1, "reported once: {errs:?}");
        assert_eq!(errs[0].field, "stem");
        assert!(errs[0].message.contains("dài quá 10000 ký tự"), "{errs:?}");
        let at = errs[0].row;
        assert!(
            (150..=200).contains(&at),
            "at the line that passed the cap: {at}"
        );
    }

    #[test]
    fn a_line_longer_than_the_line_cap_is_refused_before_it_is_split_into_characters() {
        let text = format!("Câu 1: {}\n*A. x\nB. y\n", "ạ".repeat(MAX_LINE_CHARS + 1));
        let errs = parse_text(&text).unwrap_err();
        assert_eq!(
            (errs[0].row, errs[0].field.as_str()),
            (1, "file"),
            "{errs:?}"
        );
    }

    #[test]
    fn a_parse_with_its_budget_spent_stops_with_a_clear_error() {
        let text = continued(3);
        let cancelled = Budget::unlimited();
        drop(cancelled.cancel_on_drop());
        let errs = parse_text_within(&text, &cancelled).unwrap_err();
        assert!(errs[0].message.starts_with("Tệp quá phức tạp"), "{errs:?}");
        let late = Budget::until(std::time::Instant::now() - std::time::Duration::from_secs(1));
        let errs = parse_text_within(&text, &late).unwrap_err();
        assert!(errs[0].message_en.contains("too complex"), "{errs:?}");
        assert!(parse_text_within(&text, &Budget::unlimited()).is_ok());
    }

    #[test]
    fn more_questions_than_a_bank_holds_are_refused_while_reading() {
        let mut text = String::new();
        for i in 1..=(MAX_STARTED_QUESTIONS + 5) {
            text.push_str(&format!("{i}. Hỏi?\n"));
        }
        let errs = parse_text(&text).unwrap_err();
        assert_eq!(errs.len(), 1, "{:?}", &errs[..errs.len().min(3)]);
        assert_eq!(errs[0].field, "questions");
        assert_eq!(errs[0].row, MAX_STARTED_QUESTIONS + 1);
    }

    #[test]
    fn the_convention_is_recognized_and_other_text_is_not() {
        assert!(looks_like("Câu 1: Hỏi?\nA. x\nB. y\n"));
        assert!(!looks_like("Hỏi?\nA. x\nB. y\nANSWER: A\n"));
        assert!(!looks_like("::a:: Hỏi {=x ~y}\n"));
    }
}
