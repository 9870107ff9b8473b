//! Sessions that can end. Every token names a session row; a staff request
//! checks its row on every request (the account is read anyway), and a
//! participant request checks an in-memory set of revoked sessions that each
//! instance refreshes from the database every few seconds, so the answer
//! save never waits for the database to learn a token is still good.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::db::Db;
use crate::error::AppError;
use chrono::{Duration, NaiveDateTime};

pub const STAFF: &str = "staff";
pub const PARTICIPANT: &str = "participant";
/// How often an instance learns of sessions revoked elsewhere.
pub const REFRESH_SECONDS: u64 = 2;

use crate::db::sessions::revoked_since;
pub use crate::db::sessions::{forget_expired, is_live, open, revoke, revoke_all};

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
