//! The one stylesheet and the one script, compiled in. Pages link them with
//! a version taken from their content (`?v=…`), so a browser may keep them
//! for a year and still gets the new file the moment it changes.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

pub const STYLE: &str = include_str!("../../static/style.css");
pub const SCRIPT: &str = include_str!("../../static/hoithi.js");
/// The picture a shared link shows when its unit has no logo (1200×630).
pub const CARD: &[u8] = include_bytes!("../../static/og-card.png");

/// The home-screen icon (phones add it when a page is saved), 180×180.
pub const APP_ICON: &[u8] = include_bytes!("../../static/icon-180.png");

pub fn app_icon_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| version(APP_ICON))
}

/// The default emblem of a unit without an uploaded logo: a neutral star
/// in a circle, not the union's official emblem (a unit uploads that).
pub const DEFAULT_EMBLEM: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'><circle cx='32' cy='32' r='31' fill='#0b5cad'/><path fill='#fff' d='M32 12l5.9 13.1 14.1 1.4-10.6 9.4 3.1 14.1L32 42.8l-12.5 7.2 3.1-14.1L12 26.5l14.1-1.4z'/></svg>";

pub fn card_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| version(CARD))
}

/// The first 12 hex digits of the content's SHA-256.
pub fn version(content: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(content.as_ref()))[..12].to_string()
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
    /// An absolute URL of the picture (the unit's logo, or the default card).
    pub image: Option<String>,
    /// The page's own absolute URL.
    pub url: Option<String>,
}

pub fn head_extras(share: Option<&Share>) -> maud::Markup {
    maud::html! {
        link rel="icon" href=(ICON);
        link rel="apple-touch-icon" href={ "/static/icon-180.png?v=" (app_icon_version()) };
        meta name="theme-color" content="#0b5cad";
        @if let Some(s) = share {
            meta name="description" content=(s.description);
            meta property="og:type" content="website";
            meta property="og:site_name" content="hoithi — Hội thi trực tuyến";
            meta property="og:locale" content="vi_VN";
            meta property="og:title" content=(s.title);
            meta property="og:description" content=(s.description);
            @if let Some(url) = &s.url { meta property="og:url" content=(url); }
            @if let Some(image) = &s.image {
                meta property="og:image" content=(image);
                meta property="og:image:alt" content=(s.title);
                meta name="twitter:image" content=(image);
            }
            meta name="twitter:card" content=(if s.image.as_deref().is_some_and(|i| i.contains("og-card")) { "summary_large_image" } else { "summary" });
            meta name="twitter:title" content=(s.title);
            meta name="twitter:description" content=(s.description);
        }
    }
}

pub fn card_url() -> String {
    format!("/static/og-card.png?v={}", card_version())
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
