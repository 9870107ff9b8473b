//! Authentication: password hashing, JWT issue/verify, and the extractor that
//! turns a request's token into a staff member with a role and a scope.
//!
//! Tokens are HS256 JWTs. The claims carry a `kind` so participant tokens
//! (issued by the contest module) can never pass as staff tokens and vice versa.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use actix_web::{web, FromRequest, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::db::{accounts, units, Db};
use crate::domain::accounts::Role;
use crate::domain::throttle::DeviceClaim;
use crate::domain::units::is_within;
use crate::error::AppError;
use crate::service::state::{Clock, SystemClock};

pub const COOKIE_NAME: &str = "hoithi_token";
/// The participant's own cookie, separate from staff sessions.
pub const PARTICIPANT_COOKIE: &str = "hoithi_participant";
/// Staff browsers keep their device token here (see `domain::throttle`).
pub const STAFF_DEVICE_COOKIE: &str = "hoithi_staff_device";
/// Participants' browsers keep their device token here.
pub const PARTICIPANT_DEVICE_COOKIE: &str = "hoithi_participant_device";
/// API clients send their device token back in this header.
pub const DEVICE_TOKEN_HEADER: &str = "x-device-token";
/// A device token is good for a year.
pub const DEVICE_TOKEN_DAYS: i64 = 365;
/// Participants stay signed in for a whole multi-week contest.
pub const PARTICIPANT_TOKEN_HOURS: i64 = 24 * 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Staff,
    Participant,
    /// A read-only share link to a contest's results.
    Share,
    /// A device token: this client signed in as `sub` (a throttle subject)
    /// before. It only decides which failure counter a sign-in try counts
    /// against; it opens no session and passes no other check.
    Device,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Account id (staff) or participant id.
    pub sub: String,
    pub kind: TokenKind,
    /// Staff role at issue time (the account is re-read on every request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The contest a participant token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contest: Option<String>,
    /// The session this token belongs to (staff and participant tokens);
    /// revoking the session revokes the token. For a device token, the
    /// device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

/// Signing and verification keys made from one shared secret.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Issue and expiry times come from the application's clock, so tests
    /// that move time move tokens with it.
    clock: Arc<dyn Clock>,
    /// Tokens whose signature was checked, with their claims: a phone sends
    /// the same token with every save, and checking it again (HMAC, base64,
    /// two JSON parses) was ~7 µs of each request. Only tokens that passed
    /// go in; expiry is still checked on every use, revocation by the
    /// caller as before. Bounded: emptied when full.
    verified: Arc<Mutex<HashMap<String, Claims>>>,
}

/// Verified tokens kept at most (a few MB).
const VERIFIED_TOKENS: usize = 20_000;

/// Far longer than any token this server issues (200–400 bytes): a longer
/// one is refused before it is hashed, decoded or remembered.
const MAX_TOKEN_BYTES: usize = 2_048;

/// Seconds a token stays valid past its `exp` (clock skew between instances).
const LEEWAY_SECONDS: i64 = 5;

impl Keys {
    /// Keys on the system clock (the CLI and tests).
    pub fn new(secret: &[u8]) -> Keys {
        Keys::with_clock(secret, Arc::new(SystemClock))
    }

