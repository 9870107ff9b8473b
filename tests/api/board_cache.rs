//! Boards served from each instance's memory (#13): never more than
//! `MAX_STALE` behind the database while people submit, exact once the
//! round is closed, on the closing instance at once and on another
//! instance of the same database within `MAX_STALE`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hoithi::service::board_cache::MAX_STALE;
use hoithi::service::rankings::{leaderboard, BoardQuery};
use serde_json::Value;

use crate::helpers::{attempt, contest_fixture, join, spawn_on, submit, TestApp, CONTEST};

const BOARD: &str = "/api/v1/contests/thu-nghiem/rounds/1/leaderboard?limit=100";

async fn served(app: &TestApp) -> Value {
    let r = app.client.get(app.url(BOARD)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The board computed from the database now, as the API would write it.
async fn exact(app: &TestApp) -> Value {
    let q = BoardQuery {
        limit: Some(100),
        ..BoardQuery::default()
    };
    let board = leaderboard(&app.state, CONTEST.into(), 1, q).await.unwrap();
    serde_json::to_value(board).unwrap()
}

#[tokio::test]
async fn a_board_from_memory_is_never_more_than_max_stale_behind_and_exact_after_close() {
    assert_eq!(
        BOARD,
        format!("/api/v1/contests/{CONTEST}/rounds/1/leaderboard?limit=100")
    );
    let app = crate::helpers::spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let admin = app.login("admin").await;
    let other = spawn_on(app.db.clone()).await;

    // Readers refresh the board while people submit.
    let stop = Arc::new(AtomicBool::new(false));
    let reads: Arc<Mutex<Vec<(Instant, i64)>>> = Arc::default();
    let reader = {
        let (client, url, stop, reads) = (
            app.client.clone(),
            app.url(BOARD),
            stop.clone(),
            reads.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let asked = Instant::now();
                let v: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
                reads
                    .lock()
                    .unwrap()
                    .push((asked, v["total"].as_i64().unwrap()));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut acked: Vec<(Instant, i64)> = Vec::new();
    for i in 0..30 {
        let token = join(&app, &format!("09120{i:05}"), "CD-A1", "doan_vien").await;
        let id = attempt(&app, &token, i % 6).await;
        submit(&app, &token, &id, Some(i as i64)).await;
        acked.push((Instant::now(), i as i64 + 1));
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    stop.store(true, Ordering::SeqCst);
    reader.await.unwrap();
    let reads = reads.lock().unwrap().clone();
    assert!(reads.len() > 20, "the board was read during the run");
    let mut behind = 0;
    for (asked, total) in &reads {
        // Everything acknowledged more than MAX_STALE before the read is on it.
        let due = acked
            .iter()
            .filter(|(at, _)| *at + MAX_STALE < *asked)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        assert!(
            *total >= due,
            "a read showed {total} people, {due} were due"
        );
        let now_known = acked.iter().filter(|(at, _)| at < asked).count() as i64;
        if *total < now_known {
            behind += 1;
        }
    }
    assert!(
        behind > 0,
        "the reads were served from memory, a little behind"
    );

    // Quiet for MAX_STALE: exactly the database's ranking.
    tokio::time::sleep(MAX_STALE + Duration::from_millis(100)).await;
    assert_eq!(served(&app).await, exact(&app).await);
    assert_eq!(served(&other).await["total"], 30);

    // Closed on one instance: final there at once, and exact.
    let r = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/close"),
            &admin,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let board = served(&app).await;
    assert_eq!(board["final"], true);
    assert_eq!(board, exact(&app).await);
    // The other instance's copy is at most MAX_STALE old.
    tokio::time::sleep(MAX_STALE + Duration::from_millis(100)).await;
    assert_eq!(served(&other).await, board);
}
