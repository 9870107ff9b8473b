//! Who sees a contest's results, and how much: its organizers and admins see
//! full personal data; viewer accounts assigned to it (co-organizing offices)
//! and share links see the same results masked, and can change nothing.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::auth::{Staff, TokenKind};
use crate::db::access::{self as store, ShareLink};
use crate::db::contests::{self as contest_store, Contest};
use crate::db::review::{audit, Audit};
use crate::db::{accounts, new_id, units, DbConn};
use crate::domain::accounts::{Role, Username};
use crate::domain::vn_time::fmt_vn;
use crate::error::{AppError, Problem};
use crate::service::state::AppState;

/// How much of a contest's results a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Organizers in scope and admins: full personal data, may act.
    Full,
    /// Assigned viewers and share links: masked, read-only.
    Masked,
}

/// Who is reading: a staff account, or a share link already checked.
#[derive(Debug, Clone)]
pub enum Reader {
    Staff(Staff),
    Link { contest_slug: String },
}

/// The access a staff member has to a contest; 403 when none.
pub fn staff_access(c: &mut DbConn, staff: &Staff, contest: &Contest) -> Result<Access, AppError> {
    if staff.can_manage(&units::by_id(c, &contest.unit_id)?.path) {
        return Ok(Access::Full);
    }
    if staff.role == Role::Viewer && store::is_viewer_of(c, &contest.id, &staff.id)? {
        return Ok(Access::Masked);
    }
    Err(AppError::Forbidden)
}

/// The access a reader has to the contest `slug`.
pub fn reader_access(
    c: &mut DbConn,
    reader: &Reader,
    contest: &Contest,
) -> Result<Access, AppError> {
    match reader {
        Reader::Staff(s) => staff_access(c, s, contest),
        Reader::Link { contest_slug } if *contest_slug == contest.slug => Ok(Access::Masked),
        Reader::Link { .. } => Err(AppError::Forbidden),
    }
}

/// The contest, for a staff member who may change it (organizer in scope, admin).
pub fn managed(c: &mut DbConn, staff: &Staff, slug: &str) -> Result<Contest, AppError> {
    staff.require_writer()?;
    let contest = contest_store::by_slug(c, slug)?;
    staff.require_manage(&units::by_id(c, &contest.unit_id)?.path)?;
    Ok(contest)
}

/// A contest's access page: its viewers, share links and audit log.
pub struct Overview {
    pub title: String,
    pub viewers: Vec<(String, String)>,
    pub links: Vec<LinkView>,
    pub log: Vec<(crate::db::review::AuditEntry, String)>,
}

/// (username, display name) of a contest's viewers (organizers of the contest).
pub async fn viewers(
    state: &AppState,
    staff: &Staff,
    slug: String,
) -> Result<Vec<(String, String)>, AppError> {
    let staff = staff.clone();
    state
        .db
        .read(move |c| {
            let contest = managed(c, &staff, &slug)?;
            store::viewers(c, &contest.id)
        })
        .await
}

pub async fn overview(state: &AppState, staff: &Staff, slug: String) -> Result<Overview, AppError> {
    let (staff, now, st) = (staff.clone(), state.now(), state.clone());
    state
        .db
        .read(move |c| {
            let contest = managed(c, &staff, &slug)?;
            Ok(Overview {
                viewers: store::viewers(c, &contest.id)?,
                links: store::links_of(c, &contest.id)?
                    .iter()
                    .map(|l| link_view(&st, &contest.slug, l, now))
                    .collect::<Result<_, _>>()?,
                log: crate::db::review::audit_of(c, Some(&contest.id), None, 50)?,
                title: contest.title,
            })
        })
        .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ViewerInput {
    pub username: Username,
}

/// Assigns a viewer account to a contest (organizers of the contest).
pub async fn add_viewer(
    state: &AppState,
    staff: &Staff,
    slug: String,
    input: ViewerInput,
) -> Result<Vec<(String, String)>, AppError> {
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let account = accounts::by_username(c, input.username.as_str())?.ok_or_else(|| {
                AppError::Validation(vec![Problem::new(
                    0,
                    "username",
                    format!("Không có tài khoản \"{}\".", input.username),
                    format!("No account \"{}\".", input.username),
                )])
            })?;
            if account.role()? != Role::Viewer {
                return Err(AppError::Validation(vec![Problem::new(
                    0,
                    "username",
                    "Chỉ thêm được tài khoản có vai trò \"xem\" (cơ quan phối hợp).",
                    "Only viewer accounts can be added.",
                )]));
            }
            if store::add_viewer(c, &contest.id, &account.id, &staff.id, now)? {
                audit(
                    c,
                    Audit {
                        account_id: &staff.id,
                        contest_id: Some(&contest.id),
                        unit_id: None,
                        action: "viewer_added",
                        subject: &account.username,
                        detail: String::new(),
                    },
                    now,
                )?;
            }
            store::viewers(c, &contest.id)
        })
        .await
}

