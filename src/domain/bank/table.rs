//! The spreadsheet layout shared by XLSX and CSV: one question per row under
//! a header row. XLSX files may add a "Chủ đề" sheet (code, name) and a
//! "Thông tin" sheet (slug, title, language, description), which the export
//! writes so that an exported workbook imports back to the same bank.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format as XFormat, Workbook};

use super::{Bank, Budget, Kind, RawBank, RawQuestion, Topic, LETTERS, MAX_OPTIONS};
use crate::domain::kinds::short::Matching;
use crate::domain::kinds::TypedKey;
use crate::domain::text::fold;
use crate::error::Problem;

pub const QUESTIONS_SHEET: &str = "Câu hỏi";
pub const TOPICS_SHEET: &str = "Chủ đề";
pub const INFO_SHEET: &str = "Thông tin";

/// Columns: (key, Vietnamese header, English alias).
pub const COLUMNS: [(&str, &str, &str); 17] = [
    ("id", "Mã câu hỏi", "id"),
    ("topic", "Chủ đề", "topic"),
    ("difficulty", "Mức độ", "difficulty"),
    ("points", "Điểm", "points"),
    ("kind", "Loại", "kind"),
    ("stem", "Câu hỏi", "stem"),
    ("option_a", "Phương án A", "option_a"),
    ("option_b", "Phương án B", "option_b"),
    ("option_c", "Phương án C", "option_c"),
    ("option_d", "Phương án D", "option_d"),
    ("option_e", "Phương án E", "option_e"),
    ("option_f", "Phương án F", "option_f"),
    ("answer", "Đáp án", "answer"),
    ("explanation", "Giải thích", "explanation"),
    ("source", "Nguồn", "source"),
    // Typed answers: how a short answer is compared, how far a number may be.
    ("match", "Cách so đáp án", "match"),
    ("tolerance", "Sai số", "tolerance"),
];

const REQUIRED: [&str; 4] = ["stem", "option_a", "option_b", "answer"];

/// Other headers organizers give each column, written as [`norm_header`]
/// leaves them (no case, diacritics or punctuation): "Nội dung câu hỏi",
/// "Đáp án đúng", "ĐA", "Phương án 1"…
const ALIASES: [(&str, &[&str]); 13] = [
    ("id", &["ma", "ma cau", "ma so", "id cau hoi"]),
    (
        "topic",
        &[
            "linh vuc",
            "chuyen de",
            "phan",
            "nhom",
            "nhom cau hoi",
            "category",
        ],
    ),
    ("difficulty", &["do kho", "cap do", "muc", "level"]),
    ("points", &["so diem", "diem so", "score"]),
    ("kind", &["loai cau hoi", "dang", "dang cau hoi", "type"]),
    (
        "stem",
        &[
            "noi dung cau hoi",
            "noi dung",
            "de bai",
            "cau",
            "cau hoi trac nghiem",
            "question",
        ],
    ),
    (
        "option_a",
        &[
            "a",
            "dap an a",
            "lua chon a",
            "phuong an 1",
            "lua chon 1",
            "pa a",
            "pa1",
            "pa 1",
            "option a",
        ],
    ),
    (
        "option_b",
        &[
            "b",
            "dap an b",
            "lua chon b",
            "phuong an 2",
            "lua chon 2",
            "pa b",
            "pa2",
            "pa 2",
            "option b",
        ],
    ),
    (
        "option_c",
        &[
            "c",
            "dap an c",
            "lua chon c",
            "phuong an 3",
            "lua chon 3",
            "pa c",
            "pa3",
            "pa 3",
            "option c",
        ],
    ),
    (
        "option_d",
        &[
            "d",
            "dap an d",
            "lua chon d",
            "phuong an 4",
            "lua chon 4",
            "pa d",
            "pa4",
            "pa 4",
            "option d",
        ],
    ),
    (
        "answer",
        &[
            "dap an dung",
            "da",
            "da dung",
            "dap an chinh xac",
            "phuong an dung",
            "cau tra loi dung",
            "correct",
            "key",
        ],
    ),
    (
        "explanation",
        &[
            "loi giai",
            "huong dan",
            "huong dan giai",
            "giai thich dap an",
        ],
    ),
    ("source", &["can cu", "tai lieu", "trich dan"]),
];

/// A header as it is compared: folded (no case or diacritics), words
/// separated by one space, punctuation dropped ("Đáp án (đúng):" → "dap an dung").
fn norm_header(h: &str) -> String {
    fold(h)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The column keys a header row matched (index into [`COLUMNS`] → column),
/// whatever is missing.
fn guess_columns(header: &[String]) -> Vec<Option<usize>> {
    let normed: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
    COLUMNS
        .iter()
        .map(|(key, vi, en)| {
            let aliases = ALIASES
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, a)| *a)
                .unwrap_or(&[]);
            let names: Vec<String> = [*key, *vi, *en]
                .iter()
                .map(|n| norm_header(n))
                .chain(aliases.iter().map(|a| a.to_string()))
                .collect();
            normed.iter().position(|h| names.contains(h))
        })
        .collect()
}

/// The problems of a column map without a required column (`line`: the
/// header row, 1 when there is none).
fn missing_columns(map: &[Option<usize>], line: usize) -> Vec<Problem> {
    COLUMNS
        .iter()
        .zip(map)
        .filter(|((key, _, _), idx)| idx.is_none() && REQUIRED.contains(key))
        .map(|((key, vi, _), _)| {
            Problem::new(
                line,
                "columns",
                format!("Thiếu cột \"{vi}\" ở dòng tiêu đề (tên khác được nhận: xem hướng dẫn định dạng; hoặc chọn cột cho từng mục)."),
                format!("The header row has no \"{key}\" column (or map each column by hand)."),
            )
        })
        .collect()
}

/// Maps each known column key to its index in the header row (`line`).
fn header_map(header: &[String], line: usize) -> Result<Vec<Option<usize>>, Vec<Problem>> {
    let map = guess_columns(header);
    let missing = missing_columns(&map, line);
    if missing.is_empty() {
        Ok(map)
    } else {
        Err(missing)
    }
}

/// Which column holds what, chosen by the organizer when the headers are
/// not ones we know: `stem=C,a=D,b=E,c=F,d=G,answer=H` (letters as Excel
/// names columns, or 1-based numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// (index into [`COLUMNS`], 0-based column).
    cols: Vec<(usize, usize)>,
}

