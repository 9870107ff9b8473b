//! Moodle GIFT: `$CATEGORY:` lines give the topic (a last path segment that
//! names a difficulty — easy/medium/hard or dễ/trung bình/khó — sets it),
//! `::title::` the question id, `{=right ~wrong}` single choice,
//! `{~%50%a ~%50%b ~%-100%c}` multiple answers (positive weights are the
//! correct set), `{T}`/`{F}` true/false, `####text` the explanation, `//`
//! comment lines, and the escapes `\~ \= \# \{ \} \:`. Other question types
//! (short answer, numeric, matching, essay, description) are reported by line.

use super::limits::MAX_FIELD_CHARS;
use super::{
    slugify, Budget, Difficulty, Problems, RawBank, RawQuestion, Topic, DEFAULT_TOPIC, LETTERS,
    MAX_QUESTIONS,
};
use crate::error::Problem;

/// A character and whether it was escaped with a backslash.
type Tok = (char, bool);

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push(('\n', true)),
                Some(n) => out.push((n, true)),
                None => out.push(('\\', true)),
            }
        } else {
            out.push((c, false));
        }
    }
    out
}

fn text(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| t.0)
        .collect::<String>()
        .trim()
        .to_string()
}

fn find(toks: &[Tok], from: usize, c: char) -> Option<usize> {
    (from..toks.len()).find(|&i| toks[i] == (c, false))
}

fn find_seq(toks: &[Tok], from: usize, seq: &str) -> Option<usize> {
    let seq: Vec<char> = seq.chars().collect();
    (from..toks.len().saturating_sub(seq.len() - 1)).find(|&i| {
        seq.iter()
            .enumerate()
            .all(|(k, c)| toks[i + k] == (*c, false))
    })
}

fn unsupported(line: usize, kind_vi: &str, kind_en: &str) -> Problem {
    Problem::new(
        line,
        "kind",
        format!("Loại câu hỏi GIFT \"{kind_vi}\" chưa được hỗ trợ (chỉ hỗ trợ trắc nghiệm một/nhiều đáp án và đúng/sai)."),
        format!("GIFT question type \"{kind_en}\" is not supported (only multiple choice, multiple answer and true/false)."),
    )
}

struct Parsed {
    title: Option<String>,
    stem: String,
    options: Vec<String>,
    /// The source line of each option's `=` or `~`.
    option_lines: Vec<usize>,
    correct: Vec<usize>,
    kind: &'static str,
    explanation: String,
    /// A typed question's accepted answers (short) or number (numeric).
    typed: Vec<String>,
    tolerance: String,
}

impl Parsed {
    /// A typed question: no options, its answers as text.
    fn typed(
        title: Option<String>,
        stem: String,
        explanation: String,
        kind: &'static str,
        typed: Vec<String>,
        tolerance: String,
    ) -> Parsed {
        Parsed {
            title,
            stem,
            options: Vec::new(),
            option_lines: Vec::new(),
            correct: Vec::new(),
            kind,
            explanation,
            typed,
            tolerance,
        }
    }
}

