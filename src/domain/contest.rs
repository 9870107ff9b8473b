//! Contest settings and participant registration: field rules with their
//! defaults (DESIGN §2), checked before anything is stored.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::identity::{age_on, parse_cccd, Phone};
use crate::domain::paper::Cell;
use crate::domain::text::clean;
use crate::error::Problem;

/// A contest has at most one round a week for a year.
pub const MAX_ROUNDS: usize = 52;
/// The longest rules text ("Thể lệ") a contest may have.
pub const MAX_RULES_CHARS: usize = 20_000;

pub const DEFAULT_MINUTES: i32 = 15;
pub const DEFAULT_ATTEMPTS: i32 = 2;
pub const DEFAULT_GRACE_SECONDS: i32 = 10;
pub const DEFAULT_AGE_MIN: i32 = 16;
pub const DEFAULT_AGE_MAX: i32 = 35;

/// Where a round stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoundStatus {
    Upcoming,
    Open,
    Closed,
}

/// What proves a participant's phone at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityCheck {
    /// Phone number and birth date (the default).
    BirthDate,
    /// Phone number and a one-time code sent by SMS.
    Otp,
}

crate::domain::text_enum!(IdentityCheck, "Cách xác thực", "identity check", {
    BirthDate => "birth_date",
    Otp => "otp",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PredictionTarget {
    /// The number of distinct people with a perfect score in the round.
    Perfect,
    /// The number of participants in the round.
    Participants,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Prediction {
    pub prompt: String,
    pub target: PredictionTarget,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RoundInput {
    /// RFC 3339 (`2026-12-01T08:00:00+07:00`); without an offset, Vietnam time.
    pub opens_at: String,
    /// RFC 3339 (`2026-12-07T20:00:00+07:00`); without an offset, Vietnam time.
    pub closes_at: String,
}

/// A contest as the API or the form submits it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ContestInput {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub unit_code: String,
    #[serde(default)]
    pub eligible_unit_code: Option<String>,
    #[serde(default)]
    pub co_organizers: Vec<String>,
    pub bank_slug: String,
    #[serde(default)]
    pub bank_version: Option<i32>,
    pub blueprint: Vec<Cell>,
    #[serde(default)]
    pub minutes: Option<i32>,
    #[serde(default)]
    pub attempts_per_round: Option<i32>,
    #[serde(default)]
    pub grace_seconds: Option<i32>,
    pub rounds: Vec<RoundInput>,
    #[serde(default)]
    pub prediction: Option<Prediction>,
    #[serde(default)]
    pub age_min: Option<i32>,
    #[serde(default)]
    pub age_max: Option<i32>,
    #[serde(default)]
    pub show_answers_after_close: Option<bool>,
    /// "birth_date" (default) or "otp".
    #[serde(default)]
    pub identity_check: Option<String>,
    /// The rules ("Thể lệ"): plain text, paragraphs separated by a blank
    /// line, lists with "-" or "1.".
    #[serde(default)]
    pub rules: Option<String>,
}

/// Checked settings (the bank and units are resolved by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContestSettings {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub co_organizers: Vec<String>,
    pub minutes: i32,
    pub attempts_per_round: i32,
    pub grace_seconds: i32,
    pub rounds: Vec<(NaiveDateTime, NaiveDateTime)>,
    pub prediction: Option<Prediction>,
    pub age_min: i32,
    pub age_max: i32,
    pub show_answers_after_close: bool,
    /// Participants prove their phone with an SMS code instead of the birth date.
    pub otp: bool,
    /// The rules text (lines kept).
    pub rules: String,
}

/// Parses an RFC 3339 time (any offset; a time without one is Vietnam time) to UTC.
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.naive_utc());
    }
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(crate::domain::vn_time::from_local(t));
        }
    }
    None
}

/// What reopening a closed round asks: until when, and why.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReopenInput {
    /// The new close time (RFC 3339, or `YYYY-MM-DDTHH:MM` in Vietnam time).
    pub until: String,
    /// Why (kept in the contest's log), e.g. "đóng nhầm".
    pub reason: String,
}

