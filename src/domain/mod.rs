//! Pure domain rules: no I/O, no database, unit-tested in place.

pub mod accounts;
pub mod activity;
pub mod archive;
pub mod bank;
pub mod contest;
pub mod duplicates;
pub mod faults;
pub mod identity;
pub mod items;
pub mod paper;
pub mod prizes;
pub mod ranking;
pub mod text;
pub mod throttle;
pub mod units;
pub mod vn_time;

/// A value that breaks a domain rule, with the message in Vietnamese and in
/// English. The domain knows nothing of HTTP; `crate::error` maps this to a
/// 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct Invalid {
    pub vi: String,
    pub en: String,
}

impl Invalid {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Invalid {
            vi: vi.into(),
            en: en.into(),
        }
    }
}
