//! hoithi — online quiz and competition platform for the Youth Union.
//!
//! # Layers
//!
//! Each layer uses only the layers below it (a test below enforces it):
//!
//! 1. `domain` — pure rules and types: no I/O, no HTTP, no diesel. Its only
//!    outside import is `error::Problem` (a located problem in an input).
//! 2. `db` — diesel queries, one module per aggregate: reads and writes,
//!    decides nothing. Uses `domain`, `error`, `config`.
//! 3. `service` — the operations: decides, calls `db` and `domain`, owns
//!    the application state (`service::state`). Never uses `views` or `web`,
//!    and writes no query itself (no `db::schema`, no diesel query DSL).
//! 4. `views` — maud templates of what services return. Never uses `web`.
//! 5. `web` — actix handlers (`web::api` JSON, `web::pages` HTML) that call
//!    services only (never `db`); helpers both share live in `web` itself
//!    (`web::request`, `web::edge`), not in `web::api`.
//!
//! `error` maps every error to HTTP once; `auth` holds tokens and the
//! identity extractors; `startup` and `cli` wire everything together.

// Request and I/O paths return errors; only tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod service;
pub mod startup;
pub mod views;
pub mod web;

#[cfg(test)]
mod layers {
    //! The layer rule of the crate documentation, checked on the sources.

    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every `crate::…` path a file names outside comments, with its line;
    /// a group (`crate::{db::x, web::y}`, over several lines too) gives each
    /// of its paths.
    fn crate_paths(text: &str) -> Vec<(usize, String)> {
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let path_of = |s: &str| -> String {
            s.trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect()
        };
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(at) = code[from..].find("crate::") {
            let start = from + at;
            let line = code[..start].matches('\n').count() + 1;
            let tail = &code[start + "crate::".len()..];
            match tail.strip_prefix('{') {
                Some(group) => {
                    let inner = &group[..group.find('}').unwrap_or(group.len())];
                    out.extend(
                        inner
                            .split(',')
                            .map(path_of)
                            .filter(|p| !p.is_empty())
                            .map(|p| (line, p)),
                    );
                }
                None => out.push((line, path_of(tail))),
            }
            from = start + "crate::".len();
        }
        out
    }

    /// Whether a file of `layer` (its path under src) may name `path`.
    fn allowed(file: &str, path: &str) -> bool {
        let top = path.split("::").next().unwrap_or("");
        let layer = file.split('/').next().unwrap_or("");
        match layer {
            "domain" => top == "domain" || path.starts_with("error::Problem"),
            "db" => matches!(top, "db" | "domain" | "error" | "config"),
            // Services decide; the queries themselves live in `db`.
            "service" => {
                !(matches!(top, "web" | "views" | "startup" | "cli")
                    || path.starts_with("db::schema"))
            }
            "views" => !matches!(top, "web" | "startup" | "cli"),
            "web" => {
                let pages_use_api = file.starts_with("web/pages") && path.starts_with("web::api");
                !(matches!(top, "db" | "cli") || pages_use_api)
            }
            _ => true,
        }
    }

    #[test]
    fn each_layer_uses_only_the_layers_below_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        assert!(files.len() > 50, "the sources were found");
        let mut wrong = Vec::new();
        for file in files {
            let rel = file
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&file).expect("read source");
            for (line, path) in crate_paths(&text) {
                if !allowed(&rel, &path) {
                    wrong.push(format!("src/{rel}:{line} uses crate::{path}"));
                }
            }
            if rel.starts_with("service/") {
                for (i, l) in text.lines().enumerate() {
                    if l.split("//")
                        .next()
                        .unwrap_or("")
                        .contains("diesel::prelude")
                    {
                        wrong.push(format!(
                            "src/{rel}:{} writes queries (they belong in db)",
                            i + 1
                        ));
                    }
                }
            }
            if rel.starts_with("domain/") {
                for (i, l) in text.lines().enumerate() {
                    let code = l.split("//").next().unwrap_or("");
                    if code.contains("actix") || code.contains("diesel") {
                        wrong.push(format!("src/{rel}:{} uses HTTP or the database", i + 1));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "layer rule broken:\n{}", wrong.join("\n"));
    }

    #[test]
    fn the_check_sees_a_broken_rule() {
        assert!(!allowed("web/pages/contest.rs", "db::attempts"));
        assert!(!allowed(
            "web/pages/contest.rs",
            "web::api::contests::client_ip"
        ));
        assert!(!allowed("service/dashboard.rs", "views::charts::Bar"));
        assert!(!allowed("domain/accounts.rs", "error::AppError"));
        assert!(!allowed("db/attempts.rs", "service::rankings"));
        assert!(!allowed("service/otp.rs", "db::schema::otp_codes"));
        assert!(allowed("service/otp.rs", "db::otp::latest_open"));
        assert!(allowed("web/api/contests.rs", "web::request::client_ip"));
        assert!(allowed("domain/bank/aiken.rs", "error::Problem"));
        assert_eq!(
            crate_paths("use crate::db::x; // crate::web::y\nlet a = crate::domain::z();"),
            [(1, "db::x".to_string()), (2, "domain::z".to_string())]
        );
        assert_eq!(
            crate_paths("use crate::{\n    db::units,\n    web::edge::Edge,\n};"),
            [
                (1, "db::units".to_string()),
                (1, "web::edge::Edge".to_string())
            ]
        );
        assert!(!allowed("service/x.rs", "web::edge::Edge"));
    }
}
