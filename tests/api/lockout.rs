//! Lockouts that cannot be turned on their owners (issue #25, items 4 and
//! 5): a client that signed in before holds a device token and is not
//! locked by wrong tries made elsewhere; its own wrong tries still lock it;
//! guessing from elsewhere stays bounded. Admins, the command line and a
//! password reset clear a staff account's locks; organizers a phone's.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::cli::hoithi;
use crate::helpers::{
    contest_fixture, registration, spawn_app, spawn_on, TestApp, TestDb, CONTEST, PASSWORD,
};
use hoithi::db::schema::{audit_log, auth_failures};

const WRONG: &str = "mat-khau-doan-sai";
const PHONE: &str = "0912000222";
const RIGHT_DATE: &str = "2000-05-01";

/// A staff sign-in by API, with an optional device token; (status, body).
async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
    device: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}));
    if let Some(d) = device {
        req = req.header("x-device-token", d);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The device token of a sign-in's answer (empty when there is none).
fn device_of(body: &Value) -> String {
    body["device_token"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Five wrong passwords for `username` from a client without a device token.
async fn attacker_locks(app: &TestApp, username: &str) {
    for _ in 0..5 {
        assert_eq!(login(app, username, WRONG, None).await.0, 401);
    }
    assert_eq!(login(app, username, PASSWORD, None).await.0, 429);
}

fn audited(app: &TestApp, action: &'static str, subject: &'static str) -> i64 {
    app.db
        .connect()
        .read_now(move |c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq(action))
                .filter(audit_log::subject.eq(subject))
                .count()
                .get_result::<i64>(c)?)
        })
        .unwrap()
}

/// Counters (any key) locked now.
fn locked_keys(app: &TestApp) -> Vec<String> {
    let now = hoithi::db::now();
    app.db
        .connect()
        .read_now(move |c| {
            Ok(auth_failures::table
                .filter(auth_failures::locked_until.gt(now))
                .select(auth_failures::key)
                .load::<String>(c)?)
        })
        .unwrap()
}

#[tokio::test]
async fn a_staff_device_that_signed_in_before_is_not_locked_by_wrong_passwords_from_elsewhere() {
    let app = spawn_app().await;
    app.create_user("admin", "admin", None);
    let (s, body) = login(&app, "admin", PASSWORD, None).await;
    assert_eq!(s, 200);
    let device = device_of(&body);
    assert!(
        !device.is_empty(),
        "a sign-in hands out a device token: {body}"
    );
    // The owner's second client (another device id).
    let (_, body) = login(&app, "admin", PASSWORD, None).await;
    let laptop = device_of(&body);
    assert_ne!(laptop, device);
    // Five wrong passwords from elsewhere (also with the name as typed
    // differently): the untrusted counter locks.
    for _ in 0..4 {
        assert_eq!(login(&app, "admin", WRONG, None).await.0, 401);
    }
    assert_eq!(login(&app, "ADMIN ", WRONG, None).await.0, 401);
    assert_eq!(login(&app, "admin", PASSWORD, None).await.0, 429);
    // The owner's client still signs in, and keeps its device id.
    let (s, body) = login(&app, "admin", PASSWORD, Some(&device)).await;
    assert_eq!(s, 200, "{body}");
    let again = device_of(&body);
    // The attacker is still locked out.
    assert_eq!(login(&app, "admin", PASSWORD, None).await.0, 429);
    // The owner's own wrong passwords count for the owner's device: five lock it.
    for _ in 0..5 {
        assert_eq!(login(&app, "admin", WRONG, Some(&again)).await.0, 401);
    }
    assert_eq!(login(&app, "admin", PASSWORD, Some(&again)).await.0, 429);
    // That lock is the device's alone: the owner's other client still signs in.
    assert_eq!(login(&app, "admin", PASSWORD, Some(&laptop)).await.0, 200);
    assert_eq!(login(&app, "admin", PASSWORD, None).await.0, 429);
}

