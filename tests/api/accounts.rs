//! Accounts in the web pages (#12 item 11): an admin creates organizer and
//! viewer accounts anywhere, an organizer in its subtree; passwords made or
//! reset by someone else are one-time; the access page offers to create an
//! unknown viewer.

use serde_json::{json, Value};

use crate::helpers::{contest_fixture, spawn_app, TestApp, CONTEST, PASSWORD, TREE_CSV};

fn page_browser(app: &TestApp) -> reqwest::Client {
    app.browser(reqwest::redirect::Policy::none())
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Client {
    let browser = page_browser(app);
    let r = browser
        .post(app.url("/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{username} signs in");
    browser
}

async fn post(
    browser: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let r = browser.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn get(browser: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    browser.get(app.url(path)).send().await.unwrap()
}

/// The one-time password a page shows once.
fn one_time(page: &str) -> String {
    let at = page
        .find("id=\"one-time-password\">")
        .unwrap_or_else(|| panic!("no one-time password shown: {page}"));
    let rest = &page[at + "id=\"one-time-password\">".len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

/// The message under a field, if the page shows one.
fn field_error(page: &str, field: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{field}-err\">"))?;
    let rest = &page[at..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    Some(rest[..rest.find('<').unwrap()].to_string())
}

#[tokio::test]
async fn an_admin_creates_an_organizer_whose_one_time_password_must_be_changed() {
    let app = spawn_app().await;
    let token = app.admin().await;
    app.import_csv(&token, TREE_CSV).await;
    let admin = sign_in(&app, "admin", PASSWORD).await;
    let page = get(&admin, &app, "/admin/accounts")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tạo tài khoản"), "{page}");
    assert!(
        page.contains("data-filter-for=\"unit_code\""),
        "the unit picker has a search box"
    );

    let (status, page) = post(
        &admin,
        &app,
        "/admin/accounts",
        &[
            ("username", "BTC-Xa-A "),
            ("display_name", "Ban Tổ chức Đoàn xã An Phú"),
            ("role", "organizer"),
            ("unit_code", "XA-A"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let password = one_time(&page);
    assert!(page.contains("chỉ hiện một lần"), "{page}");
    assert!(
        page.contains("btc-xa-a"),
        "the name is stored in lower case"
    );

    // Signed in with it, every page leads to the password change.
    let org = sign_in(&app, "btc-xa-a", &password).await;
    let r = get(&org, &app, "/admin/contests").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/password");
    let page = get(&org, &app, "/admin/password")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("mật khẩu một lần"), "{page}");
    // The API says the same, except for /me and the password change.
    let login: Value = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "btc-xa-a", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_token = login["token"].as_str().unwrap().to_string();
    let r = app.get("/api/v1/units", &api_token).await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "password_change_required");
    let me: Value = app
        .get("/api/v1/me", &api_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);

    // Every problem of the change at its field; nothing changes.
    let (status, page) = post(
        &org,
        &app,
        "/admin/password",
        &[
            ("current_password", "sai-mat-khau-roi"),
            ("new_password", "ngan"),
            ("repeat_password", "khac"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&page, "new_password").unwrap().contains("10"),
        "{page}"
    );
    assert!(field_error(&page, "repeat_password").is_some(), "{page}");
    let (status, page) = post(
        &org,
        &app,
        "/admin/password",
        &[
            ("current_password", "sai-mat-khau-roi"),
            ("new_password", "mat-khau-rieng-cua-toi"),
            ("repeat_password", "mat-khau-rieng-cua-toi"),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert!(field_error(&page, "current_password").is_some(), "{page}");
    let (status, page) = post(
        &org,
        &app,
        "/admin/password",
        &[
            ("current_password", &password),
            ("new_password", "mat-khau-rieng-cua-toi"),
            ("repeat_password", "mat-khau-rieng-cua-toi"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Đã đổi mật khẩu"), "{page}");
    // This browser stays signed in and may work now; the API token (another
    // session) ended with the change.
    assert_eq!(get(&org, &app, "/admin/contests").await.status(), 200);
    assert_eq!(app.get("/api/v1/units", &api_token).await.status(), 401);
    let again = sign_in(&app, "btc-xa-a", "mat-khau-rieng-cua-toi").await;
    assert_eq!(get(&again, &app, "/admin/units").await.status(), 200);
}

#[tokio::test]
async fn an_organizer_creates_accounts_only_in_its_subtree_with_every_error_at_its_field() {
    let app = spawn_app().await;
    let token = app.admin().await;
    app.import_csv(&token, TREE_CSV).await;
    app.create_user("btc-xa-a", "organizer", Some("XA-A"));
    let org = sign_in(&app, "btc-xa-a", PASSWORD).await;
    let page = get(&org, &app, "/admin/accounts")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("CD-A1") && !page.contains("XA-B"),
        "only its subtree is offered"
    );

    // Everything wrong at once: each problem beside its field, the values kept.
    let (status, page) = post(
        &org,
        &app,
        "/admin/accounts",
        &[
            ("username", "x"),
            ("display_name", "Chi đoàn thôn 1"),
            ("role", "viewer"),
            ("unit_code", ""),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(field_error(&page, "username").is_some(), "{page}");
    assert!(field_error(&page, "unit_code").is_some(), "{page}");
    assert!(
        page.contains("value=\"Chi đoàn thôn 1\""),
        "typed text kept"
    );
    assert!(page.contains("aria-describedby=\"username-err\""), "{page}");

    // Outside its subtree: refused; inside: created (one-time password).
    let (status, _) = post(
        &org,
        &app,
        "/admin/accounts",
        &[
            ("username", "xem-b"),
            ("role", "viewer"),
            ("unit_code", "XA-B"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, page) = post(
        &org,
        &app,
        "/admin/accounts",
        &[
            ("username", "btc-thon-1"),
            ("role", "organizer"),
            ("unit_code", "CD-A1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    one_time(&page);
    // A taken name is said at the field.
    let (status, page) = post(
        &org,
        &app,
        "/admin/accounts",
        &[
            ("username", "btc-thon-1"),
            ("role", "viewer"),
            ("unit_code", "CD-A1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&page, "username").unwrap().contains("đã có"),
        "{page}"
    );
    // The API follows the same rules.
    let org_token = app.login("btc-xa-a").await;
    let r = app
        .post(
            "/api/v1/accounts",
            &org_token,
            &json!({"username": "xem-a2", "role": "viewer", "unit_code": "CD-A2"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            "/api/v1/accounts",
            &org_token,
            &json!({"username": "qt2", "role": "admin"}),
        )
        .await;
    assert_eq!(r.status(), 422, "admins are made with the CLI only");
    let list: Value = app
        .get("/api/v1/accounts", &org_token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"btc-thon-1") && names.contains(&"xem-a2"),
        "{names:?}"
    );
    assert!(!names.contains(&"admin"), "{names:?}");
}

#[tokio::test]
async fn the_account_above_resets_a_password_to_a_one_time_one() {
    let app = spawn_app().await;
    let token = app.admin().await;
    app.import_csv(&token, TREE_CSV).await;
    app.create_user("btc-xa-a", "organizer", Some("XA-A"));
    app.create_user("btc-xa-a-2", "organizer", Some("XA-A"));
    app.create_user("btc-thon-1", "organizer", Some("CD-A1"));
    let victim_token = app.login("btc-thon-1").await;

    let org = sign_in(&app, "btc-xa-a", PASSWORD).await;
    let page = get(&org, &app, "/admin/accounts")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("/admin/accounts/btc-thon-1/reset"),
        "below: resettable"
    );
    assert!(
        !page.contains("/admin/accounts/btc-xa-a-2/reset"),
        "a peer: not"
    );
    assert!(
        !page.contains("/admin/accounts/btc-xa-a/reset"),
        "itself: not"
    );
    let (status, _) = post(
        &org,
        &app,
        "/admin/accounts/btc-xa-a-2/reset",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(
        status, 403,
        "a peer's password is not the organizer's to reset"
    );
    let (status, _) = post(&org, &app, "/admin/accounts/btc-thon-1/reset", &[]).await;
    assert_eq!(status, 400, "no confirmation, no reset");
    assert_eq!(app.get("/api/v1/me", &victim_token).await.status(), 200);

    let (status, page) = post(
        &org,
        &app,
        "/admin/accounts/btc-thon-1/reset",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let password = one_time(&page);
    assert_eq!(
        app.get("/api/v1/me", &victim_token).await.status(),
        401,
        "sessions ended"
    );
    let old = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "btc-thon-1", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the old password is gone");
    let fresh = sign_in(&app, "btc-thon-1", &password).await;
    let r = get(&fresh, &app, "/admin/units").await;
    assert_eq!(r.headers()["location"], "/admin/password");

    // The API: an admin resets anyone but itself.
    let r = app
        .post(
            "/api/v1/accounts/btc-xa-a/password-reset",
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["one_time_password"].as_str().unwrap().len(), 16);
    let r = app
        .post("/api/v1/accounts/admin/password-reset", &token, &json!({}))
        .await;
    assert_eq!(r.status(), 400, "one's own password is changed, not reset");
    let r = app
        .post(
            "/api/v1/accounts/khong-co/password-reset",
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn adding_an_unknown_viewer_offers_to_create_the_account() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let admin = sign_in(&app, "admin", PASSWORD).await;
    let base = format!("/admin/contests/{CONTEST}/access");
    let (status, page) = post(
        &admin,
        &app,
        &format!("{base}/viewers"),
        &[("username", "vp-ubnd-xa")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Tạo tài khoản chỉ xem"), "{page}");
    assert!(field_error(&page, "username").is_some(), "{page}");
    assert!(
        page.contains("value=\"vp-ubnd-xa\""),
        "the name typed is kept"
    );

    let (status, page) = post(
        &admin,
        &app,
        &format!("{base}/viewers/new"),
        &[
            ("username", "vp-ubnd-xa"),
            ("display_name", "Văn phòng UBND xã An Phú"),
            ("unit_code", ""),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let password = one_time(&page);
    assert!(
        page.contains("Văn phòng UBND xã An Phú (vp-ubnd-xa)"),
        "added: {page}"
    );
    // The new viewer changes its password, then reads the contest.
    let viewer = sign_in(&app, "vp-ubnd-xa", &password).await;
    let (status, _) = post(
        &viewer,
        &app,
        "/admin/password",
        &[
            ("current_password", &password),
            ("new_password", "mat-khau-van-phong"),
            ("repeat_password", "mat-khau-van-phong"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let r = get(&viewer, &app, &format!("/admin/contests/{CONTEST}/results")).await;
    assert_eq!(r.status(), 200);
    // An existing account that is not a viewer: said at the field, no offer.
    let (status, page) = post(
        &admin,
        &app,
        &format!("{base}/viewers"),
        &[("username", "admin")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(!page.contains("Tạo tài khoản chỉ xem"), "{page}");
    assert!(field_error(&page, "username").is_some(), "{page}");
}
