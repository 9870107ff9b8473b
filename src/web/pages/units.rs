use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::see_other;
use crate::auth::{AppState, Staff};
use crate::domain::units::MAX_IMPORT_BYTES;
use crate::error::AppError;
use crate::service::units::{self, UnitInput};
use crate::views::units::page;
use crate::views::Flash;

#[derive(Deserialize)]
pub struct Msg {
    msg: Option<String>,
}

fn flash_of(key: Option<&str>) -> Option<Flash> {
    match key? {
        "created" => Some(Flash::Ok("Đã thêm đơn vị.".into())),
        "updated" => Some(Flash::Ok("Đã lưu thay đổi.".into())),
        "logo" => Some(Flash::Ok("Đã lưu biểu trưng của đơn vị.".into())),
        "logo-removed" => Some(Flash::Ok(
            "Đã bỏ biểu trưng; trang hội thi dùng biểu trưng mặc định.".into(),
        )),
        _ => None,
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    flash: Option<Flash>,
    e: Option<&AppError>,
) -> Result<HttpResponse, AppError> {
    let list = units::list(&state.db, staff, None).await?;
    let problems = e.map(|e| e.problems().to_vec()).unwrap_or_default();
    let backups = staff.is_admin().then(|| state.backups.summary()).flatten();
    let body = page(staff, &list, flash, &problems, backups.as_ref()).into_string();
    let status = e
        .map(actix_web::ResponseError::status_code)
        .unwrap_or(actix_web::http::StatusCode::OK);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Msg>,
) -> Result<HttpResponse, AppError> {
    render(&state, &staff, flash_of(q.msg.as_deref()), None).await
}

/// A rejected form is shown again with every problem; nothing was saved.
async fn rejected(state: &AppState, staff: &Staff, e: AppError) -> Result<HttpResponse, AppError> {
    match e {
        AppError::Validation(_) | AppError::InvalidInput { .. } | AppError::Conflict { .. } => {
            let (vi, en) = e.messages();
            render(state, staff, Some(Flash::Bad(vi, en)), Some(&e)).await
        }
        e => Err(e),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<UnitInput>,
) -> Result<HttpResponse, AppError> {
    match units::create(&state, &staff, form.into_inner()).await {
        Ok(_) => Ok(see_other("/admin/units?msg=created")),
        Err(e) => rejected(&state, &staff, e).await,
    }
}

pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    form: web::Form<UnitInput>,
) -> Result<HttpResponse, AppError> {
    match units::update(&state, &staff, code.into_inner(), form.into_inner()).await {
        Ok(_) => Ok(see_other("/admin/units?msg=updated")),
        Err(e) => rejected(&state, &staff, e).await,
    }
}

pub async fn import(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    crate::web::limits::check(&req, crate::web::limits::Door::Upload)?;
    let result = match crate::web::read_multipart(form, "file", MAX_IMPORT_BYTES)
        .await
        .and_then(|mut u| u.take_file())
    {
        Ok(bytes) => {
            // The turn is taken once the body is here: a slow sender must not hold
            // a parse slot (the edge bounds what unfinished bodies hold, 64 MB).
            let _turn = state.uploads.enter().await?;
            units::import(&state, &staff, bytes).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => {
            let msg = format!(
                "Đã nhập: {} đơn vị mới, {} đơn vị cập nhật, {} số liệu đoàn viên.",
                s.created, s.updated, s.member_counts
            );
            render(&state, &staff, Some(Flash::Ok(msg)), None).await
        }
        Err(e) => rejected(&state, &staff, e).await,
    }
}

/// A unit's emblem: its uploaded logo, or the neutral default.
pub async fn logo(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    use actix_web::http::header;
    match units::logo(&state.db, code.into_inner()).await? {
        Some((content_type, bytes, version)) => Ok(HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .insert_header((header::ETAG, format!("\"{version}\"")))
            .body(bytes)),
        None => Ok(HttpResponse::Ok()
            .content_type("image/svg+xml")
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(crate::views::assets::DEFAULT_EMBLEM)),
    }
}

/// Uploads a unit's logo (PNG or JPEG, at most 200 KB), shown on its
/// contests' pages and posters and in shared previews.
pub async fn upload_logo(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    crate::web::limits::check(&req, crate::web::limits::Door::Upload)?;
    let limit = crate::domain::images::MAX_LOGO_BYTES + 1;
    let result = match crate::web::read_multipart(form, "file", limit)
        .await
        .and_then(|mut u| u.take_file())
    {
        Ok(bytes) => units::set_logo(&state.db, &staff, code.into_inner(), Some(bytes)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/admin/units?msg=logo")),
        Err(e) => rejected(&state, &staff, e).await,
    }
}

pub async fn remove_logo(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    units::set_logo(&state.db, &staff, code.into_inner(), None).await?;
    Ok(see_other("/admin/units?msg=logo-removed"))
}
