use maud::{html, Markup};

use super::layout;
use crate::auth::Staff;
use crate::error::Problem;

/// An error page, in Vietnamese (the English text stays in the API answer).
/// A 403 names the account that is signed in, so one can tell why.
pub fn page(status: u16, message: &str, problems: &[Problem], staff: Option<&Staff>) -> Markup {
    layout(
        "Lỗi",
        staff,
        html! {
            h1 { "Lỗi " (status) }
            .card {
                p { (message) }
                @if let (403, Some(s)) = (status, staff) {
                    p {
                        "Bạn đang đăng nhập là " strong { (s.display_name) } " (" (s.username) ", " (s.role.label_vi()) "). "
                        "Tài khoản này không có quyền làm việc này; hãy đăng xuất và đăng nhập bằng tài khoản khác nếu cần."
                    }
                }
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
