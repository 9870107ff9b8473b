//! Duplicate review: registrations to check, organizers' decisions, which
//! best results count (disqualified people and the weaker results of a
//! "same person" group do not), and the audit log every decision writes.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::participants::Participant;
use super::schema::{audit_log, participants, review_decisions, round_results, units};
use super::{new_id, DbConn};
use crate::domain::duplicates::{Registration, ReviewDecision};
use crate::error::AppError;

/// A registration with what the review page shows of it: the participant's
/// own row and its unit's code and name.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants)]
pub struct ReviewRow {
    #[diesel(embed)]
    pub person: Participant,
    #[diesel(select_expression = units::code)]
    pub unit_code: String,
    #[diesel(select_expression = units::name)]
    pub unit_name: String,
}

impl std::ops::Deref for ReviewRow {
    type Target = Participant;
    fn deref(&self) -> &Participant {
        &self.person
    }
}

impl ReviewRow {
    pub fn registration(&self) -> Registration {
        Registration {
            id: self.id.clone(),
            name_folded: self.name_folded.clone(),
            birth_date: self.birth_date,
            unit_id: self.unit_id.clone(),
            cccd_hash: self.cccd_hash.clone(),
            device_id: self.device_id.clone(),
            ip: self.ip.clone(),
            created_at: self.created_at,
        }
    }
}

pub fn registrations(conn: &mut DbConn, contest_id: &str) -> Result<Vec<ReviewRow>, AppError> {
    Ok(participants::table
        .inner_join(units::table)
        .filter(participants::contest_id.eq(contest_id))
        .select(ReviewRow::as_select())
        .order(participants::created_at.asc())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = review_decisions)]
