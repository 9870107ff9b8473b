//! The participant's journey through a paper: start, save, resume, submit,
//! and the server finishing attempts whose time ran out.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::attempts::{self as store, Attempt, AttemptStatus, RoundResult};
use crate::db::contests::{self, Contest, Round};
use crate::db::{new_id, participants, DbConn};
use crate::domain::bank::{Kind, LETTERS};
use crate::domain::contest::Category;
use crate::domain::kinds::{self, Given};
use crate::domain::paper::{self, accepts, deadline, Score};
use crate::domain::ranking::Standing;
use crate::error::AppError;
use std::sync::Arc;

use crate::service::open_attempts::OpenAttempt;
use crate::service::state::AppState;
use crate::service::versions::CachedVersion;

/// Practice attempts without a timer get this long.
const UNTIMED_PRACTICE_HOURS: i64 = 12;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShownOption {
    pub key: &'static str,
    pub text: String,
}

/// A question as the participant sees it: never the answer key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShownQuestion {
    pub position: i32,
    pub kind: Kind,
    pub stem: String,
    pub options: Vec<ShownOption>,
    /// Several options may be chosen.
    pub multiple: bool,
    /// Answered with `{"text": …}` (a typed or free-text survey question).
    pub typed: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PredictionPrompt {
    pub prompt: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub attempt_id: String,
    pub contest_slug: String,
    pub contest_title: String,
    /// Round number; None for practice.
    pub round: Option<i32>,
    pub practice: bool,
    /// RFC 3339, UTC.
    pub deadline: String,
    pub questions: Vec<ShownQuestion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<PredictionPrompt>,
    pub status: AttemptStatus,
    /// What was saved so far, by position (JSON object keys are text).
    #[schema(value_type = HashMap<String, Given>)]
    pub answers: HashMap<i32, Given>,
    pub remaining_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultView>,
}

impl AttemptView {
    /// How many questions of the paper are scored (all but surveys).
    pub fn scored(&self) -> usize {
        self.questions
            .iter()
            .filter(|q| q.kind != Kind::Survey)
            .count()
    }

    /// How many scored questions of the paper have nothing saved (a survey
    /// question left blank is not counted: it scores nothing either way).
    pub fn unanswered(&self) -> usize {
        self.questions
            .iter()
            .filter(|q| q.kind != Kind::Survey)
            .filter(|q| self.answers.get(&q.position).is_none_or(Given::is_blank))
            .count()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub score: i32,
    pub max_score: i32,
    pub correct: i32,
    pub total: i32,
    pub duration_ms: i64,
    pub status: AttemptStatus,
}

fn result_of(a: &Attempt) -> Option<ResultView> {
    (!a.is_open()).then(|| ResultView {
        score: a.score.unwrap_or(0),
        max_score: a.max_score,
        correct: a.correct.unwrap_or(0),
        total: a.total,
        duration_ms: a.duration_ms.unwrap_or(0),
        status: a.status,
    })
}

fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn shown_questions(a: &Attempt, v: &CachedVersion) -> Result<Vec<ShownQuestion>, AppError> {
    Ok(a.paper()?
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let q = v.questions.get(item.q as usize)?;
            let form = kinds::form(q.kind, q.typed.as_ref(), q.options.len());
            Some(ShownQuestion {
                position: i as i32 + 1,
                kind: q.kind,
                multiple: form.multiple,
                typed: form.typed,
                stem: q.stem.clone(),
                options: item
                    .o
                    .iter()
                    .enumerate()
                    .map(|(k, orig)| ShownOption {
                        key: LETTERS[k],
                        text: q.options.get(*orig as usize).cloned().unwrap_or_default(),
                    })
                    .collect(),
            })
        })
        .collect())
}

/// Keeps what answer saves check about an open attempt in memory.
fn remember(
    state: &AppState,
    a: &Attempt,
    grace_seconds: i32,
    v: &CachedVersion,
) -> Result<Arc<OpenAttempt>, AppError> {
    let items = a
        .paper()?
        .into_iter()
        .map(|item| {
            let kind = v
                .questions
                .get(item.q as usize)
                .map(|q| kinds::reads_as(q.kind, q.typed.as_ref(), q.options.len()))
                .unwrap_or(Kind::Single);
            (item, kind)
        })
        .collect();
    Ok(state.open_attempts.insert(
        a.id.clone(),
        OpenAttempt {
            participant_id: a.participant_id.clone(),
            deadline: a.deadline,
            grace_seconds,
            items,
        },
    ))
}

