//! Question banks: the one model every format imports into, the validation
//! rules shared by all formats, the content hash that identifies a version,
//! and the topic × difficulty summary.
//!
//! Each format parser (`toml_format`, `table` for XLSX/CSV, `gift`, `aiken`)
//! produces a [`RawBank`] whose questions keep their line or row number;
//! [`validate`] then checks everything at once and either returns a clean
//! [`Bank`] or every problem found.

pub mod aiken;
pub mod docx;
pub mod exam;
#[cfg(test)]
mod fuzz;
pub mod gift;
pub mod html;
pub mod limits;
pub mod mojibake;
pub mod moodle_xml;
pub mod table;
pub mod toml_format;
pub mod zipbank;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::kinds::{self, TypedKey};
use crate::domain::text::{clean, fold};
use crate::error::Problem;
pub use limits::{Budget, Problems};

pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_QUESTIONS: usize = 20_000;
pub const MAX_STEM_CHARS: usize = 2_000;
pub const MAX_OPTION_CHARS: usize = 1_000;
/// An explanation (shown after the round closes) is a paragraph or two.
pub const MAX_EXPLANATION_CHARS: usize = 4_000;
pub const MAX_OPTIONS: usize = 6;
pub const LETTERS: [&str; MAX_OPTIONS] = ["A", "B", "C", "D", "E", "F"];
pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["Đúng", "Sai"];
pub const DEFAULT_TOPIC: &str = "chung";

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    /// Accepts the English names and the Vietnamese ones, with or without diacritics.
    pub fn parse(s: &str) -> Option<Difficulty> {
        match fold(s).replace(['-', '_'], " ").as_str() {
            "easy" | "de" => Some(Difficulty::Easy),
            "medium" | "trung binh" | "tb" => Some(Difficulty::Medium),
            "hard" | "kho" => Some(Difficulty::Hard),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Difficulty::Easy => "Dễ",
            Difficulty::Medium => "Trung bình",
            Difficulty::Hard => "Khó",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Single,
    Multiple,
    TrueFalse,
    /// A typed text, right when it matches an accepted answer.
    Short,
    /// A typed number, right within a tolerance.
    Numeric,
    /// Unscored: a choice, several choices or a short text.
    Survey,
}

impl Kind {
    /// How a page names the kind.
    pub fn label_vi(self) -> &'static str {
        match self {
            Kind::Single => "một đáp án",
            Kind::Multiple => "nhiều đáp án",
            Kind::TrueFalse => "đúng/sai",
            Kind::Short => "trả lời ngắn",
            Kind::Numeric => "trả lời bằng số",
            Kind::Survey => "khảo sát",
        }
    }

    /// Chosen among options (the answer is keys), not typed.
    pub fn has_options(self) -> bool {
        matches!(self, Kind::Single | Kind::Multiple | Kind::TrueFalse)
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match fold(s).replace(['-', '_', '/'], " ").as_str() {
            "single" | "mot dap an" | "1 dap an" => Some(Kind::Single),
            "multiple" | "nhieu dap an" => Some(Kind::Multiple),
            "true false" | "truefalse" | "dung sai" => Some(Kind::TrueFalse),
            "short" | "short answer" | "shortanswer" | "tra loi ngan" | "dien khuyet"
            | "dien vao cho trong" => Some(Kind::Short),
            "numeric" | "numerical" | "number" | "so" | "tra loi bang so" => Some(Kind::Numeric),
            "survey" | "survey multiple" | "khao sat" | "khao sat nhieu lua chon" => {
                Some(Kind::Survey)
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::TrueFalse => "true_false",
            Kind::Short => "short",
            Kind::Numeric => "numeric",
            Kind::Survey => "survey",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Topic {
    pub code: String,
    pub name: String,
}

/// One validated question. `correct` holds sorted option indexes (choice
/// kinds); `typed` the key of a typed kind (`domain::kinds`), absent for
/// choice questions so that their form and content hash stay as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    pub id: String,
    pub topic: String,
    pub difficulty: Difficulty,
    pub points: u32,
    pub kind: Kind,
    pub stem: String,
    pub options: Vec<String>,
    pub correct: Vec<usize>,
    pub explanation: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typed: Option<TypedKey>,
}

impl Question {
    pub fn answer_letters(&self) -> Vec<&'static str> {
        self.correct.iter().map(|&i| LETTERS[i]).collect()
    }
}

/// A validated bank: what a version stores. Field order is the hash's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bank {
    pub slug: String,
    pub title: String,
    pub language: String,
    pub description: String,
    pub topics: Vec<Topic>,
    pub questions: Vec<Question>,
}

impl Bank {
    /// SHA-256 of the canonical JSON form: equal content, equal hash.
    pub fn content_hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }
}

