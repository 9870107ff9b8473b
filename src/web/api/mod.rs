//! The JSON API (`/api/v1`). Handlers parse, authorize via extractors and
//! delegate to `service`; errors are `AppError`s rendered as JSON.

pub mod auth;
pub mod banks;
pub mod contests;
mod openapi;
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
        web::get().to(contests::results_csv),
    )
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
