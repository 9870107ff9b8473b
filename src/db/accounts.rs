//! Staff accounts (admin, organizer, viewer).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::accounts;
use super::{new_id, now, units, DbConn};
use crate::domain::accounts::Role;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub unit_id: Option<String>,
    pub display_name: String,
    pub created_at: NaiveDateTime,
    /// Set when the password was generated or reset: one use, then changed.
    pub must_change_password: bool,
}

impl Account {
    pub fn role(&self) -> Result<Role, AppError> {
        Role::parse(&self.role).map_err(|_| {
            AppError::Internal(format!("account {} has role {:?}", self.id, self.role))
        })
    }
}

pub fn by_username(conn: &mut DbConn, username: &str) -> Result<Option<Account>, AppError> {
    Ok(accounts::table
        .filter(accounts::username.eq(username))
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Option<Account>, AppError> {
    Ok(accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts an account whose password is already hashed.
pub fn create(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    role: Role,
    unit_code: Option<&str>,
    display_name: &str,
    must_change_password: bool,
) -> Result<Account, AppError> {
    let unit_id = match unit_code {
        Some(code) => Some(units::by_code(conn, code).map_err(|e| match e {
            AppError::NotFound => AppError::invalid(
                format!("Không có đơn vị mã {code}."),
                format!("There is no unit with code {code}."),
            ),
            e => e,
        })?),
        None => None,
    };
    if by_username(conn, username)?.is_some() {
        return Err(AppError::conflict(
            format!("Tên đăng nhập {username} đã có người dùng."),
            format!("The username {username} is taken."),
        ));
    }
    let id = new_id();
    diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(&id),
            accounts::username.eq(username),
            accounts::password_hash.eq(password_hash),
            accounts::role.eq(role.as_str()),
            accounts::unit_id.eq(unit_id.map(|u| u.id)),
            accounts::display_name.eq(display_name),
            accounts::created_at.eq(now()),
            accounts::must_change_password.eq(must_change_password),
        ))
        .execute(conn)?;
    by_id(conn, &id)?.ok_or(AppError::NotFound)
}

/// Stores a new password hash; `one_time` marks a password someone else
/// chose (a reset), which must be changed at the first sign-in.
pub fn set_password_hash(
    conn: &mut DbConn,
    id: &str,
    hash: &str,
    one_time: bool,
) -> Result<(), AppError> {
    diesel::update(accounts::table.filter(accounts::id.eq(id)))
        .set((
            accounts::password_hash.eq(hash),
            accounts::must_change_password.eq(one_time),
        ))
        .execute(conn)?;
    Ok(())
}

/// An account with its unit (code, name, path), as the accounts page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub must_change_password: bool,
    pub created_at: NaiveDateTime,
    pub unit: Option<(String, String, String)>,
}

/// Accounts whose unit lies in the subtree at `scope` (every account when
/// `None`), by unit then username.
pub fn listed(conn: &mut DbConn, scope: Option<&str>) -> Result<Vec<Listed>, AppError> {
    use super::schema::units;
    let mut q = accounts::table
        .left_join(units::table)
        .select((
            accounts::id,
            accounts::username,
            accounts::display_name,
            accounts::role,
            accounts::must_change_password,
            accounts::created_at,
            (units::code, units::name, units::path).nullable(),
        ))
        .order((units::path.asc(), accounts::username.asc()))
        .into_boxed();
    if let Some(path) = scope {
        let (lo, hi) = crate::domain::units::subtree_range(path);
        q = q.filter(units::path.ge(lo)).filter(units::path.lt(hi));
    }
    Ok(q.load(conn)?)
}
