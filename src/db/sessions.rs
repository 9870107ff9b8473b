//! Session rows: opened at sign-in, revoked at sign-out, forgotten a day
//! after they expire.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::sessions;
use super::{new_id, DbConn};
use crate::error::AppError;

/// Opens a session for `subject`; returns its id (the token's `sid`).
pub fn open(
    conn: &mut DbConn,
    kind: &str,
    subject: &str,
    hours: i64,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let id = new_id();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::kind.eq(kind),
            sessions::subject_id.eq(subject),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + Duration::hours(hours)),
            sessions::revoked_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Is the session live (exists, belongs to `subject`, not revoked)? Its
/// expiry is the token's own `exp`, checked with the signature.
pub fn is_live(conn: &mut DbConn, sid: &str, subject: &str) -> Result<bool, AppError> {
    let n: i64 = sessions::table
        .filter(sessions::id.eq(sid))
        .filter(sessions::subject_id.eq(subject))
        .filter(sessions::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn revoke(conn: &mut DbConn, sid: &str, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::id.eq(sid))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// Ends every session of `subject` but `keep` (sign out everywhere, a
/// password change that keeps the session it was made in).
pub fn revoke_all(
    conn: &mut DbConn,
    subject: &str,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::subject_id.eq(subject))
            .filter(sessions::id.ne(keep.unwrap_or("")))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// Deletes sessions that expired more than a day ago (their tokens are
/// refused by their own `exp`); returns how many.
pub fn forget_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::expires_at.lt(now - Duration::days(1))))
            .execute(conn)?,
    )
}

/// Sessions revoked at or after `since` and not yet expired: (id, expires_at).
pub fn revoked_since(
    conn: &mut DbConn,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<(String, NaiveDateTime)>, AppError> {
    Ok(sessions::table
        .filter(sessions::revoked_at.ge(since))
        .filter(sessions::expires_at.gt(now))
        .select((sessions::id, sessions::expires_at))
        .load(conn)?)
}
