//! The participant's pages: contest home (register / sign in), the paper,
//! the result, and the printable poster with the QR code.

use actix_web::cookie::Cookie;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::{
    AppState, ParticipantAuth, PARTICIPANT_COOKIE, PARTICIPANT_DEVICE_COOKIE,
    PARTICIPANT_TOKEN_HOURS,
};
use crate::domain::contest::RegistrationInput;
use crate::domain::kinds::Given;
use crate::error::AppError;
use crate::service::{attempts, contests, participants};
use crate::views::contest::{self as view, Me, RegisterValues};
use crate::views::Flash;
use crate::web::limits::Door;
use crate::web::request::{
    client_ip, device_token, device_token_cookie, refuse_staff, DEVICE_COOKIE,
};

fn participant_cookie(req: &HttpRequest, token: String) -> Cookie<'static> {
    let age = actix_web::cookie::time::Duration::hours(PARTICIPANT_TOKEN_HOURS);
    crate::web::edge::cookie(req, PARTICIPANT_COOKIE, token, Some(age))
}

fn device_cookie(req: &HttpRequest) -> Cookie<'static> {
    let age = actix_web::cookie::time::Duration::days(365);
    let id = uuid::Uuid::new_v4().to_string();
    crate::web::edge::cookie(req, DEVICE_COOKIE, id, Some(age))
}

async fn render_home(
    req: &HttpRequest,
    state: &AppState,
    slug: String,
    me: Option<ParticipantAuth>,
    message: Option<Flash>,
    e: Option<&AppError>,
    values: &RegisterValues,
) -> Result<HttpResponse, AppError> {
    let public = contests::public(state, slug.clone()).await?;
    let me = me.filter(|p| p.contest == slug);
    let mine = match me {
        Some(p) => {
            let now = state.now();
            let (profile, unit_name) = participants::profile(state, p.id.clone()).await?;
            let (list, left) = participants::attempts_and_left(
                state,
                p.id.clone(),
                profile.contest_id.clone(),
                now,
            )
            .await?;
            Some((profile, unit_name, list, left))
        }
        None => None,
    };
    let problems = e.map(|e| e.problems().to_vec()).unwrap_or_default();
    let page = view::home(
        &crate::web::edge::site_origin(req),
        &public,
        mine.as_ref().map(|(p, u, list, left)| Me {
            participant: p,
            unit_name: u,
            attempts: list,
            attempts_left: *left,
            now: state.now(),
        }),
        message,
        &problems,
        values,
    );
    let mut resp = html(page);
    if let Some(e) = e {
        *resp.status_mut() = actix_web::ResponseError::status_code(e);
    }
    if req.cookie(DEVICE_COOKIE).is_none() {
        let _ = resp.add_cookie(&device_cookie(req));
    }
    Ok(resp)
}

