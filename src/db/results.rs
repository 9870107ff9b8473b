//! Read models for boards: best results per person with their names and
//! units, ranked pages, and the frozen final order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{participants, round_results, rounds, units};
use super::DbConn;
use crate::domain::contest::Category;
use crate::domain::ranking::Entry;
use crate::domain::units::subtree_range;
use crate::error::AppError;

/// One board row.
#[derive(Debug, Clone, Queryable)]
pub struct BoardRow {
    pub participant_id: String,
    pub score: i32,
    pub max_score: i32,
    pub duration_ms: i64,
    pub finished_at: NaiveDateTime,
    pub prediction: Option<i64>,
    pub attempts_used: i32,
    pub final_rank: Option<i64>,
    pub full_name: String,
    pub phone: String,
    pub unit_code: String,
    pub unit_name: String,
}

macro_rules! board_select {
    () => {
        (
            round_results::participant_id,
            round_results::score,
            round_results::max_score,
            round_results::duration_ms,
            round_results::finished_at,
            round_results::prediction,
            round_results::attempts_used,
            round_results::final_rank,
            participants::full_name,
            participants::phone,
            units::code,
            units::name,
        )
    };
}

/// The board of a round, boxed: counted results with their person and unit.
macro_rules! board_query {
    ($round_id:expr) => {
        round_results::table
            .inner_join(participants::table)
            .inner_join(units::table.on(units::id.eq(round_results::unit_id)))
            .filter(round_results::round_id.eq($round_id))
            .filter(round_results::counted.eq(true))
            .select(board_select!())
            .into_boxed()
    };
}

/// The board order: the final ranks once frozen, else score, time, finish,
/// attempts used, then the person's id (the Vietnamese tie-breaks).
macro_rules! board_order {
    ($q:expr, $finalized:expr) => {
        if $finalized {
            $q.order((
                round_results::final_rank.asc(),
                round_results::participant_id.asc(),
            ))
        } else {
            $q.order((
                round_results::score.desc(),
                round_results::duration_ms.asc(),
                round_results::finished_at.asc(),
                round_results::attempts_used.asc(),
                round_results::participant_id.asc(),
            ))
        }
    };
}

