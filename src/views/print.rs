//! Documents to print, sign and file: the administrative heading, the
//! table, and the signature block.

use maud::{html, Markup};

use super::layout;
use crate::auth::Staff;
use crate::domain::heading::{Heading, PARTY_LINE};
use crate::service::exports::Table;

/// The heading as documents lay it out: two columns, then the title.
pub fn heading(h: &Heading) -> Markup {
    html! {
        div.doc-head {
            div {
                @if let Some(u) = &h.upper { div { (u) } }
                div { strong { (h.unit) } }
                div { "***" }
            }
            div {
                div { strong.party { (PARTY_LINE) } }
                div { em { (h.date_line) } }
            }
        }
        h1.doc-title { (h.title) }
        p.doc-sub { strong { (h.subtitle) } }
    }
}

pub fn document(staff: &Staff, t: &Table, more: Option<usize>, back: &str) -> Markup {
    let title = t
        .heading
        .as_ref()
        .map(|h| h.title.clone())
        .unwrap_or_else(|| t.sheet.to_string());
    layout(
        &title,
        Some(staff),
        html! {
            p.noprint {
                button.link type="button" data-print { "In / lưu PDF" } " · "
                a href=(back) { "Quay lại" }
            }
            article.doc {
                @if let Some(h) = &t.heading { (heading(h)) }
                table {
                    thead { tr { @for h in &t.headers { th { (h) } } } }
                    tbody {
                        @for r in &t.rows { tr { @for c in r { td { (c) } } } }
                    }
                }
                @if t.rows.is_empty() { p.mut { "Chưa có dữ liệu." } }
                @if let Some(n) = more {
                    p.mut.noprint { "Bản in có " (n) " dòng đầu; tệp XLSX có đủ mọi dòng." }
                }
                div.doc-sign {
                    div { strong { "NGƯỜI LẬP BIỂU" } br; em { "(Ký, ghi rõ họ tên)" } }
                    div { strong { "TM. BAN TỔ CHỨC" } br; em { "(Ký, ghi rõ họ tên, đóng dấu)" } }
                }
            }
        },
    )
}
