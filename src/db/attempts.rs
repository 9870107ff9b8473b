//! Attempts, their saved answers, and each person's best result per round.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{answers, attempts, round_results};
use super::{prepared, DbConn};
use crate::domain::kinds::Given;
use crate::domain::paper::{Paper, Score};
use crate::domain::ranking::Standing;
use crate::error::AppError;

pub use crate::domain::paper::AttemptStatus;
/// The stored text of an open attempt, for filters.
pub const OPEN: &str = AttemptStatus::Open.as_str();

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attempts, treat_none_as_default_value = false)]
pub struct Attempt {
    pub id: String,
    pub contest_id: String,
    pub participant_id: String,
    pub round_id: Option<String>,
    pub number: i32,
    pub practice: bool,
    pub bank_version_id: String,
    pub seed: i64,
    pub paper: String,
    pub started_at: NaiveDateTime,
    pub deadline: NaiveDateTime,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AttemptStatus,
    pub finished_at: Option<NaiveDateTime>,
    pub score: Option<i32>,
    pub max_score: i32,
    pub correct: Option<i32>,
    pub total: i32,
    pub duration_ms: Option<i64>,
    pub prediction: Option<i64>,
}

impl Attempt {
    pub fn paper(&self) -> Result<Paper, AppError> {
        super::json::decode("attempts.paper", &self.id, &self.paper)
    }

    pub fn is_open(&self) -> bool {
        self.status == AttemptStatus::Open
    }
}

pub fn insert(conn: &mut DbConn, a: &Attempt) -> Result<(), AppError> {
    // Owned: the status is written through its text (serialize_as).
    diesel::insert_into(attempts::table)
        .values(a.clone())
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Option<Attempt>, AppError> {
    Ok(attempts::table
        .find(id)
        .select(Attempt::as_select())
        .first(conn)
        .optional()?)
}

/// Ranked attempts of a person in a round, oldest first.
pub fn in_round(
    conn: &mut DbConn,
    participant_id: &str,
    round_id: &str,
) -> Result<Vec<Attempt>, AppError> {
    Ok(attempts::table
        .filter(attempts::participant_id.eq(participant_id))
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::practice.eq(false))
        .order(attempts::number.asc())
        .select(Attempt::as_select())
        .load(conn)?)
}

pub fn of_participant(conn: &mut DbConn, participant_id: &str) -> Result<Vec<Attempt>, AppError> {
    Ok(attempts::table
        .filter(attempts::participant_id.eq(participant_id))
        .order(attempts::started_at.desc())
        .select(Attempt::as_select())
        .load(conn)?)
}

/// Saved answers of an attempt: position → what was given (a damaged
/// value is an error naming its row, never a blank answer).
pub fn answers_of(conn: &mut DbConn, attempt_id: &str) -> Result<HashMap<i32, Given>, AppError> {
    let rows: Vec<(i32, String)> = answers::table
        .filter(answers::attempt_id.eq(attempt_id))
        .select((answers::position, answers::given))
        .load(conn)?;
    rows.into_iter()
        .map(|(p, raw)| Ok((p, decode_given(attempt_id, p, &raw)?)))
        .collect()
}

/// Which of `ids` are attempts still open (any number of ids).
///
/// On SQLite each id is one primary-key lookup through the same prepared
/// statement: a variable `IN` list is prepared again for every batch size,
/// and SQLite's planner chose the `(status, deadline)` index for it, i.e. it
/// scanned every open attempt once per answer batch (in the opening minute,
/// thousands of rows for each batch). PostgreSQL gets one `id = ANY($1)`
/// without the status in its filter: with the status there, a planner
/// working from old statistics (autovacuum late or off) took the same index
/// and read every open attempt per batch (~4,000 index entries per scan in
/// a probe); the status is checked here instead.
pub fn still_open(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<std::collections::HashSet<String>, AppError> {
    let mut open = std::collections::HashSet::new();
    match conn {
        DbConn::Sqlite(c) => {
            let mut asked = std::collections::HashSet::new();
            for id in ids {
                if !asked.insert(*id) {
                    continue;
                }
                let status: Option<String> = attempts::table
                    .find(*id)
                    .select(attempts::status)
                    .first(c)
                    .optional()?;
                if status.as_deref() == Some(OPEN) {
                    open.insert((*id).to_string());
                }
            }
        }
        DbConn::Postgres(c) => {
            for chunk in ids.chunks(500) {
                let rows: Vec<(String, String)> = attempts::table
                    .filter(attempts::id.eq_any(chunk))
                    .select((attempts::id, attempts::status))
                    .load(c)?;
                open.extend(
                    rows.into_iter()
                        .filter(|(_, status)| status == OPEN)
                        .map(|(id, _)| id),
                );
            }
        }
    }
    Ok(open)
}

/// One answer of a batch to store.
pub struct NewAnswer<'a> {
    pub attempt_id: &'a str,
    pub position: i32,
    pub given: &'a Given,
    pub at: NaiveDateTime,
}

