//! Accounts in the web pages: list and create in one's reach, reset a
//! password to a one-time one, change one's own.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{html, Confirm};
use crate::auth::{AppState, Staff, STAFF_DEVICE_COOKIE};
use crate::domain::accounts::{check_password, Username};
use crate::error::{AppError, Problem};
use crate::service::accounts::{self, NewAccount};
use crate::views::accounts::{page, password_page, AccountForm, Shown};
use crate::web::limits::Door;
use crate::web::request::{device_token, session_cookie};

async fn render(
    state: &AppState,
    staff: &Staff,
    form: &AccountForm,
    problems: &[Problem],
    shown: Option<Shown<'_>>,
    unlocked: Option<&Username>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let rows = accounts::list(state, staff).await?;
    let units = crate::service::units::list(&state.db, staff, None).await?;
    let body = page(staff, &rows, &units, form, problems, shown, unlocked).into_string();
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub async fn index(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let form = AccountForm {
        role: "organizer".into(),
        ..AccountForm::default()
    };
    render(&state, &staff, &form, &[], None, None, StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let input = NewAccount {
        username: form.username.clone(),
        password: None,
        role: form.role.clone(),
        unit_code: Some(form.unit_code.clone()),
        display_name: Some(form.display_name.clone()),
    };
    match accounts::create_by(&state, &staff, input).await {
        Ok(created) => {
            let password = created.generated_password.unwrap_or_default();
            let shown = Shown {
                username: &created.username,
                password: &password,
                reset: false,
            };
            let fresh = AccountForm {
                role: form.role,
                unit_code: form.unit_code,
                ..AccountForm::default()
            };
            render(
                &state,
                &staff,
                &fresh,
                &[],
                Some(shown),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::Validation(problems)) => {
            render(
                &state,
                &staff,
                &form,
                &problems,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct AccountPath {
    username: String,
}

pub async fn reset(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<AccountPath>,
    confirm: web::Form<Confirm>,
) -> Result<HttpResponse, AppError> {
    confirm.required()?;
    let username = Username::from(path.into_inner().username);
    let password = accounts::reset_by(&state, &staff, username.clone()).await?;
    let shown = Shown {
        username: username.as_str(),
        password: &password,
        reset: true,
    };
    let form = AccountForm {
        role: "organizer".into(),
        ..AccountForm::default()
    };
    render(
        &state,
        &staff,
        &form,
        &[],
        Some(shown),
        None,
        StatusCode::OK,
    )
    .await
}

/// "Mở khóa đăng nhập" (admins): clears every sign-in lock of the account
/// (audited), and says so on the accounts page.
pub async fn unlock(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<AccountPath>,
    confirm: web::Form<Confirm>,
) -> Result<HttpResponse, AppError> {
    confirm.required()?;
    let username = Username::from(path.into_inner().username);
    accounts::unlock_by(&state, &staff, username.clone()).await?;
    let form = AccountForm {
        role: "organizer".into(),
        ..AccountForm::default()
    };
    render(
        &state,
        &staff,
        &form,
        &[],
        None,
        Some(&username),
        StatusCode::OK,
    )
    .await
}

pub async fn password_form(staff: Staff) -> HttpResponse {
    html(password_page(&staff, &[], false))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

fn refused(staff: &Staff, problems: Vec<Problem>, status: StatusCode) -> HttpResponse {
    let mut resp = html(password_page(staff, &problems, false));
    *resp.status_mut() = status;
    resp
}

/// Checks the current password (counted like a sign-in), sets the new one
/// and keeps this browser signed in on a fresh session; every other
/// session of the account ends.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::StaffLogin)?;
    let form = form.into_inner();
    let mut problems = Vec::new();
    if let Err(e) = check_password(&form.new_password) {
        problems.push(Problem::new(0, "new_password", e.vi, e.en));
    } else if form.new_password == form.current_password {
        problems.push(Problem::new(
            0,
            "new_password",
            "Mật khẩu mới phải khác mật khẩu đang dùng.",
            "The new password must differ from the current one.",
        ));
    }
    if form.repeat_password != form.new_password {
        problems.push(Problem::new(
            0,
            "repeat_password",
            "Hai lần nhập mật khẩu mới không giống nhau.",
            "The two new passwords differ.",
        ));
    }
    if !problems.is_empty() {
        return Ok(refused(&staff, problems, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let login = accounts::Login {
        username: staff.username.as_str().into(),
        password: form.current_password,
    };
    let device = device_token(&req, STAFF_DEVICE_COOKIE);
    let token = match accounts::login_with_password(&state, login, device.as_deref()).await {
        Ok(s) => s.token,
        Err(AppError::Unauthorized(_)) => {
            let wrong = Problem::new(
                0,
                "current_password",
                "Mật khẩu hiện tại không đúng.",
                "The current password is wrong.",
            );
            return Ok(refused(&staff, vec![wrong], StatusCode::UNAUTHORIZED));
        }
        Err(e) => return Err(e),
    };
    accounts::set_password(&state, &staff, &token, form.new_password).await?;
    let mut staff = staff;
    staff.must_change_password = false;
    let mut resp = html(password_page(&staff, &[], true));
    resp.add_cookie(&session_cookie(&req, &state, token))
        .map_err(|e| AppError::Internal(format!("cookie: {e}")))?;
    Ok(resp)
}
