use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::{self, AppState, Staff, COOKIE_NAME};
use crate::db::accounts;
use crate::domain::accounts::Role;
use crate::error::AppError;
use crate::service;

#[derive(Deserialize)]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Serialize)]
struct TokenOut {
    token: String,
    expires_in: i64,
    role: Role,
}

/// Checks a username and password; returns the account id and role.
/// Unknown users cost one hash verification too, so timing does not tell.
pub async fn check_login(state: &AppState, login: Login) -> Result<(String, Role), AppError> {
    let username = login.username.trim().to_lowercase();
    let account = state
        .db
        .read(move |c| accounts::by_username(c, &username))
        .await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = login.password;
    let ok = web::block(move || auth::verify_password(&password, &hash)).await?;
    match account {
        Some(a) if ok => Ok((a.id.clone(), a.role()?)),
        _ => Err(AppError::Unauthorized("wrong username or password")),
    }
}

pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, AppError> {
    let (id, role) = check_login(&state, body.into_inner()).await?;
    let token = state.keys.issue_staff(&id, role, state.token_hours)?;
    Ok(HttpResponse::Ok().json(TokenOut {
        token,
        expires_in: state.token_hours * 3600,
        role,
    }))
}

/// The session cookie the login page sets (HttpOnly, SameSite=Lax).
pub fn session_cookie(token: String, hours: i64) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::hours(hours))
        .finish()
}

pub fn clear_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE_NAME, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

pub async fn logout() -> HttpResponse {
    HttpResponse::NoContent().cookie(clear_cookie()).finish()
}

#[derive(Serialize)]
struct Me {
    id: String,
    username: String,
    display_name: String,
    role: Role,
    unit: Option<UnitRef>,
}

#[derive(Serialize)]
struct UnitRef {
    code: String,
    name: String,
}

pub async fn me(staff: Staff) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        unit: staff.scope.map(|s| UnitRef {
            code: s.unit_code,
            name: s.unit_name,
        }),
        id: staff.id,
        username: staff.username,
        display_name: staff.display_name,
        role: staff.role,
    })
}

pub async fn create_account(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<service::accounts::NewAccount>,
) -> Result<HttpResponse, AppError> {
    staff.require_admin()?;
    let input = body.into_inner();
    let created = state
        .db
        .write(move |c| service::accounts::create(c, input))
        .await?;
    Ok(HttpResponse::Created().json(created))
}
