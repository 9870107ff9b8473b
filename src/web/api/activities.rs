//! Unit activity ledgers, the yearly "3 chủ động" record and its scheme.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{params, Entries};

use crate::auth::Staff;
use crate::domain::activity::Scheme;
use crate::error::AppError;
use crate::service::activities::{self, Entry, LedgerQuery, RecordInput, YearPage};
use crate::service::exports::{self, Export, Format};
use crate::service::state::AppState;

/// Sổ hoạt động của đơn vị / A unit's activity ledger
#[utoipa::path(
    get,
    path = "/units/{code}/activities",
    params(params::Code, LedgerQuery),
    responses((status = 200, body = Entries<Entry>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Code>,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let entries =
        activities::ledger(&state, &staff, path.into_inner().code, q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Entries::from(entries)))
}

/// Xuất sổ hoạt động / Ledger export
#[utoipa::path(
    get,
    path = "/units/{code}/export/{file}",
    params(params::CodeFile, LedgerQuery),
    responses((status = 200, description = "Tệp tải về / A download", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ))),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::CodeFile>,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let params::CodeFile { code, file } = path.into_inner();
    let (what, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let format = Format::parse(ext)?;
    if what != "activities" {
        return Err(AppError::NotFound);
    }
    let q = q.into_inner();
    let year = q.year;
    let entries = activities::ledger(&state, &staff, code.clone(), q).await?;
    let body = exports::ledger(&entries).render(format)?;
    let name = format!(
        "hoat-dong-{code}-{}",
        year.map(|y| y.to_string()).unwrap_or_default()
    );
    Ok(super::results::download(&name, format, Export::Body(body)))
}

/// Thêm hoạt động / Add a manual record
#[utoipa::path(
    post,
    path = "/units/{code}/activities",
    params(params::Code),
    request_body = RecordInput,
    responses((status = 201, body = Entry)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Code>,
    body: web::Json<RecordInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(
        activities::create_record(&state, &staff, path.into_inner().code, body.into_inner())
            .await?,
    ))
}

/// Sửa hoạt động / Edit a manual record
#[utoipa::path(
    put,
    path = "/activities/{id}",
    params(params::Id),
    request_body = RecordInput,
    responses((status = 200, body = Entry)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Id>,
    body: web::Json<RecordInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(
        activities::update_record(&state, &staff, path.into_inner().id, body.into_inner()).await?,
    ))
}

/// Xoá hoạt động / Delete a manual record
#[utoipa::path(
    delete,
    path = "/activities/{id}",
    params(params::Id),
    responses((status = 204, description = "Đã xoá / Deleted")),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Id>,
) -> Result<HttpResponse, AppError> {
    activities::delete_record(&state, &staff, path.into_inner().id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Năm (mặc định: năm nay) / The year (default: this year).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// Đánh giá "3 chủ động" của năm / The yearly record
#[utoipa::path(
    get,
    path = "/units/{code}/year",
    params(params::Code, YearQuery),
    responses((status = 200, body = YearPage)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn year(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Code>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(activities::year_page(&state, &staff, path.into_inner().code, q.year).await?))
}

/// Cách tính "3 chủ động" / The yearly scheme
#[utoipa::path(
    get,
    path = "/activity-scheme",
    responses((status = 200, body = Scheme)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn scheme(state: web::Data<AppState>, _staff: Staff) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(activities::scheme(&state).await?))
}

/// Sửa cách tính (quản trị) / Edit the scheme (admin)
#[utoipa::path(
    put,
    path = "/activity-scheme",
    request_body = Scheme,
    responses((status = 200, body = Scheme)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn set_scheme(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<Scheme>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(activities::set_scheme(&state, &staff, body.into_inner()).await?))
}
