use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::contest::contest_url;
use super::{html, see_other};
use crate::auth::{AppState, Staff};
use crate::domain::bank::{Difficulty, TopicSummary};
use crate::domain::contest::{ContestInput, Prediction, PredictionTarget, RoundInput};
use crate::domain::paper::Cell;
use crate::error::{AppError, Problem};
use crate::service::{banks, contests};
use crate::views::admin_contests::{self as view, local_input, FormValues};
use crate::views::contest::qr_svg;
use crate::views::Flash;

pub async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let list = contests::list(&state, &staff).await?;
    Ok(html(view::list(&staff, &list, state.now())))
}

/// What the contest form offers: the banks the organizer may use, the
/// chosen one's topic summary, slug and version, and whether its answer
/// keys are the organizer's (a bank shared from above: they are not).
type BankChoices = (
    Vec<(String, String)>,
    Vec<TopicSummary>,
    String,
    String,
    bool,
);

/// Banks the organizer may use, and the topic summary of the chosen one.
async fn bank_choices(
    state: &AppState,
    staff: &Staff,
    chosen: &str,
    version: Option<i32>,
) -> Result<BankChoices, AppError> {
    let list = banks::list(&state.db, staff).await?;
    let slug = if chosen.is_empty() {
        list.first().map(|b| b.slug.clone()).unwrap_or_default()
    } else {
        chosen.to_string()
    };
    let (summary, number) = match list.iter().find(|b| b.slug == slug) {
        Some(b) => {
            let n = version.unwrap_or(b.latest_version);
            (
                banks::version(&state.db, staff, slug.clone(), n)
                    .await?
                    .summary,
                n.to_string(),
            )
        }
        None => (Vec::new(), String::new()),
    };
    let keys = list
        .iter()
        .find(|b| b.slug == slug)
        .is_none_or(|b| b.access.sees_keys());
    Ok((
        list.into_iter().map(|b| (b.slug, b.title)).collect(),
        summary,
        slug,
        number,
        keys,
    ))
}

#[derive(Deserialize)]
pub struct NewQuery {
    bank: Option<String>,
}

pub async fn new_form(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    let start = state.now() + chrono::Duration::days(1);
    let v = FormValues {
        unit_code: staff
            .scope
            .as_ref()
            .map(|s| s.unit_code.clone())
            .unwrap_or_default(),
        bank_slug: q.bank.clone().unwrap_or_default(),
        minutes: "15".into(),
        attempts_per_round: "2".into(),
        grace_seconds: "10".into(),
        age_min: "16".into(),
        age_max: "35".into(),
        show_answers: true,
        rounds: vec![(
            local_input(start),
            local_input(start + chrono::Duration::days(7)),
        )],
        ..Default::default()
    };
    render_form(&state, &staff, false, v, &[], 1).await
}

