//! The OpenAPI 3.1 description of `/api/v1`, generated from the handlers'
//! own `#[utoipa::path]` attributes and the request and response types'
//! `ToSchema` derives. A test checks that it describes exactly the routes
//! the server registers (`super::ROUTES`).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{activities, auth, banks, contests, results, units};
use crate::error::ErrorBody;

/// The prefix every API route is registered under.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hoithi API",
        description = "Hội thi trực tuyến của Đoàn Thanh niên / Online contests for the Youth Union. \
            Lỗi luôn có dạng `Error` / Errors always have the `Error` shape."
    ),
    paths(
        auth::login,
        auth::logout,
        auth::logout_all,
        auth::change_password,
        auth::me,
        auth::accounts,
        auth::create_account,
        auth::reset_password,
        auth::unlock,
        units::list,
        units::create,
        units::import,
        units::get,
        units::update,
        banks::list,
        banks::import,
        banks::template,
        banks::version,
        banks::export,
        banks::set_sharing,
        contests::create,
        contests::get,
        contests::update,
        contests::register,
        contests::session,
        contests::end_session,
        contests::locks,
        contests::unlock,
        contests::request_otp,
        contests::leaderboard,
        contests::unit_board,
        contests::items,
        contests::start,
        contests::close_round,
        contests::reopen_round,
        contests::attempt,
        contests::save_answer,
        contests::submit,
        results::results_csv,
        results::survey,
        results::round_export,
        results::live,
        results::prizes,
        results::set_plan,
        results::publish,
        results::overall,
        results::review,
        results::decide,
        results::contest_export,
        results::viewers,
        results::add_viewer,
        results::remove_viewer,
        results::links,
        results::create_link,
        results::revoke_link,
        results::share,
        activities::list,
        activities::create,
        activities::export,
        activities::year,
        activities::update,
        activities::delete,
        activities::scheme,
        activities::set_scheme,
        document,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Common),
)]
struct ApiDoc;

/// What every operation shares: the `/api/v1` prefix, a unique operation id
/// (`module_function`), the `Error` body for every other status, and the
/// ways to authenticate.
struct Common;

impl Modify for Common {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let paths = std::mem::take(&mut doc.paths.paths);
        for (path, mut item) in paths {
            for op in operations(&mut item) {
                let module = op
                    .tags
                    .as_ref()
                    .and_then(|t| t.first())
                    .cloned()
                    .unwrap_or_default();
                if let Some(id) = op.operation_id.as_mut() {
                    *id = format!("{module}_{id}");
                }
                op.responses.responses.insert(
                    "default".into(),
                    RefOr::Ref(Ref::from_response_name("Error")),
                );
            }
            doc.paths.paths.insert(format!("{PREFIX}{path}"), item);
        }
        let components = doc.components.get_or_insert_with(Default::default);
        components.responses.insert(
            "Error".into(),
            RefOr::T(
                ResponseBuilder::new()
                    .description("Lỗi / Error")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Error")))
                            .build(),
                    )
                    .build(),
            ),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staffCookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("hoithi_token"))),
        );
        components.add_security_scheme(
            "participantCookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("hoithi_participant"))),
        );
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The document, built once.
pub fn spec() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        local_times(&mut doc);
        doc
    })
}

/// Times are stored and sent in UTC without an offset
/// (`2026-11-29T08:30:00` or with a fraction), which is not RFC 3339's
/// `date-time`: every such schema says so (`date-time-local` of the OpenAPI
/// format registry, with its pattern).
fn local_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("format").and_then(Value::as_str) == Some("date-time") {
                m.insert("format".into(), "date-time-local".into());
                m.insert(
                    "pattern".into(),
                    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$".into(),
                );
                m.entry("description").or_insert_with(|| {
                    "Giờ UTC, không kèm múi giờ / UTC, without an offset".into()
                });
            }
            m.values_mut().for_each(local_times);
        }
        Value::Array(a) => a.iter_mut().for_each(local_times),
        _ => {}
    }
}

/// Tài liệu này / This document (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "openapi",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object))
)]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(spec())
}

/// The methods the API answers on `path` (below `/api/v1`), upper-case, in
/// the order of the route table; empty when no route has this path.
pub fn methods_for(path: &str) -> Vec<&'static str> {
    use actix_web::dev::ResourceDef;
    static DEFS: OnceLock<Vec<(&'static str, ResourceDef)>> = OnceLock::new();
    let defs = DEFS.get_or_init(|| {
        super::ROUTES
            .iter()
            .map(|(method, p)| (*method, ResourceDef::new(*p)))
            .collect()
    });
    crate::web::allowed_methods(defs, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        spec().clone()
    }

    #[test]
    fn the_document_lists_exactly_the_registered_routes() {
        let doc = doc();
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
            for method in ops.as_object().into_iter().flat_map(|o| o.keys()) {
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
        let mut registered: Vec<(String, String)> = super::super::ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), format!("{PREFIX}{p}")))
            .collect();
        documented.sort();
        registered.sort();
        assert_eq!(documented, registered);
    }

    #[test]
    fn every_operation_has_a_unique_id_a_success_schema_and_the_error_shape() {
        let doc = doc();
        let mut ids = std::collections::HashSet::new();
        for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                assert!(ids.insert(id.clone()), "{method} {path}: duplicate id {id}");
                assert!(op["summary"].is_string(), "{method} {path}: no summary");
                assert_eq!(
                    op["responses"]["default"]["$ref"], "#/components/responses/Error",
                    "{method} {path}"
                );
                let responses = op["responses"].as_object().cloned().unwrap_or_default();
                let ok: Vec<_> = responses
                    .iter()
                    .filter(|(s, _)| s.starts_with('2'))
                    .collect();
                assert!(!ok.is_empty(), "{method} {path}: no 2xx response");
                for (status, r) in ok {
                    if status != "204" {
                        assert!(
                            r["content"].is_object(),
                            "{method} {path} {status}: no content"
                        );
                    }
                }
                if let Some(body) = op.get("requestBody") {
                    // Starting and submitting take an optional body; every other is required.
                    let optional = ["contests_start", "contests_submit"].contains(&id.as_str());
                    assert_eq!(body["required"] == true, !optional, "{method} {path}");
                    assert!(body["content"].is_object(), "{method} {path}");
                }
            }
        }
        assert!(ids.len() > 50);
    }

    #[test]
    fn numbers_in_paths_are_integers_with_their_limits() {
        let doc = doc();
        let op = &doc["paths"]["/api/v1/contests/{slug}/rounds/{n}/leaderboard"]["get"];
        let n = op["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "n"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(n["schema"]["type"], "integer");
        assert_eq!(n["schema"]["minimum"], 1);
        assert_eq!(n["schema"]["maximum"], 52);
        assert_eq!(n["required"], true);
    }
}