fn view(
    conn: &mut DbConn,
    state: &AppState,
    a: &Attempt,
    contest: &Contest,
    now: NaiveDateTime,
) -> Result<AttemptView, AppError> {
    let v = state.versions.get(conn, &a.bank_version_id)?;
    let round = match &a.round_id {
        Some(id) => contests::rounds_of(conn, &contest.id)?
            .into_iter()
            .find(|r| &r.id == id)
            .map(|r| r.number),
        None => None,
    };
    if a.is_open() {
        remember(state, a, contest.grace_seconds, &v)?;
    }
    let answers = store::answers_of(conn, &a.id)?;
    Ok(AttemptView {
        attempt_id: a.id.clone(),
        contest_slug: contest.slug.clone(),
        contest_title: contest.title.clone(),
        round,
        practice: a.practice,
        deadline: rfc3339(a.deadline),
        questions: shown_questions(a, &v)?,
        prediction: contest
            .prediction()
            .filter(|_| !a.practice)
            .map(|p| PredictionPrompt { prompt: p.prompt }),
        status: a.status,
        answers,
        remaining_ms: if a.is_open() {
            (a.deadline - now).num_milliseconds().max(0)
        } else {
            0
        },
        result: result_of(a),
    })
}

/// Finishes one open attempt with what was saved. Returns the attempt as
/// stored afterwards and whether this call finished it (a concurrent call may
/// have finished it first; it is never finished twice).
fn finish_once(
    conn: &mut DbConn,
    state: &AppState,
    a: &Attempt,
    status: AttemptStatus,
    now: NaiveDateTime,
    prediction: Option<i64>,
) -> Result<(Attempt, bool), AppError> {
    let v = state.versions.get(conn, &a.bank_version_id)?;
    let answers = store::answers_of(conn, &a.id)?;
    let s: Score = paper::score(&a.paper()?, &v.pool, &answers);
    let end = if status == AttemptStatus::Expired {
        a.deadline.min(now)
    } else {
        now.min(a.deadline)
    };
    let duration_ms = (end - a.started_at).num_milliseconds().max(0);
    let by_me = store::finish(conn, &a.id, status, now, &s, duration_ms, prediction)?;
    state.open_attempts.remove(&a.id);
    if by_me {
        if let (Some(round_id), false) = (&a.round_id, a.practice) {
            let p = participants::by_id(conn, &a.participant_id)?;
            let result = RoundResult {
                round_id: round_id.clone(),
                participant_id: a.participant_id.clone(),
                attempt_id: a.id.clone(),
                unit_id: p.unit_id.clone(),
                score: s.score,
                max_score: s.max_score,
                duration_ms,
                finished_at: now,
                prediction,
                attempts_used: 1,
                final_rank: None,
            };
            let flagged = p.disqualified_reason.is_some() || p.same_as.is_some();
            record_result(conn, &result, p.category, flagged)?;
        }
    }
    Ok((store::by_id(conn, &a.id)?.ok_or(AppError::NotFound)?, by_me))
}

/// Records a finished attempt in the round's results and keeps the unit
/// figures right: a flagged person (disqualified, or one of a "same person"
/// group) keeps their standing and the round's figures are rebuilt; anyone
/// else moves their unit's figures by the change of their best result.
fn record_result(
    conn: &mut DbConn,
    r: &RoundResult,
    category: Category,
    flagged: bool,
) -> Result<(), AppError> {
    let held = store::standing_of(conn, &r.round_id, &r.participant_id)?;
    store::store_result(conn, r, held.is_some())?;
    if flagged {
        crate::db::review::recount_round(conn, &r.round_id)?;
        return crate::db::unit_stats::rebuild(conn, &r.round_id);
    }
    let new = Standing {
        score: r.score,
        duration_ms: r.duration_ms,
        finished_at: r.finished_at,
    };
    let after = match held {
        Some((best, max, _)) if !new.beats(&best) => (best.score, max),
        _ => (r.score, r.max_score),
    };
    let before = held
        .filter(|(_, _, counted)| *counted)
        .map(|(best, max, _)| (best.score, max));
    crate::db::unit_stats::apply(conn, &r.round_id, &r.unit_id, category, before, Some(after))
}

fn finish(
    conn: &mut DbConn,
    state: &AppState,
    a: &Attempt,
    status: AttemptStatus,
    now: NaiveDateTime,
    prediction: Option<i64>,
) -> Result<Attempt, AppError> {
    finish_once(conn, state, a, status, now, prediction).map(|(a, _)| a)
}