/// The contest form with `v`, its problems and `blank_rounds` empty rows.
async fn render_form(
    state: &AppState,
    staff: &Staff,
    editing: bool,
    mut v: FormValues,
    problems: &[Problem],
    blank_rounds: usize,
) -> Result<HttpResponse, AppError> {
    let (banks, mut summary, bank_slug, version, keys) =
        bank_choices(state, staff, &v.bank_slug, v.bank_version.parse().ok()).await?;
    if editing && summary.is_empty() {
        // A bank its owner no longer shares: the contest keeps its version.
        summary = contests::bank_summary(state, staff, v.slug.clone()).await?;
    }
    // A new form: the bank chosen (or the first one) and its latest version;
    // answers are not offered after the close on a bank shared from above.
    if v.bank_slug.is_empty() || v.bank_version.is_empty() {
        v.bank_slug = bank_slug;
        v.bank_version = version;
        v.show_answers &= keys;
    }
    let units = crate::service::units::list(&state.db, staff, None).await?;
    let page = view::FormPage {
        editing,
        values: &v,
        summary: &summary,
        banks: &banks,
        units: &units,
        problems,
        blank_rounds,
    };
    let mut resp = html(view::form(staff, &page));
    if !problems.is_empty() {
        *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// "+ Thêm vòng" without the script: the form again, nothing saved, with
/// one more empty round row than it had.
fn added_round(pairs: &[(String, String)]) -> Option<usize> {
    pairs.iter().any(|(k, _)| k == "add_round").then(|| {
        let rows = pairs.iter().filter(|(k, _)| k == "round_open").count();
        let filled = pairs
            .iter()
            .filter(|(k, v)| k == "round_open" && !v.trim().is_empty())
            .count();
        (rows - filled).max(1) + 1
    })
}

/// Reads the form (repeated round and blueprint fields) into the values to
/// show again and the contest input to check.
fn read_form(pairs: &[(String, String)]) -> (FormValues, ContestInput) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let opens: Vec<&String> = pairs
        .iter()
        .filter(|(k, _)| k == "round_open")
        .map(|(_, v)| v)
        .collect();
    let closes: Vec<&String> = pairs
        .iter()
        .filter(|(k, _)| k == "round_close")
        .map(|(_, v)| v)
        .collect();
    // Rows ticked "Bỏ vòng này" and blank rows are left out.
    let dropped: Vec<usize> = pairs
        .iter()
        .filter(|(k, _)| k == "round_drop")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let rounds: Vec<(String, String)> = opens
        .iter()
        .zip(closes.iter())
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, pair)| pair)
        .filter(|(o, c)| !o.trim().is_empty() || !c.trim().is_empty())
        .map(|(o, c)| (o.to_string(), c.to_string()))
        .collect();
    let mut blueprint = Vec::new();
    for (k, v) in pairs {
        if let Some(rest) = k.strip_prefix("bp.") {
            if let Some((topic, d)) = rest.rsplit_once('.') {
                if let (Some(d), Ok(n)) = (Difficulty::parse(d), v.trim().parse::<u32>()) {
                    if n > 0 {
                        blueprint.push((topic.to_string(), d, n));
                    }
                }
            }
        }
    }
    let num = |k: &str| get(k).parse::<i32>().ok();
    let values = FormValues {
        slug: get("slug"),
        title: get("title"),
        description: get("description"),
        unit_code: get("unit_code"),
        eligible_unit_code: get("eligible_unit_code"),
        co_organizers: get("co_organizers"),
        bank_slug: get("bank_slug"),
        bank_version: get("bank_version"),
        minutes: get("minutes"),
        attempts_per_round: get("attempts_per_round"),
        grace_seconds: get("grace_seconds"),
        rounds: rounds.clone(),
        prediction_prompt: get("prediction_prompt"),
        prediction_target: get("prediction_target"),
        age_min: get("age_min"),
        age_max: get("age_max"),
        show_answers: get("show_answers") == "true",
        identity_check: get("identity_check"),
        blueprint: blueprint.clone(),
        rules: pairs
            .iter()
            .find(|(key, _)| key == "rules")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    };
    let input = ContestInput {
        slug: values.slug.clone(),
        title: values.title.clone(),
        description: Some(values.description.clone()),
        unit_code: values.unit_code.clone(),
        eligible_unit_code: Some(values.eligible_unit_code.clone()),
        co_organizers: values.co_organizers.lines().map(str::to_string).collect(),
        bank_slug: values.bank_slug.clone(),
        bank_version: num("bank_version"),
        blueprint: blueprint
            .into_iter()
            .map(|(topic, difficulty, count)| Cell {
                topic,
                difficulty,
                count,
            })
            .collect(),
        minutes: num("minutes"),
        attempts_per_round: num("attempts_per_round"),
        grace_seconds: num("grace_seconds"),
        rounds: rounds
            .into_iter()
            .map(|(o, c)| RoundInput {
                opens_at: o,
                closes_at: c,
            })
            .collect(),
        prediction: Some(values.prediction_prompt.clone())
            .filter(|p| !p.is_empty())
            .map(|prompt| Prediction {
                prompt,
                target: if values.prediction_target == "participants" {
                    PredictionTarget::Participants
                } else {
                    PredictionTarget::Perfect
                },
            }),
        age_min: num("age_min"),
        age_max: num("age_max"),
        show_answers_after_close: Some(values.show_answers),
        identity_check: Some(values.identity_check.clone()),
        rules: Some(values.rules.clone()),
    };
    (values, input)
}

async fn rejected(
    state: &AppState,
    staff: &Staff,
    editing: bool,
    v: FormValues,
    e: AppError,
) -> Result<HttpResponse, AppError> {
    let problems = match e {
        AppError::Validation(p) => p,
        AppError::InvalidInput { vi, en } | AppError::Conflict { vi, en } => {
            vec![Problem::new(0, "form", vi, en)]
        }
        e => return Err(e),
    };
    render_form(state, staff, editing, v, &problems, 1).await
}

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (values, input) = read_form(&form);
    if let Some(blank) = added_round(&form) {
        return render_form(&state, &staff, false, values, &[], blank).await;
    }
    match contests::create(&state, &staff, input).await {
        Ok(saved) => Ok(see_other(&format!(
            "/admin/contests/{}?msg=saved",
            saved.slug
        ))),
        Err(e) => rejected(&state, &staff, false, values, e).await,
    }
}

pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let (mut values, input) = read_form(&form);
    values.slug = slug.clone();
    if let Some(blank) = added_round(&form) {
        return render_form(&state, &staff, true, values, &[], blank).await;
    }
    match contests::update(&state, &staff, slug, input).await {
        Ok(saved) => Ok(see_other(&format!(
            "/admin/contests/{}?msg=saved",
            saved.slug
        ))),
        Err(e) => rejected(&state, &staff, true, values, e).await,
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (c, rounds, _, bank_slug, version) =
        contests::for_organizer(&state, &staff, slug.into_inner()).await?;
    let (unit, eligible) = contests::unit_codes(&state, &c).await?;
    let prediction = c.prediction();
    let v = FormValues {
        slug: c.slug.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        unit_code: unit,
        eligible_unit_code: eligible,
        co_organizers: c.co_organizers()?.join("\n"),
        bank_slug,
        bank_version: version.map(|n| n.to_string()).unwrap_or_default(),
        minutes: c.minutes.to_string(),
        attempts_per_round: c.attempts_per_round.to_string(),
        grace_seconds: c.grace_seconds.to_string(),
        rounds: rounds
            .iter()
            // After an early close, the time it really closed.
            .map(|r| (local_input(r.opens_at), local_input(r.end())))
            .collect(),
        prediction_prompt: prediction
            .as_ref()
            .map(|p| p.prompt.clone())
            .unwrap_or_default(),
        prediction_target: match prediction.map(|p| p.target) {
            Some(PredictionTarget::Participants) => "participants".into(),
            _ => "perfect".into(),
        },
        age_min: c.age_min.to_string(),
        age_max: c.age_max.to_string(),
        show_answers: c.show_answers_after_close,
        identity_check: c.identity_check.as_str().to_string(),
        blueprint: c
            .blueprint()?
            .into_iter()
            .map(|cell| (cell.topic, cell.difficulty, cell.count))
            .collect(),
        rules: c.rules.clone(),
    };
    render_form(&state, &staff, true, v, &[], 1).await
}

#[derive(Deserialize)]
pub struct Msg {
    msg: Option<String>,
}

pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    q: web::Query<Msg>,
) -> Result<HttpResponse, AppError> {
    let message = match q.msg.as_deref() {
        Some("saved") => Some(Flash::Ok("Đã lưu hội thi.".into())),
        Some("closed") => Some(Flash::Ok("Đã đóng vòng thi.".into())),
        Some("reopened") => Some(Flash::Ok(
            "Đã mở lại vòng thi (đã ghi lý do vào nhật ký). Thứ hạng được chốt lại khi vòng đóng."
                .into(),
        )),
        Some("unlocked") => Some(Flash::Ok(
            "Đã mở khóa đăng nhập cho số điện thoại (đã ghi nhật ký).".into(),
        )),
        _ => None,
    };
    render_detail(&req, &state, &staff, slug.into_inner(), message, None).await
}

async fn render_detail(
    req: &HttpRequest,
    state: &AppState,
    staff: &Staff,
    slug: String,
    message: Option<Flash>,
    reopen: Option<view::ReopenState<'_>>,
) -> Result<HttpResponse, AppError> {
    let (c, rounds, public, _, _) = contests::for_organizer(state, staff, slug).await?;
    let url = contest_url(req, &c.slug);
    // Viewers (read-only offices) do not see or clear locks.
    let locks = match crate::service::participants::locks(state, staff, c.slug.clone()).await {
        Ok(l) => l,
        Err(AppError::Forbidden) => Vec::new(),
        Err(e) => return Err(e),
    };
    let refused = reopen.is_some();
    let mut resp = html(view::detail(
        staff,
        &view::DetailPage {
            contest: &c,
            rounds: &rounds,
            participants: public.participants,
            url: &url,
            qr_svg: &qr_svg(&url),
            now: state.now(),
            locks: &locks,
            reopen,
        },
        message,
    ));
    if refused {
        *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

/// "Mở lại vòng": an admin reopens a closed round until a new time, with a
/// reason; a refused form comes back with each problem at its field.
pub async fn reopen_round(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    form: web::Form<ReopenForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    let form = form.into_inner();
    let input = crate::domain::contest::ReopenInput {
        until: form.until.clone(),
        reason: form.reason.clone(),
    };
    let confirmed = form.confirm == "yes";
    let result =
        crate::service::rankings::reopen_round(&state, &staff, slug.clone(), n, input, confirmed)
            .await
            .map(|_| ());
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/contests/{slug}?msg=reopened"))),
        Err(AppError::Validation(problems)) => {
            let state_of = view::ReopenState {
                round: n,
                until: &form.until,
                reason: &form.reason,
                problems: &problems,
            };
            render_detail(&req, &state, &staff, slug, None, Some(state_of)).await
        }
        Err(e) => Err(e),
    }
}

/// "Mở khóa": clears a phone's sign-in lock (audited), back to the contest.
pub async fn unlock(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, phone) = path.into_inner();
    crate::service::participants::unlock(&state, &staff, slug.clone(), phone).await?;
    Ok(see_other(&format!("/admin/contests/{slug}?msg=unlocked")))
}

pub async fn close_round(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    form: web::Form<super::Confirm>,
) -> Result<HttpResponse, AppError> {
    form.required()?;
    let (slug, n) = path.into_inner();
    crate::service::rankings::close_round(&state, &staff, slug.clone(), n).await?;
    Ok(see_other(&format!("/admin/contests/{slug}?msg=closed")))
}
