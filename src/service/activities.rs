//! Branch activity records: the CONTEST record every eligible unit gets when
//! a round closes, the manual records organizers keep, the ledger API and the
//! yearly "3 chủ động" record by the admin's scheme.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::db::activities::{self as store, Activity};
use crate::db::contests::{Contest, Round};
use crate::db::review::{audit, Audit};
use crate::db::{new_id, prizes, results, settings, units, DbConn};
use crate::domain::activity::{self, round_figures, ResultFact, Scheme, Yearly};
use crate::domain::vn_time::to_vn;
use crate::error::{AppError, Problem};
use crate::service::state::AppState;

const SCHEME_KEY: &str = "activity_scheme";

/// Writes (or updates) one CONTEST record per unit of the contest's eligible
/// tree for the round: units that took no part get theirs too, with zeros.
/// Returns how many records were new.
pub(crate) fn record_round(
    c: &mut DbConn,
    contest: &Contest,
    round: &Round,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let eligible = units::by_id(c, &contest.eligible_unit_id)?;
    let tree = units::subtree(c, &eligible.path)?;
    let facts = results::for_activity(c, &round.id)?;
    let member_phones = results::member_phones(c, &contest.id)?;
    let mut winners: HashMap<String, i32> = HashMap::new();
    for u in prizes::winner_units(c, &round.id)? {
        *winners.entry(u).or_default() += 1;
    }
    let open_date = to_vn(round.opens_at).date_naive();
    let members = units::members_on(c, tree.iter().map(|u| u.id.clone()).collect(), open_date)?;
    let mut by_unit: HashMap<&str, Vec<ResultFact<'_>>> = HashMap::new();
    for f in &facts {
        by_unit
            .entry(f.unit_id.as_str())
            .or_default()
            .push(ResultFact {
                category: f.category,
                score: f.score,
                phone: &f.phone,
                invited_by: f.invited_by_phone.as_deref(),
            });
    }
    let date = to_vn(round.end()).date_naive();
    let title = format!("{} — vòng {}", contest.title, round.number);
    let co = contest.co_organizers()?.join("; ");
    let mut inserted = 0;
    for u in &tree {
        let fig = round_figures(
            by_unit.get(u.id.as_str()).map(Vec::as_slice).unwrap_or(&[]),
            members.get(&u.id).copied(),
            winners.get(&u.id).copied().unwrap_or(0),
            &member_phones,
        );
        let record = Activity {
            id: new_id(),
            unit_id: u.id.clone(),
            kind: "CONTEST".into(),
            date,
            title: title.clone(),
            participants: fig.participants,
            member_participants: fig.member_participants,
            rate: fig.rate,
            average_score: fig.average_score,
            winners: fig.winners,
            invited_youth: fig.invited_youth,
            co_organizers: co.clone(),
            notes: String::new(),
            evidence_url: String::new(),
            contest_id: Some(contest.id.clone()),
            round_id: Some(round.id.clone()),
            recorded_by: None,
            created_at: now,
            updated_at: now,
        };
        if store::upsert_round_record(c, &record)? {
            inserted += 1;
        }
    }
    Ok(inserted)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub kind: String,
    pub kind_label: String,
    pub date: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub member_participants: i32,
    pub rate: Option<f64>,
    pub average_score: Option<f64>,
    pub winners: i32,
    pub invited_youth: i32,
    pub co_organizers: String,
    pub notes: String,
    pub evidence_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contest_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<i32>,
    /// Manual records can be edited; CONTEST records are written by the system.
    pub manual: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    pub year: Option<i32>,
    pub kind: Option<String>,
    #[serde(default)]
    pub subtree: bool,
}

fn year_range(year: i32) -> Result<(NaiveDate, NaiveDate), AppError> {
    let bad = || AppError::invalid("Năm không hợp lệ (2000–2100).", "Invalid year (2000–2100).");
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?;
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or_else(bad)?;
    Ok((from, to))
}