/// A question as a parser read it, before any rule is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawQuestion {
    /// Line (text formats) or row (spreadsheets) where the question starts.
    pub line: usize,
    pub id: String,
    pub topic: String,
    pub difficulty: String,
    pub points: String,
    pub kind: String,
    pub stem: String,
    pub options: Vec<String>,
    /// Letters ("A"…"F"), or for true/false also "Đúng"/"Sai"/"T"/"F";
    /// the accepted texts of a short answer; the number of a numeric one.
    pub answer: Vec<String>,
    /// Short answers: "fold" (the default) or "exact".
    pub matching: String,
    /// Numeric answers: how far from the answer is still right.
    pub tolerance: String,
    pub explanation: String,
    pub source: String,
    /// Where the answer was written, when the format gives it a line of its
    /// own (Aiken's `ANSWER:`, TOML's `answer =`); 0: the question's line.
    pub answer_line: usize,
    /// Where each option was written, when options have lines of their own.
    pub option_lines: Vec<usize>,
}

impl RawQuestion {
    /// The line a problem with the answer is reported at.
    pub(crate) fn answer_at(&self) -> usize {
        if self.answer_line > 0 {
            self.answer_line
        } else {
            self.line
        }
    }

    /// The line a problem with option `i` is reported at.
    pub(crate) fn option_at(&self, i: usize) -> usize {
        self.option_lines
            .get(i)
            .copied()
            .filter(|l| *l > 0)
            .unwrap_or(self.line)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawBank {
    pub slug: String,
    pub title: String,
    pub language: String,
    pub description: String,
    /// Declared topics (TOML, the XLSX topic sheet). Empty: derived from the questions.
    pub topics: Vec<Topic>,
    pub questions: Vec<RawQuestion>,
}

/// The bank formats hoithi reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Toml,
    Xlsx,
    Csv,
    Gift,
    Aiken,
    /// Word (.docx) in the Vietnamese exam convention.
    Docx,
    /// Pasted (or .txt) text in the Vietnamese exam convention.
    Text,
    /// Moodle XML (`<quiz><question …>`).
    MoodleXml,
}

impl Format {
    /// Is this a sheet of rows under a header (XLSX, CSV)?
    pub fn is_table(self) -> bool {
        matches!(self, Format::Xlsx | Format::Csv)
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "gift" => Some(Format::Gift),
            "aiken" => Some(Format::Aiken),
            "docx" | "word" => Some(Format::Docx),
            "text" | "txt" => Some(Format::Text),
            "xml" | "moodle_xml" | "moodlexml" => Some(Format::MoodleXml),
            _ => None,
        }
    }

    /// Guesses the format from the file name, then from the content.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
        let lower = file_name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "toml" => return Some(Format::Toml),
            "xlsx" => return Some(Format::Xlsx),
            "csv" => return Some(Format::Csv),
            "gift" => return Some(Format::Gift),
            "aiken" => return Some(Format::Aiken),
            "docx" => return Some(Format::Docx),
            "xml" => return Some(Format::MoodleXml),
            _ => {}
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return Some(if ext == "doc" || contains(bytes, b"word/document.xml") {
                Format::Docx
            } else {
                Format::Xlsx
            });
        }
        // Excel's "Unicode Text" (.txt): UTF-16 with a BOM, tab-separated.
        if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
            return Some(Format::Csv);
        }
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
        if text
            .lines()
            .any(|l| l.trim_start().to_ascii_uppercase().starts_with("ANSWER:"))
        {
            Some(Format::Aiken)
        } else if text.contains("<quiz") {
            Some(Format::MoodleXml)
        } else if exam::looks_like(&text) {
            Some(Format::Text)
        } else if text
            .lines()
            .next()
            .is_some_and(|l| l.matches('\t').count() >= 2)
        {
            // A sheet saved as tab-separated text.
            Some(Format::Csv)
        } else if text.contains('{') && text.contains('}') {
            Some(Format::Gift)
        } else {
            None
        }
    }
}

/// Does `hay` hold `needle` (a zip names its entries in the clear)?
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Parses a file in the given format. `defaults` gives the slug and title for
/// formats that do not carry them (CSV, GIFT, Aiken, XLSX without its info sheet).
pub fn parse(format: Format, bytes: &[u8], defaults: &BankDefaults) -> Result<Bank, Vec<Problem>> {
    parse_noted(format, bytes, defaults).map(|(bank, _)| bank)
}

