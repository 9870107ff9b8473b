use serde_json::{json, Value};

use crate::helpers::{
    attempt, board, contest_body, contest_fixture, join, names, registration, spawn_with_clock,
    submit, CONTEST,
};

#[tokio::test]
async fn the_best_attempt_counts_and_the_public_board_is_masked() {
    let (app, _clock) = spawn_with_clock().await;
    contest_fixture(&app, 15, 1).await;
    let t = join(&app, "0912345678", "CD-A1", "doan_vien").await;
    let first = attempt(&app, &t, 3).await;
    submit(&app, &t, &first, None).await;
    let second = attempt(&app, &t, 1).await;
    submit(&app, &t, &second, None).await;
    let b = board(&app, "").await;
    assert_eq!(b["final"], false);
    assert_eq!(b["total"], 1, "one person, one result");
    let e = &b["entries"][0];
    assert_eq!(
        (e["rank"].as_i64(), e["score"].as_i64()),
        (Some(1), Some(3)),
        "the better attempt counts"
    );
    assert_eq!(e["masked_phone"], "09xx xxx 678");
    let text = b.to_string();
    for secret in ["0912345678", "2000-05-01", "birth", "cccd", "email"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[tokio::test]
async fn the_prediction_changes_the_order_only_after_close() {
    let (app, clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let fast = join(&app, "0911111111", "CD-A1", "doan_vien").await;
    let slow = join(&app, "0922222222", "CD-B1", "thanh_nien").await;
    let a = attempt(&app, &fast, 8).await;
    let b = attempt(&app, &slow, 8).await;
    clock.advance(chrono::Duration::seconds(60));
    submit(&app, &fast, &a, Some(9)).await; // far from the actual 2
    clock.advance(chrono::Duration::seconds(60));
    submit(&app, &slow, &b, Some(2)).await; // exactly right
    let before = board(&app, "").await;
    assert_eq!(
        names(&before),
        ["09xx xxx 111", "09xx xxx 222"],
        "faster first while open"
    );
    assert!(
        before["entries"][0].get("prediction").is_none(),
        "predictions stay hidden while open"
    );

    let close = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(close.status(), 200);
    assert_eq!(close.json::<Value>().await.unwrap()["status"], "closed");
    let after = board(&app, "").await;
    assert_eq!(after["final"], true);
    assert_eq!(after["actual"], 2, "two perfect scores");
    assert_eq!(
        names(&after),
        ["09xx xxx 222", "09xx xxx 111"],
        "the closer prediction wins after close"
    );
    assert_eq!(after["entries"][0]["prediction"], 2);

    // Closing again changes nothing; the order stays frozen.
    assert_eq!(
        app.post(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
            &admin,
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(board(&app, "").await, after);
    let late = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/attempts")))
        .bearer_auth(&fast)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 409, "no attempt after close");
}

#[tokio::test]
async fn closing_a_round_finishes_attempts_still_open() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let t = join(&app, "0912345678", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &t, 2).await;
    app.post(
        &format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
        &admin,
        &json!({}),
    )
    .await;
    let v: Value = app
        .get(&format!("/api/v1/attempts/{id}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "expired");
    assert_eq!(v["result"]["correct"], 2);
    let r = app
        .put(
            &format!("/api/v1/attempts/{id}/answers/3"),
            &t,
            &json!({"choices": ["A"]}),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(board(&app, "").await["entries"][0]["score"], 2);
}

#[tokio::test]
async fn unit_statistics_roll_up_a_three_level_tree() {
    let (app, _clock) = spawn_with_clock().await;
    contest_fixture(&app, 15, 1).await;
    let people = [
        ("0911111111", "CD-A1", "doan_vien", 4),
        ("0922222222", "CD-A1", "thanh_nien", 2),
        ("0933333333", "CD-A2", "doan_vien", 8),
        ("0944444444", "CD-B1", "doan_vien", 6),
    ];
    for (phone, unit, category, right) in people {
        let t = join(&app, phone, unit, category).await;
        let id = attempt(&app, &t, right).await;
        submit(&app, &t, &id, None).await;
    }
    let units = |q: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url(&format!("/api/v1/contests/{CONTEST}/rounds/1/units{q}")))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let top = units(String::new()).await;
    assert_eq!(top["parent_code"], "TINH");
    let e = top["entries"].as_array().unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["unit_code"], "XA-A");
    assert_eq!(
        (
            e[0]["participants"].as_i64(),
            e[0]["member_participants"].as_i64(),
            e[0]["members"].as_i64()
        ),
        (Some(3), Some(2), Some(120))
    );
    assert!((e[0]["rate"].as_f64().unwrap() - 2.0 / 120.0).abs() < 1e-9);
    assert!((e[0]["average_score"].as_f64().unwrap() - 14.0 / 3.0).abs() < 1e-9);
    assert_eq!(e[1]["unit_code"], "XA-B");
    assert_eq!(e[1]["participants"], 1);
    assert_eq!(e[0]["perfect"], 1, "8/8 in CD-A2");

    let by_avg = units("?metric=average".into()).await;
    assert_eq!(
        by_avg["entries"][0]["unit_code"], "XA-B",
        "6.0 beats 4.67 on average"
    );
    let inner = units("?parent=XA-A&metric=count".into()).await;
    let codes: Vec<&str> = inner["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["unit_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CD-A1", "CD-A2"]);
    assert_eq!(inner["entries"][0]["participants"], 2);
    let pts = units("?metric=points".into()).await;
    assert_eq!(
        pts["entries"][0]["points"].as_i64(),
        Some(30),
        "XA-A leads count, total score and attempts"
    );

    let scoped = board(&app, "?unit=XA-A").await;
    assert_eq!(scoped["total"], 3);
    let ranks: Vec<i64> = scoped["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3], "ranks within the unit's board");
    let page2 = board(&app, "?limit=2&offset=2").await;
    assert_eq!(
        page2["entries"][0]["rank"], 3,
        "ranks continue on the next page"
    );
}

#[tokio::test]
async fn the_public_board_page_shows_people_and_units() {
    let (app, _clock) = spawn_with_clock().await;
    contest_fixture(&app, 15, 1).await;
    let t = join(&app, "0912345678", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &t, 1).await;
    submit(&app, &t, &id, None).await;
    let html = app
        .client
        .get(app.url(&format!("/c/{CONTEST}/board")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Bảng xếp hạng vòng 1")
            && html.contains("09xx xxx 678")
            && html.contains("Đoàn xã An Phú")
    );
    assert!(!html.contains("0912345678"));
}

#[tokio::test]
async fn item_analysis_counts_each_question_for_organizers_only() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    for (phone, right) in [("0911111111", 8), ("0922222222", 0)] {
        let t = join(&app, phone, "CD-A1", "doan_vien").await;
        let id = attempt(&app, &t, right).await;
        submit(&app, &t, &id, None).await;
    }
    let r = app
        .get(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/items"),
            &admin,
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let entries = v["entries"].as_array().unwrap();
    let drawn: i64 = entries.iter().map(|e| e["drawn"].as_i64().unwrap()).sum();
    assert_eq!(drawn, 16, "two papers of 8 questions");
    let chosen: i64 = entries
        .iter()
        .flat_map(|e| {
            e["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["chosen"].as_i64().unwrap())
        })
        .sum();
    assert_eq!(chosen, 8, "only the first person answered");
    app.create_user("ubnd", "viewer", None);
    let viewer = app.login("ubnd").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/items"),
            &viewer
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/contests/{CONTEST}/rounds/1/items")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn the_results_export_streams_full_data_to_organizers_only() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let mut body = registration("0912345678", "CD-A1");
    body["full_name"] = json!("=HYPERLINK(\"x\"), Nguyễn");
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let t = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let id = attempt(&app, &t, 5).await;
    submit(&app, &t, &id, Some(4)).await;
    for phone in ["0922222222", "0933333333"] {
        let t = join(&app, phone, "CD-B1", "thanh_nien").await;
        let id = attempt(&app, &t, 2).await;
        submit(&app, &t, &id, None).await;
    }
    let r = app
        .get(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/results.csv"),
            &admin,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("ket-qua-"));
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("\u{feff}Hạng,Họ và tên,Ngày sinh,Số điện thoại"));
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("1,\"'=HYPERLINK(\"\"x\"\"), Nguyễn\",01/05/2000,0912345678,CD-A1"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("2,"), "{text}");
    assert!(text.contains("Thanh niên"));
    app.create_user("ubnd", "viewer", None);
    let viewer = app.login("ubnd").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/results.csv"),
            &viewer
        )
        .await
        .status(),
        403
    );
}

#[tokio::test]
async fn the_overall_ranking_sums_each_persons_best_results_over_rounds() {
    let (app, clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    // Two rounds: one open now for an hour, one from two hours on.
    let body = contest_body(&app, 15, 1, &[(-5, 60), (120, 3 * 24 * 60)]);
    let r = app
        .put(&format!("/api/v1/contests/{CONTEST}"), &admin, &body)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let a = join(&app, "0911000001", "CD-A1", "doan_vien").await;
    let b = join(&app, "0911000002", "CD-A2", "doan_vien").await;
    let c = join(&app, "0911000003", "CD-B1", "thanh_nien").await;
    for (t, right) in [(&a, 5), (&b, 6)] {
        let id = attempt(&app, t, right).await;
        submit(&app, t, &id, None).await;
    }
    clock.advance(chrono::Duration::hours(3));
    for (t, right) in [(&a, 3), (&c, 7)] {
        let id = attempt(&app, t, right).await;
        submit(&app, t, &id, None).await;
    }
    let overall = |q: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(app.url(&format!("/api/v1/contests/{CONTEST}/leaderboard{q}")))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let all = overall("").await;
    assert_eq!(all["total"], 3);
    let got: Vec<(i64, String, i64, i64)> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rank"].as_i64().unwrap(),
                e["masked_phone"].as_str().unwrap().to_string(),
                e["score"].as_i64().unwrap(),
                e["rounds"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "09xx xxx 001".to_string(), 8, 2),
            (2, "09xx xxx 003".to_string(), 7, 1),
            (3, "09xx xxx 002".to_string(), 6, 1),
        ]
    );
    let b_only = overall("?unit=XA-B").await;
    assert_eq!(b_only["total"], 1);
    assert_eq!(b_only["entries"][0]["masked_phone"], "09xx xxx 003");
    let page2 = overall("?limit=1&offset=1").await;
    assert_eq!(page2["entries"][0]["rank"], 2);
}

#[tokio::test]
async fn unit_figures_kept_by_deltas_equal_a_rebuild_from_the_results() {
    let (app, _clock) = spawn_with_clock().await;
    contest_fixture(&app, 15, 1).await;
    for (phone, unit, category, tries) in [
        ("0913000001", "CD-A1", "doan_vien", vec![2, 8]),
        ("0913000002", "CD-A1", "thanh_nien", vec![8, 3]),
        ("0913000003", "CD-B1", "doan_vien", vec![8]),
        ("0913000004", "XA-A", "doan_vien", vec![0]),
    ] {
        let t = join(&app, phone, unit, category).await;
        for right in tries {
            let id = attempt(&app, &t, right).await;
            submit(&app, &t, &id, None).await;
        }
    }
    let state = app.state.clone();
    let (kept, rebuilt) = state
        .db
        .write_now(|c| {
            let contest = hoithi::db::contests::by_slug(c, CONTEST)?;
            let round = hoithi::db::contests::rounds_of(c, &contest.id)?.remove(0);
            let mut kept = hoithi::db::unit_stats::for_round(c, &round.id)?;
            hoithi::db::unit_stats::rebuild(c, &round.id)?;
            let mut rebuilt = hoithi::db::unit_stats::for_round(c, &round.id)?;
            kept.sort_by(|a, b| a.unit_id.cmp(&b.unit_id));
            rebuilt.sort_by(|a, b| a.unit_id.cmp(&b.unit_id));
            Ok((kept, rebuilt))
        })
        .unwrap();
    assert_eq!(kept.len(), 3);
    assert_eq!(kept, rebuilt);
    let a1 = kept
        .iter()
        .map(|s| {
            (
                s.participants,
                s.member_participants,
                s.total_score,
                s.perfect,
                s.attempts,
            )
        })
        .collect::<Vec<_>>();
    assert!(a1.contains(&(2, 1, 16, 2, 4)), "{a1:?}");
}

/// Found by the schema-driven fuzzer: an offset near `i64::MAX` overflowed
/// the rank arithmetic (500). Paging outside its documented range is a 400
/// that says which limits apply, on every board that pages.
#[tokio::test]
async fn paging_outside_its_range_is_refused_clearly() {
    let app = crate::helpers::spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    for path in [
        format!("/api/v1/contests/{CONTEST}/rounds/1/leaderboard"),
        format!("/api/v1/contests/{CONTEST}/leaderboard"),
    ] {
        for q in [
            "?offset=9223372036854775807",
            "?limit=-9223372036854775808&offset=9223372036854775807",
            "?limit=0",
            "?limit=501",
            "?offset=-1",
        ] {
            let r = app.get(&format!("{path}{q}"), "").await;
            assert_eq!(r.status(), 400, "{path}{q}");
            let body: serde_json::Value = r.json().await.unwrap();
            let msg = body["error"]["message"].as_str().unwrap_or_default();
            assert!(msg.contains("500"), "{path}{q}: {msg}");
        }
        let r = app
            .get(&format!("{path}?limit=500&offset=1000000"), "")
            .await;
        assert_eq!(
            r.status(),
            200,
            "{path}: the largest page far down is empty, not an error"
        );
    }
}