/// A page of the board, in final order when frozen, else provisional order.
/// `scope` limits it to a unit's subtree (by materialized path).
pub fn page(
    conn: &mut DbConn,
    round_id: &str,
    scope: Option<&str>,
    finalized: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<BoardRow>, AppError> {
    let mut q = board_query!(round_id);
    if let Some(path) = scope {
        let (lo, hi) = subtree_range(path);
        q = q.filter(units::path.ge(lo)).filter(units::path.lt(hi));
    }
    q = board_order!(q, finalized);
    Ok(q.limit(limit).offset(offset).load(conn)?)
}

/// The page of the whole board that follows `after` in board order
/// (keyset pagination: each page is one index range, however deep).
pub fn page_after(
    conn: &mut DbConn,
    round_id: &str,
    finalized: bool,
    after: Option<&BoardRow>,
    limit: i64,
) -> Result<Vec<BoardRow>, AppError> {
    use round_results::dsl as rr;
    let mut q = board_query!(round_id);
    if let Some(a) = after {
        let pid = a.participant_id.clone();
        q = if finalized {
            let rank = a.final_rank.unwrap_or(i64::MAX);
            q.filter(
                rr::final_rank
                    .gt(rank)
                    .or(rr::final_rank.eq(rank).and(rr::participant_id.gt(pid))),
            )
        } else {
            let same_score = rr::score.eq(a.score);
            let same_duration = same_score.and(rr::duration_ms.eq(a.duration_ms));
            let same_finish = same_duration.and(rr::finished_at.eq(a.finished_at));
            let same_used = same_finish.and(rr::attempts_used.eq(a.attempts_used));
            q.filter(
                rr::score
                    .lt(a.score)
                    .or(same_score.and(rr::duration_ms.gt(a.duration_ms)))
                    .or(same_duration.and(rr::finished_at.gt(a.finished_at)))
                    .or(same_finish.and(rr::attempts_used.gt(a.attempts_used)))
                    .or(same_used.and(rr::participant_id.gt(pid))),
            )
        };
    }
    q = board_order!(q, finalized);
    Ok(q.limit(limit).load(conn)?)
}

/// How many rows of the (scoped) board rank strictly before `row`.
pub fn ahead_of(
    conn: &mut DbConn,
    round_id: &str,
    scope: Option<&str>,
    finalized: bool,
    row: &BoardRow,
) -> Result<i64, AppError> {
    use round_results::dsl as rr;
    let mut q = round_results::table
        .inner_join(units::table.on(units::id.eq(round_results::unit_id)))
        .filter(rr::round_id.eq(round_id))
        .filter(rr::counted.eq(true))
        .into_boxed();
    if let Some(path) = scope {
        let (lo, hi) = subtree_range(path);
        q = q.filter(units::path.ge(lo)).filter(units::path.lt(hi));
    }
    q = if finalized {
        q.filter(rr::final_rank.lt(row.final_rank.unwrap_or(i64::MAX)))
    } else {
        q.filter(
            rr::score
                .gt(row.score)
                .or(rr::score
                    .eq(row.score)
                    .and(rr::duration_ms.lt(row.duration_ms)))
                .or(rr::score
                    .eq(row.score)
                    .and(rr::duration_ms.eq(row.duration_ms))
                    .and(rr::finished_at.lt(row.finished_at)))
                .or(rr::score
                    .eq(row.score)
                    .and(rr::duration_ms.eq(row.duration_ms))
                    .and(rr::finished_at.eq(row.finished_at))
                    .and(rr::attempts_used.lt(row.attempts_used))),
        )
    };
    Ok(q.count().get_result(conn)?)
}

#[derive(Queryable)]
struct EntryRow {
    participant_id: String,
    score: i32,
    max_score: i32,
    prediction: Option<i64>,
    duration_ms: i64,
    finished_at: NaiveDateTime,
    attempts_used: i32,
}

/// Every best result of a round, for the final ranking.
pub fn entries(conn: &mut DbConn, round_id: &str) -> Result<Vec<Entry>, AppError> {
    let rows: Vec<EntryRow> = round_results::table
        .filter(round_results::round_id.eq(round_id))
        .filter(round_results::counted.eq(true))
        .select((
            round_results::participant_id,
            round_results::score,
            round_results::max_score,
            round_results::prediction,
            round_results::duration_ms,
            round_results::finished_at,
            round_results::attempts_used,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            participant_id: r.participant_id,
            score: r.score,
            max_score: r.max_score,
            prediction: r.prediction,
            duration_ms: r.duration_ms,
            finished_at: r.finished_at,
            attempts_used: r.attempts_used,
        })
        .collect())
}

