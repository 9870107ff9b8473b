//! Co-organizer access: viewer accounts assigned to contests, and share links.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{accounts, contest_viewers, contests, share_links};
use super::DbConn;
use crate::error::AppError;

pub fn is_viewer_of(
    conn: &mut DbConn,
    contest_id: &str,
    account_id: &str,
) -> Result<bool, AppError> {
    Ok(contest_viewers::table
        .find((contest_id, account_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Assigns a viewer; assigning twice is not an error.
pub fn add_viewer(
    conn: &mut DbConn,
    contest_id: &str,
    account_id: &str,
    added_by: &str,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    if is_viewer_of(conn, contest_id, account_id)? {
        return Ok(false);
    }
    diesel::insert_into(contest_viewers::table)
        .values((
            contest_viewers::contest_id.eq(contest_id),
            contest_viewers::account_id.eq(account_id),
            contest_viewers::added_by.eq(added_by),
            contest_viewers::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn remove_viewer(
    conn: &mut DbConn,
    contest_id: &str,
    account_id: &str,
) -> Result<bool, AppError> {
    Ok(diesel::delete(contest_viewers::table.find((contest_id, account_id))).execute(conn)? > 0)
}

/// (username, display name) of a contest's viewers.
pub fn viewers(conn: &mut DbConn, contest_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(contest_viewers::table
        .inner_join(accounts::table.on(accounts::id.eq(contest_viewers::account_id)))
        .filter(contest_viewers::contest_id.eq(contest_id))
        .order(accounts::username.asc())
        .select((accounts::username, accounts::display_name))
        .load(conn)?)
}

/// Slugs of the contests a viewer is assigned to.
pub fn contests_of_viewer(conn: &mut DbConn, account_id: &str) -> Result<Vec<String>, AppError> {
    Ok(contest_viewers::table
        .inner_join(contests::table.on(contests::id.eq(contest_viewers::contest_id)))
        .filter(contest_viewers::account_id.eq(account_id))
        .select(contests::slug)
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = share_links)]
pub struct ShareLink {
    pub id: String,
    pub contest_id: String,
    pub label: String,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_link(conn: &mut DbConn, l: &ShareLink) -> Result<(), AppError> {
    diesel::insert_into(share_links::table)
        .values(l)
        .execute(conn)?;
    Ok(())
}

pub fn link(conn: &mut DbConn, id: &str) -> Result<Option<ShareLink>, AppError> {
    Ok(share_links::table
        .find(id)
        .select(ShareLink::as_select())
        .first(conn)
        .optional()?)
}

pub fn links_of(conn: &mut DbConn, contest_id: &str) -> Result<Vec<ShareLink>, AppError> {
    Ok(share_links::table
        .filter(share_links::contest_id.eq(contest_id))
        .order(share_links::created_at.desc())
        .select(ShareLink::as_select())
        .load(conn)?)
}

pub fn revoke(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(
        share_links::table
            .find(id)
            .filter(share_links::revoked_at.is_null()),
    )
    .set(share_links::revoked_at.eq(Some(at)))
    .execute(conn)?;
    Ok(())
}
