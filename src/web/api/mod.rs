//! The JSON API (`/api/v1`). Handlers parse, authorize via extractors and
//! delegate to `service`; errors are `AppError`s rendered as JSON.

pub mod activities;
pub mod auth;
pub mod banks;
pub mod contests;
pub mod openapi;
pub mod params;
pub mod results;
mod units;

use actix_web::web;

mod table {
    use super::{activities, auth, banks, contests, openapi, results, units};
    crate::web::route_table! {
        /// Every API route (below `/api/v1`): registered by `routes`, listed
        /// in `ROUTES` for the 405 answers and for the check that the
        /// generated OpenAPI document describes exactly these.
        ///
        /// The router tries the paths in this order, matching each pattern
        /// with `{…}` segments by a regular expression, so the routes every
        /// participant calls many times come first (a save was tried
        /// against ~50 patterns before its own: a tenth of the server's
        /// CPU in a run of saves); none of them matches another route's paths,
        /// so the order changes no answer.
        put "/attempts/{id}/answers/{position}" => contests::save_answer,
        get "/attempts/{id}" => contests::attempt,
        post "/attempts/{id}/submit" => contests::submit,
        post "/contests/{slug}/attempts" => contests::start,
        post "/contests/{slug}/participants" => contests::register,
        get "/contests/{slug}/rounds/{n}/leaderboard" => contests::leaderboard,
        get "/contests/{slug}/rounds/{n}/units" => contests::unit_board,
        get "/contests/{slug}/rounds/{n}/live" => results::live,
        get "/contests/{slug}" => contests::get,
        post "/auth/login" => auth::login,
        post "/auth/logout" => auth::logout,
        post "/auth/logout-all" => auth::logout_all,
        post "/auth/password" => auth::change_password,
        get "/me" => auth::me,
        get "/accounts" => auth::accounts,
        post "/accounts" => auth::create_account,
        post "/accounts/{username}/password-reset" => auth::reset_password,
        post "/accounts/{username}/unlock" => auth::unlock,
        get "/units" => units::list,
        post "/units" => units::create,
        post "/units/import" => units::import,
        get "/units/{code}" => units::get,
        put "/units/{code}" => units::update,
        get "/banks" => banks::list,
        post "/banks" => banks::import,
        get "/banks/template.xlsx" => banks::template,
        get "/banks/{slug}/versions/{n}" => banks::version,
        get "/banks/{slug}/versions/{n}/export" => banks::export,
        put "/banks/{slug}/sharing" => banks::set_sharing,
        post "/contests" => contests::create,
        put "/contests/{slug}" => contests::update,
        post "/contests/{slug}/sessions" => contests::session,
        delete "/contests/{slug}/sessions" => contests::end_session,
        get "/contests/{slug}/locks" => contests::locks,
        delete "/contests/{slug}/locks/{phone}" => contests::unlock,
        post "/contests/{slug}/otp" => contests::request_otp,
        get "/contests/{slug}/rounds/{n}/items" => contests::items,
        get "/contests/{slug}/rounds/{n}/results.csv" => results::results_csv,
        get "/contests/{slug}/rounds/{n}/survey" => results::survey,
        get "/contests/{slug}/rounds/{n}/export/{file}" => results::round_export,
        get "/contests/{slug}/rounds/{n}/prizes" => results::prizes,
        put "/contests/{slug}/rounds/{n}/prizes/plan" => results::set_plan,
        post "/contests/{slug}/rounds/{n}/prizes/publish" => results::publish,
        get "/contests/{slug}/leaderboard" => results::overall,
        get "/contests/{slug}/review" => results::review,
        post "/contests/{slug}/review/decisions" => results::decide,
        get "/contests/{slug}/export/{file}" => results::contest_export,
        get "/contests/{slug}/viewers" => results::viewers,
        post "/contests/{slug}/viewers" => results::add_viewer,
        delete "/contests/{slug}/viewers/{username}" => results::remove_viewer,
        get "/contests/{slug}/share-links" => results::links,
        post "/contests/{slug}/share-links" => results::create_link,
        delete "/contests/{slug}/share-links/{id}" => results::revoke_link,
        get "/share/{token}" => results::share,
        get "/units/{code}/activities" => activities::list,
        post "/units/{code}/activities" => activities::create,
        get "/units/{code}/export/{file}" => activities::export,
        get "/units/{code}/year" => activities::year,
        put "/activities/{id}" => activities::update,
        delete "/activities/{id}" => activities::delete,
        get "/activity-scheme" => activities::scheme,
        put "/activity-scheme" => activities::set_scheme,
        post "/contests/{slug}/rounds/{n}/close" => contests::close_round,
        post "/contests/{slug}/rounds/{n}/reopen" => contests::reopen_round,
        get "/openapi.json" => openapi::document,
    }
}

pub use table::ROUTES;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(256 * 1024)
            .error_handler(super::extractor_error),
    )
    .app_data(web::QueryConfig::default().error_handler(super::extractor_error))
    .app_data(web::PathConfig::default().error_handler(super::extractor_error));
    table::routes(cfg);
    cfg.default_service(web::to(super::not_found));
}

/// A list answer: `{"entries": [...]}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Entries<T> {
    pub entries: Vec<T>,
}

impl<T> From<Vec<T>> for Entries<T> {
    fn from(entries: Vec<T>) -> Self {
        Entries { entries }
    }
}

/// A board from an instance's copies: its JSON, serialized once per copy.
pub fn cached_json<V>(built: &crate::service::board_cache::Built<V>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(built.json.clone())
}