/// The answer upsert as a statement of its own type. diesel never caches an
/// `insert_into(…).on_conflict(…)` (nor `sql_query`) as a prepared
/// statement, so SQLite parsed and planned every save again (~8 % of the
/// server's CPU in a run of saves) and each PostgreSQL batch size was a new
/// statement. A query type with a static id and fixed text is prepared once
/// per connection and reused.
mod upsert {
    use chrono::NaiveDateTime;
    use diesel::pg::Pg;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sql_types::{Array, Integer, Text, Timestamp};
    use diesel::sqlite::Sqlite;
    use diesel::{PgConnection, QueryResult, RunQueryDsl, SqliteConnection};

    const ON_CONFLICT: &str = " ON CONFLICT (attempt_id, position) DO UPDATE \
         SET given = excluded.given, saved_at = excluded.saved_at";

    /// SQLite: one answer.
    pub struct One<'a> {
        pub attempt_id: &'a str,
        pub position: i32,
        pub given: String,
        pub at: NaiveDateTime,
    }

    impl QueryId for One<'_> {
        type QueryId = One<'static>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<Sqlite> for One<'_> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
            out.push_sql("INSERT INTO answers (attempt_id, position, given, saved_at) VALUES (");
            out.push_bind_param::<Text, _>(&self.attempt_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Integer, _>(&self.position)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&self.given)?;
            out.push_sql(", ");
            out.push_bind_param::<Timestamp, _>(&self.at)?;
            out.push_sql(")");
            out.push_sql(ON_CONFLICT);
            Ok(())
        }
    }

    impl RunQueryDsl<SqliteConnection> for One<'_> {}

    /// PostgreSQL: many answers as four arrays, one row per element.
    pub struct Many<'a> {
        pub attempt_ids: Vec<&'a str>,
        pub positions: Vec<i32>,
        pub given: Vec<String>,
        pub at: Vec<NaiveDateTime>,
    }

    impl QueryId for Many<'_> {
        type QueryId = Many<'static>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<Pg> for Many<'_> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
            out.push_sql(
                "INSERT INTO answers (attempt_id, position, given, saved_at) SELECT * FROM unnest(",
            );
            out.push_bind_param::<Array<Text>, _>(&self.attempt_ids)?;
            out.push_sql("::text[], ");
            out.push_bind_param::<Array<Integer>, _>(&self.positions)?;
            out.push_sql("::int4[], ");
            out.push_bind_param::<Array<Text>, _>(&self.given)?;
            out.push_sql("::text[], ");
            out.push_bind_param::<Array<Timestamp>, _>(&self.at)?;
            out.push_sql("::timestamp[])");
            out.push_sql(ON_CONFLICT);
            Ok(())
        }
    }

    impl RunQueryDsl<PgConnection> for Many<'_> {}
}

