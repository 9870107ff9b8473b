use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::{spawn_on, TestDb, TREE_CSV};

#[tokio::test]
async fn two_instances_on_one_database_share_writes_and_tokens() {
    let db = Arc::new(TestDb::new());
    let a = spawn_on(db.clone()).await;
    let b = spawn_on(db.clone()).await;
    assert_ne!(a.port, b.port);

    a.create_user("admin", "admin", None);
    let token_from_a = a.login("admin").await;
    // B accepts A's token: both use the secret generated once in the database.
    let me: Value = b
        .get("/api/v1/me", &token_from_a)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");

    assert_eq!(a.import_csv(&token_from_a, TREE_CSV).await.status(), 200);
    let token_from_b = b.login("admin").await;
    assert_eq!(
        b.unit_codes(&token_from_b).await.len(),
        6,
        "B sees A's import"
    );
    let r = b.post("/api/v1/units", &token_from_b, &json!({"code": "CD-B2", "name": "Chi đoàn KP2", "level": "Chi đoàn", "parent_code": "XA-B"})).await;
    assert_eq!(r.status(), 201);
    assert!(
        a.unit_codes(&token_from_b)
            .await
            .contains(&"CD-B2".to_string()),
        "A sees B's write"
    );
}

#[tokio::test]
async fn a_failing_write_in_a_group_commit_batch_is_rolled_back_alone() {
    use diesel::prelude::*;
    use hoithi::db::schema::app_settings;
    let app = crate::helpers::spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let db = app.state.db.clone();
        tasks.push(tokio::spawn(async move {
            db.write(move |c| {
                // Every third write inserts the same key: one wins, the rest fail.
                let key = if i % 3 == 0 {
                    "dup".to_string()
                } else {
                    format!("k{i}")
                };
                diesel::insert_into(app_settings::table)
                    .values((app_settings::key.eq(&key), app_settings::value.eq("v")))
                    .execute(c)?;
                // A second statement of the same write, undone with it on failure.
                diesel::insert_into(app_settings::table)
                    .values((
                        app_settings::key.eq(format!("after-{i}")),
                        app_settings::value.eq("v"),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
        }));
    }
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(e) => {
                assert_eq!(e.code(), "conflict", "{e}");
                conflicts += 1;
            }
        }
    }
    assert_eq!((ok, conflicts), (41, 19));
    let keys: Vec<String> = app
        .state
        .db
        .read_now(|c| Ok(app_settings::table.select(app_settings::key).load(c)?))
        .unwrap();
    assert_eq!(keys.iter().filter(|k| *k == "dup").count(), 1);
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("after-")).count(),
        41,
        "failed writes left nothing behind"
    );
    assert_eq!(keys.iter().filter(|k| k.starts_with('k')).count(), 40);
}