#[tokio::test]
async fn a_forged_expired_or_someone_elses_device_token_counts_as_untrusted() {
    let app = spawn_app().await;
    app.create_user("admin", "admin", None);
    app.create_user("btc-khac", "viewer", None);
    let (s, body) = login(&app, "btc-khac", PASSWORD, None).await;
    assert_eq!(s, 200);
    let others = device_of(&body);
    assert!(!others.is_empty());
    // Another account's token, a staff session token, garbage and an
    // oversized token: each wrong try is counted on admin's shared counter.
    let session = body["token"].as_str().unwrap().to_string();
    let huge = "a".repeat(3_000);
    for token in [
        others.as_str(),
        session.as_str(),
        "khong-phai-the",
        huge.as_str(),
        "x",
    ] {
        let (s, body) = login(&app, "admin", WRONG, Some(token)).await;
        assert_eq!(s, 401, "{body}");
    }
    assert_eq!(login(&app, "admin", PASSWORD, None).await.0, 429);
    assert_eq!(login(&app, "admin", PASSWORD, Some(&others)).await.0, 429);
    // A device token is no session token.
    let r = app.get("/api/v1/me", &others).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_login_page_gives_the_browser_a_device_cookie_that_outlasts_a_lock_from_elsewhere() {
    let app = spawn_app().await;
    app.create_user("admin", "admin", None);
    let browser = app.browser(reqwest::redirect::Policy::none());
    let page_login = |password: &'static str| {
        browser
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", password)])
            .send()
    };
    let r = page_login(PASSWORD).await.unwrap();
    assert_eq!(r.status(), 303);
    let device_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hoithi_staff_device="))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(
        device_cookie.contains("HttpOnly") && device_cookie.contains("SameSite=Lax"),
        "{device_cookie:?}"
    );
    attacker_locks(&app, "admin").await;
    assert_eq!(page_login(PASSWORD).await.unwrap().status(), 303);
    // The browser's own wrong passwords lock the browser.
    for _ in 0..5 {
        assert_eq!(page_login(WRONG).await.unwrap().status(), 401);
    }
    assert_eq!(page_login(PASSWORD).await.unwrap().status(), 429);
}