pub async fn remove_viewer(
    state: &AppState,
    staff: &Staff,
    slug: String,
    username: Username,
) -> Result<Vec<(String, String)>, AppError> {
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let account = accounts::by_username(c, username.as_str())?.ok_or(AppError::NotFound)?;
            if store::remove_viewer(c, &contest.id, &account.id)? {
                audit(
                    c,
                    Audit {
                        account_id: &staff.id,
                        contest_id: Some(&contest.id),
                        unit_id: None,
                        action: "viewer_removed",
                        subject: &account.username,
                        detail: String::new(),
                    },
                    now,
                )?;
            }
            store::viewers(c, &contest.id)
        })
        .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LinkInput {
    #[serde(default)]
    pub label: String,
    /// Days until the link expires (1–365, default 30).
    pub days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: String,
    pub label: String,
    pub url: String,
    pub expires_at: String,
    pub revoked: bool,
    pub expired: bool,
}

fn link_view(
    state: &AppState,
    slug: &str,
    l: &ShareLink,
    now: NaiveDateTime,
) -> Result<LinkView, AppError> {
    let exp = l.expires_at.and_utc().timestamp();
    Ok(LinkView {
        id: l.id.clone(),
        label: l.label.clone(),
        url: format!("/s/{}", state.keys.issue_share(&l.id, slug, exp)?),
        expires_at: fmt_vn(l.expires_at),
        revoked: l.revoked_at.is_some(),
        expired: l.expires_at <= now,
    })
}

pub async fn create_link(
    state: &AppState,
    staff: &Staff,
    slug: String,
    input: LinkInput,
) -> Result<LinkView, AppError> {
    let days = input.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(AppError::Validation(vec![Problem::new(
            0,
            "days",
            "Thời hạn liên kết từ 1 đến 365 ngày.",
            "A link lasts 1 to 365 days.",
        )]));
    }
    let label: String = input.label.trim().chars().take(200).collect();
    let (staff, now, st) = (staff.clone(), state.now(), state.clone());
    state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let link = ShareLink {
                id: new_id(),
                contest_id: contest.id.clone(),
                label: if label.is_empty() {
                    "Liên kết xem kết quả".into()
                } else {
                    label
                },
                expires_at: now + Duration::days(days),
                revoked_at: None,
                created_by: staff.id.clone(),
                created_at: now,
            };
            store::insert_link(c, &link)?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: "share_link_created",
                    subject: &link.id,
                    detail: format!("{} ({} ngày)", link.label, days),
                },
                now,
            )?;
            link_view(&st, &contest.slug, &link, now)
        })
        .await
}

pub async fn links(
    state: &AppState,
    staff: &Staff,
    slug: String,
) -> Result<Vec<LinkView>, AppError> {
    let (staff, now, st) = (staff.clone(), state.now(), state.clone());
    state
        .db
        .read(move |c| {
            let contest = managed(c, &staff, &slug)?;
            store::links_of(c, &contest.id)?
                .iter()
                .map(|l| link_view(&st, &contest.slug, l, now))
                .collect()
        })
        .await
}

pub async fn revoke_link(
    state: &AppState,
    staff: &Staff,
    slug: String,
    id: String,
) -> Result<(), AppError> {
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let contest = managed(c, &staff, &slug)?;
            let link = store::link(c, &id)?.ok_or(AppError::NotFound)?;
            if link.contest_id != contest.id {
                return Err(AppError::NotFound);
            }
            store::revoke(c, &id, now)?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: "share_link_revoked",
                    subject: &id,
                    detail: link.label,
                },
                now,
            )
        })
        .await
}

fn link_refused(vi: &str, en: &str) -> AppError {
    AppError::Gone {
        vi: vi.into(),
        en: en.into(),
    }
}

/// Checks a share token: signature, kind, expiry (by the token and by the
/// server's clock) and revocation. Returns the contest slug it opens.
pub async fn open_link(state: &AppState, token: String) -> Result<String, AppError> {
    let expired = || {
        link_refused(
            "Liên kết này đã hết hạn. Vui lòng xin ban tổ chức một liên kết mới.",
            "This link has expired. Ask the organizers for a new one.",
        )
    };
    let claims = match state.keys.verify(&token) {
        Ok(c) if c.kind == TokenKind::Share => c,
        Err(AppError::Unauthorized("token expired")) => return Err(expired()),
        _ => {
            return Err(link_refused(
                "Liên kết không hợp lệ.",
                "This link is not valid.",
            ))
        }
    };
    let now = state.now();
    state
        .db
        .read(move |c| {
            let link = store::link(c, &claims.sub)?
                .ok_or_else(|| link_refused("Liên kết không hợp lệ.", "This link is not valid."))?;
            if link.revoked_at.is_some() {
                return Err(link_refused(
                    "Liên kết này đã bị ban tổ chức thu hồi.",
                    "This link was revoked by the organizers.",
                ));
            }
            if link.expires_at <= now {
                return Err(expired());
            }
            let contest = contest_store::by_id(c, &link.contest_id)?;
            if Some(&contest.slug) != claims.contest.as_ref() {
                return Err(link_refused(
                    "Liên kết không hợp lệ.",
                    "This link is not valid.",
                ));
            }
            Ok(contest.slug)
        })
        .await
}
