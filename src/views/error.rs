use maud::{html, Markup};

use super::layout;
use crate::error::Problem;

/// An error page, in Vietnamese (the English text stays in the API answer).
pub fn page(status: u16, message: &str, problems: &[Problem]) -> Markup {
    layout(
        "Lỗi",
        None,
        html! {
            h1 { "Lỗi " (status) }
            .card {
                p { (message) }
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
                    }
                }
            }
        }
    }
}
