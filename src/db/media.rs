//! Stored pictures, named by the SHA-256 of their bytes (`media`). A row is
//! never changed: the same name always means the same bytes.

use diesel::prelude::*;

use super::schema::media;
use super::{now, DbConn};
use crate::error::AppError;

/// One stored picture.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct Media {
    pub sha256: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: Vec<u8>,
}

/// Stores a picture unless one of that name is already there (also when
/// another transaction stores the same picture at the same moment: the
/// conflict is skipped, not an error). Whether this call added the row.
pub fn insert(conn: &mut DbConn, m: &Media) -> Result<bool, AppError> {
    let row = (
        media::sha256.eq(&m.sha256),
        media::content_type.eq(&m.content_type),
        media::width.eq(m.width),
        media::height.eq(m.height),
        media::bytes.eq(&m.bytes),
        media::created_at.eq(now()),
    );
    let added = match conn {
        DbConn::Postgres(c) => diesel::insert_into(media::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(media::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(added > 0)
}

/// The picture of that name, if stored.
pub fn get(conn: &mut DbConn, sha256: &str) -> Result<Option<Media>, AppError> {
    Ok(media::table
        .find(sha256)
        .select(Media::as_select())
        .first(conn)
        .optional()?)
}
