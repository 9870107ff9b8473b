//! maud views: plain functions returning `Markup`, one shared layout.

pub mod accounts;
pub mod activities;
pub mod admin_contests;
pub mod assets;
pub mod banks;
pub mod charts;
pub mod contest;
pub mod error;
pub mod fields;
pub mod home;
pub mod login;
pub mod paper;
pub mod print;
pub mod results;
pub mod units;

use maud::{html, Markup, DOCTYPE};

use crate::auth::Staff;

/// The page frame: Vietnamese first, a tiny stylesheet, a top bar.
pub fn layout(title: &str, staff: Option<&Staff>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · hoithi" }
                (assets::head_extras(None))
                link rel="stylesheet" href=(assets::style_url());
                script src=(assets::script_url()) defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "hoithi" }
                    nav {
                        @if let Some(s) = staff {
                            // Co-organizing offices see only the contests they were given.
                            @if s.require_writer().is_ok() {
                                a href="/admin/units" { "Đơn vị" }
                                a href="/admin/banks" { "Ngân hàng câu hỏi" }
                            }
                            a href="/admin/contests" { "Hội thi" }
                            @if s.require_writer().is_ok() {
                                @if let Some(scope) = &s.scope {
                                    a href={ "/admin/units/" (scope.unit_code) "/activities" } { "Hoạt động" }
                                }
                                a href="/admin/activity-scheme" { "3 chủ động" }
                                a href="/admin/accounts" { "Tài khoản" }
                            }
                            a.mut href="/admin/password" title="Đổi mật khẩu" { (s.display_name) " · " (s.role.label_vi()) }
                        }
                    }
                    @if staff.is_some() {
                        form method="post" action="/logout" { button.link type="submit" { "Đăng xuất" } }
                        form method="post" action="/logout-all" { button.link type="submit" title="Kết thúc mọi phiên đăng nhập của tài khoản này, trên mọi thiết bị / Sign out everywhere" { "Đăng xuất mọi thiết bị" } }
                    } @else {
                        a href="/login" { "Đăng nhập" }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// A message shown once at the top of the page.
pub enum Flash {
    Ok(String),
    Bad(String, String),
}

/// The flash message, with every problem of a rejected input.
pub fn flash(message: Option<Flash>, problems: &[crate::error::Problem]) -> Markup {
    html! {
        @match message {
            Some(Flash::Ok(m)) => p.flash.ok role="status" { (m) },
            Some(Flash::Bad(vi, _)) => div.flash.bad role="alert" { (vi) (error::problem_list(problems)) },
            None => {},
        }
    }
}