/// Loads an attempt of this participant (anyone else's is "not found"), and
/// finishes it first if its time ran out.
fn load_owned(
    conn: &mut DbConn,
    state: &AppState,
    participant_id: &str,
    attempt_id: &str,
    now: NaiveDateTime,
) -> Result<(Attempt, Contest), AppError> {
    let a = store::by_id(conn, attempt_id)?
        .filter(|a| a.participant_id == participant_id)
        .ok_or(AppError::NotFound)?;
    let contest = contests::by_id(conn, &a.contest_id)?;
    if a.is_open() && !accepts(now, a.deadline, contest.grace_seconds) {
        let a = finish(conn, state, &a, AttemptStatus::Expired, now, None)?;
        return Ok((a, contest));
    }
    Ok((a, contest))
}

/// Starts an attempt (or returns the one already in progress in this round).
pub async fn start(
    state: &AppState,
    participant_id: String,
    practice: bool,
    timed: bool,
) -> Result<AttemptView, AppError> {
    let st = state.clone();
    let now = state.now();
    state
        .db
        .write(move |c| {
            // Concurrent starts by one person take turns: the second sees the
            // first one's open attempt and returns it.
            participants::lock(c, &participant_id)?;
            let p = participants::by_id(c, &participant_id)?;
            let contest = contests::by_id(c, &p.contest_id)?;
            // Attempts already made in the round (an expired one included).
            let mut made = 0;
            let round: Option<Round> = if practice {
                None
            } else {
                let round = contests::open_round(c, &contest.id, now)?.ok_or_else(|| {
                    AppError::conflict(
                        "Hiện không có vòng thi nào đang mở.",
                        "No round is open now.",
                    )
                })?;
                let previous = store::in_round(c, &p.id, &round.id)?;
                if let Some(open) = previous.iter().find(|a| a.is_open()) {
                    if accepts(now, open.deadline, contest.grace_seconds) {
                        return view(c, &st, open, &contest, now);
                    }
                    finish(c, &st, open, AttemptStatus::Expired, now, None)?;
                }
                made = previous.len() as i32;
                if made >= contest.attempts_per_round {
                    return Err(AppError::conflict(
                        format!(
                            "Bạn đã dùng hết {} lượt thi của vòng này.",
                            contest.attempts_per_round
                        ),
                        format!(
                            "All {} attempts of this round are used.",
                            contest.attempts_per_round
                        ),
                    ));
                }
                Some(round)
            };
            let v = st.versions.get(c, &contest.bank_version_id)?;
            let seed: u64 = rand::random();
            let drawn = paper::draw(seed, &v.pool, &contest.blueprint()?);
            let max_score = drawn
                .iter()
                .map(|i| v.pool[i.q as usize].points as i32)
                .sum();
            let scored = drawn.len() as i32;
            // The survey questions, on a person's first paper of a round only.
            let drawn = if round.is_some() && made == 0 {
                paper::with_surveys(drawn, &v.pool)
            } else {
                drawn
            };
            let deadline = match (&round, practice, timed) {
                (Some(r), _, _) => deadline(now, contest.minutes, Some(r.end())),
                (None, true, false) => now + chrono::Duration::hours(UNTIMED_PRACTICE_HOURS),
                (None, _, _) => deadline(now, contest.minutes, None),
            };
            let number = if round.is_some() { made + 1 } else { 0 };
            let a = Attempt {
                id: new_id(),
                contest_id: contest.id.clone(),
                participant_id: p.id.clone(),
                round_id: round.map(|r| r.id),
                number,
                practice,
                bank_version_id: contest.bank_version_id.clone(),
                seed: seed as i64,
                paper: crate::db::json::encode("attempts.paper", &drawn)?,
                started_at: now,
                deadline,
                status: AttemptStatus::Open,
                finished_at: None,
                score: None,
                max_score,
                correct: None,
                total: scored,
                duration_ms: None,
                prediction: None,
            };
            store::insert(c, &a)?;
            view(c, &st, &a, &contest, now)
        })
        .await
}

