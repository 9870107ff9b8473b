//! Operations shared by the JSON API and the pages: validate the input,
//! check the caller's scope, then run one database transaction.

pub mod accounts;
pub mod answer_writer;
pub mod attempts;
pub mod banks;
pub mod contests;
pub mod demo;
pub mod open_attempts;
pub mod otp;
pub mod participants;
pub mod rankings;
pub mod units;
pub mod versions;
