//! Participant pages: small, mobile first, usable without JavaScript.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::assets::Share;
use super::paper::{field_name, question_card, Shape, ShownOption};
use super::Flash;
use crate::db::attempts::Attempt;
use crate::db::participants::Participant;
use crate::domain::contest::parse_time;
use crate::domain::numbers;
use crate::domain::text::fold;
use crate::domain::vn_time::fmt_vn;
use crate::error::Problem;
use crate::service::attempts::{AttemptView, ResultPage};
use crate::service::contests::{PublicContest, RoundView};

/// The participant frame: no staff navigation, one stylesheet, one small script.
pub fn frame(title: &str, script: bool, content: Markup) -> Markup {
    shared_frame(title, script, None, content)
}

/// The participant frame of a page people share, with its card tags.
pub fn shared_frame(title: &str, script: bool, share: Option<&Share>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                (super::assets::head_extras(share))
                link rel="stylesheet" href=(super::assets::style_url());
                @if script { script src=(super::assets::script_url()) defer {} }
            }
            body {
                header.top { a.brand href="/" { "hoithi" } }
                main { (content) }
            }
        }
    }
}

/// A participant page's message, in Vietnamese only: a form's problems are
/// shown beside their fields, so the top says how many; a problem of no
/// field on the form is listed here.
fn participant_flash(message: Option<Flash>, problems: &[Problem]) -> Markup {
    let on_form = problems
        .iter()
        .filter(|p| REGISTER_FIELDS.contains(&p.field.as_str()))
        .count();
    let elsewhere: Vec<&Problem> = problems
        .iter()
        .filter(|p| !REGISTER_FIELDS.contains(&p.field.as_str()))
        .collect();
    html! {
        @match message {
            Some(Flash::Ok(m)) => p.flash.ok role="status" { (m) },
            Some(Flash::Bad(vi, _)) => div.flash.bad role="alert" {
                @if on_form > 0 {
                    "Vui lòng sửa " (on_form) " mục được đánh dấu bên dưới."
                } @else {
                    (vi)
                }
                @for p in elsewhere { br; (p.message) }
            },
            None => {},
        }
    }
}

fn status_label(r: &RoundView) -> &'static str {
    match r.status {
        crate::domain::contest::RoundStatus::Upcoming => "Sắp mở",
        crate::domain::contest::RoundStatus::Open => "Đang mở",
        crate::domain::contest::RoundStatus::Closed => "Đã đóng",
    }
}

fn vn_time(rfc: &str) -> String {
    parse_time(rfc)
        .map(fmt_vn)
        .unwrap_or_else(|| rfc.to_string())
}

fn rounds_table(c: &PublicContest) -> Markup {
    html! {
        table {
            thead { tr { th { "Vòng" } th { "Thời gian (giờ Việt Nam)" } th { "Trạng thái" } } }
            tbody {
                @for r in &c.rounds {
                    tr { td { (r.number) } td { (vn_time(&r.opens_at)) " – " (vn_time(&r.closes_at)) } td { (status_label(r)) } }
                }
            }
        }
    }
}

/// Values a rejected registration form is shown again with (everything
/// typed, the consent box included), and the sign-in panel's own state.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct RegisterValues {
    pub full_name: String,
    pub birth_date: String,
    pub phone: String,
    pub unit_code: String,
    pub category: String,
    pub cccd: String,
    pub email: String,
    pub invited_by_phone: String,
    pub consent: bool,
    /// The phone typed in the sign-in panel, and why signing in failed:
    /// the panel is shown open with it.
    #[serde(skip)]
    pub sign_in: Option<(String, String)>,
}

/// The fields of the registration form, in their order on the page.
const REGISTER_FIELDS: [&str; 10] = [
    "full_name",
    "birth_date",
    "phone",
    "otp",
    "unit_code",
    "category",
    "cccd",
    "email",
    "invited_by_phone",
    "consent",
];

