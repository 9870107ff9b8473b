use maud::{html, Markup};

use super::layout;
use crate::error::Problem;

pub fn page(status: u16, message: &str, message_en: &str, problems: &[Problem]) -> Markup {
    layout(
        "Lỗi",
        None,
        html! {
            h1 { "Lỗi " (status) }
            .card {
                p { (message) span.en { (message_en) } }
                (problem_list(problems))
                p { a href="/" { "← Về trang chủ" } }
            }
        },
    )
}

/// Every problem of a rejected input, with its row and field.
pub fn problem_list(problems: &[Problem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            ul.problems {
                @for p in problems {
                    li {
                        @if p.row > 0 { strong { "Dòng " (p.row) } " · " }
                        code { (p.field) } " — " (p.message)
                        span.en { (p.message_en) }
                    }
                }
            }
        }
    }
}