pub async fn get(
    state: &AppState,
    participant_id: String,
    attempt_id: String,
) -> Result<AttemptView, AppError> {
    let now = state.now();
    let (st, pid, id) = (state.clone(), participant_id.clone(), attempt_id.clone());
    // A reload is a read; only an attempt whose time ran out needs the writer.
    let fresh = state
        .db
        .read(move |c| {
            let a = store::by_id(c, &id)?
                .filter(|a| a.participant_id == pid)
                .ok_or(AppError::NotFound)?;
            let contest = contests::by_id(c, &a.contest_id)?;
            if a.is_open() && !accepts(now, a.deadline, contest.grace_seconds) {
                return Ok(None);
            }
            view(c, &st, &a, &contest, now).map(Some)
        })
        .await?;
    if let Some(v) = fresh {
        return Ok(v);
    }
    let st = state.clone();
    state
        .db
        .write(move |c| {
            let (a, contest) = load_owned(c, &st, &participant_id, &attempt_id, now)?;
            view(c, &st, &a, &contest, now)
        })
        .await
}

/// Saves one answer; acknowledged only once stored. Idempotent.
pub async fn save(
    state: &AppState,
    participant_id: String,
    attempt_id: String,
    position: i32,
    given: Given,
) -> Result<(), AppError> {
    let now = state.now();
    let meta = match state.open_attempts.get(&attempt_id) {
        Some(m) => m,
        None => {
            // Not cached here yet (another instance started it, or a restart): load once.
            let (st, id, pid) = (state.clone(), attempt_id.clone(), participant_id.clone());
            state
                .db
                .read(move |c| {
                    let a = store::by_id(c, &id)?
                        .filter(|a| a.participant_id == pid)
                        .ok_or(AppError::NotFound)?;
                    if !a.is_open() {
                        return Err(AppError::AttemptClosed);
                    }
                    let grace = contests::by_id(c, &a.contest_id)?.grace_seconds;
                    let v = st.versions.get(c, &a.bank_version_id)?;
                    remember(&st, &a, grace, &v)
                })
                .await?
        }
    };
    if meta.participant_id != participant_id {
        return Err(AppError::NotFound);
    }
    if !accepts(now, meta.deadline, meta.grace_seconds) {
        // Time ran out: finish it now with what was saved, then refuse.
        let st = state.clone();
        state
            .db
            .write(move |c| load_owned(c, &st, &participant_id, &attempt_id, now).map(|_| ()))
            .await?;
        return Err(AppError::AttemptClosed);
    }
    let (item, kind) = usize::try_from(position - 1)
        .ok()
        .and_then(|i| meta.items.get(i))
        .ok_or_else(|| {
            AppError::invalid(
                format!("Không có câu số {position}."),
                format!("There is no question {position}."),
            )
        })?;
    let given = kinds::read(given, item, *kind).map_err(|p| AppError::Validation(vec![p]))?;
    state.answers.save(attempt_id, position, given, now).await
}

/// Scores and closes the attempt; a second submit returns the same result.
pub async fn submit(
    state: &AppState,
    participant_id: String,
    attempt_id: String,
    prediction: Option<i64>,
) -> Result<ResultView, AppError> {
    let st = state.clone();
    let now = state.now();
    if let Some(p) = prediction {
        if !(0..=10_000_000).contains(&p) {
            return Err(AppError::invalid(
                "Số dự đoán phải từ 0 đến 10.000.000.",
                "The prediction must be 0–10,000,000.",
            ));
        }
    }
    state
        .db
        .write(move |c| {
            let (a, _) = load_owned(c, &st, &participant_id, &attempt_id, now)?;
            let a = if a.is_open() {
                finish(c, &st, &a, AttemptStatus::Submitted, now, prediction)?
            } else {
                a
            };
            result_of(&a)
                .ok_or_else(|| AppError::Internal("attempt still open after finish".into()))
        })
        .await
}

/// Finishes the attempts still open in a round that is being closed, with
/// what they saved. Returns how many this call finished.
pub fn finish_open_in_round(
    c: &mut DbConn,
    state: &AppState,
    round_id: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut n = 0;
    for a in store::open_in_round(c, round_id)? {
        if finish_once(c, state, &a, AttemptStatus::Expired, now, None)?.1 {
            n += 1;
        }
    }
    Ok(n)
}

