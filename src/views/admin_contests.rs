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
    /// "Thể lệ", lines kept.
    pub rules: String,
}

pub fn local_input(t: chrono::NaiveDateTime) -> String {
    to_vn(t).format("%Y-%m-%dT%H:%M").to_string()
}

/// The contest form's fields, in their order on the page.
const CONTEST_FIELDS: [&str; 18] = [
    "bank_slug",
    "bank_version",
    "title",
    "slug",
    "description",
    "unit_code",
    "eligible_unit_code",
    "co_organizers",
    "rules",
    "blueprint",
    "minutes",
    "attempts_per_round",
    "grace_seconds",
    "rounds",
    "prediction",
    "age_min",
    "identity_check",
    "show_answers_after_close",
];

const RULES_EXAMPLE: &str = "Đối tượng dự thi:\n- Đoàn viên, thanh niên từ 16 đến 35 tuổi\n\nCách thi:\n1. Đăng ký bằng số điện thoại\n2. Mỗi lượt 20 câu trong 15 phút";

/// Everything the contest form shows.
pub struct FormPage<'a> {
    pub editing: bool,
    pub values: &'a FormValues,
    pub summary: &'a [TopicSummary],
    pub banks: &'a [(String, String)],
    /// Units the organizer may pick (its subtree).
    pub units: &'a [crate::db::units::UnitView],
    pub problems: &'a [Problem],
    /// Blank round rows below the filled ones (one, more after "Thêm vòng").
    pub blank_rounds: usize,
}

/// Every problem of a field (rounds and the blueprint may have several).
fn all_errors(problems: &[Problem], field: &str) -> Markup {
    html! {
        @let mine: Vec<&Problem> = problems.iter().filter(|p| p.field == field).collect();
        @if !mine.is_empty() {
            ul.err id={ (field) "-err" } { @for p in mine { li { (p.message) } } }
        }
    }
}