    pub fn with_clock(secret: &[u8], clock: Arc<dyn Clock>) -> Keys {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against `clock` in `verify`, not the wall clock.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            clock,
            verified: Arc::default(),
        }
    }

    fn now(&self) -> i64 {
        self.clock.now().and_utc().timestamp()
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, AppError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("cannot sign token: {e}")))
    }

    pub fn issue_staff(
        &self,
        account_id: &str,
        role: Role,
        hours: i64,
        sid: &str,
    ) -> Result<String, AppError> {
        let iat = self.now();
        self.issue(&Claims {
            sub: account_id.to_string(),
            kind: TokenKind::Staff,
            role: Some(role),
            contest: None,
            sid: Some(sid.to_string()),
            iat,
            exp: iat + hours * 3600,
        })
    }

    pub fn issue_participant(
        &self,
        participant_id: &str,
        contest_slug: &str,
        sid: &str,
    ) -> Result<String, AppError> {
        let iat = self.now();
        self.issue(&Claims {
            sub: participant_id.to_string(),
            kind: TokenKind::Participant,
            role: None,
            contest: Some(contest_slug.to_string()),
            sid: Some(sid.to_string()),
            iat,
            exp: iat + PARTICIPANT_TOKEN_HOURS * 3600,
        })
    }

    /// A share link token: the link id, the contest, valid until `exp`.
    pub fn issue_share(
        &self,
        link_id: &str,
        contest_slug: &str,
        exp: i64,
    ) -> Result<String, AppError> {
        self.issue(&Claims {
            sub: link_id.to_string(),
            kind: TokenKind::Share,
            role: None,
            contest: Some(contest_slug.to_string()),
            sid: None,
            iat: self.now(),
            exp,
        })
    }

    /// A device token for a throttle subject (`s:{username}` or
    /// `p:{contest}:{phone}`) and a device id, good for a year.
    pub fn issue_device(&self, subject: &str, device: &str) -> Result<String, AppError> {
        let iat = self.now();
        self.issue(&Claims {
            sub: subject.to_string(),
            kind: TokenKind::Device,
            role: None,
            contest: None,
            sid: Some(device.to_string()),
            iat,
            exp: iat + DEVICE_TOKEN_DAYS * 24 * 3600,
        })
    }

    /// The subject and device of a valid device token; anything else
    /// (forged, expired, oversized, another kind) is `None`: untrusted, no
    /// error.
    pub fn device(&self, token: Option<&str>) -> Option<DeviceClaim> {
        let claims = self.verify(token?).ok()?;
        if claims.kind != TokenKind::Device {
            return None;
        }
        Some(DeviceClaim {
            subject: claims.sub,
            device: claims.sid?,
        })
    }

    /// Verifies signature, algorithm (HS256 only, so `alg: none` fails) and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AppError::Unauthorized("invalid token"));
        }
        let known = self.remembered().get(token).cloned();
        let claims = match known {
            Some(c) => c,
            None => {
                let c = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                    .map(|d| d.claims)
                    .map_err(|_| AppError::Unauthorized("invalid token"))?;
                let mut kept = self.remembered();
                if kept.len() >= VERIFIED_TOKENS {
                    kept.clear();
                }
                kept.insert(token.to_string(), c.clone());
                c
            }
        };
        if claims.exp + LEEWAY_SECONDS < self.now() {
            return Err(AppError::Unauthorized("token expired"));
        }
        Ok(claims)
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<String, Claims>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Generates a random 256-bit secret, hex-encoded.
pub fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("cannot hash password: {e}")))
}

/// Checks a password; a malformed stored hash counts as a mismatch.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fixed hash to verify against when the username does not exist, so a
/// failed login takes the same time either way.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// The raw token of a request: `Authorization: Bearer …` first, then the cookie.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    token_from(req, COOKIE_NAME)
}

fn token_from(req: &HttpRequest, cookie: &str) -> Option<String> {
    if let Some(h) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        // UTF-8 (checked many bytes at a time) rather than `to_str`'s
        // byte-by-byte check: the signature check refuses any other byte.
        let v = std::str::from_utf8(h.as_bytes()).ok()?;
        return v.strip_prefix("Bearer ").map(|t| t.trim().to_string());
    }
    req.cookie(cookie).map(|c| c.value().to_string())
}

/// Does the request carry a valid staff token? Staff accounts cannot take part.
pub fn is_staff_request(req: &HttpRequest, keys: &Keys) -> bool {
    let staff = |t: Option<String>| {
        t.and_then(|t| keys.verify(&t).ok())
            .is_some_and(|c| c.kind == TokenKind::Staff)
    };
    staff(token_from(req, COOKIE_NAME))
        || staff(req.cookie(COOKIE_NAME).map(|c| c.value().to_string()))
}

/// A signed-in participant (from the Bearer token or the participant cookie).
#[derive(Debug, Clone)]
pub struct ParticipantAuth {
    pub id: String,
    pub contest: String,
    pub session_id: String,
}

impl FromRequest for ParticipantAuth {
    type Error = AppError;
    type Future = std::future::Ready<Result<ParticipantAuth, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let result = (|| {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or(AppError::Internal("state missing".into()))?;
            let token = token_from(req, PARTICIPANT_COOKIE)
                .ok_or(AppError::Unauthorized("missing token"))?;
            let claims = state.keys.verify(&token)?;
            if claims.kind != TokenKind::Participant {
                return Err(AppError::Unauthorized("not a participant token"));
            }
            let sid = claims
                .sid
                .ok_or(AppError::Unauthorized("token without a session"))?;
            if state.revoked.contains(&sid) {
                return Err(AppError::Unauthorized("session ended"));
            }
            Ok(ParticipantAuth {
                id: claims.sub,
                contest: claims.contest.unwrap_or_default(),
                session_id: sid,
            })
        })();
        std::future::ready(result)
    }
}

