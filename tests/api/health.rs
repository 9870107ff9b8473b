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