/// A column's Excel name: 0 → "A", 26 → "AA".
pub fn column_letter(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// "C" → 2, "aa" → 26, "3" → 2; None for anything else or past the
/// columns a sheet is read to.
pub fn column_index(s: &str) -> Option<usize> {
    let s = s.trim();
    let i = if let Ok(n) = s.parse::<usize>() {
        n.checked_sub(1)?
    } else {
        if s.is_empty() || s.len() > 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        s.to_ascii_uppercase()
            .bytes()
            .fold(0usize, |acc, b| acc * 26 + (b - b'A' + 1) as usize)
            - 1
    };
    (i < MAX_SHEET_COLUMNS).then_some(i)
}

/// A column key as the organizer may write it: the template's keys, or a
/// bare option letter ("a" for option_a).
fn column_key(name: &str) -> Option<usize> {
    let name = name.trim().to_ascii_lowercase();
    let key = match name.as_str() {
        l if l.len() == 1 && ("a"..="f").contains(&l) => format!("option_{l}"),
        "question" | "cau_hoi" => "stem".to_string(),
        other => other.to_string(),
    };
    COLUMNS.iter().position(|(k, _, _)| *k == key)
}

impl ColumnMap {
    /// Reads `key=column` pairs separated by commas; every problem at once.
    pub fn parse(spec: &str) -> Result<ColumnMap, Vec<Problem>> {
        let mut cols: Vec<(usize, usize)> = Vec::new();
        let mut problems = Vec::new();
        let mut bad = |vi: String, en: String| problems.push(Problem::new(1, "columns", vi, en));
        for part in spec
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let Some((key, col)) = part.split_once('=') else {
                bad(
                    format!("\"{part}\" không có dạng mục=cột (ví dụ stem=C)."),
                    format!("\"{part}\" is not key=column (e.g. stem=C)."),
                );
                continue;
            };
            let (Some(k), Some(c)) = (column_key(key), column_index(col)) else {
                bad(
                    format!("\"{part}\": mục hoặc cột không hợp lệ (mục: stem, a–f, answer, topic, difficulty, points, kind, id, explanation, source; cột: A, B, … hoặc 1, 2, …)."),
                    format!("\"{part}\": unknown key or column (keys: stem, a–f, answer, topic, difficulty, points, kind, id, explanation, source; columns: A, B, … or 1, 2, …)."),
                );
                continue;
            };
            if let Some((other, _)) = cols.iter().find(|(ok, oc)| *ok == k || *oc == c) {
                bad(
                    format!(
                        "\"{part}\": mục hoặc cột đã được chọn cho \"{}\".",
                        COLUMNS[*other].0
                    ),
                    format!(
                        "\"{part}\": the key or column is already given to \"{}\".",
                        COLUMNS[*other].0
                    ),
                );
                continue;
            }
            cols.push((k, c));
        }
        let map = ColumnMap { cols };
        problems.extend(missing_columns(&map.as_map(), 1));
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(problems)
        }
    }

    /// Builds a map from (key, column) pairs, as a form gives them.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ColumnMap, Vec<Problem>> {
        let spec: Vec<String> = pairs
            .into_iter()
            .filter(|(_, c)| !c.trim().is_empty())
            .map(|(k, c)| format!("{k}={c}"))
            .collect();
        ColumnMap::parse(&spec.join(","))
    }

    /// The map as `key=C` pairs, the way [`ColumnMap::parse`] reads it.
    pub fn to_spec(&self) -> String {
        self.cols
            .iter()
            .map(|(k, c)| format!("{}={}", COLUMNS[*k].0, column_letter(*c)))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The column chosen for `key`, if any.
    pub fn column_of(&self, key: &str) -> Option<usize> {
        let k = COLUMNS.iter().position(|(name, _, _)| *name == key)?;
        self.cols.iter().find(|(ck, _)| *ck == k).map(|(_, c)| *c)
    }

    fn as_map(&self) -> Vec<Option<usize>> {
        (0..COLUMNS.len())
            .map(|k| self.cols.iter().find(|(ck, _)| *ck == k).map(|(_, c)| *c))
            .collect()
    }
}

/// Sheet rows: (row number, cells).
type Rows = Vec<(usize, Vec<String>)>;

/// How many rows at the top may come before the header (a title, notes).
const HEADER_SEARCH_ROWS: usize = 10;

/// The header row (the first of the top rows that names the needed
/// columns) and the rows below it; when none does, the problems of the
/// first non-empty row. With a column map chosen by hand, the top rows
/// up to the first one with an answer in the answer column are the
/// title and header.
fn split_header(
    mut rows: Rows,
    columns: Option<&ColumnMap>,
) -> Result<(Vec<Option<usize>>, Rows), Vec<Problem>> {
    if let Some(columns) = columns {
        let map = columns.as_map();
        let answer_col = columns.column_of("answer");
        let is_answer = |cells: &[String]| {
            let cell = answer_col
                .and_then(|c| cells.get(c))
                .map(String::as_str)
                .unwrap_or("");
            let tokens: Vec<String> = split_answers(cell);
            !tokens.is_empty()
                && tokens.iter().all(|t| {
                    LETTERS.contains(&t.as_str())
                        || ["dung", "sai", "true", "false", "t"].contains(&fold(t).as_str())
                })
        };
        let skip = rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|(_, cells)| is_answer(cells))
            .unwrap_or_else(|| {
                // No row at the top has a readable answer: the first
                // non-empty row is the header, the rest are reported.
                rows.iter()
                    .position(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
                    .map_or(0, |i| i + 1)
            });
        let below = rows.split_off(skip.min(rows.len()));
        return Ok((map, below));
    }
    let mut first_problems = None;
    for k in 0..rows.len().min(HEADER_SEARCH_ROWS) {
        let (line, cells) = &rows[k];
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match header_map(cells, *line) {
            Ok(map) => {
                let below = rows.split_off(k + 1);
                return Ok((map, below));
            }
            Err(p) => {
                first_problems.get_or_insert(p);
            }
        }
    }
    Err(first_problems
        .unwrap_or_else(|| vec![Problem::new(1, "file", "Tệp trống.", "The file is empty.")]))
}

/// The answers written in one cell ("A, C", "b", "(2)").
fn split_answers(cell: &str) -> Vec<String> {
    cell.split([',', ';', ' ', '+', '/'])
        .map(answer_token)
        .filter(|s| !s.is_empty())
        .collect()
}

/// One answer as written ("B", "b.", "(C)", "2" for the second option).
fn answer_token(t: &str) -> String {
    let t = t.trim().trim_matches(|c: char| "()[].:".contains(c)).trim();
    match t.parse::<usize>() {
        Ok(n) if (1..=MAX_OPTIONS).contains(&n) => LETTERS[n - 1].to_string(),
        _ => t.to_uppercase(),
    }
}

