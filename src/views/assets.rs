//! The one stylesheet and the one script, compiled in. Pages link them with
//! a version taken from their content (`?v=…`), so a browser may keep them
//! for a year and still gets the new file the moment it changes.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

pub const STYLE: &str = include_str!("../../static/style.css");
pub const SCRIPT: &str = include_str!("../../static/hoithi.js");

/// The first 12 hex digits of the content's SHA-256.
pub fn version(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))[..12].to_string()
}

pub fn style_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| version(STYLE))
}

pub fn script_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| version(SCRIPT))
}

/// The site icon (a white star on the union's blue), inline so it costs no
/// request; browsers and home screens use it.
pub const ICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'%3E%3Crect width='64' height='64' rx='12' fill='%230b5cad'/%3E%3Cpath fill='%23fff' d='M32 10l6.5 14.5 15.5 1.5-11.7 10.4 3.4 15.6L32 44l-13.7 8 3.4-15.6L10 26l15.5-1.5z'/%3E%3C/svg%3E";

/// What a page says of itself when shared (Zalo, Facebook): the Open Graph
/// and Twitter card tags.
pub struct Share {
    pub title: String,
    pub description: String,
}

pub fn head_extras(share: Option<&Share>) -> maud::Markup {
    maud::html! {
        link rel="icon" href=(ICON);
        meta name="theme-color" content="#0b5cad";
        @if let Some(s) = share {
            meta name="description" content=(s.description);
            meta property="og:type" content="website";
            meta property="og:site_name" content="hoithi — Hội thi trực tuyến";
            meta property="og:locale" content="vi_VN";
            meta property="og:title" content=(s.title);
            meta property="og:description" content=(s.description);
            meta name="twitter:card" content="summary";
            meta name="twitter:title" content=(s.title);
            meta name="twitter:description" content=(s.description);
        }
    }
}

pub fn style_url() -> String {
    format!("/static/style.css?v={}", style_version())
}

pub fn script_url() -> String {
    format!("/static/hoithi.js?v={}", script_version())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_the_content() {
        assert_eq!(version("a"), version("a"));
        assert_ne!(version("a"), version("b"));
        assert_eq!(style_version().len(), 12);
        assert!(style_url().ends_with(style_version()));
    }
}
