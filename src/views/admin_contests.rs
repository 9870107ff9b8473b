//! Organizer pages for contests: the list, the create/edit form with the
//! blueprint grid, and the contest's page with its QR code and rounds.

use maud::{html, Markup, PreEscaped};

use super::{flash, layout, Flash};
use crate::auth::Staff;
use crate::db::contests::{Contest, Round};
use crate::domain::bank::{Difficulty, TopicSummary};
use crate::domain::contest::Category;
use crate::domain::contest::RoundStatus;
use crate::domain::vn_time::{fmt_vn, to_vn};
use crate::error::Problem;

pub fn list(
    staff: &Staff,
    contests: &[(Contest, Vec<Round>, i64)],
    now: chrono::NaiveDateTime,
) -> Markup {
    layout(
        "Hội thi",
        Some(staff),
        html! {
            h1 { "Hội thi" }
            @if staff.require_writer().is_ok() { p { a.btn href="/admin/contests/new" { "Tạo hội thi" } } }
            table {
                thead { tr { th { "Hội thi" } th { "Vòng" } th { "Thí sinh" } } }
                tbody {
                    @for (c, rounds, n) in contests {
                        tr {
                            td {
                                @if staff.require_writer().is_ok() {
                                    a href={ "/admin/contests/" (c.slug) } { (c.title) }
                                } @else {
                                    a href={ "/admin/contests/" (c.slug) "/results" } { (c.title) }
                                }
                                span.en { (c.slug) }
                                " · " a href={ "/admin/contests/" (c.slug) "/results" } { "Kết quả" }
                            }
                            td {
                                @for r in rounds {
                                    span { "V" (r.number) ": " (match r.status(now) { RoundStatus::Open => "đang mở", RoundStatus::Upcoming => "sắp mở", RoundStatus::Closed => "đã đóng" }) } br;
                                }
                            }
                            td { (n) }
                        }
                    }
                }
            }
            @if contests.is_empty() {
                @if staff.require_writer().is_ok() {
                    section.card {
                        h2 { "Bắt đầu trong bốn bước" }
                        ol {
                            li { a href="/admin/units" { "Đơn vị" } ": nhập cây chi đoàn (tệp CSV hoặc từng đơn vị) để thí sinh chọn đơn vị của mình." }
                            li { a href="/admin/banks" { "Ngân hàng câu hỏi" } ": tải lên tệp Excel, CSV, TOML, GIFT hoặc Aiken; xem trước rồi lưu." }
                            li { a href="/admin/contests/new" { "Hội thi" } ": chọn ngân hàng, số câu theo chủ đề, thời gian và các vòng thi." }
                            li { "Chia sẻ: gửi đường dẫn hoặc in áp phích có mã QR từ trang của hội thi; thêm cơ quan phối hợp ở mục \"Quyền xem kết quả\"." }
                        }
                    }
                } @else {
                    p.mut { "Chưa có hội thi nào được giao cho tài khoản này." }
                }
            }
        },
    )
}

/// What the form shows (from an existing contest, or what was typed).
#[derive(Default, Clone)]
pub struct FormValues {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub unit_code: String,
    pub eligible_unit_code: String,
    pub co_organizers: String,
    pub bank_slug: String,
    pub bank_version: String,
    pub minutes: String,
    pub attempts_per_round: String,
    pub grace_seconds: String,
    /// (opens, closes) as `YYYY-MM-DDTHH:MM` in Vietnam time.
    pub rounds: Vec<(String, String)>,
    pub prediction_prompt: String,
    pub prediction_target: String,
    pub age_min: String,
    pub age_max: String,
    pub show_answers: bool,
    pub identity_check: String,
    /// (topic, difficulty) → count.
    pub blueprint: Vec<(String, Difficulty, u32)>,
}

pub fn local_input(t: chrono::NaiveDateTime) -> String {
    to_vn(t).format("%Y-%m-%dT%H:%M").to_string()
}