/// Like [`parse`], with what was guessed on the way (the encoding, how the
/// right answers were marked), to show before saving.
pub fn parse_noted(
    format: Format,
    bytes: &[u8],
    defaults: &BankDefaults,
) -> Result<(Bank, Vec<String>), Vec<Problem>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(vec![Problem::new(
            1,
            "file",
            format!(
                "Tệp quá lớn ({} MB; tối đa {} MB).",
                bytes.len() / 1024 / 1024,
                MAX_FILE_BYTES / 1024 / 1024
            ),
            format!(
                "The file is too large ({} MB; at most {} MB).",
                bytes.len() / 1024 / 1024,
                MAX_FILE_BYTES / 1024 / 1024
            ),
        )]);
    }
    let budget = &defaults.budget;
    let parsed = (|| {
        budget.check()?;
        let mut notes = Vec::new();
        let mut text = || -> Result<String, Vec<Problem>> {
            let (text, encoding) = decode(bytes)?;
            notes.push(format!("Bảng mã: {encoding}."));
            Ok(text)
        };
        let mut raw = match format {
            Format::Toml => toml_format::parse_within(&text()?, budget)?,
            Format::Xlsx => {
                let (raw, sheets) = table::parse_xlsx(bytes, defaults.columns.as_ref(), budget)?;
                notes.extend(sheets);
                raw
            }
            Format::Csv => {
                let (raw, layout) = table::parse_csv(&text()?, defaults.columns.as_ref(), budget)?;
                notes.extend(layout);
                raw
            }
            Format::Gift => gift::parse_within(&text()?, budget)?,
            Format::Aiken => aiken::parse_within(&text()?, budget)?,
            Format::Text => {
                let understood = exam::parse_text_within(&text()?, budget)?;
                notes.extend(understood.notes);
                understood.bank
            }
            Format::Docx => {
                let understood = docx::parse(bytes, budget)?;
                notes.extend(understood.notes);
                understood.bank
            }
            Format::MoodleXml => {
                let (raw, skipped) =
                    moodle_xml::parse_within(&text()?, defaults.skip_unsupported, budget)?;
                notes.extend(skipped);
                raw
            }
        };
        if let Some(columns) = defaults.columns.as_ref().filter(|_| format.is_table()) {
            notes.push(format!("Cột được chọn: {}.", columns.to_spec()));
        }
        defaults.fill(&mut raw);
        budget.check()?;
        validate_within(raw, budget).map(|bank| (bank, notes))
    })();
    // A problem of the whole file (its code, its title) is said at line 1:
    // no one should look for a line 0.
    // At most 200 problems are kept, then "và N lỗi khác".
    parsed.map_err(|problems| {
        let mut problems = limits::capped(problems);
        for p in &mut problems {
            p.row = p.row.max(1);
        }
        problems
    })
}

/// Slug and title to use when the file has none.
#[derive(Debug, Clone, Default)]
pub struct BankDefaults {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub file_name: String,
    /// Skip the questions of unsupported types (listed in the notes)
    /// instead of refusing the file.
    pub skip_unsupported: bool,
    /// Which column holds what, for a sheet whose headers are not known.
    pub columns: Option<table::ColumnMap>,
    /// When to give up (the deadline, or the requester gone).
    pub budget: Budget,
}

impl BankDefaults {
    /// The code given, else one from the file name.
    pub fn slug_or_file(&self) -> String {
        let mut raw = RawBank::default();
        self.fill(&mut raw);
        raw.slug
    }

    fn fill(&self, raw: &mut RawBank) {
        let stem = self
            .file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .rsplit_once('.')
            .map(|(s, _)| s);
        let stem = stem.unwrap_or(&self.file_name).to_string();
        if let Some(s) = self.slug.as_ref().filter(|s| !s.trim().is_empty()) {
            raw.slug = s.clone();
        } else if raw.slug.trim().is_empty() {
            raw.slug = slug_of_file(&stem);
        }
        if let Some(t) = self.title.as_ref().filter(|t| !t.trim().is_empty()) {
            raw.title = t.clone();
        } else if raw.title.trim().is_empty() {
            raw.title = stem;
        }
    }
}

pub use crate::domain::text::slugify;

/// A bank's code from a file name: its slug, "ngan-hang-…" when that is
/// too short to be a code ("a.txt" → "ngan-hang-a"), "ngan-hang" when
/// nothing is left.
pub fn slug_of_file(stem: &str) -> String {
    match slugify(stem) {
        s if s.len() >= 2 => s,
        s if s.is_empty() => "ngan-hang".to_string(),
        s => format!("ngan-hang-{s}"),
    }
}

/// Decodes a text file (see [`decode`]).
pub fn decode_text(bytes: &[u8]) -> Result<String, Vec<Problem>> {
    decode(bytes).map(|(text, _)| text)
}

