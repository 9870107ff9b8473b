use serde::Serialize;

use crate::auth::Staff;
pub use crate::db::banks::BankListItem;
use crate::db::banks::{self as store, QuestionFilter, VersionRow};
use crate::db::{units, Db, DbConn};
use crate::domain::accounts::Role;
use crate::domain::bank::limits::PARSE_DEADLINE;
use crate::domain::bank::{
    self, summary, table, toml_format, Bank, BankDefaults, Budget, Difficulty, Format, Question,
    TopicSummary,
};
use crate::domain::text::fold;
use crate::domain::units::is_within;
use crate::error::{AppError, Problem};

/// An uploaded bank file and the optional slug/title/format the form gave.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub format: Option<String>,
    pub slug: Option<String>,
    pub title: Option<String>,
    /// Skip questions of unsupported types (Moodle XML) instead of refusing.
    pub skip_unsupported: bool,
    /// Which column holds what (`stem=C,a=D,…`), for a sheet whose headers
    /// are not known.
    pub columns: Option<String>,
}

/// A staged upload, read again with the choices made on its preview.
impl From<store::Upload> for ImportRequest {
    fn from(upload: store::Upload) -> Self {
        ImportRequest {
            file_name: upload.file_name,
            bytes: upload.content,
            format: Some(upload.format),
            slug: upload.slug,
            title: upload.title,
            skip_unsupported: upload.skip_unsupported,
            columns: upload.column_map,
        }
    }
}

impl ImportRequest {
    /// The format the form named, if it named one.
    fn named_format(&self) -> Option<&str> {
        self.format
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
    }

    /// The format named, else the one the file name or content shows;
    /// None when the name is unknown or nothing shows.
    fn requested_format(&self) -> Option<Format> {
        match self.named_format() {
            Some(f) => Format::parse(f),
            None => Format::detect(&self.file_name, &self.bytes),
        }
    }

    fn column_map(&self) -> Result<Option<table::ColumnMap>, Vec<Problem>> {
        match self.columns.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(spec) => table::ColumnMap::parse(spec).map(Some),
        }
    }

    /// The code the bank will be saved under when the file does not say:
    /// the one given, else one from the file name.
    fn default_slug(&self) -> String {
        BankDefaults {
            slug: self.slug.clone(),
            file_name: self.file_name.clone(),
            ..Default::default()
        }
        .slug_or_file()
    }
}

/// Parses and validates a file (CPU only; run it on the blocking pool).
pub fn check(req: &ImportRequest) -> Result<(Bank, Format), AppError> {
    check_noted(req).map(|(bank, format, _)| (bank, format))
}

/// Like [`check`], with what was guessed (encoding, answer marking);
/// given up past [`PARSE_DEADLINE`].
pub fn check_noted(req: &ImportRequest) -> Result<(Bank, Format, Vec<String>), AppError> {
    check_within(req, &Budget::within(PARSE_DEADLINE))
}

/// [`check_noted`] within a budget: past its deadline, or once the
/// request it serves is gone, the parse stops with "tệp quá phức tạp".
pub fn check_within(
    req: &ImportRequest,
    budget: &Budget,
) -> Result<(Bank, Format, Vec<String>), AppError> {
    let in_file = |ps: Vec<Problem>| {
        AppError::Validation(ps.into_iter().map(|p| p.in_file(&req.file_name)).collect())
    };
    let format = req.requested_format().ok_or_else(|| {
        in_file(vec![match req.named_format() {
            Some(f) => Problem::new(
                0,
                "format",
                format!("Định dạng {f:?} không được hỗ trợ (toml, xlsx, csv, gift, aiken, docx, text, xml)."),
                format!("Unsupported format {f:?} (toml, xlsx, csv, gift, aiken, docx, text or xml)."),
            ),
            None => Problem::new(
                0,
                "format",
                "Không nhận ra định dạng tệp; hãy dùng tệp Word .docx, Excel .xlsx, .csv, .txt (\"Câu 1:\", \"A.\"…), Moodle .xml, .gift, .aiken hoặc .toml.",
                "Unknown file format; use a Word .docx, Excel .xlsx, .csv, .txt (\"Câu 1:\", \"A.\"…), Moodle .xml, .gift, .aiken or .toml file.",
            ),
        }])
    })?;
    let defaults = BankDefaults {
        slug: req.slug.clone(),
        title: req.title.clone(),
        file_name: req.file_name.clone(),
        skip_unsupported: req.skip_unsupported,
        columns: req.column_map().map_err(in_file)?,
        budget: budget.clone(),
    };
    let (bank, notes) = bank::parse_noted(format, &req.bytes, &defaults).map_err(in_file)?;
    Ok((bank, format, notes))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub slug: String,
    pub title: String,
    pub version: i32,
    pub created: bool,
    pub content_hash: String,
    pub question_count: usize,
    pub summary: Vec<TopicSummary>,
    pub message: String,
    pub message_en: String,
    /// What was guessed reading the file (encoding, answer marking).
    pub notes: Vec<String>,
}

