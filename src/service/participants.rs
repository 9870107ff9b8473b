//! Registration and sign-in of participants. The normalized phone is the
//! person: registering again with the same phone signs in instead.

use crate::auth::{Staff, PARTICIPANT_TOKEN_HOURS};
use crate::db::contests as contests_store;
use crate::db::participants::{self as store, Participant};
use crate::db::{new_id, units};
use crate::domain::contest::{check_registration, parse_birth_date, RegistrationInput};
use crate::domain::identity::{keyed_hash, Phone};
use crate::domain::throttle::{counter_key, device_after_success, subject_of, DeviceClaim};
use crate::domain::units::is_within;
use crate::error::{AppError, Problem};
use crate::service::state::AppState;
use crate::service::{otp, sessions, throttle};

pub struct Registered {
    pub participant_id: String,
    pub token: String,
    /// false: the phone was already registered (signed in instead).
    pub created: bool,
    /// The device token this client keeps (see `domain::throttle`).
    pub device_token: String,
}

/// A participant's sign-in: the session token and the device token.
pub struct SignedIn {
    pub token: String,
    pub device_token: String,
}

fn birth_mismatch() -> AppError {
    AppError::conflict(
        "Số điện thoại này đã đăng ký với ngày sinh khác.",
        "This phone number is registered with another birth date.",
    )
}

/// What one registration or sign-in try came to. Wrong proofs are `Ok`
/// values so that the counted try commits (an `Err` rolls the transaction back).
enum Entry {
    In {
        participant_id: String,
        session_id: String,
        created: bool,
        /// The throttle subject of the phone (for the device token).
        subject: String,
    },
    WrongBirthDate,
    WrongCode,
}

