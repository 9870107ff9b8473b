use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{AppState, Staff, STAFF_DEVICE_COOKIE};
use crate::domain::accounts::check_password;
use crate::domain::accounts::Role;
use crate::error::AppError;
use crate::service::{self, accounts};
use crate::web::api::params;
use crate::web::limits::Door;
use crate::web::request::{clear_cookie, device_token, session_cookie};

#[derive(Serialize, ToSchema)]
struct TokenOut {
    token: String,
    expires_in: i64,
    role: Role,
    /// Keep it and send it back in the `X-Device-Token` header at later
    /// sign-ins: wrong passwords sent from elsewhere then do not lock this
    /// client out (its own wrong passwords still do). Good for a year; it
    /// opens no session.
    device_token: String,
}

/// Đăng nhập tài khoản ban tổ chức / Staff sign-in
///
/// Every try is counted: against the client's own device counter when it
/// sends a valid device token for this username (`X-Device-Token`, from an
/// earlier successful sign-in's `device_token`), else against the
/// username's shared counter. Five wrong ones lock that counter (429).
#[utoipa::path(
    post,
    path = "/auth/login",
    request_body = accounts::Login,
    params(("X-Device-Token" = Option<String>, Header, description = "Thẻ thiết bị từ lần đăng nhập trước / The device token of an earlier sign-in")),
    responses((status = 200, body = TokenOut), (status = 429, description = "Tạm khóa / Locked (Retry-After)"))
)]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<accounts::Login>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::StaffLogin)?;
    let device = device_token(&req, STAFF_DEVICE_COOKIE);
    let s = accounts::login_with_password(&state, body.into_inner(), device.as_deref()).await?;
    Ok(HttpResponse::Ok().json(TokenOut {
        token: s.token,
        expires_in: state.token_hours * 3600,
        role: s.role,
        device_token: s.device_token,
    }))
}

/// Đăng xuất: phiên này kết thúc ngay trên mọi máy chủ / Sign out (this session ends everywhere at once)
#[utoipa::path(
    post,
    path = "/auth/logout",
    responses((status = 204, description = "Đã đăng xuất / Signed out"))
)]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Option<Staff>,
) -> Result<HttpResponse, AppError> {
    accounts::end_session(&state, staff, false).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(&req))
        .finish())
}

/// Đăng xuất mọi thiết bị / Sign out everywhere: every session of the account ends.
#[utoipa::path(
    post,
    path = "/auth/logout-all",
    responses((status = 204, description = "Mọi phiên đã kết thúc / Every session ended")),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn logout_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    accounts::end_session(&state, Some(staff), true).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(&req))
        .finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Đổi mật khẩu (các phiên khác kết thúc) / Change one's own password
///
/// Changes one's own password: every other session ends; the answer carries
/// a fresh token (and cookie) for this one.
#[utoipa::path(
    post,
    path = "/auth/password",
    request_body = PasswordChange,
    responses((status = 200, body = TokenOut)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::StaffLogin)?;
    let body = body.into_inner();
    check_password(&body.new_password)?;
    let device = device_token(&req, STAFF_DEVICE_COOKIE);
    let s = accounts::login_with_password(
        &state,
        accounts::Login {
            username: staff.username.as_str().into(),
            password: body.current_password,
        },
        device.as_deref(),
    )
    .await?;
    accounts::set_password(&state, &staff, &s.token, body.new_password).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&req, &state, s.token.clone()))
        .json(TokenOut {
            token: s.token,
            expires_in: state.token_hours * 3600,
            role: s.role,
            device_token: s.device_token,
        }))
}

#[derive(Serialize, ToSchema)]
struct Me {
    id: String,
    username: String,
    display_name: String,
    role: Role,
    unit: Option<UnitName>,
    /// Signed in with a one-time password: only `POST /auth/password` (and
    /// signing out) is allowed until it is changed.
    must_change_password: bool,
}

/// A unit by code and name. (Not `UnitRef`: that name is the contest's
/// unit, with its level and parent; two schemas of one name would merge.)
#[derive(Serialize, ToSchema)]
struct UnitName {
    code: String,
    name: String,
}

