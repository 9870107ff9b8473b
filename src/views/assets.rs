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