fn register_form(c: &PublicContest, v: &RegisterValues, problems: &[Problem]) -> Markup {
    let fields = super::fields::Fields::new(problems, &REGISTER_FIELDS);
    let invalid = |f: &str| fields.invalid(f);
    let described = |f: &str| fields.described(f);
    let focus = |f: &str| fields.focus(f);
    let depth_of = |code: &str| {
        let mut d = 0;
        let mut cur = c.units.iter().find(|u| u.code == code);
        while let Some(u) = cur
            .and_then(|u| u.parent_code.as_deref())
            .and_then(|p| c.units.iter().find(|x| x.code == p))
        {
            d += 1;
            cur = Some(u);
        }
        d
    };
    html! {
        form.card method="post" action={ "/c/" (c.slug) "/register" } {
            h2 { "Đăng ký dự thi" }
            label for="full_name" { "Họ và tên" }
            input #full_name name="full_name" required maxlength="100" autocomplete="name" value=(v.full_name)
                aria-invalid=[invalid("full_name")] aria-describedby=[described("full_name")] autofocus[focus("full_name")];
            (fields.error("full_name"))
            div.row {
                div {
                    label for="birth_date" { "Ngày sinh (ngày/tháng/năm)" }
                    input #birth_date name="birth_date" required placeholder="02/09/2001" autocomplete="bday" maxlength="10" value=(v.birth_date)
                        aria-invalid=[invalid("birth_date")] aria-describedby=[described("birth_date")] autofocus[focus("birth_date")];
                    (fields.error("birth_date"))
                }
                div {
                    label for="phone" { "Số điện thoại" }
                    input #phone name="phone" type="tel" inputmode="tel" required autocomplete="tel" value=(v.phone)
                        aria-invalid=[invalid("phone")] aria-describedby=[described("phone")] autofocus[focus("phone")];
                    (fields.error("phone"))
                }
            }
            @if c.identity_check == crate::domain::contest::IdentityCheck::Otp {
                div.row {
                    div {
                        label for="otp" { "Mã xác thực (SMS)" }
                        input #otp name="otp" inputmode="numeric" maxlength="6" autocomplete="one-time-code"
                            aria-invalid=[invalid("otp")] aria-describedby=[described("otp")] autofocus[focus("otp")];
                        (fields.error("otp"))
                    }
                    div { label { "Chưa có mã?" } button.secondary type="submit" formaction={ "/c/" (c.slug) "/otp" } formnovalidate { "Gửi mã" } }
                }
            }
            label for="unit_code" { "Đơn vị (chi đoàn)" }
            input #unit-filter type="search" data-filter-for="unit_code" placeholder="Gõ để tìm đơn vị, không cần dấu" aria-label="Tìm đơn vị" hidden;
            select #unit_code name="unit_code" required aria-invalid=[invalid("unit_code")] aria-describedby=[described("unit_code")] autofocus[focus("unit_code")] {
                option value="" { "— Chọn đơn vị —" }
                @for u in &c.units {
                    option value=(u.code) data-f=(fold(&u.name)) selected[u.code == v.unit_code] {
                        (PreEscaped("&nbsp;&nbsp;".repeat(depth_of(&u.code)))) (u.name)
                    }
                }
            }
            (fields.error("unit_code"))
            label for="category" { "Đối tượng" }
            select #category name="category" required aria-invalid=[invalid("category")] aria-describedby=[described("category")] autofocus[focus("category")] {
                @for cat in &c.categories { option value=(cat.code.as_str()) selected[cat.code.as_str() == v.category] { (cat.name) } }
            }
            (fields.error("category"))
            @let extra_wrong = ["cccd", "email", "invited_by_phone"].iter().any(|f| fields.problem(f).is_some());
            details open[extra_wrong] {
                summary { "Thông tin thêm (không bắt buộc)" }
                label for="cccd" { "Số CCCD (chỉ lưu 4 số cuối và mã băm)" }
                input #cccd name="cccd" inputmode="numeric" maxlength="12" value=(v.cccd)
                    aria-invalid=[invalid("cccd")] aria-describedby=[described("cccd")] autofocus[focus("cccd")];
                (fields.error("cccd"))
                label for="email" { "Email" }
                input #email name="email" type="email" value=(v.email)
                    aria-invalid=[invalid("email")] aria-describedby=[described("email")] autofocus[focus("email")];
                (fields.error("email"))
                label for="invited_by_phone" { "SĐT đoàn viên giới thiệu bạn (1+1)" }
                input #invited_by_phone name="invited_by_phone" type="tel" value=(v.invited_by_phone)
                    aria-invalid=[invalid("invited_by_phone")] aria-describedby=[described("invited_by_phone")] autofocus[focus("invited_by_phone")];
                (fields.error("invited_by_phone"))
            }
            label.opt {
                input #consent type="checkbox" name="consent" value="true" required checked[v.consent]
                    aria-invalid=[invalid("consent")] aria-describedby=[described("consent")] autofocus[focus("consent")];
                span { "Tôi đồng ý để ban tổ chức xử lý dữ liệu cá nhân của tôi cho hội thi này." }
            }
            (fields.error("consent"))
            p { button type="submit" { "Đăng ký và vào thi" } }
        }
    }
}