#[tokio::test]
async fn an_admin_unlocks_an_account_by_api_and_page_and_every_unlock_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_user("btc-xa", "viewer", None);
    app.create_user("btc-huyen", "viewer", None);
    let viewer = app.login("btc-huyen").await;
    attacker_locks(&app, "btc-xa").await;
    // Only an admin may; an unknown account is 404 and changes nothing.
    let unlock = |token: String, who: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/accounts/{who}/unlock")))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        unlock(viewer.clone(), "btc-xa").await.unwrap().status(),
        403
    );
    assert_eq!(
        unlock(admin.clone(), "khong-co-ai").await.unwrap().status(),
        404
    );
    assert_eq!(login(&app, "btc-xa", PASSWORD, None).await.0, 429);
    // The list says who is locked.
    let list: Value = app
        .get("/api/v1/accounts", &admin)
        .await
        .json()
        .await
        .unwrap();
    let locked_until = |list: &Value, who: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["username"] == who)
            .map(|a| a["locked_until"].clone())
            .unwrap()
    };
    assert!(locked_until(&list, "btc-xa").is_string(), "{list}");
    assert!(locked_until(&list, "btc-huyen").is_null(), "{list}");
    let r = unlock(admin.clone(), "btc-xa").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["username"], "btc-xa");
    assert!(body["cleared"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(audited(&app, "sign_in_unlocked", "btc-xa"), 1);
    // Cleared with its doubling history: one wrong try is just wrong.
    assert_eq!(login(&app, "btc-xa", WRONG, None).await.0, 401);
    assert_eq!(login(&app, "btc-xa", PASSWORD, None).await.0, 200);

    // The accounts page: a confirmed POST form.
    attacker_locks(&app, "btc-xa").await;
    let browser = app.browser(reqwest::redirect::Policy::none());
    let r = browser
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = browser
        .get(app.url("/admin/accounts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/admin/accounts/btc-xa/unlock"), "{page}");
    assert!(page.contains("tạm khóa đăng nhập đến"), "{page}");
    assert!(
        !page.contains("/admin/accounts/btc-huyen/unlock"),
        "not locked"
    );
    let r = browser
        .post(app.url("/admin/accounts/btc-xa/unlock"))
        .form(&[("confirm", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "without the tick nothing happens");
    assert_eq!(login(&app, "btc-xa", PASSWORD, None).await.0, 429);
    let r = browser
        .post(app.url("/admin/accounts/btc-xa/unlock"))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Đã mở khóa đăng nhập"));
    assert_eq!(audited(&app, "sign_in_unlocked", "btc-xa"), 2);
    assert_eq!(login(&app, "btc-xa", PASSWORD, None).await.0, 200);
    let list: Value = app
        .get("/api/v1/accounts", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(locked_until(&list, "btc-xa").is_null(), "{list}");
}

#[tokio::test]
async fn a_password_reset_by_an_admin_clears_the_lock() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_user("btc-xa", "viewer", None);
    attacker_locks(&app, "btc-xa").await;
    let r = app
        .post("/api/v1/accounts/btc-xa/password-reset", &admin, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let fresh = r.json::<Value>().await.unwrap()["one_time_password"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, body) = login(&app, "btc-xa", &fresh, None).await;
    assert_eq!(s, 200, "the new password lets its owner in: {body}");
}

#[tokio::test]
async fn unlocking_a_name_with_an_underscore_clears_only_that_account() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_user("btc_a", "viewer", None);
    app.create_user("btcxa", "viewer", None);
    // btcxa's own device locks itself.
    let (_, body) = login(&app, "btcxa", PASSWORD, None).await;
    let device = device_of(&body);
    for _ in 0..5 {
        assert_eq!(login(&app, "btcxa", WRONG, Some(&device)).await.0, 401);
    }
    // `_` is a LIKE wildcard: clearing btc_a's devices must not reach btcxa's.
    let r = app
        .client
        .post(app.url("/api/v1/accounts/btc_a/unlock"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["cleared"], 0);
    assert_eq!(login(&app, "btcxa", PASSWORD, Some(&device)).await.0, 429);
}

#[tokio::test]
async fn hoithi_unlock_and_reset_password_clear_every_lock_of_the_account_and_are_audited() {
    let db = std::sync::Arc::new(TestDb::new());
    let app = spawn_on(db.clone()).await;
    app.create_user("admin", "admin", None);
    // Locked from elsewhere, and the owner's own device locked too.
    let (_, body) = login(&app, "admin", PASSWORD, None).await;
    let device = device_of(&body);
    attacker_locks(&app, "admin").await;
    for _ in 0..5 {
        login(&app, "admin", WRONG, Some(&device)).await;
    }
    assert_eq!(login(&app, "admin", PASSWORD, Some(&device)).await.0, 429);
    let out = hoithi(&db)
        .args(["unlock", "--username", "ADMIN"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đã mở khóa"));
    assert_eq!(audited(&app, "sign_in_unlocked", "admin"), 1);
    assert_eq!(login(&app, "admin", PASSWORD, Some(&device)).await.0, 200);
    assert_eq!(login(&app, "admin", PASSWORD, None).await.0, 200);
    // An unknown account: a clear error, nothing done.
    let out = hoithi(&db)
        .args(["unlock", "--username", "khong-co-ai"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Không có tài khoản"));

    // reset-password: the new password gets in, not a 429.
    attacker_locks(&app, "admin").await;
    let out = hoithi(&db)
        .args(["reset-password", "--username", "admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let fresh = stdout
        .lines()
        .find_map(|l| l.split("one-time password: ").nth(1))
        .expect("the password is printed")
        .trim()
        .to_string();
    assert_eq!(login(&app, "admin", &fresh, None).await.0, 200);
    assert_eq!(audited(&app, "password_reset", "admin"), 1);
}

/// A participant sign-in by API with an optional device token.
async fn sign_in(app: &TestApp, birth: &str, device: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/sessions")))
        .json(&json!({"phone": PHONE, "birth_date": birth}));
    if let Some(d) = device {
        req = req.header("x-device-token", d);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_registering_device_keeps_signing_in_while_a_phone_is_locked_from_elsewhere() {
    let app = spawn_app().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(&registration(PHONE, "CD-A1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let device = device_of(&r.json().await.unwrap());
    assert!(!device.is_empty());
    // Five wrong birth dates from elsewhere lock the phone for strangers.
    for day in 2..=6 {
        assert_eq!(sign_in(&app, &format!("2000-05-0{day}"), None).await.0, 401);
    }
    assert_eq!(sign_in(&app, RIGHT_DATE, None).await.0, 429);
    // Registration from elsewhere is locked the same way.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(&registration(PHONE, "CD-A1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // The device that registered signs in (and registers again) all the same.
    let (s, body) = sign_in(&app, RIGHT_DATE, Some(&device)).await;
    assert_eq!(s, 200, "{body}");
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .header("x-device-token", &device)
        .json(&registration(PHONE, "CD-A1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        sign_in(&app, RIGHT_DATE, None).await.0,
        429,
        "the stranger still waits"
    );
    // The device's own wrong dates lock the device.
    for day in 2..=6 {
        assert_eq!(
            sign_in(&app, &format!("2000-05-0{day}"), Some(&device))
                .await
                .0,
            401
        );
    }
    assert_eq!(sign_in(&app, RIGHT_DATE, Some(&device)).await.0, 429);
    // The organizer sees the phone once and clears every counter of it,
    // doubling history included: nothing re-locks at the next wrong try.
    let locks: Value = app
        .get(&format!("/api/v1/contests/{CONTEST}/locks"), &admin)
        .await
        .json()
        .await
        .unwrap();
    let listed: Vec<&str> = locks["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["phone"].as_str())
        .collect();
    assert_eq!(listed, [PHONE], "{locks}");
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/contests/{CONTEST}/locks/{PHONE}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(locked_keys(&app).is_empty(), "{:?}", locked_keys(&app));
    assert_eq!(sign_in(&app, "1999-01-01", None).await.0, 401);
    assert_eq!(sign_in(&app, RIGHT_DATE, Some(&device)).await.0, 200);
    assert_eq!(sign_in(&app, RIGHT_DATE, None).await.0, 200);
}

#[tokio::test]
async fn a_browser_that_registered_on_the_page_signs_in_again_while_strangers_are_locked_out() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let browser = app.browser(reqwest::redirect::Policy::none());
    let r = browser
        .post(app.url(&format!("/c/{CONTEST}/register")))
        .form(&[
            ("full_name", "Nguyễn Văn An"),
            ("birth_date", RIGHT_DATE),
            ("phone", PHONE),
            ("unit_code", "CD-A1"),
            ("category", "doan_vien"),
            ("consent", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Cleared cookies elsewhere, or a stranger: five wrong dates lock them out.
    for day in 2..=6 {
        sign_in(&app, &format!("2000-05-0{day}"), None).await;
    }
    assert_eq!(sign_in(&app, RIGHT_DATE, None).await.0, 429);
    let r = browser
        .post(app.url(&format!("/c/{CONTEST}/signout")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = browser
        .post(app.url(&format!("/c/{CONTEST}/signin")))
        .form(&[("phone", PHONE), ("birth_date", RIGHT_DATE)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
}

/// Names sprayed by a script lock counters of accounts that do not exist;
/// however many, a real account's lock stays on the admin's list with its
/// unlock button.
#[tokio::test]
async fn sprayed_names_cannot_push_a_real_accounts_lock_off_the_list() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_user("btc-xa", "viewer", None);
    attacker_locks(&app, "btc-xa").await;
    // 600 sprayed names, locked later than the real account (as a script
    // going on after it would leave them).
    let later = hoithi::db::now() + chrono::Duration::hours(20);
    app.db
        .connect()
        .write_now(move |c| {
            for i in 0..600 {
                diesel::insert_into(auth_failures::table)
                    .values((
                        auth_failures::key.eq(format!("s:khong-co-{i}")),
                        auth_failures::failures.eq(9),
                        auth_failures::locked_until.eq(Some(later)),
                        auth_failures::last_failure_at.eq(later),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
    let list: Value = app
        .get("/api/v1/accounts", &admin)
        .await
        .json()
        .await
        .unwrap();
    let xa = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "btc-xa")
        .unwrap()
        .clone();
    assert!(xa["locked_until"].is_string(), "{list}");
}
