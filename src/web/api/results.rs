//! Results beyond the boards: overall ranking, live counts, prizes, the
//! duplicate review, exports, and co-organizer access (viewers, share links).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params;

use crate::auth::Staff;
use crate::error::AppError;
use crate::service::access::{self, LinkInput, LinkView, Reader, ViewerInput};
use crate::service::exports::{self, Export, Format};
use crate::service::prizes::{self, PlanInput, Prizes};
use crate::service::rankings::{self, Board, BoardQuery, Live, OverallBoard, UnitBoard, UnitQuery};
use crate::service::review::{self, DecisionInput, Review};
use crate::service::state::AppState;
use crate::service::surveys::{self, SurveyResults};

/// Bảng xếp hạng chung các vòng / Overall ranking
#[utoipa::path(
    get,
    path = "/contests/{slug}/leaderboard",
    params(params::Slug, BoardQuery),
    responses((status = 200, body = OverallBoard))
)]
pub async fn overall(
    state: web::Data<AppState>,
    path: web::Path<params::Slug>,
    q: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(rankings::overall(&state, path.into_inner().slug, q.into_inner()).await?))
}

/// Số người đang thi / đã nộp / Live counts
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/live",
    params(params::Round),
    responses((status = 200, body = Live))
)]
pub async fn live(
    state: web::Data<AppState>,
    path: web::Path<params::Round>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let live = rankings::live(&state, slug, n).await?;
    let mut resp = super::cached_json(&live);
    resp.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// Danh sách giải (đã công bố, kèm SHA-256) / Prize list
///
/// Staff see what their access allows (organizers: the proposal too);
/// anyone else sees the published list, masked.
///
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/prizes",
    params(params::Round),
    responses((status = 200, body = Prizes))
)]
pub async fn prizes(
    state: web::Data<AppState>,
    staff: Option<Staff>,
    path: web::Path<params::Round>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let list = match staff {
        Some(s) => match prizes::for_reader(&state, Reader::Staff(s), slug.clone(), n).await {
            Err(AppError::Forbidden) => prizes::public(&state, slug, n).await?,
            other => other?,
        },
        None => prizes::public(&state, slug, n).await?,
    };
    Ok(HttpResponse::Ok().json(list))
}

/// Cơ cấu giải và hạn mức theo đối tượng / Prize tiers and quotas
#[utoipa::path(
    put,
    path = "/contests/{slug}/rounds/{n}/prizes/plan",
    params(params::Round),
    request_body = PlanInput,
    responses((status = 200, body = Prizes)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn set_plan(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
    body: web::Json<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    Ok(
        HttpResponse::Ok()
            .json(prizes::set_plan(&state, &staff, slug, n, body.into_inner()).await?),
    )
}

/// Công bố danh sách giải / Publish the prize list
#[utoipa::path(
    post,
    path = "/contests/{slug}/rounds/{n}/prizes/publish",
    params(params::Round),
    responses((status = 200, body = Prizes)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn publish(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    Ok(HttpResponse::Ok().json(prizes::publish(&state, &staff, slug, n).await?))
}

/// Nhóm nghi trùng và quyết định / Duplicate review
#[utoipa::path(
    get,
    path = "/contests/{slug}/review",
    params(params::Slug),
    responses((status = 200, body = Review)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn review(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(review::review(&state, &staff, path.into_inner().slug).await?))
}

/// Quyết định về một nhóm nghi trùng / Record a review decision
#[utoipa::path(
    post,
    path = "/contests/{slug}/review/decisions",
    params(params::Slug),
    request_body = DecisionInput,
    responses((status = 204, description = "Đã ghi quyết định / Recorded")),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
    body: web::Json<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    review::decide(&state, &staff, path.into_inner().slug, body.into_inner()).await?;
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

/// Xuất kết quả, danh sách giải, thống kê đơn vị / Round exports
///
/// `results`, `winners`, `units` or `survey` of a round, as `.csv` or `.xlsx`
/// (organizers: full; co-organizing viewers: masked).
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/export/{file}",
    params(params::RoundFile, UnitQuery),
    responses((status = 200, description = "Tệp tải về / A download", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ))),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn round_export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::RoundFile>,
    q: web::Query<UnitQuery>,
) -> Result<HttpResponse, AppError> {
    let params::RoundFile { slug, n, file } = path.into_inner();
    let (what, format) = split_file(&file)?;
    let reader = Reader::Staff(staff);
    let label = match what {
        "results" => "ket-qua",
        "winners" => "danh-sach-giai",
        "survey" => "khao-sat",
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
        "survey" => Export::Body(
            exports::survey(&state, reader, slug, n, q.into_inner().parent)
                .await?
                .render(format)?,
        ),
        _ => return Err(AppError::NotFound),
    };
    Ok(download(&name, format, export))
}

/// Kết quả đầy đủ dạng CSV / Full results as CSV
///
/// Kept for clients of the first release.
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/results.csv",
    params(params::Round),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = String)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn results_csv(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let name = format!("ket-qua-{slug}-vong-{n}");
    let export = exports::round_results(&state, Reader::Staff(staff), slug, n, Format::Csv).await?;
    Ok(download(&name, Format::Csv, export))
}

