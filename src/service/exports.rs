//! Exports as CSV (UTF-8 with BOM, for Excel) and XLSX, with Vietnamese
//! headers, dates dd/mm/yyyy and times in Asia/Ho_Chi_Minh. Full personal
//! data only for a contest's organizers and admins; viewers get the same
//! exports masked. The full results stream page by page.

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use rust_xlsxwriter::{Format as XFormat, Workbook};
use serde::Deserialize;

use crate::db::contests as contest_store;
use crate::db::{results, DbConn};
use crate::domain::heading::{Heading, PARTY_LINE};
use crate::domain::identity::mask_phone;
use crate::domain::vn_time::to_vn;
use crate::error::AppError;
use crate::service::access::{reader_access, Access, Reader};
use crate::service::rankings::{ensure_final, round_of, same_place};
use crate::service::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(ext: &str) -> Result<Format, AppError> {
        match ext {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(AppError::NotFound),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// A finished export: either one body or a stream of CSV pages.
pub enum Export {
    Body(Vec<u8>),
    Stream(std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, AppError>>>>),
}

/// A small table, built whole (winners, unit statistics, decisions, ledgers).
pub struct Table {
    pub sheet: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// The administrative heading a document to sign starts with (XLSX and
    /// print views; CSV stays a plain table for other programs).
    pub heading: Option<Heading>,
}

impl Table {
    pub fn render(&self, format: Format) -> Result<Vec<u8>, AppError> {
        match format {
            Format::Csv => {
                let mut out = String::from("\u{feff}");
                out.push_str(&csv_line(self.headers.iter().map(|h| h.to_string())));
                for r in &self.rows {
                    out.push_str(&csv_line(r.iter().cloned()));
                }
                Ok(out.into_bytes())
            }
            Format::Xlsx => {
                let mut book = XlsxBook::new(self.sheet, &self.headers, self.heading.as_ref())?;
                for r in &self.rows {
                    book.row(r)?;
                }
                book.finish()
            }
        }
    }
}

/// Quotes a CSV cell when needed, and defuses spreadsheet formulas.
pub fn csv_cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) && v.parse::<f64>().is_err() {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

fn csv_line(cells: impl Iterator<Item = String>) -> String {
    let mut s = cells.map(|c| csv_cell(&c)).collect::<Vec<_>>().join(",");
    s.push('\n');
    s
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A one-sheet workbook written row by row in constant memory (rows go to a
/// temporary file, not to the heap).
struct XlsxBook {
    book: Workbook,
    next: u32,
}

impl XlsxBook {
    fn new(sheet: &str, headers: &[&str], heading: Option<&Heading>) -> Result<XlsxBook, AppError> {
        let mut book = Workbook::new();
        let bold = XFormat::new().set_bold();
        let ws = book.add_worksheet_with_constant_memory();
        ws.set_name(sheet).map_err(xlsx_err)?;
        for i in 0..headers.len() {
            ws.set_column_width(i as u16, 16).map_err(xlsx_err)?;
        }
        let first = match heading {
            Some(h) => write_heading(ws, h, headers.len().max(2) as u16)?,
            None => 0,
        };
        for (i, h) in headers.iter().enumerate() {
            ws.write_string_with_format(first, i as u16, *h, &bold)
                .map_err(xlsx_err)?;
        }
        Ok(XlsxBook {
            book,
            next: first + 1,
        })
    }

    fn row(&mut self, cells: &[String]) -> Result<(), AppError> {
        let ws = self.book.worksheet_from_index(0).map_err(xlsx_err)?;
        for (i, v) in cells.iter().enumerate() {
            // Numbers stay numbers (so sums and sorts work); everything else is text.
            match v.parse::<f64>() {
                Ok(n) if !v.starts_with('0') || v == "0" || v.starts_with("0.") => {
                    ws.write_number(self.next, i as u16, n).map_err(xlsx_err)?;
                }
                _ => {
                    ws.write_string(self.next, i as u16, v).map_err(xlsx_err)?;
                }
            }
        }
        self.next += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, AppError> {
        self.book.save_to_buffer().map_err(xlsx_err)
    }
}

/// Writes the administrative heading over `cols` columns (left half: the
/// unit above and the issuing unit; right half: the party line and the
/// date; then the title and subtitle across); returns the table's first row.
fn write_heading(
    ws: &mut rust_xlsxwriter::Worksheet,
    h: &Heading,
    cols: u16,
) -> Result<u32, AppError> {
    use rust_xlsxwriter::FormatAlign;
    let center = XFormat::new().set_align(FormatAlign::Center);
    let bold = center.clone().set_bold();
    let party = bold
        .clone()
        .set_underline(rust_xlsxwriter::FormatUnderline::Single);
    let italic = center.clone().set_italic();
    let title = bold.clone().set_font_size(14);
    let mid = cols / 2;
    let mut put = |row: u32, first: u16, last: u16, text: &str, f: &XFormat| {
        if first == last {
            ws.write_string_with_format(row, first, text, f).map(|_| ())
        } else {
            ws.merge_range(row, first, row, last, text, f).map(|_| ())
        }
    };
    put(0, 0, mid - 1, h.upper.as_deref().unwrap_or(""), &center).map_err(xlsx_err)?;
    put(0, mid, cols - 1, PARTY_LINE, &party).map_err(xlsx_err)?;
    put(1, 0, mid - 1, &h.unit, &bold).map_err(xlsx_err)?;
    put(2, 0, mid - 1, "***", &center).map_err(xlsx_err)?;
    put(2, mid, cols - 1, &h.date_line, &italic).map_err(xlsx_err)?;
    put(4, 0, cols - 1, &h.title, &title).map_err(xlsx_err)?;
    put(5, 0, cols - 1, &h.subtitle, &bold).map_err(xlsx_err)?;
    Ok(7)
}

/// The heading of a contest's document: its organizing unit and the unit
/// above, dated today (Vietnam time).
pub(crate) fn heading_of(
    c: &mut DbConn,
    contest: &contest_store::Contest,
    title: &str,
    now: chrono::NaiveDateTime,
) -> Result<Heading, AppError> {
    let unit = crate::db::units::by_id(c, &contest.unit_id)?;
    let upper = match &unit.parent_id {
        Some(p) => Some(crate::db::units::by_id(c, p)?.name),
        None => None,
    };
    Ok(Heading::new(
        upper.as_deref(),
        &unit.name,
        crate::domain::vn_time::today(now),
        title,
        &contest.title,
    ))
}

const PAGE: i64 = 2000;

const FULL_HEADERS: [&str; 13] = [
    "Hạng",
    "Họ và tên",
    "Ngày sinh",
    "Số điện thoại",
    "Mã đơn vị",
    "Đơn vị",
    "Đối tượng",
    "Điểm",
    "Điểm tối đa",
    "Thời gian (giây)",
    "Nộp lúc",
    "Dự đoán",
    "Số lượt",
];

const MASKED_HEADERS: [&str; 11] = [
    "Hạng",
    "Họ và tên",
    "Số điện thoại (che)",
    "Mã đơn vị",
    "Đơn vị",
    "Đối tượng",
    "Điểm",
    "Điểm tối đa",
    "Thời gian (giây)",
    "Nộp lúc",
    "Dự đoán",
];

/// Where a results export has got to: the last row written (the next page
/// continues after its sort key), its rank, and how many rows came before.
#[derive(Default)]
struct Cursor {
    last: Option<results::BoardRow>,
    rank: i64,
    written: i64,
}

/// The next page of a round's results as rows (ties carried across pages).
fn results_page(
    c: &mut DbConn,
    round_id: &str,
    is_final: bool,
    cursor: &mut Cursor,
    access: Access,
) -> Result<Vec<Vec<String>>, AppError> {
    let rows = results::page_after(c, round_id, is_final, cursor.last.as_ref(), PAGE)?;
    let extra =
        results::birth_and_category(c, rows.iter().map(|r| r.participant_id.clone()).collect())?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let tied = cursor
            .last
            .as_ref()
            .is_some_and(|p| same_place(p, r, is_final));
        cursor.written += 1;
        if !tied {
            cursor.rank = cursor.written;
        }
        let rank = cursor.rank;
        cursor.last = Some(r.clone());
        let (birth, category) = extra.get(&r.participant_id).cloned().unwrap_or_default();
        let seconds = format!("{:.1}", r.duration_ms as f64 / 1000.0);
        let at = to_vn(r.finished_at).format("%d/%m/%Y %H:%M:%S").to_string();
        let prediction = if is_final {
            r.prediction.map(|p| p.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        out.push(match access {
            Access::Full => vec![
                rank.to_string(),
                r.full_name.clone(),
                birth,
                r.phone.clone(),
                r.unit_code.clone(),
                r.unit_name.clone(),
                category,
                r.score.to_string(),
                r.max_score.to_string(),
                seconds,
                at,
                prediction,
                r.attempts_used.to_string(),
            ],
            Access::Masked => vec![
                rank.to_string(),
                r.full_name.clone(),
                mask_phone(&r.phone),
                r.unit_code.clone(),
                r.unit_name.clone(),
                category,
                r.score.to_string(),
                r.max_score.to_string(),
                seconds,
                at,
                prediction,
            ],
        });
    }
    Ok(out)
}

/// What a round's results document starts from: the round (frozen when
/// due), what the reader may see, and the heading.
struct ResultsStart {
    round_id: String,
    is_final: bool,
    access: Access,
    heading: Heading,
}

fn results_start(
    c: &mut DbConn,
    st: &AppState,
    reader: &Reader,
    slug: &str,
    number: i32,
    now: chrono::NaiveDateTime,
) -> Result<ResultsStart, AppError> {
    let contest = contest_store::by_slug(c, slug)?;
    let access = reader_access(c, reader, &contest)?;
    let round = round_of(c, &contest, number)?;
    let round = ensure_final(c, st, &contest, round, now)?;
    Ok(ResultsStart {
        heading: heading_of(c, &contest, &format!("Kết quả vòng {number}"), now)?,
        is_final: round.finalized_at.is_some(),
        round_id: round.id,
        access,
    })
}

fn results_headers(access: Access) -> Vec<&'static str> {
    match access {
        Access::Full => FULL_HEADERS.to_vec(),
        Access::Masked => MASKED_HEADERS.to_vec(),
    }
}

/// Full results of a round for a reader: CSV streams page by page so
/// 100,000 rows never sit in memory together; XLSX is written in constant
/// memory and sent whole.
pub async fn round_results(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
    format: Format,
) -> Result<Export, AppError> {
    let (st, now) = (state.clone(), state.now());
    let ResultsStart {
        round_id,
        is_final,
        access,
        heading,
    } = state
        .db
        .write(move |c| results_start(c, &st, &reader, &slug, number, now))
        .await?;
    let headers = results_headers(access);
    if format == Format::Xlsx {
        let body = state
            .db
            .read(move |c| {
                let mut book = XlsxBook::new("Kết quả", &headers, Some(&heading))?;
                let mut cursor = Cursor::default();
                loop {
                    let rows = results_page(c, &round_id, is_final, &mut cursor, access)?;
                    for r in &rows {
                        book.row(r)?;
                    }
                    if (rows.len() as i64) < PAGE {
                        break;
                    }
                }
                book.finish()
            })
            .await?;
        return Ok(Export::Body(body));
    }
    let header = format!(
        "\u{feff}{}",
        csv_line(headers.iter().map(|h| h.to_string()))
    );
    let db = state.db.clone();
    let first = futures_util::stream::once(async move { Ok(Bytes::from(header)) });
    let rows = futures_util::stream::unfold(Some(Cursor::default()), move |cursor| {
        let (db, round_id) = (db.clone(), round_id.clone());
        async move {
            let mut cursor = cursor?;
            let page = db
                .read(move |c| {
                    let rows = results_page(c, &round_id, is_final, &mut cursor, access)?;
                    Ok((rows, cursor))
                })
                .await;
            match page {
                Err(e) => Some((Err(e), None)),
                Ok((rows, _)) if rows.is_empty() => None,
                Ok((rows, cursor)) => {
                    let next = (rows.len() as i64 == PAGE).then_some(cursor);
                    let text: String = rows.into_iter().map(|r| csv_line(r.into_iter())).collect();
                    Some((Ok(Bytes::from(text)), next))
                }
            }
        }
    });
    Ok(Export::Stream(Box::pin(first.chain(rows))))
}

/// How many results a printed list holds (the XLSX has them all).
pub const PRINT_ROWS: usize = 5000;

/// A round's results as a document to print and sign: the heading and the
/// first [`PRINT_ROWS`] rows; `more` says whether there were more.
pub async fn results_for_print(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
) -> Result<(Table, bool), AppError> {
    let (st, now) = (state.clone(), state.now());
    state
        .db
        .write(move |c| {
            let start = results_start(c, &st, &reader, &slug, number, now)?;
            let (is_final, access) = (start.is_final, start.access);
            let mut cursor = Cursor::default();
            let mut rows = Vec::new();
            loop {
                let page = results_page(c, &start.round_id, is_final, &mut cursor, access)?;
                let last = (page.len() as i64) < PAGE;
                rows.extend(page);
                if last || rows.len() > PRINT_ROWS {
                    break;
                }
            }
            let more = rows.len() > PRINT_ROWS;
            rows.truncate(PRINT_ROWS);
            let table = Table {
                sheet: "Kết quả",
                headers: results_headers(access),
                rows,
                heading: Some(start.heading),
            };
            Ok((table, more))
        })
        .await
}

/// The heading of a contest's document titled `title`.
async fn document_heading(
    state: &AppState,
    slug: String,
    title: String,
) -> Result<Heading, AppError> {
    let now = state.now();
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            heading_of(c, &contest, &title, now)
        })
        .await
}

/// Winners of a round (published, or the organizers' proposal).
pub async fn winners(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
) -> Result<Table, AppError> {
    let full = matches!(&reader, Reader::Staff(_));
    let prizes = crate::service::prizes::for_reader(state, reader, slug.clone(), number).await?;
    let title = if prizes.published_at.is_some() {
        format!("Danh sách đoạt giải vòng {number}")
    } else {
        format!("Dự kiến danh sách đoạt giải vòng {number}")
    };
    let heading = document_heading(state, slug, title).await?;
    let full = full && prizes.winners.iter().all(|w| w.phone.is_some());
    let mut headers = vec!["Giải", "Hạng", "Họ và tên"];
    headers.extend(if full {
        vec!["Ngày sinh", "Số điện thoại"]
    } else {
        vec!["Số điện thoại (che)"]
    });
    headers.extend([
        "Đối tượng",
        "Mã đơn vị",
        "Đơn vị",
        "Điểm",
        "Điểm tối đa",
        "Thời gian (giây)",
    ]);
    let rows = prizes
        .winners
        .iter()
        .map(|w| {
            let mut r = vec![w.tier_name.clone(), w.rank.to_string(), w.name.clone()];
            if full {
                r.push(w.birth_date.clone().unwrap_or_default());
                r.push(w.phone.clone().unwrap_or_default());
            } else {
                r.push(w.masked_phone.clone());
            }
            r.extend([
                w.category.clone(),
                w.unit_code.clone(),
                w.unit_name.clone(),
                w.score.to_string(),
                w.max_score.to_string(),
                format!("{:.1}", w.duration_ms as f64 / 1000.0),
            ]);
            r
        })
        .collect();
    Ok(Table {
        sheet: "Giải thưởng",
        headers,
        rows,
        heading: Some(heading),
    })
}

fn two_places(x: Option<f64>) -> String {
    x.map(|a| format!("{a:.2}")).unwrap_or_default()
}

fn ratio(x: Option<f64>) -> String {
    x.map(|v| format!("{:.4}", v)).unwrap_or_default()
}

/// The round's survey answers (sheet "Khảo sát"): one row per question,
/// option and unit below `unit` (or the contest's), with the whole first;
/// free texts as their own rows for organizers only.
pub async fn survey(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
    unit: Option<String>,
) -> Result<Table, AppError> {
    let (s2, now, r2) = (slug.clone(), state.now(), reader.clone());
    let heading = state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &s2)?;
            reader_access(c, &r2, &contest)?;
            heading_of(c, &contest, &format!("Kết quả khảo sát vòng {number}"), now)
        })
        .await?;
    let r = crate::service::surveys::results_with(state, reader, slug, number, unit, usize::MAX)
        .await?;
    let share = |n: usize, of: usize| ratio((of > 0).then(|| n as f64 / of as f64));
    let mut rows = Vec::new();
    for q in &r.questions {
        let wholes = std::iter::once((
            r.unit.clone(),
            r.unit_name.clone(),
            q.respondents,
            &q.counts,
        ));
        let units = q
            .units
            .iter()
            .map(|u| (u.code.clone(), u.name.clone(), u.respondents, &u.counts));
        for (code, name, respondents, counts) in wholes.chain(units) {
            for (option, n) in q.options.iter().zip(counts.iter()) {
                rows.push(vec![
                    q.id.clone(),
                    q.stem.clone(),
                    code.clone(),
                    name.clone(),
                    respondents.to_string(),
                    option.clone(),
                    n.to_string(),
                    share(*n, respondents),
                ]);
            }
        }
        for t in q.texts.iter().flatten() {
            rows.push(vec![
                q.id.clone(),
                q.stem.clone(),
                r.unit.clone(),
                r.unit_name.clone(),
                q.respondents.to_string(),
                t.clone(),
                String::new(),
                String::new(),
            ]);
        }
    }
    Ok(Table {
        heading: Some(heading),
        sheet: "Khảo sát",
        headers: vec![
            "Mã câu hỏi",
            "Câu hỏi",
            "Mã đơn vị",
            "Đơn vị",
            "Người trả lời",
            "Lựa chọn / câu trả lời",
            "Số người chọn",
            "Tỉ lệ",
        ],
        rows,
    })
}

