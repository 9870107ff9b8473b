//! One person, one result: duplicate flags and decisions, prizes, exports.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{
    attempt, board, contest_fixture, join, register_with, registration, spawn_with_clock, submit,
    TestApp, CONTEST,
};

async fn review(app: &TestApp, token: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/contests/{CONTEST}/review"), token)
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn group<'a>(review: &'a Value, signal: &str) -> Option<&'a Value> {
    review["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["signal"] == signal)
}

async fn decide(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/contests/{CONTEST}/review/decisions"),
        token,
        &body,
    )
    .await
}

async fn close(app: &TestApp, admin: &str) {
    let r = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
            admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn cccd_and_name_birth_unit_are_flagged_and_a_same_person_decision_counts_the_best_once() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let mut a = registration("0911111111", "CD-A1");
    a["cccd"] = json!("001200012345");
    let mut b = registration("0922222222", "CD-A1");
    b["full_name"] = json!("nguyễn  văn AN");
    b["cccd"] = json!("001200012345");
    let ta = register_with(&app, &a, None).await;
    let tb = register_with(&app, &b, None).await;
    let other = join(&app, "0933333333", "CD-B1", "thanh_nien").await;
    for (t, right) in [(&ta, 5), (&tb, 3), (&other, 1)] {
        let id = attempt(&app, t, right).await;
        submit(&app, t, &id, None).await;
    }
    assert_eq!(board(&app, "").await["total"], 3);

    let r = review(&app, &admin).await;
    let cccd = group(&r, "cccd").expect("the same CCCD is flagged");
    let names = group(&r, "name_birth_unit").expect("the same name, birth date and unit");
    assert_eq!(cccd["members"].as_array().unwrap().len(), 2);
    assert_eq!(names["members"], cccd["members"]);
    assert!(cccd["decided"].is_null());
    assert!(
        !r.to_string().contains("001200012345"),
        "the CCCD itself is never shown"
    );

    // A decision needs a reason; without one nothing changes.
    let no_reason = decide(
        &app,
        &admin,
        json!({"group_key": cccd["key"], "decision": "same", "reason": " "}),
    )
    .await;
    assert_eq!(no_reason.status(), 422);
    assert_eq!(board(&app, "").await["total"], 3);

    let ok = decide(
        &app,
        &admin,
        json!({"group_key": cccd["key"], "decision": "same", "reason": "Cùng CCCD, đã gọi xác minh"}),
    )
    .await;
    assert_eq!(ok.status(), 204);
    let after = board(&app, "").await;
    assert_eq!(after["total"], 2, "the group counts once");
    assert_eq!(
        after["entries"][0]["score"], 5,
        "with the group's best result"
    );
    assert_eq!(after["entries"][0]["masked_phone"], "09xx xxx 111");

    // Disqualifying the better one leaves the group's other result.
    let id_a = group(&review(&app, &admin).await, "cccd").unwrap()["members"][0]["id"].clone();
    let dq = decide(
        &app,
        &admin,
        json!({"group_key": cccd["key"], "decision": "disqualify", "participant_id": id_a, "reason": "Thi hộ"}),
    )
    .await;
    assert_eq!(dq.status(), 204);
    let after = board(&app, "").await;
    let phones: Vec<&str> = after["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["masked_phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, ["09xx xxx 222", "09xx xxx 333"]);

    // Each decision is in the log, with who and why; the export lists them.
    let r = review(&app, &admin).await;
    let log = r["decisions"].as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["reason"], "Thi hộ");
    assert_eq!(log[1]["reason"], "Cùng CCCD, đã gọi xác minh");
    assert!(log[0]["by"].as_str().unwrap().len() > 1);
    let csv = app
        .get(
            &format!("/api/v1/contests/{CONTEST}/export/decisions.csv"),
            &admin,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("Thi hộ") && csv.contains("Người quyết định"),
        "{csv}"
    );

    // Closing ranks only what counts.
    close(&app, &admin).await;
    let fin = board(&app, "").await;
    assert_eq!(fin["final"], true);
    assert_eq!(fin["total"], 2);
}

