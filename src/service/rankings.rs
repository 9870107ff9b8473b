//! Boards: each person's best result per round (kept up to date on finish,
//! so a board reads one indexed page), the frozen final order after close,
//! and collective rankings of units at any level of the tree.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::db::contests::{self as contest_store, Contest, Round};
use crate::db::{attempts as attempt_store, results, units, DbConn};
use crate::domain::contest::PredictionTarget;
use crate::domain::contest::RoundStatus;
use crate::domain::contest::{check_reopen, ReopenFacts, ReopenInput};
use crate::domain::identity::mask_phone;
use crate::domain::ranking;
use crate::error::AppError;
use crate::service::attempts::finish_open_in_round;
use crate::service::board_cache::{BoardKey, Built};
use crate::service::contests::{round_view, RoundView};
use crate::service::state::AppState;

pub(crate) fn round_of(c: &mut DbConn, contest: &Contest, number: i32) -> Result<Round, AppError> {
    contest_store::rounds_of(c, &contest.id)?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or(AppError::NotFound)
}

/// Computes and stores the final order (idempotent: a frozen round stays
/// frozen), then writes the round's activity record for every eligible unit.
fn finalize(
    c: &mut DbConn,
    contest: &Contest,
    round: &Round,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if round.finalized_at.is_some() {
        return Ok(());
    }
    freeze_order(c, contest, round, now)?;
    crate::service::activities::record_round(c, contest, round, now)?;
    Ok(())
}

/// Ranks the counted results with the prediction tie-break and stores the order.
fn freeze_order(
    c: &mut DbConn,
    contest: &Contest,
    round: &Round,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let mut entries = results::entries(c, &round.id)?;
    let target = contest
        .prediction()
        .map(|p| p.target)
        .unwrap_or(PredictionTarget::Perfect);
    let actual = ranking::actual(&entries, target);
    let with_prediction = contest.prediction().is_some().then_some(actual);
    let ranks = ranking::rank(&mut entries, with_prediction);
    let ranked: Vec<(String, i64)> = entries
        .into_iter()
        .zip(ranks)
        .map(|(e, r)| (e.participant_id, r))
        .collect();
    results::freeze(c, &round.id, &ranked, actual, at)
}

/// After a review decision or a prize publication: a frozen round is ranked
/// again over the results that now count, and its activity records follow.
pub(crate) fn refreeze(
    c: &mut DbConn,
    contest: &Contest,
    round: &Round,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(at) = round.finalized_at else {
        return Ok(());
    };
    freeze_order(c, contest, round, at)?;
    crate::service::activities::record_round(c, contest, round, now)?;
    Ok(())
}

/// Freezes a round whose end (plus the grace window) has passed.
pub(crate) fn ensure_final(
    c: &mut DbConn,
    state: &AppState,
    contest: &Contest,
    round: Round,
    now: NaiveDateTime,
) -> Result<Round, AppError> {
    let due = round.finalized_at.is_none()
        && now >= round.end() + chrono::Duration::seconds(contest.grace_seconds as i64);
    if !due {
        return Ok(round);
    }
    finish_open_in_round(c, state, &round.id, now)?;
    finalize(c, contest, &round, now)?;
    round_of(c, contest, round.number)
}

/// Ends a round now (organizer; idempotent): open attempts are finished with
/// what they saved and the final order is frozen.
pub async fn close_round(
    state: &AppState,
    staff: &Staff,
    slug: String,
    number: i32,
) -> Result<RoundView, AppError> {
    staff.require_writer()?;
    let (staff, st) = (staff.clone(), state.clone());
    let now = state.now();
    let cached = slug.clone();
    let done = state
        .db
        .write(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            staff.require_manage(&units::by_id(c, &contest.unit_id)?.path)?;
            let round = round_of(c, &contest, number)?;
            if round.opens_at > now {
                return Err(AppError::conflict(
                    "Vòng thi chưa mở, chưa thể đóng.",
                    "The round has not opened yet.",
                ));
            }
            let round = contest_store::close_round(c, &round, now)?;
            finish_open_in_round(c, &st, &round.id, now)?;
            finalize(c, &contest, &round, now)?;
            Ok(round_view(&round_of(c, &contest, number)?, now))
        })
        .await;
    // Whatever the outcome, this instance's copies of the boards are dropped.
    state.boards.forget(&cached);
    done
}