/// Unit statistics of a round (the children of `parent`, default the eligible root).
pub async fn units(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
    q: crate::service::rankings::UnitQuery,
) -> Result<Table, AppError> {
    let (s2, now) = (slug.clone(), state.now());
    let heading = state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &s2)?;
            reader_access(c, &reader, &contest)?;
            heading_of(
                c,
                &contest,
                &format!("Thống kê theo đơn vị vòng {number}"),
                now,
            )
        })
        .await?;
    let board = crate::service::rankings::unit_board(state, slug, number, q).await?;
    Ok(Table {
        heading: Some(heading),
        sheet: "Thống kê đơn vị",
        headers: vec![
            "Hạng",
            "Mã đơn vị",
            "Đơn vị",
            "Người dự thi",
            "Đoàn viên dự thi",
            "Số đoàn viên",
            "Tỉ lệ tham gia",
            "Điểm trung bình",
            "Điểm tuyệt đối",
            "Đạt giải",
            "Lượt thi",
            "Điểm xếp hạng",
        ],
        rows: board
            .entries
            .iter()
            .map(|e| {
                vec![
                    e.rank.to_string(),
                    e.unit_code.clone(),
                    e.unit_name.clone(),
                    e.participants.to_string(),
                    e.member_participants.to_string(),
                    e.members.to_string(),
                    ratio(e.rate),
                    two_places(e.average_score),
                    e.perfect.to_string(),
                    e.winners.to_string(),
                    e.attempts.to_string(),
                    e.points.to_string(),
                ]
            })
            .collect(),
    })
}

