//! Unit activity ledgers, the yearly "3 chủ động" record and its scheme.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Staff;
use crate::domain::activity::Scheme;
use crate::error::AppError;
use crate::service::activities::{self, LedgerQuery, RecordInput};
use crate::service::exports::{self, Export, Format};
use crate::service::state::AppState;

pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let entries = activities::ledger(&state, &staff, code.into_inner(), q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries })))
}

pub async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let (code, file) = path.into_inner();
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

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<RecordInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(
        activities::create_record(&state, &staff, code.into_inner(), body.into_inner()).await?,
    ))
}

pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    body: web::Json<RecordInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(activities::update_record(&state, &staff, id.into_inner(), body.into_inner()).await?))
}

pub async fn delete(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    activities::delete_record(&state, &staff, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
}

pub async fn year(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(activities::year_page(&state, &staff, code.into_inner(), q.year).await?))
}

pub async fn scheme(state: web::Data<AppState>, _staff: Staff) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(activities::scheme(&state).await?))
}

pub async fn set_scheme(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<Scheme>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(activities::set_scheme(&state, &staff, body.into_inner()).await?))
}
