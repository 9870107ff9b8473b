use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::auth::{self, hash_password, AppState, Staff};
use crate::db::review::{audit, Audit};
use crate::db::{accounts as store, units, DbConn};
use crate::domain::accounts::{
    check_password, check_role_unit, generate_password, may_create, may_reset, Role, Seat, Username,
};
use crate::domain::text::clean;
use crate::domain::throttle::{counter_key, device_after_success, subject_of};
use crate::error::{AppError, Problem};
use crate::service::throttle::STAFF_PREFIX;
use crate::service::{sessions, throttle};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub username: String,
    #[serde(default)]
    pub password: Option<String>,
    pub role: String,
    #[serde(default)]
    pub unit_code: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub unit_code: Option<String>,
    /// Present only when the password was generated: shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// Validates, hashes (argon2) and stores a staff account, as the operator
/// does with `hoithi create-user` (the password is the operator's own).
pub fn create(conn: &mut DbConn, input: NewAccount) -> Result<Created, AppError> {
    let secret = Secret::of(&input)?;
    let hash = hash_password(&secret.password)?;
    insert(conn, input, &hash, false, secret)
}

/// The password of a new account: the one given, or a generated one
/// (returned once).
struct Secret {
    password: String,
    generated: bool,
}

impl Secret {
    fn of(input: &NewAccount) -> Result<Secret, AppError> {
        let secret = match &input.password {
            Some(p) => Secret {
                password: p.clone(),
                generated: false,
            },
            None => Secret {
                password: generate_password(),
                generated: true,
            },
        };
        check_password(&secret.password)?;
        Ok(secret)
    }
}

/// Stores an account whose password is hashed already (outside the
/// writer: argon2 takes a while); `one_time`: someone else knows the
/// password, so the owner must change it at the first sign-in.
fn insert(
    conn: &mut DbConn,
    input: NewAccount,
    hash: &str,
    one_time: bool,
    secret: Secret,
) -> Result<Created, AppError> {
    let username = Username::parse(&input.username)?;
    let role = Role::parse(&input.role)?;
    let unit_code = input
        .unit_code
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    check_role_unit(role, unit_code.is_some())?;
    let display_name = input
        .display_name
        .map(|d| clean(&d))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| username.to_string());
    let account = store::create(
        conn,
        username.as_str(),
        hash,
        role,
        unit_code.as_deref(),
        &display_name,
        one_time,
    )?;
    Ok(Created {
        id: account.id,
        username: account.username,
        role,
        unit_code,
        generated_password: secret.generated.then_some(secret.password),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    pub username: Username,
    pub password: String,
}

/// A successful sign-in: the session token, the role, and the device
/// token the client keeps so that failures made elsewhere do not lock it.
pub struct SignedIn {
    pub token: String,
    pub role: Role,
    pub device_token: String,
}

/// Checks a username and password and opens a session. Every try is
/// counted in the database: against the client's own device counter when
/// it presents a valid device token for this username (`device_token`,
/// from an earlier successful sign-in), else against the username's
/// untrusted counter (known or not). A few wrong passwords lock that
/// counter for a growing time; a lock of the untrusted counter does not
/// stop a trusted device. Unknown users cost one hash verification too, so
/// timing does not tell.
pub async fn login_with_password(
    state: &AppState,
    login: Login,
    device_token: Option<&str>,
) -> Result<SignedIn, AppError> {
    let username = login.username;
    let subject = throttle::staff_key(&username);
    let device = state.keys.device(device_token);
    let key = counter_key(&subject, device.as_ref());
    let now = state.now();
    let k = key.clone();
    let account = state
        .db
        .write(move |c| {
            throttle::begin_try(c, &k, now, true)?;
            store::by_username(c, username.as_str())
        })
        .await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = login.password;
    let ok = web::block(move || auth::verify_password(&password, &hash)).await?;
    let account = match account {
        Some(a) if ok => a,
        _ => return Err(AppError::Unauthorized("wrong username or password")),
    };
    let role = account.role()?;
    let (id, hours) = (account.id.clone(), state.token_hours);
    let sid = state
        .db
        .write(move |c| {
            throttle::succeeded(c, &key)?;
            sessions::open(c, sessions::STAFF, &id, hours, now)
        })
        .await?;
    let token = state.keys.issue_staff(&account.id, role, hours, &sid)?;
    let device_id = device_after_success(&subject, device.as_ref(), throttle::fresh_device_id());
    let device_token = state.keys.issue_device(&subject, &device_id)?;
    Ok(SignedIn {
        token,
        role,
        device_token,
    })
}

/// Clears every sign-in lock of `account` (its untrusted counter and those
/// of its devices) and writes `action` to the audit log, by `by` (the
/// account itself from the command line); how many counters there were.
fn clear_locks_audited(
    c: &mut DbConn,
    account: &store::Account,
    by: &str,
    unit_id: Option<&str>,
    (action, how): (&str, &str),
    now: chrono::NaiveDateTime,
) -> Result<usize, AppError> {
    let cleared = throttle::clear_all(
        c,
        &throttle::staff_key(&Username::from(account.username.as_str())),
    )?;
    audit(
        c,
        Audit {
            account_id: by,
            contest_id: None,
            unit_id,
            action,
            subject: &account.username,
            detail: format!(
                "{how}: {cleared} bộ đếm đăng nhập sai đã xóa / {cleared} sign-in failure counters cleared"
            ),
        },
        now,
    )?;
    Ok(cleared)
}

/// An admin clears every sign-in lock of `username` (its untrusted counter
/// and those of its devices); audited. Returns how many counters there were.
pub async fn unlock_by(
    state: &AppState,
    staff: &Staff,
    username: Username,
) -> Result<usize, AppError> {
    staff.require_admin()?;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let account = store::by_username(c, username.as_str())?.ok_or(AppError::NotFound)?;
            clear_locks_audited(
                c,
                &account,
                &staff.id,
                account.unit_id.as_deref(),
                ("sign_in_unlocked", "mở khóa / unlock"),
                now,
            )
        })
        .await
}