/// The unit an organizer (or a unit-bound viewer) is scoped to.
#[derive(Debug, Clone)]
pub struct Scope {
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub path: String,
}

/// A signed-in staff member, re-read from the database on each request so a
/// deleted account or a changed role takes effect at once.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Option<Scope>,
    /// The session of the token this request came with.
    pub session_id: String,
    /// Signed in with a one-time password (created or reset by someone
    /// else): nothing but changing it is allowed until it is changed.
    pub must_change_password: bool,
}

impl Staff {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// May this account change the unit at `path` (and so its subtree)?
    pub fn can_manage(&self, path: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Organizer => self
                .scope
                .as_ref()
                .is_some_and(|s| is_within(path, &s.path)),
            Role::Viewer => false,
        }
    }

    pub fn require_manage(&self, path: &str) -> Result<(), AppError> {
        if self.can_manage(path) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Organizers and admins write; viewers only read.
    pub fn require_writer(&self) -> Result<(), AppError> {
        if self.role == Role::Viewer {
            Err(AppError::Forbidden)
        } else {
            Ok(())
        }
    }
}

pub use crate::service::state::AppState;

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = token_of(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or(AppError::Internal("auth state missing".into()))?;
            let token = token.ok_or(AppError::Unauthorized("missing token"))?;
            let claims = state.keys.verify(&token)?;
            if claims.kind != TokenKind::Staff {
                return Err(AppError::Unauthorized("not a staff token"));
            }
            let sid = claims
                .sid
                .ok_or(AppError::Unauthorized("token without a session"))?;
            let staff = load_staff(&state.db, claims.sub, sid).await?;
            // Kept on the request so an error page can say who is signed in.
            actix_web::HttpMessage::extensions_mut(&req).insert(staff.clone());
            if staff.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&req.path()) {
                return Err(AppError::PasswordChangeRequired);
            }
            Ok(staff)
        })
    }
}

/// What an account on a one-time password may still reach: changing it,
/// who it is, and signing out.
const PASSWORD_CHANGE_PATHS: &[&str] = &[
    "/admin/password",
    "/logout",
    "/logout-all",
    "/api/v1/auth/password",
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-all",
    "/api/v1/me",
];

