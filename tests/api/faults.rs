//! The database's bad moments, injected under load: on PostgreSQL its
//! connections are terminated (`pg_terminate_backend`) and then the network
//! to it is cut for two seconds (a proxy between the instance and the
//! server); on SQLite the disk fills up. Either way: only 503s with
//! `Retry-After` while it lasts, `/readyz` says so, the instance serves
//! normally again within 2 s of the database coming back, and every answer
//! and submission that was acknowledged is stored.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{
    contest_fixture, join, postgres_base, right_answers, settings_for, spawn_with, TestApp, TestDb,
    CONTEST,
};
use hoithi::service::state::SystemClock;

/// A TCP proxy in front of PostgreSQL that can cut every connection through
/// it and refuse new ones, like a network blip or a failover.
struct Proxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    pipes: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let cut = Arc::new(AtomicBool::new(false));
        let pipes: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (c, p) = (cut.clone(), pipes.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let up = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                p.lock().unwrap().push(pipe.abort_handle());
            }
        });
        Proxy { addr, cut, pipes }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for pipe in self.pipes.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// The `host:port` of a PostgreSQL URL.
fn upstream_of(base: &str) -> String {
    base.split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@').map(|(_, h)| h).or(Some(rest)))
        .and_then(|h| h.split('/').next())
        .expect("host:port in the PostgreSQL URL")
        .to_string()
}

/// One request of the load, as the client saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Duration,
    what: &'static str,
    pub status: u16,
    retry_after: bool,
    json: bool,
}

#[derive(Default)]
pub struct Log {
    seen: Mutex<Vec<Seen>>,
    /// (attempt, position) → choices acknowledged with 204.
    /// Acknowledged answers, in the form they are stored (`answers.given`).
    pub acked: Mutex<HashMap<(String, i32), String>>,
    /// (attempt, position) → when it was first acknowledged.
    pub first_acked: Mutex<HashMap<(String, i32), Duration>>,
    submitted: Mutex<Vec<String>>,
    /// Phones whose registration was acknowledged with 201.
    registered: Mutex<Vec<String>>,
}

