use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::AppState;
use crate::error::AppError;
use crate::views;
use crate::web::api::auth::{check_login, clear_cookie, session_cookie, Login};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
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
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let username = form.username.clone();
    match check_login(
        &state,
        Login {
            username: form.username,
            password: form.password,
        },
    )
    .await
    {
        Ok((id, role)) => {
            let token = state.keys.issue_staff(&id, role, state.token_hours)?;
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(token, state.token_hours))
                .insert_header((actix_web::http::header::LOCATION, next))
                .finish())
        }
        Err(AppError::Unauthorized(_)) => {
            let mut resp = html(views::login::page(&next, &username, true));
            *resp.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

pub async fn logout() -> HttpResponse {
    let mut resp = see_other("/");
    // Removing a cookie cannot fail for a well-formed cookie.
    let _ = resp.add_removal_cookie(&clear_cookie());
    resp
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/admin/units?x=1")), "/admin/units?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/admin");
        assert_eq!(safe_next(Some("https://evil.example")), "/admin");
        assert_eq!(safe_next(None), "/admin");
    }
}
