//! Registration and sign-in of participants. The normalized phone is the
//! person: registering again with the same phone signs in instead.

use crate::db::contests as contests_store;
use crate::db::participants::{self as store, Participant};
use crate::db::{new_id, units};
use crate::domain::contest::{check_registration, parse_birth_date, RegistrationInput};
use crate::domain::identity::{keyed_hash, normalize_phone};
use crate::domain::units::is_within;
use crate::error::{AppError, Problem};
use crate::service::otp;
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
            let phone = normalize_phone(&input.phone);
            // Proof of the phone: the birth date, or a one-time code by SMS.
            // A wrong code returns Ok(None) so the counted try is committed.
            let code_ok = |c: &mut crate::db::DbConn, phone: &str| -> Result<bool, AppError> {
                Ok(!contest.uses_otp()
                    || otp::verify(
                        c,
                        &st,
                        &contest.id,
                        phone,
                        input.otp.as_deref().unwrap_or(""),
                    )?)
            };
            // Same phone again: the same person signs in.
            if let Some(phone) = &phone {
                if let Some(existing) = store::by_phone(c, &contest.id, phone)? {
                    let birth = parse_birth_date(&input.birth_date);
                    if !contest.uses_otp() && birth != Some(existing.birth_date) {
                        return Err(birth_mismatch());
                    }
                    return Ok(code_ok(c, phone)?.then_some((existing.id, false)));
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
            if !code_ok(c, &r.phone)? {
                return Ok(None);
            }
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
                disqualified_reason: None,
                same_as: None,
            };
            store::insert(c, &p)?;
            Ok(Some((p.id, true)))
        })
        .await?
        .ok_or_else(otp::wrong_code)?;
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
    code: Option<String>,
) -> Result<String, AppError> {
    let wrong = || AppError::Unauthorized("phone or birth date does not match");
    let phone = normalize_phone(&phone).ok_or_else(wrong)?;
    let s = slug.clone();
    let st = state.clone();
    // A write: checking a code uses it up (or counts a wrong try, committed
    // because a wrong code returns Ok(None) rather than an error).
    let p = state
        .db
        .write(move |c| {
            let contest = contests_store::by_slug(c, &s)?;
            let p = store::by_phone(c, &contest.id, &phone)?;
            if contest.uses_otp() {
                let ok = p.is_some()
                    && otp::verify(c, &st, &contest.id, &phone, code.as_deref().unwrap_or(""))?;
                return Ok(p.filter(|_| ok));
            }
            let birth = parse_birth_date(&birth_date);
            Ok(p.filter(|p| Some(p.birth_date) == birth))
        })
        .await?
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
