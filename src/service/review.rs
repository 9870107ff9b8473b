//! The organizers' duplicate review: flagged groups with their evidence, and
//! decisions ("same person", "different people", disqualify, reinstate) that
//! change which results count, each written to the audit log.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::db::contests as contest_store;
use crate::db::review::{self as store, audit, Audit, Decision};
use crate::db::{new_id, DbConn};
use crate::domain::duplicates::{find_groups, Rules, Signal};
use crate::domain::duplicates::{MemberStatus, ReviewDecision};
use crate::domain::vn_time::fmt_vn;
use crate::error::{AppError, Problem};
use crate::service::access::managed;
use crate::service::rankings::refreeze;
use crate::service::state::AppState;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub birth_date: String,
    pub unit: String,
    pub category: String,
    pub cccd_last4: Option<String>,
    pub device: Option<String>,
    pub ip: Option<String>,
    pub registered_at: String,
    pub status: MemberStatus,
    pub status_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub signal: Signal,
    pub label: String,
    pub key: String,
    pub members: Vec<MemberView>,
    /// The latest decision covering exactly these members, if any.
    pub decided: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub at: String,
    pub by: String,
    pub signal: String,
    pub decision: String,
    pub members: Vec<String>,
    pub participant: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub contest_title: String,
    pub groups: Vec<GroupView>,
    pub decisions: Vec<DecisionView>,
}

fn build(
    c: &mut DbConn,
    contest_id: &str,
) -> Result<(Vec<GroupView>, Vec<DecisionView>), AppError> {
    let rows = store::registrations(c, contest_id)?;
    let regs: Vec<_> = rows.iter().map(|r| r.registration()).collect();
    let by_id: HashMap<&str, &store::ReviewRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let decisions = store::decisions(c, contest_id)?;
    let groups = find_groups(&regs, Rules::default())
        .into_iter()
        .map(|g| {
            let joined = g.members.join(",");
            let decided = decisions
                .iter()
                .find(|(d, _)| d.group_key == g.key && d.members == joined)
                .map(|(d, by)| {
                    format!(
                        "{} — {}, {}",
                        d.decision.label_vi(),
                        by,
                        fmt_vn(d.created_at)
                    )
                });
            GroupView {
                signal: g.signal,
                label: g.signal.label().to_string(),
                key: g.key.clone(),
                members: g
                    .members
                    .iter()
                    .filter_map(|id| by_id.get(id.as_str()))
                    .map(|r| MemberView {
                        id: r.id.clone(),
                        name: r.full_name.clone(),
                        phone: r.phone.clone(),
                        birth_date: r.birth_date.format("%d/%m/%Y").to_string(),
                        unit: format!("{} ({})", r.unit_name, r.unit_code),
                        category: r.category.label().to_string(),
                        cccd_last4: r.cccd_last4.clone(),
                        device: r.device_id.as_ref().map(|d| d.chars().take(8).collect()),
                        ip: r.ip.clone(),
                        registered_at: fmt_vn(r.created_at),
                        status: if r.disqualified_reason.is_some() {
                            MemberStatus::Disqualified
                        } else if r.same_as.is_some() {
                            MemberStatus::Joined
                        } else {
                            MemberStatus::Counted
                        },
                        status_note: r.disqualified_reason.clone(),
                    })
                    .collect(),
                decided,
            }
        })
        .collect();
    let name_of = |id: &str| {
        by_id
            .get(id)
            .map(|r| format!("{} ({})", r.full_name, r.phone))
            .unwrap_or_else(|| id.to_string())
    };
    let decisions = decisions
        .iter()
        .map(|(d, by)| DecisionView {
            at: fmt_vn(d.created_at),
            by: by.clone(),
            signal: Signal::parse(&d.signal)
                .map(|s| s.label().to_string())
                .unwrap_or_default(),
            decision: d.decision.label_vi().to_string(),
            members: d
                .members
                .split(',')
                .filter(|m| !m.is_empty())
                .map(name_of)
                .collect(),
            participant: d.participant_id.as_deref().map(name_of),
            reason: d.reason.clone(),
        })
        .collect();
    Ok((groups, decisions))
}

