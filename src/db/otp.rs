//! One-time codes sent by SMS: when the last went to a phone, how many a
//! contest sent in an hour, and the newest unused one to check a try against.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::otp_codes;
use super::{new_id, DbConn};
use crate::error::AppError;

/// When the newest code of the contest went to `phone`.
pub fn last_sent(
    conn: &mut DbConn,
    contest_id: &str,
    phone: &str,
) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(otp_codes::table
        .filter(otp_codes::contest_id.eq(contest_id))
        .filter(otp_codes::phone.eq(phone))
        .select(diesel::dsl::max(otp_codes::created_at))
        .first(conn)?)
}

/// How many codes the contest sent after `since`.
pub fn sent_since(
    conn: &mut DbConn,
    contest_id: &str,
    since: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(otp_codes::table
        .filter(otp_codes::contest_id.eq(contest_id))
        .filter(otp_codes::created_at.gt(since))
        .count()
        .get_result(conn)?)
}

/// Stores a sent code (its keyed hash, never the code).
pub fn insert(
    conn: &mut DbConn,
    contest_id: &str,
    phone: &str,
    code_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(otp_codes::table)
        .values((
            otp_codes::id.eq(new_id()),
            otp_codes::contest_id.eq(contest_id),
            otp_codes::phone.eq(phone),
            otp_codes::code_hash.eq(code_hash),
            otp_codes::expires_at.eq(expires_at),
            otp_codes::attempts.eq(0),
            otp_codes::used.eq(false),
            otp_codes::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest unused, unexpired code of `phone`: (id, hash, tries so far).
pub fn latest_open(
    conn: &mut DbConn,
    contest_id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> Result<Option<(String, String, i32)>, AppError> {
    Ok(otp_codes::table
        .filter(otp_codes::contest_id.eq(contest_id))
        .filter(otp_codes::phone.eq(phone))
        .filter(otp_codes::used.eq(false))
        .filter(otp_codes::expires_at.gt(now))
        .order(otp_codes::created_at.desc())
        .select((otp_codes::id, otp_codes::code_hash, otp_codes::attempts))
        .first(conn)
        .optional()?)
}

/// Counts one try of a code; a right one is used up.
pub fn record_try(conn: &mut DbConn, id: &str, tries: i32, used: bool) -> Result<(), AppError> {
    diesel::update(otp_codes::table.find(id))
        .set((otp_codes::attempts.eq(tries), otp_codes::used.eq(used)))
        .execute(conn)?;
    Ok(())
}
