//! Counting sign-in tries per phone and contest or per staff username (see
//! `domain::throttle`), inside the caller's write transaction.

use chrono::NaiveDateTime;

use crate::db::{throttle as store, DbConn};
use crate::domain::accounts::Username;
use crate::domain::identity::Phone;
use crate::domain::throttle::{begin, subject_part, Try, FORGET_AFTER_HOURS};
use crate::error::AppError;

/// The throttle key of a phone's sign-in tries in a contest.
pub fn participant_key(contest_id: &str, phone: &Phone) -> String {
    format!("{}{}", participant_prefix(contest_id), phone.as_str())
}

/// What every participant key of a contest starts with.
pub fn participant_prefix(contest_id: &str) -> String {
    format!("p:{contest_id}:")
}

/// The throttle subject of a username's sign-in tries (at most 64
/// characters of it): its untrusted counter's key, and the stem of its
/// devices' keys.
pub fn staff_key(username: &Username) -> String {
    let u: String = username.as_str().chars().take(64).collect();
    format!("{STAFF_PREFIX}{}", subject_part(&u))
}

/// What every staff key starts with.
pub const STAFF_PREFIX: &str = "s:";

/// Clears every counter of a subject (untrusted and every device): an
/// unlock, or a new password. Returns how many there were.
pub fn clear_all(conn: &mut DbConn, subject: &str) -> Result<usize, AppError> {
    store::clear_subject(conn, subject)
}

/// A fresh random device id for a client that holds no valid device token.
pub fn fresh_device_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Counts one try of `key` before it is checked; `Locked` (429 with
/// `Retry-After`) while a lock is in force. The caller clears the key with
/// [`succeeded`] when the try turns out right, in the same transaction if it
/// can. Callers must commit a failed try (return `Ok`), or it is not counted.
pub fn begin_try(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
    staff: bool,
) -> Result<(), AppError> {
    match begin(store::lock(conn, key, now)?, now) {
        Try::Locked { until } => Err(AppError::Locked {
            retry_after: (until - now).num_seconds().max(1) as u64,
            staff,
        }),
        Try::Counted(record) => store::store(conn, key, &record),
    }
}

pub fn succeeded(conn: &mut DbConn, key: &str) -> Result<(), AppError> {
    store::clear(conn, key).map(|_| ())
}

/// Deletes counters the rule would forget anyway (a quiet day, no lock in
/// force), so usernames sprayed by a script do not pile up.
pub fn forget_quiet(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, AppError> {
    store::prune(conn, now - chrono::Duration::hours(FORGET_AFTER_HOURS), now)
}
