use serde::Deserialize;

use crate::auth::Staff;
use crate::db::units::{self as store};
pub use crate::db::units::{ImportSummary, UnitView};
use crate::db::Db;
use crate::domain::units::{check_code, check_members, check_text};
use crate::domain::vn_time;
use crate::error::{AppError, Problem};
use crate::service::state::AppState;

/// A unit as a form or the API submits it (members as typed text).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UnitInput {
    #[serde(default)]
    pub code: String,
    pub name: String,
    pub level: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default, deserialize_with = "number_or_text")]
    pub members: Option<String>,
}

fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<serde_json::Value> = Option::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

struct Checked {
    code: String,
    name: String,
    level: String,
    /// None: not given (keep); Some(None): a root; Some(Some(code)).
    parent_code: Option<Option<String>>,
    members: Option<i32>,
}

fn check(input: &UnitInput, with_code: bool) -> Result<Checked, AppError> {
    let mut problems = Vec::new();
    let mut field = |name: &str, r: Result<String, (String, String)>| {
        r.map_err(|(vi, en)| problems.push(Problem::new(0, name, vi, en)))
            .unwrap_or_default()
    };
    let code = if with_code {
        field("code", check_code(&input.code))
    } else {
        input.code.clone()
    };
    let name = field(
        "name",
        check_text(&input.name, 200, "tên đơn vị", "unit name"),
    );
    let level = field("level", check_text(&input.level, 60, "cấp đơn vị", "level"));
    let parent_code = match input.parent_code.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(p) => Some(Some(field("parent_code", check_code(p)))),
    };
    let members = check_members(input.members.as_deref().unwrap_or(""))
        .map_err(|(vi, en)| problems.push(Problem::new(0, "members", vi, en)))
        .unwrap_or(None);
    if problems.is_empty() {
        Ok(Checked {
            code,
            name,
            level,
            parent_code,
            members,
        })
    } else {
        Err(AppError::Validation(problems))
    }
}

fn parent_by_code(c: &mut crate::db::DbConn, code: &str) -> Result<store::Unit, AppError> {
    store::by_code(c, code).map_err(|e| match e {
        AppError::NotFound => AppError::Validation(vec![Problem::new(
            0,
            "parent_code",
            format!("Không có đơn vị cấp trên mã {code}."),
            format!("There is no parent unit with code {code}."),
        )]),
        e => e,
    })
}

/// Lists the subtree at `root` (default: the caller's own unit, or every
/// unit for an admin without a unit).
pub async fn list(db: &Db, staff: &Staff, root: Option<String>) -> Result<Vec<UnitView>, AppError> {
    let staff = staff.clone();
    db.read(move |c| {
        let root_path = match (root, &staff.scope) {
            (Some(code), _) => {
                let unit = store::by_code(c, &code)?;
                if !staff.is_admin()
                    && !staff
                        .scope
                        .as_ref()
                        .is_some_and(|s| unit.path.starts_with(&s.path))
                {
                    return Err(AppError::Forbidden);
                }
                Some(unit.path)
            }
            (None, Some(scope)) => Some(scope.path.clone()),
            (None, None) if staff.is_admin() => None,
            (None, None) => return Err(AppError::Forbidden),
        };
        let list = match root_path {
            Some(p) => store::subtree(c, &p)?,
            None => store::all(c)?,
        };
        store::views(c, list)
    })
    .await
}

pub async fn get(db: &Db, staff: &Staff, code: String) -> Result<UnitView, AppError> {
    let staff = staff.clone();
    db.read(move |c| {
        let unit = store::by_code(c, &code)?;
        if !staff.is_admin()
            && !staff
                .scope
                .as_ref()
                .is_some_and(|s| unit.path.starts_with(&s.path))
        {
            return Err(AppError::Forbidden);
        }
        store::views(c, vec![unit])?.pop().ok_or(AppError::NotFound)
    })
    .await
}

