//! Prize plans, proposals' inputs and published prize lists.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{participants, prizes, round_results, rounds, units};
use super::DbConn;
use crate::domain::contest::Category;
use crate::domain::prizes::Award;
use crate::error::AppError;

pub fn set_plan(conn: &mut DbConn, round_id: &str, plan_json: &str) -> Result<(), AppError> {
    diesel::update(rounds::table.find(round_id))
        .set(rounds::prize_plan.eq(Some(plan_json)))
        .execute(conn)?;
    Ok(())
}

/// A counted result of a frozen round, as prize allocation sees it.
#[derive(Debug, Clone, Queryable)]
pub struct CandidateRow {
    pub participant_id: String,
    /// The "same person" group, if any.
    pub same_as: Option<String>,
    #[diesel(deserialize_as = String)]
    pub category: Category,
    pub final_rank: Option<i64>,
}

/// Counted results of a frozen round in final order.
pub fn candidates(conn: &mut DbConn, round_id: &str) -> Result<Vec<CandidateRow>, AppError> {
    Ok(round_results::table
        .inner_join(participants::table)
        .filter(round_results::round_id.eq(round_id))
        .filter(round_results::counted.eq(true))
        .filter(participants::disqualified_reason.is_null())
        .order((
            round_results::final_rank.asc(),
            round_results::participant_id.asc(),
        ))
        .select((
            round_results::participant_id,
            participants::same_as,
            participants::category,
            round_results::final_rank,
        ))
        .load(conn)?)
}

/// Persons (participant ids and their groups) holding a published prize in
/// another round of the contest.
pub fn won_elsewhere(
    conn: &mut DbConn,
    contest_id: &str,
    round_id: &str,
) -> Result<HashSet<String>, AppError> {
    let rows: Vec<(String, Option<String>)> = prizes::table
        .inner_join(participants::table)
        .inner_join(rounds::table.on(rounds::id.eq(prizes::round_id)))
        .filter(rounds::contest_id.eq(contest_id))
        .filter(rounds::id.ne(round_id))
        .filter(rounds::prizes_published_at.is_not_null())
        .select((prizes::participant_id, participants::same_as))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, group)| group.unwrap_or(id))
        .collect())
}

/// Stores the list and freezes it with its hash.
pub fn publish(
    conn: &mut DbConn,
    round_id: &str,
    awards: &[Award],
    hash: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(prizes::table.filter(prizes::round_id.eq(round_id))).execute(conn)?;
    for a in awards {
        diesel::insert_into(prizes::table)
            .values((
                prizes::round_id.eq(round_id),
                prizes::participant_id.eq(&a.participant_id),
                prizes::tier.eq(a.tier as i32),
                prizes::tier_name.eq(&a.tier_name),
                prizes::rank.eq(a.rank),
            ))
            .execute(conn)?;
    }
    diesel::update(rounds::table.find(round_id))
        .set((
            rounds::prizes_published_at.eq(Some(at)),
            rounds::prizes_hash.eq(Some(hash)),
        ))
        .execute(conn)?;
    Ok(())
}

/// One winner with what lists and exports show.
#[derive(Debug, Clone, Queryable)]
pub struct WinnerRow {
    pub participant_id: String,
    pub tier: i32,
    pub tier_name: String,
    pub rank: i64,
    pub full_name: String,
    pub phone: String,
    pub birth_date: chrono::NaiveDate,
    #[diesel(deserialize_as = String)]
    pub category: Category,
    pub unit_code: String,
    pub unit_name: String,
    pub score: i32,
    pub max_score: i32,
    pub duration_ms: i64,
}

/// Published winners of a round, in order (tier, then rank).
pub fn winners(conn: &mut DbConn, round_id: &str) -> Result<Vec<WinnerRow>, AppError> {
    let awards: Vec<(String, i32, String, i64)> = prizes::table
        .filter(prizes::round_id.eq(round_id))
        .order((
            prizes::tier.asc(),
            prizes::rank.asc(),
            prizes::participant_id.asc(),
        ))
        .select((
            prizes::participant_id,
            prizes::tier,
            prizes::tier_name,
            prizes::rank,
        ))
        .load(conn)?;
    let mut people: std::collections::HashMap<String, WinnerRow> =
        rows_for(conn, round_id, awards.iter().map(|a| a.0.clone()).collect())?
            .into_iter()
            .map(|r| (r.participant_id.clone(), r))
            .collect();
    Ok(awards
        .into_iter()
        .filter_map(|(id, tier, tier_name, rank)| {
            people.remove(&id).map(|r| WinnerRow {
                tier,
                tier_name,
                rank,
                ..r
            })
        })
        .collect())
}

#[derive(Queryable)]
struct ResultPerson {
    participant_id: String,
    full_name: String,
    phone: String,
    birth_date: chrono::NaiveDate,
    #[diesel(deserialize_as = String)]
    category: Category,
    unit_code: String,
    unit_name: String,
    score: i32,
    max_score: i32,
    duration_ms: i64,
}

/// The rows a proposal would publish, read for the given participants
/// (tier and rank are filled in by the caller).
pub fn rows_for(
    conn: &mut DbConn,
    round_id: &str,
    ids: Vec<String>,
) -> Result<Vec<WinnerRow>, AppError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<ResultPerson> = round_results::table
            .inner_join(participants::table)
            .inner_join(units::table.on(units::id.eq(participants::unit_id)))
            .filter(round_results::round_id.eq(round_id))
            .filter(round_results::participant_id.eq_any(chunk))
            .select((
                round_results::participant_id,
                participants::full_name,
                participants::phone,
                participants::birth_date,
                participants::category,
                units::code,
                units::name,
                round_results::score,
                round_results::max_score,
                round_results::duration_ms,
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| WinnerRow {
            participant_id: r.participant_id,
            tier: 0,
            tier_name: String::new(),
            rank: 0,
            full_name: r.full_name,
            phone: r.phone,
            birth_date: r.birth_date,
            category: r.category,
            unit_code: r.unit_code,
            unit_name: r.unit_name,
            score: r.score,
            max_score: r.max_score,
            duration_ms: r.duration_ms,
        }));
    }
    Ok(out)
}

/// Unit id of each published winner of a round (for unit boards).
pub fn winner_units(conn: &mut DbConn, round_id: &str) -> Result<Vec<String>, AppError> {
    Ok(prizes::table
        .inner_join(participants::table)
        .inner_join(rounds::table.on(rounds::id.eq(prizes::round_id)))
        .filter(prizes::round_id.eq(round_id))
        .filter(rounds::prizes_published_at.is_not_null())
        .select(participants::unit_id)
        .load(conn)?)
}
