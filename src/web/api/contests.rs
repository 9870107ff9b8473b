use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{AppState, ParticipantAuth, Staff};
use crate::domain::contest::{ContestInput, RegistrationInput};
use crate::error::AppError;
use crate::service::{attempts, contests, participants};
use crate::web::limits::Door;
use crate::web::request::{client_ip, refuse_staff, DEVICE_COOKIE};

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<ContestInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(contests::create(&state, &staff, body.into_inner()).await?))
}

pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    body: web::Json<ContestInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(contests::update(&state, &staff, slug.into_inner(), body.into_inner()).await?))
}

pub async fn get(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(contests::public(&state, slug.into_inner()).await?))
}

pub async fn close_round(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(crate::service::rankings::close_round(&state, &staff, slug, n).await?))
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<RegistrationInput>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::Entry)?;
    refuse_staff(&req, &state)?;
    let device = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_string());
    let r = participants::register(
        &state,
        slug.into_inner(),
        body.into_inner(),
        device,
        client_ip(&req),
    )
    .await?;
    let body = serde_json::json!({ "participant_id": r.participant_id, "token": r.token });
    Ok(if r.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(body))
}

#[derive(Deserialize)]
pub struct SignIn {
    pub phone: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub otp: Option<String>,
}

#[derive(Deserialize)]
pub struct OtpRequest {
    pub phone: String,
}

/// Sends a one-time code by SMS (contests that check identity by OTP).
pub async fn request_otp(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<OtpRequest>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::Otp)?;
    refuse_staff(&req, &state)?;
    let masked =
        crate::service::otp::request(&state, slug.into_inner(), body.into_inner().phone).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "sent_to": masked, "expires_in": crate::service::otp::CODE_MINUTES * 60 })))
}

pub async fn session(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<SignIn>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::Entry)?;
    refuse_staff(&req, &state)?;
    let b = body.into_inner();
    let token =
        participants::sign_in(&state, slug.into_inner(), b.phone, b.birth_date, b.otp).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "token": token })))
}

/// Signs the participant out: the token stops working on every instance.
pub async fn end_session(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    me: ParticipantAuth,
) -> Result<HttpResponse, AppError> {
    same_contest(&me, &slug)?;
    participants::sign_out(&state, me.session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
pub struct StartBody {
    #[serde(default)]
    pub practice: bool,
    #[serde(default = "yes")]
    pub timed: bool,
}

fn yes() -> bool {
    true
}

/// The participant's token must belong to the contest in the URL.
pub fn same_contest(p: &ParticipantAuth, slug: &str) -> Result<(), AppError> {
    if p.contest == slug {
        Ok(())
    } else {
        Err(AppError::Unauthorized("token of another contest"))
    }
}

pub async fn start(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    slug: web::Path<String>,
    body: Option<web::Json<StartBody>>,
) -> Result<HttpResponse, AppError> {
    same_contest(&p, &slug)?;
    let b = body.map(|b| b.into_inner()).unwrap_or(StartBody {
        practice: false,
        timed: true,
    });
    Ok(HttpResponse::Created().json(attempts::start(&state, p.id, b.practice, b.timed).await?))
}

pub async fn attempt(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(attempts::get(&state, p.id, id.into_inner()).await?))
}

#[derive(Deserialize)]
pub struct Choices {
    pub choices: Vec<String>,
}

pub async fn save_answer(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    path: web::Path<(String, i32)>,
    body: web::Json<Choices>,
) -> Result<HttpResponse, AppError> {
    let (id, position) = path.into_inner();
    attempts::save(&state, p.id, id, position, body.into_inner().choices).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
pub struct SubmitBody {
    #[serde(default)]
    pub prediction: Option<i64>,
}

pub async fn submit(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    id: web::Path<String>,
    body: Option<web::Json<SubmitBody>>,
) -> Result<HttpResponse, AppError> {
    let prediction = body.and_then(|b| b.into_inner().prediction);
    Ok(HttpResponse::Ok().json(attempts::submit(&state, p.id, id.into_inner(), prediction).await?))
}

pub async fn leaderboard(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    q: web::Query<crate::service::rankings::BoardQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(crate::service::rankings::leaderboard(&state, slug, n, q.into_inner()).await?))
}

pub async fn unit_board(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    q: web::Query<crate::service::rankings::UnitQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(crate::service::rankings::unit_board(&state, slug, n, q.into_inner()).await?))
}

pub async fn items(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    let entries = crate::service::rankings::item_analysis(&state, &staff, slug, n).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries })))
}

/// Phones of the contest locked after failed sign-ins (organizers in scope).
pub async fn locks(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let locks = participants::locks(&state, &staff, slug.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": locks })))
}

/// Clears a phone's sign-in lock (audited).
pub async fn unlock(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, phone) = path.into_inner();
    participants::unlock(&state, &staff, slug, phone).await?;
    Ok(HttpResponse::NoContent().finish())
}
