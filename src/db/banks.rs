//! Question banks and their immutable versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{bank_column_maps, bank_uploads, bank_versions, banks, questions, units};
use super::{new_id, now, DbConn};
use crate::domain::bank::{Bank, Difficulty, Format, Kind, Question, Topic};
use crate::domain::text::fold;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = banks)]
pub struct BankRow {
    pub id: String,
    pub slug: String,
    pub unit_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// Shared by its owner with the units below (who then use it without
    /// its answer keys).
    pub shared: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = bank_versions)]
pub struct VersionRow {
    #[serde(skip)]
    pub id: String,
    #[serde(skip)]
    pub bank_id: String,
    pub number: i32,
    pub content_hash: String,
    pub title: String,
    pub language: String,
    pub description: String,
    #[serde(skip)]
    pub topics: String,
    pub question_count: i32,
    pub source_name: String,
    pub format: String,
    #[serde(skip)]
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

impl VersionRow {
    pub fn topics(&self) -> Result<Vec<Topic>, AppError> {
        super::json::decode("bank_versions.topics", &self.id, &self.topics)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = questions)]
pub struct QuestionRow {
    pub id: String,
    pub version_id: String,
    pub position: i32,
    pub qid: String,
    pub topic: String,
    pub difficulty: String,
    pub points: i32,
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub correct: String,
    pub explanation: String,
    pub source: String,
    pub search_text: String,
}

impl QuestionRow {
    /// Back to the domain model (stored values were validated on import).
    /// `correct` holds the right option indexes of a choice question, or the
    /// key of a typed one (`{"short": …}`, `{"numeric": …}`).
    pub fn to_question(&self) -> Result<Question, AppError> {
        let kind = Kind::parse(&self.kind).ok_or_else(|| {
            AppError::Internal(format!(
                "questions.kind of {}: unknown kind {:?}",
                self.id, self.kind
            ))
        })?;
        let (correct, typed) = if kind.has_options() {
            let c = super::json::decode("questions.correct", &self.id, &self.correct)?;
            (c, None)
        } else {
            let t = super::json::decode("questions.correct", &self.id, &self.correct)?;
            (Vec::new(), Some(t))
        };
        Ok(Question {
            id: self.qid.clone(),
            topic: self.topic.clone(),
            difficulty: Difficulty::parse(&self.difficulty).unwrap_or(Difficulty::Medium),
            points: self.points.max(0) as u32,
            kind,
            stem: self.stem.clone(),
            options: super::json::decode("questions.options", &self.id, &self.options)?,
            correct,
            explanation: self.explanation.clone(),
            source: self.source.clone(),
            typed,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = questions)]
struct NewQuestion {
    id: String,
    version_id: String,
    position: i32,
    qid: String,
    topic: String,
    difficulty: String,
    points: i32,
    kind: String,
    stem: String,
    options: String,
    correct: String,
    explanation: String,
    source: String,
    search_text: String,
}

pub fn bank_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<BankRow>, AppError> {
    Ok(banks::table
        .filter(banks::slug.eq(slug))
        .select(BankRow::as_select())
        .first(conn)
        .optional()?)
}

/// Shares (or stops sharing) a bank with the units below its owner.
pub fn set_shared(conn: &mut DbConn, bank_id: &str, shared: bool) -> Result<(), AppError> {
    diesel::update(banks::table.find(bank_id))
        .set(banks::shared.eq(shared))
        .execute(conn)?;
    Ok(())
}

/// The materialized path of the bank's owning unit (None: no unit, the admins').
pub fn owner_path(conn: &mut DbConn, bank: &BankRow) -> Result<Option<String>, AppError> {
    match &bank.unit_id {
        Some(id) => Ok(Some(units::table.find(id).select(units::path).first(conn)?)),
        None => Ok(None),
    }
}

pub fn versions(conn: &mut DbConn, bank_id: &str) -> Result<Vec<VersionRow>, AppError> {
    Ok(bank_versions::table
        .filter(bank_versions::bank_id.eq(bank_id))
        .order(bank_versions::number.desc())
        .select(VersionRow::as_select())
        .load(conn)?)
}

pub fn version(conn: &mut DbConn, bank_id: &str, number: i32) -> Result<VersionRow, AppError> {
    Ok(bank_versions::table
        .filter(bank_versions::bank_id.eq(bank_id))
        .filter(bank_versions::number.eq(number))
        .select(VersionRow::as_select())
        .first(conn)?)
}

/// The slug of the bank a version belongs to.
pub fn slug_of_version(conn: &mut DbConn, v: &VersionRow) -> Result<String, AppError> {
    Ok(banks::table
        .find(&v.bank_id)
        .select(banks::slug)
        .first(conn)?)
}

pub fn version_by_id(conn: &mut DbConn, id: &str) -> Result<VersionRow, AppError> {
    Ok(bank_versions::table
        .find(id)
        .select(VersionRow::as_select())
        .first(conn)?)
}

/// What happened to an import.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    pub number: i32,
    /// false: identical content already existed as `number`.
    pub created: bool,
}

/// Stores `bank` as a new version of its slug unless the same content is
/// already a version. Call inside a write transaction, after the scope check.
pub fn store_version(
    conn: &mut DbConn,
    bank: &Bank,
    unit_id: Option<&str>,
    account_id: Option<&str>,
    source_name: &str,
    format: Format,
) -> Result<Stored, AppError> {
    let hash = bank.content_hash();
    let bank_row = match bank_by_slug(conn, &bank.slug)? {
        Some(b) => b,
        None => {
            let id = new_id();
            diesel::insert_into(banks::table)
                .values((
                    banks::id.eq(&id),
                    banks::slug.eq(&bank.slug),
                    banks::unit_id.eq(unit_id),
                    banks::created_at.eq(now()),
                ))
                .execute(conn)?;
            BankRow {
                id,
                slug: bank.slug.clone(),
                unit_id: unit_id.map(str::to_string),
                created_at: now(),
                shared: false,
            }
        }
    };
    let existing: Option<i32> = bank_versions::table
        .filter(bank_versions::bank_id.eq(&bank_row.id))
        .filter(bank_versions::content_hash.eq(&hash))
        .select(bank_versions::number)
        .first(conn)
        .optional()?;
    if let Some(number) = existing {
        return Ok(Stored {
            number,
            created: false,
        });
    }
    let last: Option<i32> = bank_versions::table
        .filter(bank_versions::bank_id.eq(&bank_row.id))
        .select(diesel::dsl::max(bank_versions::number))
        .first(conn)?;
    let number = last.unwrap_or(0) + 1;
    let version_id = new_id();
    diesel::insert_into(bank_versions::table)
        .values((
            bank_versions::id.eq(&version_id),
            bank_versions::bank_id.eq(&bank_row.id),
            bank_versions::number.eq(number),
            bank_versions::content_hash.eq(&hash),
            bank_versions::title.eq(&bank.title),
            bank_versions::language.eq(&bank.language),
            bank_versions::description.eq(&bank.description),
            bank_versions::topics.eq(super::json::encode("bank_versions.topics", &bank.topics)?),
            bank_versions::question_count.eq(bank.questions.len() as i32),
            bank_versions::source_name.eq(source_name),
            bank_versions::format.eq(serde_json::to_value(format)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()),
            bank_versions::created_by.eq(account_id),
            bank_versions::created_at.eq(now()),
        ))
        .execute(conn)?;
    let rows: Vec<NewQuestion> = bank
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| -> Result<NewQuestion, AppError> {
            Ok(NewQuestion {
                id: new_id(),
                version_id: version_id.clone(),
                position: i as i32 + 1,
                qid: q.id.clone(),
                topic: q.topic.clone(),
                difficulty: q.difficulty.as_str().into(),
                points: q.points as i32,
                kind: q.kind.as_str().into(),
                stem: q.stem.clone(),
                options: super::json::encode("questions.options", &q.options)?,
                correct: match &q.typed {
                    Some(key) => super::json::encode("questions.correct", key)?,
                    None => super::json::encode("questions.correct", &q.correct)?,
                },
                explanation: q.explanation.clone(),
                source: q.source.clone(),
                search_text: fold(&format!(
                    "{} {} {}",
                    q.stem,
                    q.options.join(" "),
                    q.explanation
                )),
            })
        })
        .collect::<Result<_, _>>()?;
    // Multi-row inserts do not compile on the MultiConnection: use the inner one.
    for chunk in rows.chunks(500) {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(questions::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(questions::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(Stored {
        number,
        created: true,
    })
}

/// A version's questions in version order.
pub fn questions_of(conn: &mut DbConn, version_id: &str) -> Result<Vec<QuestionRow>, AppError> {
    Ok(questions::table
        .filter(questions::version_id.eq(version_id))
        .order(questions::position.asc())
        .select(QuestionRow::as_select())
        .load(conn)?)
}

/// Loads a whole version back as a domain bank (for export).
pub fn load_bank(conn: &mut DbConn, slug: &str, v: &VersionRow) -> Result<Bank, AppError> {
    let rows = questions_of(conn, &v.id)?;
    Ok(Bank {
        slug: slug.to_string(),
        title: v.title.clone(),
        language: v.language.clone(),
        description: v.description.clone(),
        topics: v.topics()?,
        questions: rows
            .iter()
            .map(QuestionRow::to_question)
            .collect::<Result<_, _>>()?,
    })
}

/// Filters for the bank browser.
#[derive(Debug, Clone, Default)]
pub struct QuestionFilter {
    /// Folded (diacritic-insensitive) search words.
    pub search: Option<String>,
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub offset: i64,
    pub limit: i64,
}

/// One page of questions plus the total that match.
pub fn search_questions(
    conn: &mut DbConn,
    version_id: &str,
    f: &QuestionFilter,
) -> Result<(Vec<QuestionRow>, i64), AppError> {
    let build = || {
        let mut q = questions::table
            .filter(questions::version_id.eq(version_id.to_string()))
            .into_boxed();
        if let Some(s) = f.search.as_ref().filter(|s| !s.is_empty()) {
            for word in s.split_whitespace() {
                let escaped = word
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                q = q.filter(
                    questions::search_text
                        .like(format!("%{escaped}%"))
                        .escape('\\'),
                );
            }
        }
        if let Some(t) = &f.topic {
            q = q.filter(questions::topic.eq(t.clone()));
        }
        if let Some(d) = f.difficulty {
            q = q.filter(questions::difficulty.eq(d.as_str()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order(questions::position.asc())
        .offset(f.offset)
        .limit(f.limit)
        .select(QuestionRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A bank as the list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankListItem {
    pub slug: String,
    pub title: String,
    pub latest_version: i32,
    pub versions: usize,
    pub question_count: i32,
    pub unit_code: Option<String>,
    #[serde(skip)]
    pub unit_path: Option<String>,
    /// Shared by its owner with the units below.
    pub shared: bool,
    /// What the caller may do with it: `full` (its owner's subtree and
    /// admins) or `without_answers` (shared from above: questions without
    /// keys, explanations or export).
    pub access: crate::domain::bank_access::BankAccess,
}

/// Every bank with a version, as the list shows it (`access` is filled in
/// by the caller's check).
pub fn list(conn: &mut DbConn) -> Result<Vec<BankListItem>, AppError> {
    let rows: Vec<(BankRow, Option<(String, String)>)> = banks::table
        .left_join(units::table)
        .order(banks::slug.asc())
        .select((BankRow::as_select(), (units::code, units::path).nullable()))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (b, unit) in rows {
        let vs = versions(conn, &b.id)?;
        let Some(latest) = vs.first() else { continue };
        out.push(BankListItem {
            slug: b.slug,
            title: latest.title.clone(),
            latest_version: latest.number,
            versions: vs.len(),
            question_count: latest.question_count,
            unit_code: unit.as_ref().map(|u| u.0.clone()),
            unit_path: unit.map(|u| u.1),
            shared: b.shared,
            access: crate::domain::bank_access::BankAccess::Full,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bank_uploads)]
pub struct Upload {
    pub id: String,
    pub account_id: String,
    pub file_name: String,
    pub format: String,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub content: Vec<u8>,
    pub created_at: NaiveDateTime,
    /// The columns chosen on the preview (`stem=C,…`), if any.
    pub column_map: Option<String>,
    pub skip_unsupported: bool,
}

/// An upload to keep for the confirm step.
pub struct NewUpload<'a> {
    pub file_name: &'a str,
    pub format: Format,
    pub slug: Option<&'a str>,
    pub title: Option<&'a str>,
    pub content: &'a [u8],
    pub column_map: Option<&'a str>,
    pub skip_unsupported: bool,
}

/// Staged uploads one account keeps at once; a newer one drops the oldest
/// (each holds a file of up to 10 MB until it is confirmed or a day old).
pub const MAX_STAGED_PER_ACCOUNT: i64 = 3;

/// Keeps an upload for the confirm step; forgets uploads older than a day
/// and the account's oldest beyond [`MAX_STAGED_PER_ACCOUNT`].
pub fn stage_upload(
    conn: &mut DbConn,
    account_id: &str,
    upload: &NewUpload<'_>,
) -> Result<String, AppError> {
    diesel::delete(
        bank_uploads::table.filter(bank_uploads::created_at.lt(now() - chrono::Duration::days(1))),
    )
    .execute(conn)?;
    let id = new_id();
    diesel::insert_into(bank_uploads::table)
        .values((
            bank_uploads::id.eq(&id),
            bank_uploads::account_id.eq(account_id),
            bank_uploads::file_name.eq(upload.file_name),
            bank_uploads::format.eq(serde_json::to_value(upload.format)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()),
            bank_uploads::slug.eq(upload.slug),
            bank_uploads::title.eq(upload.title),
            bank_uploads::content.eq(upload.content),
            bank_uploads::created_at.eq(now()),
            bank_uploads::column_map.eq(upload.column_map),
            bank_uploads::skip_unsupported.eq(upload.skip_unsupported),
        ))
        .execute(conn)?;
    let beyond: Vec<String> = bank_uploads::table
        .filter(bank_uploads::account_id.eq(account_id))
        .order((bank_uploads::created_at.desc(), bank_uploads::id.desc()))
        .select(bank_uploads::id)
        .offset(MAX_STAGED_PER_ACCOUNT)
        .limit(1000)
        .load(conn)?;
    if !beyond.is_empty() {
        diesel::delete(bank_uploads::table.filter(bank_uploads::id.eq_any(&beyond)))
            .execute(conn)?;
    }
    Ok(id)
}

/// A staged upload of this account, left in place.
pub fn upload(conn: &mut DbConn, id: &str, account_id: &str) -> Result<Upload, AppError> {
    Ok(bank_uploads::table
        .filter(bank_uploads::id.eq(id))
        .filter(bank_uploads::account_id.eq(account_id))
        .select(Upload::as_select())
        .first(conn)?)
}

/// Records the choices made on a staged upload's preview.
pub fn set_upload_choices(
    conn: &mut DbConn,
    id: &str,
    column_map: Option<&str>,
    skip_unsupported: bool,
) -> Result<(), AppError> {
    diesel::update(bank_uploads::table.find(id))
        .set((
            bank_uploads::column_map.eq(column_map),
            bank_uploads::skip_unsupported.eq(skip_unsupported),
        ))
        .execute(conn)?;
    Ok(())
}

/// The column choice saved with a bank (by its code), if any.
pub fn remembered_columns(conn: &mut DbConn, slug: &str) -> Result<Option<String>, AppError> {
    Ok(bank_column_maps::table
        .find(slug)
        .select(bank_column_maps::column_map)
        .first(conn)
        .optional()?)
}

/// Saves a bank's column choice for its next upload.
pub fn remember_columns(conn: &mut DbConn, slug: &str, column_map: &str) -> Result<(), AppError> {
    diesel::delete(bank_column_maps::table.find(slug)).execute(conn)?;
    diesel::insert_into(bank_column_maps::table)
        .values((
            bank_column_maps::slug.eq(slug),
            bank_column_maps::column_map.eq(column_map),
            bank_column_maps::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes a staged upload of this account (and removes it).
pub fn take_upload(conn: &mut DbConn, id: &str, account_id: &str) -> Result<Upload, AppError> {
    let upload = self::upload(conn, id, account_id)?;
    diesel::delete(bank_uploads::table.find(id)).execute(conn)?;
    Ok(upload)
}
