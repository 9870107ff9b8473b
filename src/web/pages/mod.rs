//! HTML pages (maud). Plain forms that work without JavaScript.

mod accounts;
mod activities;
mod admin_contests;
mod auth;
mod banks;
pub mod contest;
mod media;
pub mod results;
mod units;

use actix_web::{web, HttpResponse};
use maud::Markup;

use crate::auth::Staff;
use crate::error::AppError;
use crate::service::state::AppState;
use crate::views;

crate::web::route_table! {
    /// Every page route: registered by `routes`, listed in `ROUTES` (405s).
    get "/" => home,
    get "/login" => auth::login_form,
    post "/login" => auth::login,
    post "/logout" => auth::logout,
    post "/logout-all" => auth::logout_all,
    get "/admin" => admin,
    get "/admin/accounts" => accounts::index,
    post "/admin/accounts" => accounts::create,
    post "/admin/accounts/{username}/reset" => accounts::reset,
    post "/admin/accounts/{username}/unlock" => accounts::unlock,
    get "/admin/password" => accounts::password_form,
    post "/admin/password" => accounts::change_password,
    get "/admin/units" => units::index,
    post "/admin/units" => units::create,
    post "/admin/units/import" => units::import,
    post "/admin/units/{code}" => units::update,
    post "/admin/units/{code}/logo" => units::upload_logo,
    post "/admin/units/{code}/logo/delete" => units::remove_logo,
    get "/u/{code}/logo" => units::logo,
    get "/media/{name}" => media::picture,
    head "/media/{name}" => media::picture,
    get "/c/{slug}" => contest::home,
    post "/c/{slug}/register" => contest::register,
    post "/c/{slug}/signin" => contest::sign_in,
    post "/c/{slug}/otp" => contest::send_code,
    post "/c/{slug}/signout" => contest::sign_out,
    post "/c/{slug}/start" => contest::start,
    get "/c/{slug}/poster" => contest::poster,
    get "/c/{slug}/rules" => contest::rules,
    get "/c/{slug}/board" => contest::board,
    get "/c/{slug}/qr.svg" => contest::qr,
    get "/a/{id}" => contest::paper,
    post "/a/{id}" => contest::save_paper,
    get "/a/{id}/result" => contest::result,
    get "/admin/contests" => admin_contests::list,
    post "/admin/contests" => admin_contests::create,
    get "/admin/contests/new" => admin_contests::new_form,
    get "/admin/contests/{slug}" => admin_contests::detail,
    post "/admin/contests/{slug}" => admin_contests::update,
    get "/admin/contests/{slug}/edit" => admin_contests::edit_form,
    post "/admin/contests/{slug}/locks/{phone}/clear" => admin_contests::unlock,
    post "/admin/contests/{slug}/rounds/{n}/close" => admin_contests::close_round,
    post "/admin/contests/{slug}/rounds/{n}/reopen" => admin_contests::reopen_round,
    get "/admin/contests/{slug}/results" => results::results,
    get "/admin/contests/{slug}/rounds/{n}/print/{what}" => results::print,
    get "/admin/contests/{slug}/review" => results::review_page,
    post "/admin/contests/{slug}/review" => results::decide,
    get "/admin/contests/{slug}/rounds/{n}/prizes" => results::prizes_page,
    post "/admin/contests/{slug}/rounds/{n}/prizes/plan" => results::set_plan,
    post "/admin/contests/{slug}/rounds/{n}/prizes/publish" => results::publish,
    get "/admin/contests/{slug}/access" => results::access_page,
    post "/admin/contests/{slug}/access/viewers" => results::add_viewer,
    post "/admin/contests/{slug}/access/viewers/remove" => results::remove_viewer,
    post "/admin/contests/{slug}/access/viewers/new" => results::create_viewer,
    post "/admin/contests/{slug}/access/links" => results::create_link,
    post "/admin/contests/{slug}/access/links/{id}/revoke" => results::revoke_link,
    get "/s/{token}" => results::shared,
    get "/c/{slug}/prizes" => results::public_prizes,
    get "/admin/units/{code}/activities" => activities::page,
    post "/admin/units/{code}/activities" => activities::create,
    post "/admin/activities/{id}" => activities::update,
    post "/admin/activities/{id}/delete" => activities::delete,
    get "/admin/activity-scheme" => activities::scheme_page,
    post "/admin/activity-scheme" => activities::save_scheme,
    get "/admin/banks" => banks::index,
    post "/admin/banks/preview" => banks::preview,
    post "/admin/banks/uploads/{id}/choose" => banks::choose,
    post "/admin/banks/commit" => banks::commit,
    get "/admin/banks/{slug}" => banks::browse,
    post "/admin/banks/{slug}/sharing" => banks::set_sharing,
}

async fn home(state: web::Data<AppState>, staff: Option<Staff>) -> Result<Markup, AppError> {
    let contests = crate::service::contests::listed(&state).await?;
    Ok(views::home::page(staff.as_ref(), &contests))
}

/// Where a signed-in staff member starts: the unit tree; for an organizer
/// with no contest yet, the contest list with its four first steps; for a
/// co-organizing office (viewer), the contests it was given.
async fn admin(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    if staff.require_writer().is_err() {
        return Ok(see_other("/admin/contests"));
    }
    let none_yet = crate::service::contests::list(&state, &staff)
        .await?
        .is_empty();
    Ok(see_other(if none_yet {
        "/admin/contests"
    } else {
        "/admin/units"
    }))
}

/// The tick an irreversible action's form asks for (`confirm=yes`).
#[derive(serde::Deserialize)]
pub struct Confirm {
    #[serde(default)]
    confirm: String,
}

impl Confirm {
    /// A stray tap (or a form without the tick) changes nothing.
    pub fn required(&self) -> Result<(), AppError> {
        if self.confirm == "yes" {
            Ok(())
        } else {
            Err(AppError::invalid(
                "Hãy đánh dấu ô xác nhận trước khi thực hiện việc này.",
                "Tick the confirmation box first.",
            ))
        }
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