/// The text of a file and the encoding it was found in: UTF-8 (with or
/// without BOM), UTF-16 LE/BE with BOM (Excel's "Unicode Text"), else
/// Windows-1258 (Excel's CSV on Vietnamese Windows), its combining tone
/// marks composed (NFC). Text typed in TCVN3 or VNI decodes to mojibake,
/// which `validate` reports at each field with the way to convert it.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), Vec<Problem>> {
    use unicode_normalization::UnicodeNormalization;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest).map(|t| (t, "UTF-8"));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes).map(|t| (t, "UTF-16"));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes).map(|t| (t, "UTF-16"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "UTF-8"));
    }
    let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
    let text: String = text.nfc().collect();
    // TCVN3 and VNI are 8-bit too: read as Windows-1258 they are mojibake.
    if let Some(enc) = mojibake::detect(&text) {
        let line = text
            .lines()
            .position(|l| mojibake::detect(l).is_some())
            .map_or(1, |i| i + 1);
        return Err(vec![legacy(line, enc, &mojibake::sample(&text))]);
    }
    Ok((text, "Windows-1258"))
}

/// A file typed in TCVN3 or VNI, and how to convert it.
fn legacy(line: usize, enc: &str, sample: &str) -> Problem {
    Problem::new(
        line,
        "file",
        format!("Tệp được gõ bằng bảng mã cũ {enc} (ví dụ {sample:?}), không phải Unicode. Hãy chuyển mã sang Unicode (ví dụ bằng Unikey Toolkit) rồi nhập lại."),
        format!("The file is not UTF-8 but in the legacy {enc} encoding (e.g. {sample:?}). Convert it to Unicode and import again."),
    )
}

fn utf8(bytes: &[u8]) -> Result<String, Vec<Problem>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(vec![not_utf8(line, "file")])
        }
    }
}

/// UTF-16 text (after its BOM); a broken surrogate is an error at its line.
fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Vec<Problem>> {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => out.push(c),
            Err(_) => {
                let line = out.matches('\n').count() + 1;
                return Err(vec![Problem::new(
                    line,
                    "file",
                    "Tệp UTF-16 bị hỏng ở dòng này (ký tự không hợp lệ).",
                    "The UTF-16 file is broken on this line (an invalid character).",
                )]);
            }
        }
    }
    Ok(out)
}

pub fn not_utf8(line: usize, field: &str) -> Problem {
    Problem::new(
        line,
        field,
        "Văn bản không phải Unicode UTF-8 (có thể là bảng mã cũ TCVN3/ABC hoặc VNI). Hãy chuyển mã sang Unicode (ví dụ bằng Unikey Toolkit) rồi lưu dạng UTF-8.",
        "The text is not UTF-8 (probably a legacy Vietnamese encoding such as TCVN3/ABC or VNI). Convert it to Unicode and save as UTF-8.",
    )
}

fn check_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
}

/// Applies every rule to a parsed bank. Returns the clean bank, or every problem.
pub fn validate(raw: RawBank) -> Result<Bank, Vec<Problem>> {
    validate_within(raw, &Budget::unlimited())
}

