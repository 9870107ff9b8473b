use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::{AppState, Staff};
use crate::domain::bank::MAX_FILE_BYTES;
use crate::error::AppError;
use crate::service::banks::{self, BrowseQuery, ImportRequest, PreviewOutcome};
use crate::views::banks::{browse_page, choice_page, list_page, preview_page};
use crate::views::Flash;
use crate::web::read_multipart;

async fn list_with(
    state: &AppState,
    staff: &Staff,
    message: Option<Flash>,
    e: Option<&AppError>,
) -> Result<HttpResponse, AppError> {
    let list = banks::list(&state.db, staff).await?;
    let problems = e.map(|e| e.problems().to_vec()).unwrap_or_default();
    let mut resp = html(list_page(staff, &list, message, &problems));
    if let Some(e) = e {
        *resp.status_mut() = actix_web::ResponseError::status_code(e);
    }
    Ok(resp)
}

pub async fn index(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    list_with(&state, &staff, None, None).await
}

pub async fn preview(
    http: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    crate::web::limits::check(&http, crate::web::limits::Door::Upload)?;
    let result = async {
        let mut upload = read_multipart(form, "file", MAX_FILE_BYTES).await?;
        // The turn is taken once the body is here: a slow sender must not hold
        // a parse slot (the edge bounds what unfinished bodies hold, 64 MB).
        let _turn = state.uploads.enter().await?;
        // Pasted text comes as a field without a file name.
        let file_name = match upload.file_name.trim() {
            "" => "cau-hoi-dan.txt".to_string(),
            name => name.to_string(),
        };
        let req = ImportRequest {
            bytes: upload.take_file()?,
            file_name,
            format: upload.field("format"),
            slug: upload.field("slug"),
            title: upload.field("title"),
            skip_unsupported: false,
            columns: None,
        };
        banks::preview(&state.db, &staff, req).await
    }
    .await;
    outcome_page(&state, &staff, result).await
}

/// The preview, or the choice a file needs, or the bank list with the
/// file's problems.
async fn outcome_page(
    state: &AppState,
    staff: &Staff,
    result: Result<PreviewOutcome, AppError>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(PreviewOutcome::Ready(p)) => Ok(html(preview_page(staff, &p))),
        Ok(PreviewOutcome::NeedsChoice(c)) => {
            let mut resp = html(choice_page(staff, &c));
            *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e @ (AppError::Validation(_) | AppError::InvalidInput { .. })) => {
            let (vi, en) = e.messages();
            list_with(state, staff, Some(Flash::Bad(vi, en)), Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// The choices made on a staged upload's page: `col_<key>` = a column
/// letter for each field, and/or `skip_unsupported`.
pub async fn choose(
    state: web::Data<AppState>,
    staff: Staff,
    upload_id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let _turn = state.uploads.enter().await?;
    let form = form.into_inner();
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("col_")?, v.as_str())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let columns = (!pairs.is_empty()).then(|| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    let skip = form
        .iter()
        .any(|(k, v)| k == "skip_unsupported" && v == "on");
    let result = banks::choose(&state.db, &staff, upload_id.into_inner(), columns, skip).await;
    outcome_page(&state, &staff, result).await
}

#[derive(Deserialize)]
pub struct Commit {
    upload_id: String,
}

pub async fn commit(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<Commit>,
) -> Result<HttpResponse, AppError> {
    let _turn = state.uploads.enter().await?;
    let outcome = banks::commit(&state.db, &staff, form.into_inner().upload_id).await?;
    let msg = if outcome.created {
        "created"
    } else {
        "unchanged"
    };
    Ok(see_other(&format!(
        "/admin/banks/{}?v={}&msg={msg}",
        outcome.slug, outcome.version
    )))
}

pub async fn browse(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    q: web::Query<BrowseQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let b = banks::browse(&state.db, &staff, slug.into_inner(), q.clone()).await?;
    let message = match q.msg.as_deref() {
        Some("created") => Some(Flash::Ok(format!(
            "Đã tạo phiên bản {} ({} câu hỏi).",
            b.version.number, b.version.question_count
        ))),
        Some("unchanged") => Some(Flash::Ok(format!(
            "Nội dung giống hệt phiên bản {}; không tạo phiên bản mới.",
            b.version.number
        ))),
        Some("shared") => Some(Flash::Ok(
            "Đã chia sẻ ngân hàng cho các đơn vị cấp dưới, không kèm đáp án.".to_string(),
        )),
        Some("unshared") => Some(Flash::Ok(
            "Đã thôi chia sẻ ngân hàng; các hội thi đã tạo trên ngân hàng vẫn chạy bình thường."
                .to_string(),
        )),
        _ => None,
    };
    Ok(html(browse_page(&staff, &b, &q, message)))
}

#[derive(Deserialize)]
pub struct SharingForm {
    shared: String,
}

/// The bank page's "Chia sẻ cho đơn vị cấp dưới" / "Thôi chia sẻ" button.
pub async fn set_sharing(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<SharingForm>,
) -> Result<HttpResponse, AppError> {
    let shared = match form.shared.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::invalid(
                "Lựa chọn chia sẻ không hợp lệ.",
                "Invalid sharing choice.",
            ))
        }
    };
    let slug = slug.into_inner();
    banks::set_sharing(&state.db, &staff, slug.clone(), shared, state.now()).await?;
    let msg = if shared { "shared" } else { "unshared" };
    Ok(see_other(&format!(
        "/admin/banks/{}?msg={msg}",
        crate::domain::text::urlencode(&slug)
    )))
}
