//! HTTP: the JSON API under `/api/v1`, the HTML pages, operations endpoints
//! and the middleware that renders errors as pages outside `/api`.

pub mod api;
pub mod body;
pub mod connections;
pub mod edge;
pub mod limits;
pub mod pages;
pub mod request;
pub mod trace;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::auth::AppState;
use crate::error::AppError;
use crate::views;

/// Defines a route table once: `ROUTES` lists `(METHOD, path)` for the
/// 405 answers, and `routes` adds the same routes to the app, one resource
/// per path (see [`register_grouped`]).
macro_rules! route_table {
    ($(#[$doc:meta])* $($method:ident $path:literal => $handler:path,)+) => {
        $(#[$doc])*
        pub const ROUTES: &[(&str, &str)] = &[$(($crate::web::route_table!(@upper $method), $path)),+];

        pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
            $crate::web::register_grouped(
                cfg,
                vec![$(($path, actix_web::web::$method().to($handler))),+],
            );
        }
    };
    (@upper get) => { "GET" };
    (@upper post) => { "POST" };
    (@upper put) => { "PUT" };
    (@upper delete) => { "DELETE" };
    (@upper head) => { "HEAD" };
}
pub(crate) use route_table;

mod own {
    use super::{app_icon, card, healthz, readyz, script, stylesheet};
    route_table! {
        /// The web layer's own routes (probes and static files).
        get "/healthz" => healthz,
        get "/readyz" => readyz,
        get "/static/style.css" => stylesheet,
        head "/static/style.css" => stylesheet,
        get "/static/hoithi.js" => script,
        head "/static/hoithi.js" => script,
        get "/static/og-card.png" => card,
        head "/static/og-card.png" => card,
        get "/static/icon-180.png" => app_icon,
        head "/static/icon-180.png" => app_icon,
    }
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    own::routes(cfg);
    cfg.service(web::scope("/api/v1").configure(api::routes))
        .configure(pages::routes);
}

/// Liveness: the process is up and answering. Never touches the database.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: 200 while the database answers and takes writes; 503 JSON with
/// `Retry-After` otherwise (a balancer sends no traffic here meanwhile).
/// The reason is a category; the details go to the log, not to the public.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let backend = if state.db.url().is_sqlite() {
        "sqlite"
    } else {
        "postgresql"
    };
    match state.db.readiness().await {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "status": "ready", "database": "ok", "backend": backend })),
        Err(why) => {
            tracing::warn!(reason = %why, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, "5"))
                .json(serde_json::json!({
                    "status": "unavailable",
                    "database": crate::domain::faults::category(&why),
                    "backend": backend,
                }))
        }
    }
}

/// A compiled-in asset: kept a year when asked for by its current version
/// (`?v=` as the pages link it), five minutes otherwise.
fn asset(
    req: &HttpRequest,
    content_type: &str,
    body: &'static [u8],
    version: &str,
) -> HttpResponse {
    let current = req
        .query_string()
        .split('&')
        .any(|kv| kv.strip_prefix("v=") == Some(version));
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut resp = HttpResponse::Ok();
    resp.content_type(content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, format!("\"{version}\"")));
    // For HEAD the server sends these headers and the length, not the body.
    resp.body(body)
}

async fn script(req: HttpRequest) -> HttpResponse {
    use views::assets;
    asset(
        &req,
        "text/javascript; charset=utf-8",
        assets::SCRIPT.as_bytes(),
        assets::script_version(),
    )
}

async fn stylesheet(req: HttpRequest) -> HttpResponse {
    use views::assets;
    asset(
        &req,
        "text/css; charset=utf-8",
        assets::STYLE.as_bytes(),
        assets::style_version(),
    )
}

async fn app_icon(req: HttpRequest) -> HttpResponse {
    use views::assets;
    asset(
        &req,
        "image/png",
        assets::APP_ICON,
        assets::app_icon_version(),
    )
}

async fn card(req: HttpRequest) -> HttpResponse {
    use views::assets;
    asset(&req, "image/png", assets::CARD, assets::card_version())
}

/// Registers `(path, route)` pairs as one resource per path, in the order
/// each path first appears. A method the path does not take is then
/// answered by that resource (405 with `Allow`) instead of falling through
/// to a later pattern that happens to match too (`GET /units/import` is not
/// `GET /units/{code}`).
pub fn register_grouped(
    cfg: &mut web::ServiceConfig,
    table: Vec<(&'static str, actix_web::Route)>,
) {
    let mut paths: Vec<(&'static str, Vec<actix_web::Route>)> = Vec::new();
    for (path, route) in table {
        match paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, routes)) => routes.push(route),
            None => paths.push((path, vec![route])),
        }
    }
    for (path, routes) in paths {
        let resource = routes
            .into_iter()
            .fold(web::resource(path), |r, route| r.route(route));
        cfg.service(resource.default_service(web::to(not_found)));
    }
}

