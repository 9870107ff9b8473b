//! The database side of backups: a consistent copy of a running SQLite
//! database (`VACUUM INTO`, a read transaction, so writers go on), and the
//! facts a check of a copy reports.

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::schema::{answers, attempts, banks, contests, participants, units};
use super::DbConn;
use crate::error::AppError;

/// Writes a consistent copy of the database `conn` is open on to `target`
/// (which must not exist). Runs as one read transaction: writers are not
/// stopped, and the copy holds every transaction committed before it began.
pub fn vacuum_into(conn: &mut SqliteConnection, target: &str) -> Result<(), AppError> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(conn)?;
    Ok(())
}

/// The newest migration applied to the database, if any.
pub fn schema_version(c: &mut DbConn) -> Result<Option<String>, AppError> {
    Ok(diesel::select(diesel::dsl::sql::<Nullable<Text>>(
        "(SELECT MAX(version) FROM __diesel_schema_migrations)",
    ))
    .get_result(c)?)
}

/// Rows of the tables an operator recognizes, in a fixed order.
pub fn counts(c: &mut DbConn) -> Result<Vec<(&'static str, i64)>, AppError> {
    Ok(vec![
        ("units", units::table.count().get_result(c)?),
        ("banks", banks::table.count().get_result(c)?),
        ("contests", contests::table.count().get_result(c)?),
        ("participants", participants::table.count().get_result(c)?),
        ("attempts", attempts::table.count().get_result(c)?),
        ("answers", answers::table.count().get_result(c)?),
    ])
}

#[derive(QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// The most problems SQLite is asked to list.
pub const MAX_INTEGRITY_PROBLEMS: usize = 100;

/// SQLite's full check of the file: every page, every index against its
/// table, every constraint (`PRAGMA integrity_check`; `quick_check` skips
/// the index contents and missed flipped bits). The problems it found, at
/// most [`MAX_INTEGRITY_PROBLEMS`]; empty when the file is sound.
pub fn integrity_check(c: &mut SqliteConnection) -> Result<Vec<String>, diesel::result::Error> {
    let rows: Vec<IntegrityCheck> =
        diesel::sql_query(format!("PRAGMA integrity_check({MAX_INTEGRITY_PROBLEMS})")).load(c)?;
    Ok(rows
        .into_iter()
        .map(|r| r.integrity_check)
        .filter(|m| m != "ok")
        .collect())
}
