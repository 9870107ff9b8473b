//! Branch activity records: CONTEST records on close, 1+1, manual records,
//! the yearly "3 chủ động" record and the ledger export.

use serde_json::{json, Value};

use crate::helpers::{
    attempt, contest_fixture, join, register_with, registration, spawn_with_clock, submit, TestApp,
    CONTEST,
};

async fn took_part(app: &TestApp, body: Value, right: usize) {
    let t = register_with(app, &body, None).await;
    let id = attempt(app, &t, right).await;
    submit(app, &t, &id, None).await;
}

fn person(phone: &str, unit: &str, category: &str, name: &str, invited_by: Option<&str>) -> Value {
    let mut b = registration(phone, unit);
    b["category"] = json!(category);
    b["full_name"] = json!(name);
    if let Some(p) = invited_by {
        b["invited_by_phone"] = json!(p);
    }
    b
}

async fn ledger(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/units/TINH/activities?subtree=true{query}"),
            token,
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["entries"]
        .as_array()
        .unwrap()
        .clone()
}

fn of<'a>(entries: &'a [Value], code: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["unit_code"] == code)
        .unwrap_or_else(|| panic!("no record for {code}"))
}

#[tokio::test]
async fn closing_a_round_writes_one_contest_record_per_eligible_unit_once() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    // CD-A1: a member (8 right) and a youth they invited (4 right).
    took_part(
        &app,
        person("0911000001", "CD-A1", "doan_vien", "Lê Văn Một", None),
        8,
    )
    .await;
    took_part(
        &app,
        person(
            "0911000002",
            "CD-A1",
            "thanh_nien",
            "Trần Thị Hai",
            Some("0911000001"),
        ),
        4,
    )
    .await;
    // CD-B1: a youth invited by someone who is not a registered member.
    took_part(
        &app,
        person(
            "0911000003",
            "CD-B1",
            "thanh_nien",
            "Phạm Văn Ba",
            Some("0999999999"),
        ),
        6,
    )
    .await;
    // XA-A itself (registered at the commune): one member.
    took_part(
        &app,
        person("0911000004", "XA-A", "doan_vien", "Võ Thị Bốn", None),
        2,
    )
    .await;
    assert!(
        ledger(&app, &admin, "").await.is_empty(),
        "nothing before close"
    );

    let close = format!("/api/v1/contests/{CONTEST}/rounds/1/close");
    assert_eq!(app.post(&close, &admin, &json!({})).await.status(), 200);
    let first = ledger(&app, &admin, "").await;
    assert_eq!(
        first.len(),
        6,
        "one record per unit of the eligible tree: {first:?}"
    );
    assert!(first
        .iter()
        .all(|e| e["kind"] == "CONTEST" && e["round"] == 1));
    assert!(first.iter().all(|e| e["contest_slug"] == CONTEST));

    let a1 = of(&first, "CD-A1");
    assert_eq!(a1["participants"], 2);
    assert_eq!(a1["member_participants"], 1);
    assert_eq!(a1["invited_youth"], 1, "1+1: invited by a member");
    assert_eq!(a1["average_score"], 6.0);
    assert!((a1["rate"].as_f64().unwrap() - 1.0 / 30.0).abs() < 1e-9);
    assert_eq!(a1["co_organizers"], "Văn phòng UBND");
    let b1 = of(&first, "CD-B1");
    assert_eq!(
        (b1["participants"].as_i64(), b1["invited_youth"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(b1["member_participants"], 0);
    assert_eq!(b1["rate"], 0.0);
    let a2 = of(&first, "CD-A2");
    assert_eq!(
        a2["participants"], 0,
        "a unit that took no part gets its record too"
    );
    assert!(a2["average_score"].is_null());
    let xa = of(&first, "XA-A");
    assert_eq!(xa["participants"], 1);
    assert!((xa["rate"].as_f64().unwrap() - 1.0 / 120.0).abs() < 1e-9);
    assert_eq!(of(&first, "TINH")["participants"], 0);

    // Closing again writes nothing new and changes nothing.
    assert_eq!(app.post(&close, &admin, &json!({})).await.status(), 200);
    assert_eq!(ledger(&app, &admin, "").await, first);

    // The unit's own records only, without subtree; the kind filter works.
    let own: Value = app
        .get("/api/v1/units/CD-A1/activities?kind=CONTEST", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["entries"].as_array().unwrap().len(), 1);
    let bad = app
        .get("/api/v1/units/CD-A1/activities?kind=BOGUS", &admin)
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn manual_records_and_a_custom_scheme_give_the_expected_yearly_level() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let t = join(&app, "0912000001", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &t, 3).await;
    submit(&app, &t, &id, None).await;
    app.post(
        &format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
        &admin,
        &json!({}),
    )
    .await;
    app.create_user("org-a", "organizer", Some("XA-A"));
    app.create_user("org-b", "organizer", Some("XA-B"));
    let org = app.login("org-a").await;
    let out = app.login("org-b").await;
    let year = chrono::Datelike::year(&(app.state.now() + chrono::Duration::hours(7)));
    let date = |m: u32| format!("{year}-{m:02}-15");

    // Bad input: every problem listed, nothing stored.
    let bad = app
        .post(
            "/api/v1/units/CD-A1/activities",
            &org,
            &json!({"kind": "CONTEST", "date": "31/02/2026", "title": "", "participants": 3, "member_participants": 5, "evidence_url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let details = bad.json::<Value>().await.unwrap()["error"]["details"].clone();
    assert_eq!(details.as_array().unwrap().len(), 5, "{details}");
    // Out of scope: refused.
    let refused = app
        .post(
            "/api/v1/units/CD-A1/activities",
            &out,
            &json!({"kind": "SINH_HOAT", "date": date(3), "title": "Sinh hoạt", "participants": 10}),
        )
        .await;
    assert_eq!(refused.status(), 403);

    let mut ids = Vec::new();
    for (kind, m, title) in [
        ("SINH_HOAT", 3, "Sinh hoạt chi đoàn tháng 3"),
        ("SINH_HOAT", 4, "Sinh hoạt chi đoàn tháng 4"),
        ("TAP_HUAN", 5, "Tập huấn kỹ năng số"),
        ("KHAC", 6, "Dọn vệ sinh"),
    ] {
        let r = app
            .post(
                "/api/v1/units/CD-A1/activities",
                &org,
                &json!({"kind": kind, "date": date(m), "title": title, "participants": 12, "member_participants": 9, "evidence_url": "https://example.org/anh"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Edit one, delete one; a CONTEST record cannot be edited by hand.
    let edited = app
        .put(
            &format!("/api/v1/activities/{}", ids[2]),
            &org,
            &json!({"kind": "TAP_HUAN", "date": date(5), "title": "Tập huấn chuyển đổi số", "participants": 20, "member_participants": 15}),
        )
        .await;
    assert_eq!(edited.status(), 200);
    assert_eq!(
        edited.json::<Value>().await.unwrap()["title"],
        "Tập huấn chuyển đổi số"
    );
    let del = app
        .client
        .delete(app.url(&format!("/api/v1/activities/{}", ids[3])))
        .bearer_auth(&org)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let contest_record: Value = app
        .get("/api/v1/units/CD-A1/activities?kind=CONTEST", &org)
        .await
        .json()
        .await
        .unwrap();
    let cid = contest_record["entries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let locked = app
        .put(
            &format!("/api/v1/activities/{cid}"),
            &org,
            &json!({"kind": "KHAC", "date": date(1), "title": "x"}),
        )
        .await;
    assert_eq!(locked.status(), 409);

    // Every change is in the audit trail.
    let log = app
        .state
        .db
        .read_now(|c| hoithi::db::review::audit_of(c, None, None, 100))
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "activity_created").count(),
        4
    );
    assert!(actions.contains(&"activity_updated") && actions.contains(&"activity_deleted"));

    // A custom scheme: meetings 5 (criterion 1), contests 10 (2), trainings 5 (3).
    let scheme = json!({
        "rules": [
            {"kind": "SINH_HOAT", "criterion": 1, "points": 5, "cap": 0},
            {"kind": "CONTEST", "criterion": 2, "points": 10, "cap": 0},
            {"kind": "TAP_HUAN", "criterion": 3, "points": 5, "cap": 0},
            {"kind": "KHAC", "criterion": 0, "points": 0, "cap": 0}
        ],
        "levels": [
            {"name": "Xuất sắc", "min_total": 30, "min_each": 5},
            {"name": "Tốt", "min_total": 20, "min_each": 5},
            {"name": "Đạt", "min_total": 10, "min_each": 0}
        ]
    });
    assert_eq!(
        app.put("/api/v1/activity-scheme", &org, &scheme)
            .await
            .status(),
        403
    );
    let broken =
        json!({"rules": [{"kind": "NOPE", "criterion": 9, "points": 1, "cap": 0}], "levels": []});
    assert_eq!(
        app.put("/api/v1/activity-scheme", &admin, &broken)
            .await
            .status(),
        422
    );
    assert_eq!(
        app.put("/api/v1/activity-scheme", &admin, &scheme)
            .await
            .status(),
        200
    );

    let y: Value = app
        .get(&format!("/api/v1/units/CD-A1/year?year={year}"), &org)
        .await
        .json()
        .await
        .unwrap();
    // 2 meetings = 10, 1 contest = 10, 1 training = 5: total 25, each ≥ 5 → "Tốt".
    assert_eq!(y["yearly"]["total"], 25, "{y}");
    assert_eq!(y["yearly"]["level"], "Tốt");
    assert_eq!(y["yearly"]["criteria"][0]["points"], 10);
    // The commune sees its chi đoàn rolled up.
    let xa: Value = app
        .get(&format!("/api/v1/units/XA-A/year?year={year}"), &org)
        .await
        .json()
        .await
        .unwrap();
    let a1 = xa["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit_code"] == "CD-A1")
        .unwrap();
    assert_eq!(a1["records"], 4);
    assert_eq!(a1["yearly"]["level"], "Tốt");

    // Export and the print-friendly page.
    let csv = app
        .get(
            &format!("/api/v1/units/CD-A1/export/activities.csv?year={year}"),
            &org,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("Sinh hoạt chi đoàn tháng 3"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("15/03/{year}")),
        "dates as dd/mm/yyyy"
    );
    let xlsx = app
        .get(
            &format!("/api/v1/units/CD-A1/export/activities.xlsx?year={year}"),
            &org,
        )
        .await;
    assert_eq!(xlsx.status(), 200);
    let page = app
        .get(&format!("/admin/units/CD-A1/activities?year={year}"), &org)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tốt") && page.contains("Chủ động tham mưu, phối hợp"));
    assert!(
        page.contains("Nhật ký thay đổi") && page.contains("Dọn vệ sinh"),
        "the audit trail shows the deleted record"
    );
}
