//! hoithi — online quiz and competition platform for the Youth Union.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod service;
pub mod startup;
pub mod state;
pub mod views;
pub mod web;
