//! HTML pages (maud). Plain forms that work without JavaScript.

mod activities;
mod admin_contests;
mod auth;
mod banks;
pub mod contest;
pub mod results;
mod units;

use actix_web::{web, HttpResponse};
use maud::Markup;

use crate::auth::Staff;
use crate::views;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/logout-all", web::post().to(auth::logout_all))
        .route("/admin", web::get().to(admin))
        .route("/admin/units", web::get().to(units::index))
        .route("/admin/units", web::post().to(units::create))
        .route("/admin/units/import", web::post().to(units::import))
        .route("/admin/units/{code}", web::post().to(units::update))
        .route("/c/{slug}", web::get().to(contest::home))
        .route("/c/{slug}/register", web::post().to(contest::register))
        .route("/c/{slug}/signin", web::post().to(contest::sign_in))
        .route("/c/{slug}/otp", web::post().to(contest::send_code))
        .route("/c/{slug}/signout", web::post().to(contest::sign_out))
        .route("/c/{slug}/start", web::post().to(contest::start))
        .route("/c/{slug}/poster", web::get().to(contest::poster))
        .route("/c/{slug}/board", web::get().to(contest::board))
        .route("/c/{slug}/qr.svg", web::get().to(contest::qr))
        .route("/a/{id}", web::get().to(contest::paper))
        .route("/a/{id}", web::post().to(contest::save_paper))
        .route("/a/{id}/result", web::get().to(contest::result))
        .route("/admin/contests", web::get().to(admin_contests::list))
        .route("/admin/contests", web::post().to(admin_contests::create))
        .route(
            "/admin/contests/new",
            web::get().to(admin_contests::new_form),
        )
        .route(
            "/admin/contests/{slug}",
            web::get().to(admin_contests::detail),
        )
        .route(
            "/admin/contests/{slug}",
            web::post().to(admin_contests::update),
        )
        .route(
            "/admin/contests/{slug}/edit",
            web::get().to(admin_contests::edit_form),
        )
        .route(
            "/admin/contests/{slug}/locks/{phone}/clear",
            web::post().to(admin_contests::unlock),
        )
        .route(
            "/admin/contests/{slug}/rounds/{n}/close",
            web::post().to(admin_contests::close_round),
        )
        .route(
            "/admin/contests/{slug}/results",
            web::get().to(results::results),
        )
        .route(
            "/admin/contests/{slug}/review",
            web::get().to(results::review_page),
        )
        .route(
            "/admin/contests/{slug}/review",
            web::post().to(results::decide),
        )
        .route(
            "/admin/contests/{slug}/rounds/{n}/prizes",
            web::get().to(results::prizes_page),
        )
        .route(
            "/admin/contests/{slug}/rounds/{n}/prizes/plan",
            web::post().to(results::set_plan),
        )
        .route(
            "/admin/contests/{slug}/rounds/{n}/prizes/publish",
            web::post().to(results::publish),
        )
        .route(
            "/admin/contests/{slug}/access",
            web::get().to(results::access_page),
        )
        .route(
            "/admin/contests/{slug}/access/viewers",
            web::post().to(results::add_viewer),
        )
        .route(
            "/admin/contests/{slug}/access/viewers/remove",
            web::post().to(results::remove_viewer),
        )
        .route(
            "/admin/contests/{slug}/access/links",
            web::post().to(results::create_link),
        )
        .route(
            "/admin/contests/{slug}/access/links/{id}/revoke",
            web::post().to(results::revoke_link),
        )
        .route("/s/{token}", web::get().to(results::shared))
        .route("/c/{slug}/prizes", web::get().to(results::public_prizes))
        .route(
            "/admin/units/{code}/activities",
            web::get().to(activities::page),
        )
        .route(
            "/admin/units/{code}/activities",
            web::post().to(activities::create),
        )
        .route("/admin/activities/{id}", web::post().to(activities::update))
        .route(
            "/admin/activities/{id}/delete",
            web::post().to(activities::delete),
        )
        .route(
            "/admin/activity-scheme",
            web::get().to(activities::scheme_page),
        )
        .route(
            "/admin/activity-scheme",
            web::post().to(activities::save_scheme),
        )
        .route("/admin/banks", web::get().to(banks::index))
        .route("/admin/banks/preview", web::post().to(banks::preview))
        .route("/admin/banks/commit", web::post().to(banks::commit))
        .route("/admin/banks/{slug}", web::get().to(banks::browse))
        .app_data(
            web::FormConfig::default()
                .limit(64 * 1024)
                .error_handler(super::extractor_error),
        );
}

async fn home(staff: Option<Staff>) -> Markup {
    views::home::page(staff.as_ref())
}

/// Where a signed-in staff member starts: the unit tree, or for a
/// co-organizing office (viewer) the contests it was given.
async fn admin(staff: Staff) -> HttpResponse {
    if staff.require_writer().is_ok() {
        see_other("/admin/units")
    } else {
        see_other("/admin/contests")
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_string()))
        .finish()
}

pub fn html(m: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(m.into_string())
}
