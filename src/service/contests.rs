//! Contests for organizers (create, edit, close a round) and their public face.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::auth::Staff;
use crate::db::contests::{self as store, Contest, Links, Round};
use crate::db::{banks, participants, units, DbConn};
use crate::domain::bank_access::BankAccess;
use crate::domain::contest::RoundStatus;
use crate::domain::contest::{check_contest, Category, ContestInput, ContestSettings};
use crate::domain::paper::validate_blueprint;
use crate::domain::vn_time::to_vn;
use crate::error::{AppError, Problem};
use crate::service::banks::access_to;
use crate::service::state::AppState;

/// What a contest links to, once resolved: (unit, eligible unit, bank version) ids.
type Resolved = (String, String, String);

/// A unit named by code, or a problem at `field`.
fn unit_at(
    c: &mut DbConn,
    code: &str,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Result<Option<units::Unit>, AppError> {
    match units::by_code(c, code) {
        Ok(u) => Ok(Some(u)),
        Err(AppError::NotFound) => {
            let (vi, en) = if code.is_empty() {
                ("Hãy chọn đơn vị.".to_string(), "Choose a unit.".to_string())
            } else {
                (
                    format!("Không có đơn vị mã {code}."),
                    format!("No unit with code {code}."),
                )
            };
            problems.push(Problem::new(0, field, vi, en));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Resolves units and the bank version, checks scope and the blueprint;
/// every problem goes to `problems` (a unit outside the caller's reach, or
/// a bank the caller may not use, is refused at once). `current` is the
/// bank version the contest already uses when it is edited: keeping it
/// needs no access to the bank (contests built before banks were shared
/// keep working). Also says what the caller may see of the bank.
fn resolve(
    c: &mut DbConn,
    state: &AppState,
    staff: &Staff,
    input: &ContestInput,
    current: Option<&str>,
    problems: &mut Vec<Problem>,
) -> Result<(Option<Resolved>, BankAccess), AppError> {
    let mut bank_access = BankAccess::Full;
    let unit = unit_at(c, input.unit_code.trim(), "unit_code", problems)?;
    if let Some(u) = &unit {
        staff.require_manage(&u.path)?;
    }
    let eligible = match input
        .eligible_unit_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => unit_at(c, code, "eligible_unit_code", problems)?,
        None => unit.clone(),
    };
    if let Some(e) = &eligible {
        staff.require_manage(&e.path)?;
    }
    let version = match banks::bank_by_slug(c, input.bank_slug.trim())? {
        None => {
            problems.push(Problem::new(
                0,
                "bank_slug",
                format!("Không có ngân hàng câu hỏi {}.", input.bank_slug),
                format!("No question bank {}.", input.bank_slug),
            ));
            None
        }
        Some(bank) => {
            bank_access = access_to(c, staff, &bank)?;
            if !bank_access.can_read() && current.is_none() {
                return Err(AppError::Forbidden);
            }
            let version = match input.bank_version {
                Some(n) => match banks::version(c, &bank.id, n) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        problems.push(Problem::new(
                            0,
                            "bank_version",
                            format!("Ngân hàng không có phiên bản {n}."),
                            format!("The bank has no version {n}."),
                        ));
                        None
                    }
                },
                None => {
                    let latest = banks::versions(c, &bank.id)?.into_iter().next();
                    if latest.is_none() {
                        problems.push(Problem::new(
                            0,
                            "bank_slug",
                            "Ngân hàng câu hỏi này chưa có phiên bản nào.",
                            "This bank has no version yet.",
                        ));
                    }
                    latest
                }
            };
            if !bank_access.can_read() && version.as_ref().map(|v| v.id.as_str()) != current {
                return Err(AppError::Forbidden);
            }
            version
        }
    };
    if let Some(version) = &version {
        let v = state.versions.get(c, &version.id)?;
        if let Err(found) = validate_blueprint(&input.blueprint, &v.pool) {
            problems.extend(found);
        }
    }
    let resolved = match (unit, eligible, version) {
        (Some(u), Some(e), Some(v)) => Some((u.id, e.id, v.id)),
        _ => None,
    };
    Ok((resolved, bank_access))
}

/// Checks the settings and the links together, so a form shows every
/// problem at once; then stores with `store` (create or update).
fn check_and_store(
    c: &mut DbConn,
    state: &AppState,
    staff: &Staff,
    input: &ContestInput,
    current: Option<&str>,
    store: impl FnOnce(&mut DbConn, &ContestSettings, &Links) -> Result<Contest, AppError>,
) -> Result<Saved, AppError> {
    let (mut settings, mut problems) = match check_contest(input) {
        Ok(s) => (Some(s), Vec::new()),
        Err(p) => (None, p),
    };
    let (resolved, bank_access) = resolve(c, state, staff, input, current, &mut problems)?;
    let unit_may_show = match &resolved {
        Some((unit_id, _, version_id)) => {
            let path = units::by_id(c, unit_id)?.path;
            crate::service::banks::unit_may_show_keys(c, &path, version_id)?
        }
        None => true,
    };
    if !(bank_access.sees_keys() && unit_may_show) {
        // Answers shown after the close would hand the keys of a bank
        // shared from above to whoever takes the contest (or to the
        // organizers of its unit, who may close a round early): refused
        // when asked for, off when not said.
        if input.show_answers_after_close == Some(true) {
            problems.push(Problem::new(
                0,
                "show_answers_after_close",
                "Ngân hàng này được chia sẻ từ cấp trên, không kèm đáp án cho đơn vị tổ chức: không thể hiện đáp án và giải thích sau khi vòng thi kết thúc. Hãy bỏ chọn ô này.",
                "This bank is shared from above without its answers for the organizing unit: answers and explanations cannot be shown after a round closes. Untick this box.",
            ));
        }
        if let Some(s) = settings.as_mut() {
            s.show_answers_after_close = false;
        }
    }
    let (Some(settings), Some((unit_id, eligible_unit_id, bank_version_id)), true) =
        (settings, resolved, problems.is_empty())
    else {
        return Err(AppError::Validation(problems));
    };
    let links = Links {
        unit_id: &unit_id,
        eligible_unit_id: &eligible_unit_id,
        bank_version_id: &bank_version_id,
        blueprint: &input.blueprint,
    };
    let contest = store(c, &settings, &links).map_err(|e| match e {
        // A code taken by another contest: said at the field.
        AppError::Conflict { vi, en } => {
            AppError::Validation(vec![Problem::new(0, "slug", vi, en)])
        }
        e => e,
    })?;
    Ok(Saved {
        slug: contest.slug,
        title: contest.title,
        rounds: settings.rounds.len(),
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub slug: String,
    pub title: String,
    pub rounds: usize,
}

pub async fn create(
    state: &AppState,
    staff: &Staff,
    input: ContestInput,
) -> Result<Saved, AppError> {
    staff.require_writer()?;
    let (st, staff) = (state.clone(), staff.clone());
    state
        .db
        .write(move |c| check_and_store(c, &st, &staff, &input, None, store::create))
        .await
}

pub async fn update(
    state: &AppState,
    staff: &Staff,
    slug: String,
    mut input: ContestInput,
) -> Result<Saved, AppError> {
    staff.require_writer()?;
    input.slug = slug.clone();
    let (st, staff) = (state.clone(), staff.clone());
    let cached = slug.clone();
    let done = state
        .db
        .write(move |c| {
            let existing = store::by_slug(c, &slug)?;
            staff.require_manage(&units::by_id(c, &existing.unit_id)?.path)?;
            let current = existing.bank_version_id.clone();
            check_and_store(
                c,
                &st,
                &staff,
                &input,
                Some(&current),
                |c, settings, links| store::update(c, &existing, settings, links),
            )
        })
        .await;
    // Whatever the outcome, this instance's copies of the boards are dropped.
    state.boards.forget(&cached);
    done
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub number: i32,
    pub opens_at: String,
    pub closes_at: String,
    pub status: RoundStatus,
}

pub fn round_view(r: &Round, now: NaiveDateTime) -> RoundView {
    RoundView {
        number: r.number,
        opens_at: to_vn(r.opens_at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        closes_at: to_vn(r.end()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        status: r.status(now),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
}

/// A category a registration form offers: its code and Vietnamese label.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryOption {
    pub code: Category,
    pub name: &'static str,
}

/// What anyone may see of a contest.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicContest {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// The organizing unit's name ("Đoàn xã Tân Phú").
    pub organizer: String,
    /// The organizing unit's code (its emblem is at `/u/{code}/logo`).
    pub organizer_code: String,
    /// Has the organizing unit uploaded its logo?
    pub organizer_logo: bool,
    /// "Thể lệ" (plain text; empty when the contest has none).
    pub rules: String,
    pub co_organizers: Vec<String>,
    pub minutes: i32,
    pub attempts_per_round: i32,
    pub questions: u32,
    pub age_min: i32,
    pub age_max: i32,
    pub rounds: Vec<RoundView>,
    pub units: Vec<UnitRef>,
    pub categories: Vec<CategoryOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<String>,
    pub participants: i64,
    /// What proves a participant's phone ("birth_date" or "otp" in JSON).
    pub identity_check: crate::domain::contest::IdentityCheck,
}

pub fn public_of(
    c: &mut DbConn,
    contest: &Contest,
    now: NaiveDateTime,
) -> Result<PublicContest, AppError> {
    let eligible = units::by_id(c, &contest.eligible_unit_id)?;
    let subtree = units::subtree(c, &eligible.path)?;
    let tree = units::views(c, subtree)?;
    let organizer = if contest.unit_id == eligible.id {
        eligible.clone()
    } else {
        units::by_id(c, &contest.unit_id)?
    };
    Ok(PublicContest {
        slug: contest.slug.clone(),
        title: contest.title.clone(),
        description: contest.description.clone(),
        organizer_logo: units::has_logo(c, &organizer.id)?,
        organizer: organizer.name,
        organizer_code: organizer.code,
        rules: contest.rules.clone(),
        co_organizers: contest.co_organizers()?,
        minutes: contest.minutes,
        attempts_per_round: contest.attempts_per_round,
        questions: contest.blueprint()?.iter().map(|c| c.count).sum(),
        age_min: contest.age_min,
        age_max: contest.age_max,
        rounds: store::rounds_of(c, &contest.id)?
            .iter()
            .map(|r| round_view(r, now))
            .collect(),
        units: tree
            .into_iter()
            .map(|u| UnitRef {
                code: u.code,
                name: u.name,
                level: u.level,
                parent_code: u.parent_code,
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|&code| CategoryOption {
                code,
                name: code.label(),
            })
            .collect(),
        prediction: contest.prediction().map(|p| p.prompt),
        participants: participants::count(c, &contest.id)?,
        identity_check: contest.identity_check,
    })
}

pub async fn public(state: &AppState, slug: String) -> Result<PublicContest, AppError> {
    let now = state.now();
    state
        .db
        .read(move |c| {
            let contest = store::by_slug(c, &slug)?;
            public_of(c, &contest, now)
        })
        .await
}

/// Contests the staff member may manage (admins: all; viewers: none here).
/// A contest as the public home page lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub slug: String,
    pub title: String,
    pub organizer: String,
    /// The first round's opening and the last round's end.
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    /// Open while any round is open; upcoming before the first opens.
    pub status: RoundStatus,
}

/// How many finished contests the home page shows.
pub const RECENTLY_CLOSED: usize = 10;

/// Every contest anyone may enter or look at: open ones first (closing
/// soonest first), then upcoming (opening soonest first), then the most
/// recently closed.
pub async fn listed(state: &AppState) -> Result<Vec<Listed>, AppError> {
    let now = state.now();
    let mut all = state
        .db
        .read(move |c| {
            // Three queries whatever the number of contests: this page is public.
            let mut by_contest: Vec<(Contest, Vec<Round>)> = Vec::new();
            for (contest, round) in store::all_rounds(c)? {
                match by_contest.last_mut() {
                    Some((last, rounds)) if last.id == contest.id => rounds.push(round),
                    _ => by_contest.push((contest, vec![round])),
                }
            }
            let unit_ids: Vec<String> = by_contest.iter().map(|(k, _)| k.unit_id.clone()).collect();
            let organizers = units::names_of(c, &unit_ids)?;
            let mut out = Vec::new();
            for (contest, rounds) in by_contest {
                let (Some(first), Some(last)) = (
                    rounds.iter().map(|r| r.opens_at).min(),
                    rounds.iter().map(Round::end).max(),
                ) else {
                    continue;
                };
                let statuses: Vec<RoundStatus> = rounds.iter().map(|r| r.status(now)).collect();
                let status = if statuses.contains(&RoundStatus::Open) {
                    RoundStatus::Open
                } else if statuses.contains(&RoundStatus::Upcoming) {
                    RoundStatus::Upcoming
                } else {
                    RoundStatus::Closed
                };
                out.push(Listed {
                    slug: contest.slug,
                    title: contest.title,
                    organizer: organizers
                        .get(&contest.unit_id)
                        .cloned()
                        .unwrap_or_default(),
                    opens_at: first,
                    closes_at: last,
                    status,
                });
            }
            Ok(out)
        })
        .await?;
    let order = |l: &Listed| match l.status {
        RoundStatus::Open => (0, l.closes_at.and_utc().timestamp()),
        RoundStatus::Upcoming => (1, l.opens_at.and_utc().timestamp()),
        RoundStatus::Closed => (2, -l.closes_at.and_utc().timestamp()),
    };
    all.sort_by_key(order);
    let mut closed = 0;
    all.retain(|l| {
        closed += usize::from(l.status == RoundStatus::Closed);
        l.status != RoundStatus::Closed || closed <= RECENTLY_CLOSED
    });
    Ok(all)
}

pub async fn list(
    state: &AppState,
    staff: &Staff,
) -> Result<Vec<(Contest, Vec<Round>, i64)>, AppError> {
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let mut out = Vec::new();
            let assigned = crate::db::access::contests_of_viewer(c, &staff.id)?;
            for contest in store::all(c)? {
                let path = units::by_id(c, &contest.unit_id)?.path;
                if staff.can_manage(&path) || assigned.contains(&contest.slug) {
                    let rounds = store::rounds_of(c, &contest.id)?;
                    let n = participants::count(c, &contest.id)?;
                    out.push((contest, rounds, n));
                }
            }
            Ok(out)
        })
        .await
}

/// A contest for its organizers: the row, its rounds and the raw input to edit.
pub async fn for_organizer(
    state: &AppState,
    staff: &Staff,
    slug: String,
) -> Result<(Contest, Vec<Round>, PublicContest, String, Option<i32>), AppError> {
    let staff = staff.clone();
    let now = state.now();
    state
        .db
        .read(move |c| {
            let contest = store::by_slug(c, &slug)?;
            staff.require_manage(&units::by_id(c, &contest.unit_id)?.path)?;
            let rounds = store::rounds_of(c, &contest.id)?;
            let public = public_of(c, &contest, now)?;
            let version = banks::version_by_id(c, &contest.bank_version_id)?;
            let bank_slug = banks::slug_of_version(c, &version)?;
            Ok((contest, rounds, public, bank_slug, Some(version.number)))
        })
        .await
}

/// The topic summary (questions per topic and difficulty, no keys) of the
/// bank version a contest uses, for its organizers' edit form: a contest
/// built on a bank its organizer no longer sees (an owner who stopped
/// sharing) is still edited on the same version.
pub async fn bank_summary(
    state: &AppState,
    staff: &Staff,
    slug: String,
) -> Result<Vec<crate::domain::bank::TopicSummary>, AppError> {
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let contest = store::by_slug(c, &slug)?;
            staff.require_manage(&units::by_id(c, &contest.unit_id)?.path)?;
            let version = banks::version_by_id(c, &contest.bank_version_id)?;
            let bank_slug = banks::slug_of_version(c, &version)?;
            let bank = banks::load_bank(c, &bank_slug, &version)?;
            Ok(crate::domain::bank::summary(&bank))
        })
        .await
}

/// The codes of a contest's organizing unit and of the unit whose members may take part.
pub async fn unit_codes(state: &AppState, contest: &Contest) -> Result<(String, String), AppError> {
    let (u, e) = (contest.unit_id.clone(), contest.eligible_unit_id.clone());
    state
        .db
        .read(move |c| Ok((units::by_id(c, &u)?.code, units::by_id(c, &e)?.code)))
        .await
}