/// The account behind a staff token, if its session is still live.
pub async fn load_staff(
    db: &Db,
    account_id: String,
    session_id: String,
) -> Result<Staff, AppError> {
    db.read(move |c| {
        if !crate::service::sessions::is_live(c, &session_id, &account_id)? {
            return Err(AppError::Unauthorized("session ended"));
        }
        let account =
            accounts::by_id(c, &account_id)?.ok_or(AppError::Unauthorized("unknown account"))?;
        let scope = match &account.unit_id {
            Some(id) => {
                let u = units::by_id(c, id)?;
                Some(Scope {
                    unit_id: u.id,
                    unit_code: u.code,
                    unit_name: u.name,
                    path: u.path,
                })
            }
            None => None,
        };
        Ok(Staff {
            role: account.role()?,
            id: account.id,
            username: account.username,
            display_name: account.display_name,
            scope,
            session_id,
            must_change_password: account.must_change_password,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "a".into(),
            kind: TokenKind::Staff,
            role: Some(Role::Admin),
            contest: None,
            sid: Some("s".into()),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn a_token_round_trips_with_its_claims() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let c = claims(60);
        assert_eq!(keys.verify(&keys.issue(&c).unwrap()).unwrap(), c);
    }

    #[test]
    fn expired_wrongly_signed_and_unsigned_tokens_are_refused() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let other = Keys::new(b"another secret another secret 00");
        assert!(keys.verify(&keys.issue(&claims(-3600)).unwrap()).is_err());
        assert!(keys.verify(&other.issue(&claims(60)).unwrap()).is_err());
        // alg: none with no signature
        let body = keys.issue(&claims(60)).unwrap();
        let payload = body.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys.verify(&none).is_err());
        assert!(keys.verify("garbage").is_err());
    }

    #[test]
    fn a_remembered_token_still_expires_and_an_altered_one_is_checked_again() {
        use crate::service::state::ManualClock;
        let clock = Arc::new(ManualClock::new(chrono::Utc::now().naive_utc()));
        let keys = Keys::with_clock(b"0123456789abcdef0123456789abcdef", clock.clone());
        let token = keys.issue(&claims(60)).unwrap();
        assert!(keys.verify(&token).is_ok());
        assert!(
            keys.remembered().contains_key(&token),
            "a checked token is kept"
        );
        assert!(
            keys.verify(&token).is_ok(),
            "the second use is served from memory"
        );
        // Same claims, broken signature: not the remembered string, so checked.
        let at = token.len() - 5;
        let was = &token[at..at + 1];
        let altered = format!(
            "{}{}{}",
            &token[..at],
            if was == "A" { "B" } else { "A" },
            &token[at + 1..]
        );
        assert!(keys.verify(&altered).is_err());
        assert!(
            !keys.remembered().contains_key(&altered),
            "a refused token is not kept"
        );
        clock.advance(chrono::Duration::seconds(60 + LEEWAY_SECONDS + 1));
        assert!(keys.verify(&token).is_err(), "memory never outlives exp");
    }

    #[test]
    fn an_oversized_token_is_refused_even_when_signed() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let mut big = claims(60);
        big.sub = "x".repeat(MAX_TOKEN_BYTES);
        let token = keys.issue(&big).unwrap();
        assert!(token.len() > MAX_TOKEN_BYTES);
        assert!(keys.verify(&token).is_err());
        assert!(keys.remembered().is_empty());
        // A token of the usual size still passes.
        assert!(keys.verify(&keys.issue(&claims(60)).unwrap()).is_ok());
    }

    #[test]
    fn a_device_token_names_its_subject_and_device_and_nothing_else_passes() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let other = Keys::new(b"another secret another secret 00");
        let t = keys.issue_device("s:admin", "dev-1").unwrap();
        assert_eq!(
            keys.device(Some(&t)),
            Some(DeviceClaim {
                subject: "s:admin".into(),
                device: "dev-1".into()
            })
        );
        // Forged, another kind, garbage, oversized: untrusted.
        assert_eq!(
            keys.device(Some(&other.issue_device("s:admin", "d").unwrap())),
            None
        );
        assert_eq!(keys.device(Some(&keys.issue(&claims(60)).unwrap())), None);
        assert_eq!(keys.device(Some("garbage")), None);
        assert_eq!(keys.device(Some(&"a".repeat(MAX_TOKEN_BYTES + 1))), None);
        assert_eq!(keys.device(None), None);
        // And a device token is no session: its kind is its own.
        assert_eq!(keys.verify(&t).unwrap().kind, TokenKind::Device);
    }

    #[test]
    fn a_device_token_expires_after_a_year() {
        use crate::service::state::ManualClock;
        let clock = Arc::new(ManualClock::new(chrono::Utc::now().naive_utc()));
        let keys = Keys::with_clock(b"0123456789abcdef0123456789abcdef", clock.clone());
        let t = keys.issue_device("s:a", "d").unwrap();
        clock.advance(chrono::Duration::days(DEVICE_TOKEN_DAYS - 1));
        assert!(keys.device(Some(&t)).is_some());
        clock.advance(chrono::Duration::days(2));
        assert!(keys.device(Some(&t)).is_none());
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn organizers_manage_only_their_subtree_and_viewers_nothing() {
        let scope = Scope {
            unit_id: "x".into(),
            unit_code: "X".into(),
            unit_name: "X".into(),
            path: "/r/x/".into(),
        };
        let org = Staff {
            id: "1".into(),
            username: "o".into(),
            display_name: "O".into(),
            role: Role::Organizer,
            scope: Some(scope.clone()),
            session_id: "s".into(),
            must_change_password: false,
        };
        assert!(org.can_manage("/r/x/"));
        assert!(org.can_manage("/r/x/y/"));
        assert!(!org.can_manage("/r/"));
        assert!(!org.can_manage("/r/z/"));
        let viewer = Staff {
            role: Role::Viewer,
            ..org.clone()
        };
        assert!(!viewer.can_manage("/r/x/"));
        assert!(viewer.require_writer().is_err());
    }
}