/// `lines` holds the source line of each line of `block` (comment lines
/// inside a question are left out of the block but not of the count).
fn parse_question(block: &str, lines: &[usize]) -> Result<Parsed, Problem> {
    let line = lines.first().copied().unwrap_or(0);
    let toks = tokenize(block);
    // The source line of the token at `idx`.
    // Where each line break is, once: a line is then found by binary
    // search (rescanning the block per option was quadratic).
    let breaks: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == ('\n', false))
        .map(|(i, _)| i)
        .collect();
    let line_at = |idx: usize| {
        let before = breaks.partition_point(|&b| b < idx.min(toks.len()));
        lines.get(before).copied().unwrap_or(line)
    };
    let mut start = 0;
    let mut title = None;
    if toks.len() >= 2 && toks[0] == (':', false) && toks[1] == (':', false) {
        let end = find_seq(&toks, 2, "::").ok_or_else(|| {
            Problem::new(
                line,
                "title",
                "Tiêu đề ::…:: chưa đóng.",
                "The ::title:: is not closed.",
            )
        })?;
        title = Some(text(&toks[2..end]));
        start = end + 2;
    }
    let Some(open) = find(&toks, start, '{') else {
        return Err(unsupported(
            line,
            "mô tả (không có phần đáp án {…})",
            "description (no {…} answer block)",
        ));
    };
    let close = find(&toks, open + 1, '}').ok_or_else(|| {
        Problem::new(
            line,
            "answer",
            "Phần đáp án thiếu dấu đóng }.",
            "The answer block has no closing }.",
        )
    })?;
    let (mut stem, html) = format_marker(&text(&toks[start..open]));
    let after = text(&toks[close + 1..]);
    if !after.is_empty() {
        stem = format!("{stem} _____ {after}");
    }
    let mut inner = &toks[open + 1..close];
    let mut explanation = String::new();
    if let Some(g) = find_seq(inner, 0, "####") {
        explanation = as_text(&format_marker(&text(&inner[g + 4..])).0, html);
        inner = &inner[..g];
    }
    let body = text(inner);
    if body.is_empty() {
        return Err(unsupported(line, "tự luận", "essay"));
    }
    let first = inner.iter().find(|t| !t.0.is_whitespace()).copied();
    if first == Some(('#', false)) {
        // `{#1931}`, `{#3,5:0,1}`, `{#1..5}` or `{#=%100%1931:0}`: one
        // answer (several, or a `~`, are refused).
        let spec = body.trim().trim_start_matches('#').trim();
        if spec.matches('=').count() > 1 || spec.contains('~') {
            return Err(Problem::new(
                line,
                "answer",
                "Câu số GIFT chỉ có một đáp án (dùng sai số hoặc khoảng a..b cho nhiều giá trị).",
                "A GIFT numerical question has one answer (use a tolerance or a range a..b for several values).",
            ));
        }
        let spec = spec.trim_start_matches('=').trim();
        let spec = spec.strip_prefix("%100%").unwrap_or(spec);
        let spec = spec.split(['=', '~']).next().unwrap_or("").trim();
        let spec = spec.split('#').next().unwrap_or("").trim();
        let (value, tolerance) = match spec.split_once("..") {
            Some((lo, hi)) => match (
                crate::domain::kinds::numeric::parse(lo),
                crate::domain::kinds::numeric::parse(hi),
            ) {
                (Some(lo), Some(hi)) if lo <= hi => {
                    (((lo + hi) / 2.0).to_string(), ((hi - lo) / 2.0).to_string())
                }
                _ => (spec.to_string(), String::new()),
            },
            None => match spec.rsplit_once(':') {
                Some((v, t)) => (v.trim().to_string(), t.trim().to_string()),
                None => (spec.to_string(), String::new()),
            },
        };
        return Ok(Parsed::typed(
            title,
            as_text(&stem, html),
            explanation,
            "numeric",
            vec![value],
            tolerance,
        ));
    }
    let head = body.split('#').next().unwrap_or("").trim().to_uppercase();
    if ["T", "TRUE", "F", "FALSE"].contains(&head.as_str())
        && !body.contains('=')
        && !body.contains('~')
    {
        let correct = if head.starts_with('T') { 0 } else { 1 };
        return Ok(Parsed {
            title,
            stem: as_text(&stem, html),
            options: vec!["Đúng".into(), "Sai".into()],
            option_lines: Vec::new(),
            correct: vec![correct],
            kind: "true_false",
            explanation,
            typed: Vec::new(),
            tolerance: String::new(),
        });
    }
    if find_seq(inner, 0, "->").is_some() {
        return Err(unsupported(line, "ghép đôi", "matching"));
    }

    // Split into answers at each unescaped '=' or '~'.
    let marks: Vec<usize> = (0..inner.len())
        .filter(|&i| inner[i] == ('=', false) || inner[i] == ('~', false))
        .collect();
    if marks.is_empty() || !text(&inner[..marks[0]]).is_empty() {
        return Err(Problem::new(
            line,
            "answer",
            "Phần đáp án phải bắt đầu bằng = hoặc ~.",
            "Answers must start with = or ~.",
        ));
    }
    // Only `=` answers: a short answer, each `=` an accepted text.
    let short = !marks.iter().any(|&m| inner[m].0 == '~');
    let mut options = Vec::new();
    let mut option_lines = Vec::new();
    let mut correct = Vec::new();
    let mut weighted = false;
    for (k, &m) in marks.iter().enumerate() {
        let end = marks.get(k + 1).copied().unwrap_or(inner.len());
        // `inner` starts just after the block's `{`.
        let line = line_at(open + 1 + m);
        option_lines.push(line);
        let mut part = &inner[m + 1..end];
        let mut weight: Option<f64> = None;
        let lead = part
            .iter()
            .position(|t| !t.0.is_whitespace())
            .unwrap_or(part.len());
        part = &part[lead..];
        if part.first() == Some(&('%', false)) {
            let close = find(part, 1, '%').ok_or_else(|| {
                Problem::new(
                    line,
                    "answer",
                    "Trọng số %…% chưa đóng.",
                    "A %weight% is not closed.",
                )
            })?;
            let w = text(&part[1..close]);
            weight = Some(w.parse::<f64>().map_err(|_| {
                Problem::new(
                    line,
                    "answer",
                    format!("Trọng số {w:?} không phải là số."),
                    format!("The weight {w:?} is not a number."),
                )
            })?);
            weighted = true;
            part = &part[close + 1..];
        }
        let answer_end = find(part, 0, '#').unwrap_or(part.len());
        let (option, option_html) = format_marker(&text(&part[..answer_end]));
        options.push(as_text(&option, html || option_html));
        let is_correct = match (inner[m].0, weight) {
            (_, Some(w)) => w > 0.0,
            ('=', None) => true,
            _ => false,
        };
        if is_correct {
            correct.push(options.len() - 1);
        }
    }
    if short {
        let accepted = correct.iter().map(|&i| options[i].clone()).collect();
        return Ok(Parsed::typed(
            title,
            as_text(&stem, html),
            explanation,
            "short",
            accepted,
            String::new(),
        ));
    }
    Ok(Parsed {
        title,
        stem: as_text(&stem, html),
        options,
        option_lines,
        correct,
        kind: if weighted { "multiple" } else { "single" },
        explanation,
        typed: Vec::new(),
        tolerance: String::new(),
    })
}