/// The methods `table` takes on `path`, upper-case, in table order: those
/// of the first pattern that matches, as the router picks that resource.
pub fn allowed_methods(table: &[(&'static str, ResourceDef)], path: &str) -> Vec<&'static str> {
    let Some((_, first)) = table.iter().find(|(_, def)| def.is_match(path)) else {
        return Vec::new();
    };
    let mut out: Vec<&'static str> = Vec::new();
    for (method, def) in table {
        if def.pattern() == first.pattern() && !out.contains(method) {
            out.push(method);
        }
    }
    out
}

fn page_methods(path: &str) -> Vec<&'static str> {
    static DEFS: std::sync::OnceLock<Vec<(&'static str, ResourceDef)>> = std::sync::OnceLock::new();
    let defs = DEFS.get_or_init(|| {
        own::ROUTES
            .iter()
            .chain(pages::ROUTES)
            .map(|(m, p)| (*m, ResourceDef::new(*p)))
            .collect()
    });
    allowed_methods(defs, path)
}

/// Unknown routes: a JSON 404 under /api, a page elsewhere (via the
/// middleware); a known path with a method it does not take: 405 with
/// `Allow`.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let allow = match req.path().strip_prefix("/api/v1") {
        Some(rest) => api::openapi::methods_for(rest),
        None => page_methods(req.path()),
    };
    if allow.is_empty() {
        return Err(AppError::NotFound);
    }
    Err(AppError::MethodNotAllowed {
        allow: allow.join(", "),
    })
}

/// The response replaced by a redirect to `location`.
fn see_other<B>(res: ServiceResponse<B>, location: String) -> ServiceResponse<EitherBody<B>> {
    let (req, _) = res.into_parts();
    let redirect = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    ServiceResponse::new(req, redirect).map_into_right_body()
}

/// Outside `/api`, replaces an `AppError` response with an HTML page, and a
/// 401 with a redirect to the login page.
pub async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/");
    let res = next.call(req).await?;
    if is_api || !(res.status().is_client_error() || res.status().is_server_error()) {
        return Ok(res.map_into_left_body());
    }
    let status = res.status();
    let (vi, problems) = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    {
        Some(AppError::Unauthorized(_)) => {
            let next = res
                .request()
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let location = format!("/login?next={}", crate::domain::text::urlencode(next));
            return Ok(see_other(res, location));
        }
        Some(AppError::PasswordChangeRequired) => {
            return Ok(see_other(res, "/admin/password".to_string()));
        }
        Some(e) => (e.messages().0, e.problems().to_vec()),
        None if res.response().error().is_some()
            || status == actix_web::http::StatusCode::NOT_FOUND =>
        {
            let e = if status == actix_web::http::StatusCode::NOT_FOUND {
                AppError::NotFound
            } else {
                AppError::invalid("Yêu cầu không hợp lệ.", "Bad request.")
            };
            (e.messages().0, Vec::new())
        }
        None => return Ok(res.map_into_left_body()),
    };
    let staff = actix_web::HttpMessage::extensions(res.request())
        .get::<crate::auth::Staff>()
        .cloned();
    let page = views::error::page(status.as_u16(), &vi, &problems, staff.as_ref());
    let kept: Vec<_> = [header::RETRY_AFTER, header::ALLOW]
        .into_iter()
        .filter_map(|name| res.headers().get(&name).cloned().map(|v| (name, v)))
        .collect();
    let (req, _) = res.into_parts();
    let mut resp = HttpResponse::build(status);
    for (name, value) in kept {
        resp.insert_header((name, value));
    }
    let resp = resp
        .content_type("text/html; charset=utf-8")
        .body(page.into_string());
    Ok(ServiceResponse::new(req, resp).map_into_right_body())
}

/// JSON/query/path extractor failures become our typed 400 error.
pub fn extractor_error(err: impl std::fmt::Display, _req: &HttpRequest) -> actix_web::Error {
    let e = AppError::invalid(
        format!("Dữ liệu gửi lên không hợp lệ: {err}"),
        format!("Invalid request data: {err}"),
    );
    actix_web::error::InternalError::from_response(e.to_string(), e.error_response()).into()
}

fn too_large(limit: usize) -> AppError {
    let (vi, en) = crate::domain::text::size_in_words(limit as u64);
    AppError::invalid(
        format!("Tệp quá lớn (tối đa {vi})."),
        format!("The upload is too large (at most {en})."),
    )
}

/// Reads a request body, refusing more than `limit` bytes with a clear error.
pub async fn read_limited(mut body: web::Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::invalid(
                "Không đọc được dữ liệu gửi lên.",
                format!("Cannot read the upload: {e}"),
            )
        })?;
        if out.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A multipart form: its text fields and at most one file.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub file_name: String,
    pub file: Option<Vec<u8>>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .get(name)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The file's bytes, or a clear error when none was chosen.
    pub fn take_file(&mut self) -> Result<Vec<u8>, AppError> {
        match self.file.take() {
            Some(f) if !f.is_empty() => Ok(f),
            _ => Err(AppError::invalid(
                "Chưa chọn tệp (hoặc tệp trống).",
                "No file was chosen (or it is empty).",
            )),
        }
    }
}

/// Reads a multipart form: the file field `file_field` (at most `limit`
/// bytes) and small text fields.
pub async fn read_multipart(
    mut form: actix_multipart::Multipart,
    file_field: &str,
    limit: usize,
) -> Result<Upload, AppError> {
    use futures_util::StreamExt;
    let bad = |e: actix_multipart::MultipartError| {
        AppError::invalid(
            "Biểu mẫu tải tệp không hợp lệ.",
            format!("Malformed upload form: {e}"),
        )
    };
    let mut out = Upload::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_string();
        let is_file = name == file_field;
        let max = if is_file { limit } else { 4096 };
        if is_file {
            out.file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if bytes.len() + chunk.len() > max {
                return Err(too_large(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            out.file = Some(bytes);
        } else if bytes.iter().any(|b| edge::forbidden(*b)) || name.bytes().any(edge::forbidden) {
            return Err(edge::control_char_error("Biểu mẫu", "form"));
        } else {
            out.fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_path_allows_the_methods_its_routes_take() {
        assert_eq!(page_methods("/c/dvc-2023/register"), ["POST"]);
        assert_eq!(page_methods("/a/x"), ["GET", "POST"]);
        assert_eq!(page_methods("/readyz"), ["GET"]);
        assert!(page_methods("/khong-co").is_empty());
    }
}
