use hoithi::auth::{Claims, Keys, TokenKind};
use hoithi::domain::accounts::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PASSWORD};

fn stored_secret(app: &TestApp) -> String {
    let db = app.db.connect();
    db.read_now(|c| hoithi::db::settings::get(c, hoithi::startup::JWT_SECRET_KEY))
        .unwrap()
        .expect("a secret was generated at first start")
}

async fn me_status(app: &TestApp, token: &str) -> (u16, Value) {
    let r = app.get("/api/v1/me", token).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn login_returns_a_token_that_identifies_the_account() {
    let app = spawn_app().await;
    let token = app.admin().await;
    let (status, me) = me_status(&app, &token).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_both_get_401() {
    let app = spawn_app().await;
    app.create_user("btc", "admin", None);
    for (u, p) in [("btc", "sai-mat-khau-roi"), ("khong-ton-tai", PASSWORD)] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": u, "password": p}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

#[tokio::test]
async fn every_kind_of_bad_token_gets_401_with_a_json_error() {
    let app = spawn_app().await;
    let good = app.admin().await;
    let me: Value = app.get("/api/v1/me", &good).await.json().await.unwrap();
    let id = me["id"].as_str().unwrap().to_string();
    let keys = Keys::new(stored_secret(&app).as_bytes());
    let sid = keys.verify(&good).unwrap().sid;
    let now = chrono::Utc::now().timestamp();
    let claims = |kind, exp| Claims {
        sub: id.clone(),
        kind,
        role: Some(Role::Admin),
        contest: None,
        sid: sid.clone(),
        iat: now,
        exp,
    };
    let no_session = keys
        .issue(&Claims {
            sid: None,
            ..claims(TokenKind::Staff, now + 600)
        })
        .unwrap();
    let forged_session = keys
        .issue(&Claims {
            sid: Some(uuid::Uuid::now_v7().to_string()),
            ..claims(TokenKind::Staff, now + 600)
        })
        .unwrap();

    let expired = keys.issue(&claims(TokenKind::Staff, now - 3600)).unwrap();
    let wrong_key = Keys::new(b"not the server's secret, 32 bytes!")
        .issue(&claims(TokenKind::Staff, now + 600))
        .unwrap();
    let payload = good.split('.').nth(1).unwrap();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let participant = keys
        .issue(&claims(TokenKind::Participant, now + 600))
        .unwrap();
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });

    for (name, token) in [
        ("expired", expired),
        ("wrong key", wrong_key),
        ("alg none", alg_none),
        ("participant kind", participant),
        ("tampered signature", tampered),
        ("signed but without a session", no_session),
        ("signed with an unknown session", forged_session),
        ("garbage", "not.a.jwt".to_string()),
    ] {
        let (status, body) = me_status(&app, &token).await;
        assert_eq!(status, 401, "{name} token must be refused");
        assert_eq!(
            body["error"]["code"], "unauthorized",
            "{name}: JSON error body"
        );
    }
    let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401, "no token at all");
}

#[tokio::test]
async fn a_token_of_a_deleted_account_stops_working() {
    let app = spawn_app().await;
    let token = app.admin().await;
    let db = app.db.connect();
    db.write_now(|c| {
        use diesel::prelude::*;
        diesel::delete(hoithi::db::schema::accounts::table)
            .execute(c)
            .map_err(Into::into)
    })
    .unwrap();
    assert_eq!(me_status(&app, &token).await.0, 401);
}

#[tokio::test]
async fn the_login_page_sets_an_httponly_lax_cookie_that_opens_the_admin_pages() {
    let app = spawn_app().await;
    app.create_user("btc", "admin", None);
    let r = app
        .client
        .get(app.url("/admin/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/admin/units");

    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "btc"),
            ("password", "sai-mat-khau-roi"),
            ("next", "/admin/units"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Sai tên đăng nhập hoặc mật khẩu"));

    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "btc"),
            ("password", PASSWORD),
            ("next", "/admin/units"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("hoithi_token="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let page = app
        .client
        .get(app.url("/admin/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Cây đơn vị"));
    let me = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "the cookie works for the API too");

    let out = app.client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), 303);
    let again = app
        .client
        .get(app.url("/admin/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 303, "logged out");
}

#[tokio::test]
async fn accounts_made_by_someone_else_start_with_a_one_time_password() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import_csv(&admin, crate::helpers::TREE_CSV).await;
    let r = app
        .post(
            "/api/v1/accounts",
            &admin,
            &json!({"username": "btc-xa-a", "role": "organizer"}),
        )
        .await;
    assert_eq!(r.status(), 422, "an organizer needs a unit");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["field"], "unit_code");
    let r = app
        .post(
            "/api/v1/accounts",
            &admin,
            &json!({"username": "btc-xa-a", "role": "organizer", "unit_code": "XA-A"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let generated = created["generated_password"]
        .as_str()
        .expect("a generated password is returned once")
        .to_string();
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "btc-xa-a", "password": generated}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let org: Value = r.json().await.unwrap();
    let org_token = org["token"].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/accounts",
            org_token,
            &json!({"username": "x-viewer", "role": "viewer", "unit_code": "XA-A"}),
        )
        .await;
    assert_eq!(
        r.status(),
        403,
        "nothing before the one-time password is changed"
    );
    let r = app
        .post(
            "/api/v1/auth/password",
            org_token,
            &json!({"current_password": generated, "new_password": "mat-khau-cua-btc"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let org_token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post(
            "/api/v1/accounts",
            &org_token,
            &json!({"username": "x-viewer", "role": "viewer", "unit_code": "XA-A"}),
        )
        .await;
    assert_eq!(r.status(), 201, "then it works in its own unit");
    let r = app
        .post(
            "/api/v1/accounts",
            &admin,
            &json!({"username": "btc-xa-a", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status(), 422, "username taken");
}

/// Tokens are issued and expire on the application's clock: moving the
/// clock past a staff sign-in's lifetime ends it, without waiting.
#[tokio::test]
async fn a_staff_token_expires_when_the_clock_passes_its_lifetime() {
    let (app, clock) = crate::helpers::spawn_with_clock().await;
    let token = app.admin().await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    clock.advance(chrono::Duration::hours(app.state.token_hours) - chrono::Duration::minutes(1));
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    clock.advance(chrono::Duration::minutes(2));
    let r = app.get("/api/v1/me", &token).await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(body["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("expired"));
}
