//! Uploads from one address and one account are bounded (issue #25): the
//! documented 10 a minute per address on every upload door, and at most a
//! few staged previews per account, the oldest dropped.

use std::sync::Arc;

use reqwest::multipart::{Form, Part};

use crate::banks::{upload, upload_id_of, SAMPLE};
use crate::helpers::{settings_for, spawn_app, spawn_with, TestDb};
use crate::security::page_login_as;

#[tokio::test]
async fn every_upload_door_takes_ten_a_minute_from_one_address() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.rate_limits = true;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let admin = app.admin().await;
    let mut statuses = Vec::new();
    for i in 0..10 {
        let r = upload(
            &app,
            &admin,
            "dvc.toml",
            SAMPLE.as_bytes().to_vec(),
            &[("slug", &format!("dvc-{i}"))],
        )
        .await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.iter().all(|s| *s != 429), "{statuses:?}");
    let r = upload(&app, &admin, "dvc.toml", SAMPLE.as_bytes().to_vec(), &[]).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // The other doors share the address's allowance.
    let r = app.import_csv(&admin, "code,name,parent\nX,Xã X,\n").await;
    assert_eq!(r.status(), 429);
    let browser = page_login_as(&app, "admin").await;
    let part = Part::bytes(SAMPLE.as_bytes().to_vec()).file_name("dvc.toml");
    let r = browser
        .post(app.url("/admin/banks/preview"))
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let page = r.text().await.unwrap();
    assert!(page.contains("thử lại sau"), "a page, in words: {page}");
}

#[tokio::test]
async fn an_account_keeps_three_staged_previews_and_the_oldest_is_dropped() {
    let app = spawn_app().await;
    app.create_user("btc", "admin", None);
    let browser = page_login_as(&app, "btc").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let text = SAMPLE.replace("dich-vu-cong", &format!("dich-vu-cong-{i}"));
        let part = Part::bytes(text.into_bytes()).file_name("dvc.toml");
        let r = browser
            .post(app.url("/admin/banks/preview"))
            .multipart(Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        ids.push(upload_id_of(&r.text().await.unwrap()));
    }
    let staged: i64 = app
        .state
        .db
        .read_now(|c| {
            use diesel::prelude::*;
            use hoithi::db::schema::bank_uploads::dsl::*;
            Ok(bank_uploads.count().get_result(c)?)
        })
        .unwrap();
    assert_eq!(staged, 3);
    let commit = |id: String| {
        browser
            .post(app.url("/admin/banks/commit"))
            .form(&[("upload_id", id)])
            .send()
    };
    let r = commit(ids[0].clone()).await.unwrap();
    assert!(
        r.status().is_client_error(),
        "the oldest was dropped: {}",
        r.status()
    );
    let r = commit(ids[4].clone()).await.unwrap();
    assert_eq!(r.status(), 303, "the newest is kept");
}
