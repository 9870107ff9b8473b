//! What a first-time organizer meets on the admin pages.

use crate::helpers::{contest_fixture, spawn_app, CONTEST};

/// Closing a round early and publishing prizes cannot be undone by an
/// organizer: both forms ask to tick a box that names the consequence, and
/// the server refuses the action without it (a stray tap changes nothing).
#[tokio::test]
async fn dangerous_actions_need_a_confirmation_that_names_the_consequence() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let browser = crate::security::page_login_as(&app, "admin").await;
    let page = browser
        .get(app.url(&format!("/admin/contests/{CONTEST}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = &page[page.find("/rounds/1/close\"").expect("the close form")..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains("name=\"confirm\"") && form.contains("required"),
        "{form}"
    );
    assert!(
        form.contains("nộp tự động"),
        "the consequence is named: {form}"
    );

    let close = format!("/admin/contests/{CONTEST}/rounds/1/close");
    let r = browser
        .post(app.url(&close))
        .form(&[("x", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no confirmation, no close");
    assert!(r.text().await.unwrap().contains("ô xác nhận"));
    let live: serde_json::Value = app
        .get(&format!("/api/v1/contests/{CONTEST}"), "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        live["rounds"][0]["status"], "open",
        "the round is still open"
    );
    let r = browser
        .post(app.url(&close))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let after: serde_json::Value = app
        .get(&format!("/api/v1/contests/{CONTEST}"), "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["rounds"][0]["status"], "closed");

    let publish = format!("/admin/contests/{CONTEST}/rounds/1/prizes/publish");
    let r = browser
        .post(app.url(&publish))
        .form(&[("x", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no confirmation, nothing published");
}