/// "Đã đăng ký? Đăng nhập lại": after a failed try the panel stays open
/// with the phone typed and the reason inside it.
fn sign_in_form(slug: &str, otp: bool, failed: Option<&(String, String)>) -> Markup {
    let phone = failed.map(|(p, _)| p.as_str()).unwrap_or("");
    let wrong = failed.map(|_| "true");
    let described = failed.map(|_| "si-err");
    html! {
        details.card open[failed.is_some()] {
            summary { "Đã đăng ký? Đăng nhập lại" }
            form method="post" action={ "/c/" (slug) "/signin" } {
                @if let Some((_, why)) = failed { p.flash.bad #si-err role="alert" { (why) } }
                label for="si-phone" { "Số điện thoại" }
                input #si-phone name="phone" type="tel" required value=(phone) aria-invalid=[wrong] aria-describedby=[described];
                @if otp {
                    label for="si-otp" { "Mã xác thực (SMS)" }
                    input #si-otp name="otp" inputmode="numeric" maxlength="6" autocomplete="one-time-code" autofocus[failed.is_some()];
                    p { button.secondary type="submit" formaction={ "/c/" (slug) "/otp" } formnovalidate { "Gửi mã" } }
                } @else {
                    label for="si-birth" { "Ngày sinh (ngày/tháng/năm)" }
                    input #si-birth name="birth_date" required placeholder="02/09/2001" autocomplete="bday" maxlength="10"
                        aria-invalid=[wrong] aria-describedby=[described] autofocus[failed.is_some()];
                }
                p { button type="submit" { "Đăng nhập" } }
            }
        }
    }
}

fn attempt_status(a: &Attempt) -> String {
    match a.status {
        crate::domain::paper::AttemptStatus::Open => "Đang làm".into(),
        _ => format!("{}/{} điểm", a.score.unwrap_or(0), a.max_score),
    }
}

pub struct Me<'a> {
    pub participant: &'a Participant,
    pub unit_name: &'a str,
    pub attempts: &'a [Attempt],
    pub attempts_left: Option<i32>,
    /// The server's time, for what is left of an open attempt.
    pub now: chrono::NaiveDateTime,
}

/// `mm:ss` of a duration in milliseconds (never negative).
fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// How a contest introduces itself when its link is shared.
/// `origin`: the site's address (shared previews need absolute URLs);
/// `path`: the shared page's own path.
pub fn contest_share(c: &PublicContest, title: String, origin: &str, path: &str) -> Share {
    let mut description: String = c.description.chars().take(200).collect();
    if description.is_empty() {
        description = format!(
            "Hội thi trực tuyến: mỗi lượt {} câu, {} phút; tính lượt cao nhất.",
            c.questions, c.minutes
        );
    }
    if !c.co_organizers.is_empty() {
        description = format!(
            "{description} Phối hợp tổ chức: {}.",
            c.co_organizers.join(", ")
        );
    }
    let image = if c.organizer_logo {
        format!("{origin}/u/{}/logo", c.organizer_code)
    } else {
        format!("{origin}{}", super::assets::card_url())
    };
    Share {
        title,
        description: format!("{} tổ chức. {description}", c.organizer),
        image: Some(image),
        url: Some(format!("{origin}{path}")),
    }
}

