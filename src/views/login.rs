use maud::{html, Markup};

use super::{bilingual, layout};

pub fn page(next: &str, username: &str, failed: bool) -> Markup {
    layout(
        "Đăng nhập",
        None,
        html! {
            h1 { (bilingual("Đăng nhập", "Sign in")) }
            .card {
                @if failed {
                    p.flash.bad role="alert" { (bilingual("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")) }
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
