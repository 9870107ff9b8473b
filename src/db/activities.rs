//! Each unit's ledger of activity records.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::activities;
use super::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true)]
pub struct Activity {
    pub id: String,
    pub unit_id: String,
    pub kind: String,
    pub date: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub member_participants: i32,
    pub rate: Option<f64>,
    pub average_score: Option<f64>,
    pub winners: i32,
    pub invited_youth: i32,
    pub co_organizers: String,
    pub notes: String,
    pub evidence_url: String,
    pub contest_id: Option<String>,
    pub round_id: Option<String>,
    pub recorded_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Writes a round's record for a unit: the same row is updated when the
/// round is closed again or recomputed, never duplicated.
/// Returns true when a row was inserted.
pub fn upsert_round_record(conn: &mut DbConn, a: &Activity) -> Result<bool, AppError> {
    let round_id = a.round_id.clone().unwrap_or_default();
    let existing: Option<(String, NaiveDateTime)> = activities::table
        .filter(activities::round_id.eq(&round_id))
        .filter(activities::unit_id.eq(&a.unit_id))
        .select((activities::id, activities::created_at))
        .first(conn)
        .optional()?;
    match existing {
        Some((id, created_at)) => {
            let row = Activity {
                id: id.clone(),
                created_at,
                ..a.clone()
            };
            diesel::update(activities::table.find(&id))
                .set(&row)
                .execute(conn)?;
            Ok(false)
        }
        None => {
            diesel::insert_into(activities::table)
                .values(a)
                .execute(conn)?;
            Ok(true)
        }
    }
}

pub fn insert(conn: &mut DbConn, a: &Activity) -> Result<(), AppError> {
    diesel::insert_into(activities::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, a: &Activity) -> Result<(), AppError> {
    diesel::update(activities::table.find(&a.id))
        .set(a)
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> Result<(), AppError> {
    diesel::delete(activities::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Option<Activity>, AppError> {
    Ok(activities::table
        .find(id)
        .select(Activity::as_select())
        .first(conn)
        .optional()?)
}

/// Records of the given units within [from, to), optionally of one kind,
/// newest first.
pub fn of_units(
    conn: &mut DbConn,
    unit_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
    kind: Option<&str>,
) -> Result<Vec<Activity>, AppError> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(500) {
        let mut q = activities::table
            .filter(activities::unit_id.eq_any(chunk))
            .filter(activities::date.ge(from))
            .filter(activities::date.lt(to))
            .select(Activity::as_select())
            .into_boxed();
        if let Some(k) = kind {
            q = q.filter(activities::kind.eq(k.to_string()));
        }
        out.extend(q.load(conn)?);
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.title.cmp(&b.title)));
    Ok(out)
}