/// Opens a closed round again until a new time (admin only; e.g. closed by
/// mistake): refused once its prizes are published; the reason is audited;
/// the frozen order is dropped and computed again at the next close.
/// `confirmed`: the page's tick (the API's call is its own confirmation).
pub async fn reopen_round(
    state: &AppState,
    staff: &Staff,
    slug: String,
    number: i32,
    input: ReopenInput,
    confirmed: bool,
) -> Result<RoundView, AppError> {
    staff.require_admin()?;
    let (staff, now) = (staff.clone(), state.now());
    let cached = slug.clone();
    let done = state
        .db
        .write(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            let rounds = contest_store::rounds_of(c, &contest.id)?;
            let round = rounds
                .iter()
                .find(|r| r.number == number)
                .ok_or(AppError::NotFound)?;
            let facts = ReopenFacts {
                now,
                closed: round.status(now) == RoundStatus::Closed,
                prizes_published: round.prizes_published_at.is_some(),
                next_opens: rounds
                    .iter()
                    .find(|r| r.number == number + 1)
                    .map(|r| r.opens_at),
            };
            let checked = check_reopen(&input, &facts);
            let (until, reason) = match (checked, confirmed) {
                (Ok(ok), true) => ok,
                (checked, _) => {
                    let mut problems = checked.err().unwrap_or_default();
                    if !confirmed {
                        problems.push(crate::error::Problem::new(
                            0,
                            "confirm",
                            "Hãy đánh dấu ô xác nhận trước khi mở lại vòng.",
                            "Tick the confirmation box first.",
                        ));
                    }
                    return Err(AppError::Validation(problems));
                }
            };
            let was = round.end();
            contest_store::reopen_round(c, round, until)?;
            crate::db::review::audit(
                c,
                crate::db::review::Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: "round_reopened",
                    subject: &format!("Vòng {number}"),
                    detail: format!(
                        "Đã đóng lúc {}; mở lại đến {}. Lý do: {reason}",
                        crate::domain::vn_time::fmt_vn(was),
                        crate::domain::vn_time::fmt_vn(until)
                    ),
                },
                now,
            )?;
            Ok(round_view(&round_of(c, &contest, number)?, now))
        })
        .await;
    // Whatever the outcome, this instance's copies of the boards are dropped.
    state.boards.forget(&cached);
    done
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardEntry {
    pub rank: i64,
    pub name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub score: i32,
    pub max_score: i32,
    pub duration_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<i64>,
    pub masked_phone: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub contest_title: String,
    pub round: i32,
    #[serde(rename = "final")]
    pub is_final: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<i64>,
    pub total: i64,
    pub entries: Vec<BoardEntry>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Chỉ người của đơn vị này (cả đơn vị cấp dưới) / Only this unit's people (with its sub-units).
    pub unit: Option<String>,
    /// Số dòng (mặc định 100) / Rows (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Bỏ qua bao nhiêu dòng / Rows to skip.
    #[param(minimum = 0, maximum = 10_000_000)]
    pub offset: Option<i64>,
}

const _: () = assert!(
    ranking::MAX_PAGE == 500 && ranking::MAX_OFFSET == 10_000_000,
    "BoardQuery documents these limits"
);

/// A page of a round's board (public: masked phones, no personal data),
/// read from the database: exports and other exact readers.
pub async fn leaderboard(
    state: &AppState,
    slug: String,
    number: i32,
    q: BoardQuery,
) -> Result<Board, AppError> {
    leaderboard_until(state, slug, number, q)
        .await
        .map(|(b, _)| b)
}

