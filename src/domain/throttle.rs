//! Guessing what proves an identity (a birth date, a one-time code, a staff
//! password) is throttled per phone and contest, or per staff username, by a
//! counter kept in the database so every instance sees it.
//!
//! Each try is counted before it is checked (so tries sent at once are all
//! counted), and a success clears the counter. Four tries are free; the fifth
//! and every later one locks the key if it fails — 15 minutes, then 30, 60,
//! … doubling up to 24 hours. A day without a try after the last lock ends
//! forgets the count.

use chrono::{Duration, NaiveDateTime};

pub const FREE_TRIES: i32 = 4;
pub const FIRST_LOCK_MINUTES: i64 = 15;
pub const MAX_LOCK_HOURS: i64 = 24;
pub const FORGET_AFTER_HOURS: i64 = 24;

/// The stored counter of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub last_failure_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Try {
    /// Refused without checking: wait until then.
    Locked { until: NaiveDateTime },
    /// Checked; store this record first (it holds if the try fails).
    Counted(Record),
}

/// How long the `n`-th consecutive failure locks the key.
pub fn lock_for(n: i32) -> Option<Duration> {
    if n <= FREE_TRIES {
        return None;
    }
    let doublings = (n - FREE_TRIES - 1).min(16) as u32;
    let minutes = FIRST_LOCK_MINUTES.saturating_mul(1 << doublings);
    Some(Duration::minutes(minutes.min(MAX_LOCK_HOURS * 60)))
}

/// Decides one try given the stored record.
pub fn begin(prev: Option<Record>, now: NaiveDateTime) -> Try {
    if let Some(until) = prev.and_then(|r| r.locked_until).filter(|u| *u > now) {
        return Try::Locked { until };
    }
    // A day of quiet, counted from the end of the last lock, forgets.
    let quiet_since = |r: Record| {
        r.locked_until
            .map_or(r.last_failure_at, |u| u.max(r.last_failure_at))
    };
    let failures = match prev {
        Some(r) if now - quiet_since(r) < Duration::hours(FORGET_AFTER_HOURS) => r.failures + 1,
        _ => 1,
    };
    Try::Counted(Record {
        failures,
        locked_until: lock_for(failures).map(|d| now + d),
        last_failure_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap()
    }

    /// Tries every `gap`, all failing, `n` times; returns how many were checked.
    fn checked(n: usize, gap: Duration) -> (usize, Option<Record>) {
        let mut rec = None;
        let mut now = t0();
        let mut count = 0;
        for _ in 0..n {
            if let Try::Counted(r) = begin(rec, now) {
                count += 1;
                rec = Some(r);
            }
            now += gap;
        }
        (count, rec)
    }

    #[test]
    fn five_quick_failures_lock_for_fifteen_minutes() {
        let (count, rec) = checked(20, Duration::seconds(1));
        assert_eq!(count, 5);
        assert_eq!(
            rec.unwrap().locked_until,
            Some(t0() + Duration::seconds(4) + Duration::minutes(15))
        );
    }

    #[test]
    fn locks_double_and_stop_at_a_day() {
        assert_eq!(lock_for(4), None);
        assert_eq!(lock_for(5), Some(Duration::minutes(15)));
        assert_eq!(lock_for(6), Some(Duration::minutes(30)));
        assert_eq!(lock_for(7), Some(Duration::minutes(60)));
        assert_eq!(lock_for(13), Some(Duration::hours(24)));
        assert_eq!(lock_for(i32::MAX), Some(Duration::hours(24)));
    }

    #[test]
    fn guessing_a_birth_date_takes_years_not_seconds() {
        // A try every minute for a week: the 7,300 dates of a 20-year range are far away.
        let (count, _) = checked(7 * 24 * 60, Duration::minutes(1));
        assert!(count < 20, "{count} dates checked in a week");
    }

    #[test]
    fn a_day_without_tries_forgets_and_an_expired_lock_lets_one_try_through() {
        let rec = Record {
            failures: 5,
            locked_until: Some(t0() + Duration::minutes(15)),
            last_failure_at: t0(),
        };
        assert!(matches!(
            begin(Some(rec), t0() + Duration::minutes(5)),
            Try::Locked { .. }
        ));
        match begin(Some(rec), t0() + Duration::minutes(16)) {
            Try::Counted(r) => assert_eq!((r.failures, r.locked_until.is_some()), (6, true)),
            other => panic!("{other:?}"),
        }
        match begin(Some(rec), t0() + Duration::hours(25)) {
            Try::Counted(r) => assert_eq!((r.failures, r.locked_until), (1, None)),
            other => panic!("{other:?}"),
        }
    }
}