/// Turns rows (row number, cells) into questions. Row ids default to
/// `<id_prefix>q<row>`.
fn rows_to_questions(
    rows: Rows,
    columns: Option<&ColumnMap>,
    id_prefix: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<RawQuestion>, Vec<Problem>> {
    stream_questions(rows.into_iter().map(Ok), columns, id_prefix, notes)
}

/// [`rows_to_questions`] over a stream of rows: only the top rows (where
/// the header is looked for) are held; each row below is turned into its
/// question as it comes, so a file costs its questions, not its rows.
fn stream_questions(
    mut rows: impl Iterator<Item = Result<(usize, Vec<String>), Vec<Problem>>>,
    columns: Option<&ColumnMap>,
    id_prefix: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<RawQuestion>, Vec<Problem>> {
    let mut top: Rows = Vec::new();
    for row in rows.by_ref() {
        top.push(row?);
        if top.len() == HEADER_SEARCH_ROWS {
            break;
        }
    }
    let (map, below_top) = split_header(top, columns)?;
    if columns.is_none() {
        let found: Vec<String> = COLUMNS
            .iter()
            .zip(&map)
            .filter_map(|((_, vi, _), c)| Some(format!("{vi}: cột {}", column_letter((*c)?))))
            .collect();
        let note = format!("Bố cục bảng đã nhận: {}.", found.join(" · "));
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    let cell = |row: &[String], key: &str| -> String {
        let i = COLUMNS
            .iter()
            .position(|(k, _, _)| *k == key)
            .and_then(|c| map[c]);
        i.and_then(|i| row.get(i)).cloned().unwrap_or_default()
    };
    let mut out = Vec::new();
    for row in below_top.into_iter().map(Ok).chain(rows) {
        let (line, row) = row?;
        // Empty rows, and rows with only a number (STT) or a topic, are not questions.
        let content = ["stem", "option_a", "option_b", "answer"];
        if content.iter().all(|k| cell(&row, k).trim().is_empty()) {
            continue;
        }
        let id = match cell(&row, "id") {
            s if s.trim().is_empty() => format!("{id_prefix}q{line}"),
            s => s,
        };
        let options: Vec<String> = (0..MAX_OPTIONS)
            .map(|i| cell(&row, &format!("option_{}", LETTERS[i].to_lowercase())))
            .collect();
        // A typed answer (`Loại` short or numeric, or no options at all)
        // keeps its text: accepted answers are separated by `|`.
        let kind = cell(&row, "kind");
        let typed = match Kind::parse(&kind) {
            Some(k) => !k.has_options(),
            None => kind.trim().is_empty() && options.iter().all(|o: &String| o.trim().is_empty()),
        };
        let answer = if typed {
            cell(&row, "answer")
                .split('|')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        } else {
            split_answers(&cell(&row, "answer"))
        };
        out.push(RawQuestion {
            line,
            id,
            topic: cell(&row, "topic"),
            difficulty: cell(&row, "difficulty"),
            points: cell(&row, "points"),
            kind,
            matching: cell(&row, "match"),
            tolerance: cell(&row, "tolerance"),
            stem: cell(&row, "stem"),
            options,
            answer,
            explanation: cell(&row, "explanation"),
            source: cell(&row, "source"),
            // One row holds the whole question: its row is the line of every field.
            answer_line: 0,
            option_lines: Vec::new(),
        });
    }
    Ok(out)
}

/// The rows of a CSV (comma, semicolon or tab separated), read one at a
/// time: past [`MAX_SHEET_ROWS`] rows or with a cell longer than
/// [`MAX_CELL_CHARS`] the file is refused at that row, before the rest is
/// read.
fn csv_rows<'t>(
    text: &'t str,
    budget: &'t Budget,
) -> impl Iterator<Item = Result<(usize, Vec<String>), Vec<Problem>>> + 't {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    // Excel's "Unicode Text" separates with tabs; Vietnamese-locale CSV with ';'.
    let delimiter = if count('\t') > count(';').max(count(',')) {
        b'\t'
    } else if count(';') > count(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut read = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let next = (|| {
            budget.tick()?;
            let more = reader.read_record(&mut record).map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(1);
                vec![Problem::new(
                    line,
                    "file",
                    format!("Dòng CSV hỏng: {e}"),
                    format!("Malformed CSV: {e}"),
                )]
            })?;
            if !more {
                return Ok(None);
            }
            let line = record.position().map(|p| p.line() as usize).unwrap_or(1);
            read += 1;
            if read > MAX_SHEET_ROWS {
                return Err(vec![Problem::new(
                    line,
                    "file",
                    format!("Tệp CSV có hơn {MAX_SHEET_ROWS} dòng (dừng đọc ở dòng {line})."),
                    format!("The CSV file has more than {MAX_SHEET_ROWS} rows (reading stopped at line {line})."),
                )]);
            }
            let mut cells = Vec::with_capacity(record.len().min(MAX_SHEET_COLUMNS));
            for (col, c) in record.iter().take(MAX_SHEET_COLUMNS).enumerate() {
                if c.len() > MAX_CELL_CHARS && c.chars().count() > MAX_CELL_CHARS {
                    return Err(vec![Problem::new(
                        line,
                        "file",
                        format!("Ô ở dòng {line} cột {} dài quá {MAX_CELL_CHARS} ký tự.", col + 1),
                        format!(
                            "The cell on line {line} column {} is longer than {MAX_CELL_CHARS} characters.",
                            col + 1
                        ),
                    )]);
                }
                cells.push(c.to_string());
            }
            Ok(Some((line, cells)))
        })();
        match next {
            Ok(row) => row.map(Ok),
            Err(e) => {
                failed = true;
                Some(Err(e))
            }
        }
    })
}

/// CSV with the template's columns (comma or semicolon separated), or the
/// columns chosen by hand.
pub fn parse_csv(
    text: &str,
    columns: Option<&ColumnMap>,
    budget: &Budget,
) -> Result<(RawBank, Vec<String>), Vec<Problem>> {
    let mut notes = Vec::new();
    let questions = stream_questions(csv_rows(text, budget), columns, "", &mut notes)?;
    Ok((
        RawBank {
            questions,
            ..Default::default()
        },
        notes,
    ))
}

/// One column of a sheet as the mapping form shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetColumn {
    pub index: usize,
    /// "A", "B", …
    pub letter: String,
    /// The text of the header row.
    pub header: String,
    /// The same column in the next non-empty row.
    pub sample: String,
    /// The key the header was recognized as, if any.
    pub guess: Option<&'static str>,
}