/// A text without its leading Moodle format marker (`[html]`, `[moodle]`,
/// `[markdown]`, `[plain]`), and whether it was HTML.
fn format_marker(t: &str) -> (String, bool) {
    let mut t = t.trim();
    let mut html = false;
    while let Some(rest) = t.strip_prefix('[') {
        let Some((marker, after)) = rest.split_once(']') else {
            break;
        };
        match marker.to_ascii_lowercase().as_str() {
            "html" => html = true,
            "moodle" | "markdown" | "plain" => {}
            _ => break,
        }
        t = after.trim_start();
    }
    (t.to_string(), html)
}

/// The plain text of question text in `[html]` format (or that is HTML).
fn as_text(t: &str, html: bool) -> String {
    if html || super::html::looks_like_html(t) {
        super::html::to_text(t)
    } else {
        t.to_string()
    }
}

/// Topic and difficulty from a `$CATEGORY:` path.
pub(super) fn category(path: &str) -> (Option<Topic>, String) {
    let segments: Vec<&str> = path
        .split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.starts_with('$') && *s != "top")
        .collect();
    let (topic_seg, difficulty) = match segments.as_slice() {
        [.., t, d] if Difficulty::parse(d).is_some() => (Some(*t), d.to_string()),
        [d] if Difficulty::parse(d).is_some() => (None, d.to_string()),
        [.., t] => (Some(*t), String::new()),
        [] => (None, String::new()),
    };
    let topic = topic_seg.map(|t| {
        let code = slugify(t);
        Topic {
            code: if code.is_empty() {
                DEFAULT_TOPIC.into()
            } else {
                code
            },
            name: t.to_string(),
        }
    });
    (topic, difficulty)
}

pub fn parse(text_in: &str) -> Result<RawBank, Vec<Problem>> {
    parse_within(text_in, &Budget::unlimited())
}

/// The longest question block (its lines up to a blank line).
pub const MAX_BLOCK_CHARS: usize = 4 * MAX_FIELD_CHARS;

