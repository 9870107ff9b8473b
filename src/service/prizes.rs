//! Prizes of a round: the organizer's plan, the proposed winners, and the
//! published list frozen with the SHA-256 of its canonical form.

use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::db::contests::{self as contest_store, Contest, Round};
use crate::db::prizes::{self as store, WinnerRow};
use crate::db::review::{audit, Audit};
use crate::db::DbConn;
use crate::domain::identity::mask_phone;
use crate::domain::prizes::{
    allocate, canonical, sha256_hex, Award, Candidate, Plan, PublishedRow,
};
use crate::domain::vn_time::fmt_vn;
use crate::error::AppError;
use crate::service::access::{managed, reader_access, Access, Reader};
use crate::service::rankings::round_of;
use crate::service::state::AppState;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WinnerView {
    pub tier: usize,
    pub tier_name: String,
    pub rank: i64,
    pub name: String,
    pub masked_phone: String,
    /// Full phone and birth date: organizers of the contest only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    pub category: String,
    pub unit_code: String,
    pub unit_name: String,
    pub score: i32,
    pub max_score: i32,
    pub duration_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Prizes {
    pub contest_title: String,
    pub round: i32,
    pub round_final: bool,
    pub plan: Option<Plan>,
    pub published: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    pub winners: Vec<WinnerView>,
}

fn view(w: &WinnerRow, full: bool) -> WinnerView {
    WinnerView {
        tier: w.tier as usize,
        tier_name: w.tier_name.clone(),
        rank: w.rank,
        name: w.full_name.clone(),
        masked_phone: mask_phone(&w.phone),
        phone: full.then(|| w.phone.clone()),
        birth_date: full.then(|| w.birth_date.format("%d/%m/%Y").to_string()),
        category: w.category.label().to_string(),
        unit_code: w.unit_code.clone(),
        unit_name: w.unit_name.clone(),
        score: w.score,
        max_score: w.max_score,
        duration_ms: w.duration_ms,
    }
}

fn plan_of(round: &Round) -> Result<Option<Plan>, AppError> {
    round
        .prize_plan
        .as_deref()
        .map(|p| {
            serde_json::from_str(p)
                .map_err(|e| AppError::Internal(format!("stored prize plan unreadable: {e}")))
        })
        .transpose()
}

/// The proposed awards of a frozen round under its plan.
fn propose(
    c: &mut DbConn,
    contest: &Contest,
    round: &Round,
    plan: &Plan,
) -> Result<Vec<(Award, WinnerRow)>, AppError> {
    let candidates: Vec<Candidate> = store::candidates(c, &round.id)?
        .into_iter()
        .map(|r| Candidate {
            person: r.same_as.unwrap_or_else(|| r.participant_id.clone()),
            participant_id: r.participant_id,
            category: r.category,
            rank: r.final_rank.unwrap_or(i64::MAX),
        })
        .collect();
    let won = store::won_elsewhere(c, &contest.id, &round.id)?;
    let awards = allocate(&candidates, plan, &won);
    let rows = store::rows_for(
        c,
        &round.id,
        awards.iter().map(|a| a.participant_id.clone()).collect(),
    )?;
    Ok(awards
        .into_iter()
        .filter_map(|a| {
            let row = rows
                .iter()
                .find(|r| r.participant_id == a.participant_id)?
                .clone();
            Some((
                a.clone(),
                WinnerRow {
                    tier: a.tier as i32,
                    tier_name: a.tier_name.clone(),
                    rank: a.rank,
                    ..row
                },
            ))
        })
        .collect())
}

fn published_rows(slug: &str, round: i32, rows: &[WinnerRow]) -> String {
    let list: Vec<PublishedRow> = rows
        .iter()
        .map(|w| PublishedRow {
            tier_name: w.tier_name.clone(),
            rank: w.rank,
            name: w.full_name.clone(),
            masked_phone: mask_phone(&w.phone),
            unit_code: w.unit_code.clone(),
            score: w.score,
            duration_ms: w.duration_ms,
        })
        .collect();
    canonical(slug, round, &list)
}

fn build(
    c: &mut DbConn,
    contest: &Contest,
    round: &Round,
    access: Access,
) -> Result<Prizes, AppError> {
    let plan = plan_of(round)?;
    let full = access == Access::Full;
    let published = round.prizes_published_at.is_some();
    let winners: Vec<WinnerRow> = if published {
        store::winners(c, &round.id)?
    } else if let (Some(p), true, true) = (&plan, full, round.finalized_at.is_some()) {
        propose(c, contest, round, p)?
            .into_iter()
            .map(|(_, w)| w)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Prizes {
        contest_title: contest.title.clone(),
        round: round.number,
        round_final: round.finalized_at.is_some(),
        plan,
        published,
        published_at: round.prizes_published_at.map(fmt_vn),
        sha256: round.prizes_hash.clone(),
        canonical: published.then(|| published_rows(&contest.slug, round.number, &winners)),
        winners: winners.iter().map(|w| view(w, full)).collect(),
    })
}

/// Prizes of a round for a reader: organizers see the proposal before
/// publishing and full data; viewers and share links see the published list, masked.
pub async fn for_reader(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
) -> Result<Prizes, AppError> {
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            let access = reader_access(c, &reader, &contest)?;
            let round = round_of(c, &contest, number)?;
            build(c, &contest, &round, access)
        })
        .await
}

