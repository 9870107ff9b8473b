//! HTML pages (maud). Plain forms that work without JavaScript.

mod auth;
mod banks;
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
        .route("/admin", web::get().to(admin))
        .route("/admin/units", web::get().to(units::index))
        .route("/admin/units", web::post().to(units::create))
        .route("/admin/units/import", web::post().to(units::import))
        .route("/admin/units/{code}", web::post().to(units::update))
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

async fn admin(_staff: Staff) -> HttpResponse {
    see_other("/admin/units")
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