/// The facts a reopening is checked against.
pub struct ReopenFacts {
    pub now: NaiveDateTime,
    /// The round has ended (closed by hand or by its time).
    pub closed: bool,
    pub prizes_published: bool,
    /// When the next round opens, if there is one.
    pub next_opens: Option<NaiveDateTime>,
}

/// Checks a reopening: a closed round whose prizes are not published yet,
/// a reason, and a new close time in the future, before the next round.
/// Every problem at once, each at its field; returns the new close time.
pub fn check_reopen(
    input: &ReopenInput,
    f: &ReopenFacts,
) -> Result<(NaiveDateTime, String), Vec<Problem>> {
    let mut problems = Vec::new();
    if !f.closed {
        problems.push(Problem::new(
            0,
            "round",
            "Vòng thi đang mở; chỉ mở lại được vòng đã đóng.",
            "The round is still open; only a closed round can be reopened.",
        ));
    }
    if f.prizes_published {
        problems.push(Problem::new(
            0,
            "round",
            "Giải của vòng này đã công bố nên không mở lại được.",
            "The round's prizes are published; it cannot be reopened.",
        ));
    }
    let reason = clean(&input.reason);
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        problems.push(Problem::new(
            0,
            "reason",
            "Hãy ghi lý do mở lại (3–500 ký tự); lý do được lưu vào nhật ký.",
            "Give the reason (3–500 characters); it is kept in the log.",
        ));
    }
    let until = parse_time(&input.until);
    match until {
        None => problems.push(Problem::new(
            0,
            "until",
            "Hãy chọn thời điểm đóng mới.",
            "Choose the new close time.",
        )),
        Some(t) if t <= f.now => problems.push(Problem::new(
            0,
            "until",
            "Thời điểm đóng mới phải ở tương lai.",
            "The new close time must be in the future.",
        )),
        Some(t) => {
            if let Some(next) = f.next_opens.filter(|n| t > *n) {
                problems.push(Problem::new(
                    0,
                    "until",
                    format!(
                        "Vòng sau mở lúc {}; vòng này phải đóng trước đó.",
                        crate::domain::vn_time::fmt_vn(next)
                    ),
                    "The next round opens earlier; close this one before it.".to_string(),
                ));
            }
        }
    }
    match until {
        Some(t) if problems.is_empty() => Ok((t, reason)),
        _ => Err(problems),
    }
}

