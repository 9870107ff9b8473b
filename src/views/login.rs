use maud::{html, Markup};

use super::layout;

pub fn page(next: &str, username: &str, failed: bool) -> Markup {
    layout(
        "Đăng nhập",
        None,
        html! {
            h1 { "Đăng nhập" }
            .card {
                @if failed {
                    p.flash.bad role="alert" { "Sai tên đăng nhập hoặc mật khẩu." }
                }
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    label for="username" { "Tên đăng nhập" }
                    input #username name="username" autocomplete="username" required value=(username);
                    label for="password" { "Mật khẩu" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    p { button type="submit" { "Đăng nhập" } }
                }
            }
        },
    )
}
