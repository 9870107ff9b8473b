//! The failure counters of `domain::throttle`, one row per key. On
//! PostgreSQL the row is locked for the whole try, so tries sent at once by
//! several instances are counted one after another.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::auth_failures as af;
use super::{prepared, DbConn};
use crate::domain::throttle::{Record, DEVICE_MARK};
use crate::error::AppError;

type Row = (i32, Option<NaiveDateTime>, NaiveDateTime);

fn record((failures, locked_until, last_failure_at): Row) -> Record {
    Record {
        failures,
        locked_until,
        last_failure_at,
    }
}

/// The key's record, holding its row lock (PostgreSQL) until the transaction ends.
pub fn lock(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> Result<Option<Record>, AppError> {
    let fresh = (
        af::key.eq(key),
        af::failures.eq(0),
        af::locked_until.eq(None::<NaiveDateTime>),
        af::last_failure_at.eq(now),
    );
    let cols = (af::failures, af::locked_until, af::last_failure_at);
    let row: Row = match conn {
        DbConn::Postgres(pg) => {
            diesel::insert_into(af::table)
                .values(fresh)
                .on_conflict_do_nothing()
                .execute(pg)?;
            af::table.find(key).select(cols).for_update().first(pg)?
        }
        DbConn::Sqlite(lite) => {
            // One writer: nothing runs between these statements.
            diesel::insert_into(af::table)
                .values(fresh)
                .on_conflict_do_nothing()
                .execute(lite)?;
            af::table.find(key).select(cols).first(lite)?
        }
    };
    // A row just made for this try counts as none.
    Ok(Some(record(row)).filter(|r| r.failures > 0 || r.locked_until.is_some()))
}

pub fn store(conn: &mut DbConn, key: &str, r: &Record) -> Result<(), AppError> {
    prepared::update(
        af::table,
        af::key.eq(key),
        (
            af::failures.eq(r.failures),
            af::locked_until.eq(r.locked_until),
            af::last_failure_at.eq(r.last_failure_at),
        ),
    )
    .execute(conn)?;
    Ok(())
}

pub fn clear(conn: &mut DbConn, key: &str) -> Result<bool, AppError> {
    Ok(diesel::delete(af::table.find(key)).execute(conn)? > 0)
}

/// Deletes every counter of a subject: its untrusted one and those of its
/// devices (`{subject}#d:…`). Returns how many there were.
pub fn clear_subject(conn: &mut DbConn, subject: &str) -> Result<usize, AppError> {
    let devices = format!("{}{}%", escape_like(subject), DEVICE_MARK);
    Ok(
        diesel::delete(
            af::table.filter(af::key.eq(subject).or(af::key.like(devices).escape('\\'))),
        )
        .execute(conn)?,
    )
}

/// `s` matched literally by LIKE (with `ESCAPE '\'`).
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Keys starting with `prefix` that are locked now, with their lock's end.
pub fn locked_with_prefix(
    conn: &mut DbConn,
    prefix: &str,
    now: NaiveDateTime,
) -> Result<Vec<(String, NaiveDateTime, i32)>, AppError> {
    let rows: Vec<(String, Option<NaiveDateTime>, i32)> = af::table
        .filter(
            af::key
                .like(format!("{}%", escape_like(prefix)))
                .escape('\\'),
        )
        .filter(af::locked_until.gt(now))
        .select((af::key, af::locked_until, af::failures))
        .order(af::locked_until.desc())
        .limit(500)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, until, n)| Some((k, until?, n)))
        .collect())
}

/// Locked counters among `keys` (the untrusted counters of known
/// subjects) and every locked device counter under `prefix` (only a
/// successful sign-in makes one), with their lock's end. Unlike
/// [`locked_with_prefix`], names sprayed by a script cannot push a known
/// subject's lock out of the answer.
pub fn locked_of(
    conn: &mut DbConn,
    prefix: &str,
    keys: &[String],
    now: NaiveDateTime,
) -> Result<Vec<(String, NaiveDateTime)>, AppError> {
    let devices = format!("{}%{}%", escape_like(prefix), DEVICE_MARK);
    let rows: Vec<(String, Option<NaiveDateTime>)> = af::table
        .filter(af::locked_until.gt(now))
        .filter(af::key.eq_any(keys).or(af::key.like(devices).escape('\\')))
        .select((af::key, af::locked_until))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, until)| Some((k, until?)))
        .collect())
}

/// Forgets counters with no try for `before` and no lock in force.
pub fn prune(
    conn: &mut DbConn,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::delete(
        af::table
            .filter(af::last_failure_at.lt(before))
            .filter(af::locked_until.is_null().or(af::locked_until.le(now))),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_patterns_match_usernames_literally() {
        // `_` and `%` are allowed or typed in usernames: "a_b" must not
        // clear the counters of "axb", nor "%" everyone's.
        assert_eq!(escape_like("s:a_b"), "s:a\\_b");
        assert_eq!(escape_like("s:%"), "s:\\%");
        assert_eq!(escape_like("s:a\\b"), "s:a\\\\b");
        assert_eq!(escape_like("p:c-1:0912000111"), "p:c-1:0912000111");
    }
}