impl Log {
    fn record(&self, t0: Instant, what: &'static str, r: &reqwest::Response) {
        let json = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        self.seen.lock().unwrap().push(Seen {
            at: t0.elapsed(),
            what,
            status: r.status().as_u16(),
            retry_after: r.headers().contains_key("retry-after"),
            json,
        });
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Counts by (what, status), for failure messages short enough to read.
    pub fn summary(&self) -> String {
        let mut counts: std::collections::BTreeMap<(&str, u16), usize> = Default::default();
        for s in self.seen() {
            *counts.entry((s.what, s.status)).or_default() += 1;
        }
        format!("{counts:?}")
    }
}

/// Registers new people in a loop (each one new rows: the database must
/// grow), retrying a 503 with the same phone.
fn register_loop(
    app: &TestApp,
    stop: Arc<AtomicBool>,
    t0: Instant,
    log: Arc<Log>,
) -> tokio::task::JoinHandle<()> {
    let (client, url) = (
        app.client.clone(),
        app.url(&format!("/api/v1/contests/{CONTEST}/participants")),
    );
    tokio::spawn(async move {
        let mut n = 0u32;
        while !stop.load(Ordering::SeqCst) {
            let phone = format!("08{:08}", 500 + n);
            let mut body = crate::helpers::registration(&phone, "CD-A1");
            body["full_name"] = json!(format!("Người đăng ký thứ {n}"));
            let r = client
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("register");
            log.record(t0, "register", &r);
            match r.status().as_u16() {
                201 => {
                    log.registered.lock().unwrap().push(phone);
                    n += 1;
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    })
}

/// Participants who save answers in a loop (retrying a 503, as the page's
/// offline queue does); the first `submitters` of them submit at `submit_at`.
pub async fn load(
    app: &TestApp,
    participants: usize,
    submitters: usize,
    submit_at: Duration,
    stop: Arc<AtomicBool>,
    t0: Instant,
    log: Arc<Log>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut workers = Vec::new();
    for i in 0..participants {
        let token = join(app, &format!("09{:08}", 100 + i), "CD-A1", "doan_vien").await;
        let started: Value = app
            .post(
                &format!("/api/v1/contests/{CONTEST}/attempts"),
                &token,
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        let id = started["attempt_id"].as_str().unwrap().to_string();
        let keys = right_answers(app, &id);
        let (client, base, stop, log) = (
            app.client.clone(),
            app.address.clone(),
            stop.clone(),
            log.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut positions: Vec<i32> = keys.keys().copied().collect();
            positions.sort();
            let mut k = 0usize;
            while !stop.load(Ordering::SeqCst) {
                if i < submitters && t0.elapsed() >= submit_at {
                    let r = client
                        .post(format!("{base}/api/v1/attempts/{id}/submit"))
                        .bearer_auth(&token)
                        .json(&json!({}))
                        .send()
                        .await
                        .expect("submit");
                    log.record(t0, "submit", &r);
                    if r.status() == 200 {
                        log.submitted.lock().unwrap().push(id.clone());
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                let pos = positions[k % positions.len()];
                let choices = keys[&pos].clone();
                let r = client
                    .put(format!("{base}/api/v1/attempts/{id}/answers/{pos}"))
                    .bearer_auth(&token)
                    .json(&json!({ "choices": choices }))
                    .send()
                    .await
                    .expect("save");
                log.record(t0, "save", &r);
                if r.status() == 204 {
                    log.acked
                        .lock()
                        .unwrap()
                        .insert((id.clone(), pos), stored_form(&choices));
                    log.first_acked
                        .lock()
                        .unwrap()
                        .entry((id.clone(), pos))
                        .or_insert_with(|| t0.elapsed());
                    k += 1;
                } else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    workers
}

/// The fault tests' load: 12 participants saving (4 of them submit at
/// `submit_at`), one registering new people, `/readyz` polled.
struct Running {
    t0: Instant,
    stop: Arc<AtomicBool>,
    log: Arc<Log>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    async fn start(app: &TestApp, submit_at: Duration) -> Running {
        let (t0, stop, log) = (
            Instant::now(),
            Arc::new(AtomicBool::new(false)),
            Arc::new(Log::default()),
        );
        let mut tasks = load(app, 12, 4, submit_at, stop.clone(), t0, log.clone()).await;
        poll_readyz(app, stop.clone(), t0, log.clone());
        tasks.push(register_loop(app, stop.clone(), t0, log.clone()));
        Running {
            t0,
            stop,
            log,
            tasks,
        }
    }

    async fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

/// Polls `/readyz` every 100 ms until `stop`.
fn poll_readyz(app: &TestApp, stop: Arc<AtomicBool>, t0: Instant, log: Arc<Log>) {
    let (client, url) = (app.client.clone(), app.url("/readyz"));
    tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            if let Ok(r) = client.get(&url).send().await {
                log.record(t0, "readyz", &r);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

/// What every fault test asserts once the load has stopped.
async fn assert_the_outcome(app: &TestApp, log: &Log, fault: (Duration, Duration)) {
    let (fault_at, back_at) = fault;
    let seen = log.seen();
    let requests: Vec<&Seen> = seen.iter().filter(|s| s.what != "readyz").collect();
    for s in &requests {
        assert!(
            [200, 201, 204, 503].contains(&s.status),
            "only 503 may answer a database fault: {s:?}"
        );
        assert!(s.json || s.status == 204, "an error is JSON: {s:?}");
        if s.status == 503 {
            assert!(s.retry_after, "a 503 says when to retry: {s:?}");
        }
    }
    assert!(
        requests.iter().any(|s| s.status == 503
            && s.at >= fault_at
            && s.at <= back_at + Duration::from_secs(2)),
        "the fault was felt (some 503s): {}",
        log.summary()
    );
    let healed = back_at + Duration::from_secs(2);
    let after: Vec<&&Seen> = requests.iter().filter(|s| s.at > healed).collect();
    assert!(after.len() > 10, "the load went on after the fault");
    assert!(
        after.iter().all(|s| s.status != 503),
        "serving normally within 2 s of the database coming back: {:?} {}",
        after.iter().find(|s| s.status == 503),
        log.summary()
    );
    let ready: Vec<&Seen> = seen.iter().filter(|s| s.what == "readyz").collect();
    assert!(ready.iter().all(|s| s.json), "/readyz is always JSON");
    assert!(
        ready.iter().any(|s| s.status == 503
            && s.at >= fault_at
            && s.at <= back_at + Duration::from_secs(1)),
        "/readyz said 503 during the fault: {}",
        log.summary()
    );
    assert!(
        ready
            .iter()
            .filter(|s| s.at > healed)
            .all(|s| s.status == 200),
        "/readyz is 200 again: {:?}",
        ready
            .iter()
            .filter(|s| s.at > healed)
            .find(|s| s.status != 200)
    );
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // Nothing acknowledged was lost.
    let stored: Vec<(String, i32, String)> = app
        .state
        .db
        .read_now(|c| {
            use hoithi::db::schema::answers::dsl::*;
            Ok(answers.select((attempt_id, position, given)).load(c)?)
        })
        .expect("read answers");
    let stored: HashMap<(String, i32), String> =
        stored.into_iter().map(|(a, p, c)| ((a, p), c)).collect();
    let acked = log.acked.lock().unwrap().clone();
    assert!(acked.len() > 20, "the load saved answers");
    for (key, choices) in &acked {
        assert_eq!(
            stored.get(key),
            Some(choices),
            "acknowledged answer {key:?}"
        );
    }
    let submitted = log.submitted.lock().unwrap().clone();
    assert!(!submitted.is_empty(), "some submissions were acknowledged");
    for id in submitted {
        let status: String = app
            .state
            .db
            .read_now(move |c| {
                use hoithi::db::schema::attempts::dsl;
                Ok(dsl::attempts.find(&id).select(dsl::status).first(c)?)
            })
            .expect("attempt");
        assert_eq!(status, "submitted");
    }
    let registered = log.registered.lock().unwrap().clone();
    assert!(
        !registered.is_empty(),
        "some registrations were acknowledged"
    );
    let phones: std::collections::HashSet<String> = app
        .state
        .db
        .read_now(|c| {
            use hoithi::db::schema::participants::dsl;
            Ok(dsl::participants.select(dsl::phone).load(c)?)
        })
        .expect("participants")
        .into_iter()
        .collect();
    for phone in registered {
        assert!(phones.contains(&phone), "acknowledged registration {phone}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (HOITHI_TEST_POSTGRES_URL); .ci/run runs it with --include-ignored"]
async fn postgres_connections_dropped_under_load_give_only_503s_and_the_instance_heals() {
    let base = postgres_base().expect("HOITHI_TEST_POSTGRES_URL names a PostgreSQL");
    let base = base.as_str();
    let mut db = TestDb::postgres(base);
    let upstream = upstream_of(base);
    let proxy = Proxy::start(upstream.clone()).await;
    let name = format!("hoithi_fault_{}", uuid::Uuid::new_v4().simple());
    db.url = db
        .url
        .replacen(&upstream, &proxy.addr.to_string(), 1)
        .replace("?options=", &format!("?application_name={name}&options="));
    let mut settings = settings_for(&db);
    settings.db.wait = Duration::from_millis(1500);
    let app = spawn_with(Arc::new(db), Arc::new(SystemClock), settings).await;
    contest_fixture(&app, 30, 2).await;

    let run = Running::start(&app, Duration::from_millis(2500)).await;
    let (t0, log) = (run.t0, run.log.clone());

    // Second 1: the server terminates every connection of this instance.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut admin = diesel::PgConnection::establish(base).expect("admin connection");
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
        ))
        .expect("terminate");
    // Second 2 to 4: the network to the database is gone.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let fault_at = t0.elapsed();
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let back_at = t0.elapsed();
    proxy.restore();
    tokio::time::sleep(Duration::from_secs(4)).await;
    run.finish().await;
    assert_the_outcome(&app, &log, (fault_at, back_at)).await;
}

/// A small tmpfs of our own, so the disk can really fill up.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("temp dir");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir })
    }

    /// Writes a filler file until the disk is full.
    fn fill(&self, name: &str) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.dir.path().join(name)).expect("filler");
        let chunk = vec![0u8; 16 * 1024];
        while f.write_all(&chunk).and_then(|()| f.flush()).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).and_then(|()| f.flush()).is_ok() {}
    }

    fn free(&self) {
        for entry in std::fs::read_dir(self.dir.path()).expect("list").flatten() {
            if entry.file_name().to_string_lossy().starts_with("filler") {
                std::fs::remove_file(entry.path()).expect("free space");
            }
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "mounts a small tmpfs, which needs root; .ci/run runs it with --include-ignored"]
async fn a_full_sqlite_disk_under_load_gives_only_503s_and_the_instance_heals() {
    let disk = SmallDisk::mount(24).expect("a small tmpfs can be mounted (this test needs root)");
    let mut db = TestDb::sqlite();
    db.url = format!("sqlite://{}", disk.dir.path().join("full.db").display());
    let settings = settings_for(&db);
    let app = spawn_with(Arc::new(db), Arc::new(SystemClock), settings).await;
    contest_fixture(&app, 30, 2).await;

    let run = Running::start(&app, Duration::from_millis(1500)).await;
    let (t0, log) = (run.t0, run.log.clone());

    tokio::time::sleep(Duration::from_secs(1)).await;
    let fault_at = t0.elapsed();
    disk.fill("filler-1");
    // Keep it full until writes have failed and /readyz has said so for a second.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        disk.fill("filler-2");
        let seen = log.seen();
        let said = seen
            .iter()
            .find(|s| s.what == "readyz" && s.status == 503 && s.at > fault_at);
        if said.is_some_and(|s| t0.elapsed() > s.at + Duration::from_secs(1)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the full disk was never felt: {}",
            log.summary()
        );
    }
    let back_at = t0.elapsed();
    disk.free();
    tokio::time::sleep(Duration::from_secs(4)).await;
    run.finish().await;
    assert_the_outcome(&app, &log, (fault_at, back_at)).await;
}

/// `hoithi serve` started before its database: on PostgreSQL it waits with
/// a visible, growing pause and comes up by itself once the database
/// answers; a SQLite file in a folder that does not exist fails at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_waits_for_a_database_that_is_not_up_yet() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let Some(base) = postgres_base() else {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hoithi"))
            .env(
                "HOITHI_DATABASE_URL",
                format!("sqlite://{}/khong-co/x.db", dir.path().display()),
            )
            .env("HOITHI_BIND", "127.0.0.1:0")
            .arg("serve")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no waiting for a wrong path"
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
        return;
    };
    let db = TestDb::postgres(&base);
    let upstream = upstream_of(&base);
    let proxy = Proxy::start(upstream.clone()).await;
    proxy.cut();
    let url = db.url.replacen(&upstream, &proxy.addr.to_string(), 1);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoithi"))
        .env("HOITHI_DATABASE_URL", &url)
        .env("HOITHI_BIND", "127.0.0.1:0")
        .env("HOITHI_DEMO", "off")
        .env("HOITHI_DB_STARTUP_WAIT", "60")
        .env("RUST_LOG", "warn")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Read all of it (a closed pipe would end the server).
    let waiting = std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect();
        lines.into_iter().find(|l| l.contains("chưa sẵn sàng"))
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting, not exited"
    );
    proxy.restore();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let address = format!("http://{}", rest.split_whitespace().next().unwrap_or(""));
                if let Some(tx) = tx.take() {
                    let _ = tx.send(address);
                }
            }
        }
    });
    let address = tokio::time::timeout(Duration::from_secs(20), rx)
        .await
        .expect("came up after the database did")
        .expect("serving address");
    let r = reqwest::get(format!("{}readyz", address)).await.unwrap();
    assert_eq!(r.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
    let line = waiting.join().unwrap().expect("a visible waiting message");
    assert!(line.contains("retry_in_s"), "{line}");
}

/// Someone outside holds a lock hoithi needs (a migration by hand, a
/// careless `BEGIN` in a shell): the request gets 503 with `Retry-After`
/// after the lock timeout instead of hanging, and nothing is half-stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_outside_ends_in_503_not_a_hang() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.db.lock_timeout_ms = 500;
    let app = spawn_with(db.clone(), Arc::new(SystemClock), settings).await;
    contest_fixture(&app, 30, 1).await;

    // The lock is taken on a plain connection of its own, kept open in a thread.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let url = db.url.clone();
    let holder =
        std::thread::spawn(
            move || match hoithi::config::DatabaseUrl::parse(&url).unwrap() {
                hoithi::config::DatabaseUrl::Postgres(u) => {
                    let mut c = diesel::PgConnection::establish(&u).unwrap();
                    c.batch_execute("BEGIN; LOCK TABLE participants IN ACCESS EXCLUSIVE MODE")
                        .unwrap();
                    locked_tx.send(()).unwrap();
                    let _ = release_rx.recv();
                    c.batch_execute("ROLLBACK").unwrap();
                }
                hoithi::config::DatabaseUrl::Sqlite(p) => {
                    let mut c = diesel::SqliteConnection::establish(p.to_str().unwrap()).unwrap();
                    c.batch_execute("BEGIN EXCLUSIVE").unwrap();
                    locked_tx.send(()).unwrap();
                    let _ = release_rx.recv();
                    c.batch_execute("ROLLBACK").unwrap();
                }
            },
        );
    locked_rx.recv().unwrap();
    let register = || {
        app.client
            .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
            .json(&crate::helpers::registration("0987654321", "CD-A1"))
            .send()
    };
    let started = Instant::now();
    let r = register().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(r.status(), 503, "{}", r.text().await.unwrap());
    assert!(r.headers().contains_key("retry-after"));
    // PostgreSQL: the lock timeout (0.5 s); SQLite: its busy timeout (15 s).
    assert!(waited < Duration::from_secs(25), "bounded: {waited:?}");
    release_tx.send(()).unwrap();
    holder.join().unwrap();

    // Nothing of the refused registration was stored; it works now.
    assert_eq!(register().await.unwrap().status(), 201);
}

/// How the server stores chosen keys (sorted, as it normalizes them).
pub fn stored_form(keys: &[String]) -> String {
    let mut keys = keys.to_vec();
    keys.sort();
    serde_json::to_string(&hoithi::domain::kinds::Given::Choices(keys)).expect("json")
}