pub fn home(
    origin: &str,
    c: &PublicContest,
    me: Option<Me>,
    message: Option<Flash>,
    problems: &[Problem],
    values: &RegisterValues,
) -> Markup {
    let open = c
        .rounds
        .iter()
        .find(|r| r.status == crate::domain::contest::RoundStatus::Open);
    shared_frame(
        &c.title,
        me.is_none(),
        Some(&contest_share(
            c,
            c.title.clone(),
            origin,
            &format!("/c/{}", c.slug),
        )),
        html! {
            (organizer_banner(c))
            h1 { (c.title) }
            @if !c.co_organizers.is_empty() { p.mut { "Phối hợp tổ chức: " (c.co_organizers.join(", ")) } }
            p { a href={ "/c/" (c.slug) "/rules" } { "Thể lệ hội thi" } }
            @if !c.description.is_empty() { p { (c.description) } }
            p.mut { "Mỗi lượt thi " (c.questions) " câu, " (c.minutes) " phút; tối đa " (c.attempts_per_round) " lượt mỗi vòng, tính lượt cao nhất. Độ tuổi " (c.age_min) "–" (c.age_max) "." }
            (participant_flash(message, problems))
            @if let Some(me) = &me {
                .card {
                    p { "Xin chào " strong { (me.participant.full_name) } " — " (me.unit_name) }
                    @if let Some(r) = open {
                        @if me.attempts_left.unwrap_or(0) > 0 {
                            form method="post" action={ "/c/" (c.slug) "/start" } {
                                button type="submit" { "Vào thi vòng " (r.number) }
                                " " span.mut { "còn " (me.attempts_left.unwrap_or(0)) " lượt" }
                            }
                        } @else {
                            p { "Bạn đã dùng hết lượt thi của vòng " (r.number) "." }
                        }
                    } @else {
                        p { "Hiện chưa có vòng thi nào đang mở." }
                    }
                    form method="post" action={ "/c/" (c.slug) "/start" } {
                        input type="hidden" name="practice" value="true";
                        button.secondary type="submit" { "Luyện tập (không tính điểm)" }
                    }
                    @if !me.attempts.is_empty() {
                        h2 { "Các lượt của bạn" }
                        ul {
                            @for a in me.attempts {
                                li {
                                    @if a.is_open() && a.deadline > me.now {
                                        a.btn href={ "/a/" (a.id) } {
                                            "Tiếp tục làm bài"
                                            @if a.practice { " luyện tập" } @else { " lượt " (a.number) }
                                            " (còn " (clock((a.deadline - me.now).num_milliseconds())) ")"
                                        }
                                    } @else {
                                        a href={ "/a/" (a.id) @if !a.is_open() { "/result" } } {
                                            @if a.practice { "Luyện tập" } @else { "Lượt " (a.number) }
                                        }
                                        " — " (attempt_status(a))
                                    }
                                }
                            }
                        }
                    }
                    form method="post" action={ "/c/" (c.slug) "/signout" } { button.link.dark type="submit" { "Đăng xuất" } }
                }
            } @else if c.rounds.iter().all(|r| r.status == crate::domain::contest::RoundStatus::Closed) {
                .card {
                    h2 { "Hội thi đã kết thúc" }
                    p { "Cảm ơn các bạn đã tham gia. Kết quả chung cuộc và danh sách giải:" }
                    div.buttons {
                        a.btn href={ "/c/" (c.slug) "/board" } { "Bảng xếp hạng" }
                        @for r in &c.rounds {
                            a.btn.secondary href={ "/c/" (c.slug) "/prizes?round=" (r.number) } { "Giải vòng " (r.number) }
                        }
                    }
                }
                (sign_in_form(&c.slug, c.identity_check == crate::domain::contest::IdentityCheck::Otp, values.sign_in.as_ref()))
            } @else {
                (register_form(c, values, problems))
                (sign_in_form(&c.slug, c.identity_check == crate::domain::contest::IdentityCheck::Otp, values.sign_in.as_ref()))
            }
            h2 { "Lịch thi" }
            (rounds_table(c))
            p { a href={ "/c/" (c.slug) "/board" } { "Xem bảng xếp hạng →" } " · " a href={ "/c/" (c.slug) "/prizes" } { "Danh sách giải →" } }
        },
    )
}

/// An answer the no-JavaScript form sent that was refused: why, and the
/// text as it was typed (kept in its field).
pub struct Refused {
    pub why: String,
    pub typed: String,
}

pub fn paper(v: &AttemptView, deadline_ms: i64, now_ms: i64) -> Markup {
    paper_with(v, deadline_ms, now_ms, &std::collections::BTreeMap::new())
}

