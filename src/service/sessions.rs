//! Sessions that can end. Every token names a session row; a staff request
//! checks its row on every request (the account is read anyway), and a
//! participant request checks an in-memory set of revoked sessions that each
//! instance refreshes from the database every few seconds, so the answer
//! save never waits for the database to learn a token is still good.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::sessions;
use crate::db::{new_id, Db, DbConn};
use crate::error::AppError;

pub const STAFF: &str = "staff";
pub const PARTICIPANT: &str = "participant";
/// How often an instance learns of sessions revoked elsewhere.
pub const REFRESH_SECONDS: u64 = 2;

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
fn revoked_since(
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

/// This instance's copy of the revoked, unexpired sessions.
#[derive(Default)]
pub struct Revoked {
    inner: Mutex<RevokedInner>,
}

#[derive(Default)]
struct RevokedInner {
    ids: HashMap<String, NaiveDateTime>,
    /// Revocations up to here are known (None: never loaded).
    known_until: Option<NaiveDateTime>,
}

impl Revoked {
    pub fn contains(&self, sid: &str) -> bool {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.ids.contains_key(sid)
    }

    /// Records a revocation made by this instance (seen at once here).
    pub fn insert(&self, sid: &str, expires_at: NaiveDateTime) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.ids.insert(sid.to_string(), expires_at);
    }

    /// Learns the revocations made since the last refresh (by any
    /// instance), and forgets the expired ones.
    pub async fn refresh(&self, db: &Db, now: NaiveDateTime) -> Result<(), AppError> {
        let since = {
            let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            // Overlap a little: clocks of instances differ by a moment.
            inner
                .known_until
                .map(|t| t - Duration::seconds(30))
                .unwrap_or_else(|| chrono::DateTime::UNIX_EPOCH.naive_utc())
        };
        let fresh = db.read(move |c| revoked_since(c, since, now)).await?;
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.ids.extend(fresh);
        inner.ids.retain(|_, exp| *exp > now);
        inner.known_until = Some(now);
        Ok(())
    }
}
