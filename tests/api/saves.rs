//! Answer batches (#13): PostgreSQL stores a batch as multi-row upserts,
//! SQLite as one prepared upsert per answer; either way a later save of
//! the same question in the same batch wins, as if they ran one by one.

use hoithi::db::attempts::{save_answers, NewAnswer};
use hoithi::domain::kinds::Given;
use serde_json::Value;

use crate::helpers::{attempt, contest_fixture, join, spawn_app};

#[tokio::test]
async fn a_batch_with_the_same_question_twice_keeps_the_later_save() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let token = join(&app, "0912777001", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &token, 0).await;
    let at = app.state.now();
    let keys = |k: &[&str]| Given::Choices(k.iter().map(|s| s.to_string()).collect());
    let (first, second, third) = (keys(&["A"]), keys(&["B"]), keys(&["C", "D"]));
    let batch_id = id.clone();
    app.state
        .db
        .write(move |c| {
            let batch: Vec<NewAnswer<'_>> = [(1, &first), (2, &third), (1, &second)]
                .into_iter()
                .map(|(position, given)| NewAnswer {
                    attempt_id: &batch_id,
                    position,
                    given,
                    at,
                })
                .collect();
            save_answers(c, &batch)
        })
        .await
        .unwrap();
    let v: Value = app
        .get(&format!("/api/v1/attempts/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["answers"]["1"],
        serde_json::json!({"choices": ["B"]}),
        "{v}"
    );
    assert_eq!(
        v["answers"]["2"],
        serde_json::json!({"choices": ["C", "D"]}),
        "{v}"
    );
}