pub fn check_contest(input: &ContestInput) -> Result<ContestSettings, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut p = |field: &str, vi: String, en: String| problems.push(Problem::new(0, field, vi, en));
    // No code given: the one suggested by the title.
    let slug = match input.slug.trim() {
        "" => crate::domain::text::slugify(&input.title),
        s => s.to_string(),
    };
    if !(2..=64).contains(&slug.len())
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        p(
            "slug",
            format!("Mã hội thi {slug:?} không hợp lệ: 2–64 ký tự a–z, 0–9, '-'."),
            format!("Invalid contest slug {slug:?}: 2–64 characters of a–z, 0–9, '-'."),
        );
    }
    let title = clean(&input.title);
    if title.is_empty() || title.chars().count() > 200 {
        p(
            "title",
            "Tên hội thi trống hoặc dài quá 200 ký tự.".into(),
            "The title is empty or longer than 200 characters.".into(),
        );
    }
    let rules = crate::domain::text::clean_lines(input.rules.as_deref().unwrap_or(""));
    if rules.chars().count() > MAX_RULES_CHARS {
        p(
            "rules",
            "Thể lệ dài quá 20.000 ký tự.".into(),
            "The rules are longer than 20,000 characters.".into(),
        );
    }
    let description = clean(input.description.as_deref().unwrap_or(""));
    if description.chars().count() > 5000 {
        p(
            "description",
            "Mô tả dài quá 5.000 ký tự.".into(),
            "The description is longer than 5,000 characters.".into(),
        );
    }
    let co_organizers: Vec<String> = input
        .co_organizers
        .iter()
        .map(|c| clean(c))
        .filter(|c| !c.is_empty())
        .collect();
    let minutes = input.minutes.unwrap_or(DEFAULT_MINUTES);
    if !(1..=300).contains(&minutes) {
        p(
            "minutes",
            "Thời gian làm bài phải từ 1 đến 300 phút.".into(),
            "Minutes per attempt must be 1–300.".into(),
        );
    }
    let attempts = input.attempts_per_round.unwrap_or(DEFAULT_ATTEMPTS);
    if !(1..=20).contains(&attempts) {
        p(
            "attempts_per_round",
            "Số lượt thi mỗi vòng phải từ 1 đến 20.".into(),
            "Attempts per round must be 1–20.".into(),
        );
    }
    let grace = input.grace_seconds.unwrap_or(DEFAULT_GRACE_SECONDS);
    if !(0..=300).contains(&grace) {
        p(
            "grace_seconds",
            "Thời gian bù trễ phải từ 0 đến 300 giây.".into(),
            "Grace seconds must be 0–300.".into(),
        );
    }
    let age_min = input.age_min.unwrap_or(DEFAULT_AGE_MIN);
    let age_max = input.age_max.unwrap_or(DEFAULT_AGE_MAX);
    if !(6..=120).contains(&age_min) || !(6..=120).contains(&age_max) || age_min > age_max {
        p(
            "age_min",
            format!("Độ tuổi dự thi {age_min}–{age_max} không hợp lệ."),
            format!("Invalid age range {age_min}–{age_max}."),
        );
    }
    let otp = match input.identity_check.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(raw) => match IdentityCheck::try_from(raw.to_string()) {
            Ok(check) => check == IdentityCheck::Otp,
            Err(e) => {
                p("identity_check", e.vi, e.en);
                false
            }
        },
    };
    if let Some(pr) = &input.prediction {
        if clean(&pr.prompt).is_empty() {
            p(
                "prediction",
                "Câu hỏi dự đoán không có nội dung.".into(),
                "The prediction prompt is empty.".into(),
            );
        }
    }
    let mut rounds = Vec::new();
    if input.rounds.is_empty() || input.rounds.len() > MAX_ROUNDS {
        p(
            "rounds",
            "Hội thi cần từ 1 đến 52 vòng.".into(),
            "A contest has 1 to 52 rounds.".into(),
        );
    }
    for (i, r) in input.rounds.iter().enumerate() {
        match (parse_time(&r.opens_at), parse_time(&r.closes_at)) {
            (Some(o), Some(c)) if o < c => {
                if let Some((_, prev_close)) = rounds.last() {
                    if o < *prev_close {
                        p(
                            "rounds",
                            format!("Vòng {} mở trước khi vòng {} đóng.", i + 1, i),
                            format!("Round {} opens before round {} closes.", i + 1, i),
                        );
                    }
                }
                rounds.push((o, c));
            }
            (Some(_), Some(_)) => p(
                "rounds",
                format!("Vòng {}: giờ đóng phải sau giờ mở.", i + 1),
                format!("Round {}: it must close after it opens.", i + 1),
            ),
            _ => p(
                "rounds",
                format!(
                    "Vòng {}: thời gian không hợp lệ (dùng dạng 2026-12-01T08:00:00+07:00).",
                    i + 1
                ),
                format!(
                    "Round {}: invalid time (use RFC 3339, e.g. 2026-12-01T08:00:00+07:00).",
                    i + 1
                ),
            ),
        }
    }
    if problems.is_empty() {
        Ok(ContestSettings {
            slug,
            title,
            description,
            co_organizers,
            minutes,
            attempts_per_round: attempts,
            grace_seconds: grace,
            rounds,
            prediction: input.prediction.clone().map(|p| Prediction {
                prompt: clean(&p.prompt),
                target: p.target,
            }),
            age_min,
            age_max,
            show_answers_after_close: input.show_answers_after_close.unwrap_or(true),
            otp,
            rules,
        })
    } else {
        Err(problems)
    }
}

