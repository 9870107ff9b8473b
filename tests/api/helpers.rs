//! Test harness: a fresh database per test (a temporary SQLite file, or a
//! fresh schema on the PostgreSQL named by HOITHI_TEST_POSTGRES_URL), and the
//! real server on port 0.

use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use hoithi::config::{DatabaseUrl, Settings};
use hoithi::db::Db;
use hoithi::service::accounts::{create, NewAccount};
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
}

pub fn settings_for(db: &TestDb) -> Settings {
    let url = db.url.clone();
    Settings::from_lookup(|k| match k {
        "HOITHI_BIND" => Some("127.0.0.1:0".to_string()),
        "HOITHI_DATABASE_URL" => Some(url.clone()),
        "HOITHI_POOL_SIZE" => Some("4".to_string()),
        _ => None,
    })
    .expect("test settings")
}

pub async fn spawn_app() -> TestApp {
    spawn_on(Arc::new(TestDb::new())).await
}

/// Starts one more server instance on an existing database.
pub async fn spawn_on(db: Arc<TestDb>) -> TestApp {
    let app = Application::build(settings_for(&db))
        .await
        .expect("build app");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client,
        db,
        port,
    }
}

impl TestApp {
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
