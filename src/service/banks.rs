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
use crate::domain::bank_access::{bank_access, BankAccess};
use crate::domain::text::fold;
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

/// What `staff` may do with a bank owned by the unit at `owner` (None: a
/// bank with no unit, the admins') that its owner has `shared` or not.
pub fn access(staff: &Staff, owner: Option<&str>, shared: bool) -> BankAccess {
    bank_access(
        staff.role,
        staff.scope.as_ref().map(|s| s.path.as_str()),
        owner,
        shared,
    )
}

/// May a contest of the unit at `unit_path` show the answers of the bank
/// that the version `version_id` belongs to after a round closes? Its
/// organizers run it (close a round, register a test phone), so the keys
/// must be theirs: a bank of their unit or one above. The admins' banks
/// (no unit) are the admins' call, made when they built the contest.
pub fn unit_may_show_keys(
    c: &mut DbConn,
    unit_path: &str,
    version_id: &str,
) -> Result<bool, AppError> {
    let version = store::version_by_id(c, version_id)?;
    let slug = store::slug_of_version(c, &version)?;
    let Some(bank) = store::bank_by_slug(c, &slug)? else {
        return Ok(false);
    };
    Ok(match store::owner_path(c, &bank)? {
        None => true,
        Some(owner) => {
            bank_access(Role::Organizer, Some(unit_path), Some(&owner), bank.shared).sees_keys()
        }
    })
}

/// [`access`] to a stored bank.
pub fn access_to(
    c: &mut DbConn,
    staff: &Staff,
    bank: &store::BankRow,
) -> Result<BankAccess, AppError> {
    let owner = store::owner_path(c, bank)?;
    Ok(access(staff, owner.as_deref(), bank.shared))
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
            .filter_map(|mut b| {
                b.access = access(&staff, b.unit_path.as_deref(), b.shared);
                b.access.can_read().then_some(b)
            })
            .collect())
    })
    .await
}

/// A bank resolved for a reader: its row, the version asked for, every
/// version (newest first) and what the reader may see of it.
struct Resolved {
    bank: store::BankRow,
    version: VersionRow,
    versions: Vec<VersionRow>,
    access: BankAccess,
}

/// Resolves a bank and one of its versions (the latest when `number` is None),
/// checking read access.
fn resolve(
    c: &mut DbConn,
    staff: &Staff,
    slug: &str,
    number: Option<i32>,
) -> Result<Resolved, AppError> {
    let bank = store::bank_by_slug(c, slug)?.ok_or(AppError::NotFound)?;
    let access = access_to(c, staff, &bank)?;
    if !access.can_read() {
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
    Ok(Resolved {
        bank,
        version: v,
        versions,
        access,
    })
}

/// A version as a reader sees it: without its content hash when the keys
/// are not theirs (over a small bank the hash would give the keys away to
/// anyone trying every combination).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub number: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    pub title: String,
    pub language: String,
    pub description: String,
    pub question_count: i32,
    pub source_name: String,
    pub format: String,
    pub created_at: chrono::NaiveDateTime,
}

impl VersionView {
    fn of(v: VersionRow, access: BankAccess) -> VersionView {
        VersionView {
            number: v.number,
            content_hash: access.sees_keys().then_some(v.content_hash),
            title: v.title,
            language: v.language,
            description: v.description,
            question_count: v.question_count,
            source_name: v.source_name,
            format: v.format,
            created_at: v.created_at,
        }
    }
}

/// A question as a reader sees it: for a bank shared from above, what a
/// participant sees on the paper (no `correct`, `explanation` or `source`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    pub id: String,
    pub topic: String,
    pub difficulty: Difficulty,
    pub points: u32,
    pub kind: bank::Kind,
    pub stem: String,
    pub options: Vec<String>,
    /// Sorted indexes of the right options (the owner's only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<Vec<usize>>,
    /// The key of a typed question: accepted answers or a number (the
    /// owner's only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typed: Option<crate::domain::kinds::TypedKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl QuestionView {
    fn of(q: Question, access: BankAccess) -> QuestionView {
        let keys = access.sees_keys();
        QuestionView {
            id: q.id,
            topic: q.topic,
            difficulty: q.difficulty,
            points: q.points,
            kind: q.kind,
            stem: q.stem,
            options: q.options,
            correct: keys.then_some(q.correct),
            typed: q.typed.filter(|_| keys),
            explanation: keys.then_some(q.explanation),
            source: keys.then_some(q.source),
        }
    }
}

