use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{params, Entries};

use crate::auth::{AppState, ParticipantAuth, Staff, PARTICIPANT_DEVICE_COOKIE};
use crate::domain::contest::{ContestInput, RegistrationInput};
use crate::domain::kinds::Given;
use crate::error::AppError;
use crate::service::attempts::{AttemptView, ResultView};
use crate::service::contests::{PublicContest, RoundView, Saved};
use crate::service::participants::Lock;
use crate::service::rankings::{Board, BoardQuery, ItemView, UnitBoard, UnitQuery};
use crate::service::{attempts, contests, participants};
use crate::web::limits::Door;
use crate::web::request::{client_ip, device_token, optional_json, refuse_staff, DEVICE_COOKIE};

/// Tạo hội thi / Create a contest
#[utoipa::path(
    post,
    path = "/contests",
    request_body = ContestInput,
    responses((status = 201, body = Saved)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<ContestInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(contests::create(&state, &staff, body.into_inner()).await?))
}

/// Sửa hội thi / Edit a contest
#[utoipa::path(
    put,
    path = "/contests/{slug}",
    params(params::Slug),
    request_body = ContestInput,
    responses((status = 200, body = Saved)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
    body: web::Json<ContestInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(contests::update(&state, &staff, path.into_inner().slug, body.into_inner()).await?))
}

/// Thông tin công khai của hội thi / Public contest info
#[utoipa::path(
    get,
    path = "/contests/{slug}",
    params(params::Slug),
    responses((status = 200, body = PublicContest))
)]
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<params::Slug>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(contests::public(&state, path.into_inner().slug).await?))
}

/// Đóng vòng thi / Close a round
#[utoipa::path(
    post,
    path = "/contests/{slug}/rounds/{n}/close",
    params(params::Round),
    responses((status = 200, body = RoundView)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn close_round(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(crate::service::rankings::close_round(&state, &staff, slug, n).await?))
}

/// Mở lại vòng đã đóng (quản trị, có lý do) / Reopen a closed round (admin, with a reason)
///
/// For a round closed by mistake or that needs more time: refused once its
/// prizes are published; the new close time must be in the future and
/// before the next round opens. The reason goes to the contest's log; the
/// frozen order is computed again at the next close.
#[utoipa::path(
    post,
    path = "/contests/{slug}/rounds/{n}/reopen",
    params(params::Round),
    request_body = crate::domain::contest::ReopenInput,
    responses((status = 200, body = RoundView)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn reopen_round(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
    body: web::Json<crate::domain::contest::ReopenInput>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let view =
        crate::service::rankings::reopen_round(&state, &staff, slug, n, body.into_inner(), true)
            .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Đăng ký dự thi / Register
#[utoipa::path(
    post,
    path = "/contests/{slug}/participants",
    params(params::Slug, ("X-Device-Token" = Option<String>, Header, description = "Thẻ thiết bị từ lần đăng ký / đăng nhập trước / The device token of an earlier registration or sign-in")),
    request_body = RegistrationInput,
    responses(
        (status = 201, description = "Đã đăng ký / Registered", body = RegisteredOut),
        (status = 200, description = "Đã đăng ký từ trước: đăng nhập lại / Already registered: signed in again", body = RegisteredOut)
    )
)]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<params::Slug>,
    body: web::Json<RegistrationInput>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::Entry)?;
    refuse_staff(&req, &state)?;
    let device = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_string());
    let trust = device_token(&req, PARTICIPANT_DEVICE_COOKIE);
    let r = participants::register(
        &state,
        path.into_inner().slug,
        body.into_inner(),
        device,
        client_ip(&req),
        trust.as_deref(),
    )
    .await?;
    let body = RegisteredOut {
        participant_id: r.participant_id,
        token: r.token,
        device_token: r.device_token,
    };
    Ok(if r.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(body))
}

