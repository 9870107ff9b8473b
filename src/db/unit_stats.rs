//! Per-unit figures of each round (participants, members among them, total
//! score, perfect scores, finished attempts), changed by deltas in the same
//! transaction that finishes an attempt, and rebuilt from the results when
//! a review decision changes which results count.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{unit_round_stats, units};
use super::{prepared, DbConn};
use crate::domain::contest::Category;
use crate::domain::units::subtree_range;
use crate::error::AppError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = unit_round_stats, treat_none_as_default_value = false)]
pub struct UnitStat {
    pub round_id: String,
    pub unit_id: String,
    pub participants: i32,
    pub member_participants: i32,
    pub total_score: i64,
    pub perfect: i32,
    pub attempts: i32,
}

/// A person's counted best result as the figures see it: (score, max score).
pub type Best = Option<(i32, i32)>;

fn perfect((score, max): (i32, i32)) -> i32 {
    i32::from(max > 0 && score == max)
}

/// Applies one finished attempt: the person's counted best result before and
/// after it (None when not counted), and one more finished attempt.
pub fn apply(
    conn: &mut DbConn,
    round_id: &str,
    unit_id: &str,
    category: Category,
    before: Best,
    after: Best,
) -> Result<(), AppError> {
    let member = i32::from(category.is_member());
    let count = |b: Best| i32::from(b.is_some());
    let d_people = count(after) - count(before);
    let d_score = after.map(|b| b.0 as i64).unwrap_or(0) - before.map(|b| b.0 as i64).unwrap_or(0);
    let d_perfect = after.map(perfect).unwrap_or(0) - before.map(perfect).unwrap_or(0);
    let row = UnitStat {
        round_id: round_id.to_string(),
        unit_id: unit_id.to_string(),
        ..UnitStat::default()
    };
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(unit_round_stats::table)
            .values(&row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(unit_round_stats::table)
            .values(&row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    use unit_round_stats::dsl as s;
    prepared::update(
        unit_round_stats::table,
        s::round_id.eq(round_id).and(s::unit_id.eq(unit_id)),
        (
            s::participants.eq(s::participants + d_people),
            s::member_participants.eq(s::member_participants + d_people * member),
            s::total_score.eq(s::total_score + d_score),
            s::perfect.eq(s::perfect + d_perfect),
            s::attempts.eq(s::attempts + 1),
        ),
    )
    .execute(conn)?;
    Ok(())
}

/// Recomputes a round's figures from its counted results and finished attempts.
pub fn rebuild(conn: &mut DbConn, round_id: &str) -> Result<(), AppError> {
    let mut by: HashMap<String, UnitStat> = HashMap::new();
    let new = |unit: &str| UnitStat {
        round_id: round_id.to_string(),
        unit_id: unit.to_string(),
        ..UnitStat::default()
    };
    for r in super::results::for_unit_stats(conn, round_id)? {
        let e = by
            .entry(r.unit_id.clone())
            .or_insert_with(|| new(&r.unit_id));
        e.participants += 1;
        e.member_participants += i32::from(r.category.is_member());
        e.total_score += r.score as i64;
        e.perfect += perfect((r.score, r.max_score));
    }
    for (unit, n) in super::attempts::finished_by_unit(conn, round_id)? {
        by.entry(unit.clone())
            .or_insert_with(|| new(&unit))
            .attempts = n as i32;
    }
    diesel::delete(unit_round_stats::table.filter(unit_round_stats::round_id.eq(round_id)))
        .execute(conn)?;
    for r in by.values() {
        diesel::insert_into(unit_round_stats::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(())
}

/// The figures of a round's units (all of them; callers roll them up).
pub fn for_round(conn: &mut DbConn, round_id: &str) -> Result<Vec<UnitStat>, AppError> {
    Ok(unit_round_stats::table
        .filter(unit_round_stats::round_id.eq(round_id))
        .select((
            unit_round_stats::round_id,
            unit_round_stats::unit_id,
            unit_round_stats::participants,
            unit_round_stats::member_participants,
            unit_round_stats::total_score,
            unit_round_stats::perfect,
            unit_round_stats::attempts,
        ))
        .load(conn)?)
}

/// People with a counted result in a round (within a subtree), from the figures.
pub fn participants(
    conn: &mut DbConn,
    round_id: &str,
    scope: Option<&str>,
) -> Result<i64, AppError> {
    let mut q = unit_round_stats::table
        .inner_join(units::table.on(units::id.eq(unit_round_stats::unit_id)))
        .filter(unit_round_stats::round_id.eq(round_id))
        .select(unit_round_stats::participants)
        .into_boxed();
    if let Some(path) = scope {
        let (lo, hi) = subtree_range(path);
        q = q.filter(units::path.ge(lo)).filter(units::path.lt(hi));
    }
    Ok(q.load::<i32>(conn)?.into_iter().map(i64::from).sum())
}