/// [`validate`] within a budget; the problems past the first 200 are counted.
pub fn validate_within(raw: RawBank, budget: &Budget) -> Result<Bank, Vec<Problem>> {
    let mut problems = Problems::new();
    let mut p = |line: usize, field: &str, vi: String, en: String| {
        problems.push(Problem::new(line, field, vi, en))
    };

    let slug = raw.slug.trim().to_string();
    if !(2..=64).contains(&slug.len())
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        p(
            0,
            "slug",
            format!("Mã ngân hàng {slug:?} không hợp lệ: 2–64 ký tự a–z, 0–9, '-'."),
            format!("Invalid bank slug {slug:?}: 2–64 characters of a–z, 0–9, '-'."),
        );
    }
    let title = clean(&raw.title);
    if title.is_empty() || title.chars().count() > 200 {
        p(
            0,
            "title",
            "Tên ngân hàng trống hoặc dài quá 200 ký tự.".into(),
            "The bank title is empty or longer than 200 characters.".into(),
        );
    }
    let language = match clean(&raw.language).to_lowercase() {
        l if l.is_empty() => "vi".to_string(),
        l => l,
    };
    if raw.questions.is_empty() {
        p(
            0,
            "questions",
            "Ngân hàng không có câu hỏi nào.".into(),
            "The bank has no questions.".into(),
        );
    }
    if raw.questions.len() > MAX_QUESTIONS {
        p(
            0,
            "questions",
            format!(
                "Ngân hàng có {} câu hỏi, vượt giới hạn {MAX_QUESTIONS}.",
                raw.questions.len()
            ),
            format!(
                "The bank has {} questions, more than the limit of {MAX_QUESTIONS}.",
                raw.questions.len()
            ),
        );
    }

    let declared: Vec<Topic> = raw
        .topics
        .iter()
        .map(|t| Topic {
            code: clean(&t.code),
            name: clean(&t.name),
        })
        .collect();
    let mut seen_topics = HashSet::new();
    for t in &declared {
        if t.code.is_empty() || !seen_topics.insert(t.code.clone()) {
            p(
                0,
                "topics",
                format!("Chủ đề {:?} trống hoặc bị trùng.", t.code),
                format!("Topic {:?} is empty or duplicated.", t.code),
            );
        }
    }
    let mut derived: Vec<Topic> = Vec::new();

    let mut questions = Vec::with_capacity(raw.questions.len());
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut derived_codes: HashSet<String> = HashSet::new();
    for q in raw.questions.iter().take(MAX_QUESTIONS) {
        budget.tick()?;
        let line = q.line;
        let id = q.id.trim().to_string();
        if !check_id(&id) {
            p(
                line,
                "id",
                format!("Mã câu hỏi {id:?} không hợp lệ: 1–64 ký tự a–z, 0–9, '.', '-', '_'."),
                format!("Invalid question id {id:?}: 1–64 characters of a–z, 0–9, '.', '-', '_'."),
            );
        } else if let Some(first) = ids.insert(id.clone(), line) {
            p(
                line,
                "id",
                format!("Mã câu hỏi {id} bị trùng (đã có ở dòng {first})."),
                format!("Duplicate question id {id} (first at line {first})."),
            );
        }

        let topic = match clean(&q.topic) {
            t if t.is_empty() => DEFAULT_TOPIC.to_string(),
            t => t,
        };
        if !declared.is_empty() {
            if !seen_topics.contains(&topic) {
                p(
                    line,
                    "topic",
                    format!("Chủ đề {topic:?} chưa được khai báo trong [[topics]]."),
                    format!("Topic {topic:?} is not declared in [[topics]]."),
                );
            }
        } else if derived_codes.insert(topic.clone()) {
            derived.push(Topic {
                code: topic.clone(),
                name: topic.clone(),
            });
        }

        let difficulty = if q.difficulty.trim().is_empty() {
            Some(Difficulty::Medium)
        } else {
            Difficulty::parse(&q.difficulty)
        };
        if difficulty.is_none() {
            p(
                line,
                "difficulty",
                format!(
                    "Mức độ {:?} không hợp lệ (dễ/trung bình/khó hoặc easy/medium/hard).",
                    q.difficulty
                ),
                format!(
                    "Unknown difficulty {:?} (easy, medium or hard).",
                    q.difficulty
                ),
            );
        }

        let points = match q.points.trim() {
            "" => Some(1),
            s => s
                .trim_end_matches(".0")
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n)),
        };
        if points.is_none() {
            p(
                line,
                "points",
                format!("Điểm {:?} phải là số nguyên từ 1 đến 100.", q.points),
                format!(
                    "Points {:?} must be a whole number from 1 to 100.",
                    q.points
                ),
            );
        }

        let stem = clean(&q.stem);
        if stem.is_empty() {
            p(
                line,
                "stem",
                "Câu hỏi không có nội dung.".into(),
                "The question stem is empty.".into(),
            );
        } else if stem.chars().count() > MAX_STEM_CHARS {
            p(
                line,
                "stem",
                format!("Nội dung câu hỏi dài quá {MAX_STEM_CHARS} ký tự."),
                format!("The stem is longer than {MAX_STEM_CHARS} characters."),
            );
        }
        if q.explanation.chars().count() > MAX_EXPLANATION_CHARS {
            p(
                line,
                "explanation",
                format!("Phần giải thích dài quá {MAX_EXPLANATION_CHARS} ký tự."),
                format!("The explanation is longer than {MAX_EXPLANATION_CHARS} characters."),
            );
        }

        let explicit_kind = if q.kind.trim().is_empty() {
            None
        } else {
            Kind::parse(&q.kind)
        };
        if !q.kind.trim().is_empty() && explicit_kind.is_none() {
            p(
                line,
                "kind",
                format!(
                    "Loại câu hỏi {:?} không hợp lệ (single, multiple, true_false, short, numeric, survey, survey_multiple).",
                    q.kind
                ),
                format!(
                    "Unknown question kind {:?} (single, multiple, true_false, short, numeric, survey or survey_multiple).",
                    q.kind
                ),
            );
        }
        // Each kind checks its own options and key (`domain::kinds`).
        let (kind, options, correct, typed) = match explicit_kind.or_else(|| kinds::guess(q)) {
            Some(Kind::Short) => {
                let key = kinds::short::check(q, &mut p);
                (
                    Kind::Short,
                    Vec::new(),
                    Vec::new(),
                    key.map(TypedKey::Short),
                )
            }
            Some(Kind::Numeric) => {
                let key = kinds::numeric::check(q, &mut p);
                (
                    Kind::Numeric,
                    Vec::new(),
                    Vec::new(),
                    key.map(TypedKey::Numeric),
                )
            }
            Some(Kind::Survey) => {
                let (options, shape) = kinds::survey::check(q, &mut p);
                (
                    Kind::Survey,
                    options,
                    Vec::new(),
                    Some(TypedKey::Survey(shape)),
                )
            }
            explicit => {
                let (kind, options, correct) = kinds::choice::check(q, explicit, &mut p);
                (kind, options, correct, None)
            }
        };

        for (field, text) in std::iter::once(("stem", &stem))
            .chain(options.iter().map(|o| ("options", o)))
            .chain(std::iter::once(("explanation", &q.explanation)))
        {
            if let Some(enc) = mojibake::detect(text) {
                p(line, field, format!("Văn bản có vẻ đang ở bảng mã {enc} (ví dụ {:?}); hãy chuyển mã sang Unicode rồi nhập lại.", mojibake::sample(text)), format!("The text looks like the legacy {enc} encoding (e.g. {:?}); convert it to Unicode and import again.", mojibake::sample(text)));
                break;
            }
        }

        if let (Some(difficulty), Some(points)) = (difficulty, points) {
            questions.push(Question {
                id,
                topic,
                difficulty,
                points,
                kind,
                stem,
                options,
                correct,
                explanation: clean(&q.explanation),
                source: clean(&q.source),
                typed,
            });
        }
    }
    let description = clean(&raw.description);
    if problems.is_empty() {
        Ok(Bank {
            slug,
            title,
            language,
            description,
            topics: if declared.is_empty() {
                derived
            } else {
                declared
            },
            questions,
        })
    } else {
        problems.sort_by_row();
        Err(problems.into_vec())
    }
}