/// The columns of the header row (of the top rows, the first with the
/// most cells filled: a title above it fills one) and a sample row below it.
fn columns_of_rows(rows: &Rows) -> Vec<SheetColumn> {
    let filled = |cells: &Vec<String>| cells.iter().filter(|c| !c.trim().is_empty()).count();
    let mut at = 0;
    for (i, (_, cells)) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        if filled(cells) > filled(&rows[at].1) {
            at = i;
        }
    }
    let mut below = rows.iter().skip(at).filter(|(_, cells)| filled(cells) > 0);
    let header = below.next().map(|(_, c)| c.clone()).unwrap_or_default();
    let sample = below.next().map(|(_, c)| c.clone()).unwrap_or_default();
    let guesses = guess_columns(&header);
    let width = header.len().max(sample.len()).min(MAX_SHEET_COLUMNS);
    let clip = |s: Option<&String>| -> String {
        let s = s.map(|s| s.trim()).unwrap_or("");
        match s.char_indices().nth(60) {
            Some((i, _)) => format!("{}…", &s[..i]),
            None => s.to_string(),
        }
    };
    (0..width)
        .map(|i| SheetColumn {
            index: i,
            letter: column_letter(i),
            header: clip(header.get(i)),
            sample: clip(sample.get(i)),
            guess: COLUMNS
                .iter()
                .zip(&guesses)
                .find(|(_, g)| **g == Some(i))
                .map(|((k, _, _), _)| *k),
        })
        .collect()
}

/// The columns of a CSV, for the mapping form: only its top rows are read.
pub fn csv_columns(text: &str) -> Vec<SheetColumn> {
    let budget = Budget::within(super::limits::PARSE_DEADLINE);
    let top: Result<Rows, Vec<Problem>> = csv_rows(text, &budget)
        .take(2 * HEADER_SEARCH_ROWS)
        .collect();
    top.map(|r| columns_of_rows(&r)).unwrap_or_default()
}

/// The columns of a workbook's question sheet (the first one holding
/// questions), for the mapping form.
pub fn xlsx_columns(bytes: &[u8]) -> Vec<SheetColumn> {
    let Ok((mut wb, sheets)) = open_xlsx(bytes) else {
        return Vec::new();
    };
    let mut budget = MAX_SHEET_TEXT_BYTES;
    let time = Budget::within(super::limits::PARSE_DEADLINE);
    sheets
        .iter()
        .filter_map(|name| read_sheet(&mut wb, name, &mut budget, &time).ok())
        .find(|rows| !rows.is_empty())
        .map(|rows| columns_of_rows(&rows))
        .unwrap_or_default()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "Đúng" } else { "Sai" }.to_string(),
        other => other.to_string(),
    }
}

/// Rows and columns read from a sheet: a bank has at most 20,000 questions
/// in 15 columns, so anything far past that is refused, never allocated.
pub const MAX_SHEET_ROWS: usize = 2 * super::MAX_QUESTIONS + 1_000;
pub const MAX_SHEET_COLUMNS: usize = 64;
/// Characters in one cell, and in all the cells of a workbook together.
pub const MAX_CELL_CHARS: usize = 32 * 1024;
pub const MAX_SHEET_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// Reads one sheet as a stream of cells into rows (1-based row number,
/// cells), with the limits above. Never sizes anything from the sheet's
/// declared extent: a two-cell sheet spanning A1:XFD1048576 costs two cells.
fn read_sheet<RS: std::io::Read + std::io::Seek>(
    wb: &mut Xlsx<RS>,
    name: &str,
    text_budget: &mut usize,
    time: &Budget,
) -> Result<Vec<(usize, Vec<String>)>, Vec<Problem>> {
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut rows: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
        time.tick()?;
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        let text = data_ref_text(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        if row >= MAX_SHEET_ROWS {
            return Err(vec![Problem::new(
                row + 1,
                "file",
                format!(
                    "Trang \"{name}\" có dữ liệu ở dòng {} (tối đa {MAX_SHEET_ROWS} dòng).",
                    row + 1
                ),
                format!(
                    "Sheet \"{name}\" has data on row {} (at most {MAX_SHEET_ROWS} rows).",
                    row + 1
                ),
            )]);
        }
        if col >= MAX_SHEET_COLUMNS {
            // Columns past the template's are ignored, not stored.
            continue;
        }
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(vec![Problem::new(
                row + 1,
                "file",
                format!(
                    "Ô ở dòng {} cột {} dài quá {MAX_CELL_CHARS} ký tự.",
                    row + 1,
                    col + 1
                ),
                format!(
                    "The cell on row {} column {} is longer than {MAX_CELL_CHARS} characters.",
                    row + 1,
                    col + 1
                ),
            )]);
        }
        *text_budget = text_budget.checked_sub(text.len()).ok_or_else(|| {
            vec![Problem::new(
                0,
                "file",
                format!(
                    "Tệp chứa quá nhiều chữ (tối đa {} MB).",
                    MAX_SHEET_TEXT_BYTES / 1024 / 1024
                ),
                format!(
                    "The workbook holds too much text (at most {} MB).",
                    MAX_SHEET_TEXT_BYTES / 1024 / 1024
                ),
            )]
        })?;
        let cells = rows.entry(row + 1).or_default();
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
    }
    Ok(rows.into_iter().collect())
}

fn unreadable(e: String) -> Vec<Problem> {
    vec![Problem::new(
        0,
        "file",
        format!("Không đọc được tệp Excel (.xlsx): {e}"),
        format!("Cannot read the Excel (.xlsx) file: {e}"),
    )]
}

fn data_ref_text(d: &calamine::DataRef<'_>) -> String {
    match d {
        calamine::DataRef::SharedString(s) => s.to_string(),
        other => cell_text(&Data::from(other.clone())),
    }
}

type Book<'a> = Xlsx<Cursor<&'a [u8]>>;

/// Opens a workbook after its zip checks; with the names of the sheets
/// that may hold questions (the "Câu hỏi" sheet if there is one, else
/// every sheet but the topic and info sheets).
fn open_xlsx(bytes: &[u8]) -> Result<(Book<'_>, Vec<String>), Vec<Problem>> {
    use crate::domain::archive::{check_zip, ZipRefusal, BANK_ZIP_LIMITS};
    check_zip(bytes, &BANK_ZIP_LIMITS).map_err(|e| match e {
        ZipRefusal::Unreadable(why) => unreadable(why),
        refusal => {
            let (vi, en) = refusal.messages();
            vec![Problem::new(0, "file", vi, en)]
        }
    })?;
    let wb: Book<'_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let names = wb.sheet_names().to_vec();
    let sheets: Vec<String> = match names.iter().find(|n| fold(n) == fold(QUESTIONS_SHEET)) {
        Some(q) => vec![q.clone()],
        None => names
            .iter()
            .filter(|n| {
                ![TOPICS_SHEET, INFO_SHEET]
                    .iter()
                    .any(|s| fold(s) == fold(n))
            })
            .cloned()
            .collect(),
    };
    if sheets.is_empty() {
        return Err(unreadable("no sheet".into()));
    }
    Ok((wb, sheets))
}

