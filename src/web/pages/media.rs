//! Stored pictures, public by their content hash: `/media/{sha256}.{ext}`.

use actix_web::http::header::{self, EntityTag, Header, IfNoneMatch};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::service::media;
use crate::service::state::AppState;

/// A stored picture (GET and HEAD). Its bytes never change under its name:
/// cached for a year, revalidated by its hash. Any other name, or the right
/// hash with another extension than its type's, is a 404.
pub async fn picture(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (sha256, ext) = media::parse_name(&name).ok_or(AppError::NotFound)?;
    let stored = media::get(&state, sha256.to_string())
        .await?
        .filter(|s| s.ext == ext)
        .ok_or(AppError::NotFound)?;
    let tag = EntityTag::new_strong(stored.sha256.clone());
    let unchanged = match IfNoneMatch::parse(&req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
        Err(_) => false,
    };
    let mut resp = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header(header::ETag(tag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return Ok(resp.finish());
    }
    // For HEAD the server sends these headers and the length, not the body.
    Ok(resp.content_type(stored.content_type).body(stored.bytes))
}
