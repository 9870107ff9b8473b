//! Participants of a contest (identity: the normalized phone).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::participants;
use super::DbConn;
use crate::domain::contest::Category;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = participants, treat_none_as_default_value = false)]
pub struct Participant {
    pub id: String,
    pub contest_id: String,
    pub phone: String,
    pub full_name: String,
    pub name_folded: String,
    pub birth_date: NaiveDate,
    pub unit_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub category: Category,
    pub cccd_hash: Option<String>,
    pub cccd_last4: Option<String>,
    pub email: Option<String>,
    pub invited_by_phone: Option<String>,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub disqualified_reason: Option<String>,
    pub same_as: Option<String>,
}

pub fn by_phone(
    conn: &mut DbConn,
    contest_id: &str,
    phone: &str,
) -> Result<Option<Participant>, AppError> {
    Ok(participants::table
        .filter(participants::contest_id.eq(contest_id))
        .filter(participants::phone.eq(phone))
        .select(Participant::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Participant, AppError> {
    Ok(participants::table
        .find(id)
        .select(Participant::as_select())
        .first(conn)?)
}

pub fn insert(conn: &mut DbConn, p: &Participant) -> Result<(), AppError> {
    diesel::insert_into(participants::table)
        .values(p.clone())
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConn, contest_id: &str) -> Result<i64, AppError> {
    Ok(participants::table
        .filter(participants::contest_id.eq(contest_id))
        .count()
        .get_result(conn)?)
}

/// Holds the participant's row lock until the transaction ends (PostgreSQL;
/// on SQLite the single writer already serializes writes), so two requests
/// of one person that check-then-insert run one after the other.
pub fn lock(conn: &mut DbConn, id: &str) -> Result<(), AppError> {
    if let DbConn::Postgres(pg) = conn {
        participants::table
            .find(id)
            .select(participants::id)
            .for_update()
            .first::<String>(pg)?;
    }
    Ok(())
}

/// (participant id, unit id) of every participant of a contest.
pub fn units_of(conn: &mut DbConn, contest_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(participants::table
        .filter(participants::contest_id.eq(contest_id))
        .select((participants::id, participants::unit_id))
        .load(conn)?)
}
