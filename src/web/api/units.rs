use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{params, Entries};

use crate::auth::{AppState, Staff};
use crate::domain::units::MAX_IMPORT_BYTES;
use crate::error::AppError;
use crate::service::units::{self, ImportSummary, UnitInput, UnitView};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Chỉ nhánh của đơn vị này / Only this unit's branch.
    root: Option<String>,
}

/// Cây đơn vị (?root=CODE) / The unit tree
#[utoipa::path(
    get,
    path = "/units",
    params(ListQuery),
    responses((status = 200, body = Entries<UnitView>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let entries = units::list(&state.db, &staff, q.into_inner().root).await?;
    Ok(HttpResponse::Ok().json(Entries::from(entries)))
}

/// Một đơn vị / One unit
#[utoipa::path(
    get,
    path = "/units/{code}",
    params(params::Code),
    responses((status = 200, body = UnitView)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn get(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Code>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(units::get(&state.db, &staff, path.into_inner().code).await?))
}

/// Thêm đơn vị / Create a unit
#[utoipa::path(
    post,
    path = "/units",
    request_body = UnitInput,
    responses((status = 201, body = UnitView)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<UnitInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(units::create(&state, &staff, body.into_inner()).await?))
}

/// Sửa hoặc chuyển đơn vị / Edit or move a unit
#[utoipa::path(
    put,
    path = "/units/{code}",
    params(params::Code),
    request_body = UnitInput,
    responses((status = 200, body = UnitView)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Code>,
    body: web::Json<UnitInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(units::update(&state, &staff, path.into_inner().code, body.into_inner()).await?))
}

/// Nhập cây đơn vị từ CSV / Import units from CSV
///
/// The body is the CSV file itself (`Content-Type: text/csv`).
#[utoipa::path(
    post,
    path = "/units/import",
    request_body(content = String, content_type = "text/csv", description = "Tệp CSV / The CSV file"),
    responses((status = 200, body = ImportSummary)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn import(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    crate::web::limits::check(&req, crate::web::limits::Door::Upload)?;
    let bytes = crate::web::read_limited(body, MAX_IMPORT_BYTES).await?;
    // The turn is taken once the body is here: a slow sender must not hold
    // a parse slot (the edge bounds what unfinished bodies hold, 64 MB).
    let _turn = state.uploads.enter().await?;
    let summary = units::import(&state, &staff, bytes).await?;
    Ok(HttpResponse::Ok().json(summary))
}