pub async fn create(
    state: &AppState,
    staff: &Staff,
    input: UnitInput,
) -> Result<UnitView, AppError> {
    staff.require_writer()?;
    let v = check(&input, true)?;
    let staff = staff.clone();
    let today = vn_time::today(state.now());
    state
        .db
        .write(move |c| {
            let parent = match v.parent_code.flatten() {
                Some(p) => Some(parent_by_code(c, &p)?),
                None => None,
            };
            match &parent {
                Some(p) => staff.require_manage(&p.path)?,
                None => staff.require_admin()?,
            }
            let unit = store::create(c, &v.code, &v.name, &v.level, parent.as_ref())?;
            if let Some(m) = v.members {
                store::set_members(c, &unit.id, today, m)?;
            }
            store::views(c, vec![unit])?.pop().ok_or(AppError::NotFound)
        })
        .await
}

pub async fn update(
    state: &AppState,
    staff: &Staff,
    code: String,
    input: UnitInput,
) -> Result<UnitView, AppError> {
    staff.require_writer()?;
    let v = check(&input, false)?;
    let staff = staff.clone();
    let today = vn_time::today(state.now());
    state
        .db
        .write(move |c| {
            let unit = store::by_code(c, &code)?;
            staff.require_manage(&unit.path)?;
            let parent = match &v.parent_code {
                Some(Some(p)) => Some(parent_by_code(c, p)?),
                Some(None) => None,
                None => unit
                    .parent_id
                    .as_deref()
                    .map(|id| store::by_id(c, id))
                    .transpose()?,
            };
            let moving = parent.as_ref().map(|p| &p.id) != unit.parent_id.as_ref();
            if moving {
                // Moving needs rights over the destination too; an organizer
                // cannot move their own root unit out of scope.
                match &parent {
                    Some(p) => staff.require_manage(&p.path)?,
                    None => staff.require_admin()?,
                }
                if !staff.is_admin() && staff.scope.as_ref().is_some_and(|s| s.unit_id == unit.id) {
                    return Err(AppError::Forbidden);
                }
            }
            let unit = store::update(c, &unit, &v.name, &v.level, parent.as_ref())?;
            if let Some(m) = v.members {
                store::set_members(c, &unit.id, today, m)?;
            }
            store::views(c, vec![unit])?.pop().ok_or(AppError::NotFound)
        })
        .await
}

pub async fn import(
    state: &AppState,
    staff: &Staff,
    bytes: Vec<u8>,
) -> Result<ImportSummary, AppError> {
    staff.require_writer()?;
    let scope = if staff.is_admin() {
        None
    } else {
        Some(
            staff
                .scope
                .as_ref()
                .map(|s| s.path.clone())
                .ok_or(AppError::Forbidden)?,
        )
    };
    let today = vn_time::today(state.now());
    state
        .db
        .write(move |c| store::import_csv(c, &bytes, scope.as_deref(), today))
        .await
}

/// A unit's logo to serve: (content type, bytes, version), if one was uploaded.
pub async fn logo(db: &Db, code: String) -> Result<Option<(String, Vec<u8>, i64)>, AppError> {
    let found = db.read(move |c| store::logo(c, &code)).await?;
    Ok(found.map(|(t, b, at)| (t, b, at.and_utc().timestamp())))
}

/// Sets a unit's logo (PNG or JPEG, checked from its bytes), or removes it
/// with `None`; organizers of the unit's subtree and admins.
pub async fn set_logo(
    db: &Db,
    staff: &Staff,
    code: String,
    bytes: Option<Vec<u8>>,
) -> Result<(), AppError> {
    staff.require_writer()?;
    // Decoding a picture whole is CPU work: off the async workers.
    let logo = match bytes {
        Some(b) => {
            Some(actix_web::web::block(move || crate::domain::images::decode_logo(&b)).await??)
        }
        None => None,
    };
    let staff = staff.clone();
    db.write(move |c| {
        let unit = store::by_code(c, &code)?;
        staff.require_manage(&unit.path)?;
        let logo = logo.as_ref().map(|l| (l.content_type, l.bytes.as_slice()));
        store::set_logo(c, &unit.id, logo)
    })
    .await
}