/// `hoithi unlock --username U`: clears every sign-in lock of the account
/// (the operator has the machine). Audited under the account itself, as no
/// staff member is signed in. Returns how many counters there were.
pub fn unlock_from_cli(
    conn: &mut DbConn,
    username: &str,
    now: chrono::NaiveDateTime,
) -> Result<usize, AppError> {
    let username = Username::from(username);
    let account = account_for_cli(conn, &username)?;
    clear_locks_audited(
        conn,
        &account,
        &account.id,
        account.unit_id.as_deref(),
        (
            "sign_in_unlocked",
            "hoithi unlock (dòng lệnh / command line)",
        ),
        now,
    )
}

fn account_for_cli(conn: &mut DbConn, username: &Username) -> Result<store::Account, AppError> {
    store::by_username(conn, username.as_str())?.ok_or_else(|| {
        AppError::invalid(
            format!("Không có tài khoản {username}."),
            format!("There is no account {username}."),
        )
    })
}

/// Ends this token's session (on every instance at once) and clears the cookie.
pub async fn end_session(
    state: &AppState,
    staff: Option<Staff>,
    everywhere: bool,
) -> Result<(), AppError> {
    if let Some(staff) = staff {
        let now = state.now();
        state
            .db
            .write(move |c| {
                if everywhere {
                    sessions::revoke_all(c, &staff.id, None, now)
                } else {
                    sessions::revoke(c, &staff.session_id, now)
                }
            })
            .await?;
    }
    Ok(())
}

/// Sets a new password (the caller checked the current one and holds
/// `token`, the session just opened for this answer): every other session
/// of the account ends.
pub async fn set_password(
    state: &AppState,
    staff: &Staff,
    token: &str,
    new_password: String,
) -> Result<(), AppError> {
    let hash = web::block(move || hash_password(&new_password)).await??;
    let now = state.now();
    let current = state.keys.verify(token)?.sid.unwrap_or_default();
    let id = staff.id.clone();
    state
        .db
        .write(move |c| {
            store::set_password_hash(c, &id, &hash, false)?;
            // Every other session ends; the one just opened for this answer stays.
            sessions::revoke_all(c, &id, Some(&current), now)?;
            Ok(())
        })
        .await
}

