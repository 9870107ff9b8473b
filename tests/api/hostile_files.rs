//! Hostile uploads (issue #11, items 1 and 2): a spreadsheet whose sheet
//! claims the whole grid, decompression bombs with true and lying sizes, and
//! many at once. Each gets a clear 4xx (or 503 to come back later) and the
//! server keeps serving.

use serde_json::Value;

use crate::banks::upload;
use crate::helpers::{spawn_app, TestApp, TestDb};
#[allow(dead_code)]
#[path = "../../benches/hostile.rs"]
mod hostile;

const GB: u64 = 1024 * 1024 * 1024;

async fn first_message(r: reqwest::Response) -> String {
    let v: Value = r.json().await.expect("json");
    v["error"]["details"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn still_serving(app: &TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "the server keeps serving");
}

#[tokio::test]
async fn a_two_cell_sheet_spanning_the_whole_grid_is_refused_and_the_server_lives() {
    let app = spawn_app().await;
    let token = app.admin().await;
    let r = upload(
        &app,
        &token,
        "hai-o.xlsx",
        hostile::two_cell_extent_xlsx(),
        &[],
    )
    .await;
    assert_eq!(r.status(), 422);
    let msg = first_message(r).await;
    assert!(msg.contains("1048576"), "names the far row: {msg}");
    still_serving(&app).await;
}

#[tokio::test]
async fn decompression_bombs_are_refused_whether_their_size_is_declared_or_hidden() {
    let app = spawn_app().await;
    let token = app.admin().await;
    // A Word file is a zip too: the same checks come first.
    for (lie, name) in [
        (false, "bom.xlsx"),
        (true, "bom.xlsx"),
        (false, "bom.docx"),
        (true, "bom.docx"),
    ] {
        let bomb = hostile::cell_bomb_xlsx(GB + GB / 5, lie);
        assert!(bomb.len() < 2 * 1024 * 1024, "a small file: {}", bomb.len());
        let r = upload(&app, &token, name, bomb, &[]).await;
        assert_eq!(r.status(), 422, "{name}, lie = {lie}");
        let msg = first_message(r).await;
        assert!(
            msg.contains("bom nén") || msg.contains("khác kích thước"),
            "lie = {lie}: {msg}"
        );
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn many_bombs_at_once_are_refused_or_queued_never_stacked() {
    let app = spawn_app().await;
    let token = app.admin().await;
    let bomb = hostile::cell_bomb_xlsx(GB, true);
    let sends = (0..12).map(|_| upload(&app, &token, "bom.xlsx", bomb.clone(), &[]));
    let (responses, health) = tokio::join!(futures_util::future::join_all(sends), async {
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(health, 200);
    for r in responses {
        match r.status().as_u16() {
            422 => {}
            503 => assert!(r.headers().get("retry-after").is_some(), "503 says when"),
            s => panic!("unexpected status {s}"),
        }
    }
    still_serving(&app).await;
}

#[test]
fn the_command_line_import_refuses_the_two_cell_sheet_with_a_clear_error() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hai-o.xlsx");
    std::fs::write(&path, hostile::two_cell_extent_xlsx()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoithi"))
        .env("HOITHI_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .arg("import-bank")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1048576"), "{err}");
}

/// Issue #25: a paste of 1,000 questions without an answer is answered
/// with the first 200 problems and how many more there are, not a list of
/// every one (a 3 MB file answered 142,987 problems, 37.8 MB of JSON).
#[tokio::test]
async fn a_file_with_a_thousand_problems_answers_the_first_200_and_a_count() {
    let app = spawn_app().await;
    let token = app.admin().await;
    let mut text = String::new();
    for i in 1..=1_000 {
        text.push_str(&format!("Câu {i}: Hỏi {i}?\nA. x\nB. y\n"));
    }
    let r = upload(
        &app,
        &token,
        "de.txt",
        text.into_bytes(),
        &[("format", "text")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.expect("json");
    let details = v["error"]["details"].as_array().expect("details");
    assert_eq!(details.len(), 201, "200 problems and the count");
    let last = details[200]["message"].as_str().unwrap_or_default();
    assert!(last.contains("và 800 lỗi khác"), "{last}");
    let last_en = details[200]["message_en"].as_str().unwrap_or_default();
    assert!(last_en.contains("and 800 more problems"), "{last_en}");
    still_serving(&app).await;
}

/// Issue #25: a paste whose lines all continue one stem ("Câu 100000:" has
/// too many digits to start a question) took 40 s of CPU per MB, squared;
/// it is now refused at the line where the stem passes 10,000 characters.
#[tokio::test]
async fn a_paste_of_endless_continuation_lines_is_refused_at_once() {
    let app = spawn_app().await;
    let token = app.admin().await;
    let mut text = String::from("Câu 1: Bắt đầu\n");
    while text.len() < 2 * 1024 * 1024 {
        text.push_str("Câu 100000: một dòng trông như câu hỏi mới nhưng nối vào câu trước\n");
    }
    text.push_str("*A. x\nB. y\n");
    let r = upload(
        &app,
        &token,
        "dan.txt",
        text.into_bytes(),
        &[("format", "text")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let msg = first_message(r).await;
    assert!(msg.contains("dài quá 10000 ký tự"), "{msg}");
    still_serving(&app).await;
}