/// Who a participant is, as they register: a Youth Union member, a young
/// person (the 1+1 policy asks each member to bring one), a pupil or
/// student, a public servant, or other. Prize quotas and unit statistics
/// are kept by category.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DoanVien,
    ThanhNien,
    Hssv,
    Cbccvc,
    Khac,
}

crate::domain::text_enum!(Category, "Đối tượng", "category", {
    DoanVien => "doan_vien",
    ThanhNien => "thanh_nien",
    Hssv => "hssv",
    Cbccvc => "cbccvc",
    Khac => "khac",
});

impl Category {
    /// Every category, in the order forms list them.
    pub const ALL: [Category; 5] = [
        Category::DoanVien,
        Category::ThanhNien,
        Category::Hssv,
        Category::Cbccvc,
        Category::Khac,
    ];

    /// The Vietnamese label.
    pub const fn label(self) -> &'static str {
        match self {
            Category::DoanVien => "Đoàn viên",
            Category::ThanhNien => "Thanh niên",
            Category::Hssv => "Học sinh, sinh viên",
            Category::Cbccvc => "Cán bộ, công chức, viên chức",
            Category::Khac => "Khác",
        }
    }

    /// Youth Union members (counted apart in unit statistics).
    pub const fn is_member(self) -> bool {
        matches!(self, Category::DoanVien)
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    pub full_name: String,
    pub birth_date: String,
    pub phone: String,
    pub unit_code: String,
    pub category: String,
    #[serde(default)]
    pub cccd: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub invited_by_phone: Option<String>,
    #[serde(default, deserialize_with = "bool_or_text")]
    pub consent: bool,
    /// The SMS code, for contests that check identity by OTP.
    #[serde(default)]
    pub otp: Option<String>,
}

fn bool_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v: serde_json::Value = Deserialize::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::String(s) => matches!(s.as_str(), "true" | "on" | "1" | "yes"),
        _ => false,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub full_name: String,
    pub name_folded: String,
    pub birth_date: NaiveDate,
    pub phone: Phone,
    pub unit_code: String,
    pub category: Category,
    pub cccd: Option<String>,
    pub email: Option<String>,
    pub invited_by_phone: Option<Phone>,
}