fn entries(
    c: &mut DbConn,
    records: Vec<Activity>,
    tree: &[units::Unit],
) -> Result<Vec<Entry>, AppError> {
    use crate::db::contests as contest_store;
    let names: HashMap<&str, (&str, &str)> = tree
        .iter()
        .map(|u| (u.id.as_str(), (u.code.as_str(), u.name.as_str())))
        .collect();
    let mut contest_cache: HashMap<String, (String, Vec<Round>)> = HashMap::new();
    let mut out = Vec::with_capacity(records.len());
    for a in records {
        let (slug, round) = match (&a.contest_id, &a.round_id) {
            (Some(cid), Some(rid)) => {
                if !contest_cache.contains_key(cid) {
                    let contest = contest_store::by_id(c, cid)?;
                    let rounds = contest_store::rounds_of(c, cid)?;
                    contest_cache.insert(cid.clone(), (contest.slug, rounds));
                }
                let (slug, rounds) = &contest_cache[cid];
                (
                    Some(slug.clone()),
                    rounds.iter().find(|r| &r.id == rid).map(|r| r.number),
                )
            }
            _ => (None, None),
        };
        let (code, name) = names.get(a.unit_id.as_str()).copied().unwrap_or(("", ""));
        out.push(Entry {
            id: a.id,
            unit_code: code.to_string(),
            unit_name: name.to_string(),
            kind_label: activity::kind_label(&a.kind).to_string(),
            kind: a.kind,
            date: a.date,
            title: a.title,
            participants: a.participants,
            member_participants: a.member_participants,
            rate: a.rate,
            average_score: a.average_score,
            winners: a.winners,
            invited_youth: a.invited_youth,
            co_organizers: a.co_organizers,
            notes: a.notes,
            evidence_url: a.evidence_url,
            contest_slug: slug,
            round,
            manual: a.round_id.is_none(),
        });
    }
    Ok(out)
}

/// The unit (in the reader's scope) and the units whose records to read.
fn scoped_tree(
    c: &mut DbConn,
    staff: &Staff,
    code: &str,
    subtree: bool,
) -> Result<(units::Unit, Vec<units::Unit>), AppError> {
    let unit = units::by_code(c, code)?;
    staff.require_manage(&unit.path)?;
    let tree = if subtree {
        units::subtree(c, &unit.path)?
    } else {
        vec![unit.clone()]
    };
    Ok((unit, tree))
}

/// A unit's records of a year (its own; with `subtree`, its descendants' too).
pub async fn ledger(
    state: &AppState,
    staff: &Staff,
    code: String,
    q: LedgerQuery,
) -> Result<Vec<Entry>, AppError> {
    let year = q.year.unwrap_or_else(|| to_vn(state.now()).year());
    let (from, to) = year_range(year)?;
    if let Some(k) = q
        .kind
        .as_deref()
        .filter(|k| !activity::is_kind(k) && !k.is_empty())
    {
        return Err(AppError::invalid(
            format!("Loại hoạt động không hợp lệ: {k}."),
            format!("Unknown activity kind: {k}."),
        ));
    }
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let (_, tree) = scoped_tree(c, &staff, &code, q.subtree)?;
            let ids: Vec<String> = tree.iter().map(|u| u.id.clone()).collect();
            let kind = q.kind.as_deref().filter(|k| !k.is_empty());
            let records = store::of_units(c, &ids, from, to, kind)?;
            entries(c, records, &tree)
        })
        .await
}

/// One child's roll-up of its subtree's records in the year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rollup {
    pub unit_code: String,
    pub unit_name: String,
    pub records: usize,
    pub contest_participants: i64,
    pub invited_youth: i64,
    pub yearly: Yearly,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearPage {
    pub unit: units::Unit,
    pub year: i32,
    pub entries: Vec<Entry>,
    pub yearly: Yearly,
    pub scheme: Scheme,
    pub children: Vec<Rollup>,
    /// The latest changes to the unit's manual records, with who made them.
    pub changes: Vec<(crate::db::review::AuditEntry, String)>,
}