/// The paper, with the answers a form sent that were refused shown beside
/// their questions (the others were saved).
pub fn paper_with(
    v: &AttemptView,
    deadline_ms: i64,
    now_ms: i64,
    refused: &std::collections::BTreeMap<i32, Refused>,
) -> Markup {
    // Progress counts the scored questions (surveys come after them).
    let total = v.scored();
    let answered = total - v.unanswered();
    frame(
        &v.contest_title,
        true,
        html! {
            form #paper method="post" action={ "/a/" (v.attempt_id) } data-attempt=(v.attempt_id) data-deadline=(deadline_ms) data-now=(now_ms) {
                div.bar {
                    span #timer { "Hạn nộp: " (fmt_vn(chrono::DateTime::from_timestamp_millis(deadline_ms).map(|d| d.naive_utc()).unwrap_or_default())) }
                    progress #prog max=(total) value=(answered) {}
                    span #count { (answered) "/" (total) }
                }
                h1 { (v.contest_title) @if v.practice { " — luyện tập" } @else if let Some(r) = v.round { " — vòng " (r) } }
                @if !refused.is_empty() {
                    p.flash.bad role="alert" { (refused.len()) " câu chưa lưu được (xem bên dưới); các câu khác đã được lưu. Sửa rồi bấm \"Lưu bài\" hoặc \"Nộp bài\"." }
                }
                @for q in &v.questions {
                    @let opts: Vec<ShownOption> = q.options.iter().map(|o| ShownOption { key: o.key, text: &o.text }).collect();
                    @let name = field_name(q.typed, q.position as usize);
                    @let shape = Shape { kind: q.kind, multiple: q.multiple, typed: q.typed };
                    // An empty field first: a question with nothing checked is saved blank.
                    @if !q.typed { input type="hidden" name=(name) value=""; }
                    @let kept = refused.get(&q.position).map(|r| crate::domain::kinds::Given::Text(r.typed.clone()));
                    (question_card(q.position as usize, &q.stem, &opts, shape, &name, kept.as_ref().or(v.answers.get(&q.position)), false))
                    @if let Some(r) = refused.get(&q.position) { p.err role="alert" { "Câu " (q.position) " chưa lưu: " (r.why) } }
                    span.saved data-pos=(q.position) {}
                }
                @if let Some(p) = &v.prediction {
                    .card {
                        label for="prediction" { "Câu hỏi dự đoán: " (p.prompt) }
                        input #prediction name="prediction" type="number" inputmode="numeric" min="0" max="10000000";
                    }
                }
                div.actions {
                    button.secondary type="submit" name="action" value="save" { "Lưu bài" }
                    " "
                    button type="submit" name="action" value="submit" { "Nộp bài" }
                }
                // With JavaScript "Nộp bài" opens this; without, the server
                // answers it with the confirmation page.
                dialog #confirm-submit aria-labelledby="confirm-text" {
                    p #confirm-text { "Nộp bài? Sau khi nộp, bạn không sửa được câu trả lời nữa." }
                    div.actions {
                        button.secondary #confirm-back type="button" { "Làm tiếp" }
                        " "
                        button type="submit" name="action" value="submit_now" { "Nộp bài" }
                    }
                }
                p.mut #net {}
            }
        },
    )
}

/// "Nộp bài?" without JavaScript: how many questions are left, and the
/// choice to submit or to go back (the answers are already saved).
pub fn confirm_submit(v: &AttemptView, prediction: Option<i64>, left_ms: i64) -> Markup {
    let left = v.unanswered();
    frame(
        "Nộp bài?",
        false,
        html! {
            h1 { "Nộp bài?" }
            .card {
                @if left > 0 {
                    p.big { "Bạn còn " strong { (left) } " câu chưa trả lời." }
                } @else {
                    p.big { "Bạn đã trả lời đủ " (v.scored()) " câu." }
                }
                p { "Các câu trả lời đã được lưu. Sau khi nộp, bạn không sửa được nữa." }
                p.mut { "Thời gian còn lại: " (clock(left_ms)) "." }
                form method="post" action={ "/a/" (v.attempt_id) } {
                    @if let Some(p) = prediction { input type="hidden" name="prediction" value=(p); }
                    div.actions {
                        a.btn.secondary href={ "/a/" (v.attempt_id) } { "Quay lại làm bài" }
                        button type="submit" name="action" value="submit_now" { "Nộp bài" }
                    }
                }
            }
        },
    )
}