pub fn parse_birth_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Checks a registration against the rules and the contest's age range on `today`.
pub fn check_registration(
    input: &RegistrationInput,
    age_min: i32,
    age_max: i32,
    today: NaiveDate,
) -> Result<Registration, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut p = |field: &str, vi: String, en: String| problems.push(Problem::new(0, field, vi, en));
    let (full_name, name_folded) = crate::domain::identity::names(&input.full_name);
    if full_name.chars().count() < 2 || full_name.chars().count() > 100 {
        p(
            "full_name",
            "Họ và tên phải dài từ 2 đến 100 ký tự.".into(),
            "The full name must have 2–100 characters.".into(),
        );
    }
    let birth_date = parse_birth_date(&input.birth_date);
    match birth_date {
        None => p(
            "birth_date",
            "Ngày sinh không hợp lệ (ghi ngày/tháng/năm, ví dụ 02/09/2001).".into(),
            "Invalid birth date (day/month/year, e.g. 02/09/2001, or 2001-09-02).".into(),
        ),
        Some(b) if b > today => p(
            "birth_date",
            "Ngày sinh không thể ở tương lai.".into(),
            "A birth date cannot be in the future.".into(),
        ),
        Some(b) => {
            let age = age_on(b, today);
            if age < age_min || age > age_max {
                p(
                    "birth_date",
                    format!(
                        "Hội thi dành cho người từ {age_min} đến {age_max} tuổi (bạn {age} tuổi)."
                    ),
                    format!("The contest is for ages {age_min}–{age_max} (you are {age})."),
                );
            }
        }
    }
    let phone = Phone::parse(&input.phone);
    if phone.is_none() {
        p(
            "phone",
            "Số điện thoại không hợp lệ (ví dụ 0912345678).".into(),
            "Invalid phone number (e.g. 0912345678).".into(),
        );
    }
    let category = Category::try_from(input.category.clone()).ok();
    if category.is_none() {
        p(
            "category",
            "Vui lòng chọn đối tượng dự thi.".into(),
            format!("Unknown category {:?}.", input.category),
        );
    }
    let cccd = match input
        .cccd
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(c) => {
            let parsed = parse_cccd(c);
            if parsed.is_none() {
                p(
                    "cccd",
                    "Số CCCD gồm 12 chữ số.".into(),
                    "A CCCD number has 12 digits.".into(),
                );
            }
            parsed
        }
    };
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(e) => {
            let ok = e.len() <= 254
                && e.split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !e.contains(' '));
            if !ok {
                p(
                    "email",
                    "Địa chỉ email không hợp lệ.".into(),
                    "Invalid email address.".into(),
                );
            }
            Some(e.to_lowercase())
        }
    };
    let invited_by_phone = match input
        .invited_by_phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => match Phone::parse(raw) {
            Some(n) if Some(&n) == phone.as_ref() => {
                p(
                    "invited_by_phone",
                    "Người giới thiệu không thể là chính bạn.".into(),
                    "You cannot invite yourself.".into(),
                );
                None
            }
            Some(n) => Some(n),
            None => {
                p(
                    "invited_by_phone",
                    "Số điện thoại người giới thiệu không hợp lệ.".into(),
                    "Invalid inviter phone number.".into(),
                );
                None
            }
        },
    };
    if !input.consent {
        p(
            "consent",
            "Bạn cần đồng ý cho ban tổ chức xử lý dữ liệu cá nhân để dự thi.".into(),
            "Consent to personal data processing is required.".into(),
        );
    }
    match (problems.is_empty(), birth_date, phone, category) {
        (true, Some(birth_date), Some(phone), Some(category)) => Ok(Registration {
            full_name,
            name_folded,
            birth_date,
            phone,
            unit_code: input.unit_code.trim().to_string(),
            category,
            cccd,
            email,
            invited_by_phone,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    fn reopen(
        until: &str,
        reason: &str,
        f: &ReopenFacts,
    ) -> Result<(NaiveDateTime, String), Vec<Problem>> {
        check_reopen(
            &ReopenInput {
                until: until.into(),
                reason: reason.into(),
            },
            f,
        )
    }

    #[test]
    fn a_round_reopens_only_when_closed_unpublished_with_a_reason_and_a_future_time() {
        let now = parse_time("2026-12-01T08:00").unwrap();
        let mut f = ReopenFacts {
            now,
            closed: true,
            prizes_published: false,
            next_opens: parse_time("2026-12-08T08:00"),
        };
        let (until, reason) = reopen("2026-12-02T20:00", " đóng nhầm ", &f).unwrap();
        assert_eq!(until, parse_time("2026-12-02T20:00").unwrap());
        assert_eq!(reason, "đóng nhầm");
        let fields = |r: Result<_, Vec<Problem>>| -> Vec<String> {
            r.unwrap_err().into_iter().map(|p| p.field).collect()
        };
        assert_eq!(
            fields(reopen("2026-12-01T07:00", "", &f)),
            ["reason", "until"]
        );
        assert_eq!(
            fields(reopen("2026-12-09T08:00", "lý do", &f)),
            ["until"],
            "after the next round opens"
        );
        assert_eq!(fields(reopen("hôm sau", "lý do", &f)), ["until"]);
        f.prizes_published = true;
        f.closed = false;
        assert_eq!(
            fields(reopen("2026-12-02T20:00", "lý do", &f)),
            ["round", "round"]
        );
    }

    use super::*;

    fn contest() -> ContestInput {
        ContestInput {
            slug: "dvc-2023".into(),
            title: "Hội thi".into(),
            description: None,
            unit_code: "XA".into(),
            eligible_unit_code: None,
            co_organizers: vec![" UBND xã ".into()],
            bank_slug: "b".into(),
            bank_version: None,
            blueprint: vec![],
            minutes: None,
            attempts_per_round: None,
            grace_seconds: None,
            rounds: vec![RoundInput {
                opens_at: "2026-12-01T08:00:00+07:00".into(),
                closes_at: "2026-12-08T08:00:00+07:00".into(),
            }],
            prediction: None,
            age_min: None,
            age_max: None,
            show_answers_after_close: None,
            identity_check: None,
            rules: None,
        }
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = check_contest(&contest()).unwrap();
        assert_eq!(
            (
                s.minutes,
                s.attempts_per_round,
                s.grace_seconds,
                s.age_min,
                s.age_max
            ),
            (15, 2, 10, 16, 35)
        );
        assert_eq!(
            s.rounds[0].0.to_string(),
            "2026-12-01 01:00:00",
            "stored in UTC"
        );
        assert_eq!(
            crate::domain::vn_time::fmt_vn(s.rounds[0].0),
            "08:00 01/12/2026",
            "shown in Vietnam time"
        );
        assert_eq!(s.co_organizers, ["UBND xã"]);
    }

    #[test]
    fn every_bad_setting_is_listed() {
        let mut c = contest();
        c.slug = "Có dấu".into();
        c.minutes = Some(0);
        c.age_min = Some(40);
        c.rounds.push(RoundInput {
            opens_at: "2026-12-05T08:00:00+07:00".into(),
            closes_at: "2026-12-04T08:00:00+07:00".into(),
        });
        c.rounds.push(RoundInput {
            opens_at: "hôm nay".into(),
            closes_at: "mai".into(),
        });
        let fields: Vec<String> = check_contest(&c)
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["slug", "minutes", "age_min", "rounds", "rounds"]);
    }

    fn reg() -> RegistrationInput {
        RegistrationInput {
            full_name: " Nguyễn  Văn An ".into(),
            birth_date: "2000-05-01".into(),
            phone: "+84 912 345 678".into(),
            unit_code: "CD1".into(),
            category: "doan_vien".into(),
            cccd: Some("001200012345".into()),
            email: None,
            invited_by_phone: Some("0987654321".into()),
            consent: true,
            otp: None,
        }
    }

    #[test]
    fn a_registration_is_normalized() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let r = check_registration(&reg(), 16, 35, today).unwrap();
        assert_eq!(r.full_name, "Nguyễn Văn An");
        assert_eq!(r.name_folded, "nguyen van an");
        assert_eq!(r.phone.as_str(), "0912345678");
    }

    #[test]
    fn age_phone_consent_and_self_invitation_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let mut r = reg();
        r.birth_date = "1980-01-01".into();
        r.phone = "123".into();
        r.consent = false;
        r.category = "vip".into();
        let fields: Vec<String> = check_registration(&r, 16, 35, today)
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["birth_date", "phone", "category", "consent"]);
        let mut r = reg();
        r.invited_by_phone = Some("0912 345 678".into());
        assert!(check_registration(&r, 16, 35, today).is_err());
    }

    #[test]
    fn birth_dates_are_read_as_vietnamese_people_write_them() {
        let want = NaiveDate::from_ymd_opt(2001, 9, 2);
        for s in ["2/9/2001", "02/09/2001", " 2001-09-02 ", "2/09/2001"] {
            assert_eq!(parse_birth_date(s), want, "{s}");
        }
        for s in ["2001/09/02", "31/02/2001", "2.9.2001", "", "02-09-2001x"] {
            assert_eq!(parse_birth_date(s), None, "{s}");
        }
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let mut r = reg();
        r.birth_date = "2/9/2030".into();
        let errs = check_registration(&r, 16, 35, today).unwrap_err();
        assert_eq!(errs[0].field, "birth_date");
        assert_eq!(errs[0].message, "Ngày sinh không thể ở tương lai.");
    }
}