/// Finishes every attempt whose deadline and grace have passed. Returns how
/// many this call finished (a concurrent sweeper finishing one first is fine).
pub async fn finish_expired(state: &AppState) -> Result<usize, AppError> {
    let st = state.clone();
    let now = state.now();
    state
        .db
        .write(move |c| {
            let mut finished = 0;
            let mut graces: HashMap<String, i32> = HashMap::new();
            for a in store::overdue(c, now, 500)? {
                let grace = match graces.get(&a.contest_id) {
                    Some(g) => *g,
                    None => {
                        let g = contests::by_id(c, &a.contest_id)?.grace_seconds;
                        graces.insert(a.contest_id.clone(), g);
                        g
                    }
                };
                if accepts(now, a.deadline, grace) {
                    continue;
                }
                if finish_once(c, &st, &a, AttemptStatus::Expired, now, None)?.1 {
                    finished += 1;
                }
            }
            Ok(finished)
        })
        .await
}

/// What the result page shows.
pub struct ResultPage {
    pub attempt: Attempt,
    pub contest: Contest,
    pub round: Option<Round>,
    pub rank: Option<i64>,
    pub ranked: i64,
    pub best: Option<RoundResult>,
    /// Questions with the right keys and explanations, once the round is closed
    /// (and the contest shows them).
    pub review: Option<Vec<Review>>,
    /// Will the answers be shown once the round is closed?
    pub answers_after_close: bool,
}

pub struct Review {
    pub question: ShownQuestion,
    /// Keys chosen (choice kinds).
    pub chosen: Vec<String>,
    /// Right keys as shown on this paper (choice kinds).
    pub right: Vec<String>,
    /// What was typed (typed kinds).
    pub typed: Option<String>,
    /// The key in words (typed kinds): accepted answers, or the number.
    pub key: String,
    /// Whether the answer scored.
    pub correct: bool,
    pub explanation: String,
}

pub async fn result_page(
    state: &AppState,
    participant_id: String,
    attempt_id: String,
) -> Result<ResultPage, AppError> {
    let st = state.clone();
    let now = state.now();
    state
        .db
        .write(move |c| {
            let (a, contest) = load_owned(c, &st, &participant_id, &attempt_id, now)?;
            if a.is_open() {
                return Err(AppError::conflict(
                    "Bài thi chưa nộp.",
                    "The attempt is not submitted yet.",
                ));
            }
            let round = match &a.round_id {
                Some(id) => contests::rounds_of(c, &contest.id)?
                    .into_iter()
                    .find(|r| &r.id == id),
                None => None,
            };
            let (rank, ranked, best) = match &round {
                Some(r) => {
                    let best = store::result_of(c, &r.id, &participant_id)?;
                    let rank = best
                        .as_ref()
                        .map(|b| store::provisional_rank(c, b))
                        .transpose()?;
                    (rank, store::count_results(c, &r.id)?, best)
                }
                None => (None, 0, None),
            };
            // Keys are shown only once the round is over (for practice: every
            // round), so practice cannot leak the answers of a running round.
            let closed = match &round {
                Some(r) => r.status(now) == crate::domain::contest::RoundStatus::Closed,
                None => contests::rounds_of(c, &contest.id)?
                    .iter()
                    .all(|r| r.status(now) == crate::domain::contest::RoundStatus::Closed),
            };
            // Checked here too: a contest saved before banks were shared
            // may say so on a bank whose keys its unit does not hold.
            let answers_after_close = contest.show_answers_after_close && {
                let unit = crate::db::units::by_id(c, &contest.unit_id)?;
                crate::service::banks::unit_may_show_keys(c, &unit.path, &a.bank_version_id)?
            };
            let review = if closed && answers_after_close {
                let v = st.versions.get(c, &a.bank_version_id)?;
                let answers = store::answers_of(c, &a.id)?;
                let paper = a.paper()?;
                Some(
                    shown_questions(&a, &v)?
                        .into_iter()
                        .zip(paper.iter())
                        .map(|(question, item)| {
                            let q = &v.questions[item.q as usize];
                            let pool_q = &v.pool[item.q as usize];
                            let given = answers.get(&question.position);
                            Review {
                                chosen: given.map(|g| g.keys().to_vec()).unwrap_or_default(),
                                right: kinds::choice::right_keys(item, pool_q),
                                typed: given.and_then(Given::text).map(str::to_string),
                                key: kinds::describe(q.kind, &q.correct, q.typed.as_ref()),
                                correct: given.is_some_and(|g| kinds::grade(item, pool_q, g)),
                                explanation: q.explanation.clone(),
                                question,
                            }
                        })
                        .collect(),
                )
            } else {
                None
            };
            Ok(ResultPage {
                attempt: a,
                contest,
                round,
                rank,
                ranked,
                best,
                review,
                answers_after_close,
            })
        })
        .await
}
