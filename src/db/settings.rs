//! Key/value settings kept in the database (shared by every instance).

use diesel::prelude::*;

use super::schema::app_settings;
use super::DbConn;
use crate::error::AppError;

pub fn get(conn: &mut DbConn, key: &str) -> Result<Option<String>, AppError> {
    Ok(app_settings::table
        .filter(app_settings::key.eq(key))
        .select(app_settings::value)
        .first::<String>(conn)
        .optional()?)
}

/// Returns the stored value of `key`, storing `make()` first if there is none.
/// Safe when several instances start at once: the first insert wins and the
/// others read it back. Must not run inside a transaction (PostgreSQL aborts
/// a transaction on the unique violation).
pub fn get_or_insert(
    conn: &mut DbConn,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, AppError> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    let inserted = diesel::insert_into(app_settings::table)
        .values((app_settings::key.eq(key), app_settings::value.eq(make())))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => get(conn, key)?.ok_or(AppError::Internal(format!("setting {key} vanished"))),
        Err(e) => Err(e.into()),
    }
}

/// Stores `value` under `key`, replacing any earlier value.
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> Result<(), AppError> {
    let updated = diesel::update(app_settings::table.filter(app_settings::key.eq(key)))
        .set(app_settings::value.eq(value))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(app_settings::table)
            .values((app_settings::key.eq(key), app_settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}
