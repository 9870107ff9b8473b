//! Integration tests: the real server on port 0, talked to over HTTP.
//! SQLite by default; PostgreSQL when HOITHI_TEST_POSTGRES_URL is set;
//! tests that need something the machine may not have (Chromium, PostgreSQL,
//! root for a tmpfs) are `#[ignore]`d with the reason and run by `.ci/run`.

mod access;
mod accounts;
mod activities;
mod auth;
mod backup;
mod bank_sharing;
mod banks;
mod board_cache;
mod browser;
mod cli;
mod edge;
mod faults;
mod health;
mod helpers;
mod hostile_files;
mod journey;
mod kinds;
mod lockout;
mod media;
mod migrations;
mod multi_instance;
mod organizer_pages;
mod otp;
mod page_access;
mod participant_pages;
mod proxy;
mod rankings;
mod review;
mod saves;
mod security;
mod units;
mod uploads;