/// The review page's data (organizers of the contest and admins).
pub async fn review(state: &AppState, staff: &Staff, slug: String) -> Result<Review, AppError> {
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let (groups, decisions) = build(c, &contest.id)?;
            Ok(Review {
                contest_title: contest.title,
                groups,
                decisions,
            })
        })
        .await
}

/// Every decision of a contest, for the decisions export.
pub async fn decisions(
    state: &AppState,
    staff: &Staff,
    slug: String,
) -> Result<Vec<DecisionView>, AppError> {
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let contest = managed(c, &staff, &slug)?;
            Ok(build(c, &contest.id)?.1)
        })
        .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    pub group_key: String,
    /// same | different | disqualify | reinstate
    pub decision: String,
    pub participant_id: Option<String>,
    #[serde(default)]
    pub reason: String,
}

fn bad(field: &str, vi: &str, en: &str) -> AppError {
    AppError::Validation(vec![Problem::new(0, field, vi, en)])
}

/// Records a decision and applies it: the affected rounds are recounted and,
/// when already frozen, re-ranked (with their activity records).
pub async fn decide(
    state: &AppState,
    staff: &Staff,
    slug: String,
    input: DecisionInput,
) -> Result<(), AppError> {
    let reason: String = input.reason.trim().chars().take(1000).collect();
    if reason.is_empty() {
        return Err(bad(
            "reason",
            "Vui lòng ghi lý do của quyết định.",
            "Please give the reason for the decision.",
        ));
    }
    let decision = ReviewDecision::try_from(input.decision.clone())
        .map_err(|e| AppError::Validation(vec![Problem::new(0, "decision", e.vi, e.en)]))?;
    let (staff, now) = (staff.clone(), state.now());
    let cached = slug.clone();
    let done = state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let regs: Vec<_> = store::registrations(c, &contest.id)?
                .iter()
                .map(|r| r.registration())
                .collect();
            let group = find_groups(&regs, Rules::default())
                .into_iter()
                .find(|g| g.key == input.group_key);
            let target = input.participant_id.clone().filter(|p| !p.is_empty());
            let (signal, members) = match (&group, decision) {
                (Some(g), _) => (g.signal.as_str().to_string(), g.members.clone()),
                // Disqualifying or reinstating one person needs no group.
                (None, ReviewDecision::Disqualify | ReviewDecision::Reinstate)
                    if target.is_some() =>
                {
                    (String::new(), Vec::new())
                }
                (None, _) => {
                    return Err(bad(
                        "group_key",
                        "Nhóm nghi trùng này không còn (danh sách đã thay đổi), vui lòng tải lại trang.",
                        "This group no longer exists; reload the page.",
                    ))
                }
            };
            let contest_regs: Vec<String> = regs.iter().map(|r| r.id.clone()).collect();
            match decision {
                ReviewDecision::Same => store::join_as_one(c, &members)?,
                ReviewDecision::Different => {}
                ReviewDecision::Disqualify | ReviewDecision::Reinstate => {
                    let Some(p) = target.as_deref().filter(|p| contest_regs.iter().any(|r| r == p)) else {
                        return Err(bad(
                            "participant_id",
                            "Vui lòng chọn người dự thi trong hội thi này.",
                            "Pick a participant of this contest.",
                        ));
                    };
                    let reason = (decision == ReviewDecision::Disqualify).then_some(reason.as_str());
                    store::set_disqualified(c, p, reason)?;
                }
            }
            store::insert_decision(
                c,
                &Decision {
                    id: new_id(),
                    contest_id: contest.id.clone(),
                    signal,
                    group_key: input.group_key.clone(),
                    members: members.join(","),
                    decision,
                    participant_id: target.clone(),
                    reason: reason.clone(),
                    account_id: staff.id.clone(),
                    created_at: now,
                },
            )?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: &format!("review_{}", decision.as_str()),
                    subject: &target.unwrap_or_else(|| input.group_key.clone()),
                    detail: reason,
                },
                now,
            )?;
            for round in contest_store::rounds_of(c, &contest.id)? {
                store::recount_round(c, &round.id)?;
                crate::db::unit_stats::rebuild(c, &round.id)?;
                refreeze(c, &contest, &round, now)?;
            }
            Ok(())
        })
        .await;
    // Whatever the outcome, this instance's copies of the boards are dropped.
    state.boards.forget(&cached);
    done
}
