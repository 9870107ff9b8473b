//! Contests and their rounds.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{contests, rounds};
use super::{new_id, now, DbConn};
use crate::domain::contest::RoundStatus;
use crate::domain::contest::{ContestSettings, IdentityCheck, Prediction, PredictionTarget};
use crate::domain::paper::Cell;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contests)]
pub struct Contest {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub unit_id: String,
    pub eligible_unit_id: String,
    pub co_organizers: String,
    pub bank_version_id: String,
    pub blueprint: String,
    pub minutes: i32,
    pub attempts_per_round: i32,
    pub grace_seconds: i32,
    pub prediction_prompt: Option<String>,
    pub prediction_target: Option<String>,
    pub age_min: i32,
    pub age_max: i32,
    pub show_answers_after_close: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Phone + birth date, or phone + SMS code.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub identity_check: IdentityCheck,
    /// "Thể lệ": plain text with paragraphs and lists.
    pub rules: String,
}

impl Contest {
    pub fn uses_otp(&self) -> bool {
        self.identity_check == IdentityCheck::Otp
    }

    pub fn blueprint(&self) -> Result<Vec<Cell>, AppError> {
        super::json::decode("contests.blueprint", &self.id, &self.blueprint)
    }

    pub fn co_organizers(&self) -> Result<Vec<String>, AppError> {
        super::json::decode("contests.co_organizers", &self.id, &self.co_organizers)
    }

    pub fn prediction(&self) -> Option<Prediction> {
        let target = match self.prediction_target.as_deref() {
            Some("participants") => PredictionTarget::Participants,
            _ => PredictionTarget::Perfect,
        };
        self.prediction_prompt
            .clone()
            .map(|prompt| Prediction { prompt, target })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = rounds)]
pub struct Round {
    #[serde(skip)]
    pub id: String,
    #[serde(skip)]
    pub contest_id: String,
    pub number: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub finalized_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub actual: Option<i64>,
    #[serde(skip)]
    pub prize_plan: Option<String>,
    #[serde(skip)]
    pub prizes_published_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub prizes_hash: Option<String>,
}

impl Round {
    /// When the round really ends: its close time, or earlier if closed by hand.
    pub fn end(&self) -> NaiveDateTime {
        match self.closed_at {
            Some(c) if c < self.closes_at => c,
            _ => self.closes_at,
        }
    }

    pub fn status(&self, now: NaiveDateTime) -> RoundStatus {
        if now >= self.end() {
            RoundStatus::Closed
        } else if now >= self.opens_at {
            RoundStatus::Open
        } else {
            RoundStatus::Upcoming
        }
    }
}

