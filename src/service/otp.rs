//! One-time codes by SMS for contests that check identity that way. The
//! sender is pluggable: a logging sender for development, and an HTTP
//! webhook sender for a real SMS gateway (`HOITHI_OTP_WEBHOOK_URL`).

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use rand::Rng;

use crate::db::contests as contest_store;
use crate::db::otp as store;
use crate::db::{in_transaction, DbConn};
use crate::domain::identity::{keyed_hash, mask_phone, Phone};
use crate::error::AppError;
use crate::service::state::AppState;

pub const CODE_MINUTES: i64 = 5;
pub const RESEND_SECONDS: i64 = 60;
pub const MAX_TRIES: i32 = 5;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'a>>;

pub trait OtpSender: Send + Sync {
    fn send<'a>(&'a self, phone: &'a str, message: &'a str) -> SendFuture<'a>;
}

/// Development sender: writes the message to the log.
pub struct LogSender;

impl OtpSender for LogSender {
    fn send<'a>(&'a self, phone: &'a str, message: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::warn!(phone = %mask_phone(phone), %message, "OTP (logging sender; set HOITHI_OTP_WEBHOOK_URL for real SMS)");
            Ok(())
        })
    }
}

/// POSTs `{"phone": "...", "message": "..."}` to the gateway's webhook, with
/// an optional bearer token.
pub struct WebhookSender {
    pub url: String,
    pub token: Option<String>,
    pub client: reqwest::Client,
}

impl OtpSender for WebhookSender {
    fn send<'a>(&'a self, phone: &'a str, message: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let mut req = self
                .client
                .post(&self.url)
                .json(&serde_json::json!({ "phone": phone, "message": message }));
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            match req.send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(AppError::Unavailable(format!(
                    "SMS webhook answered {}",
                    r.status()
                ))),
                Err(e) => Err(AppError::Unavailable(format!(
                    "SMS webhook unreachable: {e}"
                ))),
            }
        })
    }
}

fn hash(state: &AppState, contest_id: &str, phone: &str, code: &str) -> String {
    keyed_hash(&state.pepper, &format!("{contest_id}:{phone}:{code}"))
}

/// Sends a new code to `phone` for the contest (at most one a minute).
pub async fn request(
    state: &AppState,
    slug: String,
    raw_phone: String,
) -> Result<String, AppError> {
    let phone: String = Phone::parse(&raw_phone)
        .ok_or_else(|| AppError::invalid("Số điện thoại không hợp lệ.", "Invalid phone number."))?
        .into();
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let now = state.now();
    let st = state.clone();
    let budget = state.otp_hourly_budget;
    let (p, c) = (phone.clone(), code.clone());
    let title = state
        .db
        .write(move |conn| {
            let contest = contest_store::by_slug(conn, &slug)?;
            if !contest.uses_otp() {
                return Err(AppError::invalid(
                    "Hội thi này không dùng mã OTP.",
                    "This contest does not use one-time codes.",
                ));
            }
            let last = store::last_sent(conn, &contest.id, &p)?;
            if let Some(t) = last.filter(|t| now - *t < Duration::seconds(RESEND_SECONDS)) {
                let waited = (now - t).num_seconds();
                return Err(AppError::TooManyRequests {
                    retry_after: (RESEND_SECONDS - waited).max(1) as u64,
                });
            }
            // The contest's hourly budget caps the SMS bill a script can run up.
            let sent_last_hour = store::sent_since(conn, &contest.id, now - Duration::hours(1))?;
            if sent_last_hour >= budget as i64 {
                tracing::warn!(contest = %contest.slug, budget, "hourly one-time code budget reached");
                return Err(AppError::TooManyRequests { retry_after: 600 });
            }
            let code_hash = hash(&st, &contest.id, &p, &c);
            let expires_at = now + Duration::minutes(CODE_MINUTES);
            store::insert(conn, &contest.id, &p, &code_hash, expires_at, now)?;
            Ok(contest.title)
        })
        .await?;
    let message = format!(
        "Ma xac thuc {title}: {code} (hieu luc {CODE_MINUTES} phut). Khong chia se ma nay."
    );
    state.otp.send(&phone, &message).await?;
    Ok(mask_phone(&phone))
}

/// Checks a code in its own transaction (so a wrong try is counted even when
/// the caller then fails). A right code is used up.
pub fn verify(
    conn: &mut DbConn,
    state: &AppState,
    contest_id: &str,
    phone: &Phone,
    code: &str,
) -> Result<bool, AppError> {
    let now = state.now();
    in_transaction(conn, |c| {
        let latest = store::latest_open(c, contest_id, phone.as_str(), now)?;
        let Some((id, expected, tries)) = latest else {
            return Ok(false);
        };
        if tries >= MAX_TRIES {
            return Ok(false);
        }
        let ok = expected == hash(state, contest_id, phone.as_str(), code.trim());
        store::record_try(c, &id, tries + 1, ok)?;
        Ok(ok)
    })
}

pub fn wrong_code() -> AppError {
    AppError::Unauthorized("wrong or expired one-time code")
}