fn outcome(bank: &Bank, stored: store::Stored) -> ImportOutcome {
    let (message, message_en) = if stored.created {
        (
            format!(
                "Đã tạo phiên bản {} của ngân hàng {} ({} câu hỏi).",
                stored.number,
                bank.slug,
                bank.questions.len()
            ),
            format!(
                "Created version {} of bank {} ({} questions).",
                stored.number,
                bank.slug,
                bank.questions.len()
            ),
        )
    } else {
        (
            format!(
                "Nội dung giống hệt phiên bản {}; không tạo phiên bản mới.",
                stored.number
            ),
            format!(
                "The content is identical to version {}; no new version was created.",
                stored.number
            ),
        )
    };
    ImportOutcome {
        slug: bank.slug.clone(),
        title: bank.title.clone(),
        version: stored.number,
        created: stored.created,
        content_hash: bank.content_hash(),
        question_count: bank.questions.len(),
        summary: summary(bank),
        message,
        message_en,
        notes: Vec::new(),
    }
}

/// May `staff` read a bank owned by the unit at `owner` (None: a shared bank)?
pub fn can_read(staff: &Staff, owner: Option<&str>) -> bool {
    match staff.role {
        Role::Admin => true,
        Role::Viewer => false,
        Role::Organizer => match (owner, &staff.scope) {
            (None, _) => true,
            (Some(o), Some(s)) => is_within(o, &s.path) || is_within(&s.path, o),
            (Some(_), None) => false,
        },
    }
}

fn can_write(staff: &Staff, owner: Option<&str>) -> bool {
    match owner {
        Some(o) => staff.can_manage(o),
        None => staff.is_admin(),
    }
}

/// Stores a checked bank under the caller's scope; on the caller's transaction.
pub fn store(
    conn: &mut DbConn,
    staff: Option<&Staff>,
    bank: &Bank,
    format: Format,
    source: &str,
) -> Result<ImportOutcome, AppError> {
    let unit_id = staff.and_then(|s| s.scope.as_ref().map(|sc| sc.unit_id.clone()));
    if let (Some(staff), Some(existing)) = (staff, store::bank_by_slug(conn, &bank.slug)?) {
        let owner = store::owner_path(conn, &existing)?;
        if !can_write(staff, owner.as_deref()) {
            return Err(AppError::Forbidden);
        }
    }
    let stored = store::store_version(
        conn,
        bank,
        unit_id.as_deref(),
        staff.map(|s| s.id.as_str()),
        source,
        format,
    )?;
    Ok(outcome(bank, stored))
}

pub async fn import(db: &Db, staff: &Staff, req: ImportRequest) -> Result<ImportOutcome, AppError> {
    staff.require_writer()?;
    // Dropped with this future when the client hangs up: the parse stops.
    let budget = Budget::unlimited();
    let _cancel = budget.cancel_on_drop();
    let (bank, format, notes, req) = actix_web::web::block(move || {
        let budget = budget.restarted(PARSE_DEADLINE);
        check_within(&req, &budget).map(|(b, f, n)| (b, f, n, req))
    })
    .await??;
    let staff = staff.clone();
    let mut outcome = db
        .write(move |c| store(c, Some(&staff), &bank, format, &req.file_name))
        .await?;
    outcome.notes = notes;
    Ok(outcome)
}

/// The CLI's import: an optional owning unit, no account.
pub fn import_now(
    conn: &mut DbConn,
    unit_code: Option<&str>,
    req: &ImportRequest,
) -> Result<ImportOutcome, AppError> {
    let (bank, format, notes) = check_noted(req)?;
    let unit_id = match unit_code {
        Some(code) => Some(units::by_code(conn, code)?.id),
        None => None,
    };
    let stored = store::store_version(
        conn,
        &bank,
        unit_id.as_deref(),
        None,
        &req.file_name,
        format,
    )?;
    let mut outcome = outcome(&bank, stored);
    outcome.notes = notes;
    Ok(outcome)
}