#[tokio::test]
async fn many_identities_from_one_browser_are_flagged() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    for i in 0..4 {
        let mut body = registration(&format!("094000000{i}"), "CD-A2");
        body["full_name"] = json!(format!("Người thứ {i}"));
        register_with(&app, &body, Some("hoithi_device=thiet-bi-chung")).await;
    }
    let r = review(&app, &admin).await;
    let g = group(&r, "device").expect("four identities from one browser");
    assert_eq!(g["members"].as_array().unwrap().len(), 4);
    assert!(
        group(&r, "ip").is_none(),
        "four from one IP is not yet a burst"
    );
    // Two more from the same IP (another browser) within minutes: an IP burst.
    for i in 4..6 {
        let mut body = registration(&format!("094000000{i}"), "CD-B1");
        body["full_name"] = json!(format!("Người thứ {i}"));
        register_with(&app, &body, None).await;
    }
    let r = review(&app, &admin).await;
    let ip = group(&r, "ip").expect("six registrations from one IP in minutes");
    assert_eq!(ip["members"].as_array().unwrap().len(), 6);
    let before = board(&app, "").await["total"].clone();
    // "Different people": recorded, nothing else changes; the group shows the decision.
    let ok = decide(
        &app,
        &admin,
        json!({"group_key": g["key"], "decision": "different", "reason": "Dùng chung máy ở nhà văn hoá"}),
    )
    .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(board(&app, "").await["total"], before);
    let r = review(&app, &admin).await;
    assert!(group(&r, "device").unwrap()["decided"]
        .as_str()
        .unwrap()
        .contains("khác nhau"));
    // An organizer of another unit may not see or decide.
    app.create_user("org-b", "organizer", Some("XA-B"));
    let other = app.login("org-b").await;
    assert_eq!(
        app.get(&format!("/api/v1/contests/{CONTEST}/review"), &other)
            .await
            .status(),
        403
    );
}

async fn scored(app: &TestApp, phone: &str, unit: &str, category: &str, right: usize) {
    let t = join(app, phone, unit, category).await;
    let id = attempt(app, &t, right).await;
    submit(app, &t, &id, Some(1)).await;
}

