//! The unit tree and its member-count snapshots.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{unit_member_counts, units};
use super::{new_id, now, DbConn};
use crate::domain::units::{child_path, subtree_range, ExistingUnit, ImportPlan, MAX_DEPTH};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    #[serde(skip)]
    pub path: String,
    pub depth: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = units)]
struct NewUnitRow<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    level: &'a str,
    parent_id: Option<&'a str>,
    path: &'a str,
    depth: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A unit with its parent's code and latest member count, as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub depth: i32,
    pub members: Option<i32>,
    pub members_as_of: Option<NaiveDate>,
    #[serde(skip)]
    pub path: String,
}

pub fn by_code(conn: &mut DbConn, code: &str) -> Result<Unit, AppError> {
    Ok(units::table
        .filter(units::code.eq(code))
        .select(Unit::as_select())
        .first(conn)?)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Unit, AppError> {
    Ok(units::table
        .find(id)
        .select(Unit::as_select())
        .first(conn)?)
}

/// Every unit in the subtree rooted at `path` (itself included), in tree
/// order: one range scan on the unique index over `path`.
/// The names of the units `ids` (any number), by id.
pub fn names_of(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        out.extend(
            units::table
                .filter(units::id.eq_any(chunk))
                .select((units::id, units::name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

pub fn subtree(conn: &mut DbConn, path: &str) -> Result<Vec<Unit>, AppError> {
    let (lo, hi) = subtree_range(path);
    Ok(units::table
        .filter(units::path.ge(lo))
        .filter(units::path.lt(hi))
        .order(units::path.asc())
        .select(Unit::as_select())
        .load(conn)?)
}

pub fn all(conn: &mut DbConn) -> Result<Vec<Unit>, AppError> {
    Ok(units::table
        .order(units::path.asc())
        .select(Unit::as_select())
        .load(conn)?)
}

/// Every member-count snapshot of the units, oldest first: (unit id, as of, members).
fn member_snapshots(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<Vec<(String, NaiveDate, i32)>, AppError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            unit_member_counts::table
                .filter(unit_member_counts::unit_id.eq_any(chunk))
                .order(unit_member_counts::as_of.asc())
                .select((
                    unit_member_counts::unit_id,
                    unit_member_counts::as_of,
                    unit_member_counts::members,
                ))
                .load::<(String, NaiveDate, i32)>(conn)?,
        );
    }
    Ok(out)
}

/// Adds parent codes and the latest member counts to a list of units.
pub fn views(conn: &mut DbConn, list: Vec<Unit>) -> Result<Vec<UnitView>, AppError> {
    let ids: Vec<&str> = list.iter().map(|u| u.id.as_str()).collect();
    let mut latest: HashMap<String, (NaiveDate, i32)> = HashMap::new();
    for (id, as_of, n) in member_snapshots(conn, &ids)? {
        latest.insert(id, (as_of, n));
    }
    let mut code_of: HashMap<String, String> = list
        .iter()
        .map(|u| (u.id.clone(), u.code.clone()))
        .collect();
    let missing: Vec<String> = list
        .iter()
        .filter_map(|u| u.parent_id.clone())
        .filter(|p| !code_of.contains_key(p))
        .collect();
    if !missing.is_empty() {
        let rows: Vec<(String, String)> = units::table
            .filter(units::id.eq_any(&missing))
            .select((units::id, units::code))
            .load(conn)?;
        code_of.extend(rows);
    }
    Ok(list
        .into_iter()
        .map(|u| {
            let m = latest.get(&u.id);
            UnitView {
                parent_code: u.parent_id.as_ref().and_then(|p| code_of.get(p).cloned()),
                code: u.code,
                name: u.name,
                level: u.level,
                depth: u.depth,
                members: m.map(|x| x.1),
                members_as_of: m.map(|x| x.0),
                path: u.path,
            }
        })
        .collect())
}

/// Creates one unit under `parent` (None: a root).
pub fn create(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    level: &str,
    parent: Option<&Unit>,
) -> Result<Unit, AppError> {
    if units::table
        .filter(units::code.eq(code))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(duplicate_code(code));
    }
    let depth = parent.map(|p| p.depth + 1).unwrap_or(0);
    if depth >= MAX_DEPTH {
        return Err(AppError::invalid(
            format!("Cây đơn vị không được sâu quá {MAX_DEPTH} cấp."),
            format!("The unit tree cannot be deeper than {MAX_DEPTH} levels."),
        ));
    }
    let id = new_id();
    let path = child_path(parent.map(|p| p.path.as_str()), &id);
    let t = now();
    diesel::insert_into(units::table)
        .values(NewUnitRow {
            id: &id,
            code,
            name,
            level,
            parent_id: parent.map(|p| p.id.as_str()),
            path: &path,
            depth,
            created_at: t,
            updated_at: t,
        })
        .execute(conn)?;
    by_id(conn, &id)
}

pub fn duplicate_code(code: &str) -> AppError {
    AppError::conflict(
        format!("Mã đơn vị {code} đã tồn tại."),
        format!("Unit code {code} already exists."),
    )
}

/// Renames a unit and, when `new_parent` differs, moves its whole subtree.
pub fn update(
    conn: &mut DbConn,
    unit: &Unit,
    name: &str,
    level: &str,
    new_parent: Option<&Unit>,
) -> Result<Unit, AppError> {
    diesel::update(units::table.find(&unit.id))
        .set((
            units::name.eq(name),
            units::level.eq(level),
            units::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if new_parent.map(|p| &p.id) != unit.parent_id.as_ref() {
        if let Some(p) = new_parent {
            if p.path.starts_with(&unit.path) {
                return Err(AppError::invalid(
                    "Không thể chuyển đơn vị vào bên trong chính nó.",
                    "A unit cannot be moved inside its own subtree.",
                ));
            }
        }
        let new_path = child_path(new_parent.map(|p| p.path.as_str()), &unit.id);
        let shift = new_parent.map(|p| p.depth + 1).unwrap_or(0) - unit.depth;
        let moved = subtree(conn, &unit.path)?;
        if moved.iter().map(|u| u.depth + shift).max().unwrap_or(0) >= MAX_DEPTH {
            return Err(AppError::invalid(
                format!("Cây đơn vị không được sâu quá {MAX_DEPTH} cấp."),
                format!("The unit tree cannot be deeper than {MAX_DEPTH} levels."),
            ));
        }
        diesel::update(units::table.find(&unit.id))
            .set(units::parent_id.eq(new_parent.map(|p| p.id.clone())))
            .execute(conn)?;
        for u in moved {
            let p = format!("{new_path}{}", &u.path[unit.path.len()..]);
            diesel::update(units::table.find(&u.id))
                .set((units::path.eq(p), units::depth.eq(u.depth + shift)))
                .execute(conn)?;
        }
    }
    by_id(conn, &unit.id)
}

/// Records the member count of a unit on a date (replacing that date's count).
pub fn set_members(
    conn: &mut DbConn,
    unit_id: &str,
    as_of: NaiveDate,
    members: i32,
) -> Result<(), AppError> {
    diesel::delete(
        unit_member_counts::table
            .filter(unit_member_counts::unit_id.eq(unit_id))
            .filter(unit_member_counts::as_of.eq(as_of)),
    )
    .execute(conn)?;
    diesel::insert_into(unit_member_counts::table)
        .values((
            unit_member_counts::unit_id.eq(unit_id),
            unit_member_counts::as_of.eq(as_of),
            unit_member_counts::members.eq(members),
            unit_member_counts::recorded_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The whole tree in the shape the import planner needs.
pub fn existing_for_import(conn: &mut DbConn) -> Result<Vec<ExistingUnit>, AppError> {
    let rows: Vec<(String, String, Option<String>, String, i32)> = units::table
        .select((
            units::id,
            units::code,
            units::parent_id,
            units::path,
            units::depth,
        ))
        .load(conn)?;
    let code_of: HashMap<String, String> =
        rows.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
    Ok(rows
        .into_iter()
        .map(|(id, code, parent, path, depth)| ExistingUnit {
            parent_code: parent.and_then(|p| code_of.get(&p).cloned()),
            id,
            code,
            path,
            depth,
        })
        .collect())
}

/// Applies a validated import plan. Call inside one write transaction.
pub fn apply_import(
    conn: &mut DbConn,
    plan: &ImportPlan,
    as_of: NaiveDate,
) -> Result<(), AppError> {
    let t = now();
    for c in &plan.creates {
        diesel::insert_into(units::table)
            .values(NewUnitRow {
                id: &c.id,
                code: &c.code,
                name: &c.name,
                level: &c.level,
                parent_id: c.parent_id.as_deref(),
                path: &c.path,
                depth: c.depth,
                created_at: t,
                updated_at: t,
            })
            .execute(conn)?;
    }
    for u in &plan.updates {
        diesel::update(units::table.find(&u.id))
            .set((
                units::name.eq(&u.name),
                units::level.eq(&u.level),
                units::updated_at.eq(t),
            ))
            .execute(conn)?;
    }
    for (id, n) in &plan.members {
        set_members(conn, id, as_of, *n)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub member_counts: usize,
}

/// Parses, plans and applies a unit CSV in the caller's transaction. With a
/// `scope` path every touched unit must lie inside it. Nothing is written
/// unless every row is valid.
pub fn import_csv(
    conn: &mut DbConn,
    bytes: &[u8],
    scope: Option<&str>,
    as_of: NaiveDate,
) -> Result<ImportSummary, AppError> {
    use crate::domain::units::{parse_csv, plan_import};
    let rows = parse_csv(bytes).map_err(AppError::Validation)?;
    let existing = existing_for_import(conn)?;
    let plan = plan_import(&rows, &existing, new_id).map_err(AppError::Validation)?;
    if let Some(scope) = scope {
        let outside = plan.outside_scope(scope);
        if !outside.is_empty() {
            return Err(AppError::Validation(outside));
        }
    }
    apply_import(conn, &plan, as_of)?;
    Ok(ImportSummary {
        created: plan.creates.len(),
        updated: plan.updates.len(),
        member_counts: plan.members.len(),
    })
}

/// Each unit's member count at `date`: its latest snapshot on or before the
/// date, or (for rosters loaded later) its earliest snapshot after it.
pub fn members_on(
    conn: &mut DbConn,
    ids: Vec<String>,
    date: NaiveDate,
) -> Result<HashMap<String, i64>, AppError> {
    let mut out: HashMap<String, (NaiveDate, i64)> = HashMap::new();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    for (id, as_of, n) in member_snapshots(conn, &ids)? {
        match out.get(&id) {
            // Keep the latest one on or before the date; after it, only the first.
            Some((seen, _)) if *seen <= date && as_of > date => {}
            Some((seen, _)) if *seen > date => {}
            _ => {
                out.insert(id, (as_of, n as i64));
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, n))| (k, n)).collect())
}

/// A unit's uploaded logo: (content type, bytes, when it was set).
pub fn logo(
    conn: &mut DbConn,
    code: &str,
) -> Result<Option<(String, Vec<u8>, NaiveDateTime)>, AppError> {
    use super::schema::unit_logos;
    Ok(unit_logos::table
        .inner_join(units::table.on(units::id.eq(unit_logos::unit_id)))
        .filter(units::code.eq(code))
        .select((
            unit_logos::content_type,
            unit_logos::bytes,
            unit_logos::updated_at,
        ))
        .first(conn)
        .optional()?)
}

/// Has the unit uploaded a logo? (Without reading its bytes: every contest
/// page asks.)
pub fn has_logo(conn: &mut DbConn, unit_id: &str) -> Result<bool, AppError> {
    use super::schema::unit_logos;
    Ok(unit_logos::table
        .find(unit_id)
        .select(unit_logos::unit_id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Sets (or with `None` removes) a unit's logo.
pub fn set_logo(
    conn: &mut DbConn,
    unit_id: &str,
    logo: Option<(&str, &[u8])>,
) -> Result<(), AppError> {
    use super::schema::unit_logos;
    diesel::delete(unit_logos::table.find(unit_id)).execute(conn)?;
    if let Some((content_type, bytes)) = logo {
        diesel::insert_into(unit_logos::table)
            .values((
                unit_logos::unit_id.eq(unit_id),
                unit_logos::content_type.eq(content_type),
                unit_logos::bytes.eq(bytes),
                unit_logos::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