pub fn by_slug(conn: &mut DbConn, slug: &str) -> Result<Contest, AppError> {
    Ok(contests::table
        .filter(contests::slug.eq(slug))
        .select(Contest::as_select())
        .first(conn)?)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Contest, AppError> {
    Ok(contests::table
        .find(id)
        .select(Contest::as_select())
        .first(conn)?)
}

pub fn all(conn: &mut DbConn) -> Result<Vec<Contest>, AppError> {
    Ok(contests::table
        .order(contests::created_at.desc())
        .select(Contest::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(contests::table.count().get_result(conn)?)
}

pub fn rounds_of(conn: &mut DbConn, contest_id: &str) -> Result<Vec<Round>, AppError> {
    Ok(rounds::table
        .filter(rounds::contest_id.eq(contest_id))
        .order(rounds::number.asc())
        .select(Round::as_select())
        .load(conn)?)
}

/// Every round of every contest, with its contest (one query).
pub fn all_rounds(conn: &mut DbConn) -> Result<Vec<(Contest, Round)>, AppError> {
    Ok(rounds::table
        .inner_join(contests::table)
        .order((contests::slug.asc(), rounds::number.asc()))
        .select((Contest::as_select(), Round::as_select()))
        .load(conn)?)
}

/// Every round whose prize list was published, with its contest, in order.
pub fn published_rounds(conn: &mut DbConn) -> Result<Vec<(Contest, Round)>, AppError> {
    Ok(rounds::table
        .inner_join(contests::table)
        .filter(rounds::prizes_published_at.is_not_null())
        .order((contests::slug.asc(), rounds::number.asc()))
        .select((Contest::as_select(), Round::as_select()))
        .load(conn)?)
}

/// The contest's round that is open at `now`, if any.
pub fn open_round(
    conn: &mut DbConn,
    contest_id: &str,
    now: NaiveDateTime,
) -> Result<Option<Round>, AppError> {
    Ok(rounds_of(conn, contest_id)?
        .into_iter()
        .find(|r| r.status(now) == crate::db::contests::RoundStatus::Open))
}

/// Everything a contest row needs besides the checked settings.
pub struct Links<'a> {
    pub unit_id: &'a str,
    pub eligible_unit_id: &'a str,
    pub bank_version_id: &'a str,
    pub blueprint: &'a [Cell],
}

fn row(
    id: String,
    s: &ContestSettings,
    l: &Links,
    created_at: NaiveDateTime,
) -> Result<Contest, AppError> {
    Ok(Contest {
        id,
        slug: s.slug.clone(),
        title: s.title.clone(),
        description: s.description.clone(),
        unit_id: l.unit_id.to_string(),
        eligible_unit_id: l.eligible_unit_id.to_string(),
        co_organizers: super::json::encode("contests.co_organizers", &s.co_organizers)?,
        bank_version_id: l.bank_version_id.to_string(),
        blueprint: super::json::encode("contests.blueprint", &l.blueprint)?,
        minutes: s.minutes,
        attempts_per_round: s.attempts_per_round,
        grace_seconds: s.grace_seconds,
        prediction_prompt: s.prediction.as_ref().map(|p| p.prompt.clone()),
        prediction_target: s.prediction.as_ref().map(|p| match p.target {
            PredictionTarget::Perfect => "perfect".to_string(),
            PredictionTarget::Participants => "participants".to_string(),
        }),
        age_min: s.age_min,
        age_max: s.age_max,
        show_answers_after_close: s.show_answers_after_close,
        created_at,
        updated_at: now(),
        identity_check: if s.otp {
            IdentityCheck::Otp
        } else {
            IdentityCheck::BirthDate
        },
        rules: s.rules.clone(),
    })
}

pub fn create(conn: &mut DbConn, s: &ContestSettings, l: &Links) -> Result<Contest, AppError> {
    if contests::table
        .filter(contests::slug.eq(&s.slug))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(AppError::conflict(
            format!("Mã hội thi {} đã được dùng.", s.slug),
            format!("The contest slug {} is taken.", s.slug),
        ));
    }
    let contest = row(new_id(), s, l, now())?;
    diesel::insert_into(contests::table)
        .values(contest.clone())
        .execute(conn)?;
    replace_rounds(conn, &contest.id, &s.rounds)?;
    Ok(contest)
}

/// Updates settings; rounds are matched by number (existing rounds keep their ids,
/// so attempts stay attached); extra old rounds without attempts are removed.
pub fn update(
    conn: &mut DbConn,
    existing: &Contest,
    s: &ContestSettings,
    l: &Links,
) -> Result<Contest, AppError> {
    let mut contest = row(existing.id.clone(), s, l, existing.created_at)?;
    contest.slug = existing.slug.clone();
    diesel::update(contests::table.find(&existing.id))
        .set(contest.clone())
        .execute(conn)?;
    replace_rounds(conn, &existing.id, &s.rounds)?;
    Ok(contest)
}

fn replace_rounds(
    conn: &mut DbConn,
    contest_id: &str,
    times: &[(NaiveDateTime, NaiveDateTime)],
) -> Result<(), AppError> {
    let old = rounds_of(conn, contest_id)?;
    for (i, (opens, closes)) in times.iter().enumerate() {
        let number = i as i32 + 1;
        match old.iter().find(|r| r.number == number) {
            Some(r) => {
                diesel::update(rounds::table.find(&r.id))
                    .set((rounds::opens_at.eq(opens), rounds::closes_at.eq(closes)))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(rounds::table)
                    .values((
                        rounds::id.eq(new_id()),
                        rounds::contest_id.eq(contest_id),
                        rounds::number.eq(number),
                        rounds::opens_at.eq(opens),
                        rounds::closes_at.eq(closes),
                    ))
                    .execute(conn)?;
            }
        }
    }
    for r in old.iter().filter(|r| r.number as usize > times.len()) {
        let used: i64 = super::schema::attempts::table
            .filter(super::schema::attempts::round_id.eq(&r.id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(AppError::invalid(
                format!("Không thể xoá vòng {} vì đã có bài thi.", r.number),
                format!("Round {} has attempts and cannot be removed.", r.number),
            ));
        }
        diesel::delete(rounds::table.find(&r.id)).execute(conn)?;
    }
    Ok(())
}

/// Opens a closed round again until `until`: its early close, frozen order
/// and actual value are forgotten (the order is computed again at the next
/// close).
pub fn reopen_round(
    conn: &mut DbConn,
    round: &Round,
    until: NaiveDateTime,
) -> Result<(), AppError> {
    use super::schema::round_results;
    diesel::update(round_results::table.filter(round_results::round_id.eq(&round.id)))
        .set(round_results::final_rank.eq(None::<i64>))
        .execute(conn)?;
    diesel::update(rounds::table.find(&round.id))
        .set((
            rounds::closes_at.eq(until),
            rounds::closed_at.eq(None::<NaiveDateTime>),
            rounds::finalized_at.eq(None::<NaiveDateTime>),
            rounds::actual.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends a round now (idempotent: an already closed round keeps its time).
pub fn close_round(conn: &mut DbConn, round: &Round, at: NaiveDateTime) -> Result<Round, AppError> {
    if round.closed_at.is_none() && at < round.closes_at {
        diesel::update(rounds::table.find(&round.id))
            .set(rounds::closed_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(rounds::table
        .find(&round.id)
        .select(Round::as_select())
        .first(conn)?)
}