/// Tài khoản hiện tại / The caller's account
#[utoipa::path(
    get,
    path = "/me",
    responses((status = 200, body = Me)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn me(staff: Staff) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        unit: staff.scope.map(|s| UnitName {
            code: s.unit_code,
            name: s.unit_name,
        }),
        id: staff.id,
        username: staff.username,
        display_name: staff.display_name,
        role: staff.role,
        must_change_password: staff.must_change_password,
    })
}

#[derive(Serialize, ToSchema)]
struct AccountOut {
    username: String,
    display_name: String,
    role: Role,
    unit: Option<UnitName>,
    /// Still on a one-time password.
    one_time_password: bool,
    /// May the caller reset this account's password?
    resettable: bool,
    /// Khóa đăng nhập đến (UTC) / Sign-in locked until (UTC): the longest
    /// lock in force after wrong passwords, if any (an admin may clear it
    /// with `POST /accounts/{username}/unlock`).
    locked_until: Option<chrono::NaiveDateTime>,
}

/// Danh sách tài khoản (quản trị: tất cả; ban tổ chức: trong đơn vị) / Accounts in the caller's reach
#[utoipa::path(
    get,
    path = "/accounts",
    responses((status = 200, body = Vec<AccountOut>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn accounts(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let rows = service::accounts::list(&state, &staff).await?;
    let out: Vec<AccountOut> = rows
        .into_iter()
        .map(|r| AccountOut {
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            unit: r.unit.map(|(code, name)| UnitName { code, name }),
            one_time_password: r.one_time,
            resettable: r.resettable,
            locked_until: r.locked_until,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Serialize, ToSchema)]
struct ResetOut {
    username: String,
    /// Shown once; its owner must change it at the first sign-in.
    one_time_password: String,
}

/// Đặt lại mật khẩu (mật khẩu một lần) / Reset a password to a one-time one
///
/// An admin resets any other account; an organizer resets viewers in its
/// unit's subtree and organizers of the units below it. Every session of
/// the account ends.
#[utoipa::path(
    post,
    path = "/accounts/{username}/password-reset",
    params(params::Account),
    responses((status = 200, body = ResetOut)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn reset_password(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Account>,
) -> Result<HttpResponse, AppError> {
    let username = path.into_inner().username;
    let password = service::accounts::reset_by(&state, &staff, username.clone()).await?;
    Ok(HttpResponse::Ok().json(ResetOut {
        username: username.to_string(),
        one_time_password: password,
    }))
}

#[derive(Serialize, ToSchema)]
struct UnlockOut {
    username: String,
    /// How many failure counters were cleared (the shared one and those of
    /// the account's devices).
    cleared: usize,
}

/// Mở khóa đăng nhập của tài khoản (quản trị) / Clear an account's sign-in locks (admin)
///
/// Clears every failure counter of the username — the shared one and those
/// of its devices — with their doubling history. Audited.
#[utoipa::path(
    post,
    path = "/accounts/{username}/unlock",
    params(params::Account),
    responses((status = 200, body = UnlockOut), (status = 404, description = "Không có tài khoản / No such account")),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn unlock(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Account>,
) -> Result<HttpResponse, AppError> {
    let username = path.into_inner().username;
    let cleared = service::accounts::unlock_by(&state, &staff, username.clone()).await?;
    Ok(HttpResponse::Ok().json(UnlockOut {
        username: username.to_string(),
        cleared,
    }))
}

/// Tạo tài khoản (quản trị, ban tổ chức trong đơn vị) / Create an account
///
/// Admins create organizer and viewer accounts for any unit; organizers for
/// their unit and the units below it. The password (given, or generated and
/// returned once) is one-time: it must be changed at the first sign-in.
#[utoipa::path(
    post,
    path = "/accounts",
    request_body = service::accounts::NewAccount,
    responses((status = 201, body = service::accounts::Created)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn create_account(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<service::accounts::NewAccount>,
) -> Result<HttpResponse, AppError> {
    let created = service::accounts::create_by(&state, &staff, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}
