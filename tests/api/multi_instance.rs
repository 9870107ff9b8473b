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