/// Every duplicate-review decision of a contest (organizers only).
pub async fn decisions(
    state: &AppState,
    staff: &crate::auth::Staff,
    slug: String,
) -> Result<Table, AppError> {
    let list = crate::service::review::decisions(state, staff, slug).await?;
    Ok(Table {
        heading: None,
        sheet: "Quyết định trùng lặp",
        headers: vec![
            "Thời điểm",
            "Người quyết định",
            "Dấu hiệu",
            "Quyết định",
            "Những người trong nhóm",
            "Người bị xử lý",
            "Lý do",
        ],
        rows: list
            .into_iter()
            .map(|d| {
                vec![
                    d.at,
                    d.by,
                    d.signal,
                    d.decision,
                    d.members.join("; "),
                    d.participant.unwrap_or_default(),
                    d.reason,
                ]
            })
            .collect(),
    })
}

/// A unit's activity ledger of a year.
pub fn ledger(entries: &[crate::service::activities::Entry]) -> Table {
    Table {
        heading: None,
        sheet: "Sổ hoạt động",
        headers: vec![
            "Ngày",
            "Mã đơn vị",
            "Đơn vị",
            "Loại",
            "Hoạt động",
            "Người tham gia",
            "Đoàn viên tham gia",
            "Tỉ lệ",
            "Điểm trung bình",
            "Đạt giải",
            "Thanh niên được giới thiệu (1+1)",
            "Đơn vị phối hợp",
            "Ghi chú",
            "Minh chứng",
        ],
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    e.date.format("%d/%m/%Y").to_string(),
                    e.unit_code.clone(),
                    e.unit_name.clone(),
                    e.kind_label.clone(),
                    e.title.clone(),
                    e.participants.to_string(),
                    e.member_participants.to_string(),
                    ratio(e.rate),
                    two_places(e.average_score),
                    e.winners.to_string(),
                    e.invited_youth.to_string(),
                    e.co_organizers.clone(),
                    e.notes.clone(),
                    e.evidence_url.clone(),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-5"), "-5");
        assert_eq!(csv_cell("Nguyễn Văn An"), "Nguyễn Văn An");
    }

    #[test]
    fn a_table_renders_as_csv_with_bom_and_as_a_readable_xlsx() {
        let t = Table {
            sheet: "Thử",
            headers: vec!["Họ và tên", "Điểm", "Số điện thoại"],
            rows: vec![vec![
                "Trần Thị Bình".into(),
                "18".into(),
                "0912345678".into(),
            ]],
            heading: None,
        };
        let csv = String::from_utf8(t.render(Format::Csv).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\u{feff}Họ và tên,Điểm,Số điện thoại\nTrần Thị Bình,18,0912345678\n"
        );
        let xlsx = t.render(Format::Xlsx).unwrap();
        use calamine::{Reader as _, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range("Thử").unwrap();
        let cells: Vec<String> = range
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        // The phone keeps its leading zero (text); the score is a number.
        assert_eq!(cells, vec!["Trần Thị Bình", "18", "0912345678"]);
        assert!(matches!(
            range.rows().nth(1).unwrap()[1],
            calamine::Data::Float(_)
        ));
    }

    #[test]
    fn a_document_to_sign_starts_with_the_administrative_heading() {
        let heading = Heading::new(
            Some("Huyện đoàn Châu Thành"),
            "Đoàn xã Tân Phú",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            "Danh sách đoạt giải vòng 1",
            "Hội thi thử",
        );
        let t = Table {
            sheet: "Giải",
            headers: vec!["Giải", "Họ và tên", "Điểm"],
            rows: vec![vec!["Giải Nhất".into(), "Trần Thị Bình".into(), "8".into()]],
            heading: Some(heading),
        };
        let xlsx = t.render(Format::Xlsx).unwrap();
        use calamine::{Reader as _, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range("Giải").unwrap();
        let text = |r: u32, c: u32| {
            range
                .get_value((r, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        assert_eq!(text(0, 0), "HUYỆN ĐOÀN CHÂU THÀNH");
        assert_eq!(text(0, 1), PARTY_LINE);
        assert_eq!(text(1, 0), "ĐOÀN XÃ TÂN PHÚ");
        assert_eq!(text(2, 1), "Tân Phú, ngày 30 tháng 11 năm 2026");
        assert_eq!(text(4, 0), "DANH SÁCH ĐOẠT GIẢI VÒNG 1");
        assert_eq!(text(5, 0), "Hội thi thử");
        assert_eq!(text(7, 0), "Giải", "the table's header row follows");
        assert_eq!(text(8, 1), "Trần Thị Bình");
        // CSV stays a plain table for other programs.
        let csv = String::from_utf8(t.render(Format::Csv).unwrap()).unwrap();
        assert!(csv.starts_with("\u{feff}Giải,Họ và tên,Điểm\n"), "{csv}");
    }
}
