//! Pure domain rules: no I/O, no database, unit-tested in place.

pub mod accounts;
pub mod activity;
#[cfg(test)]
pub(crate) mod alloc_meter;
pub mod archive;
pub mod bank;
pub mod bank_access;
pub mod contest;
pub mod duplicates;
pub mod faults;
pub mod heading;
pub mod identity;
pub mod images;
pub mod items;
pub mod kinds;
pub mod numbers;
pub mod paper;
pub mod prizes;
pub mod ranking;
pub mod text;
pub mod throttle;
pub mod units;
pub mod vn_time;

/// A closed set stored and sent as text: `as_str`, `TryFrom<String>` (an
/// unknown text is an [`Invalid`] naming the accepted ones) and
/// `From<Self> for String`, written once for every such enum.
macro_rules! text_enum {
    ($name:ident, $what_vi:literal, $what_en:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::Invalid;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    other => {
                        let accepted = [$($text),+].join(", ");
                        Err($crate::domain::Invalid::new(
                            format!("{} không hợp lệ: {other:?} ({accepted}).", $what_vi),
                            format!("Unknown {} {other:?}: {accepted}.", $what_en),
                        ))
                    }
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }
    };
}
pub(crate) use text_enum;

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