/// The questions of a workbook whose sheets each hold one topic (named
/// after the sheet): ids and problems say their sheet.
fn sheets_as_topics(
    sheets: Vec<(String, Rows)>,
    columns: Option<&ColumnMap>,
    notes: &mut Vec<String>,
) -> Result<Vec<RawQuestion>, Vec<Problem>> {
    let mut parsed: Vec<(String, Vec<RawQuestion>)> = Vec::new();
    let mut refused: Vec<(String, Vec<Problem>)> = Vec::new();
    for (n, (name, rows)) in sheets.into_iter().enumerate() {
        let prefix = match crate::domain::text::slugify(&name) {
            s if s.is_empty() => format!("trang{}-", n + 1),
            s => format!(
                "{}-",
                s.chars().take(40).collect::<String>().trim_end_matches('-')
            ),
        };
        match rows_to_questions(rows, columns, &prefix, notes) {
            Ok(qs) if qs.is_empty() => {}
            Ok(qs) => parsed.push((name, qs)),
            Err(p) => refused.push((name, p)),
        }
    }
    let in_sheet = |name: &str, problems: Vec<Problem>| -> Vec<Problem> {
        problems
            .into_iter()
            .map(|mut p| {
                p.message = format!("Trang \"{name}\": {}", p.message);
                p.message_en = format!("Sheet \"{name}\": {}", p.message_en);
                p
            })
            .collect()
    };
    if parsed.is_empty() {
        return Err(match refused.into_iter().next() {
            Some((name, p)) => in_sheet(&name, p),
            None => vec![Problem::new(
                1,
                "file",
                "Tệp không có câu hỏi nào.",
                "The workbook has no questions.",
            )],
        });
    }
    for (name, _) in &refused {
        notes.push(format!(
            "Trang \"{name}\" không có dòng tiêu đề câu hỏi nên được bỏ qua."
        ));
    }
    if parsed.len() == 1 {
        return Ok(parsed.pop().map(|(_, qs)| qs).unwrap_or_default());
    }
    // Several sheets: each is a topic, checked on its own so that a
    // problem says which sheet its row is in.
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut counts = Vec::new();
    for (name, mut qs) in parsed {
        for q in &mut qs {
            if q.topic.trim().is_empty() {
                q.topic = name.trim().to_string();
            }
        }
        let alone = RawBank {
            slug: "sheet".into(),
            title: name.clone(),
            questions: qs.clone(),
            ..Default::default()
        };
        if let Err(p) = super::validate(alone) {
            problems.extend(in_sheet(&name, p));
        }
        counts.push(format!("{} ({} câu)", name.trim(), qs.len()));
        out.extend(qs);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    notes.push(format!(
        "Mỗi trang tính là một chủ đề: {}.",
        counts.join(", ")
    ));
    Ok(out)
}

/// An XLSX workbook: the "Câu hỏi" sheet (or every sheet, each a topic
/// when there are several), plus the optional topic and info sheets. The
/// zip is checked against
/// [`BANK_ZIP_LIMITS`](crate::domain::archive::BANK_ZIP_LIMITS) before any
/// part of it is read, and sheets are read cell by cell within limits.
pub fn parse_xlsx(
    bytes: &[u8],
    columns: Option<&ColumnMap>,
    time: &Budget,
) -> Result<(RawBank, Vec<String>), Vec<Problem>> {
    time.check()?;
    let (mut wb, sheets) = open_xlsx(bytes)?;
    let names = wb.sheet_names().to_vec();
    let find = |wanted: &str| names.iter().find(|n| fold(n) == fold(wanted)).cloned();
    let mut budget = MAX_SHEET_TEXT_BYTES;
    let mut notes = Vec::new();
    let mut filled = Vec::new();
    for name in sheets {
        time.check()?;
        let rows = read_sheet(&mut wb, &name, &mut budget, time)?;
        if !rows.is_empty() {
            filled.push((name, rows));
        }
    }
    let questions = match filled.len() {
        0 => {
            return Err(vec![Problem::new(
                1,
                "file",
                "Tệp Excel trống.",
                "The workbook is empty.",
            )])
        }
        1 => {
            let (_, rows) = filled.pop().unwrap_or_default();
            rows_to_questions(rows, columns, "", &mut notes)?
        }
        _ => sheets_as_topics(filled, columns, &mut notes)?,
    };
    time.check()?;

    let mut bank = RawBank {
        questions,
        ..Default::default()
    };
    let first = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
    if let Some(name) = find(TOPICS_SHEET) {
        if let Ok(rows) = read_sheet(&mut wb, &name, &mut budget, time) {
            bank.topics = rows
                .iter()
                .skip(1)
                .filter_map(|(_, row)| {
                    let code = first(row, 0);
                    let name = first(row, 1);
                    (!code.trim().is_empty()).then(|| Topic {
                        name: if name.trim().is_empty() {
                            code.clone()
                        } else {
                            name
                        },
                        code,
                    })
                })
                .collect();
        }
    }
    if let Some(name) = find(INFO_SHEET) {
        if let Ok(rows) = read_sheet(&mut wb, &name, &mut budget, time) {
            for (_, row) in rows {
                let value = first(&row, 1);
                match fold(&first(&row, 0)).as_str() {
                    "slug" | "ma" => bank.slug = value,
                    "title" | "ten" => bank.title = value,
                    "language" | "ngon ngu" => bank.language = value,
                    "description" | "mo ta" => bank.description = value,
                    _ => {}
                }
            }
        }
    }
    Ok((bank, notes))
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> String {
    e.to_string()
}

/// Writes a workbook with the header row and the given questions.
fn workbook(bank: Option<&Bank>) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let sheet = wb
        .add_worksheet()
        .set_name(QUESTIONS_SHEET)
        .map_err(xlsx_error)?;
    for (c, (_, vi, _)) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *vi, &bold)
            .map_err(xlsx_error)?;
    }
    sheet.set_column_width(5, 50).map_err(xlsx_error)?;
    let example;
    let questions: Vec<Vec<String>> = match bank {
        Some(b) => b.questions.iter().map(question_cells).collect(),
        None => {
            example = vec![
                "dvc-001",
                "cong-dvc",
                "dễ",
                "1",
                "single",
                "Cổng Dịch vụ công quốc gia khai trương vào ngày nào?",
                "09/12/2019",
                "01/01/2019",
                "02/09/2020",
                "",
                "",
                "",
                "A",
                "Cổng khai trương ngày 09/12/2019.",
                "vietnamplus",
            ];
            vec![example.iter().map(|s| s.to_string()).collect()]
        }
    };
    for (r, cells) in questions.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string((r + 1) as u32, c as u16, v)
                    .map_err(xlsx_error)?;
            }
        }
    }
    if let Some(b) = bank {
        let topics = wb
            .add_worksheet()
            .set_name(TOPICS_SHEET)
            .map_err(xlsx_error)?;
        topics
            .write_string_with_format(0, 0, "Mã chủ đề", &bold)
            .map_err(xlsx_error)?;
        topics
            .write_string_with_format(0, 1, "Tên chủ đề", &bold)
            .map_err(xlsx_error)?;
        for (i, t) in b.topics.iter().enumerate() {
            topics
                .write_string((i + 1) as u32, 0, &t.code)
                .map_err(xlsx_error)?;
            topics
                .write_string((i + 1) as u32, 1, &t.name)
                .map_err(xlsx_error)?;
        }
        let info = wb
            .add_worksheet()
            .set_name(INFO_SHEET)
            .map_err(xlsx_error)?;
        for (i, (k, v)) in [
            ("slug", &b.slug),
            ("title", &b.title),
            ("language", &b.language),
            ("description", &b.description),
        ]
        .iter()
        .enumerate()
        {
            info.write_string(i as u32, 0, *k).map_err(xlsx_error)?;
            info.write_string(i as u32, 1, v.as_str())
                .map_err(xlsx_error)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

fn question_cells(q: &super::Question) -> Vec<String> {
    let mut cells = vec![
        q.id.clone(),
        q.topic.clone(),
        q.difficulty.as_str().to_string(),
        q.points.to_string(),
        q.kind.as_str().to_string(),
        q.stem.clone(),
    ];
    for i in 0..MAX_OPTIONS {
        cells.push(q.options.get(i).cloned().unwrap_or_default());
    }
    let (answer, matching, tolerance) = match &q.typed {
        Some(TypedKey::Short(k)) => (
            k.accepted.join(" | "),
            if k.matching == Matching::Exact {
                "exact"
            } else {
                ""
            }
            .to_string(),
            String::new(),
        ),
        Some(TypedKey::Numeric(k)) => (
            k.value.clone(),
            String::new(),
            if k.tolerance == "0" {
                String::new()
            } else {
                k.tolerance.clone()
            },
        ),
        Some(TypedKey::Survey(shape)) => {
            if shape.multiple {
                cells[4] = "survey_multiple".to_string();
            }
            (String::new(), String::new(), String::new())
        }
        None => (q.answer_letters().join(","), String::new(), String::new()),
    };
    cells.push(answer);
    cells.push(q.explanation.clone());
    cells.push(q.source.clone());
    cells.push(matching);
    cells.push(tolerance);
    cells
}

/// The downloadable template: Vietnamese headers and one example row.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    workbook(None)
}

pub fn write_xlsx(bank: &Bank) -> Result<Vec<u8>, String> {
    workbook(Some(bank))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::bank::{toml_format, validate, Difficulty, Kind};

    pub(crate) const CSV: &str = "Mã câu hỏi,Chủ đề,Mức độ,Điểm,Loại,Câu hỏi,Phương án A,Phương án B,Phương án C,Phương án D,Phương án E,Phương án F,Đáp án,Giải thích,Nguồn\n\
        q1,vneid,dễ,1,single,VNeID của cơ quan nào?,Bộ Công an,Bộ Y tế,,,,,A,Bộ Công an phát triển.,vneid.gov.vn\n\
        q2,vneid,khó,2,,Chọn phát biểu đúng,Miễn phí,Có mức 2,Chỉ cho người 18+,,,,\"A,B\",,\n";

    #[test]
    fn the_common_vietnamese_sheet_layout_is_understood() {
        let csv = "NGÂN HÀNG CÂU HỎI TÌM HIỂU LUẬT THANH NIÊN\n\
\n\
STT,Nội dung câu hỏi,A,B,C,D,Đáp án đúng,Lời giải\n\
1,Luật Thanh niên quy định độ tuổi thanh niên là?,Từ 15 đến 30,Từ 16 đến 30,Từ 16 đến 35,Từ 18 đến 35,c,Điều 1\n\
2,Tháng Thanh niên là tháng mấy?,Tháng 1,Tháng 3,Tháng 5,Tháng 7,(B),\n\
3,,,,,,,\n\
,,,,,,,\n";
        let bank = parse_csv(csv, None, &Budget::unlimited()).unwrap().0;
        assert_eq!(
            bank.questions.len(),
            2,
            "the title, blank and number-only rows are skipped"
        );
        let q = &bank.questions[0];
        assert_eq!(q.line, 4);
        assert_eq!(q.stem, "Luật Thanh niên quy định độ tuổi thanh niên là?");
        assert_eq!(
            q.options[..4],
            [
                "Từ 15 đến 30",
                "Từ 16 đến 30",
                "Từ 16 đến 35",
                "Từ 18 đến 35"
            ]
        );
        assert_eq!(q.answer, ["C"]);
        assert_eq!(q.explanation, "Điều 1");
        assert_eq!(bank.questions[1].answer, ["B"]);
        let (_, notes) = parse_csv(csv, None, &Budget::unlimited()).unwrap();
        assert_eq!(
            notes,
            ["Bố cục bảng đã nhận: Câu hỏi: cột B · Phương án A: cột C · Phương án B: cột D · Phương án C: cột E · Phương án D: cột F · Đáp án: cột G · Giải thích: cột H."],
            "the preview says how the sheet was read"
        );
    }

    #[test]
    fn numbered_options_and_tab_separated_text_are_understood() {
        let text = "Câu hỏi\tPhương án 1\tPhương án 2\tPhương án 3\tĐA\n\
Câu một?\tX\tY\tZ\t2\n";
        let bank = parse_csv(text, None, &Budget::unlimited()).unwrap().0;
        assert_eq!(bank.questions[0].options[..3], ["X", "Y", "Z"]);
        assert_eq!(bank.questions[0].answer, ["B"], "the second option");
    }

    #[test]
    fn the_csv_example_parses_with_row_numbers() {
        let raw = parse_csv(CSV, None, &Budget::unlimited()).unwrap().0;
        assert_eq!(raw.questions[1].line, 3);
        let bank = validate(RawBank {
            slug: "x1".into(),
            title: "X".into(),
            ..raw
        })
        .unwrap();
        assert_eq!(bank.questions[1].kind, Kind::Multiple);
        assert_eq!(bank.questions[1].difficulty, Difficulty::Hard);
    }

    #[test]
    fn semicolons_and_english_headers_work_and_missing_columns_are_named() {
        let csv = "stem;option_a;option_b;answer\nHỏi?;Có;Không;B\n";
        let raw = parse_csv(csv, None, &Budget::unlimited()).unwrap().0;
        assert_eq!(raw.questions[0].id, "q2");
        let errs = parse_csv("stem,answer\nx,A\n", None, &Budget::unlimited()).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().all(|e| e.row == 1));
    }

    #[test]
    fn the_template_reads_back_as_one_valid_question() {
        let bytes = template_xlsx().unwrap();
        let raw = parse_xlsx(&bytes, None, &Budget::unlimited()).unwrap().0;
        assert_eq!(raw.questions.len(), 1);
        assert_eq!(raw.questions[0].line, 2);
        validate(RawBank {
            slug: "mau".into(),
            title: "Mẫu".into(),
            ..raw
        })
        .unwrap();
    }

    #[test]
    fn an_exported_workbook_imports_to_the_same_bank() {
        let toml = toml_format::write(
            &validate(RawBank {
                slug: "x1".into(),
                title: "Tiêu đề".into(),
                ..parse_csv(CSV, None, &Budget::unlimited()).unwrap().0
            })
            .unwrap(),
        );
        let bank = validate(toml_format::parse(&toml).unwrap()).unwrap();
        let again = validate(
            parse_xlsx(&write_xlsx(&bank).unwrap(), None, &Budget::unlimited())
                .unwrap()
                .0,
        )
        .unwrap();
        assert_eq!(bank, again);
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_a_clear_error() {
        let errs = parse_xlsx(b"not a zip", None, &Budget::unlimited()).unwrap_err();
        assert!(errs[0].message.contains("Excel"));
    }

    #[allow(dead_code)]
    mod hostile {
        include!(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/hostile.rs"));
    }

    #[test]
    fn a_two_cell_sheet_spanning_the_whole_grid_is_read_as_two_cells() {
        let errs =
            parse_xlsx(&hostile::two_cell_extent_xlsx(), None, &Budget::unlimited()).unwrap_err();
        assert!(errs[0].message.contains("1048576"), "{errs:?}");
    }

    #[test]
    fn a_cell_bomb_is_refused_whether_its_size_is_declared_or_hidden() {
        for lie in [false, true] {
            let errs = parse_xlsx(
                &hostile::cell_bomb_xlsx(300 * 1024 * 1024, lie),
                None,
                &Budget::unlimited(),
            )
            .unwrap_err();
            assert!(
                errs[0].message.contains("bom nén") || errs[0].message.contains("khác kích thước"),
                "{errs:?}"
            );
        }
    }

    #[test]
    fn cells_past_the_template_columns_are_ignored() {
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        for (c, h) in ["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["Hỏi?", "Có", "Không", "A"].iter().enumerate() {
            sheet.write_string(1, c as u16, *v).unwrap();
        }
        sheet.write_string(1, 500, "rác").unwrap();
        let raw = parse_xlsx(&wb.save_to_buffer().unwrap(), None, &Budget::unlimited())
            .unwrap()
            .0;
        assert_eq!(raw.questions.len(), 1);
        assert_eq!(raw.questions[0].stem, "Hỏi?");
    }

    #[test]
    fn a_csv_of_rows_without_a_header_is_refused_after_its_top_rows() {
        // 1 MB of "a," rows: the header is looked for in the top rows only,
        // so the rest is never turned into rows.
        let csv = "a,\n".repeat(350_000);
        let (errs, _, peak) = crate::domain::alloc_meter::measure(|| {
            parse_csv(&csv, None, &Budget::unlimited()).unwrap_err()
        });
        assert_eq!(errs[0].field, "columns", "{errs:?}");
        assert!(
            peak < csv.len() as u64 / 4,
            "peak {peak} bytes for a {} byte file",
            csv.len()
        );
    }

    #[test]
    fn the_row_cap_is_applied_while_a_csv_is_streamed() {
        let mut csv = String::from("stem,option_a,option_b,answer\n");
        for i in 0..(MAX_SHEET_ROWS + 5_000) {
            csv.push_str(&format!("Hỏi {i}?,x,y,A\n"));
        }
        let (errs, _, peak) = crate::domain::alloc_meter::measure(|| {
            parse_csv(&csv, None, &Budget::unlimited()).unwrap_err()
        });
        assert_eq!(errs.len(), 1, "{:?}", &errs[..errs.len().min(3)]);
        assert_eq!(
            (errs[0].row, errs[0].field.as_str()),
            (MAX_SHEET_ROWS + 1, "file"),
            "stopped at the first row past the cap"
        );
        // The rows are never all held: what is kept are the questions
        // (about 650 bytes each, with the typed-answer fields) up to the cap.
        let rows = (MAX_SHEET_ROWS + 5_000) as u64;
        assert!(peak < rows * 950, "peak {peak} bytes for {rows} rows");
    }

    #[test]
    fn a_csv_cell_longer_than_the_cell_cap_is_refused_at_its_row() {
        let csv = format!(
            "stem,option_a,option_b,answer\nx,{},y,A\n",
            "ư".repeat(MAX_CELL_CHARS + 1)
        );
        let errs = parse_csv(&csv, None, &Budget::unlimited()).unwrap_err();
        assert_eq!(
            (errs[0].row, errs[0].field.as_str()),
            (2, "file"),
            "{errs:?}"
        );
        let cancelled = Budget::unlimited();
        cancelled.cancel();
        let errs = parse_csv(CSV, None, &cancelled).unwrap_err();
        assert!(errs[0].message.starts_with("Tệp quá phức tạp"), "{errs:?}");
    }

    #[test]
    fn column_names_and_letters_round_trip() {
        for (i, l) in [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (63, "BL")] {
            assert_eq!(column_letter(i), l);
            assert_eq!(column_index(l), Some(i));
            assert_eq!(column_index(&l.to_lowercase()), Some(i));
        }
        assert_eq!(column_index("3"), Some(2));
        for bad in ["", "0", "A1", "ZZZZ", "BM", "65", "-1", "Ă"] {
            assert_eq!(column_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_column_map_is_read_with_every_problem_at_once() {
        let map = ColumnMap::parse("stem=C, a=D,b=E ,c=F,d=G,answer=8,topic=b").unwrap();
        assert_eq!(map.column_of("stem"), Some(2));
        assert_eq!(map.column_of("option_d"), Some(6));
        assert_eq!(map.column_of("answer"), Some(7));
        assert_eq!(map.column_of("topic"), Some(1));
        assert_eq!(
            map.to_spec(),
            "stem=C,option_a=D,option_b=E,option_c=F,option_d=G,answer=H,topic=B"
        );
        assert_eq!(ColumnMap::parse(&map.to_spec()).unwrap(), map);

        let errs = ColumnMap::parse("stem=C,a=C,mau=D,b,answer=ZZZZ").unwrap_err();
        let text: Vec<&str> = errs.iter().map(|p| p.message.as_str()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("\"a=C\"") && m.contains("stem")),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.contains("\"mau=D\"")), "{text:?}");
        assert!(
            text.iter().any(|m| m.contains("\"b\" không có dạng")),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.contains("answer=ZZZZ")), "{text:?}");
        // option_a, option_b and answer are still missing.
        assert_eq!(
            errs.iter()
                .filter(|p| p.message.starts_with("Thiếu cột"))
                .count(),
            3
        );
        assert!(errs.iter().all(|p| p.row == 1 && p.field == "columns"));
    }

    #[test]
    fn unknown_headers_are_read_through_a_column_map() {
        let csv = "Danh sách câu hỏi thi
Số TT,Nội dung hỏi,Lựa chọn thứ nhất,Lựa chọn thứ hai,Lựa chọn thứ ba,Kết quả
1,Đoàn TNCS Hồ Chí Minh thành lập năm nào?,1930,1931,1941,b
2,Ngày thành lập Đoàn là ngày nào?,26/3,19/5,2/9,1
";
        let errs = parse_csv(csv, None, &Budget::unlimited()).unwrap_err();
        assert!(errs.iter().all(|p| p.field == "columns"), "{errs:?}");
        let columns = csv_columns(csv);
        assert_eq!(columns.len(), 6);
        assert_eq!(
            columns[1].header, "Nội dung hỏi",
            "the title above the header is passed over"
        );
        assert_eq!(columns[5].sample, "b");
        let map = ColumnMap::parse("stem=B,a=C,b=D,c=E,answer=F").unwrap();
        let raw = parse_csv(csv, Some(&map), &Budget::unlimited()).unwrap().0;
        assert_eq!(
            raw.questions.len(),
            2,
            "the title and header rows are skipped"
        );
        let q = &raw.questions[0];
        assert_eq!(q.line, 3);
        assert_eq!(q.stem, "Đoàn TNCS Hồ Chí Minh thành lập năm nào?");
        assert_eq!(q.options[..3], ["1930", "1931", "1941"]);
        assert_eq!(q.answer, ["B"]);
        assert_eq!(raw.questions[1].answer, ["A"]);
        // A bad answer below the first question is reported, not skipped.
        let bad = format!("{csv}3,Hỏi?,x,y,z,Q\n");
        let raw = parse_csv(&bad, Some(&map), &Budget::unlimited()).unwrap().0;
        assert_eq!(raw.questions.len(), 3);
        assert!(validate(RawBank {
            slug: "x1".into(),
            title: "X".into(),
            ..raw
        })
        .is_err());
    }

    #[test]
    fn the_columns_offered_are_the_header_and_a_sample_with_guesses() {
        let csv = "STT,Nội dung câu hỏi,Cột lạ,Đáp án
1,Hỏi gì?,X,A
";
        let cols = csv_columns(csv);
        assert_eq!(cols.len(), 4);
        assert_eq!(
            (
                cols[1].letter.as_str(),
                cols[1].header.as_str(),
                cols[1].sample.as_str()
            ),
            ("B", "Nội dung câu hỏi", "Hỏi gì?")
        );
        assert_eq!(cols[1].guess, Some("stem"));
        assert_eq!(cols[2].guess, None);
        assert_eq!(cols[3].guess, Some("answer"));
    }

    fn sheet(wb: &mut Workbook, name: &str, rows: &[&[&str]]) {
        let s = wb.add_worksheet();
        s.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                s.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }

    #[test]
    fn a_workbook_with_one_sheet_per_topic_takes_each_sheet_name_as_topic() {
        let header: &[&str] = &["STT", "Câu hỏi", "A", "B", "C", "D", "Đáp án"];
        let mut wb = Workbook::new();
        sheet(&mut wb, "Hướng dẫn", &[&["Mỗi trang là một chủ đề."]]);
        sheet(
            &mut wb,
            "Lịch sử Đoàn",
            &[
                header,
                &[
                    "1",
                    "Đoàn thành lập năm?",
                    "1930",
                    "1931",
                    "1941",
                    "1945",
                    "B",
                ],
                &["2", "Ngày thành lập?", "26/3", "19/5", "2/9", "1/6", "A"],
            ],
        );
        sheet(
            &mut wb,
            "Pháp luật",
            &[
                header,
                &[
                    "1",
                    "Luật Thanh niên năm?",
                    "2005",
                    "2020",
                    "2015",
                    "2010",
                    "B",
                ],
            ],
        );
        sheet(&mut wb, "Sheet4", &[]);
        let bytes = wb.save_to_buffer().unwrap();
        let (raw, notes) = parse_xlsx(&bytes, None, &Budget::unlimited()).unwrap();
        assert_eq!(raw.questions.len(), 3);
        let topics: Vec<&str> = raw.questions.iter().map(|q| q.topic.as_str()).collect();
        assert_eq!(topics, ["Lịch sử Đoàn", "Lịch sử Đoàn", "Pháp luật"]);
        let ids: Vec<&str> = raw.questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["lich-su-doan-q2", "lich-su-doan-q3", "phap-luat-q2"]);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("Mỗi trang tính là một chủ đề")
                    && n.contains("Pháp luật (1 câu)")),
            "{notes:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("\"Hướng dẫn\"") && n.contains("bỏ qua")),
            "{notes:?}"
        );
        let bank = validate(RawBank {
            slug: "x1".into(),
            title: "X".into(),
            ..raw
        })
        .unwrap();
        assert_eq!(bank.topics.len(), 2);

        // A problem says its sheet as well as its row.
        let mut wb = Workbook::new();
        sheet(
            &mut wb,
            "Lịch sử",
            &[header, &["1", "Hỏi?", "x", "y", "", "", "B"]],
        );
        sheet(
            &mut wb,
            "Pháp luật",
            &[header, &["1", "Hỏi?", "x", "y", "", "", "E"]],
        );
        let errs =
            parse_xlsx(&wb.save_to_buffer().unwrap(), None, &Budget::unlimited()).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].row, 2);
        assert!(
            errs[0].message.starts_with("Trang \"Pháp luật\": "),
            "{errs:?}"
        );
    }
}