fn flash_of(e: &AppError) -> Flash {
    let (vi, en) = e.messages();
    Flash::Bad(vi, en)
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    me: Option<ParticipantAuth>,
) -> Result<HttpResponse, AppError> {
    render_home(
        &req,
        &state,
        slug.into_inner(),
        me,
        None,
        None,
        &RegisterValues::default(),
    )
    .await
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<RegistrationInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let input = form.into_inner();
    let values = RegisterValues {
        full_name: input.full_name.clone(),
        birth_date: input.birth_date.clone(),
        phone: input.phone.clone(),
        unit_code: input.unit_code.clone(),
        category: input.category.clone(),
        cccd: input.cccd.clone().unwrap_or_default(),
        email: input.email.clone().unwrap_or_default(),
        invited_by_phone: input.invited_by_phone.clone().unwrap_or_default(),
        consent: input.consent,
        sign_in: None,
    };
    let device = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_string());
    let trust = device_token(&req, PARTICIPANT_DEVICE_COOKIE);
    crate::web::limits::check(&req, Door::Entry)?;
    let result = match refuse_staff(&req, &state) {
        Ok(()) => {
            participants::register(
                &state,
                slug.clone(),
                input,
                device,
                client_ip(&req),
                trust.as_deref(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => {
            let mut resp = see_other(&format!("/c/{slug}"));
            let _ = resp.add_cookie(&participant_cookie(&req, r.token));
            let trusted = device_token_cookie(&req, PARTICIPANT_DEVICE_COOKIE, r.device_token);
            let _ = resp.add_cookie(&trusted);
            Ok(resp)
        }
        Err(
            e @ (AppError::Validation(_)
            | AppError::InvalidInput { .. }
            | AppError::Conflict { .. }),
        ) => {
            render_home(
                &req,
                &state,
                slug,
                None,
                Some(flash_of(&e)),
                Some(&e),
                &values,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    phone: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    otp: Option<String>,
}

pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let f = form.into_inner();
    crate::web::limits::check(&req, Door::Entry)?;
    let phone_typed = f.phone.clone();
    let trust = device_token(&req, PARTICIPANT_DEVICE_COOKIE);
    let result = match refuse_staff(&req, &state) {
        Ok(()) => {
            participants::sign_in(
                &state,
                slug.clone(),
                f.phone,
                f.birth_date,
                f.otp.clone(),
                trust.as_deref(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => {
            let mut resp = see_other(&format!("/c/{slug}"));
            let _ = resp.add_cookie(&participant_cookie(&req, s.token));
            let trusted = device_token_cookie(&req, PARTICIPANT_DEVICE_COOKIE, s.device_token);
            let _ = resp.add_cookie(&trusted);
            Ok(resp)
        }
        // The reason goes into the sign-in panel, shown open with the phone
        // typed; the registration form stays as it was.
        Err(e) => {
            let why = match &e {
                AppError::Unauthorized(_) if f.otp.is_some() => {
                    "Số điện thoại hoặc mã xác thực không đúng.".to_string()
                }
                AppError::Unauthorized(_) => "Số điện thoại hoặc ngày sinh không đúng.".to_string(),
                other => other.messages().0,
            };
            let values = RegisterValues {
                sign_in: Some((phone_typed, why)),
                ..RegisterValues::default()
            };
            render_home(&req, &state, slug, None, None, Some(&e), &values).await
        }
    }
}

/// "Gửi mã": sends the code, then shows the same form again (no JavaScript needed).
pub async fn send_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<RegisterValues>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    // The form (register or sign-in) is shown again as typed, with the code sent.
    let values = form.into_inner();
    crate::web::limits::check(&req, Door::Otp)?;
    let message =
        match crate::service::otp::request(&state, slug.clone(), values.phone.clone()).await {
            Ok(masked) => Flash::Ok(format!(
                "Đã gửi mã xác thực đến {masked}; mã có hiệu lực 5 phút."
            )),
            Err(
                e @ (AppError::InvalidInput { .. }
                | AppError::TooManyRequests { .. }
                | AppError::Unavailable(_)),
            ) => flash_of(&e),
            Err(e) => return Err(e),
        };
    render_home(&req, &state, slug, None, Some(message), None, &values).await
}

/// Ends the participant's session here and on every instance, and clears the cookie.
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    me: Option<ParticipantAuth>,
) -> Result<HttpResponse, AppError> {
    if let Some(me) = me {
        participants::sign_out(&state, me.session_id).await?;
    }
    let mut resp = see_other(&format!("/c/{}", slug.into_inner()));
    let c = crate::web::edge::cookie(&req, PARTICIPANT_COOKIE, String::new(), None);
    let _ = resp.add_cookie(&c);
    Ok(resp)
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    practice: Option<String>,
}

pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    me: Option<ParticipantAuth>,
    form: web::Form<StartForm>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let Some(me) = me.filter(|p| p.contest == slug) else {
        return Ok(see_other(&format!("/c/{slug}")));
    };
    let practice = form.practice.as_deref() == Some("true");
    match attempts::start(&state, me.id.clone(), practice, true).await {
        Ok(v) => Ok(see_other(&format!("/a/{}", v.attempt_id))),
        Err(e @ (AppError::Conflict { .. } | AppError::InvalidInput { .. })) => {
            render_home(
                &req,
                &state,
                slug,
                Some(me),
                Some(flash_of(&e)),
                None,
                &RegisterValues::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

fn epoch_ms(rfc: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .map(|d| d.timestamp_millis())
        .unwrap_or(0)
}

pub async fn paper(
    state: web::Data<AppState>,
    id: web::Path<String>,
    me: Option<ParticipantAuth>,
) -> Result<HttpResponse, AppError> {
    let Some(me) = me else {
        return Ok(see_other("/"));
    };
    let id = id.into_inner();
    let v = attempts::get(&state, me.id, id.clone()).await?;
    if v.status != crate::domain::paper::AttemptStatus::Open {
        return Ok(see_other(&format!("/a/{id}/result")));
    }
    let now_ms = state.now().and_utc().timestamp_millis();
    Ok(html(view::paper(&v, epoch_ms(&v.deadline), now_ms)))
}

/// The no-JavaScript path: the whole form is saved; "submit" then asks for
/// confirmation (how many questions are left), "submit_now" (the
/// confirmation, or the deadline) submits.
pub async fn save_paper(
    state: web::Data<AppState>,
    id: web::Path<String>,
    me: Option<ParticipantAuth>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let Some(me) = me else {
        return Ok(see_other("/"));
    };
    let id = id.into_inner();
    // `q<n>`: a chosen key (one field per checked box, and an empty one so a
    // question with nothing checked is saved blank); `t<n>`: typed text.
    let mut by_position: std::collections::BTreeMap<i32, Given> = std::collections::BTreeMap::new();
    let mut action = "save";
    let mut prediction = None;
    for (k, v) in form.iter() {
        if let Some(pos) = k.strip_prefix('q').and_then(|p| p.parse::<i32>().ok()) {
            let entry = by_position
                .entry(pos)
                .or_insert_with(|| Given::Choices(Vec::new()));
            if let (Given::Choices(keys), false) = (entry, v.is_empty()) {
                keys.push(v.clone());
            }
        } else if let Some(pos) = k.strip_prefix('t').and_then(|p| p.parse::<i32>().ok()) {
            by_position.insert(pos, Given::Text(v.clone()));
        } else if k == "action" && (v == "submit" || v == "submit_now") {
            action = if v == "submit" { "confirm" } else { "submit" };
        } else if k == "prediction" && !v.trim().is_empty() {
            prediction = Some(v.trim().parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "Số dự đoán phải là số nguyên.",
                    "The prediction must be a whole number.",
                )
            })?);
        }
    }
    // Every answer that can be saved is saved; one that is refused (a text
    // that is not a number) is shown again beside its question, as typed.
    let mut refused = std::collections::BTreeMap::new();
    for (pos, given) in by_position {
        let typed = given.text().unwrap_or_default().to_string();
        match attempts::save(&state, me.id.clone(), id.clone(), pos, given).await {
            Ok(()) => {}
            Err(AppError::AttemptClosed) => return Ok(see_other(&format!("/a/{id}/result"))),
            Err(AppError::Validation(problems)) => {
                let why = problems
                    .first()
                    .map(|p| p.message.clone())
                    .unwrap_or_default();
                refused.insert(pos, view::Refused { why, typed });
            }
            Err(e) => return Err(e),
        }
    }
    if !refused.is_empty() {
        let v = attempts::get(&state, me.id, id.clone()).await?;
        if v.status != crate::domain::paper::AttemptStatus::Open {
            return Ok(see_other(&format!("/a/{id}/result")));
        }
        let now_ms = state.now().and_utc().timestamp_millis();
        let page = view::paper_with(&v, epoch_ms(&v.deadline), now_ms, &refused);
        return Ok(HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(page.into_string()));
    }
    if action == "confirm" {
        let v = attempts::get(&state, me.id, id.clone()).await?;
        if v.status != crate::domain::paper::AttemptStatus::Open {
            return Ok(see_other(&format!("/a/{id}/result")));
        }
        let left_ms = epoch_ms(&v.deadline) - state.now().and_utc().timestamp_millis();
        return Ok(html(view::confirm_submit(&v, prediction, left_ms)));
    }
    if action == "submit" {
        attempts::submit(&state, me.id, id.clone(), prediction).await?;
        return Ok(see_other(&format!("/a/{id}/result")));
    }
    Ok(see_other(&format!("/a/{id}")))
}

pub async fn result(
    state: web::Data<AppState>,
    id: web::Path<String>,
    me: Option<ParticipantAuth>,
) -> Result<HttpResponse, AppError> {
    let Some(me) = me else {
        return Ok(see_other("/"));
    };
    let id = id.into_inner();
    match attempts::result_page(&state, me.id, id.clone()).await {
        Ok(r) => Ok(html(view::result(&r))),
        Err(AppError::Conflict { .. }) => Ok(see_other(&format!("/a/{id}"))),
        Err(e) => Err(e),
    }
}

/// The public link of a contest (see [`site_origin`](crate::web::edge::site_origin)).
pub fn contest_url(req: &HttpRequest, slug: &str) -> String {
    format!("{}/c/{slug}", crate::web::edge::site_origin(req))
}

/// "Thể lệ": the contest's rules on their own page.
pub async fn rules(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let public = contests::public(&state, slug.into_inner()).await?;
    Ok(html(view::rules(&public)))
}

pub async fn poster(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let public = contests::public(&state, slug.clone()).await?;
    let url = contest_url(&req, &slug);
    Ok(html(view::poster(&public, &url, &view::qr_svg(&url))))
}

pub async fn qr(req: HttpRequest, slug: web::Path<String>) -> HttpResponse {
    let url = contest_url(&req, &slug.into_inner());
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(view::qr_svg(&url))
}

#[derive(Deserialize)]
pub struct BoardParams {
    round: Option<i32>,
    unit: Option<String>,
    offset: Option<i64>,
}

/// The public board of a round (defaults to the open round, else the last).
pub async fn board(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<BoardParams>,
) -> Result<HttpResponse, AppError> {
    use crate::service::rankings::{
        leaderboard_cached as leaderboard, unit_board_cached as unit_board, BoardQuery, UnitQuery,
    };
    let slug = slug.into_inner();
    let public = contests::public(&state, slug.clone()).await?;
    let number = q.round.or_else(|| {
        public
            .rounds
            .iter()
            .find(|r| r.status == crate::domain::contest::RoundStatus::Open)
            .or(public.rounds.last())
            .map(|r| r.number)
    });
    let number = number.ok_or(AppError::NotFound)?;
    let unit = q.unit.clone().filter(|u| !u.is_empty());
    let b = leaderboard(
        &state,
        slug.clone(),
        number,
        BoardQuery {
            unit: unit.clone(),
            limit: Some(100),
            offset: q.offset,
        },
    )
    .await?;
    let live = crate::service::rankings::live(&state, slug.clone(), number).await?;
    let u = unit_board(
        &state,
        slug,
        number,
        UnitQuery {
            parent: unit.clone(),
            metric: None,
        },
    )
    .await?;
    let origin = crate::web::edge::site_origin(&req);
    Ok(html(view::board(
        &origin,
        &public,
        &b.value,
        &u.value,
        unit.as_deref(),
        &live.value,
    )))
}