#[tokio::test]
async fn prizes_follow_the_ranking_with_quotas_and_publish_with_a_checkable_hash() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    scored(&app, "0910000001", "CD-A1", "doan_vien", 8).await;
    scored(&app, "0910000002", "CD-A2", "thanh_nien", 7).await;
    scored(&app, "0910000003", "CD-B1", "thanh_nien", 6).await;
    scored(&app, "0910000004", "CD-B1", "doan_vien", 5).await;
    scored(&app, "0910000005", "CD-A1", "doan_vien", 4).await;
    let prizes = format!("/api/v1/contests/{CONTEST}/rounds/1/prizes");

    let bad = app
        .put(
            &format!("{prizes}/plan"),
            &admin,
            &json!({"tiers": "Giải Nhất\nGiải Nhì: 0", "quotas": "khong_co: 1"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["details"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let plan = app
        .put(
            &format!("{prizes}/plan"),
            &admin,
            &json!({"tiers": "Giải Nhất: 1\nGiải Nhì: 2", "quotas": "thanh_nien: 1"}),
        )
        .await;
    assert_eq!(plan.status(), 200);
    // Not publishable before the round is over.
    assert_eq!(
        app.post(&format!("{prizes}/publish"), &admin, &json!({}))
            .await
            .status(),
        409
    );
    close(&app, &admin).await;

    let proposal: Value = app.get(&prizes, &admin).await.json().await.unwrap();
    assert_eq!(proposal["published"], false);
    let got: Vec<(String, String)> = proposal["winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["tier_name"].as_str().unwrap().into(),
                w["phone"].as_str().unwrap().into(),
            )
        })
        .collect();
    // 0910000003 is skipped: the thanh niên quota (1) went to 0910000002.
    assert_eq!(
        got,
        [
            ("Giải Nhất".to_string(), "0910000001".to_string()),
            ("Giải Nhì".to_string(), "0910000002".to_string()),
            ("Giải Nhì".to_string(), "0910000004".to_string()),
        ]
    );
    // Nobody outside sees a list before it is published.
    let public = app.client.get(app.url(&prizes)).send().await.unwrap();
    assert_eq!(public.status(), 404);

    let published: Value = app
        .post(&format!("{prizes}/publish"), &admin, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(published["published"], true);
    let hash = published["sha256"].as_str().unwrap().to_string();
    let canonical = published["canonical"].as_str().unwrap();
    assert_eq!(hex::encode(Sha256::digest(canonical.as_bytes())), hash);
    assert!(
        !canonical.contains("0910000001"),
        "the canonical list is masked"
    );

    // Public: the same list and hash, masked.
    let public: Value = app
        .client
        .get(app.url(&prizes))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["sha256"], hash.as_str());
    assert!(!public.to_string().contains("0910000001"));
    let page = app
        .client
        .get(app.url(&format!("/c/{CONTEST}/prizes?round=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&hash) && page.contains("Giải Nhất"));

    // Publishing again changes nothing; the plan is frozen.
    let again: Value = app
        .post(&format!("{prizes}/publish"), &admin, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["sha256"], hash.as_str());
    let frozen = app
        .put(
            &format!("{prizes}/plan"),
            &admin,
            &json!({"tiers": "Giải Nhất: 5"}),
        )
        .await;
    assert_eq!(frozen.status(), 409);

    // Unit boards count winners.
    let units: Value = app
        .client
        .get(app.url(&format!("/api/v1/contests/{CONTEST}/rounds/1/units")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let winners: i64 = units["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["winners"].as_i64().unwrap())
        .sum();
    assert_eq!(winners, 3);
}

#[tokio::test]
async fn viewers_get_masked_exports_and_organizers_full_ones() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    scored(&app, "0987654321", "CD-A1", "doan_vien", 3).await;
    app.create_user("ubnd", "viewer", None);
    app.create_user("khac", "viewer", None);
    let viewer = app.login("ubnd").await;
    let stranger = app.login("khac").await;
    let export = |what: &str| format!("/api/v1/contests/{CONTEST}/rounds/1/export/{what}");

    // Not assigned yet: refused.
    assert_eq!(app.get(&export("results.csv"), &viewer).await.status(), 403);
    let add = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/viewers"),
            &admin,
            &json!({"username": "ubnd"}),
        )
        .await;
    assert_eq!(add.status(), 200);
    // Only viewer accounts can be added.
    let wrong = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/viewers"),
            &admin,
            &json!({"username": "admin"}),
        )
        .await;
    assert_eq!(wrong.status(), 422);

    let full = app
        .get(&export("results.csv"), &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        full.contains("0987654321") && full.contains("Ngày sinh"),
        "{full}"
    );
    for what in ["results.csv", "units.csv", "winners.csv"] {
        let r = app.get(&export(what), &viewer).await;
        assert_eq!(r.status(), 200, "{what}");
        let text = r.text().await.unwrap();
        assert!(!text.contains("0987654321"), "{what}: {text}");
        assert!(!text.contains("01/05/2000"), "{what}: no birth date");
    }
    let masked = app
        .get(&export("results.csv"), &viewer)
        .await
        .text()
        .await
        .unwrap();
    assert!(masked.contains("09xx xxx 321"), "{masked}");
    assert_eq!(
        app.get(&export("results.csv"), &stranger).await.status(),
        403
    );

    // XLSX opens, with Vietnamese headers and the masked phone as text.
    let bytes = app
        .get(&export("results.xlsx"), &viewer)
        .await
        .bytes()
        .await
        .unwrap();
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range("Kết quả").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    // It starts with the administrative heading of the organizing unit,
    // then the table (row 7).
    assert_eq!(rows[0][0], "", "a root unit has none above");
    assert_eq!(rows[0][5], "ĐOÀN TNCS HỒ CHÍ MINH");
    assert_eq!(rows[1][0], "TỈNH ĐOÀN THỬ NGHIỆM");
    assert!(rows[2][5].starts_with("Thử Nghiệm, ngày "), "{:?}", rows[2]);
    assert_eq!(rows[4][0], "KẾT QUẢ VÒNG 1");
    assert_eq!(rows[7][0], "Hạng");
    assert_eq!(rows[8][2], "09xx xxx 321");
    assert!(!rows.concat().iter().any(|c| c.contains("0987654321")));

    // Viewers change nothing.
    for (path, body) in [
        (
            format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
            json!({}),
        ),
        (
            format!("/api/v1/contests/{CONTEST}/rounds/1/prizes/publish"),
            json!({}),
        ),
        (format!("/api/v1/contests/{CONTEST}/share-links"), json!({})),
        (
            format!("/api/v1/contests/{CONTEST}/viewers"),
            json!({"username": "khac"}),
        ),
    ] {
        assert_eq!(
            app.post(&path, &viewer, &body).await.status(),
            403,
            "{path}"
        );
    }
}
