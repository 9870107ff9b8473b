//! Question kinds beyond one letter (issue #26): typed answers saved as
//! `{"text": …}`, graded by their kind, shown on the paper (with and
//! without JavaScript) and in the answers after the round.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TREE_CSV};

const SLUG: &str = "go-chu";

/// A bank with one short, one numeric and one single-choice question.
const BANK: &str = r#"
slug = "kieu-go"
title = "Câu hỏi gõ câu trả lời"

[[questions]]
id = "sang-lap"
kind = "short"
stem = "Ai là người sáng lập Đoàn TNCS Hồ Chí Minh?"
answers = ["Hồ Chí Minh", "Nguyễn Ái Quốc"]
explanation = "Đoàn do Chủ tịch Hồ Chí Minh sáng lập."

[[questions]]
id = "nam-thanh-lap"
kind = "numeric"
stem = "Đoàn TNCS Hồ Chí Minh được thành lập năm nào?"
answer = 1931

[[questions]]
id = "ty-le"
kind = "numeric"
stem = "Một phần hai bằng bao nhiêu?"
answer = 0.5
tolerance = 0.01
"#;

/// The typed bank with two survey questions: a choice and a free text.
fn survey_bank() -> String {
    format!(
        "{BANK}
[[questions]]
id = \"kenh\"
kind = \"survey_multiple\"
stem = \"Bạn biết đến hội thi qua kênh nào?\"
options = [\"Zalo\", \"Facebook\", \"Chi đoàn\", \"Trường học\"]

[[questions]]
id = \"y-kien\"
kind = \"survey\"
stem = \"Bạn muốn hội thi sau có thêm gì?\"
"
    )
}

/// Tree, the bank and a contest of its three questions, open for a week.
/// Returns the admin token.
async fn fixture(app: &TestApp) -> String {
    fixture_with(app, BANK).await
}

async fn fixture_with(app: &TestApp, bank: &str) -> String {
    let admin = app.admin().await;
    assert_eq!(app.import_csv(&admin, TREE_CSV).await.status(), 200);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bank.as_bytes().to_vec()).file_name("kieu-go.toml"),
    );
    let r = app
        .client
        .post(app.url("/api/v1/banks"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let now = app.state.now().and_utc();
    let body = json!({
        "slug": SLUG, "title": "Hội thi gõ câu trả lời", "unit_code": "TINH",
        "bank_slug": "kieu-go",
        "blueprint": [{"topic": "chung", "difficulty": "medium", "count": 3}],
        "minutes": 30,
        "show_answers_after_close": true,
        "rounds": [{
            "opens_at": (now - chrono::Duration::minutes(5)).to_rfc3339(),
            "closes_at": (now + chrono::Duration::days(7)).to_rfc3339(),
        }],
    });
    let r = app.post("/api/v1/contests", &admin, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    admin
}

/// Registers someone and starts their attempt: (token, attempt id, position
/// of each question by its stem's first word).
async fn start(app: &TestApp, phone: &str) -> (String, String, Value) {
    start_in(app, phone, "CD-A1").await
}

async fn start_in(app: &TestApp, phone: &str, unit: &str) -> (String, String, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{SLUG}/participants")))
        .json(&json!({
            "full_name": "Trần Thị Bình", "birth_date": "2001-02-03", "phone": phone,
            "unit_code": unit, "category": "doan_vien", "consent": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let a: Value = app
        .post(
            &format!("/api/v1/contests/{SLUG}/attempts"),
            &token,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = a["attempt_id"].as_str().unwrap().to_string();
    (token, id, a)
}

/// The position of the question whose stem contains `words`.
fn position(attempt: &Value, words: &str) -> i64 {
    attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["stem"].as_str().unwrap().contains(words))
        .unwrap_or_else(|| panic!("no question with {words:?}"))["position"]
        .as_i64()
        .unwrap()
}

async fn save(app: &TestApp, token: &str, id: &str, pos: i64, body: Value) -> (u16, Value) {
    let r = app
        .put(
            &format!("/api/v1/attempts/{id}/answers/{pos}"),
            token,
            &body,
        )
        .await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn typed_answers_are_saved_as_text_and_graded_by_their_kind() {
    let app = spawn_app().await;
    let admin = fixture(&app).await;
    let (token, id, a) = start(&app, "0912300001").await;
    let kinds: Vec<&str> = a["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"short") && kinds.contains(&"numeric"),
        "{kinds:?}"
    );
    assert!(
        a["questions"][0]["options"].as_array().unwrap().is_empty(),
        "a typed question shows no options"
    );
    let (founder, year, half) = (
        position(&a, "sáng lập"),
        position(&a, "năm nào"),
        position(&a, "Một phần hai"),
    );

    // Refused, with words, and nothing stored: a choice for a typed
    // question, a text that is not a number, a text past 200 characters.
    let (s, e) = save(&app, &token, &id, founder, json!({"choices": ["A"]})).await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = save(&app, &token, &id, year, json!({"text": "năm 1931"})).await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("không phải là một số"), "{e}");
    let (s, _) = save(&app, &token, &id, founder, json!({"text": "a".repeat(201)})).await;
    assert_eq!(s, 422);
    let (s, _) = save(&app, &token, &id, founder, json!({"text": 5})).await;
    assert_eq!(
        s, 400,
        "a number where text is due is not JSON of an answer"
    );

    // Case, diacritics and punctuation do not count for the founder; a
    // comma decimal is a decimal; the year must be exact.
    for (pos, text) in [
        (founder, "  nguyen ai quoc. "),
        (year, "1931"),
        (half, "0,505"),
    ] {
        let (s, e) = save(&app, &token, &id, pos, json!({"text": text})).await;
        assert_eq!(s, 204, "{text}: {e}");
    }
    let v: Value = app
        .get(&format!("/api/v1/attempts/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["answers"][founder.to_string()],
        json!({"text": "nguyen ai quoc."}),
        "kept as typed, trimmed"
    );
    let r: Value = app
        .post(&format!("/api/v1/attempts/{id}/submit"), &token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["score"].as_i64(), r["correct"].as_i64()),
        (Some(3), Some(3)),
        "{r}"
    );

    // A near miss scores nothing.
    let (token, id, a) = start(&app, "0912300002").await;
    for (words, text) in [
        ("sáng lập", "Hồ Chí"),
        ("năm nào", "1930"),
        ("Một phần hai", "0,52"),
    ] {
        let (s, _) = save(
            &app,
            &token,
            &id,
            position(&a, words),
            json!({"text": text}),
        )
        .await;
        assert_eq!(s, 204);
    }
    let r: Value = app
        .post(&format!("/api/v1/attempts/{id}/submit"), &token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["correct"].as_i64(), Some(0), "{r}");

    // After the round: the answer typed beside the key, on the result page;
    // item analysis names the kind and the key.
    let r = app
        .post(
            &format!("/api/v1/contests/{SLUG}/rounds/1/close"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = app
        .client
        .get(app.url(&format!("/a/{id}/result")))
        .header("cookie", format!("hoithi_participant={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Bạn trả lời: <strong>Hồ Chí</strong>"),
        "{html}"
    );
    assert!(html.contains("Hồ Chí Minh | Nguyễn Ái Quốc"), "the key");
    let items: Value = app
        .get(&format!("/api/v1/contests/{SLUG}/rounds/1/items"), &admin)
        .await
        .json()
        .await
        .unwrap();
    let year = items["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "nam-thanh-lap")
        .expect("the year question");
    assert_eq!(
        (year["kind"].as_str(), year["key"].as_str()),
        (Some("numeric"), Some("1931"))
    );
    assert_eq!(year["facility"].as_f64(), Some(0.5), "one of two right");
}

#[tokio::test]
async fn the_paper_takes_typed_answers_without_javascript() {
    let app = spawn_app().await;
    fixture(&app).await;
    let (token, id, a) = start(&app, "0912300003").await;
    let (founder, year) = (position(&a, "sáng lập"), position(&a, "năm nào"));
    let cookie = format!("hoithi_participant={token}");
    let html = app
        .client
        .get(app.url(&format!("/a/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("name=\"t{founder}\"")),
        "a text field"
    );
    assert!(
        html.contains("inputmode=\"decimal\""),
        "a number keyboard for numbers"
    );
    let r = app
        .client
        .post(app.url(&format!("/a/{id}")))
        .header("cookie", &cookie)
        .form(&[
            (format!("t{founder}"), "Hồ Chí Minh".to_string()),
            (format!("t{year}"), "1931".to_string()),
            ("action".to_string(), "save".to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let v: Value = app
        .get(&format!("/api/v1/attempts/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["answers"][founder.to_string()],
        json!({"text": "Hồ Chí Minh"})
    );
    assert_eq!(v["answers"][year.to_string()], json!({"text": "1931"}));
    let html = app
        .client
        .get(app.url(&format!("/a/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"Hồ Chí Minh\""),
        "what was saved is shown again"
    );

    // One number that is not a number: the other answers are still saved,
    // the paper comes back with the refusal beside its question and the
    // text as typed, and nothing is submitted.
    let r = app
        .client
        .post(app.url(&format!("/a/{id}")))
        .header("cookie", &cookie)
        .form(&[
            (format!("t{year}"), "năm 1931".to_string()),
            (format!("t{founder}"), "Nguyễn Ái Quốc".to_string()),
            ("action".to_string(), "submit".to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("Câu {year} chưa lưu")), "{html}");
    assert!(html.contains("value=\"năm 1931\""), "kept as typed");
    let v: Value = app
        .get(&format!("/api/v1/attempts/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["answers"][founder.to_string()],
        json!({"text": "Nguyễn Ái Quốc"})
    );
    assert_eq!(
        v["answers"][year.to_string()],
        json!({"text": "1931"}),
        "the last good one stays"
    );
    assert_eq!(v["status"], "open", "not submitted");
}

#[tokio::test]
async fn survey_answers_are_counted_per_unit_and_never_scored_or_ranked() {
    let app = spawn_app().await;
    let admin = fixture_with(&app, &survey_bank()).await;
    // 20 people in three chi đoàn; each answers the channel question.
    let units = ["CD-A1", "CD-A2", "CD-B1"];
    for i in 0..20 {
        let unit = units[i % 3];
        let (token, id, a) = start_in(&app, &format!("09124000{i:02}"), unit).await;
        let qs = a["questions"].as_array().unwrap();
        assert_eq!(qs.len(), 5, "3 drawn + 2 surveys, last");
        assert_eq!(qs[3]["kind"], "survey");
        assert_eq!(qs[3]["multiple"], true);
        assert_eq!(qs[4]["typed"], true);
        assert_eq!(a["result"], Value::Null);
        // Zalo for everyone, Facebook too in CD-B1; a free text from some.
        let keys = if unit == "CD-B1" {
            json!(["A", "B"])
        } else {
            json!(["A"])
        };
        let (s, e) = save(&app, &token, &id, 4, json!({"choices": keys})).await;
        assert_eq!(s, 204, "{e}");
        if i < 3 {
            let (s, _) = save(
                &app,
                &token,
                &id,
                5,
                json!({"text": format!("Thêm câu hỏi {i}")}),
            )
            .await;
            assert_eq!(s, 204);
        }
        let r: Value = app
            .post(&format!("/api/v1/attempts/{id}/submit"), &token, &json!({}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(r["total"], 3, "surveys are not in the total: {r}");
        assert_eq!(r["max_score"], 3, "nor in the score: {r}");
    }
    // Per unit below the province: An Phú (CD-A1, CD-A2) and Bình Minh (CD-B1).
    let s: Value = app
        .get(&format!("/api/v1/contests/{SLUG}/rounds/1/survey"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["papers"], 20);
    let channel = &s["questions"][0];
    assert_eq!(channel["respondents"], 20);
    assert_eq!(channel["counts"], json!([20, 6, 0, 0]));
    let rows: Vec<(String, i64, Value)> = channel["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["code"].as_str().unwrap().to_string(),
                u["respondents"].as_i64().unwrap(),
                u["counts"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("XA-A".to_string(), 14, json!([14, 0, 0, 0])),
            ("XA-B".to_string(), 6, json!([6, 6, 0, 0]))
        ]
    );
    let texts = &s["questions"][1];
    assert_eq!(texts["respondents"], 3);
    assert_eq!(
        texts["texts"].as_array().unwrap().len(),
        3,
        "organizers read the texts"
    );
    // The same as a spreadsheet: a row per question, option and unit.
    let csv = app
        .client
        .get(app.url(&format!(
            "/api/v1/contests/{SLUG}/rounds/1/export/survey.csv"
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains(
            "kenh,Bạn biết đến hội thi qua kênh nào?,XA-B,Đoàn phường Bình Minh,6,B. Facebook,6,1.0000"
        ),
        "{csv}"
    );
    assert!(csv.contains("Thêm câu hỏi 2"), "free texts for organizers");
    let xlsx = app
        .client
        .get(app.url(&format!(
            "/api/v1/contests/{SLUG}/rounds/1/export/survey.xlsx"
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // One level down.
    let s: Value = app
        .get(
            &format!("/api/v1/contests/{SLUG}/rounds/1/survey?unit=XA-A"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = s["questions"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CD-A1", "CD-A2"]);
    assert_eq!(s["papers"], 14);

    // The dashboard shows the survey; boards know nothing of it.
    let html = app
        .client
        .get(app.url(&format!("/admin/contests/{SLUG}/results")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Bạn biết đến hội thi qua kênh nào?"),
        "the survey on the dashboard"
    );
    assert!(html.contains("Thêm câu hỏi 0"), "free texts for organizers");
    // The board ranks the 20 by the three scored questions only.
    let board = app
        .client
        .get(app.url(&format!("/api/v1/contests/{SLUG}/rounds/1/leaderboard")))
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), 200);
    let board: Value = board.json().await.unwrap();
    let entries = board["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 20, "{board}");
    assert!(entries.iter().all(|e| e["max_score"] == 3), "{board}");
}
