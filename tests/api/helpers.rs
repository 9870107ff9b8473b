//! Test harness: a fresh database per test (a temporary SQLite file, or a
//! fresh schema on the PostgreSQL named by HOITHI_TEST_POSTGRES_URL), and the
//! real server on port 0.

use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use hoithi::config::{DatabaseUrl, Settings};
use hoithi::db::Db;
use hoithi::service::accounts::{create, NewAccount};
use hoithi::service::state::{AppState, Clock, ManualClock, SystemClock};
use hoithi::startup::Application;
use serde_json::Value;

pub const PG_ENV: &str = "HOITHI_TEST_POSTGRES_URL";
pub const PASSWORD: &str = "mat-khau-thu-nghiem";

/// The PostgreSQL base URL when the PostgreSQL suite is requested.
pub fn postgres_base() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|s| !s.trim().is_empty())
}

/// One isolated database for one test; dropped (schema or file) at the end.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> TestDb {
        match postgres_base() {
            Some(base) => Self::postgres(&base),
            None => Self::sqlite(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb {
            url,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// A fresh schema on the given server; the URL selects it via search_path.
    pub fn postgres(base: &str) -> TestDb {
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = diesel::PgConnection::establish(base).unwrap_or_else(|e| {
            panic!("{PG_ENV} is set but PostgreSQL is unreachable at {base}: {e}")
        });
        conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        TestDb {
            url,
            _dir: None,
            pg_schema: Some((base.to_string(), schema)),
        }
    }

    pub fn connect(&self) -> Db {
        Db::connect(&DatabaseUrl::parse(&self.url).expect("url"), 2).expect("connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut c) = diesel::PgConnection::establish(base) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Arc<TestDb>,
    pub port: u16,
    pub state: AppState,
}

pub fn settings_for(db: &TestDb) -> Settings {
    let url = db.url.clone();
    Settings::from_lookup(|k| match k {
        "HOITHI_BIND" => Some("127.0.0.1:0".to_string()),
        "HOITHI_DATABASE_URL" => Some(url.clone()),
        "HOITHI_POOL_SIZE" => Some("4".to_string()),
        "HOITHI_SWEEP_SECONDS" => Some("0".to_string()),
        // Every test client is one address; the limits have tests of their own.
        "HOITHI_RATE_LIMITS" => Some("off".to_string()),
        _ => None,
    })
    .expect("test settings")
}

pub async fn spawn_app() -> TestApp {
    spawn_on(Arc::new(TestDb::new())).await
}

/// Starts one more server instance on an existing database.
pub async fn spawn_on(db: Arc<TestDb>) -> TestApp {
    let settings = settings_for(&db);
    spawn_with(db, Arc::new(SystemClock), settings).await
}

/// A server whose clock only moves when the test says so.
pub async fn spawn_with_clock() -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(hoithi::db::now()));
    let db = Arc::new(TestDb::new());
    let settings = settings_for(&db);
    let app = spawn_with(db, clock.clone(), settings).await;
    (app, clock)
}

pub async fn spawn_with(db: Arc<TestDb>, clock: Arc<dyn Clock>, settings: Settings) -> TestApp {
    let app = Application::build_with_clock(settings, clock)
        .await
        .expect("build app");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let client = browser_client(port, reqwest::redirect::Policy::none());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client,
        db,
        port,
        state,
    }
}

/// A client that behaves like a browser on the app's pages: it keeps
/// cookies and sends the page's origin with every request, as browsers do
/// with forms and scripts.
pub fn browser_client(port: u16, redirects: reqwest::redirect::Policy) -> reqwest::Client {
    let mut origin = reqwest::header::HeaderMap::new();
    origin.insert(
        reqwest::header::ORIGIN,
        format!("http://127.0.0.1:{port}").parse().expect("origin"),
    );
    reqwest::Client::builder()
        .redirect(redirects)
        .cookie_store(true)
        .default_headers(origin)
        .build()
        .expect("client")
}

impl TestApp {
    /// A fresh browser (its own cookie jar).
    pub fn browser(&self, redirects: reqwest::redirect::Policy) -> reqwest::Client {
        browser_client(self.port, redirects)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates a staff account directly, as `hoithi create-user` does.
    pub fn create_user(&self, username: &str, role: &str, unit: Option<&str>) {
        let db = self.db.connect();
        let input = NewAccount {
            username: username.into(),
            password: Some(PASSWORD.into()),
            role: role.into(),
            unit_code: unit.map(str::to_string),
            display_name: None,
        };
        db.write_now(|c| create(c, input)).expect("create user");
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "login of {username} failed");
        r.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Creates an admin and returns its token.
    pub async fn admin(&self) -> String {
        self.create_user("admin", "admin", None);
        self.login("admin").await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn import_csv(&self, token: &str, csv: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/units/import"))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
            .await
            .expect("request")
    }

    /// Codes of every unit, sorted: a fingerprint of the tree's state.
    pub async fn unit_codes(&self, token: &str) -> Vec<String> {
        let v: Value = self
            .get("/api/v1/units", token)
            .await
            .json()
            .await
            .expect("json");
        let mut codes: Vec<String> = v["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["code"].as_str().unwrap_or("").to_string())
            .collect();
        codes.sort();
        codes
    }
}

/// A three-level tree: province → two communes → chi đoàn.
pub const TREE_CSV: &str = "code,name,level,parent_code,members\n\
TINH,Tỉnh đoàn Thử Nghiệm,Tỉnh đoàn,,\n\
XA-A,Đoàn xã An Phú,Đoàn cơ sở,TINH,120\n\
XA-B,Đoàn phường Bình Minh,Đoàn cơ sở,TINH,80\n\
CD-A1,Chi đoàn thôn 1,Chi đoàn,XA-A,30\n\
CD-A2,Chi đoàn thôn 2,Chi đoàn,XA-A,25\n\
CD-B1,Chi đoàn khu phố 1,Chi đoàn,XA-B,40\n";

pub const SAMPLE_BANK: &str =
    include_str!("../../question_banks/dich-vu-cong-truc-tuyen-2023.toml");
pub const CONTEST: &str = "thu-nghiem";

/// Tree, sample bank (the admin's, shared with the units) and a contest
/// with one round open now for a week. Returns the admin token.
pub async fn contest_fixture(app: &TestApp, minutes: i32, questions_per_cell: u32) -> String {
    let admin = app.admin().await;
    assert_eq!(app.import_csv(&admin, TREE_CSV).await.status(), 200);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(SAMPLE_BANK.as_bytes().to_vec()).file_name("dvc.toml"),
    );
    let r = app
        .client
        .post(app.url("/api/v1/banks"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The admin's bank (no unit), shared with every unit as a province
    // shares its bank: organizers use it without its answer keys.
    let r = app
        .put(
            "/api/v1/banks/dich-vu-cong-truc-tuyen-2023/sharing",
            &admin,
            &serde_json::json!({"shared": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body = contest_body(app, minutes, questions_per_cell, &[(-5, 7 * 24 * 60)]);
    let r = app.post("/api/v1/contests", &admin, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    admin
}

/// The fixture's contest input, with rounds given as (opens, closes) in
/// minutes from the server's now.
pub fn contest_body(
    app: &TestApp,
    minutes: i32,
    questions_per_cell: u32,
    rounds: &[(i64, i64)],
) -> Value {
    let now = app.state.now().and_utc();
    let blueprint: Vec<Value> = ["cong-dvc", "muc-do", "vneid", "de-an-06"]
        .iter()
        .flat_map(|t| {
            ["easy", "medium"].map(
                |d| serde_json::json!({"topic": t, "difficulty": d, "count": questions_per_cell}),
            )
        })
        .collect();
    let rounds: Vec<Value> = rounds
        .iter()
        .map(|(o, c)| serde_json::json!({"opens_at": (now + chrono::Duration::minutes(*o)).to_rfc3339(), "closes_at": (now + chrono::Duration::minutes(*c)).to_rfc3339()}))
        .collect();
    serde_json::json!({
        "slug": CONTEST, "title": "Hội thi thử nghiệm", "unit_code": "TINH", "bank_slug": "dich-vu-cong-truc-tuyen-2023",
        "blueprint": blueprint, "minutes": minutes, "rounds": rounds,
        "prediction": {"prompt": "Bao nhiêu người đạt điểm tuyệt đối?", "target": "perfect"},
        "co_organizers": ["Văn phòng UBND"]
    })
}

pub fn registration(phone: &str, unit: &str) -> Value {
    serde_json::json!({
        "full_name": "Nguyễn Văn An", "birth_date": "2000-05-01", "phone": phone, "unit_code": unit,
        "category": "doan_vien", "consent": true
    })
}

/// Registers a participant and returns their token.
pub async fn participant(app: &TestApp, phone: &str) -> String {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(&registration(phone, "CD-A1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The right keys of every question of an attempt, as the server would score them.
pub fn right_answers(
    app: &TestApp,
    attempt_id: &str,
) -> std::collections::HashMap<i32, Vec<String>> {
    let id = attempt_id.to_string();
    let state = app.state.clone();
    state
        .db
        .read_now(|c| {
            let a = hoithi::db::attempts::by_id(c, &id)?.expect("attempt");
            let v = state.versions.get(c, &a.bank_version_id)?;
            Ok(a.paper()?
                .iter()
                .enumerate()
                // Survey questions have no right answer.
                .filter(|(_, item)| {
                    v.pool[item.q as usize].kind != hoithi::domain::bank::Kind::Survey
                })
                .map(|(i, item)| {
                    (
                        i as i32 + 1,
                        hoithi::domain::kinds::choice::right_keys(item, &v.pool[item.q as usize]),
                    )
                })
                .collect())
        })
        .expect("right answers")
}

/// Registers someone in a unit and category; returns their token.
pub async fn join(app: &TestApp, phone: &str, unit: &str, category: &str) -> String {
    let mut body = registration(phone, unit);
    body["category"] = serde_json::json!(category);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Starts an attempt and answers `right` questions correctly; returns its id.
pub async fn attempt(app: &TestApp, token: &str, right: usize) -> String {
    let a: Value = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/attempts")))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = a["attempt_id"].as_str().unwrap().to_string();
    let keys = right_answers(app, &id);
    for pos in 1..=right as i32 {
        let r = app
            .put(
                &format!("/api/v1/attempts/{id}/answers/{pos}"),
                token,
                &serde_json::json!({"choices": keys[&pos]}),
            )
            .await;
        assert_eq!(r.status(), 204);
    }
    id
}

pub async fn submit(app: &TestApp, token: &str, id: &str, prediction: Option<i64>) {
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            token,
            &serde_json::json!({"prediction": prediction}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

pub async fn board(app: &TestApp, query: &str) -> Value {
    app.client
        .get(app.url(&format!(
            "/api/v1/contests/{CONTEST}/rounds/1/leaderboard{query}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn names(b: &Value) -> Vec<String> {
    b["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["masked_phone"].as_str().unwrap().to_string())
        .collect()
}

/// Registers with a whole registration body (and an optional cookie header);
/// returns the participant token.
pub async fn register_with(app: &TestApp, body: &Value, cookie: Option<&str>) -> String {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/participants")))
        .json(body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("request");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    r.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}