/// Stores the final order and the actual value; the round is then frozen.
pub fn freeze(
    conn: &mut DbConn,
    round_id: &str,
    ranked: &[(String, i64)],
    actual: i64,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(round_results::table.filter(round_results::round_id.eq(round_id)))
        .set(round_results::final_rank.eq(None::<i64>))
        .execute(conn)?;
    for (participant_id, rank) in ranked {
        diesel::update(round_results::table.find((round_id, participant_id)))
            .set(round_results::final_rank.eq(Some(*rank)))
            .execute(conn)?;
    }
    diesel::update(rounds::table.find(round_id))
        .set((
            rounds::finalized_at.eq(Some(at)),
            rounds::actual.eq(Some(actual)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Per-unit aggregates input: one counted best result.
#[derive(Debug, Clone, Queryable)]
pub struct StatInput {
    pub unit_id: String,
    #[diesel(deserialize_as = String)]
    pub category: Category,
    pub score: i32,
    pub max_score: i32,
}

/// Every counted best result of a round, for the per-unit aggregates.
pub fn for_unit_stats(conn: &mut DbConn, round_id: &str) -> Result<Vec<StatInput>, AppError> {
    Ok(round_results::table
        .inner_join(participants::table)
        .filter(round_results::round_id.eq(round_id))
        .filter(round_results::counted.eq(true))
        .select((
            round_results::unit_id,
            participants::category,
            round_results::score,
            round_results::max_score,
        ))
        .load(conn)?)
}

/// Birth dates (dd/mm/yyyy) and category labels of participants, for exports.
pub fn birth_and_category(
    conn: &mut DbConn,
    ids: Vec<String>,
) -> Result<std::collections::HashMap<String, (String, String)>, AppError> {
    #[derive(Queryable)]
    struct Row {
        id: String,
        birth_date: chrono::NaiveDate,
        #[diesel(deserialize_as = String)]
        category: Category,
    }
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Row> = participants::table
            .filter(participants::id.eq_any(chunk))
            .select((
                participants::id,
                participants::birth_date,
                participants::category,
            ))
            .load(conn)?;
        for r in rows {
            let birth = r.birth_date.format("%d/%m/%Y").to_string();
            out.insert(r.id, (birth, r.category.label().to_string()));
        }
    }
    Ok(out)
}

/// One counted best result with what a unit's activity record needs.
#[derive(Debug, Clone, Queryable)]
pub struct ActivityInput {
    pub unit_id: String,
    #[diesel(deserialize_as = String)]
    pub category: Category,
    pub score: i32,
    pub phone: String,
    pub invited_by_phone: Option<String>,
}

pub fn for_activity(conn: &mut DbConn, round_id: &str) -> Result<Vec<ActivityInput>, AppError> {
    Ok(round_results::table
        .inner_join(participants::table)
        .filter(round_results::round_id.eq(round_id))
        .filter(round_results::counted.eq(true))
        .select((
            round_results::unit_id,
            participants::category,
            round_results::score,
            participants::phone,
            participants::invited_by_phone,
        ))
        .load(conn)?)
}

/// Phones of the contest's registrants who are Youth Union members (the
/// inviters the 1+1 policy counts).
pub fn member_phones(
    conn: &mut DbConn,
    contest_id: &str,
) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(participants::table
        .filter(participants::contest_id.eq(contest_id))
        .filter(participants::category.eq(Category::DoanVien.as_str()))
        .select(participants::phone)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// One person's counted best results summed over a contest's rounds.
#[derive(Debug, Clone)]
pub struct OverallTotal {
    pub participant_id: String,
    pub score: i64,
    pub max_score: i64,
    pub duration_ms: i64,
    pub rounds: i64,
    pub last_finished: NaiveDateTime,
}

/// Totals per person over every round of a contest (optionally a unit subtree).
pub fn overall_totals(
    conn: &mut DbConn,
    contest_id: &str,
    scope: Option<&str>,
) -> Result<Vec<OverallTotal>, AppError> {
    let mut q = round_results::table
        .inner_join(rounds::table.on(rounds::id.eq(round_results::round_id)))
        .inner_join(units::table.on(units::id.eq(round_results::unit_id)))
        .filter(rounds::contest_id.eq(contest_id))
        .filter(round_results::counted.eq(true))
        .select((
            round_results::participant_id,
            round_results::score,
            round_results::max_score,
            round_results::duration_ms,
            round_results::finished_at,
        ))
        .into_boxed();
    if let Some(path) = scope {
        let (lo, hi) = subtree_range(path);
        q = q.filter(units::path.ge(lo)).filter(units::path.lt(hi));
    }
    let rows: Vec<(String, i32, i32, i64, NaiveDateTime)> = q.load(conn)?;
    let mut by: std::collections::HashMap<String, OverallTotal> = std::collections::HashMap::new();
    for (id, score, max, duration, at) in rows {
        let t = by.entry(id.clone()).or_insert(OverallTotal {
            participant_id: id,
            score: 0,
            max_score: 0,
            duration_ms: 0,
            rounds: 0,
            last_finished: at,
        });
        t.score += score as i64;
        t.max_score += max as i64;
        t.duration_ms += duration;
        t.rounds += 1;
        t.last_finished = t.last_finished.max(at);
    }
    Ok(by.into_values().collect())
}

/// What a board shows of a person.
#[derive(Debug, Clone, Queryable)]
pub struct Person {
    pub id: String,
    pub full_name: String,
    pub phone: String,
    pub unit_code: String,
    pub unit_name: String,
}

/// Board facts of participants, by id.
pub fn people(
    conn: &mut DbConn,
    ids: Vec<String>,
) -> Result<std::collections::HashMap<String, Person>, AppError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Person> = participants::table
            .inner_join(units::table)
            .filter(participants::id.eq_any(chunk))
            .select((
                participants::id,
                participants::full_name,
                participants::phone,
                units::code,
                units::name,
            ))
            .load(conn)?;
        for p in rows {
            out.insert(p.id.clone(), p);
        }
    }
    Ok(out)
}