/// A participant signed in (or registered): the bearer token to use.
#[derive(Serialize, ToSchema)]
pub struct RegisteredOut {
    pub participant_id: String,
    pub token: String,
    /// Keep it and send it back in the `X-Device-Token` header at later
    /// sign-ins: wrong birth dates or codes sent from elsewhere then do not
    /// lock this client out (its own wrong tries still do). Good for a
    /// year; it opens no session.
    pub device_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionToken {
    pub token: String,
    /// As in `RegisteredOut`: send it back in `X-Device-Token`.
    pub device_token: String,
}

/// Where the code went (masked) and how long it is good for (seconds).
#[derive(Serialize, ToSchema)]
pub struct OtpSent {
    pub sent_to: String,
    pub expires_in: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub phone: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub otp: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct OtpRequest {
    pub phone: String,
}

/// Gửi mã OTP qua tin nhắn / Send a one-time code
///
/// Sends a one-time code by SMS (contests that check identity by OTP).
#[utoipa::path(
    post,
    path = "/contests/{slug}/otp",
    params(params::Slug),
    request_body = OtpRequest,
    responses((status = 202, body = OtpSent))
)]
pub async fn request_otp(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<params::Slug>,
    body: web::Json<OtpRequest>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::Otp)?;
    refuse_staff(&req, &state)?;
    let masked =
        crate::service::otp::request(&state, path.into_inner().slug, body.into_inner().phone)
            .await?;
    Ok(HttpResponse::Accepted().json(OtpSent {
        sent_to: masked,
        expires_in: crate::service::otp::CODE_MINUTES * 60,
    }))
}

/// Đăng nhập thí sinh / Participant sign-in
#[utoipa::path(
    post,
    path = "/contests/{slug}/sessions",
    params(params::Slug, ("X-Device-Token" = Option<String>, Header, description = "Thẻ thiết bị từ lần đăng ký / đăng nhập trước / The device token of an earlier registration or sign-in")),
    request_body = SignIn,
    responses((status = 200, body = SessionToken))
)]
pub async fn session(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<params::Slug>,
    body: web::Json<SignIn>,
) -> Result<HttpResponse, AppError> {
    crate::web::limits::check(&req, Door::Entry)?;
    refuse_staff(&req, &state)?;
    let b = body.into_inner();
    let trust = device_token(&req, PARTICIPANT_DEVICE_COOKIE);
    let s = participants::sign_in(
        &state,
        path.into_inner().slug,
        b.phone,
        b.birth_date,
        b.otp,
        trust.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(SessionToken {
        token: s.token,
        device_token: s.device_token,
    }))
}

/// Thí sinh đăng xuất / Participant sign-out
///
/// Signs the participant out: the token stops working on every instance.
#[utoipa::path(
    delete,
    path = "/contests/{slug}/sessions",
    params(params::Slug),
    responses((status = 204, description = "Đã đăng xuất / Signed out")),
    security(("bearer" = []), ("participantCookie" = []))
)]
pub async fn end_session(
    state: web::Data<AppState>,
    path: web::Path<params::Slug>,
    me: ParticipantAuth,
) -> Result<HttpResponse, AppError> {
    same_contest(&me, &path.slug)?;
    participants::sign_out(&state, me.session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct StartBody {
    /// Thi thử (không tính điểm) / A practice paper (not ranked).
    #[serde(default)]
    pub practice: bool,
    /// Tính giờ (chỉ thi thử mới có thể không tính giờ) / Timed (only practice may be untimed).
    #[serde(default = "yes")]
    pub timed: bool,
}

impl Default for StartBody {
    fn default() -> Self {
        StartBody {
            practice: false,
            timed: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// The participant's token must belong to the contest in the URL.
pub fn same_contest(p: &ParticipantAuth, slug: &str) -> Result<(), AppError> {
    if p.contest == slug {
        Ok(())
    } else {
        Err(AppError::Unauthorized("token of another contest"))
    }
}

/// Bắt đầu lượt thi / Start an attempt
#[utoipa::path(
    post,
    path = "/contests/{slug}/attempts",
    params(params::Slug),
    request_body(content = Option<StartBody>, description = "Tùy chọn / Optional"),
    responses((status = 201, body = AttemptView)),
    security(("bearer" = []), ("participantCookie" = []))
)]
pub async fn start(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    path: web::Path<params::Slug>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    same_contest(&p, &path.slug)?;
    let b: StartBody = optional_json(&body)?;
    Ok(HttpResponse::Created().json(attempts::start(&state, p.id, b.practice, b.timed).await?))
}

/// Xem lại bài đang làm / Resume an attempt
#[utoipa::path(
    get,
    path = "/attempts/{id}",
    params(params::Id),
    responses((status = 200, body = AttemptView)),
    security(("bearer" = []), ("participantCookie" = []))
)]
pub async fn attempt(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    path: web::Path<params::Id>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(attempts::get(&state, p.id, path.into_inner().id).await?))
}

