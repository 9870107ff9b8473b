//! `hoithi backup FILE` and `hoithi backup --check FILE|URL`, run as an
//! operator would: the binary, beside a running server under load.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::json;

use crate::faults::{load, Log};
use crate::helpers::{
    attempt, contest_fixture, join, postgres_base, settings_for, spawn_with, submit, TestDb,
    CONTEST,
};
use crate::security::page_login_as;
use hoithi::service::state::SystemClock;

fn hoithi(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoithi"))
        .env("HOITHI_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .expect("run hoithi")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_checks_out_and_serves_every_answer_acknowledged_before_it() {
    if let Some(base) = postgres_base() {
        return postgres_backups_are_pg_dump_and_a_restored_database_checks_out(&base).await;
    }
    let db = Arc::new(TestDb::sqlite());
    let url = db.url.clone();
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings_for(&db)).await;
    contest_fixture(&app, 30, 2).await;
    let (t0, stop, log) = (
        Instant::now(),
        Arc::new(AtomicBool::new(false)),
        Arc::new(Log::default()),
    );
    let workers = load(&app, 8, 0, Duration::MAX, stop.clone(), t0, log.clone()).await;
    tokio::time::sleep(Duration::from_millis(700)).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sao-luu.db");
    let file_str = file.to_str().unwrap().to_string();
    let began = t0.elapsed();
    let (u, f) = (url.clone(), file_str.clone());
    let out = tokio::task::spawn_blocking(move || hoithi(&u, &["backup", &f]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Đã sao lưu"), "{}", text(&out));
    let ended = t0.elapsed();
    let saves_during = log
        .seen()
        .iter()
        .filter(|s| s.status == 204 && s.at > began && s.at < ended)
        .count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    assert!(
        saves_during > 0,
        "answers were being saved while the backup ran"
    );

    // A folder that does not exist is named as such.
    let nowhere = dir.path().join("khong-co").join("x.db");
    let out = hoithi(&url, &["backup", nowhere.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("không tồn tại"), "{}", text(&out));
    // A second backup to the same name is refused, the first one untouched.
    let again = hoithi(&url, &["backup", &file_str]);
    assert!(!again.status.success());
    assert!(text(&again).contains("đã tồn tại"), "{}", text(&again));

    let check = hoithi(&url, &["backup", "--check", &file_str]);
    let report = text(&check);
    assert!(check.status.success(), "{report}");
    for expected in [
        "Toàn vẹn / integrity: ok",
        "khớp với chương trình",
        "thí sinh / participants: 8",
        "hội thi / contests: 1",
        "Kết quả / result: OK",
    ] {
        assert!(report.contains(expected), "{expected:?} in {report}");
    }

    // A server started on the copy serves the contest with every answer
    // acknowledged before the backup began.
    let mut copy = TestDb::sqlite();
    copy.url = format!("sqlite://{file_str}");
    let copy = Arc::new(copy);
    let restored = spawn_with(copy.clone(), Arc::new(SystemClock), settings_for(&copy)).await;
    let page = restored
        .client
        .get(restored.url(&format!("/c/{CONTEST}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let stored: std::collections::HashMap<(String, i32), String> = restored
        .state
        .db
        .read_now(|c| {
            use diesel::prelude::*;
            use hoithi::db::schema::answers::dsl::*;
            Ok(answers
                .select((attempt_id, position, given))
                .load::<(String, i32, String)>(c)?)
        })
        .unwrap()
        .into_iter()
        .map(|(a, p, c)| ((a, p), c))
        .collect();
    let acked = log.acked.lock().unwrap().clone();
    let first = log.first_acked.lock().unwrap().clone();
    let before: Vec<_> = first.iter().filter(|(_, at)| **at < began).collect();
    assert!(
        before.len() > 10,
        "answers were acknowledged before the backup"
    );
    for (key, _) in before {
        assert_eq!(
            stored.get(key),
            acked.get(key),
            "answer {key:?} is in the backup"
        );
    }
}

async fn postgres_backups_are_pg_dump_and_a_restored_database_checks_out(base: &str) {
    let db = Arc::new(TestDb::postgres(base));
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings_for(&db)).await;
    let admin = contest_fixture(&app, 30, 1).await;
    let token = join(&app, "0912345678", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &token, 3).await;
    submit(&app, &token, &id, None).await;
    let _ = admin;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.db");
    let out = hoithi(&db.url, &["backup", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_dump"), "{}", text(&out));

    let check = hoithi(&db.url, &["backup", "--check", &db.url]);
    let report = text(&check);
    assert!(check.status.success(), "{report}");
    assert!(report.contains("(postgresql)"), "{report}");
    assert!(report.contains("thí sinh / participants: 1"), "{report}");
    assert!(report.contains("câu trả lời / answers: 3"), "{report}");
}

#[tokio::test]
async fn a_backup_whose_prize_list_was_altered_fails_its_check() {
    let db = Arc::new(TestDb::sqlite());
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings_for(&db)).await;
    let admin = contest_fixture(&app, 15, 1).await;
    for (phone, right) in [("0910000001", 8), ("0910000002", 6), ("0910000003", 4)] {
        let t = join(&app, phone, "CD-A1", "doan_vien").await;
        let id = attempt(&app, &t, right).await;
        submit(&app, &t, &id, Some(1)).await;
    }
    let round = format!("/api/v1/contests/{CONTEST}/rounds/1");
    let r = app
        .put(
            &format!("{round}/prizes/plan"),
            &admin,
            &json!({"tiers": "Giải Nhất: 1\nGiải Nhì: 2"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.post(&format!("{round}/close"), &admin, &json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(&format!("{round}/prizes/publish"), &admin, &json!({}))
            .await
            .status(),
        200
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("giai.db");
    let file = file.to_str().unwrap();
    assert!(hoithi(&db.url, &["backup", file]).status.success());
    let good = hoithi(&db.url, &["backup", "--check", file]);
    assert!(good.status.success(), "{}", text(&good));
    assert!(text(&good).contains("khớp / matches"), "{}", text(&good));

    // Someone changes a winner in the copy: the check says so and fails.
    let mut c = diesel::SqliteConnection::establish(file).unwrap();
    c.batch_execute("UPDATE prizes SET tier_name = 'Giải Đặc biệt' WHERE rank = 2")
        .unwrap();
    drop(c);
    let bad = hoithi(&db.url, &["backup", "--check", file]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("KHÔNG KHỚP"), "{}", text(&bad));

    // Not a hoithi database; no file at all.
    let other = dir.path().join("khac.db");
    let mut c = diesel::SqliteConnection::establish(other.to_str().unwrap()).unwrap();
    c.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
    drop(c);
    let out = hoithi(&db.url, &["backup", "--check", other.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("không phải cơ sở dữ liệu hoithi"),
        "{}",
        text(&out)
    );
    let missing = dir.path().join("khong-co.db");
    let out = hoithi(&db.url, &["backup", "--check", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(!missing.exists(), "checking never creates a file");
}

#[tokio::test]
async fn scheduled_backups_keep_the_last_n_and_admins_see_the_last_one() {
    let db = Arc::new(TestDb::sqlite());
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings_for(&db)).await;
    contest_fixture(&app, 15, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let schedule = hoithi::config::BackupSchedule {
        dir: dir.path().join("sao-luu"),
        every: Duration::from_secs(3600),
        keep: 2,
    };
    let url = hoithi::config::DatabaseUrl::parse(&db.url).unwrap();
    let mut names = Vec::new();
    for _ in 0..3 {
        let (u, s) = (url.clone(), schedule.clone());
        let snap =
            tokio::task::spawn_blocking(move || hoithi::service::backup::take_scheduled(&u, &s))
                .await
                .unwrap()
                .expect("scheduled backup");
        assert!(snap.bytes > 0);
        names.push(
            snap.path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut left: Vec<String> = std::fs::read_dir(&schedule.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        names[1..].to_vec(),
        "the oldest is deleted, no partial file is left"
    );

    // A server with the schedule shows the newest backup to admins only.
    let mut settings = settings_for(&db);
    settings.backup = Some(schedule);
    let second = spawn_with(db.clone(), Arc::new(SystemClock), settings).await;
    // (contest_fixture created the admin account on this database.)
    tokio::time::sleep(Duration::from_millis(100)).await;
    let units_page = |browser: reqwest::Client| {
        let url = second.url("/admin/units");
        async move {
            let r = browser.get(url).send().await.unwrap();
            r.text().await.unwrap()
        }
    };
    let page = units_page(page_login_as(&second, "admin").await).await;
    assert!(page.contains("Sao lưu tự động"), "{page}");
    assert!(page.contains(&names[2]), "the newest backup is named");
    assert!(page.contains("giữ 2 bản"), "{page}");

    second.create_user("bantochuc", "organizer", Some("TINH"));
    let page = units_page(page_login_as(&second, "bantochuc").await).await;
    assert!(page.contains("Cây đơn vị") && !page.contains("Sao lưu tự động"));
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The database holds personal data and the token-signing secret: it, its
/// WAL files and every backup are the owner's alone, and a file left
/// world-readable by the previous release is made private on start.
#[cfg(unix)]
#[tokio::test]
async fn the_database_its_wal_and_every_backup_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = Arc::new(TestDb::sqlite());
    let path = db.url.trim_start_matches("sqlite://").to_string();
    // Left 0644 as the previous release created it under umask 022.
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings_for(&db)).await;
    let _admin = contest_fixture(&app, 15, 1).await;
    join(&app, "0912345670", "CD-A1", "doan_vien").await;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{path}{suffix}"));
        assert!(file.exists(), "{}", file.display());
        assert_eq!(mode_of(&file), 0o600, "{}", file.display());
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let out = hoithi(&db.url, &["backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode_of(&file), 0o600);
    // Scheduled backups too, and those an earlier release left 0644.
    let schedule = hoithi::config::BackupSchedule {
        dir: dir.path().join("sao-luu"),
        every: Duration::from_secs(3600),
        keep: 5,
    };
    std::fs::create_dir(&schedule.dir).unwrap();
    let old = schedule.dir.join("hoithi-20261101-000000-000.db");
    std::fs::copy(&file, &old).unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    let url = hoithi::config::DatabaseUrl::parse(&db.url).unwrap();
    let snap = tokio::task::spawn_blocking(move || {
        hoithi::service::backup::take_scheduled(&url, &schedule)
    })
    .await
    .unwrap()
    .expect("scheduled backup");
    assert_eq!(mode_of(&snap.path), 0o600);
    assert_eq!(mode_of(&old), 0o600, "the earlier release's backup");
}

/// Flips bytes of an index so that SQLite's quick check still passes but
/// the full check finds rows missing from it.
fn damage_an_index(file: &std::path::Path) {
    let (page_size, root): (i64, i64) = {
        let url = file.to_str().unwrap();
        let mut c = diesel::SqliteConnection::establish(url).unwrap();
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        use diesel::RunQueryDsl;
        let size = diesel::sql_query("SELECT page_size AS n FROM pragma_page_size()")
            .get_result::<N>(&mut c)
            .unwrap()
            .n;
        let root = diesel::sql_query(
            "SELECT rootpage AS n FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = 'participants' ORDER BY name LIMIT 1",
        )
        .get_result::<N>(&mut c)
        .unwrap()
        .n;
        (size, root)
    };
    let mut bytes = std::fs::read(file).unwrap();
    // The last bytes of the index's root page: the end of a cell's record
    // (the row id the index entry points to).
    let end = (root * page_size) as usize;
    for i in 1..=2 {
        bytes[end - i] ^= 0x05;
    }
    std::fs::write(file, bytes).unwrap();
}

#[tokio::test]
async fn a_damaged_backup_fails_its_check_and_says_what_is_wrong() {
    let db = Arc::new(TestDb::sqlite());
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings_for(&db)).await;
    let _admin = contest_fixture(&app, 15, 1).await;
    for i in 0..6 {
        join(&app, &format!("091234567{i}"), "CD-A1", "doan_vien").await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let file_str = file.to_str().unwrap().to_string();
    let out = hoithi(&db.url, &["backup", &file_str]);
    assert!(out.status.success(), "{}", text(&out));
    damage_an_index(&file);
    // The damage is of the kind SQLite's quick check does not see: only
    // the full integrity check (what --check runs now) finds it.
    {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            quick_check: String,
        }
        let mut c = diesel::SqliteConnection::establish(&file_str).unwrap();
        let quick: Vec<Row> = diesel::sql_query("PRAGMA quick_check")
            .load(&mut c)
            .unwrap();
        assert_eq!(quick.len(), 1);
        assert_eq!(quick[0].quick_check, "ok", "the quick check passes");
    }

    let check = hoithi(&db.url, &["backup", "--check", &file_str]);
    let report = text(&check);
    assert!(!check.status.success(), "{report}");
    assert!(report.contains("HỎNG"), "{report}");
    assert!(
        report.contains("index"),
        "SQLite's words are shown: {report}"
    );
    assert!(report.contains("Kết quả / result: CÓ LỖI"), "{report}");

    // A file that is not a database at all is named as such, not as a
    // server error.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x5au8; 8192]).unwrap();
    let check = hoithi(&db.url, &["backup", "--check", junk.to_str().unwrap()]);
    let report = text(&check);
    assert!(!check.status.success(), "{report}");
    assert!(report.contains("Không đọc được"), "{report}");
    assert!(!report.contains("ngoài ý muốn"), "{report}");
}
