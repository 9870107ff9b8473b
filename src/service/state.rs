//! What every handler shares: the database, the token keys, the clock, the
//! cache of immutable bank versions and the identity pepper.

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::auth::Keys;
use crate::db::Db;
use crate::service::versions::VersionCache;

/// The time source. The server uses the system clock; tests inject a manual
/// one to cross deadlines without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> NaiveDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        crate::db::now()
    }
}

/// A clock that moves only when told to.
pub struct ManualClock(Mutex<NaiveDateTime>);

impl ManualClock {
    pub fn new(start: NaiveDateTime) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: Keys,
    pub token_hours: i64,
    pub clock: Arc<dyn Clock>,
    pub versions: Arc<VersionCache>,
    /// Key for hashing identity data (CCCD, one-time codes) with HMAC-SHA256.
    pub pepper: Arc<Vec<u8>>,
    pub otp: Arc<dyn crate::service::otp::OtpSender>,
    /// Group commit for answer saves.
    pub answers: crate::service::answer_writer::AnswerWriter,
    /// Per-instance cache of what saving an answer checks.
    pub open_attempts: Arc<crate::service::open_attempts::OpenAttempts>,
    /// Per-instance cache of overall (cross-round) rankings, a few seconds old at most.
    pub overall: Arc<crate::service::rankings::OverallCache>,
    /// Per-instance copies of the boards everyone refreshes, at most 2 s old.
    pub boards: Arc<crate::service::board_cache::Boards>,
    /// Turns for parsing uploaded files (bounded, with a bounded queue).
    pub uploads: Arc<crate::service::gate::WorkGate>,
    /// One-time codes a contest may send per hour.
    pub otp_hourly_budget: u32,
    /// Participant sessions revoked (by any instance), refreshed every few seconds.
    pub revoked: Arc<crate::service::sessions::Revoked>,
    /// The last scheduled backup (SQLite with HOITHI_BACKUP_DIR).
    pub backups: Arc<crate::service::backup::Status>,
    /// Pictures served lately (per instance, bounded by bytes).
    pub media: Arc<crate::service::media::Cache>,
}

impl AppState {
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }
}