/// The unit's year: its own records, their "3 chủ động" totals and level,
/// and each child's subtree rolled up.
pub async fn year_page(
    state: &AppState,
    staff: &Staff,
    code: String,
    year: Option<i32>,
) -> Result<YearPage, AppError> {
    let year = year.unwrap_or_else(|| to_vn(state.now()).year());
    let (from, to) = year_range(year)?;
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let scheme = scheme_of(c)?;
            let (unit, tree) = scoped_tree(c, &staff, &code, true)?;
            let ids: Vec<String> = tree.iter().map(|u| u.id.clone()).collect();
            let all = store::of_units(c, &ids, from, to, None)?;
            let own: Vec<Activity> = all
                .iter()
                .filter(|a| a.unit_id == unit.id)
                .cloned()
                .collect();
            let yearly = scheme.evaluate(own.iter().map(|a| a.kind.as_str()));
            let path_of: HashMap<&str, &str> = tree
                .iter()
                .map(|u| (u.id.as_str(), u.path.as_str()))
                .collect();
            let children = tree
                .iter()
                .filter(|u| u.depth == unit.depth + 1)
                .map(|child| {
                    let mine: Vec<&Activity> = all
                        .iter()
                        .filter(|a| {
                            path_of
                                .get(a.unit_id.as_str())
                                .is_some_and(|p| p.starts_with(&child.path))
                        })
                        .collect();
                    let child_own = mine.iter().filter(|a| a.unit_id == child.id);
                    Rollup {
                        unit_code: child.code.clone(),
                        unit_name: child.name.clone(),
                        records: mine.len(),
                        contest_participants: mine.iter().map(|a| a.participants as i64).sum(),
                        invited_youth: mine.iter().map(|a| a.invited_youth as i64).sum(),
                        yearly: scheme.evaluate(child_own.map(|a| a.kind.as_str())),
                    }
                })
                .collect();
            let entries = entries(c, own, &tree)?;
            let changes = crate::db::review::audit_of(c, None, Some(vec![unit.id.clone()]), 30)?;
            Ok(YearPage {
                unit,
                year,
                entries,
                yearly,
                scheme,
                children,
                changes,
            })
        })
        .await
}

pub fn scheme_of(c: &mut DbConn) -> Result<Scheme, AppError> {
    Ok(match settings::get(c, SCHEME_KEY)? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| AppError::Internal(format!("stored scheme unreadable: {e}")))?,
        None => Scheme::default(),
    })
}

pub async fn scheme(state: &AppState) -> Result<Scheme, AppError> {
    state.db.read(scheme_of).await
}

/// Replaces the scheme (admins only; checked first, nothing saved on error).
pub async fn set_scheme(
    state: &AppState,
    staff: &Staff,
    scheme: Scheme,
) -> Result<Scheme, AppError> {
    staff.require_admin()?;
    scheme.check().map_err(AppError::Validation)?;
    let json = serde_json::to_string(&scheme).map_err(|e| AppError::Internal(e.to_string()))?;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            settings::set(c, SCHEME_KEY, &json)?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: None,
                    unit_id: None,
                    action: "scheme_updated",
                    subject: SCHEME_KEY,
                    detail: json,
                },
                now,
            )?;
            Ok(scheme)
        })
        .await
}

/// A manual record as organizers enter it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    pub kind: String,
    /// yyyy-mm-dd
    pub date: String,
    pub title: String,
    #[serde(default)]
    pub participants: Option<i32>,
    #[serde(default)]
    pub member_participants: Option<i32>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub evidence_url: String,
}

struct Checked {
    kind: String,
    date: NaiveDate,
    title: String,
    participants: i32,
    member_participants: i32,
    notes: String,
    evidence_url: String,
}

