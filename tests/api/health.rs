use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_ok_with_a_request_id() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.json::<serde_json::Value>().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn an_unknown_api_route_is_a_json_404_and_an_unknown_page_is_a_vietnamese_page() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let r = app.client.get(app.url("/khong-co")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("Không tìm thấy"));
}

#[tokio::test]
async fn the_home_and_login_pages_render_in_vietnamese() {
    let app = spawn_app().await;
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Hội thi trực tuyến"));
    let login = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("Đăng nhập") && login.contains("name=\"password\""));
    let css = app
        .client
        .get(app.url("/static/style.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
}

/// A damaged JSON value in the database is an error (500, logged with its
/// column), never an empty paper that would quietly score zero.
#[tokio::test]
async fn a_damaged_stored_paper_is_an_error_not_an_empty_paper() {
    use diesel::prelude::*;
    use hoithi::db::schema::attempts;
    let app = spawn_app().await;
    crate::helpers::contest_fixture(&app, 15, 1).await;
    let token = crate::helpers::participant(&app, "0912345678").await;
    let id = crate::helpers::attempt(&app, &token, 1).await;
    let target = id.clone();
    app.state
        .db
        .write_now(move |c| {
            diesel::update(attempts::table.find(&target))
                .set(attempts::paper.eq("[{\"q\": 1, \"o\": ["))
                .execute(c)?;
            Ok(())
        })
        .expect("damage the row");
    // A fresh instance on the same database (the first one remembers the paper).
    let other = crate::helpers::spawn_on(app.db.clone()).await;
    let r = other.get(&format!("/api/v1/attempts/{id}"), &token).await;
    assert_eq!(r.status(), 500);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal");
    let r = other
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            &token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status(), 500, "not scored as an empty paper");
}

/// A known path asked with a method it does not take: 405 with the methods
/// it does take in `Allow` (JSON under /api, a page elsewhere); unknown
/// paths stay 404.
#[tokio::test]
async fn a_wrong_method_on_a_known_api_path_is_405_with_allow() {
    let app = spawn_app().await;
    let r = app
        .client
        .delete(app.url("/api/v1/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let r = app
        .client
        .put(app.url("/api/v1/contests/thu-nghiem/rounds/1/leaderboard"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    let r = app
        .client
        .delete(app.url("/api/v1/khong-co"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Pages too: a Vietnamese page with Allow.
    let r = app
        .client
        .get(app.url("/c/thu-nghiem/register"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert!(r.text().await.unwrap().contains("chỉ nhận POST"));
    let r = app
        .client
        .delete(app.url("/admin/contests"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn a_trailing_or_doubled_slash_reaches_the_same_route_with_its_query() {
    let app = spawn_app().await;
    for path in ["/healthz/", "//healthz", "/api/v1//openapi.json/?x=1"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}