pub async fn register(
    state: &AppState,
    slug: String,
    input: RegistrationInput,
    device_id: Option<String>,
    ip: Option<String>,
    device_token: Option<&str>,
) -> Result<Registered, AppError> {
    let device = state.keys.device(device_token);
    // Two first registrations of one phone at once: on PostgreSQL the second
    // insert fails on the unique (contest, phone) key; tried again, it finds
    // the first one's row and signs in like any repeat registration.
    let entry = match register_once(state, &slug, &input, &device_id, &ip, &device).await {
        Err(AppError::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => register_once(state, &slug, &input, &device_id, &ip, &device).await?,
        other => other?,
    };
    let (participant_id, session_id, created, subject) = match entry {
        Entry::In {
            participant_id,
            session_id,
            created,
            subject,
        } => (participant_id, session_id, created, subject),
        Entry::WrongBirthDate => return Err(birth_mismatch()),
        Entry::WrongCode => return Err(otp::wrong_code()),
    };
    let token = state
        .keys
        .issue_participant(&participant_id, &slug, &session_id)?;
    Ok(Registered {
        participant_id,
        token,
        created,
        device_token: device_token_for(state, &subject, device.as_ref())?,
    })
}

/// The device token a successful sign-in or registration hands out: the
/// presented device id when it was valid for this phone, else a new one.
fn device_token_for(
    state: &AppState,
    subject: &str,
    device: Option<&DeviceClaim>,
) -> Result<String, AppError> {
    let id = device_after_success(subject, device, throttle::fresh_device_id());
    state.keys.issue_device(subject, &id)
}

async fn register_once(
    state: &AppState,
    slug: &str,
    input: &RegistrationInput,
    device_id: &Option<String>,
    ip: &Option<String>,
    device: &Option<DeviceClaim>,
) -> Result<Entry, AppError> {
    let st = state.clone();
    let now = state.now();
    let today = crate::domain::vn_time::today(now);
    let (slug, input, device_id, ip, device) = (
        slug.to_string(),
        input.clone(),
        device_id.clone(),
        ip.clone(),
        device.clone(),
    );
    state
        .db
        .write(move |c| {
            let contest = contests_store::by_slug(c, &slug)?;
            let phone = Phone::parse(&input.phone);
            let code = input.otp.as_deref().unwrap_or("");
            // Same phone again: the same person signs in, with the same proof
            // and the same counted tries as the sign-in form.
            if let Some(phone) = &phone {
                if let Some(existing) = store::by_phone(c, &contest.id, phone.as_str())? {
                    let subject = throttle::participant_key(&contest.id, phone);
                    let key = counter_key(&subject, device.as_ref());
                    throttle::begin_try(c, &key, now, false)?;
                    let ok = if contest.uses_otp() {
                        otp::verify(c, &st, &contest.id, phone, code)?
                    } else {
                        parse_birth_date(&input.birth_date) == Some(existing.birth_date)
                    };
                    if !ok {
                        return Ok(if contest.uses_otp() {
                            Entry::WrongCode
                        } else {
                            Entry::WrongBirthDate
                        });
                    }
                    throttle::succeeded(c, &key)?;
                    return signed_in(c, existing.id, false, subject, now);
                }
            }
            let r = check_registration(&input, contest.age_min, contest.age_max, today)
                .map_err(AppError::Validation)?;
            let eligible = units::by_id(c, &contest.eligible_unit_id)?;
            // Only "no such unit" is the registrant's mistake; a database
            // fault here must stay a 503, not become "pick a unit" (422).
            let unit = match units::by_code(c, &r.unit_code) {
                Ok(u) => Some(u),
                Err(AppError::NotFound) => None,
                Err(e) => return Err(e),
            };
            let unit = unit
                .filter(|u| is_within(&u.path, &eligible.path))
                .ok_or_else(|| {
                    AppError::Validation(vec![Problem::new(
                        0,
                        "unit_code",
                        "Vui lòng chọn đơn vị trong danh sách của hội thi.",
                        "Pick a unit from the contest's list.",
                    )])
                })?;
            let subject = throttle::participant_key(&contest.id, &r.phone);
            if contest.uses_otp() {
                // A code is a proof like a birth date: its tries count
                // against the phone's counter as the sign-in's do.
                let key = counter_key(&subject, device.as_ref());
                throttle::begin_try(c, &key, now, false)?;
                if !otp::verify(c, &st, &contest.id, &r.phone, code)? {
                    return Ok(Entry::WrongCode);
                }
                throttle::succeeded(c, &key)?;
            }
            let p = Participant {
                id: new_id(),
                contest_id: contest.id.clone(),
                phone: r.phone.into(),
                full_name: r.full_name,
                name_folded: r.name_folded,
                birth_date: r.birth_date,
                unit_id: unit.id,
                category: r.category,
                cccd_last4: r.cccd.as_ref().map(|c| c[c.len() - 4..].to_string()),
                cccd_hash: r.cccd.as_ref().map(|c| keyed_hash(&st.pepper, c)),
                email: r.email,
                invited_by_phone: r.invited_by_phone.map(String::from),
                device_id,
                ip,
                created_at: now,
                disqualified_reason: None,
                same_as: None,
            };
            store::insert(c, &p)?;
            signed_in(c, p.id, true, subject, now)
        })
        .await
}

fn signed_in(
    c: &mut crate::db::DbConn,
    participant_id: String,
    created: bool,
    subject: String,
    now: chrono::NaiveDateTime,
) -> Result<Entry, AppError> {
    let session_id = sessions::open(
        c,
        sessions::PARTICIPANT,
        &participant_id,
        PARTICIPANT_TOKEN_HOURS,
        now,
    )?;
    Ok(Entry::In {
        participant_id,
        session_id,
        created,
        subject,
    })
}

/// Signs a registered person in with phone and birth date (or code). Every
/// try is counted per phone and contest — against this client's own device
/// counter when it presents a valid device token for the phone (from an
/// earlier registration or sign-in), else against the phone's untrusted
/// counter; a few wrong ones lock that counter.
pub async fn sign_in(
    state: &AppState,
    slug: String,
    phone: String,
    birth_date: String,
    code: Option<String>,
    device_token: Option<&str>,
) -> Result<SignedIn, AppError> {
    let wrong = || AppError::Unauthorized("phone or birth date does not match");
    let phone = Phone::parse(&phone).ok_or_else(wrong)?;
    let device = state.keys.device(device_token);
    let s = slug.clone();
    let st = state.clone();
    let now = state.now();
    let d = device.clone();
    let entry = state
        .db
        .write(move |c| {
            let contest = contests_store::by_slug(c, &s)?;
            let subject = throttle::participant_key(&contest.id, &phone);
            let key = counter_key(&subject, d.as_ref());
            throttle::begin_try(c, &key, now, false)?;
            let p = store::by_phone(c, &contest.id, phone.as_str())?;
            let ok = match &p {
                None => false,
                Some(_) if contest.uses_otp() => {
                    otp::verify(c, &st, &contest.id, &phone, code.as_deref().unwrap_or(""))?
                }
                Some(p) => parse_birth_date(&birth_date) == Some(p.birth_date),
            };
            match p.filter(|_| ok) {
                Some(p) => {
                    throttle::succeeded(c, &key)?;
                    signed_in(c, p.id, false, subject, now)
                }
                None => Ok(Entry::WrongBirthDate),
            }
        })
        .await?;
    match entry {
        Entry::In {
            participant_id,
            session_id,
            subject,
            ..
        } => Ok(SignedIn {
            token: state
                .keys
                .issue_participant(&participant_id, &slug, &session_id)?,
            device_token: device_token_for(state, &subject, device.as_ref())?,
        }),
        _ => Err(wrong()),
    }
}

/// Ends a participant's session (the sign-out button, or the API).
pub async fn sign_out(state: &AppState, session_id: String) -> Result<(), AppError> {
    let now = state.now();
    let sid = session_id.clone();
    state
        .db
        .write(move |c| sessions::revoke(c, &sid, now))
        .await?;
    state.revoked.insert(
        &session_id,
        now + chrono::Duration::hours(PARTICIPANT_TOKEN_HOURS),
    );
    Ok(())
}

/// A phone locked after failed sign-ins.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Lock {
    pub phone: String,
    pub failures: i32,
    /// UTC
    pub locked_until: chrono::NaiveDateTime,
}

