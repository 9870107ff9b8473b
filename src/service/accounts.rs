use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::auth::{self, hash_password, AppState, Staff};
use crate::db::{accounts as store, DbConn};
use crate::domain::accounts::{check_password, check_role_unit, generate_password, Role, Username};
use crate::domain::text::clean;
use crate::error::AppError;
use crate::service::{sessions, throttle};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub username: String,
    #[serde(default)]
    pub password: Option<String>,
    pub role: String,
    #[serde(default)]
    pub unit_code: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub unit_code: Option<String>,
    /// Present only when the password was generated: shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// Validates, hashes (argon2) and stores a staff account. Runs on the
/// caller's connection: the CLI directly, handlers inside `web::block`.
pub fn create(conn: &mut DbConn, input: NewAccount) -> Result<Created, AppError> {
    let username = Username::parse(&input.username)?;
    let role = Role::parse(&input.role)?;
    let unit_code = input
        .unit_code
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    check_role_unit(role, unit_code.is_some())?;
    let (password, generated) = match input.password {
        Some(p) => (p, false),
        None => (generate_password(), true),
    };
    check_password(&password)?;
    let display_name = input
        .display_name
        .map(|d| clean(&d))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| username.to_string());
    let hash = hash_password(&password)?;
    let account = store::create(
        conn,
        username.as_str(),
        &hash,
        role,
        unit_code.as_deref(),
        &display_name,
    )?;
    Ok(Created {
        id: account.id,
        username: account.username,
        role,
        unit_code,
        generated_password: generated.then_some(password),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    pub username: Username,
    pub password: String,
}

/// Checks a username and password and opens a session; returns the token
/// and the role. Every try is counted per username (known or not) in the
/// database: a few wrong passwords lock the username for a growing time.
/// Unknown users cost one hash verification too, so timing does not tell.
pub async fn login_with_password(
    state: &AppState,
    login: Login,
) -> Result<(String, Role), AppError> {
    let username = login.username;
    let key = throttle::staff_key(&username);
    let now = state.now();
    let k = key.clone();
    let account = state
        .db
        .write(move |c| {
            throttle::begin_try(c, &k, now, true)?;
            store::by_username(c, username.as_str())
        })
        .await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = login.password;
    let ok = web::block(move || auth::verify_password(&password, &hash)).await?;
    let account = match account {
        Some(a) if ok => a,
        _ => return Err(AppError::Unauthorized("wrong username or password")),
    };
    let role = account.role()?;
    let (id, hours) = (account.id.clone(), state.token_hours);
    let sid = state
        .db
        .write(move |c| {
            throttle::succeeded(c, &key)?;
            sessions::open(c, sessions::STAFF, &id, hours, now)
        })
        .await?;
    let token = state.keys.issue_staff(&account.id, role, hours, &sid)?;
    Ok((token, role))
}

/// Ends this token's session (on every instance at once) and clears the cookie.
pub async fn end_session(
    state: &AppState,
    staff: Option<Staff>,
    everywhere: bool,
) -> Result<(), AppError> {
    if let Some(staff) = staff {
        let now = state.now();
        state
            .db
            .write(move |c| {
                if everywhere {
                    sessions::revoke_all(c, &staff.id, None, now)
                } else {
                    sessions::revoke(c, &staff.session_id, now)
                }
            })
            .await?;
    }
    Ok(())
}

/// Sets a new password (the caller checked the current one and holds
/// `token`, the session just opened for this answer): every other session
/// of the account ends.
pub async fn set_password(
    state: &AppState,
    staff: &Staff,
    token: &str,
    new_password: String,
) -> Result<(), AppError> {
    let hash = web::block(move || hash_password(&new_password)).await??;
    let now = state.now();
    let current = state.keys.verify(token)?.sid.unwrap_or_default();
    let id = staff.id.clone();
    state
        .db
        .write(move |c| {
            store::set_password_hash(c, &id, &hash)?;
            // Every other session ends; the one just opened for this answer stays.
            sessions::revoke_all(c, &id, Some(&current), now)?;
            Ok(())
        })
        .await
}
