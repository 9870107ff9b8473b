//! The JSON API (`/api/v1`). Handlers parse, authorize via extractors and
//! delegate to `service`; errors are `AppError`s rendered as JSON.

pub mod activities;
pub mod auth;
pub mod banks;
pub mod contests;
pub mod openapi;
pub mod results;
mod units;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(256 * 1024)
            .error_handler(super::extractor_error),
    )
    .app_data(web::QueryConfig::default().error_handler(super::extractor_error))
    .app_data(web::PathConfig::default().error_handler(super::extractor_error))
    .route("/auth/login", web::post().to(auth::login))
    .route("/auth/logout", web::post().to(auth::logout))
    .route("/auth/logout-all", web::post().to(auth::logout_all))
    .route("/auth/password", web::post().to(auth::change_password))
    .route("/me", web::get().to(auth::me))
    .route("/accounts", web::post().to(auth::create_account))
    .route("/units", web::get().to(units::list))
    .route("/units", web::post().to(units::create))
    .route("/units/import", web::post().to(units::import))
    .route("/units/{code}", web::get().to(units::get))
    .route("/units/{code}", web::put().to(units::update))
    .route("/banks", web::get().to(banks::list))
    .route("/banks", web::post().to(banks::import))
    .route("/banks/template.xlsx", web::get().to(banks::template))
    .route("/banks/{slug}/versions/{n}", web::get().to(banks::version))
    .route(
        "/banks/{slug}/versions/{n}/export",
        web::get().to(banks::export),
    )
    .route("/contests", web::post().to(contests::create))
    .route("/contests/{slug}", web::get().to(contests::get))
    .route("/contests/{slug}", web::put().to(contests::update))
    .route(
        "/contests/{slug}/participants",
        web::post().to(contests::register),
    )
    .route(
        "/contests/{slug}/sessions",
        web::post().to(contests::session),
    )
    .route(
        "/contests/{slug}/sessions",
        web::delete().to(contests::end_session),
    )
    .route("/contests/{slug}/locks", web::get().to(contests::locks))
    .route(
        "/contests/{slug}/locks/{phone}",
        web::delete().to(contests::unlock),
    )
    .route(
        "/contests/{slug}/otp",
        web::post().to(contests::request_otp),
    )
    .route(
        "/contests/{slug}/rounds/{n}/leaderboard",
        web::get().to(contests::leaderboard),
    )
    .route(
        "/contests/{slug}/rounds/{n}/units",
        web::get().to(contests::unit_board),
    )
    .route(
        "/contests/{slug}/rounds/{n}/items",
        web::get().to(contests::items),
    )
    .route(
        "/contests/{slug}/rounds/{n}/results.csv",
        web::get().to(results::results_csv),
    )
    .route(
        "/contests/{slug}/rounds/{n}/export/{file}",
        web::get().to(results::round_export),
    )
    .route(
        "/contests/{slug}/rounds/{n}/live",
        web::get().to(results::live),
    )
    .route(
        "/contests/{slug}/rounds/{n}/prizes",
        web::get().to(results::prizes),
    )
    .route(
        "/contests/{slug}/rounds/{n}/prizes/plan",
        web::put().to(results::set_plan),
    )
    .route(
        "/contests/{slug}/rounds/{n}/prizes/publish",
        web::post().to(results::publish),
    )
    .route(
        "/contests/{slug}/leaderboard",
        web::get().to(results::overall),
    )
    .route("/contests/{slug}/review", web::get().to(results::review))
    .route(
        "/contests/{slug}/review/decisions",
        web::post().to(results::decide),
    )
    .route(
        "/contests/{slug}/export/{file}",
        web::get().to(results::contest_export),
    )
    .route("/contests/{slug}/viewers", web::get().to(results::viewers))
    .route(
        "/contests/{slug}/viewers",
        web::post().to(results::add_viewer),
    )
    .route(
        "/contests/{slug}/viewers/{username}",
        web::delete().to(results::remove_viewer),
    )
    .route(
        "/contests/{slug}/share-links",
        web::get().to(results::links),
    )
    .route(
        "/contests/{slug}/share-links",
        web::post().to(results::create_link),
    )
    .route(
        "/contests/{slug}/share-links/{id}",
        web::delete().to(results::revoke_link),
    )
    .route("/share/{token}", web::get().to(results::share))
    .route("/units/{code}/activities", web::get().to(activities::list))
    .route(
        "/units/{code}/activities",
        web::post().to(activities::create),
    )
    .route(
        "/units/{code}/export/{file}",
        web::get().to(activities::export),
    )
    .route("/units/{code}/year", web::get().to(activities::year))
    .route("/activities/{id}", web::put().to(activities::update))
    .route("/activities/{id}", web::delete().to(activities::delete))
    .route("/activity-scheme", web::get().to(activities::scheme))
    .route("/activity-scheme", web::put().to(activities::set_scheme))
    .route("/contests/{slug}/attempts", web::post().to(contests::start))
    .route(
        "/contests/{slug}/rounds/{n}/close",
        web::post().to(contests::close_round),
    )
    .route("/attempts/{id}", web::get().to(contests::attempt))
    .route(
        "/attempts/{id}/answers/{position}",
        web::put().to(contests::save_answer),
    )
    .route("/attempts/{id}/submit", web::post().to(contests::submit))
    .route("/openapi.json", web::get().to(openapi::document))
    .default_service(web::to(super::not_found));
}
