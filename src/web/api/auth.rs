use actix_web::cookie::Cookie;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::{self, AppState, Staff, COOKIE_NAME};
use crate::db::accounts;
use crate::domain::accounts::check_password;
use crate::domain::accounts::Role;
use crate::error::AppError;
use crate::service::{self, sessions, throttle};
use crate::web::limits::Door;

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

/// Checks a username and password and opens a session; returns the token
/// and the role. Every try is counted per username (known or not) in the
/// database: a few wrong passwords lock the username for a growing time.
/// Unknown users cost one hash verification too, so timing does not tell.
pub async fn login_with_password(
    state: &AppState,
    login: Login,
) -> Result<(String, Role), AppError> {
    let username = login.username.trim().to_lowercase();
    let key = throttle::staff_key(&username);
    let now = state.now();
    let k = key.clone();
    let account = state
        .db
        .write(move |c| {
            throttle::begin_try(c, &k, now, true)?;
            accounts::by_username(c, &username)
        })
        .await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = login.password;
    let ok = web::block(move || auth::verify_password(&password, &hash)).await?;
    let account = match account {
        Some(a) if ok => a,
        _ => return Err(AppError::Unauthorized("wrong username or password")),
    };
    let role = account.role()?;
    let (id, hours) = (account.id.clone(), state.token_hours);
    let sid = state
        .db
        .write(move |c| {
            throttle::succeeded(c, &key)?;
            sessions::open(c, sessions::STAFF, &id, hours, now)
        })
        .await?;
    let token = state.keys.issue_staff(&account.id, role, hours, &sid)?;
    Ok((token, role))
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, AppError> {
    state.limits.check(Door::StaffLogin, &req)?;
    let (token, role) = login_with_password(&state, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TokenOut {
        token,
        expires_in: state.token_hours * 3600,
        role,
    }))
}

/// The session cookie the login page sets (HttpOnly, SameSite=Lax, Secure over https).
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let age = actix_web::cookie::time::Duration::hours(state.token_hours);
    crate::web::edge::cookie(&state.edge, COOKIE_NAME, token, Some(age))
}

pub fn clear_cookie(state: &AppState) -> Cookie<'static> {
    crate::web::edge::cookie(&state.edge, COOKIE_NAME, String::new(), None)
}

/// Ends this token's session (on every instance at once) and clears the cookie.
pub async fn end_session(
    state: &AppState,
    staff: Option<Staff>,
    everywhere: bool,
) -> Result<(), AppError> {
    if let Some(staff) = staff {
        let now = state.now();
        state
            .db
            .write(move |c| {
                if everywhere {
                    sessions::revoke_all(c, &staff.id, None, now)
                } else {
                    sessions::revoke(c, &staff.session_id, now)
                }
            })
            .await?;
    }
    Ok(())
}

pub async fn logout(
    state: web::Data<AppState>,
    staff: Option<Staff>,
) -> Result<HttpResponse, AppError> {
    end_session(&state, staff, false).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(&state))
        .finish())
}

/// "Sign out everywhere": every session of the account ends.
pub async fn logout_all(
    state: web::Data<AppState>,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    end_session(&state, Some(staff), true).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(&state))
        .finish())
}

#[derive(Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes one's own password: every other session ends; the answer carries
/// a fresh token (and cookie) for this one.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    state.limits.check(Door::StaffLogin, &req)?;
    let body = body.into_inner();
    check_password(&body.new_password)?;
    let (token, role) = login_with_password(
        &state,
        Login {
            username: staff.username.clone(),
            password: body.current_password,
        },
    )
    .await?;
    let new = body.new_password;
    let hash = web::block(move || auth::hash_password(&new)).await??;
    let now = state.now();
    let current = state.keys.verify(&token)?.sid.unwrap_or_default();
    let id = staff.id.clone();
    state
        .db
        .write(move |c| {
            accounts::set_password_hash(c, &id, &hash)?;
            // Every other session ends; the one just opened for this answer stays.
            sessions::revoke_all(c, &id, Some(&current), now)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, token.clone()))
        .json(TokenOut {
            token,
            expires_in: state.token_hours * 3600,
            role,
        }))
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