/// [`parse`] within a budget; blocks are capped in number and length
/// while the file is read.
pub fn parse_within(text_in: &str, budget: &Budget) -> Result<RawBank, Vec<Problem>> {
    let mut problems = Problems::new();
    let mut bank = RawBank::default();
    let mut current: (Option<Topic>, String) = (None, String::new());
    let mut block = String::new();
    let mut block_lines: Vec<usize> = Vec::new();
    let mut blocks: Vec<(String, Vec<usize>, Option<Topic>, String)> = Vec::new();
    let flush = |block: &mut String,
                 lines: &mut Vec<usize>,
                 cur: &(Option<Topic>, String),
                 blocks: &mut Vec<_>| {
        if !block.trim().is_empty() {
            blocks.push((
                std::mem::take(block),
                std::mem::take(lines),
                cur.0.clone(),
                cur.1.clone(),
            ));
        }
        block.clear();
        lines.clear();
    };
    let mut block_chars = 0;
    for (i, raw_line) in text_in.lines().enumerate() {
        budget.tick()?;
        let line = i + 1;
        if blocks.len() > MAX_QUESTIONS {
            return Err(vec![Problem::new(
                line,
                "questions",
                format!("Tệp có hơn {MAX_QUESTIONS} câu hỏi (tối đa {MAX_QUESTIONS}); hãy chia thành nhiều ngân hàng."),
                format!("The file has more than {MAX_QUESTIONS} questions (at most {MAX_QUESTIONS}); split it into several banks."),
            )]);
        }
        let trimmed = raw_line.trim();
        if trimmed.starts_with("//") {
            continue;
        }
        if let Some(path) = trimmed.strip_prefix("$CATEGORY:") {
            flush(&mut block, &mut block_lines, &current, &mut blocks);
            current = category(path);
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut block, &mut block_lines, &current, &mut blocks);
            continue;
        }
        if block.is_empty() {
            block_chars = 0;
        }
        block_chars += raw_line.chars().count() + 1;
        if block_chars > MAX_BLOCK_CHARS {
            return Err(vec![Problem::new(
                block_lines.first().copied().unwrap_or(line),
                "stem",
                format!("Câu hỏi dài quá {MAX_BLOCK_CHARS} ký tự (các câu hỏi GIFT cách nhau bằng một dòng trống)."),
                format!("The question is longer than {MAX_BLOCK_CHARS} characters (GIFT questions are separated by a blank line)."),
            )]);
        }
        block_lines.push(line);
        block.push_str(raw_line);
        block.push('\n');
    }
    flush(&mut block, &mut block_lines, &current, &mut blocks);

    // Moodle names need not be unique: a repeated one gets "-2", "-3"…
    let mut used: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut topic_codes = std::collections::HashSet::new();
    for (n, (text, lines, topic, difficulty)) in blocks.into_iter().enumerate() {
        budget.tick()?;
        let line = lines.first().copied().unwrap_or(0);
        match parse_question(&text, &lines) {
            Ok(p) => {
                if let Some(t) = &topic {
                    if topic_codes.insert(t.code.clone()) {
                        bank.topics.push(t.clone());
                    }
                }
                let base = p
                    .title
                    .as_deref()
                    .map(|t| slugify(&super::html::to_text(t)))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("q{}", n + 1));
                let seen = used.entry(base.clone()).or_insert(0);
                *seen += 1;
                let id = if *seen == 1 {
                    base
                } else {
                    format!("{base}-{seen}")
                };
                bank.questions.push(RawQuestion {
                    line,
                    id,
                    topic: topic.map(|t| t.code).unwrap_or_default(),
                    difficulty,
                    points: String::new(),
                    kind: p.kind.to_string(),
                    stem: p.stem,
                    answer: if p.typed.is_empty() {
                        p.correct
                            .iter()
                            .map(|&i| LETTERS.get(i).copied().unwrap_or("?").to_string())
                            .collect()
                    } else {
                        p.typed
                    },
                    tolerance: p.tolerance,
                    options: p.options,
                    explanation: p.explanation,
                    source: String::new(),
                    // The answers are marks on the options (`=`), so a wrong
                    // answer letter cannot occur.
                    answer_line: 0,
                    option_lines: p.option_lines,
                    matching: String::new(),
                });
            }
            Err(p) => problems.push(p),
        }
    }
    if !bank.topics.is_empty()
        && bank.questions.iter().any(|q| q.topic.is_empty())
        && !bank.topics.iter().any(|t| t.code == DEFAULT_TOPIC)
    {
        bank.topics.push(Topic {
            code: DEFAULT_TOPIC.into(),
            name: "Chung".into(),
        });
    }
    if problems.is_empty() {
        Ok(bank)
    } else {
        Err(problems.into_vec())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::bank::{validate, Kind};

    pub(crate) const EXAMPLE: &str = "// Ví dụ GIFT\n\
$CATEGORY: $course$/top/Định danh điện tử/dễ\n\
\n\
::vneid-1:: VNeID là ứng dụng của cơ quan nào? {=Bộ Công an ~Bộ Y tế ~Bộ Tài chính #Sai rồi ####VNeID do Bộ Công an phát triển.}\n\
\n\
::vneid-2:: Tài khoản định danh điện tử được cấp miễn phí. {T}\n\
\n\
$CATEGORY: Đề án 06/khó\n\
::da06-1:: Chọn các ý đúng về Đề án 06 {\n\
  ~%50%Ban hành năm 2022\n\
  ~%50%Là Quyết định 06/QĐ-TTg\n\
  ~%-100%Ban hành năm 2019\n\
}\n\
\n\
::esc:: Ký hiệu \\{ và \\} gọi là gì? {=Dấu ngoặc nhọn ~Dấu \\= bằng}\n";

    #[test]
    fn the_example_parses_every_supported_type() {
        let raw = parse(EXAMPLE).unwrap();
        assert_eq!(raw.questions.len(), 4);
        assert_eq!(raw.questions[0].line, 4);
        assert_eq!(raw.questions[2].line, 9);
        let bank = validate(RawBank {
            slug: "gift".into(),
            title: "GIFT".into(),
            ..raw
        })
        .unwrap();
        let q = &bank.questions;
        assert_eq!(
            (q[0].id.as_str(), q[0].kind, q[0].correct.clone()),
            ("vneid-1", Kind::Single, vec![0])
        );
        assert_eq!(q[0].options, ["Bộ Công an", "Bộ Y tế", "Bộ Tài chính"]);
        assert_eq!(q[0].explanation, "VNeID do Bộ Công an phát triển.");
        assert_eq!(q[0].topic, "dinh-danh-dien-tu");
        assert_eq!(q[1].kind, Kind::TrueFalse);
        assert_eq!(q[2].kind, Kind::Multiple);
        assert_eq!(q[2].correct, [0, 1]);
        assert_eq!(q[2].topic, "de-an-06");
        assert_eq!(q[3].stem, "Ký hiệu { và } gọi là gì?");
        assert_eq!(q[3].options[1], "Dấu = bằng");
        assert_eq!(bank.topics.len(), 2);
        assert_eq!(bank.topics[0].name, "Định danh điện tử");
    }

    #[test]
    fn moodle_html_gift_with_repeated_names_imports_as_clean_text() {
        let gift = "$CATEGORY: $course$/top/Dịch vụ công\n\
\n\
::Câu hỏi 1::[html]<p dir=\"ltr\">Cổng <strong>Dịch vụ công</strong>&nbsp;quốc gia có địa chỉ?</p>{\n\
\t=<p>dichvucong.gov.vn</p>\n\
\t~[plain]vneid.gov.vn\n\
\t~<p>chinhphu.vn&nbsp;</p>\n\
\t####<p>Xem <em>Quyết định</em> 1291</p>\n\
}\n\
\n\
::Câu hỏi 1::[html]Đúng hay sai: VNeID miễn phí?{T}\n";
        let bank = parse(gift).unwrap();
        let q = &bank.questions[0];
        assert_eq!(q.id, "cau-hoi-1");
        assert_eq!(q.stem, "Cổng Dịch vụ công quốc gia có địa chỉ?");
        assert_eq!(
            q.options,
            ["dichvucong.gov.vn", "vneid.gov.vn", "chinhphu.vn"]
        );
        assert_eq!(q.explanation, "Xem Quyết định 1291");
        assert_eq!(
            bank.questions[1].id, "cau-hoi-1-2",
            "a repeated name gets a unique id"
        );
        assert_eq!(bank.questions[1].stem, "Đúng hay sai: VNeID miễn phí?");
        let all = format!("{:?}", bank.questions);
        for leftover in ["<", "&nbsp;", "[plain]", "[html]"] {
            assert!(!all.contains(leftover), "{leftover} left in {all}");
        }
    }

    #[test]
    fn unsupported_types_are_reported_by_line() {
        let text = "Câu 1 {=đúng ~sai}\n\nTên thủ đô? {=Hà Nội =Ha Noi}\n\nNăm nào? {#2019}\n\nViết cảm nghĩ {}\n\nGhép {=a -> 1 =b -> 2}\n\nChỉ là mô tả\n";
        let errs = parse(text).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.row).collect();
        // Short answers (line 3) and numbers (line 5) are read now.
        assert_eq!(lines, [7, 9, 11]);
        assert!(errs[0].message_en.contains("essay"));
        assert!(errs[1].message_en.contains("matching"));
    }

    #[test]
    fn an_unclosed_block_is_an_error_on_its_line() {
        let errs = parse("\n\n::x:: Hỏi {=a ~b\n").unwrap_err();
        assert_eq!(errs[0].row, 3);
    }

    #[test]
    fn an_option_problem_is_reported_at_the_option_s_own_line() {
        let text = "::q1:: Câu hỏi? {\n// ghi chú của người soạn\n=Một\n~Hai\n~Một\n}\n";
        let raw = parse(text).expect("parses");
        assert_eq!(raw.questions[0].option_lines, [3, 4, 5]);
        let errs = crate::domain::bank::validate(RawBank {
            slug: "gift".into(),
            title: "GIFT".into(),
            ..raw
        })
        .unwrap_err();
        assert_eq!((errs[0].row, errs[0].field.as_str()), (5, "options"));
    }
}