pub fn form(staff: &Staff, f: &FormPage<'_>) -> Markup {
    let v = f.values;
    let fields = super::fields::Fields::new(f.problems, &CONTEST_FIELDS);
    let others = fields.others(&CONTEST_FIELDS);
    let message = (!f.problems.is_empty()).then(|| {
        Flash::Bad(
            format!(
                "Chưa lưu: có {} chỗ cần sửa, mỗi chỗ được ghi ngay dưới ô của nó.",
                f.problems.len()
            ),
            String::new(),
        )
    });
    let action = if f.editing {
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
    let total: u32 = v.blueprint.iter().map(|x| x.2).sum();
    let available: usize = f.summary.iter().map(|t| t.total).sum();
    let mut rounds = v.rounds.clone();
    rounds.extend(std::iter::repeat_n(
        (String::new(), String::new()),
        f.blank_rounds.max(1),
    ));
    let attrs = |name: &str| {
        (
            fields.invalid(name),
            fields.described(name),
            fields.focus(name),
        )
    };
    layout(
        "Hội thi",
        Some(staff),
        html! {
            h1 { @if f.editing { "Sửa hội thi" } @else { "Tạo hội thi" } }
            (flash(message, &others))
            @if !f.editing {
                form.card method="get" action="/admin/contests/new" {
                    label for="bank" { "1. Chọn ngân hàng câu hỏi" }
                    select #bank name="bank" {
                        @for (slug, title) in f.banks { option value=(slug) selected[*slug == v.bank_slug] { (title) } }
                    }
                    p { button.secondary type="submit" { "Dùng ngân hàng này" } }
                    @if f.banks.is_empty() {
                        p.mut { "Chưa có ngân hàng câu hỏi nào: " a href="/admin/banks" { "tải lên một ngân hàng" } " trước." }
                    }
                }
            }
            form.card #contest-form method="post" action=(action) {
                input type="hidden" name="bank_slug" value=(v.bank_slug);
                (fields.error("bank_slug"))
                @let (inv, desc, foc) = attrs("title");
                label for="title" { "Tên hội thi" }
                input #title name="title" required maxlength="200" value=(v.title) placeholder="Hội thi tìm hiểu …"
                    aria-invalid=[inv] aria-describedby=[desc] autofocus[foc];
                (fields.error("title"))
                @let (inv, desc, foc) = attrs("slug");
                label for="slug" { "Mã hội thi (trong đường dẫn /c/…)" }
                input #slug name="slug" value=(v.slug) disabled[f.editing] maxlength="64" pattern="[a-z0-9-]{2,64}"
                    data-slug-from=[(!f.editing).then_some("title")]
                    placeholder="tự tạo từ tên hội thi, ví dụ hoi-thi-tim-hieu-2026"
                    aria-invalid=[inv] aria-describedby=[desc] autofocus[foc];
                (fields.error("slug"))
                @if !f.editing { p.mut { "Để trống thì mã được tạo từ tên hội thi (chữ không dấu, số, gạch ngang); sửa được trước khi lưu." } }
                @let (inv, desc, foc) = attrs("description");
                label for="description" { "Mô tả ngắn (hiện khi chia sẻ đường dẫn)" }
                textarea #description name="description" rows="2" maxlength="5000" aria-invalid=[inv] aria-describedby=[desc] autofocus[foc] { (v.description) }
                (fields.error("description"))
                div.row {
                    div {
                        label for="unit_code" { "Đơn vị tổ chức" }
                        (super::units::picker("unit_code", f.units, &v.unit_code, "— Chọn đơn vị —", true, &fields))
                    }
                    div {
                        label for="eligible_unit_code" { "Đơn vị được dự thi" }
                        (super::units::picker("eligible_unit_code", f.units, &v.eligible_unit_code, "— Như đơn vị tổ chức —", false, &fields))
                    }
                }
                @let (inv, desc, foc) = attrs("co_organizers");
                label for="co_organizers" { "Đơn vị phối hợp (mỗi dòng một đơn vị)" }
                textarea #co_organizers name="co_organizers" rows="2" aria-invalid=[inv] aria-describedby=[desc] autofocus[foc] { (v.co_organizers) }
                (fields.error("co_organizers"))
                @let (inv, desc, foc) = attrs("rules");
                label for="rules" { "Thể lệ" }
                textarea #rules name="rules" rows="8" maxlength="20000" aria-invalid=[inv] aria-describedby=[desc] autofocus[foc]
                    placeholder=(RULES_EXAMPLE) { (v.rules) }
                p.mut { "Mỗi đoạn cách nhau một dòng trống; dòng bắt đầu bằng \"-\" hoặc \"1.\" thành danh sách. Thể lệ có trang riêng, được liên kết từ trang hội thi và áp phích." }
                (fields.error("rules"))
                h2 { "Cấu trúc đề" }
                p.mut {
                    "Số câu mỗi chủ đề × mức độ; số trong ngoặc là số câu đang có. Ngân hàng " code { (v.bank_slug) }
                    @if !v.bank_version.is_empty() { ", phiên bản " (v.bank_version) } "."
                }
                input type="hidden" name="bank_version" value=(v.bank_version);
                (fields.error("bank_version"))
                div.scroll {
                    table #blueprint aria-describedby=[fields.described("blueprint")] {
                        thead { tr { th { "Chủ đề" } @for d in Difficulty::ALL { th { (d.label_vi()) } } } }
                        tbody {
                            @for t in f.summary {
                                tr {
                                    td { (t.name) }
                                    @for d in Difficulty::ALL {
                                        @let have = match d { Difficulty::Easy => t.easy, Difficulty::Medium => t.medium, Difficulty::Hard => t.hard };
                                        td {
                                            input type="number" min="0" max=(have) data-bp
                                                name={ "bp." (t.topic) "." (d.as_str()) } value=(count(&t.topic, d)) style="width:5rem"
                                                aria-label={ (t.name) " — " (d.label_vi()) " (có " (have) " câu)" };
                                            " (" (have) ")"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p #bp-sum { "Mỗi lượt thi: " strong #bp-total { (total) } " câu (ngân hàng có " (available) " câu)." }
                (all_errors(f.problems, "blueprint"))
                div.row {
                    @for (name, label, min, max) in [("minutes", "Phút mỗi lượt", 1, 300), ("attempts_per_round", "Lượt mỗi vòng", 1, 20), ("grace_seconds", "Giây bù trễ mạng", 0, 300)] {
                        @let value = match name { "minutes" => &v.minutes, "attempts_per_round" => &v.attempts_per_round, _ => &v.grace_seconds };
                        @let (inv, desc, foc) = attrs(name);
                        div {
                            label for=(name) { (label) }
                            input id=(name) name=(name) type="number" min=(min) max=(max) value=(value)
                                aria-invalid=[inv] aria-describedby=[desc] autofocus[foc];
                            (fields.error(name))
                        }
                    }
                }
                h2 { "Các vòng (giờ Việt Nam)" }
                p.mut { "Thi hằng tuần thì mỗi tuần một vòng. Dòng để trống được bỏ qua; đánh dấu \"Bỏ vòng này\" để xoá một vòng chưa có bài thi." }
                div #rounds aria-describedby=[fields.described("rounds")] {
                    @for (i, (o, c)) in rounds.iter().enumerate() {
                        div.row.round-row {
                            div { label for={ "round-open-" (i) } { "Vòng " (i + 1) " mở" } input id={ "round-open-" (i) } type="datetime-local" name="round_open" value=(o); }
                            div { label for={ "round-close-" (i) } { "đóng" } input id={ "round-close-" (i) } type="datetime-local" name="round_close" value=(c); }
                            div { label.opt { input type="checkbox" name="round_drop" value=(i); span { "Bỏ vòng này" } } }
                        }
                    }
                }
                (all_errors(f.problems, "rounds"))
                p { button.secondary #add-round type="submit" name="add_round" value="1" formnovalidate { "+ Thêm vòng" } }
                h2 { "Khác" }
                @let (inv, desc, foc) = attrs("prediction");
                label for="prediction_prompt" { "Câu hỏi dự đoán (để trống nếu không dùng)" }
                input #prediction_prompt name="prediction_prompt" value=(v.prediction_prompt) aria-invalid=[inv] aria-describedby=[desc] autofocus[foc];
                (fields.error("prediction"))
                label for="prediction_target" { "Đáp số của câu dự đoán" }
                select #prediction_target name="prediction_target" {
                    option value="perfect" selected[v.prediction_target != "participants"] { "Số người đạt điểm tuyệt đối" }
                    option value="participants" selected[v.prediction_target == "participants"] { "Số người dự thi" }
                }
                @let (inv, desc, foc) = attrs("age_min");
                div.row {
                    div { label for="age_min" { "Tuổi từ" } input #age_min name="age_min" type="number" value=(v.age_min) aria-invalid=[inv] aria-describedby=[desc] autofocus[foc]; }
                    div { label for="age_max" { "đến" } input #age_max name="age_max" type="number" value=(v.age_max) aria-invalid=[inv]; }
                }
                (fields.error("age_min"))
                label for="identity_check" { "Xác thực thí sinh" }
                select #identity_check name="identity_check" aria-invalid=[fields.invalid("identity_check")] aria-describedby=[fields.described("identity_check")] {
                    option value="birth_date" selected[v.identity_check != "otp"] { "Số điện thoại + ngày sinh" }
                    option value="otp" selected[v.identity_check == "otp"] { "Số điện thoại + mã OTP qua tin nhắn" }
                }
                (fields.error("identity_check"))
                label.opt { input type="checkbox" name="show_answers" value="true" checked[v.show_answers] aria-invalid=[fields.invalid("show_answers_after_close")] aria-describedby=[fields.described("show_answers_after_close")]; span { "Hiện đáp án và giải thích sau khi vòng thi kết thúc" } }
                (fields.error("show_answers_after_close"))
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
