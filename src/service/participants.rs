//! Registration and sign-in of participants. The normalized phone is the
//! person: registering again with the same phone signs in instead.

use chrono::NaiveDate;

use crate::db::contests as contests_store;
use crate::db::participants::{self as store, Participant};
use crate::db::{new_id, units};
use crate::domain::contest::{check_registration, parse_birth_date, RegistrationInput};
use crate::domain::identity::{keyed_hash, normalize_phone};
use crate::domain::units::is_within;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub struct Registered {
    pub participant_id: String,
    pub token: String,
    /// false: the phone was already registered (signed in instead).
    pub created: bool,
}

fn birth_mismatch() -> AppError {
    AppError::conflict(
        "Số điện thoại này đã đăng ký với ngày sinh khác.",
        "This phone number is registered with another birth date.",
    )
}

pub async fn register(
    state: &AppState,
    slug: String,
    input: RegistrationInput,
    device_id: Option<String>,
    ip: Option<String>,
) -> Result<Registered, AppError> {
    let st = state.clone();
    let now = state.now();
    let today = crate::db::units::today_vn();
    let (id, created) = state
        .db
        .write(move |c| {
            let contest = contests_store::by_slug(c, &slug)?;
            // Same phone again: the same person signs in (if the birth date matches).
            if let Some(phone) = normalize_phone(&input.phone) {
                if let Some(existing) = store::by_phone(c, &contest.id, &phone)? {
                    return match parse_birth_date(&input.birth_date) {
                        Some(b) if b == existing.birth_date => Ok((existing.id, false)),
                        _ => Err(birth_mismatch()),
                    };
                }
            }
            let r = check_registration(&input, contest.age_min, contest.age_max, today)
                .map_err(AppError::Validation)?;
            let eligible = units::by_id(c, &contest.eligible_unit_id)?;
            let unit = units::by_code(c, &r.unit_code)
                .ok()
                .filter(|u| is_within(&u.path, &eligible.path))
                .ok_or_else(|| {
                    AppError::Validation(vec![Problem::new(
                        0,
                        "unit_code",
                        "Vui lòng chọn đơn vị trong danh sách của hội thi.",
                        "Pick a unit from the contest's list.",
                    )])
                })?;
            let p = Participant {
                id: new_id(),
                contest_id: contest.id.clone(),
                phone: r.phone,
                full_name: r.full_name,
                name_folded: r.name_folded,
                birth_date: r.birth_date,
                unit_id: unit.id,
                category: r.category,
                cccd_last4: r.cccd.as_ref().map(|c| c[c.len() - 4..].to_string()),
                cccd_hash: r.cccd.as_ref().map(|c| keyed_hash(&st.pepper, c)),
                email: r.email,
                invited_by_phone: r.invited_by_phone,
                device_id,
                ip,
                created_at: now,
            };
            store::insert(c, &p)?;
            Ok((p.id, true))
        })
        .await?;
    let token = state
        .keys
        .issue_participant(&id, &slug_of(state, &id).await?)?;
    Ok(Registered {
        participant_id: id,
        token,
        created,
    })
}

async fn slug_of(state: &AppState, participant_id: &str) -> Result<String, AppError> {
    let id = participant_id.to_string();
    state
        .db
        .read(move |c| {
            let p = store::by_id(c, &id)?;
            Ok(contests_store::by_id(c, &p.contest_id)?.slug)
        })
        .await
}

/// Signs a registered person in with phone and birth date.
pub async fn sign_in(
    state: &AppState,
    slug: String,
    phone: String,
    birth_date: String,
) -> Result<String, AppError> {
    let wrong = || AppError::Unauthorized("phone or birth date does not match");
    let phone = normalize_phone(&phone).ok_or_else(wrong)?;
    let birth: NaiveDate = parse_birth_date(&birth_date).ok_or_else(wrong)?;
    let s = slug.clone();
    let p = state
        .db
        .read(move |c| {
            let contest = contests_store::by_slug(c, &s)?;
            store::by_phone(c, &contest.id, &phone)
        })
        .await?
        .filter(|p| p.birth_date == birth)
        .ok_or_else(wrong)?;
    state.keys.issue_participant(&p.id, &slug)
}

/// The participant with their unit's name, for pages.
pub async fn profile(
    state: &AppState,
    participant_id: String,
) -> Result<(Participant, String), AppError> {
    state
        .db
        .read(move |c| {
            let p = store::by_id(c, &participant_id)?;
            let unit = units::by_id(c, &p.unit_id)?;
            Ok((p, unit.name))
        })
        .await
}
