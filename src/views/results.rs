//! Results pages: the round dashboard (organizers, co-organizers, share
//! links), the duplicate review, prizes, access management and the public
//! prize list.

use crate::domain::duplicates::MemberStatus;
use maud::{html, Markup};

use super::charts::{columns, hbars};
use super::{flash, layout, Flash};
use crate::auth::Staff;
use crate::db::review::AuditEntry;
use crate::domain::contest::RoundStatus;
use crate::domain::vn_time::fmt_vn;
use crate::service::access::{Access, Overview};
use crate::service::dashboard::Dashboard;
use crate::service::prizes::Prizes;
use crate::service::rankings::Live;
use crate::service::review::Review;

fn seconds(ms: i64) -> String {
    crate::domain::numbers::duration(ms)
}

fn status_label(s: RoundStatus) -> &'static str {
    match s {
        RoundStatus::Upcoming => "Chưa mở",
        RoundStatus::Open => "Đang diễn ra",
        RoundStatus::Closed => "Đã kết thúc",
    }
}

/// The live counter; a small script refreshes it every 5 seconds while the
/// round is open (the numbers are right without it too).
pub fn live_counter(slug: &str, live: &Live) -> Markup {
    let url = format!("/api/v1/contests/{slug}/rounds/{}/live", live.round);
    html! {
        section.card.live data-live-url=(url) data-open=(live.status == RoundStatus::Open) {
            h2 { "Số liệu trực tiếp" }
            p.mut { (status_label(live.status)) " · cập nhật " span data-k="at" { (live.at) } }
            div.stats {
                div { strong data-k="in_progress" { (live.in_progress) } span { "đang làm bài" } }
                div { strong data-k="submitted" { (live.submitted) } span { "bài đã nộp" } }
                div { strong data-k="participants" { (live.participants) } span { "người có kết quả" } }
            }
        }
    }
}

fn winners_table(p: &Prizes) -> Markup {
    html! {
        @if p.published {
            table {
                thead { tr { th { "Giải" } th { "Hạng" } th { "Họ và tên" } th { "Điện thoại" } th { "Đơn vị" } th { "Điểm" } } }
                tbody {
                    @for w in &p.winners {
                        tr { td { (w.tier_name) } td { (w.rank) } td { (w.name) } td { (w.masked_phone) } td { (w.unit_name) } td { (w.score) "/" (w.max_score) } }
                    }
                }
            }
            @if let Some(h) = &p.sha256 {
                p.mut { "Mã kiểm tra SHA-256 của danh sách đã công bố: " code.hash { (h) } }
            }
        } @else {
            p.mut { "Chưa công bố danh sách giải." }
        }
    }
}

