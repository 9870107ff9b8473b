use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::{AppState, Staff, STAFF_DEVICE_COOKIE};
use crate::error::AppError;
use crate::service::accounts::{end_session, login_with_password, Login};
use crate::views;
use crate::web::limits::Door;
use crate::web::request::{clear_cookie, device_token, device_token_cookie, session_cookie};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect): a path
/// that starts with one `/` and holds only visible ASCII without `\`, so no
/// browser can read it as another host (`//host`, `/\host`, `/\t/host`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/admin".to_string(),
    }
}

pub async fn login_form(q: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(q.next.as_deref());
    html(views::login::page(&next, "", false))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::StaffLogin)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let username = form.username.clone();
    let device = device_token(&req, STAFF_DEVICE_COOKIE);
    match login_with_password(
        &state,
        Login {
            username: form.username.into(),
            password: form.password,
        },
        device.as_deref(),
    )
    .await
    {
        Ok(s) => Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(&req, &state, s.token))
            .cookie(device_token_cookie(
                &req,
                STAFF_DEVICE_COOKIE,
                s.device_token,
            ))
            .insert_header((actix_web::http::header::LOCATION, next))
            .finish()),
        Err(AppError::Unauthorized(_)) => {
            let mut resp = html(views::login::page(&next, &username, true));
            *resp.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Option<Staff>,
) -> Result<HttpResponse, AppError> {
    end_session(&state, staff, false).await?;
    let mut resp = see_other("/");
    let _ = resp.add_cookie(&clear_cookie(&req));
    Ok(resp)
}

/// "Đăng xuất mọi thiết bị": every session of the account ends.
pub async fn logout_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    end_session(&state, Some(staff), true).await?;
    let mut resp = see_other("/login");
    let _ = resp.add_cookie(&clear_cookie(&req));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/admin/units?x=1")), "/admin/units?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/admin");
        assert_eq!(safe_next(Some("https://evil.example")), "/admin");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/admin");
        assert_eq!(safe_next(Some("/\\evil.example")), "/admin");
        assert_eq!(safe_next(Some("/ /evil.example")), "/admin");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/admin");
        assert_eq!(safe_next(None), "/admin");
    }
}