pub struct Decision {
    pub id: String,
    pub contest_id: String,
    pub signal: String,
    pub group_key: String,
    /// Comma-separated participant ids the decision covered.
    pub members: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub decision: ReviewDecision,
    pub participant_id: Option<String>,
    pub reason: String,
    pub account_id: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_decision(conn: &mut DbConn, d: &Decision) -> Result<(), AppError> {
    diesel::insert_into(review_decisions::table)
        .values(d.clone())
        .execute(conn)?;
    Ok(())
}

/// Decisions of a contest with the deciding account's name, newest first.
pub fn decisions(conn: &mut DbConn, contest_id: &str) -> Result<Vec<(Decision, String)>, AppError> {
    use super::schema::accounts;
    Ok(review_decisions::table
        .inner_join(accounts::table.on(accounts::id.eq(review_decisions::account_id)))
        .filter(review_decisions::contest_id.eq(contest_id))
        .order(review_decisions::created_at.desc())
        .select((
            (
                review_decisions::id,
                review_decisions::contest_id,
                review_decisions::signal,
                review_decisions::group_key,
                review_decisions::members,
                review_decisions::decision,
                review_decisions::participant_id,
                review_decisions::reason,
                review_decisions::account_id,
                review_decisions::created_at,
            ),
            accounts::display_name,
        ))
        .load(conn)?)
}

pub fn set_disqualified(
    conn: &mut DbConn,
    participant_id: &str,
    reason: Option<&str>,
) -> Result<(), AppError> {
    diesel::update(participants::table.find(participant_id))
        .set(participants::disqualified_reason.eq(reason))
        .execute(conn)?;
    Ok(())
}

/// Joins participants into one person: every member (and anyone already
/// joined to one of them) points at the same id, the smallest involved.
pub fn join_as_one(conn: &mut DbConn, members: &[String]) -> Result<(), AppError> {
    let existing: Vec<Option<String>> = participants::table
        .filter(participants::id.eq_any(members))
        .select(participants::same_as)
        .load(conn)?;
    let mut all: Vec<String> = members.to_vec();
    all.extend(existing.into_iter().flatten());
    let Some(primary) = all.iter().min().cloned() else {
        return Ok(());
    };
    let joined: Vec<String> = participants::table
        .filter(participants::same_as.eq_any(&all))
        .select(participants::id)
        .load(conn)?;
    all.extend(joined);
    diesel::update(participants::table.filter(participants::id.eq_any(&all)))
        .set(participants::same_as.eq(Some(&primary)))
        .execute(conn)?;
    Ok(())
}

#[derive(Queryable)]
struct Standing {
    participant_id: String,
    score: i32,
    duration_ms: i64,
    finished_at: NaiveDateTime,
    attempts_used: i32,
    counted: bool,
    disqualified: Option<String>,
    same_as: Option<String>,
}

/// Recomputes which best results of a round count: all, except disqualified
/// people and, in each "same person" group, all but the group's best.
pub fn recount_round(conn: &mut DbConn, round_id: &str) -> Result<(), AppError> {
    let rows: Vec<Standing> = round_results::table
        .inner_join(participants::table)
        .filter(round_results::round_id.eq(round_id))
        .filter(
            round_results::counted
                .eq(false)
                .or(participants::disqualified_reason.is_not_null())
                .or(participants::same_as.is_not_null()),
        )
        .select((
            round_results::participant_id,
            round_results::score,
            round_results::duration_ms,
            round_results::finished_at,
            round_results::attempts_used,
            round_results::counted,
            participants::disqualified_reason,
            participants::same_as,
        ))
        .load(conn)?;
    let mut best: HashMap<&str, &Standing> = HashMap::new();
    for r in rows.iter().filter(|r| r.disqualified.is_none()) {
        if let Some(group) = r.same_as.as_deref() {
            let better = |a: &Standing, b: &Standing| {
                (
                    -a.score,
                    a.duration_ms,
                    a.finished_at,
                    a.attempts_used,
                    &a.participant_id,
                ) < (
                    -b.score,
                    b.duration_ms,
                    b.finished_at,
                    b.attempts_used,
                    &b.participant_id,
                )
            };
            match best.get(group) {
                Some(b) if !better(r, b) => {}
                _ => {
                    best.insert(group, r);
                }
            }
        }
    }
    for r in &rows {
        let should = r.disqualified.is_none()
            && r.same_as.as_deref().is_none_or(|g| {
                best.get(g)
                    .is_some_and(|b| b.participant_id == r.participant_id)
            });
        if should != r.counted {
            diesel::update(round_results::table.find((round_id, &r.participant_id)))
                .set(round_results::counted.eq(should))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub account_id: String,
    pub contest_id: Option<String>,
    pub unit_id: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

pub struct Audit<'a> {
    pub account_id: &'a str,
    pub contest_id: Option<&'a str>,
    pub unit_id: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: String,
}

pub fn audit(conn: &mut DbConn, a: Audit<'_>, at: NaiveDateTime) -> Result<(), AppError> {
    diesel::insert_into(audit_log::table)
        .values(&AuditEntry {
            id: new_id(),
            account_id: a.account_id.to_string(),
            contest_id: a.contest_id.map(str::to_string),
            unit_id: a.unit_id.map(str::to_string),
            action: a.action.to_string(),
            subject: a.subject.to_string(),
            detail: a.detail,
            created_at: at,
        })
        .execute(conn)?;
    Ok(())
}

/// Audit entries of a contest or of units (by id), newest first, with the
/// account's display name.
pub fn audit_of(
    conn: &mut DbConn,
    contest_id: Option<&str>,
    unit_ids: Option<Vec<String>>,
    limit: i64,
) -> Result<Vec<(AuditEntry, String)>, AppError> {
    use super::schema::accounts;
    let mut q = audit_log::table
        .inner_join(accounts::table.on(accounts::id.eq(audit_log::account_id)))
        .select((
            (
                audit_log::id,
                audit_log::account_id,
                audit_log::contest_id,
                audit_log::unit_id,
                audit_log::action,
                audit_log::subject,
                audit_log::detail,
                audit_log::created_at,
            ),
            accounts::display_name,
        ))
        .order(audit_log::created_at.desc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = contest_id {
        q = q.filter(audit_log::contest_id.eq(c.to_string()));
    }
    if let Some(ids) = unit_ids {
        q = q.filter(audit_log::unit_id.eq_any(ids));
    }
    Ok(q.load(conn)?)
}
