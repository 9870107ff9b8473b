use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{AppState, Staff};
use crate::domain::units::MAX_IMPORT_BYTES;
use crate::error::AppError;
use crate::service::units::{self, UnitInput};

#[derive(Deserialize)]
pub struct ListQuery {
    root: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let entries = units::list(&state.db, &staff, q.into_inner().root).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries })))
}

pub async fn get(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(units::get(&state.db, &staff, code.into_inner()).await?))
}

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<UnitInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(units::create(&state, &staff, body.into_inner()).await?))
}

pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<UnitInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(units::update(&state, &staff, code.into_inner(), body.into_inner()).await?))
}

/// The body is the CSV file itself (`Content-Type: text/csv`).
pub async fn import(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    let _turn = state.uploads.enter().await?;
    let bytes = crate::web::read_limited(body, MAX_IMPORT_BYTES).await?;
    let summary = units::import(&state, &staff, bytes).await?;
    Ok(HttpResponse::Ok().json(summary))
}
