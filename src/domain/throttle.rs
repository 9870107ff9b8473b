//! Guessing what proves an identity (a birth date, a one-time code, a staff
//! password) is throttled per phone and contest, or per staff username, by a
//! counter kept in the database so every instance sees it.
//!
//! Each try is counted before it is checked (so tries sent at once are all
//! counted), and a success clears the counter. Four tries are free; the fifth
//! and every later one locks the key if it fails — 15 minutes, then 30, 60,
//! … doubling up to 24 hours. A day without a try after the last lock ends
//! forgets the count.
//!
//! Device tokens (OWASP's "device cookies") keep a lock from being turned on
//! its owner: a client that signed in successfully holds a signed token
//! naming the subject (username, or contest and phone) and a random device
//! id. A try that presents a valid device token for its own subject counts
//! against that device's counter (`{subject}#d:{device}`); any other try
//! counts against the subject's untrusted counter (`{subject}`). A lock of
//! the untrusted counter does not stop a trusted device, and a device's own
//! failures lock only that device.

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

/// What separates a subject from a device id in a counter's key. Subjects
/// never contain it (see [`subject_part`]).
pub const DEVICE_MARK: &str = "#d:";

/// The longest device id a token may carry (ours are 36-character UUIDs).
pub const MAX_DEVICE_ID: usize = 64;

/// A verified device token: the subject it was issued for and its device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceClaim {
    pub subject: String,
    pub device: String,
}

/// A subject's part of a key: `#` is replaced so that no typed name (a
/// username such as `admin#d:…`) can make the key of someone's device.
pub fn subject_part(raw: &str) -> String {
    raw.replace('#', "?")
}

/// Is this a device id as we make them (bounded, URL-safe, no key marks)?
pub fn is_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_DEVICE_ID
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The counter of one device of a subject.
pub fn device_key(subject: &str, device: &str) -> String {
    format!("{subject}{DEVICE_MARK}{device}")
}

/// Which counter a try of `subject` counts against: the device's own when
/// the client presented a valid device token issued for this very subject
/// (with a well-formed device id), else the subject's untrusted counter.
pub fn counter_key(subject: &str, device: Option<&DeviceClaim>) -> String {
    match device {
        Some(d) if d.subject == subject && is_device_id(&d.device) => {
            device_key(subject, &d.device)
        }
        _ => subject.to_string(),
    }
}

/// The device id a successful sign-in's new token carries: the presented
/// one when it was valid for this subject (its counter stays the same),
/// else `fresh`.
pub fn device_after_success(subject: &str, device: Option<&DeviceClaim>, fresh: String) -> String {
    match device {
        Some(d) if d.subject == subject && is_device_id(&d.device) => d.device.clone(),
        _ => fresh,
    }
}

/// The subject a stored key counts for (the key less its device part).
pub fn subject_of(key: &str) -> &str {
    key.split_once(DEVICE_MARK).map_or(key, |(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(subject: &str, device: &str) -> DeviceClaim {
        DeviceClaim {
            subject: subject.into(),
            device: device.into(),
        }
    }

    #[test]
    fn a_device_token_for_the_subject_counts_against_that_device_only() {
        let d = claim("s:admin", "0f8e-11");
        assert_eq!(counter_key("s:admin", Some(&d)), "s:admin#d:0f8e-11");
        assert_eq!(counter_key("s:admin", None), "s:admin");
        // Another subject's token is no trust here.
        assert_eq!(counter_key("s:root", Some(&d)), "s:root");
        let p = claim("p:c1:0912000111", "ab");
        assert_eq!(counter_key("p:c1:0912000112", Some(&p)), "p:c1:0912000112");
        assert_eq!(
            counter_key("p:c1:0912000111", Some(&p)),
            "p:c1:0912000111#d:ab"
        );
    }

    #[test]
    fn malformed_device_ids_are_untrusted() {
        for bad in ["", "a#d:b", "a%", "a_b", &"x".repeat(MAX_DEVICE_ID + 1)] {
            assert_eq!(
                counter_key("s:u", Some(&claim("s:u", bad))),
                "s:u",
                "{bad:?}"
            );
        }
        assert!(is_device_id("6f1c2d3e-0000-4000-8000-00000000abcd"));
    }

    #[test]
    fn a_typed_name_cannot_make_a_device_key() {
        let typed = format!("s:{}", subject_part("admin#d:6f1c"));
        assert_ne!(typed, device_key("s:admin", "6f1c"));
        assert_eq!(subject_of(&typed), typed);
        assert_eq!(subject_of("s:admin#d:6f1c"), "s:admin");
        assert_eq!(subject_of("s:admin"), "s:admin");
    }

    #[test]
    fn success_keeps_a_valid_device_id_and_gives_others_a_fresh_one() {
        let d = claim("s:a", "dev1");
        assert_eq!(device_after_success("s:a", Some(&d), "new".into()), "dev1");
        assert_eq!(device_after_success("s:b", Some(&d), "new".into()), "new");
        assert_eq!(device_after_success("s:a", None, "new".into()), "new");
    }

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
