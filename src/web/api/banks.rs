use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{AppState, Staff};
use crate::domain::bank::{table, MAX_FILE_BYTES};
use crate::error::AppError;
use crate::service::banks::{self, ImportRequest};
use crate::web::read_multipart;

/// Multipart upload: `file`, and optionally `format`, `slug`, `title`.
/// 201 with the new version, 200 when identical content already existed,
/// 422 with every problem when the file is invalid.
pub async fn import(
    state: web::Data<AppState>,
    staff: Staff,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    let _turn = state.uploads.enter().await?;
    let mut upload = read_multipart(form, "file", MAX_FILE_BYTES).await?;
    let req = ImportRequest {
        bytes: upload.take_file()?,
        file_name: upload.file_name.clone(),
        format: upload.field("format"),
        slug: upload.field("slug"),
        title: upload.field("title"),
    };
    let outcome = banks::import(&state.db, &staff, req).await?;
    Ok(if outcome.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(outcome))
}

pub async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let entries = banks::list(&state.db, &staff).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries })))
}

pub async fn version(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(HttpResponse::Ok().json(banks::version(&state.db, &staff, slug, n).await?))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

pub async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    let format = q.into_inner().format.unwrap_or_else(|| "toml".into());
    let (name, content_type, bytes) = banks::export(&state.db, &staff, slug, n, format).await?;
    Ok(attachment(&name, content_type, bytes))
}

pub async fn template(_staff: Staff) -> Result<HttpResponse, AppError> {
    let bytes = web::block(table::template_xlsx)
        .await?
        .map_err(AppError::Internal)?;
    Ok(attachment(
        "mau-ngan-hang-cau-hoi.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

pub fn attachment(name: &str, content_type: &'static str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}