/// The same page from this instance's copies (at most
/// [`MAX_STALE`](crate::service::board_cache::MAX_STALE) old, exact once frozen): the
/// public board, its API and the dashboard.
pub async fn leaderboard_cached(
    state: &AppState,
    slug: String,
    number: i32,
    q: BoardQuery,
) -> Result<Arc<Built<Board>>, AppError> {
    let (limit, offset) = ranking::page(q.limit, q.offset)?;
    let key = BoardKey::People {
        slug: slug.clone(),
        round: number,
        unit: q.unit.clone().filter(|u| !u.is_empty()),
        limit,
        offset,
    };
    let st = state.clone();
    let build = move || async move {
        let (board, until) = leaderboard_until(&st, slug, number, q).await?;
        Built::new(board, until)
    };
    state.boards.people.get(key, state.now(), build).await
}

/// A page of the board, and until when (on the application's clock) it
/// holds by itself: a board that is not final changes at the round's end.
async fn leaderboard_until(
    state: &AppState,
    slug: String,
    number: i32,
    q: BoardQuery,
) -> Result<(Board, Option<NaiveDateTime>), AppError> {
    let (limit, offset) = ranking::page(q.limit, q.offset)?;
    let st = state.clone();
    let now = state.now();
    // A board is a read; only a round that has just become due to be frozen
    // (once per round) takes the writer.
    let work = move |c: &mut DbConn,
                     may_write: bool|
          -> Result<Option<(Board, Option<NaiveDateTime>)>, AppError> {
        let contest = contest_store::by_slug(c, &slug)?;
        let round = round_of(c, &contest, number)?;
        let due = round.finalized_at.is_none() && round.status(now) == RoundStatus::Closed;
        if due && !may_write {
            return Ok(None);
        }
        let round = ensure_final(c, &st, &contest, round, now)?;
        let scope = match q.unit.as_deref().filter(|u| !u.is_empty()) {
            Some(code) => Some(units::by_code(c, code)?.path),
            None => None,
        };
        let is_final = round.finalized_at.is_some();
        let rows = results::page(c, &round.id, scope.as_deref(), is_final, limit, offset)?;
        let first = match rows.first() {
            Some(row) => results::ahead_of(c, &round.id, scope.as_deref(), is_final, row)? + 1,
            None => offset + 1,
        };
        let ranks = ranking::page_ranks(&rows, |a, b| same_place(a, b, is_final), offset, first);
        let mut entries = Vec::with_capacity(rows.len());
        for (row, rank) in rows.iter().zip(ranks) {
            entries.push(BoardEntry {
                rank,
                name: row.full_name.clone(),
                unit_code: row.unit_code.clone(),
                unit_name: row.unit_name.clone(),
                score: row.score,
                max_score: row.max_score,
                duration_ms: row.duration_ms,
                prediction: if is_final { row.prediction } else { None },
                masked_phone: mask_phone(&row.phone),
            });
        }
        let until = (!is_final)
            .then(|| round.end() + chrono::Duration::seconds(contest.grace_seconds as i64));
        let board = Board {
            contest_title: contest.title,
            round: number,
            is_final,
            actual: round.actual.filter(|_| is_final),
            total: crate::db::unit_stats::participants(c, &round.id, scope.as_deref())?,
            entries,
        };
        Ok(Some((board, until)))
    };
    let again = work.clone();
    if let Some(board) = state.db.read(move |c| work(c, false)).await? {
        return Ok(board);
    }
    state
        .db
        .write(move |c| again(c, true))
        .await?
        .ok_or_else(|| AppError::Internal("board not built after freezing".into()))
}