/// Questions per topic × difficulty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TopicSummary {
    pub topic: String,
    pub name: String,
    pub easy: usize,
    pub medium: usize,
    pub hard: usize,
    pub total: usize,
}

pub fn summary(bank: &Bank) -> Vec<TopicSummary> {
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    // What a blueprint can draw: survey questions are on every first paper
    // instead, and counted apart.
    for q in bank.questions.iter().filter(|q| q.kind != Kind::Survey) {
        counts.entry(&q.topic).or_default()[q.difficulty as usize] += 1;
    }
    bank.topics
        .iter()
        .map(|t| {
            let c = counts.get(t.code.as_str()).copied().unwrap_or_default();
            TopicSummary {
                topic: t.code.clone(),
                name: t.name.clone(),
                easy: c[0],
                medium: c[1],
                hard: c[2],
                total: c.iter().sum(),
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn raw_question(line: usize, id: &str) -> RawQuestion {
        RawQuestion {
            line,
            id: id.into(),
            topic: "t".into(),
            difficulty: "easy".into(),
            stem: "Câu hỏi?".into(),
            options: vec!["Một".into(), "Hai".into(), "Ba".into()],
            answer: vec!["B".into()],
            ..Default::default()
        }
    }

    fn raw(questions: Vec<RawQuestion>) -> RawBank {
        RawBank {
            slug: "ngan-hang".into(),
            title: "Ngân hàng".into(),
            questions,
            ..Default::default()
        }
    }

    fn problems(questions: Vec<RawQuestion>) -> Vec<(usize, String)> {
        validate(raw(questions))
            .unwrap_err()
            .into_iter()
            .map(|p| (p.row, p.field))
            .collect()
    }

    #[test]
    fn a_clean_question_validates_with_defaults() {
        let bank = validate(raw(vec![raw_question(3, "q1")])).unwrap();
        let q = &bank.questions[0];
        assert_eq!(
            (q.kind, q.points, q.correct.clone()),
            (Kind::Single, 1, vec![1])
        );
        assert_eq!(
            bank.topics,
            vec![Topic {
                code: "t".into(),
                name: "t".into()
            }]
        );
        assert_eq!(bank.language, "vi");
    }

    #[test]
    fn each_rule_reports_its_line_and_field() {
        let mut no_answer = raw_question(2, "a");
        no_answer.answer.clear();
        let mut not_an_option = raw_question(3, "b");
        not_an_option.answer = vec!["E".into()];
        let mut dup_options = raw_question(4, "c");
        dup_options.options = vec!["Một".into(), "một ".into()];
        let mut one_option = raw_question(5, "d");
        one_option.options = vec!["Một".into()];
        let mut empty_stem = raw_question(6, "e");
        empty_stem.stem = "  ".into();
        let dup_id = raw_question(7, "a");
        let mut bad_difficulty = raw_question(8, "f");
        bad_difficulty.difficulty = "siêu khó".into();
        let mut bad_kind = raw_question(9, "g");
        bad_kind.kind = "essay".into();
        let mut tf_other = raw_question(10, "h");
        tf_other.kind = "true_false".into();
        let mut long_stem = raw_question(11, "i");
        long_stem.stem = "x".repeat(MAX_STEM_CHARS + 1);
        let mut seven = raw_question(12, "j");
        seven.options = (1..=7).map(|i| format!("PA {i}")).collect();
        let mut long_explanation = raw_question(13, "k");
        long_explanation.explanation = "giải thích ".repeat(MAX_EXPLANATION_CHARS / 10);
        let got = problems(vec![
            no_answer,
            not_an_option,
            dup_options,
            one_option,
            empty_stem,
            dup_id,
            bad_difficulty,
            bad_kind,
            tf_other,
            long_stem,
            seven,
            long_explanation,
        ]);
        let expect: Vec<(usize, String)> = [
            (2, "answer"),
            (3, "answer"),
            (4, "options"),
            (5, "options"),
            (6, "stem"),
            (7, "id"),
            (8, "difficulty"),
            (9, "kind"),
            (10, "options"),
            (11, "stem"),
            (12, "options"),
            (13, "explanation"),
        ]
        .iter()
        .map(|(l, f)| (*l, f.to_string()))
        .collect();
        // One-option question also has answer B out of range; keep only the first per line.
        let mut firsts = got.clone();
        firsts.dedup_by_key(|p| p.0);
        assert_eq!(firsts, expect, "all problems: {got:?}");
    }

    #[test]
    fn true_false_questions_get_the_standard_options() {
        let mut q = raw_question(1, "tf");
        q.kind = "đúng sai".into();
        q.options.clear();
        q.answer = vec!["Sai".into()];
        let bank = validate(raw(vec![q])).unwrap();
        assert_eq!(bank.questions[0].options, ["Đúng", "Sai"]);
        assert_eq!(bank.questions[0].correct, [1]);
    }

    #[test]
    fn several_answers_make_a_multiple_question_unless_declared_single() {
        let mut q = raw_question(1, "m");
        q.answer = vec!["A".into(), "C".into()];
        assert_eq!(
            validate(raw(vec![q.clone()])).unwrap().questions[0].kind,
            Kind::Multiple
        );
        q.kind = "single".into();
        assert!(validate(raw(vec![q])).is_err());
    }

    #[test]
    fn declared_topics_must_cover_every_question() {
        let mut r = raw(vec![raw_question(5, "x")]);
        r.topics = vec![Topic {
            code: "khac".into(),
            name: "Khác".into(),
        }];
        let errs = validate(r).unwrap_err();
        assert_eq!((errs[0].row, errs[0].field.as_str()), (5, "topic"));
    }

    #[test]
    fn text_is_nfc_normalized_and_the_hash_follows_content() {
        let mut q = raw_question(1, "n");
        q.stem = "Đoa\u{300}n viên?".into();
        let a = validate(raw(vec![q.clone()])).unwrap();
        assert_eq!(a.questions[0].stem, "Đoàn viên?");
        q.stem = "Đoàn viên?".into();
        let b = validate(raw(vec![q.clone()])).unwrap();
        assert_eq!(
            a.content_hash(),
            b.content_hash(),
            "NFC makes both spellings one content"
        );
        q.stem = "Thanh niên?".into();
        assert_ne!(
            a.content_hash(),
            validate(raw(vec![q])).unwrap().content_hash()
        );
    }

    #[test]
    fn the_summary_counts_topic_by_difficulty() {
        let mut qs = vec![
            raw_question(1, "a"),
            raw_question(2, "b"),
            raw_question(3, "c"),
        ];
        qs[1].difficulty = "khó".into();
        qs[2].topic = "u".into();
        let s = summary(&validate(raw(qs)).unwrap());
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].easy, s[0].medium, s[0].hard, s[0].total),
            (1, 0, 1, 2)
        );
        assert_eq!(s[1].total, 1);
    }

    #[test]
    fn legacy_8_bit_text_is_reported_on_its_line() {
        let errs = decode_text(b"dong 1\ndong 2\nTh\xb5nh \xaeo\xb5n\n").unwrap_err();
        assert_eq!(errs[0].row, 3);
        assert!(errs[0].message.contains("TCVN3"), "{}", errs[0].message);
    }

    #[test]
    fn excel_encodings_are_read_and_named() {
        // "Đoàn thanh niên" as Excel saves it on Vietnamese Windows: Đ is
        // 0xD0, the grave is a combining mark (0xCC) after the vowel.
        let cp1258 = b"\xd0oa\xccn thanh ni\xean";
        let (text, enc) = decode(cp1258).unwrap();
        assert_eq!(text, "Đoàn thanh niên");
        assert_eq!(enc, "Windows-1258");
        assert_eq!(text.chars().count(), 15, "composed (NFC)");
        let mut le = vec![0xFF, 0xFE];
        le.extend("Câu hỏi\tA".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap(), ("Câu hỏi\tA".to_string(), "UTF-16"));
        let mut be = vec![0xFE, 0xFF];
        be.extend("Đáp án".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap().0, "Đáp án");
        assert_eq!(
            decode("Đoàn".as_bytes()).unwrap(),
            ("Đoàn".to_string(), "UTF-8")
        );
        assert!(
            decode(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]).is_err(),
            "a lone surrogate"
        );
    }

    #[test]
    fn the_problems_of_a_file_are_capped_at_200_and_the_rest_counted() {
        // 1,000 questions without an answer: one problem each.
        let mut text = String::new();
        for i in 1..=1_000 {
            text.push_str(&format!("Câu {i}: Hỏi {i}?\nA. x\nB. y\n"));
        }
        let defaults = BankDefaults {
            file_name: "de.txt".into(),
            ..Default::default()
        };
        let errs = parse(Format::Text, text.as_bytes(), &defaults).unwrap_err();
        assert_eq!(errs.len(), limits::MAX_PROBLEMS + 1, "200 and the summary");
        assert_eq!(errs[0].row, 1);
        let last = &errs[limits::MAX_PROBLEMS];
        assert!(last.message.contains("và 800 lỗi khác"), "{}", last.message);
        assert!(
            last.message_en.contains("and 800 more problems"),
            "{}",
            last.message_en
        );
        // The same through validation (a sheet of 300 rows without answers).
        let mut csv = String::from("stem,option_a,option_b,answer\n");
        for i in 0..300 {
            csv.push_str(&format!("Hỏi {i}?,x,y,\n"));
        }
        let errs = parse(Format::Csv, csv.as_bytes(), &defaults).unwrap_err();
        assert_eq!(errs.len(), limits::MAX_PROBLEMS + 1);
        assert!(errs[limits::MAX_PROBLEMS]
            .message
            .contains("và 100 lỗi khác"));
    }

    #[test]
    fn every_format_stops_when_its_budget_is_spent() {
        let files: [(Format, Vec<u8>); 8] = [
            (Format::Toml, toml_format::tests::EXAMPLE.as_bytes().to_vec()),
            (Format::Text, b"Cau 1: Hoi?\n*A. x\nB. y\n".to_vec()),
            (Format::Csv, b"stem,option_a,option_b,answer\nHoi?,x,y,A\n".to_vec()),
            (Format::Gift, gift::tests::EXAMPLE.as_bytes().to_vec()),
            (Format::Aiken, aiken::tests::EXAMPLE.as_bytes().to_vec()),
            (Format::MoodleXml, moodle_xml::EXAMPLE.as_bytes().to_vec()),
            (
                Format::Docx,
                docx::docx_of("<w:p><w:r><w:t>Câu 1: Hỏi?</w:t></w:r></w:p><w:p><w:r><w:t>*A. x</w:t></w:r></w:p><w:p><w:r><w:t>B. y</w:t></w:r></w:p>"),
            ),
            (Format::Xlsx, table::template_xlsx().unwrap()),
        ];
        for (format, bytes) in files {
            let fresh = BankDefaults {
                file_name: "f".into(),
                skip_unsupported: true,
                ..Default::default()
            };
            assert!(parse(format, &bytes, &fresh).is_ok(), "{format:?} parses");
            let gone = Budget::unlimited();
            drop(gone.cancel_on_drop());
            let late =
                Budget::until(std::time::Instant::now() - std::time::Duration::from_millis(1));
            for budget in [gone, late] {
                let defaults = BankDefaults {
                    budget,
                    ..fresh.clone()
                };
                let errs = parse(format, &bytes, &defaults).unwrap_err();
                assert_eq!(errs.len(), 1, "{format:?}: {errs:?}");
                assert!(limits::is_too_complex(&errs[0]), "{format:?}: {errs:?}");
            }
        }
    }

    #[test]
    fn a_file_name_too_short_for_a_code_still_gives_one() {
        assert_eq!(slug_of_file("a"), "ngan-hang-a");
        assert_eq!(slug_of_file("!!"), "ngan-hang");
        assert_eq!(slug_of_file("Câu hỏi 2024"), "cau-hoi-2024");
    }

    #[test]
    fn slugs_and_formats_are_derived_from_file_names() {
        assert_eq!(slugify("Dịch vụ công 2023!"), "dich-vu-cong-2023");
        assert_eq!(Format::detect("nganhang.XLSX", b""), Some(Format::Xlsx));
        assert_eq!(
            Format::detect("x.txt", b"Q?\nA. a\nB. b\nANSWER: A\n"),
            Some(Format::Aiken)
        );
        assert_eq!(
            Format::detect("x.txt", b"::q:: Hoi? {=a ~b}"),
            Some(Format::Gift)
        );
        assert_eq!(Format::detect("x.bin", b"hello"), None);
    }
}