/// A question without what would give its answer away (for pages).
fn without_keys(q: Question) -> Question {
    Question {
        correct: Vec::new(),
        typed: None,
        explanation: String::new(),
        source: String::new(),
        ..q
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionDetail {
    pub slug: String,
    /// `full`, or `without_answers` for a bank shared from above.
    pub access: BankAccess,
    /// Shared by its owner with the units below.
    pub shared: bool,
    #[serde(flatten)]
    pub version: VersionView,
    pub topics: Vec<bank::Topic>,
    pub summary: Vec<TopicSummary>,
    pub questions: Vec<QuestionView>,
}

pub async fn version(
    db: &Db,
    staff: &Staff,
    slug: String,
    number: i32,
) -> Result<VersionDetail, AppError> {
    let staff = staff.clone();
    db.read(move |c| {
        let r = resolve(c, &staff, &slug, Some(number))?;
        let bank = store::load_bank(c, &slug, &r.version)?;
        Ok(VersionDetail {
            slug,
            access: r.access,
            shared: r.bank.shared,
            topics: bank.topics.clone(),
            summary: summary(&bank),
            questions: bank
                .questions
                .into_iter()
                .map(|q| QuestionView::of(q, r.access))
                .collect(),
            version: VersionView::of(r.version, r.access),
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
            let r = resolve(c, &staff, &slug, Some(number))?;
            // An export is the whole bank, keys included: the owner's only.
            if !r.access.sees_keys() {
                return Err(AppError::Forbidden);
            }
            store::load_bank(c, &slug, &r.version)
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
    /// The version shown and every version, newest first (without their
    /// content hashes when the keys are not the reader's).
    pub version: VersionRow,
    pub versions: Vec<VersionRow>,
    pub summary: Vec<TopicSummary>,
    pub topics: Vec<bank::Topic>,
    /// The page's questions with their position in the version (without
    /// keys, explanations and sources when the keys are not the reader's).
    pub questions: Vec<(i32, bank::Question)>,
    pub total: i64,
    /// `Full` for the owner's subtree and admins (who may also share it).
    pub access: BankAccess,
    pub shared: bool,
    /// The owning unit's code (None: no unit, the admins').
    pub owner_code: Option<String>,
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
        let r = resolve(c, &staff, &slug, q.v)?;
        let filter = QuestionFilter {
            search: q.q.as_deref().map(fold).filter(|s| !s.is_empty()),
            topic: q.topic.clone().filter(|t| !t.is_empty()),
            difficulty: q.difficulty.as_deref().and_then(Difficulty::parse),
            offset: (q.page.unwrap_or(1).max(1) - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let bank = store::load_bank(c, &slug, &r.version)?;
        let (questions, total) = if r.access.sees_keys() {
            let (rows, total) = store::search_questions(c, &r.version.id, &filter)?;
            let questions = rows
                .iter()
                .map(|row| Ok((row.position, row.to_question()?)))
                .collect::<Result<Vec<_>, AppError>>()?;
            (questions, total)
        } else {
            // The stored search text holds the explanations: search only
            // what this reader may see.
            search_without_keys(&bank.questions, &filter)
        };
        let mut version = r.version;
        let mut versions = r.versions;
        if !r.access.sees_keys() {
            for v in versions.iter_mut().chain(std::iter::once(&mut version)) {
                v.content_hash.clear();
            }
        }
        let owner_code = match &r.bank.unit_id {
            Some(id) => Some(units::by_id(c, id)?.code),
            None => None,
        };
        Ok(Browse {
            slug,
            summary: summary(&bank),
            topics: bank.topics,
            version,
            versions,
            questions,
            total,
            access: r.access,
            shared: r.bank.shared,
            owner_code,
        })
    })
    .await
}

/// One page of the questions a reader without the keys asked for: the
/// search looks at stems and options only; keys, explanations and sources
/// are left out.
fn search_without_keys(questions: &[Question], f: &QuestionFilter) -> (Vec<(i32, Question)>, i64) {
    let words: Vec<&str> = f
        .search
        .as_deref()
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    let found: Vec<(i32, &Question)> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (i as i32 + 1, q))
        .filter(|(_, q)| f.topic.as_ref().is_none_or(|t| &q.topic == t))
        .filter(|(_, q)| f.difficulty.is_none_or(|d| q.difficulty == d))
        .filter(|(_, q)| {
            words.is_empty() || {
                let text = fold(&format!("{} {}", q.stem, q.options.join(" ")));
                words.iter().all(|w| text.contains(w))
            }
        })
        .collect();
    let total = found.len() as i64;
    let page = found
        .into_iter()
        .skip(usize::try_from(f.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(f.limit).unwrap_or(0))
        .map(|(p, q)| (p, without_keys(q.clone())))
        .collect();
    (page, total)
}

/// Shares a bank with the units below its owner, for the command line
/// (`import-bank --shared`: the server's operator, no account to audit).
pub fn share_now(conn: &mut DbConn, slug: &str) -> Result<(), AppError> {
    let bank = store::bank_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    store::set_shared(conn, &bank.id, true)
}

/// Whether a bank is shared with the units below its owner.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Sharing {
    pub shared: bool,
}

/// Shares a bank with the units below its owner, or stops sharing it: its
/// owner's subtree-or-above and admins only; written to the audit log.
/// Contests already built on it keep working either way.
pub async fn set_sharing(
    db: &Db,
    staff: &Staff,
    slug: String,
    shared: bool,
    now: chrono::NaiveDateTime,
) -> Result<Sharing, AppError> {
    staff.require_writer()?;
    let staff = staff.clone();
    db.write(move |c| {
        let bank = store::bank_by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
        if !access_to(c, &staff, &bank)?.sees_keys() {
            return Err(AppError::Forbidden);
        }
        if bank.shared != shared {
            store::set_shared(c, &bank.id, shared)?;
            crate::db::review::audit(
                c,
                crate::db::review::Audit {
                    account_id: &staff.id,
                    contest_id: None,
                    unit_id: bank.unit_id.as_deref(),
                    action: if shared {
                        "bank_shared"
                    } else {
                        "bank_unshared"
                    },
                    subject: &slug,
                    detail: if shared {
                        "chia sẻ ngân hàng (không kèm đáp án) cho các đơn vị cấp dưới".into()
                    } else {
                        "thôi chia sẻ ngân hàng cho các đơn vị cấp dưới".into()
                    },
                },
                now,
            )?;
        }
        Ok(Sharing { shared })
    })
    .await
}
