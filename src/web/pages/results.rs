//! Result pages: dashboards, duplicate review, prizes, co-organizer access,
//! share links and the public prize list.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::{AppState, Staff};
use crate::domain::accounts::Username;
use crate::error::{AppError, Problem};
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

/// A round's results, winners or unit statistics as a document to print
/// and sign (the same readers and masking as the exports).
pub async fn print(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32, String)>,
) -> Result<HttpResponse, AppError> {
    use crate::service::exports;
    let (slug, n, what) = path.into_inner();
    let reader = Reader::Staff(staff.clone());
    let (table, more) = match what.as_str() {
        "results" => {
            let (t, more) = exports::results_for_print(&state, reader, slug.clone(), n).await?;
            (t, more.then_some(exports::PRINT_ROWS))
        }
        "winners" => (
            exports::winners(&state, reader, slug.clone(), n).await?,
            None,
        ),
        "units" => (
            exports::units(&state, reader, slug.clone(), n, Default::default()).await?,
            None,
        ),
        _ => return Err(AppError::NotFound),
    };
    let back = format!("/admin/contests/{slug}/results?round={n}");
    Ok(html(crate::views::print::document(
        &staff, &table, more, &back,
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
    let extra = view::AccessExtra::default();
    Ok(html(view::access(
        &staff,
        &slug,
        &o,
        msg(q.msg.as_deref()),
        extra,
    )))
}

/// The access page again after a refused viewer, with the problem beside
/// the field; when no account has the name, it offers to create one.
async fn access_again(
    state: &AppState,
    staff: &Staff,
    slug: &str,
    typed: &str,
    problems: &[Problem],
) -> Result<HttpResponse, AppError> {
    let o = access::overview(state, staff, slug.to_string()).await?;
    let unknown = !crate::service::accounts::exists(state, Username::from(typed)).await?;
    let units = if unknown && staff.require_writer().is_ok() {
        Some(crate::service::units::list(&state.db, staff, None).await?)
    } else {
        None
    };
    let extra = view::AccessExtra {
        problems,
        typed,
        offer: units.as_deref(),
        shown: None,
    };
    let mut resp = html(view::access(staff, slug, &o, None, extra));
    *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

pub async fn add_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<ViewerInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let typed = form.username.to_string();
    match access::add_viewer(&state, &staff, slug.clone(), form.into_inner()).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/contests/{slug}/access?msg=viewer"
        ))),
        Err(AppError::Validation(problems)) => {
            access_again(&state, &staff, &slug, &typed, &problems).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct NewViewer {
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    unit_code: String,
}

/// Creates the viewer account offered on the access page and adds it to
/// the contest; its one-time password is shown once.
pub async fn create_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    form: web::Form<NewViewer>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let form = form.into_inner();
    // The contest must be the caller's before an account is made for it.
    access::overview(&state, &staff, slug.clone()).await?;
    let input = crate::service::accounts::NewAccount {
        username: form.username.clone(),
        password: None,
        role: "viewer".into(),
        unit_code: Some(form.unit_code),
        display_name: Some(form.display_name),
    };
    let created = match crate::service::accounts::create_by(&state, &staff, input).await {
        Ok(c) => c,
        Err(AppError::Validation(problems)) => {
            return access_again(&state, &staff, &slug, &form.username, &problems).await
        }
        Err(e) => return Err(e),
    };
    let viewer = ViewerInput {
        username: Username::from(created.username.as_str()),
    };
    access::add_viewer(&state, &staff, slug.clone(), viewer).await?;
    let o = access::overview(&state, &staff, slug.clone()).await?;
    let password = created.generated_password.unwrap_or_default();
    let extra = view::AccessExtra {
        shown: Some(crate::views::accounts::Shown {
            username: &created.username,
            password: &password,
            reset: false,
        }),
        ..view::AccessExtra::default()
    };
    Ok(html(view::access(&staff, &slug, &o, None, extra)))
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
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let round = q.round.unwrap_or(1);
    match prizes::public(&state, slug.clone(), round).await {
        Ok(p) => {
            let origin = crate::web::edge::site_origin(&req);
            Ok(html(view::public_prizes(&origin, &slug, &p)))
        }
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