/// The contest's locked phones, for its organizers (full phones: they must
/// recognise the person who calls them). A phone locked on several
/// counters (untrusted, or a device's own) is listed once, with its
/// longest lock.
pub async fn locks(state: &AppState, staff: &Staff, slug: String) -> Result<Vec<Lock>, AppError> {
    staff.require_writer()?;
    let staff = staff.clone();
    let now = state.now();
    state
        .db
        .read(move |c| {
            let contest = crate::service::access::managed(c, &staff, &slug)?;
            let prefix = throttle::participant_prefix(&contest.id);
            let mut seen = std::collections::HashSet::new();
            Ok(crate::db::throttle::locked_with_prefix(c, &prefix, now)?
                .into_iter()
                .filter_map(|(key, locked_until, failures)| {
                    let phone = subject_of(&key).get(prefix.len()..)?.to_string();
                    seen.insert(phone.clone()).then_some(Lock {
                        phone,
                        failures,
                        locked_until,
                    })
                })
                .collect())
        })
        .await
}

/// Clears a phone's sign-in locks — every counter of it, untrusted and
/// each device's, with their doubling history — for an organizer who has
/// checked who is calling; written to the contest's audit log.
pub async fn unlock(
    state: &AppState,
    staff: &Staff,
    slug: String,
    phone: String,
) -> Result<(), AppError> {
    staff.require_writer()?;
    let phone = Phone::parse(&phone)
        .ok_or_else(|| AppError::invalid("Số điện thoại không hợp lệ.", "Invalid phone number."))?;
    let staff = staff.clone();
    let now = state.now();
    state
        .db
        .write(move |c| {
            let contest = crate::service::access::managed(c, &staff, &slug)?;
            let subject = throttle::participant_key(&contest.id, &phone);
            if throttle::clear_all(c, &subject)? == 0 {
                return Err(AppError::NotFound);
            }
            let masked = phone.masked();
            crate::db::review::audit(
                c,
                crate::db::review::Audit {
                    account_id: &staff.id,
                    contest_id: Some(&contest.id),
                    unit_id: None,
                    action: "unlock_sign_in",
                    subject: &masked,
                    detail: format!(
                        "{masked}: mở khóa đăng nhập sau nhiều lần nhập sai / sign-in lock cleared"
                    ),
                },
                now,
            )
        })
        .await
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

/// A participant's attempts, and how many more they may start in the round
/// open at `now` (`None` while no round is open).
pub async fn attempts_and_left(
    state: &AppState,
    participant_id: String,
    contest_id: String,
    now: chrono::NaiveDateTime,
) -> Result<(Vec<crate::db::attempts::Attempt>, Option<i32>), AppError> {
    use crate::db::attempts as attempt_store;
    state
        .db
        .read(move |c| {
            let list = attempt_store::of_participant(c, &participant_id)?;
            let contest = contests_store::by_id(c, &contest_id)?;
            let left = match contests_store::open_round(c, &contest.id, now)? {
                Some(r) => Some(
                    contest.attempts_per_round
                        - attempt_store::in_round(c, &participant_id, &r.id)?
                            .iter()
                            .filter(|a| !a.is_open())
                            .count() as i32,
                ),
                None => None,
            };
            Ok((list, left))
        })
        .await
}