/// An account as the accounts page lists it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<(String, String)>,
    /// Still on a one-time password.
    pub one_time: bool,
    /// May the caller reset this account's password?
    pub resettable: bool,
    /// The end of the longest sign-in lock in force on the account (its
    /// shared counter or one of its devices), if any.
    pub locked_until: Option<chrono::NaiveDateTime>,
}

fn seat(staff: &Staff) -> Seat<'_> {
    Seat {
        role: staff.role,
        unit_path: staff.scope.as_ref().map(|s| s.path.as_str()),
    }
}

/// The accounts the caller may see: every one for an admin, those of its
/// subtree for an organizer.
pub async fn list(state: &AppState, staff: &Staff) -> Result<Vec<AccountRow>, AppError> {
    staff.require_writer()?;
    let scope = match staff.role {
        Role::Admin => None,
        _ => Some(
            staff
                .scope
                .as_ref()
                .map(|s| s.path.clone())
                .ok_or(AppError::Forbidden)?,
        ),
    };
    let now = state.now();
    let (rows, locks) = state
        .db
        .read(move |c| {
            let rows = store::listed(c, scope.as_deref())?;
            let keys: Vec<String> = rows
                .iter()
                .map(|r| throttle::staff_key(&Username::from(r.username.as_str())))
                .collect();
            let locks = crate::db::throttle::locked_of(c, STAFF_PREFIX, &keys, now)?;
            Ok((rows, locks))
        })
        .await?;
    // An account's longest lock, its own or one of its devices'.
    let mut locked = std::collections::HashMap::<String, chrono::NaiveDateTime>::new();
    for (key, until) in locks {
        if let Some(name) = subject_of(&key).strip_prefix(STAFF_PREFIX) {
            let longest = locked.entry(name.to_string()).or_insert(until);
            *longest = (*longest).max(until);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role = Role::parse(&r.role)
            .map_err(|_| AppError::Internal(format!("account {} has role {:?}", r.id, r.role)))?;
        let target = Seat {
            role,
            unit_path: r.unit.as_ref().map(|u| u.2.as_str()),
        };
        out.push(AccountRow {
            resettable: r.id != staff.id && may_reset(seat(staff), target),
            locked_until: locked.get(&r.username).copied(),
            username: r.username,
            display_name: r.display_name,
            role,
            unit: r.unit.map(|(code, name, _)| (code, name)),
            one_time: r.must_change_password,
        });
    }
    Ok(out)
}

fn at(field: &str, e: crate::domain::Invalid) -> Problem {
    Problem::new(0, field, e.vi, e.en)
}

/// Every problem of a new account at once, each at its field; an
/// organizer naming a unit outside its subtree is refused outright.
fn check_new(
    c: &mut DbConn,
    staff: &Staff,
    input: &NewAccount,
) -> Result<Option<units::Unit>, AppError> {
    let mut problems = Vec::new();
    match Username::parse(&input.username) {
        Err(e) => problems.push(at("username", e)),
        Ok(u) if store::by_username(c, u.as_str())?.is_some() => problems.push(Problem::new(
            0,
            "username",
            format!("Tên đăng nhập {u} đã có người dùng; hãy chọn tên khác."),
            format!("The username {u} is taken."),
        )),
        Ok(_) => {}
    }
    if input
        .display_name
        .as_deref()
        .map_or(0, |d| d.chars().count())
        > 200
    {
        problems.push(Problem::new(
            0,
            "display_name",
            "Tên hiển thị dài tối đa 200 ký tự.",
            "A display name has at most 200 characters.",
        ));
    }
    let role = Role::parse(&input.role)
        .map_err(|e| problems.push(at("role", e)))
        .ok();
    let unit = match input.unit_code.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => match units::by_code(c, code) {
            Ok(u) => Some(u),
            Err(AppError::NotFound) => {
                problems.push(Problem::new(
                    0,
                    "unit_code",
                    format!("Không có đơn vị mã {code}."),
                    format!("There is no unit with code {code}."),
                ));
                None
            }
            Err(e) => return Err(e),
        },
        _ => None,
    };
    if let Some(role) = role {
        let new = Seat {
            role,
            unit_path: unit.as_ref().map(|u| u.path.as_str()),
        };
        let outside = staff.role == Role::Organizer && role != Role::Admin && unit.is_some();
        match may_create(seat(staff), new) {
            Err(_) if outside => return Err(AppError::Forbidden),
            Err(e) => problems.push(at(
                if role == Role::Admin {
                    "role"
                } else {
                    "unit_code"
                },
                e,
            )),
            Ok(()) => {
                if let Err(e) = check_role_unit(role, unit.is_some()) {
                    problems.push(at("unit_code", e));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(unit)
    } else {
        Err(AppError::Validation(problems))
    }
}

/// An admin or organizer creates an account in its reach (audited). The
/// password, given or generated, is known to the creator: it is one-time.
pub async fn create_by(
    state: &AppState,
    staff: &Staff,
    input: NewAccount,
) -> Result<Created, AppError> {
    staff.require_writer()?;
    let secret = Secret::of(&input).map_err(|e| match e {
        AppError::InvalidInput { vi, en } => {
            AppError::Validation(vec![Problem::new(0, "password", vi, en)])
        }
        e => e,
    })?;
    let plain = secret.password.clone();
    let hash = web::block(move || hash_password(&plain)).await??;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let unit = check_new(c, &staff, &input)?;
            let created = insert(c, input, &hash, true, secret)?;
            audit(
                c,
                Audit {
                    account_id: &staff.id,
                    contest_id: None,
                    unit_id: unit.as_ref().map(|u| u.id.as_str()),
                    action: "account_created",
                    subject: &created.username,
                    detail: created.role.label_vi().to_string(),
                },
                now,
            )?;
            Ok(created)
        })
        .await
}

/// Gives `username` a new one-time password (shown once to the caller),
/// ends its sessions and records who did it. Refused for one's own account
/// (change it with the current password) and outside the caller's reach.
pub async fn reset_by(
    state: &AppState,
    staff: &Staff,
    username: Username,
) -> Result<String, AppError> {
    staff.require_writer()?;
    let password = generate_password();
    let p = password.clone();
    let hash = web::block(move || hash_password(&p)).await??;
    let (staff, now) = (staff.clone(), state.now());
    state
        .db
        .write(move |c| {
            let account = store::by_username(c, username.as_str())?.ok_or(AppError::NotFound)?;
            let unit = match &account.unit_id {
                Some(id) => Some(units::by_id(c, id)?),
                None => None,
            };
            let target = Seat {
                role: account.role()?,
                unit_path: unit.as_ref().map(|u| u.path.as_str()),
            };
            if account.id == staff.id {
                return Err(AppError::invalid(
                    "Hãy đổi mật khẩu của chính bạn ở trang Đổi mật khẩu.",
                    "Change your own password on the password page.",
                ));
            }
            if !may_reset(seat(&staff), target) {
                return Err(AppError::Forbidden);
            }
            store::set_password_hash(c, &account.id, &hash, true)?;
            sessions::revoke_all(c, &account.id, None, now)?;
            // The new password is the way back in: no lock may stand in it.
            clear_locks_audited(
                c,
                &account,
                &staff.id,
                unit.as_ref().map(|u| u.id.as_str()),
                ("password_reset", "đặt lại mật khẩu / password reset"),
                now,
            )
            .map(|_| ())
        })
        .await?;
    Ok(password)
}

/// `hoithi reset-password --username U`: a new one-time password for any
/// account (the operator has the machine), every session and every
/// sign-in lock of it ended; audited under the account itself.
pub fn reset_from_cli(
    conn: &mut DbConn,
    username: &str,
    now: chrono::NaiveDateTime,
) -> Result<String, AppError> {
    let username = Username::from(username);
    let account = account_for_cli(conn, &username)?;
    let password = generate_password();
    let hash = hash_password(&password)?;
    store::set_password_hash(conn, &account.id, &hash, true)?;
    sessions::revoke_all(conn, &account.id, None, now)?;
    clear_locks_audited(
        conn,
        &account,
        &account.id,
        account.unit_id.as_deref(),
        (
            "password_reset",
            "hoithi reset-password (dòng lệnh / command line)",
        ),
        now,
    )?;
    Ok(password)
}

/// Is there an account with this name?
pub async fn exists(state: &AppState, username: Username) -> Result<bool, AppError> {
    state
        .db
        .read(move |c| Ok(store::by_username(c, username.as_str())?.is_some()))
        .await
}