pub fn result(r: &ResultPage) -> Markup {
    let a = &r.attempt;
    frame(
        "Kết quả",
        true,
        html! {
            h1 { "Kết quả" @if a.practice { " luyện tập" } @else { " lượt " (a.number) } }
            .card data-clear=(a.id) {
                p.big { strong { (a.score.unwrap_or(0)) "/" (a.max_score) } " điểm" }
                p { "Đúng " (a.correct.unwrap_or(0)) "/" (a.total) " câu · thời gian " (numbers::duration(a.duration_ms.unwrap_or(0))) }
                @if a.status == crate::domain::paper::AttemptStatus::Expired { p.mut { "Bài được máy chủ tự nộp khi hết giờ, với các câu đã lưu." } }
                @if let (Some(best), Some(rank)) = (&r.best, r.rank) {
                    @let settled = r.round.as_ref().is_some_and(|x| x.finalized_at.is_some());
                    p { "Kết quả tốt nhất của bạn trong vòng: " strong { (best.score) "/" (best.max_score) } " · " @if settled { "hạng chung cuộc " } @else { "hạng tạm thời " } strong { (rank) } "/" (r.ranked) }
                }
                @if let Some(round) = &r.round {
                    @if r.review.is_none() && r.answers_after_close { p.mut { "Đáp án và giải thích sẽ hiện sau khi vòng " (round.number) " kết thúc." } }
                }
                p { a.btn href={ "/c/" (r.contest.slug) } { "Về trang hội thi" } }
            }
            @if let Some(review) = &r.review {
                h2 { "Đáp án" }
                @for item in review {
                    .card {
                        p { strong { "Câu " (item.question.position) ". " } (item.question.stem) }
                        @if item.question.kind == crate::domain::bank::Kind::Survey {
                            p.mut { "Khảo sát — không tính điểm." }
                        } @else if item.question.typed {
                            p.right[item.correct].wrong[!item.correct] {
                                "Bạn trả lời: " strong { (item.typed.as_deref().filter(|t| !t.is_empty()).unwrap_or("(bỏ trống)")) }
                                @if item.correct { " " strong.tick { "✓ đúng" } } @else { " " strong.cross { "✗" } }
                            }
                            p { "Đáp án: " strong { (item.key) } }
                        }
                        ol type="A" {
                            @for o in &item.question.options {
                                @let right = item.right.iter().any(|k| k == o.key);
                                @let chosen = item.chosen.iter().any(|k| k == o.key);
                                li.right[right].wrong[chosen && !right] {
                                    (o.text)
                                    @if right && chosen { " " strong.tick { "✓ đúng — bạn chọn" } }
                                    @else if right { " " strong.tick { "✓ đáp án đúng" } }
                                    @else if chosen { " " strong.cross { "✗ bạn chọn" } }
                                }
                            }
                        }
                        @if !item.explanation.is_empty() { p { em { "Giải thích: " } (item.explanation) } }
                    }
                }
            }
        },
    )
}

pub fn poster(c: &PublicContest, url: &str, qr_svg: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                title { (c.title) }
                style { (PreEscaped("@page{size:A4;margin:18mm}body{font-family:system-ui,Arial,sans-serif;text-align:center;color:#0b3d75}h1{font-size:30pt;margin:10mm 0}p{font-size:15pt}.qr svg{width:110mm;height:110mm}.url{font-family:monospace;font-size:14pt;word-break:break-all}")) }
            }
            body {
                img.emblem src={ "/u/" (c.organizer_code) "/logo" } alt={ "Biểu trưng " (c.organizer) } width="90" height="90";
                p { "ĐOÀN TNCS HỒ CHÍ MINH" }
                p.org { strong { (c.organizer) } }
                h1 { (c.title) }
                @if !c.co_organizers.is_empty() { p { "Phối hợp: " (c.co_organizers.join(", ")) } }
                div.qr { (PreEscaped(qr_svg)) }
                p { "Quét mã QR bằng điện thoại để đăng ký và dự thi" }
                p.url { (url) }
                @for r in &c.rounds { p { "Vòng " (r.number) ": " (vn_time(&r.opens_at)) " – " (vn_time(&r.closes_at)) } }
                p.rules { "Thể lệ: " span.url { (url) "/rules" } }
            }
        }
    }
}

/// The organizing unit, as a contest's pages and poster open: its emblem
/// (uploaded logo or the neutral default) and name under the union's name.
pub fn organizer_banner(c: &PublicContest) -> Markup {
    html! {
        div.org {
            img.emblem src={ "/u/" (c.organizer_code) "/logo" } alt={ "Biểu trưng " (c.organizer) } width="56" height="56";
            div {
                div.party { "ĐOÀN TNCS HỒ CHÍ MINH" }
                strong { (c.organizer) }
            }
        }
    }
}