/// Xuất quyết định về trùng lặp / Duplicate decisions export
///
/// `decisions.csv` or `decisions.xlsx` (organizers).
#[utoipa::path(
    get,
    path = "/contests/{slug}/export/{file}",
    params(params::ContestFile),
    responses((status = 200, description = "Tệp tải về / A download", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ))),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn contest_export(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::ContestFile>,
) -> Result<HttpResponse, AppError> {
    let params::ContestFile { slug, file } = path.into_inner();
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

/// Cơ quan phối hợp được xem / Assigned viewers
#[utoipa::path(
    get,
    path = "/contests/{slug}/viewers",
    params(params::Slug),
    responses((status = 200, body = Viewers)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn viewers(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
) -> Result<HttpResponse, AppError> {
    let list = access::viewers(&state, &staff, path.into_inner().slug).await?;
    Ok(HttpResponse::Ok().json(viewer_json(list)))
}

/// The viewers assigned to a contest.
#[derive(Serialize, ToSchema)]
pub struct Viewers {
    pub viewers: Vec<ViewerOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ViewerOut {
    pub username: String,
    pub display_name: String,
}

fn viewer_json(list: Vec<(String, String)>) -> Viewers {
    Viewers {
        viewers: list
            .into_iter()
            .map(|(username, display_name)| ViewerOut {
                username,
                display_name,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Links {
    pub links: Vec<LinkView>,
}

/// What a share link shows: the round's person board and unit board.
#[derive(Serialize, ToSchema)]
pub struct Shared {
    pub board: Board,
    pub units: UnitBoard,
}

/// Thêm tài khoản xem / Assign a viewer
#[utoipa::path(
    post,
    path = "/contests/{slug}/viewers",
    params(params::Slug),
    request_body = ViewerInput,
    responses((status = 200, body = Viewers)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn add_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
    body: web::Json<ViewerInput>,
) -> Result<HttpResponse, AppError> {
    let list =
        access::add_viewer(&state, &staff, path.into_inner().slug, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(viewer_json(list)))
}

/// Bỏ tài khoản xem / Remove a viewer
#[utoipa::path(
    delete,
    path = "/contests/{slug}/viewers/{username}",
    params(params::ViewerOf),
    responses((status = 200, body = Viewers)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn remove_viewer(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::ViewerOf>,
) -> Result<HttpResponse, AppError> {
    let params::ViewerOf { slug, username } = path.into_inner();
    let list = access::remove_viewer(&state, &staff, slug, username).await?;
    Ok(HttpResponse::Ok().json(viewer_json(list)))
}

/// Liên kết chia sẻ / Share links
#[utoipa::path(
    get,
    path = "/contests/{slug}/share-links",
    params(params::Slug),
    responses((status = 200, body = Links)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn links(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
) -> Result<HttpResponse, AppError> {
    let list = access::links(&state, &staff, path.into_inner().slug).await?;
    Ok(HttpResponse::Ok().json(Links { links: list }))
}

/// Tạo liên kết xem kết quả / Create a share link
#[utoipa::path(
    post,
    path = "/contests/{slug}/share-links",
    params(params::Slug),
    request_body = LinkInput,
    responses((status = 201, body = LinkView)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn create_link(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
    body: web::Json<LinkInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(
        access::create_link(&state, &staff, path.into_inner().slug, body.into_inner()).await?,
    ))
}

/// Thu hồi liên kết / Revoke a share link
#[utoipa::path(
    delete,
    path = "/contests/{slug}/share-links/{id}",
    params(params::LinkOf),
    responses((status = 204, description = "Đã thu hồi / Revoked")),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn revoke_link(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::LinkOf>,
) -> Result<HttpResponse, AppError> {
    let params::LinkOf { slug, id } = path.into_inner();
    access::revoke_link(&state, &staff, slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShareBoardQuery {
    /// Vòng thi (mặc định 1) / The round (default 1).
    #[param(minimum = 1, maximum = 52)]
    pub round: Option<i32>,
}

/// Kết quả qua liên kết chia sẻ (che) / Results through a share link
///
/// What a share link opens, as JSON: the contest's round boards and unit
/// statistics, masked (the page `/s/{token}` shows the same).
#[utoipa::path(
    get,
    path = "/share/{token}",
    params(params::Token, ShareBoardQuery),
    responses((status = 200, body = Shared))
)]
pub async fn share(
    state: web::Data<AppState>,
    path: web::Path<params::Token>,
    q: web::Query<ShareBoardQuery>,
) -> Result<HttpResponse, AppError> {
    let n = q.round.unwrap_or(1);
    if !(1..=crate::domain::contest::MAX_ROUNDS as i32).contains(&n) {
        return Err(AppError::NotFound);
    }
    let slug = access::open_link(&state, path.into_inner().token).await?;
    // Read by everyone the link was sent to: from this instance's copies.
    let board = rankings::leaderboard_cached(&state, slug.clone(), n, BoardQuery::default())
        .await?
        .value
        .clone();
    let units = rankings::unit_board_cached(&state, slug, n, UnitQuery::default())
        .await?
        .value
        .clone();
    Ok(HttpResponse::Ok().json(Shared { board, units }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyQuery {
    /// Rows by the units directly below this one (default: the contest's unit).
    pub unit: Option<String>,
}

/// Kết quả khảo sát theo đơn vị / Survey answers per unit
///
/// The first attempt of each person in the round counts; free texts are for
/// organizers only.
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/survey",
    params(params::Round, SurveyQuery),
    responses((status = 200, body = SurveyResults)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn survey(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
    q: web::Query<SurveyQuery>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let r = surveys::results(&state, Reader::Staff(staff), slug, n, q.into_inner().unit).await?;
    Ok(HttpResponse::Ok().json(r))
}