/// The published list of a round, masked, with its hash (no winners while
/// unpublished): what anyone may see.
pub async fn published(state: &AppState, slug: String, number: i32) -> Result<Prizes, AppError> {
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            let round = round_of(c, &contest, number)?;
            build(c, &contest, &round, Access::Masked)
        })
        .await
}

/// The published list for the public routes: 404 until it is published.
pub async fn public(state: &AppState, slug: String, number: i32) -> Result<Prizes, AppError> {
    let p = published(state, slug, number).await?;
    if p.published {
        Ok(p)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// One tier per line: `Giải Nhất: 1`.
    pub tiers: String,
    /// One quota per line: `thanh_nien: 2` (optional).
    #[serde(default)]
    pub quotas: String,
}

pub async fn set_plan(
    state: &AppState,
    staff: &Staff,
    slug: String,
    number: i32,
    input: PlanInput,
) -> Result<Prizes, AppError> {
    let plan = Plan::parse(&input.tiers, &input.quotas).map_err(AppError::Validation)?;
    let json = serde_json::to_string(&plan).map_err(|e| AppError::Internal(e.to_string()))?;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let round = round_of(c, &contest, number)?;
            if round.prizes_published_at.is_some() {
                return Err(AppError::conflict(
                    "Danh sách giải của vòng này đã công bố, không đổi cơ cấu giải được nữa.",
                    "The prize list of this round is published; its plan can no longer change.",
                ));
            }
            store::set_plan(c, &round.id, &json)?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: "prize_plan_set",
                    subject: &format!("round {number}"),
                    detail: json,
                },
                now,
            )?;
            let round = round_of(c, &contest, number)?;
            build(c, &contest, &round, Access::Full)
        })
        .await
}

/// Publishes the proposed list: it is stored, hashed and frozen (idempotent:
/// publishing again changes nothing).
pub async fn publish(
    state: &AppState,
    staff: &Staff,
    slug: String,
    number: i32,
) -> Result<Prizes, AppError> {
    let (staff, now) = (staff.clone(), state.now());
    let cached = slug.clone();
    let done = state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let round = round_of(c, &contest, number)?;
            if round.prizes_published_at.is_some() {
                return build(c, &contest, &round, Access::Full);
            }
            if round.finalized_at.is_none() {
                return Err(AppError::conflict(
                    "Vòng thi chưa kết thúc; đóng vòng thi trước khi công bố giải.",
                    "The round has not ended; close it before publishing prizes.",
                ));
            }
            let plan = plan_of(&round)?.ok_or_else(|| {
                AppError::conflict(
                    "Chưa có cơ cấu giải cho vòng này.",
                    "This round has no prize plan yet.",
                )
            })?;
            let proposal = propose(c, &contest, &round, &plan)?;
            let rows: Vec<WinnerRow> = proposal.iter().map(|(_, w)| w.clone()).collect();
            let awards: Vec<Award> = proposal.into_iter().map(|(a, _)| a).collect();
            let hash = sha256_hex(&published_rows(&contest.slug, number, &rows));
            store::publish(c, &round.id, &awards, &hash, now)?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: "prizes_published",
                    subject: &format!("round {number}"),
                    detail: format!("{} giải, SHA-256 {hash}", awards.len()),
                },
                now,
            )?;
            let round = round_of(c, &contest, number)?;
            crate::service::activities::record_round(c, &contest, &round, now)?;
            build(c, &contest, &round, Access::Full)
        })
        .await;
    // Whatever the outcome, this instance's copies of the boards are dropped.
    state.boards.forget(&cached);
    done
}

/// One published prize list, checked against the SHA-256 announced with it.
#[derive(Debug, Clone, Serialize)]
pub struct PrizeCheck {
    pub contest: String,
    pub round: i32,
    pub stored: String,
    pub computed: String,
}

impl PrizeCheck {
    pub fn matches(&self) -> bool {
        self.stored == self.computed
    }
}

/// Every published prize list of the database, with its announced hash and
/// the hash of the winners stored now (a restored backup must match).
pub fn verify_published(c: &mut DbConn) -> Result<Vec<PrizeCheck>, AppError> {
    let mut out = Vec::new();
    for (contest, round) in contest_store::published_rounds(c)? {
        let rows = store::winners(c, &round.id)?;
        out.push(PrizeCheck {
            contest: contest.slug.clone(),
            round: round.number,
            stored: round.prizes_hash.clone().unwrap_or_default(),
            computed: sha256_hex(&published_rows(&contest.slug, round.number, &rows)),
        });
    }
    Ok(out)
}
