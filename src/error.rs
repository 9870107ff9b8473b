//! One error type for the whole application, mapped to HTTP exactly once here.
//!
//! Under `/api` the error becomes `{"error": {"code", "message", "message_en", "details"?}}`;
//! elsewhere the page middleware (`web::pages::html_errors`) renders the same
//! error as a Vietnamese HTML page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

/// One problem in an uploaded file or form, located by row/line and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// The uploaded file the problem is in, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based row or line number in the input; 0 when the problem is not tied to one row.
    pub row: usize,
    pub field: String,
    /// Vietnamese message (shown to users first).
    pub message: String,
    pub message_en: String,
}

impl Problem {
    pub fn new(
        row: usize,
        field: &str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Problem {
            file: None,
            row,
            field: field.to_string(),
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("configuration error: {0}")]
    Config(String),
    #[error("invalid input: {en}")]
    InvalidInput { vi: String, en: String },
    #[error("{} problem(s) in the input", .0.len())]
    Validation(Vec<Problem>),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden")]
    Forbidden,
    /// Signed in with a one-time password that must be changed first.
    #[error("the one-time password must be changed first")]
    PasswordChangeRequired,
    /// An unsafe request from another site (or with no origin but a session cookie).
    #[error("cross-site request refused")]
    CrossSite,
    #[error("not found")]
    NotFound,
    /// A known path asked with a method it does not take.
    #[error("method not allowed; allowed: {allow}")]
    MethodNotAllowed { allow: String },
    #[error("conflict: {en}")]
    Conflict { vi: String, en: String },
    #[error("attempt closed")]
    AttemptClosed,
    /// A share link that was revoked or has expired.
    #[error("gone: {en}")]
    Gone { vi: String, en: String },
    /// Too many requests from one address (or one phone asking for codes).
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// Sign-in refused for a while after repeated failures (phone or account).
    #[error("locked after repeated failures; retry after {retry_after} s")]
    Locked { retry_after: u64, staff: bool },
    /// The server is busy with this kind of work (imports); try again soon.
    #[error("busy; retry after {retry_after} s")]
    Busy { retry_after: u64 },
    /// Too many request bodies in flight on this instance.
    #[error("overloaded with unfinished request bodies; retry after {retry_after} s")]
    Overloaded { retry_after: u64 },
    /// A request body that did not arrive within its deadline.
    #[error("the request body arrived too slowly")]
    SlowBody,
    /// A request body larger than any route takes (bytes).
    #[error("request body larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(DieselError),
    /// A stored value that cannot be read back (JSON in a TEXT column).
    #[error("damaged stored data in {what}")]
    Damaged {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::InvalidInput {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn conflict(vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Conflict {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// A short machine-readable code, stable for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Config(_) => "config",
            AppError::InvalidInput { .. } => "invalid_input",
            AppError::Validation(_) => "validation_failed",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::CrossSite => "cross_site",
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::Conflict { .. } => "conflict",
            AppError::AttemptClosed => "attempt_closed",
            AppError::Gone { .. } => "gone",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::Locked { .. } => "locked",
            AppError::Busy { .. } => "busy",
            AppError::Overloaded { .. } => "overloaded",
            AppError::SlowBody => "body_timeout",
            AppError::TooLarge { .. } => "too_large",
            AppError::Unavailable(_) => "unavailable",
            AppError::Database(DieselError::NotFound) => "not_found",
            AppError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _,
            )) => "conflict",
            AppError::Database(_) | AppError::Internal(_) | AppError::Damaged { .. } => "internal",
        }
    }

    /// The message in Vietnamese and in English.
    pub fn messages(&self) -> (String, String) {
        match self {
            AppError::Config(m) => ("Lỗi cấu hình máy chủ.".into(), m.clone()),
            AppError::InvalidInput { vi, en }
            | AppError::Conflict { vi, en }
            | AppError::Gone { vi, en } => (vi.clone(), en.clone()),
            AppError::Validation(p) => (
                format!("Dữ liệu có {} lỗi; chưa có gì được lưu.", p.len()),
                format!("The input has {} problem(s); nothing was saved.", p.len()),
            ),
            AppError::Unauthorized(why) => (
                "Bạn cần đăng nhập lại.".into(),
                format!("Authentication required: {why}."),
            ),
            AppError::Forbidden => (
                "Bạn không có quyền thực hiện thao tác này.".into(),
                "You are not allowed to do this.".into(),
            ),
            AppError::PasswordChangeRequired => (
                "Bạn đang dùng mật khẩu một lần: hãy đặt mật khẩu mới trước (POST /api/v1/auth/password).".into(),
                "You signed in with a one-time password: set a new one first (POST /api/v1/auth/password).".into(),
            ),
            AppError::CrossSite => (
                "Yêu cầu bị từ chối vì không được gửi từ chính trang hoithi (chống giả mạo yêu cầu). Hãy mở lại trang và thử lại.".into(),
                "Refused: the request did not come from this site's own pages (cross-site request forgery protection). Reload the page and try again.".into(),
            ),
            AppError::NotFound | AppError::Database(DieselError::NotFound) => {
                ("Không tìm thấy.".into(), "Not found.".into())
            }
            AppError::MethodNotAllowed { allow } => (
                format!("Địa chỉ này không nhận phương thức đã gửi; chỉ nhận {allow}."),
                format!("This address does not take that method; it takes {allow}."),
            ),
            AppError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _,
            )) => ("Dữ liệu đã tồn tại.".into(), "This already exists.".into()),
            AppError::TooManyRequests { retry_after } => (
                format!(
                    "Bạn thao tác quá nhanh, vui lòng thử lại sau {}.",
                    wait_vi(*retry_after)
                ),
                format!(
                    "Too many requests; please try again in {}.",
                    wait_en(*retry_after)
                ),
            ),
            AppError::Locked {
                retry_after,
                staff: false,
            } => (
                format!(
                    "Số điện thoại này đã nhập sai thông tin xác thực nhiều lần nên tạm bị khóa đăng nhập. Vui lòng thử lại sau {}, hoặc liên hệ ban tổ chức hội thi để được mở khóa.",
                    wait_vi(*retry_after)
                ),
                format!(
                    "Too many failed sign-ins for this phone number; it is locked for {}. Wait, or ask the contest's organizers to unlock it.",
                    wait_en(*retry_after)
                ),
            ),
            AppError::Locked {
                retry_after,
                staff: true,
            } => (
                format!(
                    "Tài khoản tạm bị khóa đăng nhập do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau {}.",
                    wait_vi(*retry_after)
                ),
                format!(
                    "Too many wrong passwords; this account is locked for {}.",
                    wait_en(*retry_after)
                ),
            ),
            AppError::Busy { retry_after } => (
                format!(
                    "Máy chủ đang xử lý nhiều tệp tải lên, vui lòng thử lại sau {}.",
                    wait_vi(*retry_after)
                ),
                format!(
                    "The server is busy with other uploads; please try again in {}.",
                    wait_en(*retry_after)
                ),
            ),
            AppError::Overloaded { retry_after } => (
                format!(
                    "Máy chủ đang nhận quá nhiều dữ liệu cùng lúc, vui lòng thử lại sau {}.",
                    wait_vi(*retry_after)
                ),
                format!(
                    "The server is receiving too much at once; please try again in {}.",
                    wait_en(*retry_after)
                ),
            ),
            AppError::SlowBody => (
                "Dữ liệu gửi lên đến quá chậm nên máy chủ đã ngắt kết nối. Hãy kiểm tra mạng rồi thử lại.".into(),
                "The request body arrived too slowly, so the server closed the connection. Check the network and try again.".into(),
            ),
            AppError::TooLarge { limit } => {
                let (vi, en) = crate::domain::text::size_in_words(*limit);
                (
                    format!("Dữ liệu gửi lên quá lớn (tối đa {vi})."),
                    format!("The request body is too large (at most {en})."),
                )
            }
            AppError::AttemptClosed => (
                "Bài thi đã hết giờ hoặc đã nộp; không thể lưu thêm.".into(),
                "The attempt is over (time is up or it was submitted); nothing more can be saved."
                    .into(),
            ),
            AppError::Unavailable(_) => (
                "Hệ thống đang bận hoặc không kết nối được cơ sở dữ liệu, vui lòng thử lại sau."
                    .into(),
                "The database is unavailable; please try again shortly.".into(),
            ),
            AppError::Database(_) | AppError::Internal(_) | AppError::Damaged { .. } => (
                "Có lỗi ngoài ý muốn ở máy chủ.".into(),
                "Unexpected server error.".into(),
            ),
        }
    }

    /// Seconds a client should wait before trying again, when that is known.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after }
            | AppError::Locked { retry_after, .. }
            | AppError::Busy { retry_after }
            | AppError::Overloaded { retry_after } => Some((*retry_after).max(1)),
            AppError::Unavailable(_) => Some(3),
            _ => None,
        }
    }

    pub fn problems(&self) -> &[Problem] {
        match self {
            AppError::Validation(p) => p,
            _ => &[],
        }
    }
}

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> Self {
        if let Some(why) = database_fault(&e) {
            return AppError::Unavailable(why);
        }
        match e {
            DieselError::NotFound => AppError::NotFound,
            other => AppError::Database(other),
        }
    }
}