pub fn form(
    staff: &Staff,
    editing: bool,
    v: &FormValues,
    summary: &[TopicSummary],
    banks: &[(String, String)],
    message: Option<Flash>,
    problems: &[Problem],
) -> Markup {
    let action = if editing {
        format!("/admin/contests/{}", v.slug)
    } else {
        "/admin/contests".to_string()
    };
    let count = |topic: &str, d: Difficulty| {
        v.blueprint
            .iter()
            .find(|(t, dd, _)| t == topic && *dd == d)
            .map(|x| x.2)
            .unwrap_or(0)
    };
    let mut rounds = v.rounds.clone();
    rounds.push((String::new(), String::new()));
    rounds.push((String::new(), String::new()));
    layout(
        "Hội thi",
        Some(staff),
        html! {
                   h1 { @if editing { "Sửa hội thi" } @else { "Tạo hội thi" } }
                   (flash(message, problems))
                   @if !editing {
                       form.card method="get" action="/admin/contests/new" {
                           label for="bank" { "1. Chọn ngân hàng câu hỏi" }
                           select #bank name="bank" {
                               @for (slug, title) in banks { option value=(slug) selected[*slug == v.bank_slug] { (title) } }
                           }
                           p { button.secondary type="submit" { "Dùng ngân hàng này" } }
                       }
                   }
                   form.card method="post" action=(action) {
                       input type="hidden" name="bank_slug" value=(v.bank_slug);
                       div.row {
                           div { label for="slug" { "Mã hội thi (trong đường dẫn)" } input #slug name="slug" required value=(v.slug) disabled[editing] placeholder="dvc-2024"; }
                           div { label for="title" { "Tên hội thi" } input #title name="title" required value=(v.title); }
                       }
                       label for="description" { "Mô tả" }
                       textarea #description name="description" rows="3" { (v.description) }
                       div.row {
                           div { label for="unit_code" { "Đơn vị tổ chức (mã)" } input #unit_code name="unit_code" required value=(v.unit_code); }
                           div { label for="eligible_unit_code" { "Đơn vị được dự thi (mã; trống = đơn vị tổ chức)" } input #eligible_unit_code name="eligible_unit_code" value=(v.eligible_unit_code); }
                       }
                       label for="co_organizers" { "Đơn vị phối hợp (mỗi dòng một đơn vị)" }
                       textarea #co_organizers name="co_organizers" rows="2" { (v.co_organizers) }
                       h2 { "Cấu trúc đề (số câu mỗi chủ đề × mức độ)" }
                       p.mut { "Ngân hàng " code { (v.bank_slug) } @if !v.bank_version.is_empty() { ", phiên bản " (v.bank_version) } ". Số trong ngoặc là số câu đang có." }
                       input type="hidden" name="bank_version" value=(v.bank_version);
                       table {
                           thead { tr { th { "Chủ đề" } @for d in Difficulty::ALL { th { (d.label_vi()) } } } }
                           tbody {
                               @for t in summary {
                                   tr {
                                       td { (t.name) }
                                       @for d in Difficulty::ALL {
                                           @let have = match d { Difficulty::Easy => t.easy, Difficulty::Medium => t.medium, Difficulty::Hard => t.hard };
                                           td { input type="number" min="0" max=(have) name={ "bp." (t.topic) "." (d.as_str()) } value=(count(&t.topic, d)) style="width:5rem"; " (" (have) ")" }
                                       }
                                   }
                               }
                           }
                       }
                       div.row {
                           div { label for="minutes" { "Phút mỗi lượt" } input #minutes name="minutes" type="number" min="1" max="300" value=(v.minutes); }
                           div { label for="attempts_per_round" { "Lượt mỗi vòng" } input #attempts_per_round name="attempts_per_round" type="number" min="1" max="20" value=(v.attempts_per_round); }
                           div { label for="grace_seconds" { "Giây bù trễ mạng" } input #grace_seconds name="grace_seconds" type="number" min="0" max="300" value=(v.grace_seconds); }
                       }
                       h2 { "Các vòng (giờ Việt Nam)" }
                       @for (i, (o, c)) in rounds.iter().enumerate() {
                           div.row {
                               div { label { "Vòng " (i + 1) " mở" } input type="datetime-local" name="round_open" value=(o); }
                               div { label { "đóng" } input type="datetime-local" name="round_close" value=(c); }
                           }
                       }
                       h2 { "Khác" }
                       label for="prediction_prompt" { "Câu hỏi dự đoán (để trống nếu không dùng)" }
                       input #prediction_prompt name="prediction_prompt" value=(v.prediction_prompt);
                       label for="prediction_target" { "Đáp số của câu dự đoán" }
                       select #prediction_target name="prediction_target" {
                           option value="perfect" selected[v.prediction_target != "participants"] { "Số người đạt điểm tuyệt đối" }
                           option value="participants" selected[v.prediction_target == "participants"] { "Số người dự thi" }
                       }
                       div.row {
                           div { label for="age_min" { "Tuổi từ" } input #age_min name="age_min" type="number" value=(v.age_min); }
                           div { label for="age_max" { "đến" } input #age_max name="age_max" type="number" value=(v.age_max); }
                       }
        label for="identity_check" { "Xác thực thí sinh" }
                       select #identity_check name="identity_check" {
                           option value="birth_date" selected[v.identity_check != "otp"] { "Số điện thoại + ngày sinh" }
                           option value="otp" selected[v.identity_check == "otp"] { "Số điện thoại + mã OTP qua tin nhắn" }
                       }
                       label.opt { input type="checkbox" name="show_answers" value="true" checked[v.show_answers]; span { "Hiện đáp án và giải thích sau khi vòng thi kết thúc" } }
                       p.mut { "Đối tượng dự thi: " @for (i, c) in Category::ALL.iter().enumerate() { @if i > 0 { ", " } (c.label()) } "." }
                       p { button type="submit" { "Lưu hội thi" } }
                   }
               },
    )
}

/// What the contest's organizer page shows.
pub struct DetailPage<'a> {
    pub contest: &'a Contest,
    pub rounds: &'a [Round],
    pub participants: i64,
    pub url: &'a str,
    pub qr_svg: &'a str,
    pub now: chrono::NaiveDateTime,
    /// Phones locked after failed sign-ins (empty for viewers).
    pub locks: &'a [crate::service::participants::Lock],
    /// A refused reopening, shown again with its problems.
    pub reopen: Option<ReopenState<'a>>,
}

/// The reopen form of one round as it was sent, with its problems.
pub struct ReopenState<'a> {
    pub round: i32,
    pub until: &'a str,
    pub reason: &'a str,
    pub problems: &'a [Problem],
}

const REOPEN_FIELDS: [&str; 4] = ["until", "reason", "confirm", "round"];

/// An admin's "Mở lại vòng" form under a closed round.
fn reopen_form(
    slug: &str,
    r: &Round,
    next_opens: Option<chrono::NaiveDateTime>,
    state: Option<&ReopenState<'_>>,
    now: chrono::NaiveDateTime,
) -> Markup {
    let problems = state.map(|s| s.problems).unwrap_or(&[]);
    let fields = super::fields::Fields::new(problems, &REOPEN_FIELDS);
    let suggested = local_input(
        (now + chrono::Duration::days(1)).min(next_opens.unwrap_or(chrono::NaiveDateTime::MAX)),
    );
    let until = state.map(|s| s.until.to_string()).unwrap_or(suggested);
    html! {
        details.reopen open[state.is_some()] {
            summary { "Mở lại vòng " (r.number) }
            form method="post" action={ "/admin/contests/" (slug) "/rounds/" (r.number) "/reopen" } {
                (fields.error("round"))
                p.mut {
                    "Dùng khi vòng bị đóng nhầm hoặc cần thêm thời gian. Thí sinh còn lượt được thi tiếp; "
                    "thứ hạng được tính và chốt lại khi vòng đóng. Không mở lại được khi giải đã công bố."
                }
                label for={ "until-" (r.number) } { "Đóng lại lúc (giờ Việt Nam)" }
                input id={ "until-" (r.number) } name="until" type="datetime-local" required value=(until)
                    aria-invalid=[fields.invalid("until")] aria-describedby=[fields.described("until")] autofocus[fields.focus("until")];
                (fields.error("until"))
                label for={ "reason-" (r.number) } { "Lý do (ghi vào nhật ký)" }
                input id={ "reason-" (r.number) } name="reason" required maxlength="500" placeholder="VD: đóng nhầm vòng" value=[state.map(|s| s.reason)]
                    aria-invalid=[fields.invalid("reason")] aria-describedby=[fields.described("reason")] autofocus[fields.focus("reason")];
                (fields.error("reason"))
                label.opt {
                    input type="checkbox" name="confirm" value="yes" required
                        aria-invalid=[fields.invalid("confirm")] aria-describedby=[fields.described("confirm")];
                    span { "Tôi hiểu: vòng " (r.number) " mở lại cho thí sinh và thứ hạng đã chốt bị huỷ cho đến khi vòng đóng lại." }
                }
                (fields.error("confirm"))
                button.secondary type="submit" { "Mở lại vòng" }
            }
        }
    }
}

pub fn detail(staff: &Staff, d: &DetailPage, message: Option<Flash>) -> Markup {
    layout(
        &d.contest.title,
        Some(staff),
        html! {
            h1 { (d.contest.title) span.en { (d.contest.slug) } }
            (flash(message, &[]))
            .card {
                p { "Đường dẫn dự thi: " a href=(d.url) { (d.url) } }
                div style="max-width:220px" { (PreEscaped(d.qr_svg)) }
                p { a href={ "/c/" (d.contest.slug) "/poster" } { "In áp phích A4 có mã QR" } " · " a href={ "/admin/contests/" (d.contest.slug) "/edit" } { "Sửa cài đặt" } }
                p { (d.participants) " thí sinh đã đăng ký · " (d.contest.minutes) " phút · " (d.contest.attempts_per_round) " lượt/vòng" }
                p {
                    a href={ "/admin/contests/" (d.contest.slug) "/results" } { "Kết quả, biểu đồ, xuất dữ liệu" } " · "
                    a href={ "/admin/contests/" (d.contest.slug) "/review" } { "Rà soát trùng lặp" } " · "
                    a href={ "/admin/contests/" (d.contest.slug) "/access" } { "Cơ quan phối hợp và liên kết chia sẻ" }
                }
            }
            h2 { "Các vòng" }
            table {
                thead { tr { th { "Vòng" } th { "Mở" } th { "Đóng" } th { "" } } }
                tbody {
                    @for r in d.rounds {
                        tr {
                            td { (r.number) }
                            td { (fmt_vn(r.opens_at)) }
                            td { (fmt_vn(r.end())) }
                            td {
                                @if r.status(d.now) != RoundStatus::Closed && staff.require_writer().is_ok() {
                                    form method="post" action={ "/admin/contests/" (d.contest.slug) "/rounds/" (r.number) "/close" } {
                                        label.opt {
                                            input type="checkbox" name="confirm" value="yes" required;
                                            span { "Tôi hiểu: vòng " (r.number) " đóng ngay, bài đang làm được nộp tự động và thứ hạng được chốt." }
                                        }
                                        button.secondary type="submit" { "Đóng vòng ngay" }
                                    }
                                } @else if r.status(d.now) == RoundStatus::Closed {
                                    "Đã đóng"
                                    @if r.closed_at.is_some_and(|c| c < r.closes_at) { " sớm" }
                                    @if staff.is_admin() && r.prizes_published_at.is_none() {
                                        @let next = d.rounds.iter().find(|x| x.number == r.number + 1).map(|x| x.opens_at);
                                        @let state = d.reopen.as_ref().filter(|s| s.round == r.number);
                                        (reopen_form(&d.contest.slug, r, next, state, d.now))
                                    }
                                }
                                " "
                                a href={ "/admin/contests/" (d.contest.slug) "/results?round=" (r.number) } { "Kết quả" } " · "
                                a href={ "/admin/contests/" (d.contest.slug) "/rounds/" (r.number) "/prizes" } { "Giải thưởng" }
                            }
                        }
                    }
                }
            }
            @if !d.locks.is_empty() {
                h2 { "Số điện thoại tạm bị khóa đăng nhập" }
                p.mut { "Sau nhiều lần nhập sai ngày sinh hoặc mã OTP, số điện thoại bị khóa một thời gian. Chỉ mở khóa khi đã xác minh đúng người gọi đến; thao tác được ghi vào nhật ký." }
                table {
                    thead { tr { th { "Điện thoại" } th { "Số lần sai" } th { "Khóa đến" } th { "" } } }
                    tbody {
                        @for l in d.locks {
                            tr {
                                td { (l.phone) }
                                td { (l.failures) }
                                td { (fmt_vn(l.locked_until)) }
                                td {
                                    form method="post" action={ "/admin/contests/" (d.contest.slug) "/locks/" (l.phone) "/clear" } {
                                        button.secondary type="submit" { "Mở khóa" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
