//! Results beyond the boards: overall ranking, live counts, prizes, the
//! duplicate review, exports, and co-organizer access (viewers, share links).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::service::access::{self, LinkInput, Reader, ViewerInput};
use crate::service::exports::{self, Export, Format};
use crate::service::prizes::{self, PlanInput};
use crate::service::rankings::{self, BoardQuery, UnitQuery};
use crate::service::review::{self, DecisionInput};
use crate::service::state::AppState;

pub async fn overall(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(
        HttpResponse::Ok()
            .json(rankings::overall(&state, slug.into_inner(), q.into_inner()).await?),
    )
}

pub async fn live(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(rankings::live(&state, slug, n).await?))
}

/// Staff see what their access allows (organizers: the proposal too);
/// anyone else sees the published list, masked.
pub async fn prizes(
    state: web::Data<AppState>,
    staff: Option<Staff>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    let list = match staff {
        Some(s) => match prizes::for_reader(&state, Reader::Staff(s), slug.clone(), n).await {
            Err(AppError::Forbidden) => prizes::public(&state, slug, n).await?,
            other => other?,
        },
        None => prizes::public(&state, slug, n).await?,
    };
    Ok(HttpResponse::Ok().json(list))
}

pub async fn set_plan(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
    body: web::Json<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(
        HttpResponse::Ok()
            .json(prizes::set_plan(&state, &staff, slug, n, body.into_inner()).await?),
    )
}

pub async fn publish(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    Ok(HttpResponse::Ok().json(prizes::publish(&state, &staff, slug, n).await?))
}

pub async fn review(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(review::review(&state, &staff, slug.into_inner()).await?))
}

pub async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    body: web::Json<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    review::decide(&state, &staff, slug.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends an export as a download.
pub fn download(name: &str, format: Format, export: Export) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    resp.content_type(format.content_type()).insert_header((
        actix_web::http::header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}.{}\"", format.ext()),
    ));
    match export {
        Export::Body(b) => resp.body(b),
        Export::Stream(s) => resp.streaming(s),
    }
}

fn split_file(file: &str) -> Result<(&str, Format), AppError> {
    let (what, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    Ok((what, Format::parse(ext)?))
}

/// `results`, `winners` or `units` of a round, as `.csv` or `.xlsx`.
pub async fn round_export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32, String)>,
    q: web::Query<UnitQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, n, file) = path.into_inner();
    let (what, format) = split_file(&file)?;
    let reader = Reader::Staff(staff);
    let label = match what {
        "results" => "ket-qua",
        "winners" => "danh-sach-giai",
        _ => "thong-ke-don-vi",
    };
    let name = format!("{label}-{slug}-vong-{n}");
    let export = match what {
        "results" => exports::round_results(&state, reader, slug, n, format).await?,
        "winners" => Export::Body(
            exports::winners(&state, reader, slug, n)
                .await?
                .render(format)?,
        ),
        "units" => Export::Body(
            exports::units(&state, reader, slug, n, q.into_inner())
                .await?
                .render(format)?,
        ),
        _ => return Err(AppError::NotFound),
    };
    Ok(download(&name, format, export))
}

/// The round's full results as CSV (kept for clients of the first release).
pub async fn results_csv(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, n) = path.into_inner();
    let name = format!("ket-qua-{slug}-vong-{n}");
    let export = exports::round_results(&state, Reader::Staff(staff), slug, n, Format::Csv).await?;
    Ok(download(&name, Format::Csv, export))
}

/// Contest-level exports: `decisions.csv` / `decisions.xlsx` (organizers).
pub async fn contest_export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, file) = path.into_inner();
    let (what, format) = split_file(&file)?;
    if what != "decisions" {
        return Err(AppError::NotFound);
    }
    let table = exports::decisions(&state, &staff, slug.clone()).await?;
    Ok(download(
        &format!("decisions-{slug}"),
        format,
        Export::Body(table.render(format)?),
    ))
}

pub async fn viewers(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = access::viewers(&state, &staff, slug.into_inner()).await?;
    Ok(HttpResponse::Ok().json(viewer_json(list)))
}

fn viewer_json(list: Vec<(String, String)>) -> serde_json::Value {
    serde_json::json!({
        "viewers": list.into_iter().map(|(u, n)| serde_json::json!({"username": u, "display_name": n})).collect::<Vec<_>>()
    })
}

pub async fn add_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    body: web::Json<ViewerInput>,
) -> Result<HttpResponse, AppError> {
    let list = access::add_viewer(&state, &staff, slug.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(viewer_json(list)))
}

pub async fn remove_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, username) = path.into_inner();
    let list = access::remove_viewer(&state, &staff, slug, username).await?;
    Ok(HttpResponse::Ok().json(viewer_json(list)))
}

pub async fn links(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = access::links(&state, &staff, slug.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "links": list })))
}

pub async fn create_link(
    state: web::Data<AppState>,
    staff: Staff,
    slug: web::Path<String>,
    body: web::Json<LinkInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created()
        .json(access::create_link(&state, &staff, slug.into_inner(), body.into_inner()).await?))
}

pub async fn revoke_link(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    access::revoke_link(&state, &staff, slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ShareBoardQuery {
    pub round: Option<i32>,
}

/// What a share link opens, as JSON: the contest's round boards and unit
/// statistics, masked (the page `/s/{token}` shows the same).
pub async fn share(
    state: web::Data<AppState>,
    token: web::Path<String>,
    q: web::Query<ShareBoardQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = access::open_link(&state, token.into_inner()).await?;
    let n = q.round.unwrap_or(1);
    let board = rankings::leaderboard(&state, slug.clone(), n, BoardQuery::default()).await?;
    let units = rankings::unit_board(&state, slug, n, UnitQuery::default()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "board": board, "units": units })))
}