/// When a database error says "the database is not usable right now" rather
/// than "this request is wrong", the reason to report (the request may be
/// tried again: 503); `None` for every other error.
pub fn database_fault(e: &DieselError) -> Option<String> {
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::SerializationFailure
            | DatabaseErrorKind::ReadOnlyTransaction,
            info,
        ) => Some(info.message().to_string()),
        DieselError::DatabaseError(_, info) => {
            crate::domain::faults::is_fault(info.message()).then(|| info.message().to_string())
        }
        DieselError::BrokenTransactionManager => {
            Some("the connection's transaction state is broken".into())
        }
        DieselError::RollbackErrorOnCommit { commit_error, .. } => database_fault(commit_error),
        _ => None,
    }
}

impl From<crate::domain::Invalid> for AppError {
    fn from(e: crate::domain::Invalid) -> Self {
        AppError::InvalidInput { vi: e.vi, en: e.en }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::Internal("blocking task was cancelled".into())
    }
}

/// "15 phút", "2 giờ", "40 giây": a wait in words.
fn wait_vi(secs: u64) -> String {
    match secs {
        0..=59 => format!("{} giây", secs.max(1)),
        60..=5399 => format!("{} phút", secs.div_ceil(60)),
        _ => format!("{} giờ", secs.div_ceil(3600)),
    }
}

