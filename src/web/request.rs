//! Request helpers shared by the JSON API and the pages: cookies, the
//! client's address, and the rule that staff accounts do not take part.

use actix_web::cookie::Cookie;
use actix_web::HttpRequest;

use crate::auth::{
    is_staff_request, AppState, COOKIE_NAME, DEVICE_TOKEN_DAYS, DEVICE_TOKEN_HEADER,
};
use crate::error::AppError;

/// Marks a browser across registrations (duplicate review, not identity).
pub const DEVICE_COOKIE: &str = "hoithi_device";

/// Staff accounts cannot take part in contests.
pub fn refuse_staff(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    if is_staff_request(req, &state.keys) {
        return Err(AppError::invalid(
            "Tài khoản ban tổ chức không thể dự thi; hãy đăng xuất trước.",
            "Organizer accounts cannot take part; sign out first.",
        ));
    }
    Ok(())
}

pub fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::web::edge::client_ip(req).map(|ip| ip.to_string())
}

/// The session cookie the login page sets (HttpOnly, SameSite=Lax, Secure over https).
pub fn session_cookie(req: &HttpRequest, state: &AppState, token: String) -> Cookie<'static> {
    let age = actix_web::cookie::time::Duration::hours(state.token_hours);
    crate::web::edge::cookie(req, COOKIE_NAME, token, Some(age))
}

/// The device token a sign-in try comes with (see `domain::throttle`): the
/// `X-Device-Token` header (API clients), else the given cookie (browsers).
/// Unchecked here; `Keys::device` bounds and verifies it.
pub fn device_token(req: &HttpRequest, cookie: &str) -> Option<String> {
    match req.headers().get(DEVICE_TOKEN_HEADER) {
        Some(h) => std::str::from_utf8(h.as_bytes())
            .ok()
            .map(|t| t.trim().to_string()),
        None => req.cookie(cookie).map(|c| c.value().to_string()),
    }
}

/// The cookie that keeps a browser's device token for a year.
pub fn device_token_cookie(
    req: &HttpRequest,
    name: &'static str,
    token: String,
) -> Cookie<'static> {
    let age = actix_web::cookie::time::Duration::days(DEVICE_TOKEN_DAYS);
    crate::web::edge::cookie(req, name, token, Some(age))
}

pub fn clear_cookie(req: &HttpRequest) -> Cookie<'static> {
    crate::web::edge::cookie(req, COOKIE_NAME, String::new(), None)
}

/// A JSON object body that may be left out: no body (zero bytes) or `null`
/// is `T::default()`; anything else must be an object that parses as `T`,
/// or it is a 400 saying why (a broken body, even one of only whitespace,
/// is never taken for "no body").
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    use serde_json::Value;
    let bad = |e: &dyn std::fmt::Display| {
        AppError::invalid(
            format!("Dữ liệu gửi lên không hợp lệ: {e}"),
            format!("Invalid request data: {e}"),
        )
    };
    if body.is_empty() {
        return Ok(T::default());
    }
    match serde_json::from_slice::<Value>(body).map_err(|e| bad(&e))? {
        Value::Null => Ok(T::default()),
        v @ Value::Object(_) => serde_json::from_value(v).map_err(|e| bad(&e)),
        _ => Err(bad(&"expected a JSON object")),
    }
}
