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