fn check_record(input: &RecordInput) -> Result<Checked, AppError> {
    let mut p = Vec::new();
    let kind = input.kind.trim().to_uppercase();
    if kind == "CONTEST" || !activity::is_kind(&kind) {
        p.push(Problem::new(
            0,
            "kind",
            "Chọn loại hoạt động (hội thi được ghi tự động khi đóng vòng thi).",
            "Pick an activity kind (contest records are written when a round closes).",
        ));
    }
    let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(input.date.trim(), "%d/%m/%Y"));
    if date.is_err() {
        p.push(Problem::new(
            0,
            "date",
            "Ngày không hợp lệ (dd/mm/yyyy).",
            "Invalid date (dd/mm/yyyy or yyyy-mm-dd).",
        ));
    }
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 300 {
        p.push(Problem::new(
            0,
            "title",
            "Tên hoạt động không được trống, tối đa 300 ký tự.",
            "The title must be 1–300 characters.",
        ));
    }
    let participants = input.participants.unwrap_or(0);
    let members = input.member_participants.unwrap_or(0);
    if !(0..=1_000_000).contains(&participants) || !(0..=participants.max(0)).contains(&members) {
        p.push(Problem::new(
            0,
            "participants",
            "Số người tham gia không hợp lệ (số đoàn viên không vượt quá tổng số).",
            "Invalid participant counts (members cannot exceed the total).",
        ));
    }
    let evidence_url = input.evidence_url.trim().to_string();
    if !evidence_url.is_empty()
        && (!(evidence_url.starts_with("https://") || evidence_url.starts_with("http://"))
            || evidence_url.len() > 1000)
    {
        p.push(Problem::new(
            0,
            "evidence_url",
            "Đường dẫn minh chứng phải bắt đầu bằng http:// hoặc https://.",
            "The evidence link must start with http:// or https://.",
        ));
    }
    let notes: String = input.notes.trim().chars().take(5000).collect();
    match (p.is_empty(), date) {
        (true, Ok(date)) => Ok(Checked {
            kind,
            date,
            title,
            participants,
            member_participants: members,
            notes,
            evidence_url,
        }),
        _ => Err(AppError::Validation(p)),
    }
}

fn log(
    c: &mut DbConn,
    staff: &Staff,
    unit_id: &str,
    action: &str,
    a: &Activity,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    audit(
        c,
        Audit {
            account_id: &staff.id,
            contest_id: None,
            unit_id: Some(unit_id),
            action,
            subject: &a.id,
            detail: format!("{} {} {}", a.kind, a.date, a.title),
        },
        now,
    )
}

pub async fn create_record(
    state: &AppState,
    staff: &Staff,
    code: String,
    input: RecordInput,
) -> Result<Entry, AppError> {
    staff.require_writer()?;
    let r = check_record(&input)?;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let unit = units::by_code(c, &code)?;
            staff.require_manage(&unit.path)?;
            let a = Activity {
                id: new_id(),
                unit_id: unit.id.clone(),
                kind: r.kind,
                date: r.date,
                title: r.title,
                participants: r.participants,
                member_participants: r.member_participants,
                rate: None,
                average_score: None,
                winners: 0,
                invited_youth: 0,
                co_organizers: String::new(),
                notes: r.notes,
                evidence_url: r.evidence_url,
                contest_id: None,
                round_id: None,
                recorded_by: Some(staff.id.clone()),
                created_at: now,
                updated_at: now,
            };
            store::insert(c, &a)?;
            log(c, &staff, &unit.id, "activity_created", &a, now)?;
            Ok(entries(c, vec![a], &[unit])?.remove(0))
        })
        .await
}

/// Loads a manual record the staff member may change.
fn editable(c: &mut DbConn, staff: &Staff, id: &str) -> Result<(Activity, units::Unit), AppError> {
    staff.require_writer()?;
    let a = store::by_id(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::by_id(c, &a.unit_id)?;
    staff.require_manage(&unit.path)?;
    if a.round_id.is_some() {
        return Err(AppError::conflict(
            "Bản ghi hội thi do hệ thống ghi khi đóng vòng thi, không sửa tay được.",
            "Contest records are written by the system when a round closes.",
        ));
    }
    Ok((a, unit))
}

pub async fn update_record(
    state: &AppState,
    staff: &Staff,
    id: String,
    input: RecordInput,
) -> Result<Entry, AppError> {
    let r = check_record(&input)?;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let (old, unit) = editable(c, &staff, &id)?;
            let a = Activity {
                kind: r.kind,
                date: r.date,
                title: r.title,
                participants: r.participants,
                member_participants: r.member_participants,
                notes: r.notes,
                evidence_url: r.evidence_url,
                updated_at: now,
                ..old
            };
            store::update(c, &a)?;
            log(c, &staff, &unit.id, "activity_updated", &a, now)?;
            Ok(entries(c, vec![a], &[unit])?.remove(0))
        })
        .await
}

pub async fn delete_record(
    state: &AppState,
    staff: &Staff,
    id: String,
) -> Result<String, AppError> {
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let (a, unit) = editable(c, &staff, &id)?;
            store::delete(c, &a.id)?;
            log(c, &staff, &unit.id, "activity_deleted", &a, now)?;
            Ok(unit.code)
        })
        .await
}