/// Lưu một câu trả lời / Save one answer
#[utoipa::path(
    put,
    path = "/attempts/{id}/answers/{position}",
    params(params::AnswerAt),
    request_body(content = Given, description = "`{\"choices\": [\"A\", \"C\"]}` (keys as shown on this paper) or `{\"text\": \"…\"}` (a typed answer, at most 200 characters) / the keys chosen or the text typed"),
    responses((status = 204, description = "Đã lưu / Saved")),
    security(("bearer" = []), ("participantCookie" = []))
)]
pub async fn save_answer(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    path: web::Path<params::AnswerAt>,
    body: web::Json<Given>,
) -> Result<HttpResponse, AppError> {
    let params::AnswerAt { id, position } = path.into_inner();
    attempts::save(&state, p.id, id, position, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default, ToSchema)]
pub struct SubmitBody {
    /// Câu dự đoán (nếu hội thi có) / The prediction, when the contest asks one.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub prediction: Option<i64>,
}

/// Nộp bài / Submit
#[utoipa::path(
    post,
    path = "/attempts/{id}/submit",
    params(params::Id),
    request_body(content = Option<SubmitBody>, description = "Tùy chọn / Optional"),
    responses((status = 200, body = ResultView)),
    security(("bearer" = []), ("participantCookie" = []))
)]
pub async fn submit(
    state: web::Data<AppState>,
    p: ParticipantAuth,
    path: web::Path<params::Id>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let prediction = optional_json::<SubmitBody>(&body)?.prediction;
    Ok(HttpResponse::Ok()
        .json(attempts::submit(&state, p.id, path.into_inner().id, prediction).await?))
}

/// Bảng xếp hạng cá nhân / Person board
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/leaderboard",
    params(params::Round, BoardQuery),
    responses((status = 200, body = Board))
)]
pub async fn leaderboard(
    state: web::Data<AppState>,
    path: web::Path<params::Round>,
    q: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let board =
        crate::service::rankings::leaderboard_cached(&state, slug, n, q.into_inner()).await?;
    Ok(super::cached_json(&board))
}

/// Xếp hạng tập thể / Unit board
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/units",
    params(params::Round, UnitQuery),
    responses((status = 200, body = UnitBoard))
)]
pub async fn unit_board(
    state: web::Data<AppState>,
    path: web::Path<params::Round>,
    q: web::Query<UnitQuery>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let board =
        crate::service::rankings::unit_board_cached(&state, slug, n, q.into_inner()).await?;
    Ok(super::cached_json(&board))
}

/// Phân tích câu hỏi (ban tổ chức) / Item analysis
#[utoipa::path(
    get,
    path = "/contests/{slug}/rounds/{n}/items",
    params(params::Round),
    responses((status = 200, body = Entries<ItemView>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn items(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Round>,
) -> Result<HttpResponse, AppError> {
    let params::Round { slug, n } = path.into_inner();
    let entries = crate::service::rankings::item_analysis(&state, &staff, slug, n).await?;
    Ok(HttpResponse::Ok().json(Entries::from(entries)))
}

/// Số điện thoại bị tạm khóa đăng nhập / Phones locked after failed sign-ins
///
/// Organizers in scope see them.
#[utoipa::path(
    get,
    path = "/contests/{slug}/locks",
    params(params::Slug),
    responses((status = 200, body = Entries<Lock>)),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn locks(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::Slug>,
) -> Result<HttpResponse, AppError> {
    let locks = participants::locks(&state, &staff, path.into_inner().slug).await?;
    Ok(HttpResponse::Ok().json(Entries::from(locks)))
}

/// Mở khóa đăng nhập cho một số điện thoại / Clear a phone's sign-in lock
///
/// The unlock is audited.
#[utoipa::path(
    delete,
    path = "/contests/{slug}/locks/{phone}",
    params(params::LockedPhone),
    responses((status = 204, description = "Đã mở khóa / Unlocked")),
    security(("bearer" = []), ("staffCookie" = []))
)]
pub async fn unlock(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<params::LockedPhone>,
) -> Result<HttpResponse, AppError> {
    let params::LockedPhone { slug, phone } = path.into_inner();
    participants::unlock(&state, &staff, slug, phone).await?;
    Ok(HttpResponse::NoContent().finish())
}
