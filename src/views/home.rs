use maud::{html, Markup};

use super::layout;
use crate::auth::Staff;
use crate::domain::contest::RoundStatus;
use crate::domain::vn_time::fmt_vn;
use crate::service::contests::Listed;

fn card(l: &Listed) -> Markup {
    html! {
        li.card {
            h3 { a href={ "/c/" (l.slug) } { (l.title) } }
            p.mut { (l.organizer) }
            p {
                @match l.status {
                    RoundStatus::Open => { "Đang mở, đến " (fmt_vn(l.closes_at)) },
                    RoundStatus::Upcoming => { "Mở từ " (fmt_vn(l.opens_at)) },
                    RoundStatus::Closed => { "Đã kết thúc " (fmt_vn(l.closes_at)) },
                }
            }
            div.buttons {
                @match l.status {
                    RoundStatus::Closed => {
                        a.btn href={ "/c/" (l.slug) "/board" } { "Bảng xếp hạng" }
                        a.btn.secondary href={ "/c/" (l.slug) "/prizes" } { "Danh sách giải" }
                    },
                    _ => { a.btn href={ "/c/" (l.slug) } { "Vào hội thi" } },
                }
            }
        }
    }
}

/// The public home page: the contests one can enter now or soon, then the
/// recently finished ones with their results; staff sign-in is a link.
pub fn page(staff: Option<&Staff>, contests: &[Listed]) -> Markup {
    let current: Vec<&Listed> = contests
        .iter()
        .filter(|l| l.status != RoundStatus::Closed)
        .collect();
    let closed: Vec<&Listed> = contests
        .iter()
        .filter(|l| l.status == RoundStatus::Closed)
        .collect();
    layout(
        "Hội thi trực tuyến",
        staff,
        html! {
            h1 { "Hội thi trực tuyến của Đoàn Thanh niên" }
            h2 { "Đang diễn ra và sắp diễn ra" }
            @if current.is_empty() {
                p.mut { "Hiện chưa có hội thi nào đang mở." }
            } @else {
                ul.contests { @for l in &current { (card(l)) } }
            }
            @if !closed.is_empty() {
                h2 { "Đã kết thúc" }
                ul.contests { @for l in &closed { (card(l)) } }
            }
            p.mut {
                @if staff.is_some() {
                    a href="/admin" { "Trang quản lý →" }
                } @else {
                    a href="/login" { "Đăng nhập ban tổ chức" }
                }
            }
        },
    )
}