/// The round dashboard. `base` is the page's own address (for round tabs),
/// `staff` is None for a share link.
pub fn dashboard(staff: Option<&Staff>, d: &Dashboard, base: &str) -> Markup {
    let full = d.access == Access::Full;
    layout(
        &format!("Kết quả · {}", d.contest_title),
        staff,
        html! {
            h1 { (d.contest_title) span.en { "Kết quả vòng " (d.round) } }
            @if !full { p.flash.ok { "Chế độ chỉ xem: số điện thoại được che, không có dữ liệu cá nhân." } }
            nav.tabs {
                @for n in &d.rounds {
                    @if *n == d.round { strong { "Vòng " (n) } } @else { a href={ (base) "?round=" (n) } { "Vòng " (n) } }
                }
            }
            (live_counter(&d.slug, &d.live))
            section.card {
                (columns("Số người tham gia theo ngày", &d.per_day))
                (hbars("Tỉ lệ đoàn viên tham gia theo đơn vị (%)", &d.rates, Some(100.0)))
                (columns("Phân bố điểm (số người theo điểm)", &d.histogram))
            }
            section.card {
                h2 { "Bảng xếp hạng" @if d.board.is_final { " (chính thức)" } @else { " (tạm thời)" } }
                p.mut { (d.board.total) " người có kết quả; hiển thị 20 người đầu." }
                table {
                    thead { tr { th { "Hạng" } th { "Họ và tên" } th { "Điện thoại" } th { "Đơn vị" } th { "Điểm" } th { "Thời gian" } } }
                    tbody {
                        @for e in &d.board.entries {
                            tr { td { (e.rank) } td { (e.name) } td { (e.masked_phone) } td { (e.unit_name) } td { (e.score) "/" (e.max_score) } td { (seconds(e.duration_ms)) } }
                        }
                    }
                }
            }
            section.card {
                h2 { "Thống kê đơn vị" }
                table {
                    thead { tr { th { "Hạng" } th { "Đơn vị" } th { "Người dự thi" } th { "Đoàn viên" } th { "Tỉ lệ" } th { "Điểm TB" } th { "Tuyệt đối" } th { "Đạt giải" } } }
                    tbody {
                        @for u in &d.units.entries {
                            tr {
                                td { (u.rank) } td { (u.unit_name) } td { (u.participants) } td { (u.member_participants) "/" (u.members) }
                                td { @if let Some(r) = u.rate { (crate::domain::numbers::percent(r)) } @else { "—" } }
                                td { @if let Some(a) = u.average_score { (crate::domain::numbers::decimal(a, 2)) } @else { "—" } }
                                td { (u.perfect) } td { (u.winners) }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Giải thưởng" }
                (winners_table(&d.prizes))
            }
            @if !d.surveys.questions.is_empty() { (survey_section(&d.surveys)) }
            @if staff.is_some() {
                section.card {
                    h2 { "Xuất dữ liệu" }
                    @let api = format!("/api/v1/contests/{}/rounds/{}/export", d.slug, d.round);
                    p {
                        @for (what, label) in [("results", "Kết quả đầy đủ"), ("winners", "Danh sách giải"), ("units", "Thống kê đơn vị")] {
                            (label) ": " a href={ (api) "/" (what) ".csv" } { "CSV" } " · " a href={ (api) "/" (what) ".xlsx" } { "XLSX" }
                            " · " a href={ "/admin/contests/" (d.slug) "/rounds/" (d.round) "/print/" (what) } { "Bản in có tiêu đề" } br;
                        }
                        @if !d.surveys.questions.is_empty() {
                            "Khảo sát: " a href={ (api) "/survey.csv" } { "CSV" } " · " a href={ (api) "/survey.xlsx" } { "XLSX" } br;
                        }
                        @if full {
                            "Quyết định trùng lặp: " a href={ "/api/v1/contests/" (d.slug) "/export/decisions.csv" } { "CSV" } " · " a href={ "/api/v1/contests/" (d.slug) "/export/decisions.xlsx" } { "XLSX" }
                        }
                    }
                    p.mut { "XLSX và bản in bắt đầu bằng tiêu đề văn bản của đơn vị (ĐOÀN TNCS HỒ CHÍ MINH, tên đơn vị, ngày tháng) để ký và lưu. XLSX mở thẳng trong Excel, số vẫn là số. CSV là UTF-8, phân cách bằng dấu phẩy, số thập phân dùng dấu chấm (cho phần mềm khác); Excel tiếng Việt nên dùng XLSX." }
                    @if !full { p.mut { "Các tệp xuất cho cơ quan phối hợp đã che số điện thoại và không có ngày sinh." } }
                }
            }
            @if full {
                p {
                    a href={ "/admin/contests/" (d.slug) "/rounds/" (d.round) "/prizes" } { "Cơ cấu và công bố giải" } " · "
                    a href={ "/admin/contests/" (d.slug) "/review" } { "Rà soát trùng lặp" } " · "
                    a href={ "/admin/contests/" (d.slug) "/access" } { "Cơ quan phối hợp và liên kết chia sẻ" }
                }
            }
        },
    )
}

pub fn review(staff: &Staff, slug: &str, r: &Review, message: Option<Flash>) -> Markup {
    layout(
        "Rà soát trùng lặp",
        Some(staff),
        html! {
            h1 { "Rà soát trùng lặp" span.en { (r.contest_title) } }
            (flash(message, &[]))
            p.mut { "Hệ thống chỉ đánh dấu nghi vấn, không tự gộp ai. Mỗi quyết định được ghi vào nhật ký (ai, lúc nào, quyết định gì, vì sao)." }
            @if r.groups.is_empty() { p.card { "Không có gì cần rà soát: chưa có hai lượt đăng ký nào có dấu hiệu là cùng một người (cùng CCCD, cùng thiết bị, hoặc trùng họ tên và ngày sinh). Trang này sẽ liệt kê các nhóm nghi trùng khi có." } }
            @for g in &r.groups {
                section.card {
                    h2 { (g.label) }
                    @if let Some(d) = &g.decided { p.flash.ok { "Đã quyết định: " (d) } }
                    table {
                        thead { tr { th { "Họ và tên" } th { "Điện thoại" } th { "Ngày sinh" } th { "Đơn vị" } th { "Đối tượng" } th { "CCCD" } th { "Trình duyệt / IP" } th { "Đăng ký" } th { "Trạng thái" } } }
                        tbody {
                            @for m in &g.members {
                                tr {
                                    td { (m.name) } td { (m.phone) } td { (m.birth_date) } td { (m.unit) } td { (m.category) }
                                    td { @if let Some(l) = &m.cccd_last4 { "…" (l) } }
                                    td { (m.device.clone().unwrap_or_default()) " / " (m.ip.clone().unwrap_or_default()) }
                                    td { (m.registered_at) }
                                    td {
                                        @match m.status {
                                            MemberStatus::Disqualified => { "Bị loại: " (m.status_note.clone().unwrap_or_default()) }
                                            MemberStatus::Joined => { "Đã gộp là một người" }
                                            MemberStatus::Counted => { "Được tính" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    form.decide method="post" action={ "/admin/contests/" (slug) "/review" } {
                        input type="hidden" name="group_key" value=(g.key);
                        label { "Lý do (bắt buộc) " input name="reason" required maxlength="1000"; }
                        label { "Người bị loại/khôi phục "
                            select name="participant_id" {
                                option value="" { "—" }
                                @for m in &g.members { option value=(m.id) { (m.name) " · " (m.phone) } }
                            }
                        }
                        div.buttons {
                            button type="submit" name="decision" value="same" { "Cùng một người" }
                            button.secondary type="submit" name="decision" value="different" { "Người khác nhau" }
                            button.danger type="submit" name="decision" value="disqualify" { "Loại người đã chọn" }
                            button.secondary type="submit" name="decision" value="reinstate" { "Khôi phục người đã chọn" }
                        }
                    }
                }
            }
            h2 { "Nhật ký quyết định" }
            table {
                thead { tr { th { "Lúc" } th { "Người quyết định" } th { "Dấu hiệu" } th { "Quyết định" } th { "Nhóm" } th { "Lý do" } } }
                tbody {
                    @for d in &r.decisions {
                        tr { td { (d.at) } td { (d.by) } td { (d.signal) } td { (d.decision) @if let Some(p) = &d.participant { ": " (p) } } td { (d.members.join("; ")) } td { (d.reason) } }
                    }
                }
            }
        },
    )
}

pub fn prizes_admin(staff: &Staff, slug: &str, p: &Prizes, message: Option<Flash>) -> Markup {
    let tiers =
        p.plan.as_ref().map(|x| x.tiers_text()).unwrap_or_else(|| {
            "Giải Nhất: 1\nGiải Nhì: 2\nGiải Ba: 3\nGiải Khuyến khích: 5".into()
        });
    let quotas = p.plan.as_ref().map(|x| x.quotas_text()).unwrap_or_default();
    let action = format!("/admin/contests/{slug}/rounds/{}/prizes", p.round);
    layout(
        "Giải thưởng",
        Some(staff),
        html! {
            h1 { "Giải thưởng vòng " (p.round) span.en { (p.contest_title) } }
            (flash(message, &[]))
            @if p.published {
                section.card {
                    p.flash.ok { "Đã công bố lúc " (p.published_at.clone().unwrap_or_default()) "." }
                    p { "SHA-256: " code.hash { (p.sha256.clone().unwrap_or_default()) } }
                    p.mut { "Danh sách công khai: " a href={ "/c/" (slug) "/prizes?round=" (p.round) } { "/c/" (slug) "/prizes?round=" (p.round) } }
                }
            } @else {
                section.card {
                    h2 { "Cơ cấu giải" }
                    form method="post" action={ (action) "/plan" } {
                        label { "Các hạng giải, mỗi dòng \"Tên giải: số lượng\" (từ cao xuống thấp)" textarea name="tiers" rows="5" required { (tiers) } }
                        label { "Hạn mức theo đối tượng (không bắt buộc), mỗi dòng \"mã: số lượng\" — mã: doan_vien, thanh_nien, hssv, cbccvc, khac" textarea name="quotas" rows="3" { (quotas) } }
                        button type="submit" { "Lưu cơ cấu giải" }
                    }
                }
            }
            section.card {
                h2 { @if p.published { "Danh sách đã công bố" } @else { "Đề xuất theo thứ tự xếp hạng" } }
                @if p.plan.is_none() && !p.published {
                    p.flash.ok role="status" { "Bước 1: nhập các hạng giải ở trên và bấm \"Lưu cơ cấu giải\". Bước 2: khi vòng thi đã đóng, danh sách đề xuất hiện ở đây để kiểm tra rồi công bố." }
                }
                @if !p.round_final { p.mut { "Vòng thi chưa kết thúc: danh sách đề xuất có khi vòng thi đóng." } }
                p.mut { "Bỏ qua người bị loại và người đã đạt giải ở vòng khác của hội thi; mỗi người một giải." }
                table {
                    thead { tr { th { "Giải" } th { "Hạng" } th { "Họ và tên" } th { "Ngày sinh" } th { "Điện thoại" } th { "Đối tượng" } th { "Đơn vị" } th { "Điểm" } th { "Thời gian" } } }
                    tbody {
                        @for w in &p.winners {
                            tr {
                                td { (w.tier_name) } td { (w.rank) } td { (w.name) } td { (w.birth_date.clone().unwrap_or_default()) }
                                td { (w.phone.clone().unwrap_or_else(|| w.masked_phone.clone())) } td { (w.category) } td { (w.unit_name) }
                                td { (w.score) "/" (w.max_score) } td { (seconds(w.duration_ms)) }
                            }
                        }
                    }
                }
                @if !p.published && p.round_final && p.plan.is_some() {
                    form method="post" action={ (action) "/publish" } {
                        label.opt {
                            input type="checkbox" name="confirm" value="yes" required;
                            span { "Tôi hiểu: danh sách và mã SHA-256 của nó được công bố cho mọi người và không sửa được nữa." }
                        }
                        button type="submit" { "Công bố danh sách giải" }
                    }
                }
            }
        },
    )
}

/// Vietnamese name of an audit action.
pub fn action_label(action: &str) -> &str {
    match action {
        "viewer_added" => "Thêm tài khoản xem",
        "viewer_removed" => "Bỏ tài khoản xem",
        "share_link_created" => "Tạo liên kết chia sẻ",
        "share_link_revoked" => "Thu hồi liên kết",
        "prize_plan_set" => "Lưu cơ cấu giải",
        "prizes_published" => "Công bố giải",
        "review_same" => "Rà soát: cùng một người",
        "review_different" => "Rà soát: người khác nhau",
        "review_disqualify" => "Rà soát: loại",
        "review_reinstate" => "Rà soát: khôi phục",
        "activity_created" => "Thêm hoạt động",
        "activity_updated" => "Sửa hoạt động",
        "activity_deleted" => "Xoá hoạt động",
        "scheme_updated" => "Sửa cách tính 3 chủ động",
        "unlock_sign_in" => "Mở khóa đăng nhập",
        "round_reopened" => "Mở lại vòng thi",
        "account_created" => "Tạo tài khoản",
        "password_reset" => "Đặt lại mật khẩu",
        other => other,
    }
}

/// An audit log as a table: when, who, what, detail.
/// An audit detail as people read it: a JSON object (a record's fields
/// before or after a change) becomes one "field: value" line each.
fn detail_lines(detail: &str) -> Markup {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(detail) {
        Ok(fields) => html! {
            @for (k, v) in &fields {
                (k.replace('_', " ")) ": "
                @match v {
                    serde_json::Value::String(s) => (s),
                    serde_json::Value::Null => "—",
                    other => (other.to_string()),
                }
                br;
            }
        },
        Err(_) => html! { (detail) },
    }
}

pub fn audit_table(log: &[(AuditEntry, String)]) -> Markup {
    html! {
        table {
            thead { tr { th { "Lúc" } th { "Người" } th { "Thao tác" } th { "Chi tiết" } } }
            tbody {
                @for (a, by) in log {
                    tr { td { (fmt_vn(a.created_at)) } td { (by) } td { (action_label(&a.action)) } td { (detail_lines(&a.detail)) } }
                }
            }
        }
    }
}

/// What the access page shows after a refused or new viewer account.
#[derive(Default)]
pub struct AccessExtra<'a> {
    /// The viewer form's problems (beside its field).
    pub problems: &'a [crate::error::Problem],
    /// The username typed, kept when refused.
    pub typed: &'a str,
    /// No account has that name: offer to create it, for one of these units.
    pub offer: Option<&'a [crate::db::units::UnitView]>,
    /// A viewer account just created, with its one-time password.
    pub shown: Option<super::accounts::Shown<'a>>,
}

pub fn access(
    staff: &Staff,
    slug: &str,
    o: &Overview,
    message: Option<Flash>,
    extra: AccessExtra<'_>,
) -> Markup {
    let (title, viewers, links) = (o.title.as_str(), &o.viewers, &o.links);
    let fields =
        super::fields::Fields::new(extra.problems, &["username", "display_name", "unit_code"]);
    let base = format!("/admin/contests/{slug}/access");
    layout(
        "Cơ quan phối hợp",
        Some(staff),
        html! {
            h1 { "Quyền xem kết quả" span.en { (title) } }
            (flash(message, &[]))
            section.card {
                h2 { "Tài khoản cơ quan phối hợp (vai trò xem)" }
                p.mut { "Chỉ xem bảng xếp hạng, thống kê, biểu đồ và danh sách giải (số điện thoại được che); không thay đổi được gì." }
                ul {
                    @for (u, n) in viewers {
                        li { (n) " (" (u) ") "
                            form.inline method="post" action={ (base) "/viewers/remove" } {
                                input type="hidden" name="username" value=(u);
                                button.link type="submit" { "Bỏ quyền xem" }
                            }
                        }
                    }
                }
                @if let Some(shown) = &extra.shown { (super::accounts::shown_card(shown)) }
                @if let Some(units) = extra.offer {
                    form.card #offer method="post" action={ (base) "/viewers/new" } {
                        p role="alert" {
                            "Chưa có tài khoản nào tên " strong { (extra.typed) } ". "
                            "Tạo tài khoản chỉ xem với tên này và thêm vào hội thi?"
                        }
                        input type="hidden" name="username" value=(extra.typed);
                        label for="display_name" { "Tên cơ quan (hiển thị)" }
                        input #display_name name="display_name" maxlength="200" placeholder="VD: Văn phòng UBND huyện"
                            aria-invalid=[fields.invalid("display_name")] aria-describedby=[fields.described("display_name")];
                        (fields.error("display_name"))
                        label for="unit_code" { "Đơn vị" }
                        (super::units::picker("unit_code", units, "",
                            if staff.is_admin() { "— Không gắn đơn vị —" } else { "— Chọn đơn vị —" },
                            !staff.is_admin(), &fields))
                        p { button type="submit" { "Tạo tài khoản và thêm" } }
                    }
                }
                form method="post" action={ (base) "/viewers" } {
                    label for="username" { "Tên đăng nhập của tài khoản xem" }
                    input #username name="username" required value=(extra.typed)
                        aria-invalid=[fields.invalid("username")] aria-describedby=[fields.described("username")] autofocus[fields.focus("username")];
                    (fields.error("username"))
                    button type="submit" { "Thêm" }
                }
            }
            section.card {
                h2 { "Liên kết chia sẻ (không cần tài khoản)" }
                table {
                    thead { tr { th { "Tên" } th { "Hết hạn" } th { "Trạng thái" } th { "Liên kết" } th { "" } } }
                    tbody {
                        @for l in links {
                            tr {
                                td { (l.label) } td { (l.expires_at) }
                                td { @if l.revoked { "Đã thu hồi" } @else if l.expired { "Hết hạn" } @else { "Đang dùng" } }
                                td { @if !l.revoked && !l.expired {
                                    a href=(l.url) { "Mở" } " "
                                    button.link type="button" data-copy=(l.url) hidden { "Sao chép liên kết" }
                                    details.qr {
                                        summary { "Mã QR" }
                                        (maud::PreEscaped(super::contest::qr_svg(&l.url)))
                                    }
                                } }
                                td { @if !l.revoked {
                                    form.inline method="post" action={ (base) "/links/" (l.id) "/revoke" } { button.link type="submit" { "Thu hồi" } }
                                } }
                            }
                        }
                    }
                }
                form method="post" action={ (base) "/links" } {
                    label { "Tên liên kết " input name="label" placeholder="VD: UBND xã Tân Phú"; }
                    label { "Số ngày hiệu lực " input name="days" type="number" min="1" max="365" value="30"; }
                    button type="submit" { "Tạo liên kết" }
                }
            }
            section.card {
                h2 { "Nhật ký của hội thi" }
                (audit_table(&o.log))
            }
        },
    )
}

/// A round's prize page before the list is published.
pub fn prizes_pending(
    c: &crate::service::contests::PublicContest,
    r: &crate::service::contests::RoundView,
) -> Markup {
    let closes = crate::domain::contest::parse_time(&r.closes_at)
        .map(crate::domain::vn_time::fmt_vn)
        .unwrap_or_else(|| r.closes_at.clone());
    layout(
        "Danh sách giải",
        None,
        html! {
            h1 { "Danh sách giải — vòng " (r.number) }
            p.mut { (c.title) }
            .card {
                @if r.status == crate::domain::contest::RoundStatus::Closed {
                    p { "Vòng " (r.number) " đã kết thúc lúc " (closes) ". Ban tổ chức đang rà soát kết quả; danh sách giải sẽ được công bố tại trang này." }
                } @else {
                    p { "Danh sách giải được công bố sau khi vòng " (r.number) " kết thúc (" (closes) ") và ban tổ chức rà soát xong." }
                }
                p { a href={ "/c/" (c.slug) "/board?round=" (r.number) } { "Xem bảng xếp hạng" } " · " a href={ "/c/" (c.slug) } { "Về trang hội thi" } }
            }
        },
    )
}

/// The public, published prize list with its hash and canonical text.
pub fn public_prizes(origin: &str, slug: &str, p: &Prizes) -> Markup {
    let share = super::assets::Share {
        image: Some(format!("{origin}{}", super::assets::card_url())),
        url: Some(format!("{origin}/c/{slug}/prizes")),
        title: format!("Danh sách đạt giải vòng {} — {}", p.round, p.contest_title),
        description: format!(
            "{} người đạt giải. Danh sách công bố kèm mã SHA-256 để ai cũng kiểm tra được.",
            p.winners.len()
        ),
    };
    super::contest::shared_frame(
        "Danh sách giải",
        false,
        Some(&share),
        html! {
            h1 { "Danh sách đạt giải — vòng " (p.round) span.en { (p.contest_title) } }
            (winners_table(p))
            @if let Some(c) = &p.canonical {
                details {
                    summary { "Dạng chuẩn để kiểm tra mã SHA-256" }
                    pre.canonical { (c) }
                    p.mut { "Tính SHA-256 của đoạn văn bản trên (UTF-8) sẽ ra đúng mã đã công bố nếu danh sách không bị thay đổi." }
                }
            }
            p { a href={ "/c/" (slug) "/board?round=" (p.round) } { "Xem bảng xếp hạng" } }
        },
    )
}

/// The survey questions of a round: each option's share (an SVG bar chart)
/// and a row per unit below the contest's; free texts for organizers only.
fn survey_section(r: &crate::service::surveys::SurveyResults) -> Markup {
    let share = |n: usize, of: usize| {
        if of == 0 {
            "—".to_string()
        } else {
            crate::domain::numbers::percent(n as f64 / of as f64)
        }
    };
    html! {
        section.card #khao-sat {
            h2 { "Khảo sát" span.en { "không tính điểm · " (r.papers) " bài thi đầu tiên của vòng, theo đơn vị thuộc " (r.unit_name) } }
            @for q in &r.questions {
                h3 { (q.stem) }
                p.mut { (q.respondents) " người trả lời" @if q.multiple { " (chọn được nhiều lựa chọn: tổng tỉ lệ có thể quá 100 %)" } }
                @if !q.options.is_empty() {
                    @let bars: Vec<crate::service::dashboard::Bar> = q.options.iter().zip(&q.counts).map(|(o, n)| crate::service::dashboard::Bar {
                        label: o.clone(),
                        value: if q.respondents == 0 { 0.0 } else { 100.0 * *n as f64 / q.respondents as f64 },
                        shown: format!("{n} ({})", share(*n, q.respondents)),
                    }).collect();
                    (hbars(&format!("{} — tỉ lệ chọn (%)", q.stem), &bars, Some(100.0)))
                    table {
                        thead { tr { th { "Đơn vị" } th { "Trả lời" } @for o in &q.options { th { (o) } } } }
                        tbody {
                            @for u in &q.units {
                                tr {
                                    td { (u.name) } td { (u.respondents) }
                                    @if u.hidden { td colspan=(q.options.len()) { "ẩn (dưới " (crate::service::surveys::MIN_SHOWN) " người trả lời)" } }
                                    @for n in &u.counts { td { (n) " (" (share(*n, u.respondents)) ")" } }
                                }
                            }
                        }
                    }
                } @else if let Some(texts) = &q.texts {
                    ul { @for t in texts { li { (t) } } }
                } @else {
                    p.mut { "Câu trả lời tự do chỉ ban tổ chức xem được." }
                }
            }
        }
    }
}
