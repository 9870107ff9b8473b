//! The spreadsheet layout shared by XLSX and CSV: one question per row under
//! a header row. XLSX files may add a "Chủ đề" sheet (code, name) and a
//! "Thông tin" sheet (slug, title, language, description), which the export
//! writes so that an exported workbook imports back to the same bank.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format as XFormat, Workbook};

use super::{Bank, RawBank, RawQuestion, Topic, LETTERS, MAX_OPTIONS};
use crate::domain::text::fold;
use crate::error::Problem;

pub const QUESTIONS_SHEET: &str = "Câu hỏi";
pub const TOPICS_SHEET: &str = "Chủ đề";
pub const INFO_SHEET: &str = "Thông tin";

/// Columns: (key, Vietnamese header, English alias).
pub const COLUMNS: [(&str, &str, &str); 15] = [
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

/// Maps each known column key to its index in the header row (`line`).
fn header_map(header: &[String], line: usize) -> Result<Vec<Option<usize>>, Vec<Problem>> {
    let normed: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
    let map: Vec<Option<usize>> = COLUMNS
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
        .collect();
    let missing: Vec<Problem> = COLUMNS
        .iter()
        .zip(&map)
        .filter(|((key, _, _), idx)| idx.is_none() && REQUIRED.contains(key))
        .map(|((key, vi, _), _)| {
            Problem::new(
                line,
                key,
                format!("Thiếu cột \"{vi}\" ở dòng tiêu đề (tên khác được nhận: xem hướng dẫn định dạng)."),
                format!("The header row has no \"{key}\" column."),
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(map)
    } else {
        Err(missing)
    }
}

/// Sheet rows: (row number, cells).
type Rows = Vec<(usize, Vec<String>)>;

/// How many rows at the top may come before the header (a title, notes).
const HEADER_SEARCH_ROWS: usize = 10;

/// The header row (the first of the top rows that names the needed
/// columns) and the rows below it; when none does, the problems of the
/// first non-empty row.
fn split_header(mut rows: Rows) -> Result<(Vec<Option<usize>>, Rows), Vec<Problem>> {
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

/// One answer as written ("B", "b.", "(C)", "2" for the second option).
fn answer_token(t: &str) -> String {
    let t = t.trim().trim_matches(|c: char| "()[].:".contains(c)).trim();
    match t.parse::<usize>() {
        Ok(n) if (1..=MAX_OPTIONS).contains(&n) => LETTERS[n - 1].to_string(),
        _ => t.to_uppercase(),
    }
}

/// Turns rows (row number, cells) into questions. Row ids default to `q<row>`.
fn rows_to_questions(rows: Rows) -> Result<Vec<RawQuestion>, Vec<Problem>> {
    let (map, rows) = split_header(rows)?;
    let cell = |row: &[String], key: &str| -> String {
        let i = COLUMNS
            .iter()
            .position(|(k, _, _)| *k == key)
            .and_then(|c| map[c]);
        i.and_then(|i| row.get(i)).cloned().unwrap_or_default()
    };
    let mut out = Vec::new();
    for (line, row) in rows {
        // Empty rows, and rows with only a number (STT) or a topic, are not questions.
        let content = ["stem", "option_a", "option_b", "answer"];
        if content.iter().all(|k| cell(&row, k).trim().is_empty()) {
            continue;
        }
        let id = match cell(&row, "id") {
            s if s.trim().is_empty() => format!("q{line}"),
            s => s,
        };
        let options = (0..MAX_OPTIONS)
            .map(|i| cell(&row, &format!("option_{}", LETTERS[i].to_lowercase())))
            .collect();
        let answer = cell(&row, "answer")
            .split([',', ';', ' ', '+', '/'])
            .map(answer_token)
            .filter(|s| !s.is_empty())
            .collect();
        out.push(RawQuestion {
            line,
            id,
            topic: cell(&row, "topic"),
            difficulty: cell(&row, "difficulty"),
            points: cell(&row, "points"),
            kind: cell(&row, "kind"),
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

/// CSV with the template's columns (comma or semicolon separated).
pub fn parse_csv(text: &str) -> Result<RawBank, Vec<Problem>> {
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
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            vec![Problem::new(
                line,
                "file",
                format!("Dòng CSV hỏng: {e}"),
                format!("Malformed CSV: {e}"),
            )]
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, record.iter().map(str::to_string).collect::<Vec<_>>()));
    }
    Ok(RawBank {
        questions: rows_to_questions(rows)?,
        ..Default::default()
    })
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
) -> Result<Vec<(usize, Vec<String>)>, Vec<Problem>> {
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut rows: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
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

/// An XLSX workbook: the "Câu hỏi" sheet (or the first sheet), plus the
/// optional topic and info sheets. The zip is checked against
/// [`BANK_ZIP_LIMITS`](crate::domain::archive::BANK_ZIP_LIMITS) before any
/// part of it is read, and sheets are read cell by cell within limits.
pub fn parse_xlsx(bytes: &[u8]) -> Result<RawBank, Vec<Problem>> {
    use crate::domain::archive::{check_zip, ZipRefusal, BANK_ZIP_LIMITS};
    check_zip(bytes, &BANK_ZIP_LIMITS).map_err(|e| match e {
        ZipRefusal::Unreadable(why) => unreadable(why),
        refusal => {
            let (vi, en) = refusal.messages();
            vec![Problem::new(0, "file", vi, en)]
        }
    })?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let names = wb.sheet_names().to_vec();
    let find = |wanted: &str| names.iter().find(|n| fold(n) == fold(wanted)).cloned();
    let qsheet = find(QUESTIONS_SHEET)
        .or_else(|| names.first().cloned())
        .ok_or_else(|| unreadable("no sheet".into()))?;
    let mut budget = MAX_SHEET_TEXT_BYTES;
    let rows = read_sheet(&mut wb, &qsheet, &mut budget)?;
    if rows.is_empty() {
        return Err(vec![Problem::new(
            1,
            "file",
            format!("Trang \"{qsheet}\" trống."),
            format!("Sheet \"{qsheet}\" is empty."),
        )]);
    }
    let questions = rows_to_questions(rows)?;

    let mut bank = RawBank {
        questions,
        ..Default::default()
    };
    let first = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
    if let Some(name) = find(TOPICS_SHEET) {
        if let Ok(rows) = read_sheet(&mut wb, &name, &mut budget) {
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
        if let Ok(rows) = read_sheet(&mut wb, &name, &mut budget) {
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
    Ok(bank)
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
    cells.push(q.answer_letters().join(","));
    cells.push(q.explanation.clone());
    cells.push(q.source.clone());
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
        let bank = parse_csv(csv).unwrap();
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
    }

    #[test]
    fn numbered_options_and_tab_separated_text_are_understood() {
        let text = "Câu hỏi\tPhương án 1\tPhương án 2\tPhương án 3\tĐA\n\
Câu một?\tX\tY\tZ\t2\n";
        let bank = parse_csv(text).unwrap();
        assert_eq!(bank.questions[0].options[..3], ["X", "Y", "Z"]);
        assert_eq!(bank.questions[0].answer, ["B"], "the second option");
    }

    #[test]
    fn the_csv_example_parses_with_row_numbers() {
        let raw = parse_csv(CSV).unwrap();
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
        let raw = parse_csv(csv).unwrap();
        assert_eq!(raw.questions[0].id, "q2");
        let errs = parse_csv("stem,answer\nx,A\n").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().all(|e| e.row == 1));
    }

    #[test]
    fn the_template_reads_back_as_one_valid_question() {
        let bytes = template_xlsx().unwrap();
        let raw = parse_xlsx(&bytes).unwrap();
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
                ..parse_csv(CSV).unwrap()
            })
            .unwrap(),
        );
        let bank = validate(toml_format::parse(&toml).unwrap()).unwrap();
        let again = validate(parse_xlsx(&write_xlsx(&bank).unwrap()).unwrap()).unwrap();
        assert_eq!(bank, again);
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_a_clear_error() {
        let errs = parse_xlsx(b"not a zip").unwrap_err();
        assert!(errs[0].message.contains("Excel"));
    }

    #[allow(dead_code)]
    mod hostile {
        include!(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/hostile.rs"));
    }

    #[test]
    fn a_two_cell_sheet_spanning_the_whole_grid_is_read_as_two_cells() {
        let errs = parse_xlsx(&hostile::two_cell_extent_xlsx()).unwrap_err();
        assert!(errs[0].message.contains("1048576"), "{errs:?}");
    }

    #[test]
    fn a_cell_bomb_is_refused_whether_its_size_is_declared_or_hidden() {
        for lie in [false, true] {
            let errs = parse_xlsx(&hostile::cell_bomb_xlsx(300 * 1024 * 1024, lie)).unwrap_err();
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
        let raw = parse_xlsx(&wb.save_to_buffer().unwrap()).unwrap();
        assert_eq!(raw.questions.len(), 1);
        assert_eq!(raw.questions[0].stem, "Hỏi?");
    }
}
