//! Safe to run in public (issue #11): guessing, sessions, cross-site
//! requests, headers, redirects, control characters, client addresses,
//! connections, and the PostgreSQL races — each as an attacker would try it,
//! with two instances on one database where the point is what they share.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{
    contest_fixture, participant, registration, settings_for, spawn_on, spawn_with, TestApp,
    TestDb, CONTEST, PASSWORD,
};

const PHONE: &str = "0912000111";
const RIGHT: &str = "2000-05-01";

async fn sign_in(app: &TestApp, phone: &str, birth: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/sessions")))
        .json(&json!({"phone": phone, "birth_date": birth}))
        .send()
        .await
        .unwrap()
}

/// Posts a registration body, as the public form's script does.
async fn register(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A staff login by API.
async fn login_as(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn status_of(r: reqwest::Response) -> (u16, Option<u64>, Value) {
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

/// Two instances on one fresh database, with the contest fixture. Several
/// instances are a PostgreSQL deployment: on SQLite (one server process
/// owns the file) the second is another client of the same instance.
async fn two_instances() -> (TestApp, TestApp, String) {
    let db = Arc::new(TestDb::new());
    let a = spawn_on(db.clone()).await;
    let admin = contest_fixture(&a, 15, 1).await;
    let b = if crate::helpers::postgres_base().is_some() {
        spawn_on(db).await
    } else {
        TestApp {
            address: a.address.clone(),
            client: a.browser(reqwest::redirect::Policy::none()),
            db: a.db.clone(),
            port: a.port,
            state: a.state.clone(),
        }
    };
    (a, b, admin)
}

#[tokio::test]
async fn guessing_a_birth_date_locks_the_phone_on_every_instance_until_an_organizer_clears_it() {
    let (a, b, admin) = two_instances().await;
    participant(&a, PHONE).await;
    // Four wrong dates on one instance, the fifth on the other: all counted together.
    for day in 2..=5 {
        let (s, _, _) = status_of(sign_in(&a, PHONE, &format!("2000-05-0{day}")).await).await;
        assert_eq!(s, 401);
    }
    assert_eq!(
        status_of(sign_in(&b, PHONE, "2000-05-06").await).await.0,
        401
    );
    // Now even the right date is refused, with a wait and a clear message.
    let (s, retry, body) = status_of(sign_in(&a, PHONE, RIGHT).await).await;
    assert_eq!(s, 429);
    let retry = retry.expect("Retry-After");
    assert!((14 * 60..=15 * 60).contains(&retry), "{retry}");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("ban tổ chức") && msg.contains("15 phút"),
        "{msg}"
    );
    // Registration is no second oracle: it is refused the same way.
    let r = register(&b, &registration(PHONE, "CD-A1")).await;
    assert_eq!(r.status(), 429);
    // The organizer sees the lock and clears it; the person signs in.
    let locks: Value = b
        .get(&format!("/api/v1/contests/{CONTEST}/locks"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(locks["entries"][0]["phone"], PHONE, "{locks}");
    let r = a
        .client
        .delete(a.url(&format!("/api/v1/contests/{CONTEST}/locks/{PHONE}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(status_of(sign_in(&b, PHONE, RIGHT).await).await.0, 200);
    let audited = a.db.connect().read_now(|c| {
        use diesel::prelude::*;
        use hoithi::db::schema::audit_log;
        Ok(audit_log::table
            .filter(audit_log::action.eq("unlock_sign_in"))
            .count()
            .get_result::<i64>(c)?)
    });
    assert_eq!(audited.unwrap(), 1, "the unlock is in the audit log");
}

#[tokio::test]
async fn registering_a_known_phone_with_other_birth_dates_counts_as_failed_sign_ins() {
    let (a, _b, _) = two_instances().await;
    participant(&a, PHONE).await;
    for day in 2..=6 {
        let mut body = registration(PHONE, "CD-A1");
        body["birth_date"] = json!(format!("2000-06-0{day}"));
        let r = register(&a, &body).await;
        assert_eq!(r.status(), 409);
    }
    assert_eq!(status_of(sign_in(&a, PHONE, RIGHT).await).await.0, 429);
}

#[tokio::test]
async fn tries_sent_at_once_are_all_counted() {
    let (a, b, _) = two_instances().await;
    participant(&a, PHONE).await;
    let tries = (0..12).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        sign_in(app, PHONE, "1999-01-01")
    });
    let statuses: Vec<u16> = futures_util::future::join_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(checked, 5, "only five were checked: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7);
}

async fn staff_login(app: &TestApp, password: &str) -> u16 {
    login_as(app, "admin", password).await.status().as_u16()
}

#[tokio::test]
async fn wrong_staff_passwords_lock_the_account_on_every_instance() {
    let db = Arc::new(TestDb::new());
    let a = spawn_on(db.clone()).await;
    let b = spawn_on(db).await;
    a.create_user("admin", "admin", None);
    for i in 0..5 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(staff_login(app, "doan-sai-mat-khau").await, 401);
    }
    assert_eq!(staff_login(&a, PASSWORD).await, 429);
    assert_eq!(staff_login(&b, PASSWORD).await, 429);
    // An unknown username is counted the same way (it tells nothing).
    for _ in 0..5 {
        let r = login_as(&a, "khong-co", "x").await;
        assert_eq!(r.status(), 401);
    }
}

#[tokio::test]
async fn one_address_hammering_the_doors_gets_429_with_retry_after() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.rate_limits = true;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = login_as(&app, &format!("khach{i}"), "x").await;
        if r.status() == 429 {
            assert!(r.headers().get("retry-after").is_some());
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429; 2]);
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/me", token).await.status().as_u16()
}

#[tokio::test]
async fn logout_sign_out_everywhere_and_a_password_change_end_sessions_on_every_instance() {
    let db = Arc::new(TestDb::new());
    let a = spawn_on(db.clone()).await;
    let b = spawn_on(db).await;
    a.create_user("admin", "admin", None);
    // Logout ends that token at once, on the other instance too.
    let t1 = a.login("admin").await;
    let t2 = b.login("admin").await;
    assert_eq!(me(&b, &t1).await, 200);
    let r = a
        .client
        .post(a.url("/api/v1/auth/logout"))
        .bearer_auth(&t1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(me(&b, &t1).await, 401);
    assert_eq!(me(&a, &t2).await, 200, "another device stays signed in");
    // Sign out everywhere ends every device's session.
    let t3 = a.login("admin").await;
    let r = b
        .client
        .post(b.url("/api/v1/auth/logout-all"))
        .bearer_auth(&t3)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!((me(&a, &t2).await, me(&a, &t3).await), (401, 401));
    // A password change ends the other sessions and keeps the new one.
    let old = a.login("admin").await;
    let other = b.login("admin").await;
    let r = a
        .client
        .post(a.url("/api/v1/auth/password"))
        .bearer_auth(&old)
        .json(&json!({"current_password": PASSWORD, "new_password": "mat-khau-moi-rat-dai-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fresh = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!((me(&b, &old).await, me(&b, &other).await), (401, 401));
    assert_eq!(me(&b, &fresh).await, 200);
    assert_eq!(
        staff_login(&a, PASSWORD).await,
        401,
        "the old password is gone"
    );
}

#[tokio::test]
async fn a_participant_who_signs_out_cannot_use_the_token_on_any_instance() {
    let (a, b, _) = two_instances().await;
    let token = participant(&a, PHONE).await;
    let start = |app: &TestApp| {
        app.client
            .post(app.url(&format!("/api/v1/contests/{CONTEST}/attempts")))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
    };
    assert_eq!(start(&b).await.unwrap().status(), 201);
    let r = a
        .client
        .delete(a.url(&format!("/api/v1/contests/{CONTEST}/sessions")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        start(&a).await.unwrap().status(),
        401,
        "at once where it ended"
    );
    // The other instance learns of it within its refresh interval.
    let mut refused = false;
    for _ in 0..30 {
        if start(&b).await.unwrap().status() == 401 {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(refused, "the other instance refuses the ended session");
}

async fn page_login(app: &TestApp) -> reqwest::Client {
    page_login_as(app, "admin").await
}

/// A browser signed in on the pages as `username` (password [`PASSWORD`]).
pub(crate) async fn page_login_as(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = app.browser(reqwest::redirect::Policy::none());
    let r = browser
        .post(app.url("/login"))
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    browser
}

#[tokio::test]
async fn cross_site_requests_riding_the_staff_cookie_are_refused() {
    let app = crate::helpers::spawn_app().await;
    app.create_user("admin", "admin", None);
    let browser = page_login(&app).await;
    let token = app.login("admin").await;
    let unit = [
        ("code", "EVIL"),
        ("name", "Đơn vị lạ"),
        ("level", "Chi đoàn"),
    ];
    // Another site, a sibling subdomain, a forged null origin: refused.
    for origin in ["https://evil.example", "http://a.127.0.0.1:1", "null"] {
        let r = browser
            .post(app.url("/admin/units"))
            .header("origin", origin)
            .form(&unit)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{origin}");
    }
    // No Origin but the fetch metadata says cross-site: refused.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = format!("hoithi_token={token}");
    let r = plain
        .post(app.url("/admin/units"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A cookie with neither header: refused (browsers always send one).
    let r = plain
        .post(app.url("/admin/units"))
        .header("cookie", &cookie)
        .form(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The JSON API gets the same check: a "simple" text/plain cross-site POST.
    let r = plain
        .post(app.url("/api/v1/units/import"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain")
        .body("code,name,level,parent_code,members\nEVIL2,X,Chi đoàn,,\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        app.unit_codes(&token).await.is_empty(),
        "nothing was created"
    );
    // The site's own form, and a Bearer client with no Origin, work.
    let r = browser
        .post(app.url("/admin/units"))
        .form(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = plain
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&json!({"code": "OK2", "name": "Đơn vị", "level": "Chi đoàn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_https_cookies_are_secure() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.public_url =
        Some(hoithi::config::PublicUrl::parse("https://hoithi.example.vn").unwrap());
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    app.create_user("admin", "admin", None);
    for path in [
        "/",
        "/login",
        "/api/v1/openapi.json",
        "/khong-co",
        "/static/style.css",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.contains_key("strict-transport-security"), "{path}");
    }
    // The pages need no inline script (the CSP would block it).
    let html = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("onclick="),
        "{html}"
    );
    // Behind https, the session cookie is Secure; the public origin passes the check.
    let r = app
        .client
        .post(app.url("/login"))
        .header("origin", "https://hoithi.example.vn")
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn the_login_page_never_redirects_to_another_host() {
    let app = crate::helpers::spawn_app().await;
    app.create_user("admin", "admin", None);
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%09/evil.example\n",
    ] {
        let r = app
            .browser(reqwest::redirect::Policy::none())
            .post(app.url("/login"))
            .form(&[
                ("username", "admin"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        let location = r.headers()["location"].to_str().unwrap();
        assert!(
            location == "/admin"
                || (location.starts_with('/')
                    && !location.starts_with("//")
                    && location.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')),
            "{next:?} → {location:?}"
        );
    }
}

#[tokio::test]
async fn nul_and_control_characters_get_400_everywhere_without_sign_in() {
    let app = crate::helpers::spawn_app().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let get = |path: &str| app.client.get(app.url(path)).send();
    for path in [
        "/api/v1/contests/dv%00c",
        "/api/v1/contests/dvc%1b",
        &format!("/api/v1/contests/{CONTEST}/rounds/1/leaderboard?unit=%00"),
        "/c/dv%00c",
    ] {
        assert_eq!(get(path).await.unwrap().status(), 400, "{path}");
    }
    // JSON: a login, a registration.
    let r = login_as(&app, "ad\u{0}min", "x").await;
    assert_eq!(r.status(), 400);
    let mut body = registration("0912000222", "CD-A1");
    body["full_name"] = json!("Nguyễn\u{0}Văn An");
    let r = register(&app, &body).await;
    assert_eq!(r.status(), 400);
    // A form.
    let r = app
        .client
        .post(app.url(&format!("/c/{CONTEST}/signin")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("phone=0912%00000111&birth_date=2000-05-01")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A unit name by an organizer: refused, the unit not created.
    let r = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"code": "NUL1", "name": "A\u{0}B", "level": "Chi đoàn", "parent_code": "TINH"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(!app.unit_codes(&admin).await.contains(&"NUL1".to_string()));
    // Text in the body that merely mentions the escape is fine.
    let r = app
        .post("/api/v1/units", &admin, &json!({"code": "TXT1", "name": "Ký hiệu \\u0000", "level": "Chi đoàn", "parent_code": "TINH"}))
        .await;
    assert_eq!(r.status(), 201);
}

async fn stored_ip(app: &TestApp, phone: &str) -> Option<String> {
    let phone = phone.to_string();
    app.db
        .connect()
        .read_now(move |c| {
            use diesel::prelude::*;
            use hoithi::db::schema::participants;
            Ok(participants::table
                .filter(participants::phone.eq(phone))
                .select(participants::ip)
                .first::<Option<String>>(c)?)
        })
        .unwrap()
}

async fn register_via(app: &TestApp, phone: &str, forwarded: &str) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .header("x-forwarded-for", forwarded)
        .json(&registration(phone, "CD-A1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let db = Arc::new(TestDb::new());
    let plain = spawn_on(db.clone()).await;
    contest_fixture(&plain, 15, 1).await;
    let mut settings = settings_for(&db);
    settings.trusted_proxies = hoithi::config::parse_proxies("127.0.0.1/32, ::1").unwrap();
    let behind_proxy =
        spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    register_via(&plain, "0912000301", "198.51.100.7").await;
    assert_eq!(
        stored_ip(&plain, "0912000301").await.as_deref(),
        Some("127.0.0.1")
    );
    // Through the proxy: the right-most address it added, not what the client wrote.
    register_via(&behind_proxy, "0912000302", "6.6.6.6, 2001:db8::42").await;
    assert_eq!(
        stored_ip(&plain, "0912000302").await.as_deref(),
        Some("2001:db8::42")
    );
}

#[tokio::test]
async fn a_thousand_idle_connections_do_not_starve_the_health_check() {
    // Start from the usual default soft limit of 1,024 open files; the
    // server raises it to the hard limit when it starts.
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
    rlimit::setrlimit(rlimit::Resource::NOFILE, 1024.min(hard), hard).unwrap();
    let app = crate::helpers::spawn_app().await;
    let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
    assert_eq!(soft, hard, "the server raised the soft limit");
    let mut idle = Vec::new();
    for _ in 0..1100 {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", app.port))
                .await
                .unwrap(),
        );
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let r = client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(r.status(), 200);
    drop(idle);
}

#[tokio::test]
async fn concurrent_starts_by_one_person_on_two_instances_make_one_attempt() {
    let (a, b, _) = two_instances().await;
    let token = participant(&a, PHONE).await;
    let burst = || {
        futures_util::future::join_all((0..20).map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            app.client
                .post(app.url(&format!("/api/v1/contests/{CONTEST}/attempts")))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
        }))
    };
    for trial in 0..2 {
        let mut ids = std::collections::BTreeSet::new();
        for r in burst().await {
            let r = r.unwrap();
            assert!(r.status().is_success(), "trial {trial}: {}", r.status());
            ids.insert(
                r.json::<Value>().await.unwrap()["attempt_id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        assert_eq!(ids.len(), 1, "trial {trial}: one open attempt, {ids:?}");
        let id = ids.into_iter().next().unwrap();
        let r = a
            .client
            .post(a.url(&format!("/api/v1/attempts/{id}/submit")))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    // Both attempts used: every further start is refused, none sneaks in.
    for r in burst().await {
        assert_eq!(r.unwrap().status(), 409);
    }
    let n = a.db.connect().read_now(|c| {
        use diesel::prelude::*;
        use hoithi::db::schema::attempts;
        Ok(attempts::table
            .filter(attempts::practice.eq(false))
            .count()
            .get_result::<i64>(c)?)
    });
    assert_eq!(n.unwrap(), 2, "the limit of 2 per round holds");
}

#[tokio::test]
async fn concurrent_registrations_of_one_phone_sign_every_caller_in() {
    let (a, b, _) = two_instances().await;
    let regs = (0..20).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        app.client
            .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
            .json(&registration(PHONE, "CD-A1"))
            .send()
    });
    let mut ids = std::collections::BTreeSet::new();
    for r in futures_util::future::join_all(regs).await {
        let r = r.unwrap();
        assert!(r.status() == 200 || r.status() == 201, "{}", r.status());
        ids.insert(
            r.json::<Value>().await.unwrap()["participant_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[test]
fn two_servers_starting_at_once_on_a_fresh_postgresql_both_come_up() {
    if crate::helpers::postgres_base().is_none() {
        eprintln!("PostgreSQL only (SQLite instances share a file, not a server)");
        return;
    }
    let db = TestDb::new();
    let start = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hoithi"))
            .arg("serve")
            .env("HOITHI_DATABASE_URL", &db.url)
            .env("HOITHI_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut servers = [start(), start()];
    let demo_done = || {
        db.connect()
            .read_now(|c| {
                use diesel::prelude::*;
                use hoithi::db::schema::{contest_viewers, contests};
                let n: i64 = contests::table.count().get_result(c)?;
                let v: i64 = contest_viewers::table.count().get_result(c)?;
                Ok((n, v))
            })
            .unwrap_or((0, 0))
    };
    // The demo's last step is assigning its viewer; wait for it (bounded).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while demo_done().1 == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    let alive: Vec<bool> = servers
        .iter_mut()
        .map(|p| p.try_wait().unwrap().is_none())
        .collect();
    for p in servers.iter_mut() {
        let _ = p.kill();
    }
    let errors: Vec<String> = servers
        .into_iter()
        .map(|p| String::from_utf8_lossy(&p.wait_with_output().unwrap().stderr).into_owned())
        .collect();
    assert_eq!(alive, [true, true], "both servers stay up: {errors:?}");
    assert_eq!(
        demo_done(),
        (1, 1),
        "one demo contest, one viewer assignment"
    );
}

#[test]
fn housekeeping_forgets_quiet_counters_and_expired_sessions_only() {
    use diesel::prelude::*;
    use hoithi::db::schema::{auth_failures as af, sessions};
    let test_db = TestDb::new();
    let db = test_db.connect();
    let now = hoithi::db::now();
    let h = chrono::Duration::hours;
    db.write_now(|c| {
        for (key, last, locked) in [
            ("s:quiet", now - h(30), None),
            ("s:locked", now - h(30), Some(now + h(2))),
            ("s:recent", now - h(1), None),
        ] {
            diesel::insert_into(af::table)
                .values((
                    af::key.eq(key),
                    af::failures.eq(5),
                    af::locked_until.eq(locked),
                    af::last_failure_at.eq(last),
                ))
                .execute(c)?;
        }
        for (id, expires) in [("old", now - h(30)), ("live", now + h(1))] {
            diesel::insert_into(sessions::table)
                .values((
                    sessions::id.eq(id),
                    sessions::kind.eq("staff"),
                    sessions::subject_id.eq("a"),
                    sessions::created_at.eq(now - h(40)),
                    sessions::expires_at.eq(expires),
                ))
                .execute(c)?;
        }
        Ok(())
    })
    .unwrap();
    let gone = db
        .write_now(|c| {
            Ok(hoithi::service::throttle::forget_quiet(c, now)?
                + hoithi::service::sessions::forget_expired(c, now)?)
        })
        .unwrap();
    assert_eq!(gone, 2);
    let keys: Vec<String> = db
        .read_now(|c| Ok(af::table.select(af::key).order(af::key).load(c)?))
        .unwrap();
    assert_eq!(keys, ["s:locked", "s:recent"]);
    let ids: Vec<String> = db
        .read_now(|c| Ok(sessions::table.select(sessions::id).load(c)?))
        .unwrap();
    assert_eq!(ids, ["live"]);
}

#[tokio::test]
async fn the_poster_links_to_the_public_url_and_ignores_forwarded_hosts_from_strangers() {
    let db = Arc::new(TestDb::new());
    let plain = spawn_on(db.clone()).await;
    contest_fixture(&plain, 15, 1).await;
    let poster = |app: &TestApp| {
        app.client
            .get(app.url(&format!("/c/{CONTEST}/poster")))
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .send()
    };
    let html = poster(&plain).await.unwrap().text().await.unwrap();
    assert!(!html.contains("evil.example"), "{html}");
    assert!(html.contains(&format!("http://127.0.0.1:{}/c/{CONTEST}", plain.port)));
    let mut settings = settings_for(&db);
    settings.public_url =
        Some(hoithi::config::PublicUrl::parse("https://hoithi.example.vn").unwrap());
    let public = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let html = poster(&public).await.unwrap().text().await.unwrap();
    assert!(
        html.contains(&format!("https://hoithi.example.vn/c/{CONTEST}")),
        "{html}"
    );
}

#[tokio::test]
async fn an_organizer_sees_and_clears_a_lock_on_the_contest_page() {
    let (a, _b, _admin) = two_instances().await;
    participant(&a, PHONE).await;
    for day in 2..=6 {
        sign_in(&a, PHONE, &format!("2000-05-0{day}")).await;
    }
    assert_eq!(status_of(sign_in(&a, PHONE, RIGHT).await).await.0, 429);
    let browser = page_login(&a).await;
    let page = browser
        .get(a.url(&format!("/admin/contests/{CONTEST}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(PHONE) && page.contains("Mở khóa"), "{page}");
    let r = browser
        .post(a.url(&format!("/admin/contests/{CONTEST}/locks/{PHONE}/clear")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(sign_in(&a, PHONE, RIGHT).await).await.0, 200);
    let access = browser
        .get(a.url(&format!("/admin/contests/{CONTEST}/access")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        access.contains("Mở khóa đăng nhập") && access.contains("09xx xxx 111"),
        "{access}"
    );
}