/// Paragraphs and lists of a plain text (the rules).
pub fn text_blocks(text: &str) -> Markup {
    use crate::domain::text::{blocks, Block};
    html! {
        @for b in blocks(text) {
            @match b {
                Block::Paragraph(lines) => p {
                    @for (i, l) in lines.iter().enumerate() { @if i > 0 { br; } (l) }
                },
                Block::List { ordered: true, items } => ol { @for i in &items { li { (i) } } },
                Block::List { ordered: false, items } => ul { @for i in &items { li { (i) } } },
            }
        }
    }
}

/// "Thể lệ": the rules on their own page.
pub fn rules(c: &PublicContest) -> Markup {
    let title = format!("Thể lệ — {}", c.title);
    shared_frame(
        &title,
        false,
        None,
        html! {
            (organizer_banner(c))
            h1 { "Thể lệ" }
            p.mut { (c.title) }
            article.card.rules {
                @if c.rules.is_empty() {
                    p { "Ban tổ chức chưa đăng thể lệ. Mỗi lượt thi " (c.questions) " câu, " (c.minutes) " phút; tối đa " (c.attempts_per_round) " lượt mỗi vòng, tính lượt cao nhất." }
                } @else {
                    (text_blocks(&c.rules))
                }
            }
            p { a.btn href={ "/c/" (c.slug) } { "Về trang hội thi" } }
        },
    )
}

/// The QR code of a URL as inline SVG.
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build();
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(numbers::percent).unwrap_or_else(|| "—".into())
}

/// The public board of a round: people (masked) and units.
pub fn board(
    origin: &str,
    c: &PublicContest,
    b: &crate::service::rankings::Board,
    u: &crate::service::rankings::UnitBoard,
    unit: Option<&str>,
    live: &crate::service::rankings::Live,
) -> Markup {
    let title = format!("Xếp hạng — {}", c.title);
    shared_frame(
        &title,
        true,
        Some(&contest_share(
            c,
            title.clone(),
            origin,
            &format!("/c/{}/board", c.slug),
        )),
        html! {
            h1 { "Bảng xếp hạng vòng " (b.round) }
            p.mut { (c.title) " · " (c.participants) " người đã đăng ký" }
            nav.row {
                @for r in &c.rounds { a href={ "/c/" (c.slug) "/board?round=" (r.number) } { "Vòng " (r.number) } }
            }
            @if b.is_final {
                p.flash.ok { "Kết quả chính thức (đã chốt)." @if let Some(a) = b.actual { " Đáp số câu dự đoán: " strong { (a) } "." } }
            } @else {
                p.mut { "Xếp hạng tạm thời, chưa tính câu dự đoán; kết quả chốt khi vòng thi kết thúc." }
                (crate::views::results::live_counter(&c.slug, live))
            }
            h2 { "Tập thể" @if unit.is_some() { " — " (u.parent_code) } }
            table {
                thead { tr { th { "#" } th { "Đơn vị" } th { "Thí sinh" } th { "Tỉ lệ ĐV" } th { "Điểm TB" } } }
                tbody {
                    @for e in &u.entries {
                        tr {
                            td { (e.rank) }
                            td { a href={ "/c/" (c.slug) "/board?round=" (b.round) "&unit=" (e.unit_code) } { (e.unit_name) } }
                            td { (e.participants) }
                            td { (pct(e.rate)) span.en { (e.member_participants) "/" (e.members) } }
                            td { (e.average_score.map(|a| numbers::decimal(a, 2)).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
            h2 { "Cá nhân (" (b.total) ")" }
            table {
                thead { tr { th { "#" } th { "Họ tên" } th { "Điểm" } th { "Thời gian" } } }
                tbody {
                    @for e in &b.entries {
                        tr {
                            td { (e.rank) }
                            td { (e.name) span.en { (e.masked_phone) " · " (e.unit_name) } }
                            td { (e.score) "/" (e.max_score) @if let Some(p) = e.prediction { span.en { "dự đoán " (p) } } }
                            td { (numbers::duration(e.duration_ms)) }
                        }
                    }
                }
            }
            p { a href={ "/c/" (c.slug) } { "← Về trang hội thi" } }
        },
    )
}