fn wait_en(secs: u64) -> String {
    match secs {
        0..=59 => format!("{} seconds", secs.max(1)),
        60..=5399 => format!("{} minutes", secs.div_ceil(60)),
        _ => format!("{} hours", secs.div_ceil(3600)),
    }
}

/// Every API error: `{"error": {"code", "message", "message_en", "details"?}}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorDetail<'a> {
    /// A stable, machine-readable code (`not_found`, `validation`, …).
    code: &'static str,
    /// Tiếng Việt / Vietnamese.
    message: String,
    message_en: String,
    /// Every problem of an invalid file or form, at its row and field.
    #[serde(skip_serializing_if = "<[Problem]>::is_empty")]
    #[schema(nullable = false)]
    details: &'a [Problem],
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::InvalidInput { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::TooManyRequests { .. } | AppError::Locked { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Busy { .. } | AppError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Forbidden | AppError::CrossSite | AppError::PasswordChangeRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound | AppError::Database(DieselError::NotFound) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. }
            | AppError::AttemptClosed
            | AppError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _,
            )) => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Gone { .. } => StatusCode::GONE,
            AppError::Config(_)
            | AppError::Database(_)
            | AppError::Internal(_)
            | AppError::Damaged { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The whole chain, once: "damaged stored data in …: expected value at line 1".
            let mut chain = self.to_string();
            let mut cause = std::error::Error::source(self);
            while let Some(c) = cause {
                chain.push_str(": ");
                chain.push_str(&c.to_string());
                cause = c.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
        let (message, message_en) = self.messages();
        let mut resp = HttpResponse::build(status);
        if let Some(secs) = self.retry_after() {
            resp.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            resp.insert_header((actix_web::http::header::ALLOW, allow.clone()));
        }
        resp.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                message_en,
                details: self.problems(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_errors_map_to_the_documented_statuses() {
        assert_eq!(
            AppError::from(DieselError::NotFound).status_code(),
            StatusCode::NOT_FOUND
        );
        let unique = DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("dup".to_string()),
        );
        assert_eq!(AppError::from(unique).status_code(), StatusCode::CONFLICT);
        assert_eq!(
            AppError::Unavailable("x".into()).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            AppError::from(DieselError::RollbackTransaction).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn database_faults_are_503_and_mistakes_are_not() {
        let fault = |kind, msg: &str| DieselError::DatabaseError(kind, Box::new(msg.to_string()));
        for e in [
            fault(
                DatabaseErrorKind::ClosedConnection,
                "no connection to the server",
            ),
            fault(DatabaseErrorKind::Unknown, "database or disk is full"),
            fault(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            fault(DatabaseErrorKind::ReadOnlyTransaction, "read-only"),
            DieselError::BrokenTransactionManager,
            DieselError::RollbackErrorOnCommit {
                rollback_error: Box::new(DieselError::BrokenTransactionManager),
                commit_error: Box::new(fault(DatabaseErrorKind::Unknown, "disk I/O error")),
            },
        ] {
            let app = AppError::from(e);
            assert_eq!(app.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{app}");
            assert!(app.retry_after().is_some());
        }
        let bug = AppError::from(fault(DatabaseErrorKind::Unknown, "no such column: x"));
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn validation_errors_carry_every_problem() {
        let e = AppError::Validation(vec![Problem::new(3, "code", "Trùng mã", "Duplicate code")]);
        assert_eq!(e.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.problems().len(), 1);
        assert!(e.messages().0.contains("1 lỗi"));
    }
}
