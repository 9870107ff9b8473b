//! Operations shared by the JSON API and the pages: validate the input,
//! check the caller's scope, then run one database transaction.

pub mod access;
pub mod accounts;
pub mod activities;
pub mod answer_writer;
pub mod attempts;
pub mod backup;
pub mod banks;
pub mod board_cache;
pub mod contests;
pub mod dashboard;
pub mod demo;
pub mod exports;
pub mod gate;
pub mod media;
pub mod open_attempts;
pub mod otp;
pub mod participants;
pub mod prizes;
pub mod rankings;
pub mod review;
pub mod sessions;
pub mod state;
pub mod surveys;
pub mod throttle;
pub mod units;
pub mod versions;
