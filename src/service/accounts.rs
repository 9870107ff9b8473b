use serde::{Deserialize, Serialize};

use crate::auth::hash_password;
use crate::db::{accounts as store, DbConn};
use crate::domain::accounts::{
    check_password, check_role_unit, generate_password, parse_username, Role,
};
use crate::domain::text::clean;
use crate::error::AppError;

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Serialize)]
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
    let username = parse_username(&input.username)?;
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
        .unwrap_or(username.clone());
    let hash = hash_password(&password)?;
    let account = store::create(
        conn,
        &username,
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