/// Two board rows share a place: same final rank, or (before the freeze)
/// equal on every provisional key.
pub(crate) fn same_place(a: &results::BoardRow, b: &results::BoardRow, is_final: bool) -> bool {
    if is_final {
        a.final_rank == b.final_rank
    } else {
        (a.score, a.duration_ms, a.finished_at, a.attempts_used)
            == (b.score, b.duration_ms, b.finished_at, b.attempts_used)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, Default, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    #[default]
    Count,
    Rate,
    Average,
    Points,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitEntry {
    pub rank: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub participants: i64,
    pub member_participants: i64,
    pub members: i64,
    pub rate: Option<f64>,
    pub average_score: Option<f64>,
    pub perfect: i64,
    pub winners: i64,
    pub attempts: i64,
    pub total_score: i64,
    pub points: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitBoard {
    pub parent_code: String,
    pub metric: Metric,
    pub entries: Vec<UnitEntry>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    pub parent: Option<String>,
    pub metric: Option<Metric>,
}

/// The member count of a unit at a date: its own latest snapshot on or before
/// the date, else the sum of its children's (so nothing is counted twice).
fn members_at(
    unit: &str,
    own: &HashMap<String, i64>,
    children: &HashMap<String, Vec<String>>,
) -> i64 {
    match own.get(unit) {
        Some(n) => *n,
        None => children
            .get(unit)
            .map(|cs| cs.iter().map(|c| members_at(c, own, children)).sum())
            .unwrap_or(0),
    }
}

/// Points for the top 10 on a key: 10 for the first … 1 for the tenth.
fn top10_points(entries: &[UnitEntry], key: impl Fn(&UnitEntry) -> i64) -> Vec<i64> {
    let mut idx: Vec<usize> = (0..entries.len()).collect();
    idx.sort_by_key(|&i| std::cmp::Reverse(key(&entries[i])));
    let mut points = vec![0; entries.len()];
    for (place, &i) in idx.iter().enumerate().take(10) {
        if key(&entries[i]) > 0 {
            points[i] = 10 - place as i64;
        }
    }
    points
}

/// A unit board from this instance's copies (see [`leaderboard_cached`]).
pub async fn unit_board_cached(
    state: &AppState,
    slug: String,
    number: i32,
    q: UnitQuery,
) -> Result<Arc<Built<UnitBoard>>, AppError> {
    let key = BoardKey::Units {
        slug: slug.clone(),
        round: number,
        parent: q.parent.clone().filter(|p| !p.is_empty()),
        metric: q.metric.unwrap_or_default(),
    };
    let st = state.clone();
    let build = move || async move { Built::new(unit_board(&st, slug, number, q).await?, None) };
    state.boards.units.get(key, state.now(), build).await
}

/// Collective ranking of the children of `parent` (default: the contest's eligible root).
pub async fn unit_board(
    state: &AppState,
    slug: String,
    number: i32,
    q: UnitQuery,
) -> Result<UnitBoard, AppError> {
    let metric = q.metric.unwrap_or_default();
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            let round = round_of(c, &contest, number)?;
            let eligible = units::by_id(c, &contest.eligible_unit_id)?;
            let parent = match q.parent.as_deref().filter(|p| !p.is_empty()) {
                Some(code) => {
                    let u = units::by_code(c, code)?;
                    if !u.path.starts_with(&eligible.path) && !eligible.path.starts_with(&u.path) {
                        return Err(AppError::NotFound);
                    }
                    u
                }
                None => eligible,
            };
            let tree = units::subtree(c, &parent.path)?;
            let depth = parent.depth;
            let children: Vec<&units::Unit> =
                tree.iter().filter(|u| u.depth == depth + 1).collect();
            let children = if children.is_empty() {
                vec![&tree[0]]
            } else {
                children
            };
            // Which listed unit each unit of the subtree rolls up into.
            let top_of = |path: &str| children.iter().position(|ch| path.starts_with(&ch.path));
            let path_of: HashMap<&str, &str> = tree
                .iter()
                .map(|u| (u.id.as_str(), u.path.as_str()))
                .collect();
            let mut kids: HashMap<String, Vec<String>> = HashMap::new();
            for u in &tree {
                if let Some(p) = &u.parent_id {
                    kids.entry(p.clone()).or_default().push(u.id.clone());
                }
            }
            let open_date = crate::domain::vn_time::today(round.opens_at);
            let own = units::members_on(c, tree.iter().map(|u| u.id.clone()).collect(), open_date)?;

            let mut entries: Vec<UnitEntry> = children
                .iter()
                .map(|u| UnitEntry {
                    rank: 0,
                    unit_code: u.code.clone(),
                    unit_name: u.name.clone(),
                    participants: 0,
                    member_participants: 0,
                    members: members_at(&u.id, &own, &kids),
                    rate: None,
                    average_score: None,
                    perfect: 0,
                    winners: 0,
                    attempts: 0,
                    total_score: 0,
                    points: 0,
                })
                .collect();
            for s in crate::db::unit_stats::for_round(c, &round.id)? {
                let Some(i) = path_of.get(s.unit_id.as_str()).and_then(|p| top_of(p)) else {
                    continue;
                };
                let e = &mut entries[i];
                e.participants += s.participants as i64;
                e.member_participants += s.member_participants as i64;
                e.total_score += s.total_score;
                e.perfect += s.perfect as i64;
                e.attempts += s.attempts as i64;
            }
            for unit_id in crate::db::prizes::winner_units(c, &round.id)? {
                if let Some(i) = path_of.get(unit_id.as_str()).and_then(|p| top_of(p)) {
                    entries[i].winners += 1;
                }
            }
            for e in &mut entries {
                e.rate = (e.members > 0).then(|| e.member_participants as f64 / e.members as f64);
                e.average_score =
                    (e.participants > 0).then(|| e.total_score as f64 / e.participants as f64);
            }
            let p1 = top10_points(&entries, |e| e.participants);
            let p2 = top10_points(&entries, |e| e.total_score);
            let p3 = top10_points(&entries, |e| e.attempts);
            for (i, e) in entries.iter_mut().enumerate() {
                e.points = p1[i] + p2[i] + p3[i];
            }
            let key = |e: &UnitEntry| -> f64 {
                match metric {
                    Metric::Count => e.participants as f64,
                    Metric::Rate => e.rate.unwrap_or(-1.0),
                    Metric::Average => e.average_score.unwrap_or(-1.0),
                    Metric::Points => e.points as f64,
                }
            };
            entries.sort_by(|a, b| {
                key(b)
                    .total_cmp(&key(a))
                    .then_with(|| a.unit_name.cmp(&b.unit_name))
            });
            let ranks = ranking::competition_ranks(&entries, |a, b| key(a) == key(b));
            for (e, rank) in entries.iter_mut().zip(ranks) {
                e.rank = rank;
            }
            Ok(UnitBoard {
                parent_code: parent.code.clone(),
                metric,
                entries,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_units_own_snapshot_wins_over_the_sum_of_its_children() {
        let own: HashMap<String, i64> = [
            ("a".to_string(), 100),
            ("c1".to_string(), 30),
            ("c2".to_string(), 20),
        ]
        .into();
        let kids: HashMap<String, Vec<String>> = [
            ("a".to_string(), vec!["c1".to_string(), "c2".to_string()]),
            ("b".to_string(), vec!["c1".to_string(), "c2".to_string()]),
        ]
        .into();
        assert_eq!(members_at("a", &own, &kids), 100);
        assert_eq!(members_at("b", &own, &kids), 50);
        assert_eq!(members_at("z", &own, &kids), 0);
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemOption {
    pub text: String,
    /// How often it was chosen, and whether it is right: for the bank's
    /// owners only (on a bank shared from above the counts beside the
    /// facility would tell the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub id: String,
    pub topic: String,
    pub difficulty: crate::domain::bank::Difficulty,
    pub stem: String,
    pub drawn: usize,
    /// Share right, discrimination and the flag: for the key's holders only.
    /// Without the key, a facility of 0 or 1 over an organizer's own test
    /// attempt (all A, then all B, …) tells the key as surely as `right`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrimination: Option<f64>,
    pub options: Vec<ItemOption>,
    /// The kind, and for a typed one its key in words (key holders only).
    pub kind: crate::domain::bank::Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub flagged: bool,
}

/// Item analysis of a round's finished attempts (organizers of the contest).
pub async fn item_analysis(
    state: &AppState,
    staff: &Staff,
    slug: String,
    number: i32,
) -> Result<Vec<ItemView>, AppError> {
    use crate::domain::items::{analyse, Answered, AttemptItems};
    let (st, staff) = (state.clone(), staff.clone());
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            staff.require_writer()?;
            staff.require_manage(&units::by_id(c, &contest.unit_id)?.path)?;
            let round = round_of(c, &contest, number)?;
            let mut data = Vec::new();
            let mut version = None;
            for a in attempt_store::finished_in_round(c, &round.id)? {
                let v = st.versions.get(c, &a.bank_version_id)?;
                let answers = attempt_store::answers_of(c, &a.id)?;
                let items = a
                    .paper()?
                    .iter()
                    .enumerate()
                    // Survey questions have no right answer: they are
                    // counted on the results page, not analysed here.
                    .filter(|(_, item)| {
                        v.pool
                            .get(item.q as usize)
                            .is_some_and(|q| q.kind != crate::domain::bank::Kind::Survey)
                    })
                    .map(|(i, item)| {
                        let given = answers.get(&(i as i32 + 1));
                        Answered {
                            question: item.q,
                            chosen: given
                                .map(|g| {
                                    crate::domain::kinds::choice::chosen_options(item, g.keys())
                                })
                                .unwrap_or_default(),
                            right: given.is_some_and(|g| {
                                crate::domain::kinds::grade(item, &v.pool[item.q as usize], g)
                            }),
                        }
                    })
                    .collect();
                data.push(AttemptItems {
                    score: a.score.unwrap_or(0),
                    items,
                });
                version = Some(v);
            }
            let Some(v) = version else {
                return Ok(Vec::new());
            };
            let keys = {
                let row = crate::db::banks::version_by_id(c, &v.id)?;
                let slug = crate::db::banks::slug_of_version(c, &row)?;
                match crate::db::banks::bank_by_slug(c, &slug)? {
                    Some(bank) => crate::service::banks::access_to(c, &staff, &bank)?.sees_keys(),
                    None => false,
                }
            };
            Ok(analyse(&data, |q| {
                v.questions
                    .get(q as usize)
                    .map(|x| x.options.len())
                    .unwrap_or(0)
            })
            .into_iter()
            .filter_map(|s| {
                let q = v.questions.get(s.question as usize)?;
                Some(ItemView {
                    id: q.id.clone(),
                    topic: q.topic.clone(),
                    difficulty: q.difficulty,
                    stem: q.stem.clone(),
                    drawn: s.drawn,
                    facility: keys.then_some(s.facility),
                    discrimination: s.discrimination.filter(|_| keys),
                    options: q
                        .options
                        .iter()
                        .enumerate()
                        .map(|(i, text)| ItemOption {
                            text: text.clone(),
                            chosen: keys.then(|| s.option_counts.get(i).copied().unwrap_or(0)),
                            right: keys.then(|| q.correct.contains(&i)),
                        })
                        .collect(),
                    kind: q.kind,
                    key: (keys && q.typed.is_some()).then(|| {
                        crate::domain::kinds::describe(q.kind, &q.correct, q.typed.as_ref())
                    }),
                    flagged: keys && s.flagged,
                })
            })
            .collect())
        })
        .await
}

/// Counts for the live counter of a round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Live {
    pub round: i32,
    pub status: RoundStatus,
    pub in_progress: i64,
    pub submitted: i64,
    pub participants: i64,
    pub at: String,
}

/// Attempts in progress and submitted in a round, and people with a result
/// (public: counts only), from this instance's copies: at most
/// [`MAX_STALE`](crate::service::board_cache::MAX_STALE) old, and never past the round's
/// opening or end (its status changes then).
pub async fn live(
    state: &AppState,
    slug: String,
    number: i32,
) -> Result<Arc<Built<Live>>, AppError> {
    let key = BoardKey::Live {
        slug: slug.clone(),
        round: number,
    };
    let st = state.clone();
    let build = move || async move {
        let now = st.now();
        let (live, until) = st
            .db
            .read(move |c| {
                let contest = contest_store::by_slug(c, &slug)?;
                let round = round_of(c, &contest, number)?;
                let (in_progress, submitted) = attempt_store::status_counts(c, &round.id)?;
                let until = [round.opens_at, round.end()].into_iter().find(|t| now < *t);
                let live = Live {
                    round: number,
                    status: round.status(now),
                    in_progress,
                    submitted,
                    participants: crate::db::attempts::count_results(c, &round.id)?,
                    at: crate::domain::vn_time::fmt_vn(now),
                };
                Ok((live, until))
            })
            .await?;
        Built::new(live, until)
    };
    state.boards.live.get(key, state.now(), build).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverallEntry {
    pub rank: i64,
    pub name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub rounds: i64,
    pub score: i64,
    pub max_score: i64,
    pub duration_ms: i64,
    pub masked_phone: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverallBoard {
    pub contest_title: String,
    pub total: i64,
    pub entries: Vec<OverallEntry>,
}

/// Overall rankings already computed: per (contest, unit scope), the ranked
/// totals and when they were made. Summing every person's results reads the
/// whole contest (~0.7 s at 300,000 people), so an instance does it at most
/// once per [`OVERALL_TTL`] per scope and serves every page from the copy.
#[derive(Default)]
pub struct OverallCache {
    entries: std::sync::Mutex<HashMap<OverallKey, Made>>,
}

type OverallKey = (String, Option<String>);
type Ranked = (i64, results::OverallTotal);
/// When a ranking was made (on the application's clock), and the ranking.
type Made = (chrono::NaiveDateTime, Arc<Vec<Ranked>>);

/// How stale an overall ranking may be.
pub const OVERALL_TTL: chrono::Duration = chrono::Duration::seconds(10);
const OVERALL_KEYS: usize = 32;

impl OverallCache {
    fn get_or_make(
        &self,
        key: OverallKey,
        now: chrono::NaiveDateTime,
        make: impl FnOnce() -> Result<Vec<Ranked>, AppError>,
    ) -> Result<Arc<Vec<Ranked>>, AppError> {
        let fresh = |e: &Made| now - e.0 < OVERALL_TTL && e.0 <= now;
        if let Some(e) = self.lock().get(&key).filter(|e| fresh(e)) {
            return Ok(e.1.clone());
        }
        let ranked = Arc::new(make()?);
        let mut map = self.lock();
        map.retain(|_, e| fresh(e));
        if map.len() >= OVERALL_KEYS {
            map.clear();
        }
        map.insert(key, (now, ranked.clone()));
        Ok(ranked)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<OverallKey, Made>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The overall ranking across rounds: each person's counted best results
/// summed (score desc → total duration asc → fewer rounds needed, i.e.
/// earlier last result asc). At most [`OVERALL_TTL`] old.
pub async fn overall(
    state: &AppState,
    slug: String,
    q: BoardQuery,
) -> Result<OverallBoard, AppError> {
    let (limit, offset) = ranking::page(q.limit, q.offset)?;
    let (limit, offset) = (limit as usize, offset as usize);
    let cache = state.overall.clone();
    let now = state.now();
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            let scope = match q.unit.as_deref().filter(|u| !u.is_empty()) {
                Some(code) => Some(units::by_code(c, code)?.path),
                None => None,
            };
            let key = (contest.id.clone(), scope.clone());
            let ranked = cache.get_or_make(key, now, || {
                let mut totals = results::overall_totals(c, &contest.id, scope.as_deref())?;
                let key = |t: &results::OverallTotal| (-t.score, t.duration_ms, t.last_finished);
                totals.sort_by(|a, b| {
                    key(a)
                        .cmp(&key(b))
                        .then_with(|| a.participant_id.cmp(&b.participant_id))
                });
                let ranks = ranking::competition_ranks(&totals, |a, b| key(a) == key(b));
                Ok(ranks.into_iter().zip(totals).collect::<Vec<Ranked>>())
            })?;
            let total = ranked.len() as i64;
            let page: Vec<(i64, &results::OverallTotal)> = ranked
                .iter()
                .skip(offset)
                .take(limit)
                .map(|(r, t)| (*r, t))
                .collect();
            let people = results::people(
                c,
                page.iter().map(|(_, t)| t.participant_id.clone()).collect(),
            )?;
            let entries = page
                .into_iter()
                .filter_map(|(rank, t)| {
                    let p = people.get(&t.participant_id)?;
                    Some(OverallEntry {
                        rank,
                        name: p.full_name.clone(),
                        unit_code: p.unit_code.clone(),
                        unit_name: p.unit_name.clone(),
                        rounds: t.rounds,
                        score: t.score,
                        max_score: t.max_score,
                        duration_ms: t.duration_ms,
                        masked_phone: mask_phone(&p.phone),
                    })
                })
                .collect();
            Ok(OverallBoard {
                contest_title: contest.title,
                total,
                entries,
            })
        })
        .await
}