/// Stores a batch of answers, in order (a later save of the same question
/// wins). On SQLite (in process) one prepared upsert per answer; on
/// PostgreSQL one prepared upsert of arrays per 1,000 answers instead of a
/// round trip each.
pub fn save_answers(conn: &mut DbConn, batch: &[NewAnswer<'_>]) -> Result<(), AppError> {
    let c = match conn {
        DbConn::Sqlite(c) => {
            for a in batch {
                upsert::One {
                    attempt_id: a.attempt_id,
                    position: a.position,
                    given: super::json::encode("answers.given", a.given)?,
                    at: a.at,
                }
                .execute(c)?;
            }
            return Ok(());
        }
        DbConn::Postgres(c) => c,
    };
    // One row per question: PostgreSQL refuses to update a row twice in
    // one statement, and the last save is the one that counts.
    let mut last: HashMap<(&str, i32), usize> = HashMap::new();
    for (i, a) in batch.iter().enumerate() {
        last.insert((a.attempt_id, a.position), i);
    }
    let mut keep: Vec<usize> = last.into_values().collect();
    keep.sort_unstable();
    for chunk in keep.chunks(1_000) {
        let rows = || chunk.iter().map(|&i| &batch[i]);
        upsert::Many {
            attempt_ids: rows().map(|a| a.attempt_id).collect(),
            positions: rows().map(|a| a.position).collect(),
            given: rows()
                .map(|a| super::json::encode("answers.given", a.given))
                .collect::<Result<_, _>>()?,
            at: rows().map(|a| a.at).collect(),
        }
        .execute(c)?;
    }
    Ok(())
}

/// Marks an open attempt finished with its score. Returns false when it was
/// no longer open (someone else finished it first): it is finished once.
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    status: AttemptStatus,
    at: NaiveDateTime,
    score: &Score,
    duration_ms: i64,
    prediction: Option<i64>,
) -> Result<bool, AppError> {
    let n = prepared::update(
        attempts::table,
        attempts::id.eq(id).and(attempts::status.eq(OPEN)),
        (
            attempts::status.eq(status.as_str()),
            attempts::finished_at.eq(Some(at)),
            attempts::score.eq(Some(score.score)),
            attempts::correct.eq(Some(score.correct)),
            attempts::duration_ms.eq(Some(duration_ms)),
            attempts::prediction.eq(prediction),
        ),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Open attempts whose deadline passed before `before`.
pub fn overdue(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Attempt>, AppError> {
    Ok(attempts::table
        .filter(attempts::status.eq(OPEN))
        .filter(attempts::deadline.lt(before))
        .order(attempts::deadline.asc())
        .limit(limit)
        .select(Attempt::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = round_results, treat_none_as_default_value = false)]
pub struct RoundResult {
    pub round_id: String,
    pub participant_id: String,
    pub attempt_id: String,
    pub unit_id: String,
    pub score: i32,
    pub max_score: i32,
    pub duration_ms: i64,
    pub finished_at: NaiveDateTime,
    pub prediction: Option<i64>,
    pub attempts_used: i32,
    pub final_rank: Option<i64>,
}

/// The round result a person holds now, if any, and whether it counts.
pub fn standing_of(
    conn: &mut DbConn,
    round_id: &str,
    participant_id: &str,
) -> Result<Option<(Standing, i32, bool)>, AppError> {
    use round_results::dsl as rr;
    let row: Option<(i32, i32, i64, NaiveDateTime, bool)> = round_results::table
        .find((round_id, participant_id))
        .select((
            rr::score,
            rr::max_score,
            rr::duration_ms,
            rr::finished_at,
            rr::counted,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(score, max, duration_ms, finished_at, counted)| {
        (
            Standing {
                score,
                duration_ms,
                finished_at,
            },
            max,
            counted,
        )
    }))
}

/// Stores a finished attempt's result: inserts the person's first result of
/// the round, or (`existing`) replaces the held one when the new one beats
/// it — decided by the database in the same statement, so two instances
/// finishing at once cannot both win — and counts the attempt.
pub fn store_result(conn: &mut DbConn, r: &RoundResult, existing: bool) -> Result<(), AppError> {
    use round_results::dsl as rr;
    let first = RoundResult {
        attempts_used: 1,
        ..r.clone()
    };
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(round_results::table)
            .values(&first)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(round_results::table)
            .values(&first)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    if existing {
        let key = rr::round_id
            .eq(&r.round_id)
            .and(rr::participant_id.eq(&r.participant_id));
        // The SQL form of Standing::beats.
        let beaten = rr::score
            .lt(r.score)
            .or(rr::score.eq(r.score).and(rr::duration_ms.gt(r.duration_ms)))
            .or(rr::score
                .eq(r.score)
                .and(rr::duration_ms.eq(r.duration_ms))
                .and(rr::finished_at.gt(r.finished_at)));
        prepared::update(
            round_results::table,
            key.and(beaten),
            (
                rr::attempt_id.eq(&r.attempt_id),
                rr::score.eq(r.score),
                rr::max_score.eq(r.max_score),
                rr::duration_ms.eq(r.duration_ms),
                rr::finished_at.eq(r.finished_at),
                rr::prediction.eq(r.prediction),
            ),
        )
        .execute(conn)?;
        prepared::update(
            round_results::table,
            key,
            rr::attempts_used.eq(rr::attempts_used + 1),
        )
        .execute(conn)?;
    }
    Ok(())
}

pub fn result_of(
    conn: &mut DbConn,
    round_id: &str,
    participant_id: &str,
) -> Result<Option<RoundResult>, AppError> {
    Ok(round_results::table
        .find((round_id, participant_id))
        .select(RoundResult::as_select())
        .first(conn)
        .optional()?)
}

/// Rank so far among best results (without the prediction tie-break).
pub fn provisional_rank(conn: &mut DbConn, r: &RoundResult) -> Result<i64, AppError> {
    use round_results::dsl as rr;
    let ahead: i64 = round_results::table
        .filter(rr::round_id.eq(&r.round_id))
        .filter(rr::counted.eq(true))
        .filter(
            rr::score
                .gt(r.score)
                .or(rr::score.eq(r.score).and(rr::duration_ms.lt(r.duration_ms)))
                .or(rr::score
                    .eq(r.score)
                    .and(rr::duration_ms.eq(r.duration_ms))
                    .and(rr::finished_at.lt(r.finished_at))),
        )
        .count()
        .get_result(conn)?;
    Ok(ahead + 1)
}

pub fn count_results(conn: &mut DbConn, round_id: &str) -> Result<i64, AppError> {
    Ok(round_results::table
        .filter(round_results::round_id.eq(round_id))
        .filter(round_results::counted.eq(true))
        .count()
        .get_result(conn)?)
}

/// Ranked attempts still open in a round (finished when the round is closed).
pub fn open_in_round(conn: &mut DbConn, round_id: &str) -> Result<Vec<Attempt>, AppError> {
    Ok(attempts::table
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::status.eq(OPEN))
        .select(Attempt::as_select())
        .load(conn)?)
}

/// Finished ranked attempts per unit of the participant, for unit boards.
pub fn finished_by_unit(conn: &mut DbConn, round_id: &str) -> Result<Vec<(String, i64)>, AppError> {
    use super::schema::participants;
    Ok(attempts::table
        .inner_join(participants::table)
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::practice.eq(false))
        .filter(attempts::status.ne(OPEN))
        .group_by(participants::unit_id)
        .select((participants::unit_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Finished ranked attempts of a round.
pub fn finished_in_round(conn: &mut DbConn, round_id: &str) -> Result<Vec<Attempt>, AppError> {
    Ok(attempts::table
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::practice.eq(false))
        .filter(attempts::status.ne(OPEN))
        .select(Attempt::as_select())
        .load(conn)?)
}

/// (open, finished) ranked attempts of a round, for the live counter.
pub fn status_counts(conn: &mut DbConn, round_id: &str) -> Result<(i64, i64), AppError> {
    let open: i64 = attempts::table
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::status.eq(OPEN))
        .count()
        .get_result(conn)?;
    let all: i64 = attempts::table
        .filter(attempts::round_id.eq(round_id))
        .count()
        .get_result(conn)?;
    Ok((open, all - open))
}

/// (participant, started at) of a round's ranked attempts, for the per-day chart.
pub fn starts(
    conn: &mut DbConn,
    round_id: &str,
) -> Result<Vec<(String, chrono::NaiveDateTime)>, AppError> {
    Ok(attempts::table
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::practice.eq(false))
        .select((attempts::participant_id, attempts::started_at))
        .load(conn)?)
}

/// Participants whose first attempt of a round (ranked, not practice), on
/// bank version `version_id`, is finished.
pub fn first_finished(
    conn: &mut DbConn,
    round_id: &str,
    version_id: &str,
) -> Result<Vec<String>, AppError> {
    Ok(attempts::table
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::bank_version_id.eq(version_id))
        .filter(attempts::practice.eq(false))
        .filter(attempts::number.eq(1))
        .filter(attempts::status.ne(OPEN))
        .select(attempts::participant_id)
        .load(conn)?)
}

/// The survey answers of a round in one query: what the first attempts on
/// version `version_id` saved after their scored questions (surveys are
/// appended there in the bank's order, so position − total − 1 is the
/// survey question's index among the version's surveys).
/// (participant id, survey index, given).
pub fn survey_answers(
    conn: &mut DbConn,
    round_id: &str,
    version_id: &str,
) -> Result<Vec<(String, usize, Given)>, AppError> {
    let rows: Vec<(String, String, i32, i32, String)> = answers::table
        .inner_join(attempts::table)
        .filter(attempts::round_id.eq(round_id))
        .filter(attempts::bank_version_id.eq(version_id))
        .filter(attempts::practice.eq(false))
        .filter(attempts::number.eq(1))
        .filter(attempts::status.ne(OPEN))
        .filter(answers::position.gt(attempts::total))
        .select((
            attempts::participant_id,
            answers::attempt_id,
            answers::position,
            attempts::total,
            answers::given,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(participant, attempt, position, total, raw)| {
            let given = decode_given(&attempt, position, &raw)?;
            Ok((participant, (position - total - 1).max(0) as usize, given))
        })
        .collect()
}

/// An answer as stored; the row is named only when it is damaged (this runs
/// for every answer read).
fn decode_given(attempt: &str, position: i32, raw: &str) -> Result<Given, AppError> {
    serde_json::from_str(raw).map_err(|source| AppError::Damaged {
        what: format!("answers.given of {attempt}/{position}"),
        source,
    })
}