/// The preview step: the summary and every question, or every problem.
#[derive(Debug, Clone)]
pub struct Preview {
    pub upload_id: String,
    pub file_name: String,
    pub bank: Bank,
    pub summary: Vec<TopicSummary>,
    pub existing_version: Option<i32>,
    /// What was guessed reading the file (encoding, answer marking).
    pub notes: Vec<String>,
}

/// A file that needs a choice before it can be read: which column holds
/// what, or whether to skip the questions of unsupported types. The upload
/// is kept so the organizer does not send it again.
#[derive(Debug, Clone)]
pub struct Choice {
    pub upload_id: String,
    pub file_name: String,
    pub problems: Vec<Problem>,
    /// The format the file was read as.
    pub format: Format,
    /// The sheet's columns, when columns can be chosen (XLSX, CSV).
    pub columns: Vec<table::SheetColumn>,
    /// The columns chosen so far, if any.
    pub chosen: Option<table::ColumnMap>,
    /// Questions of unsupported types can be skipped.
    pub can_skip: bool,
}

/// A file read: the bank, its format, what was guessed.
type Checked = (Bank, Format, Vec<String>);

pub enum PreviewOutcome {
    Ready(Preview),
    NeedsChoice(Choice),
}

/// Parses a request; on a problem that a choice can solve, what to offer.
fn check_or_choice(
    req: &ImportRequest,
    budget: &Budget,
) -> Result<Result<Checked, Choice>, AppError> {
    let problems = match check_within(req, budget) {
        Ok(ok) => return Ok(Ok(ok)),
        Err(AppError::Validation(problems)) => problems,
        Err(e) => return Err(e),
    };
    if problems.iter().any(bank::limits::is_too_complex) {
        // No choice makes a file that took too long any simpler.
        return Err(AppError::Validation(problems));
    }
    let Some(format) = req.requested_format() else {
        return Err(AppError::Validation(problems));
    };
    let columns = match format {
        Format::Xlsx => table::xlsx_columns(&req.bytes),
        Format::Csv => bank::decode_text(&req.bytes)
            .map(|t| table::csv_columns(&t))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let chosen = req.column_map().ok().flatten();
    // Offer columns when the header was not understood, or when a choice
    // was made and the file still has problems (to change it).
    let offer_columns =
        !columns.is_empty() && (chosen.is_some() || problems.iter().any(|p| p.field == "columns"));
    let can_skip = format == Format::MoodleXml
        && !req.skip_unsupported
        && problems.iter().any(|p| p.field == "kind");
    if !offer_columns && !can_skip {
        return Err(AppError::Validation(problems));
    }
    Ok(Err(Choice {
        upload_id: String::new(),
        format,
        file_name: req.file_name.clone(),
        problems,
        columns: if offer_columns { columns } else { Vec::new() },
        chosen,
        can_skip,
    }))
}

/// Checks a staged or new upload and says what the preview page shows.
/// Without a column choice, a sheet whose headers are not known is read
/// with the choice saved for its bank, if there is one.
pub async fn preview(
    db: &Db,
    staff: &Staff,
    req: ImportRequest,
) -> Result<PreviewOutcome, AppError> {
    staff.require_writer()?;
    let remembered = if req.columns.is_none() {
        let key = req.default_slug();
        db.read(move |c| store::remembered_columns(c, &key)).await?
    } else {
        None
    };
    let budget = Budget::unlimited();
    let _cancel = budget.cancel_on_drop();
    let (checked, req) = actix_web::web::block(move || {
        let budget = budget.restarted(PARSE_DEADLINE);
        let first = check_or_choice(&req, &budget)?;
        match (first, remembered) {
            (Err(choice), Some(spec)) if !choice.columns.is_empty() => {
                let again = ImportRequest {
                    columns: Some(spec),
                    ..req
                };
                match check_or_choice(&again, &budget)? {
                    Ok((bank, format, mut notes)) => {
                        notes.push(
                            "Đã dùng cách chọn cột lưu từ lần nhập trước của ngân hàng này.".into(),
                        );
                        Ok((Ok((bank, format, notes)), again))
                    }
                    Err(_) => Ok((
                        Err(choice),
                        ImportRequest {
                            columns: None,
                            ..again
                        },
                    )),
                }
            }
            (first, _) => Ok::<_, AppError>((first, req)),
        }
    })
    .await??;
    stage(db, staff, req, None, checked).await
}

/// Reads a staged upload again with the choices made on its page.
pub async fn choose(
    db: &Db,
    staff: &Staff,
    upload_id: String,
    columns: Option<String>,
    skip_unsupported: bool,
) -> Result<PreviewOutcome, AppError> {
    staff.require_writer()?;
    let account = staff.id.clone();
    let id = upload_id.clone();
    let upload = db.read(move |c| store::upload(c, &id, &account)).await?;
    let req = ImportRequest {
        skip_unsupported,
        columns: columns.filter(|c| !c.trim().is_empty()),
        ..ImportRequest::from(upload)
    };
    let budget = Budget::unlimited();
    let _cancel = budget.cancel_on_drop();
    let (checked, req) = actix_web::web::block(move || {
        let budget = budget.restarted(PARSE_DEADLINE);
        check_or_choice(&req, &budget).map(|c| (c, req))
    })
    .await??;
    stage(db, staff, req, Some(upload_id), checked).await
}

/// Keeps the upload (a new one, or the choices of a staged one) and says
/// what to show.
async fn stage(
    db: &Db,
    staff: &Staff,
    req: ImportRequest,
    staged: Option<String>,
    checked: Result<Checked, Choice>,
) -> Result<PreviewOutcome, AppError> {
    let staff = staff.clone();
    db.write(move |c| {
        let columns = req.column_map().ok().flatten().map(|m| m.to_spec());
        let upload_id = match staged {
            Some(id) => {
                store::set_upload_choices(c, &id, columns.as_deref(), req.skip_unsupported)?;
                id
            }
            None => {
                let format = match &checked {
                    Ok((_, format, _)) => *format,
                    Err(choice) => choice.format,
                };
                store::stage_upload(
                    c,
                    &staff.id,
                    &store::NewUpload {
                        file_name: &req.file_name,
                        format,
                        slug: req.slug.as_deref(),
                        title: req.title.as_deref(),
                        content: &req.bytes,
                        column_map: columns.as_deref(),
                        skip_unsupported: req.skip_unsupported,
                    },
                )?
            }
        };
        let (bank, _, notes) = match checked {
            Ok(ok) => ok,
            Err(choice) => {
                return Ok(PreviewOutcome::NeedsChoice(Choice {
                    upload_id,
                    ..choice
                }))
            }
        };
        let existing_version = match store::bank_by_slug(c, &bank.slug)? {
            Some(b) => {
                let owner = store::owner_path(c, &b)?;
                if !can_write(&staff, owner.as_deref()) {
                    return Err(AppError::Forbidden);
                }
                let hash = bank.content_hash();
                store::versions(c, &b.id)?
                    .into_iter()
                    .find(|v| v.content_hash == hash)
                    .map(|v| v.number)
            }
            None => None,
        };
        Ok(PreviewOutcome::Ready(Preview {
            upload_id,
            file_name: req.file_name,
            summary: summary(&bank),
            bank,
            existing_version,
            notes,
        }))
    })
    .await
}

/// Confirms a previewed upload, with the choices made on its preview; a
/// column choice is saved with the bank for its next upload.
pub async fn commit(db: &Db, staff: &Staff, upload_id: String) -> Result<ImportOutcome, AppError> {
    staff.require_writer()?;
    let account = staff.id.clone();
    let upload = db
        .write(move |c| store::take_upload(c, &upload_id, &account))
        .await?;
    let req = ImportRequest::from(upload);
    let key = req.default_slug();
    let columns = req.columns.clone();
    let outcome = import(db, staff, req).await?;
    if let Some(spec) = columns {
        let slug = outcome.slug.clone();
        db.write(move |c| {
            store::remember_columns(c, &slug, &spec)?;
            if key != slug {
                store::remember_columns(c, &key, &spec)?;
            }
            Ok(())
        })
        .await?;
    }
    Ok(outcome)
}

pub async fn list(db: &Db, staff: &Staff) -> Result<Vec<BankListItem>, AppError> {
    if staff.role == Role::Viewer {
        return Err(AppError::Forbidden);
    }
    let staff = staff.clone();
    db.read(move |c| {
        Ok(store::list(c)?
            .into_iter()
            .filter(|b| can_read(&staff, b.unit_path.as_deref()))
            .collect())
    })
    .await
}

/// Resolves a bank and one of its versions (the latest when `number` is None),
/// checking read access.
fn resolve(
    c: &mut DbConn,
    staff: &Staff,
    slug: &str,
    number: Option<i32>,
) -> Result<(store::BankRow, VersionRow, Vec<VersionRow>), AppError> {
    let bank = store::bank_by_slug(c, slug)?.ok_or(AppError::NotFound)?;
    let owner = store::owner_path(c, &bank)?;
    if !can_read(staff, owner.as_deref()) {
        return Err(AppError::Forbidden);
    }
    let versions = store::versions(c, &bank.id)?;
    let v = match number {
        Some(n) => versions
            .iter()
            .find(|v| v.number == n)
            .cloned()
            .ok_or(AppError::NotFound)?,
        None => versions.first().cloned().ok_or(AppError::NotFound)?,
    };
    Ok((bank, v, versions))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionDetail {
    pub slug: String,
    #[serde(flatten)]
    pub version: VersionRow,
    pub topics: Vec<bank::Topic>,
    pub summary: Vec<TopicSummary>,
    pub questions: Vec<Question>,
}

pub async fn version(
    db: &Db,
    staff: &Staff,
    slug: String,
    number: i32,
) -> Result<VersionDetail, AppError> {
    let staff = staff.clone();
    db.read(move |c| {
        let (_, v, _) = resolve(c, &staff, &slug, Some(number))?;
        let bank = store::load_bank(c, &slug, &v)?;
        Ok(VersionDetail {
            slug,
            topics: bank.topics.clone(),
            summary: summary(&bank),
            questions: bank.questions,
            version: v,
        })
    })
    .await
}

/// An export: file name, content type and bytes.
pub async fn export(
    db: &Db,
    staff: &Staff,
    slug: String,
    number: i32,
    format: String,
) -> Result<(String, &'static str, Vec<u8>), AppError> {
    let staff = staff.clone();
    let bank = db
        .read(move |c| {
            let (_, v, _) = resolve(c, &staff, &slug, Some(number))?;
            store::load_bank(c, &slug, &v)
        })
        .await?;
    let name = format!("{}-v{number}", bank.slug);
    match format.as_str() {
        "toml" => Ok((
            format!("{name}.toml"),
            "application/toml; charset=utf-8",
            toml_format::write(&bank).into_bytes(),
        )),
        "xlsx" => {
            let bytes = actix_web::web::block(move || table::write_xlsx(&bank))
                .await?
                .map_err(AppError::Internal)?;
            Ok((
                format!("{name}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
            ))
        }
        other => Err(AppError::invalid(
            format!("Không xuất được định dạng {other:?} (toml hoặc xlsx)."),
            format!("Cannot export as {other:?} (toml or xlsx)."),
        )),
    }
}

/// One page of the bank browser.
pub struct Browse {
    pub slug: String,
    pub version: VersionRow,
    pub versions: Vec<VersionRow>,
    pub summary: Vec<TopicSummary>,
    pub topics: Vec<bank::Topic>,
    /// The page's questions with their position in the version.
    pub questions: Vec<(i32, bank::Question)>,
    pub total: i64,
    pub can_write: bool,
}

pub const PAGE_SIZE: i64 = 20;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BrowseQuery {
    pub v: Option<i32>,
    pub q: Option<String>,
    pub topic: Option<String>,
    pub difficulty: Option<String>,
    pub page: Option<i64>,
    pub msg: Option<String>,
}

pub async fn browse(
    db: &Db,
    staff: &Staff,
    slug: String,
    q: BrowseQuery,
) -> Result<Browse, AppError> {
    let staff = staff.clone();
    db.read(move |c| {
        let (bank_row, v, versions) = resolve(c, &staff, &slug, q.v)?;
        let owner = store::owner_path(c, &bank_row)?;
        let filter = QuestionFilter {
            search: q.q.as_deref().map(fold).filter(|s| !s.is_empty()),
            topic: q.topic.clone().filter(|t| !t.is_empty()),
            difficulty: q.difficulty.as_deref().and_then(Difficulty::parse),
            offset: (q.page.unwrap_or(1).max(1) - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let (rows, total) = store::search_questions(c, &v.id, &filter)?;
        let questions = rows
            .iter()
            .map(|r| Ok((r.position, r.to_question()?)))
            .collect::<Result<Vec<_>, AppError>>()?;
        let bank = store::load_bank(c, &slug, &v)?;
        Ok(Browse {
            slug,
            summary: summary(&bank),
            topics: bank.topics,
            version: v,
            versions,
            questions,
            total,
            can_write: can_write(&staff, owner.as_deref()),
        })
    })
    .await
}
