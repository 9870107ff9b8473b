//! Activity ledger pages and the scheme editor.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::{AppState, Staff};
use crate::domain::activity::{KindRule, Level, Scheme, KINDS};
use crate::error::AppError;
use crate::service::activities::{self, RecordInput};
use crate::views::activities as view;
use crate::views::Flash;

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    msg: Option<String>,
}

fn msg(m: Option<&str>) -> Option<Flash> {
    match m {
        Some("saved") => Some(Flash::Ok("Đã lưu.".into())),
        Some("deleted") => Some(Flash::Ok("Đã xoá hoạt động.".into())),
        _ => None,
    }
}

pub async fn page(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let p = activities::year_page(&state, &staff, code.into_inner(), q.year).await?;
    Ok(html(view::page(&staff, &p, msg(q.msg.as_deref()))))
}

/// A number field of a form: empty is 0; anything else unreadable is -1,
/// which the record check refuses with a clear message.
fn number(pairs: &[(String, String)], key: &str) -> i32 {
    let v = field(pairs, key);
    if v.is_empty() {
        0
    } else {
        v.parse().unwrap_or(-1)
    }
}

fn field(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn record_of(pairs: &[(String, String)]) -> RecordInput {
    RecordInput {
        kind: field(pairs, "kind"),
        date: field(pairs, "date"),
        title: field(pairs, "title"),
        participants: Some(number(pairs, "participants")),
        member_participants: Some(number(pairs, "member_participants")),
        notes: field(pairs, "notes"),
        evidence_url: field(pairs, "evidence_url"),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let e = activities::create_record(&state, &staff, code.clone(), record_of(&form)).await?;
    Ok(see_other(&format!(
        "/admin/units/{code}/activities?year={}&msg=saved",
        chrono::Datelike::year(&e.date)
    )))
}

pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let e = activities::update_record(&state, &staff, id.into_inner(), record_of(&form)).await?;
    Ok(see_other(&format!(
        "/admin/units/{}/activities?year={}&msg=saved",
        e.unit_code,
        chrono::Datelike::year(&e.date)
    )))
}

pub async fn delete(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = activities::delete_record(&state, &staff, id.into_inner()).await?;
    Ok(see_other(&format!(
        "/admin/units/{code}/activities?msg=deleted"
    )))
}

pub async fn scheme_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let s = activities::scheme(&state).await?;
    Ok(html(view::scheme_page(&staff, &s, msg(q.msg.as_deref()))))
}

/// Reads the scheme form; an unreadable number becomes a value the scheme
/// check refuses, so nothing half-read is saved.
fn scheme_of(pairs: &[(String, String)]) -> Scheme {
    let num = |key: &str| -> u32 {
        let v = field(pairs, key);
        if v.is_empty() {
            0
        } else {
            v.parse().unwrap_or(u32::MAX)
        }
    };
    let rules = KINDS
        .iter()
        .map(|(k, _)| KindRule {
            kind: k.to_string(),
            criterion: num(&format!("crit_{k}")).min(u8::MAX as u32) as u8,
            points: num(&format!("points_{k}")),
            cap: num(&format!("cap_{k}")),
        })
        .collect();
    let levels = (0..20)
        .map_while(|i| {
            pairs
                .iter()
                .any(|(k, _)| *k == format!("level_name_{i}"))
                .then(|| (i, field(pairs, &format!("level_name_{i}"))))
        })
        .filter(|(_, name)| !name.is_empty())
        .map(|(i, name)| Level {
            name,
            min_total: num(&format!("level_total_{i}")),
            min_each: num(&format!("level_each_{i}")),
        })
        .collect();
    Scheme { rules, levels }
}

pub async fn save_scheme(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    activities::set_scheme(&state, &staff, scheme_of(&form)).await?;
    Ok(see_other("/admin/activity-scheme?msg=saved"))
}
