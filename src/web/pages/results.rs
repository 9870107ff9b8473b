//! Result pages: dashboards, duplicate review, prizes, co-organizer access,
//! share links and the public prize list.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::{AppState, Staff};
use crate::error::AppError;
use crate::service::access::{self, LinkInput, Reader, ViewerInput};
use crate::service::review::{self, DecisionInput};
use crate::service::{dashboard, prizes};
use crate::views::results as view;
use crate::views::Flash;

#[derive(Deserialize)]
pub struct RoundQuery {
    round: Option<i32>,
    msg: Option<String>,
}

pub async fn results(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let d =
        dashboard::dashboard(&state, Reader::Staff(staff.clone()), slug.clone(), q.round).await?;
    Ok(html(view::dashboard(
        Some(&staff),
        &d,
        &format!("/admin/contests/{slug}/results"),
    )))
}

/// A share link: no account, masked, read-only; a revoked or expired link
/// gets the error page saying so (410).
pub async fn shared(
    state: web::Data<AppState>,
    token: web::Path<String>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let slug = access::open_link(&state, token.clone()).await?;
    let reader = Reader::Link {
        contest_slug: slug.clone(),
    };
    let d = dashboard::dashboard(&state, reader, slug, q.round).await?;
    Ok(html(view::dashboard(None, &d, &format!("/s/{token}"))))
}

fn msg(m: Option<&str>) -> Option<Flash> {
    match m {
        Some("decided") => Some(Flash::Ok("Đã ghi quyết định.".into())),
        Some("plan") => Some(Flash::Ok("Đã lưu cơ cấu giải.".into())),
        Some("published") => Some(Flash::Ok("Đã công bố danh sách giải.".into())),
        Some("viewer") => Some(Flash::Ok("Đã cập nhật quyền xem.".into())),
        Some("link") => Some(Flash::Ok("Đã tạo liên kết chia sẻ.".into())),
        Some("revoked") => Some(Flash::Ok("Đã thu hồi liên kết.".into())),
        _ => None,
    }
}

pub async fn review_page(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let r = review::review(&state, &staff, slug.clone()).await?;
    Ok(html(view::review(&staff, &slug, &r, msg(q.msg.as_deref()))))
}

pub async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    review::decide(&state, &staff, slug.clone(), form.into_inner()).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/review?msg=decided"
    )))
}

pub async fn prizes_page(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    staff.require_writer()?;
    let p = prizes::for_reader(&state, Reader::Staff(staff.clone()), slug.clone(), n).await?;
    Ok(html(view::prizes_admin(
        &staff,
        &slug,
        &p,
        msg(q.msg.as_deref()),
    )))
}

pub async fn set_plan(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    form: web::Form<prizes::PlanInput>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    prizes::set_plan(&state, &staff, slug.clone(), n, form.into_inner()).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/rounds/{n}/prizes?msg=plan"
    )))
}

pub async fn publish(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    form: web::Form<super::Confirm>,
) -> Result<HttpResponse, AppError> {
    form.required()?;
    let (slug, n) = path.into_inner();
    prizes::publish(&state, &staff, slug.clone(), n).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/rounds/{n}/prizes?msg=published"
    )))
}

pub async fn access_page(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let o = access::overview(&state, &staff, slug.clone()).await?;
    Ok(html(view::access(&staff, &slug, &o, msg(q.msg.as_deref()))))
}

pub async fn add_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<ViewerInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    access::add_viewer(&state, &staff, slug.clone(), form.into_inner()).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/access?msg=viewer"
    )))
}

pub async fn remove_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<ViewerInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    access::remove_viewer(&state, &staff, slug.clone(), form.into_inner().username).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/access?msg=viewer"
    )))
}

pub async fn create_link(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<LinkInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    access::create_link(&state, &staff, slug.clone(), form.into_inner()).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/access?msg=link"
    )))
}

pub async fn revoke_link(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    access::revoke_link(&state, &staff, slug.clone(), id).await?;
    Ok(see_other(&format!(
        "/admin/contests/{slug}/access?msg=revoked"
    )))
}

pub async fn public_prizes(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let round = q.round.unwrap_or(1);
    match prizes::public(&state, slug.clone(), round).await {
        Ok(p) => Ok(html(view::public_prizes(&slug, &p))),
        // Not published yet: say when it will be, for a round that exists.
        Err(AppError::NotFound) => {
            let c = crate::service::contests::public(&state, slug).await?;
            let r = c
                .rounds
                .iter()
                .find(|r| r.number == round)
                .ok_or(AppError::NotFound)?;
            Ok(html(view::prizes_pending(&c, r)))
        }
        Err(e) => Err(e),
    }
}
