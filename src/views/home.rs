use maud::{html, Markup};

use super::{bilingual, layout};
use crate::auth::Staff;

pub fn page(staff: Option<&Staff>) -> Markup {
    layout(
        "Hội thi trực tuyến",
        staff,
        html! {
            h1 { (bilingual("hoithi — Hội thi trực tuyến của Đoàn Thanh niên", "Online contests for the Youth Union")) }
            .card {
                p { "Tổ chức hội thi tìm hiểu trực tuyến: ngân hàng câu hỏi, đề thi ngẫu nhiên, tính giờ ở máy chủ, xếp hạng cá nhân và tập thể." }
                @if staff.is_some() {
                    a.btn href="/admin/units" { "Quản lý đơn vị" }
                } @else {
                    a.btn href="/login" { "Đăng nhập ban tổ chức" }
                }
            }
        },
    )
}
