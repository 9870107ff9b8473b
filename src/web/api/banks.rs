use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{params, Entries};

use crate::auth::{AppState, Staff};
use crate::domain::bank::{table, MAX_FILE_BYTES};
use crate::error::AppError;
use crate::service::banks::{
    self, BankListItem, ImportOutcome, ImportRequest, Sharing, VersionDetail,
};
use crate::web::read_multipart;

/// Nhập ngân hàng câu hỏi / Import a question bank
///
/// Multipart upload: `file`, and optionally `format`, `slug`, `title`,
/// `skip_unsupported` (`true`) and `columns` (`stem=C,a=D,…`).
/// 201 with the new version, 200 when identical content already existed,
/// 422 with every problem when the file is invalid.
#[utoipa::path(
    post,
    path = "/banks",
    request_body(content = BankUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Phiên bản mới / A new version", body = ImportOutcome),
        (status = 200, description = "Nội dung đã có / Identical content already stored", body = ImportOutcome)
    ),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn import(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    staff.require_writer()?;
    crate::web::limits::check(&req, crate::web::limits::Door::Upload)?;
    let mut form = read_multipart(form, "file", MAX_FILE_BYTES).await?;
    // The turn is taken once the body is here: a slow sender must not hold
    // a parse slot (the edge bounds what unfinished bodies hold, 64 MB).
    let _turn = state.uploads.enter().await?;
    let upload = BankUpload {
        file: form.take_file()?,
        format: form.field("format"),
        slug: form.field("slug"),
        title: form.field("title"),
        skip_unsupported: form.field("skip_unsupported").as_deref() == Some("true"),
        columns: form.field("columns"),
    };
    let req = ImportRequest {
        bytes: upload.file,
        file_name: form.file_name.clone(),
        format: upload.format,
        slug: upload.slug,
        title: upload.title,
        skip_unsupported: upload.skip_unsupported,
        columns: upload.columns,
    };
    let outcome = banks::import(&state.db, &staff, req).await?;
    Ok(if outcome.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(outcome))
}

/// Danh sách ngân hàng câu hỏi / Question banks
#[utoipa::path(
    get,
    path = "/banks",
    responses((status = 200, body = Entries<BankListItem>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let entries = banks::list(&state.db, &staff).await?;
    Ok(HttpResponse::Ok().json(Entries::from(entries)))
}

/// Một phiên bản ngân hàng / A bank version
#[utoipa::path(
    get,
    path = "/banks/{slug}/versions/{n}",
    params(params::BankVersion),
    responses((status = 200, body = VersionDetail)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn version(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::BankVersion>,
) -> Result<HttpResponse, AppError> {
    let params::BankVersion { slug, n } = path.into_inner();
    Ok(HttpResponse::Ok().json(banks::version(&state.db, &staff, slug, n).await?))
}

/// Chia sẻ ngân hàng cho đơn vị cấp dưới / Share a bank with the units below
///
/// `{"shared": true}` lets the organizers of the units below the owning
/// unit (every unit, for a bank with no unit) list the bank, read its
/// questions without answers, explanations or sources, and build contests
/// on it; `false` stops that (contests already built keep working). For
/// the owning unit's organizers, those above it, and admins; written to
/// the audit log.
#[utoipa::path(
    put,
    path = "/banks/{slug}/sharing",
    params(params::Bank),
    request_body = Sharing,
    responses((status = 200, body = Sharing)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn set_sharing(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Bank>,
    body: web::Json<Sharing>,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner().slug;
    let sharing = banks::set_sharing(
        &state.db,
        &staff,
        slug,
        body.into_inner().shared,
        state.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(sharing))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `toml` (mặc định / default) hoặc `xlsx`.
    #[param(pattern = "^(toml|xlsx)$")]
    format: Option<String>,
}

/// The multipart form `import` reads: the handler fills this type, so the
/// documented fields are the ones it takes.
#[derive(ToSchema)]
pub struct BankUpload {
    /// Tệp ngân hàng câu hỏi / The bank file (DOCX, XLSX, CSV, text, GIFT, Moodle XML, Aiken, TOML).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Định dạng, nếu không đoán được từ tên tệp / The format, when the file name does not tell.
    format: Option<String>,
    /// Mã ngân hàng / The bank's slug.
    slug: Option<String>,
    /// Tên ngân hàng / The bank's title.
    title: Option<String>,
    /// "true": bỏ qua câu hỏi loại chưa hỗ trợ (Moodle XML) / skip unsupported question types.
    skip_unsupported: bool,
    /// Cột nào chứa gì, khi tiêu đề bảng không nhận ra được / which column
    /// holds what when the sheet's headers are not known:
    /// `stem=C,a=D,b=E,c=F,d=G,answer=H`.
    columns: Option<String>,
}

/// Xuất một phiên bản (TOML hoặc XLSX) / Export a version
#[utoipa::path(
    get,
    path = "/banks/{slug}/versions/{n}/export",
    params(params::BankVersion, ExportQuery),
    responses((status = 200, description = "Tệp tải về / A download", content(
        (String = "application/toml"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ))),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::BankVersion>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let params::BankVersion { slug, n } = path.into_inner();
    let format = q.into_inner().format.unwrap_or_else(|| "toml".into());
    let (name, content_type, bytes) = banks::export(&state.db, &staff, slug, n, format).await?;
    Ok(attachment(&name, content_type, bytes))
}

/// Tệp Excel mẫu / The XLSX template
#[utoipa::path(
    get,
    path = "/banks/template.xlsx",
    responses((status = 200, description = "Tệp Excel mẫu / The XLSX template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
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
