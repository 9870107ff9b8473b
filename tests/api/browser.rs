//! Browser tests in headless Chromium through chromedriver. They run when
//! HOITHI_BROWSER_TESTS=1 (CI sets it) and fail, not skip, if the browser
//! is missing then.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{spawn_app, PASSWORD, TREE_CSV};

pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn find_binary(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Starts chromedriver and a headless Chromium with a phone-sized window,
/// or returns None when browser tests are not requested.
pub async fn browser(width: u32, height: u32) -> Option<Browser> {
    if std::env::var("HOITHI_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set HOITHI_BROWSER_TESTS=1 to run the browser tests");
        return None;
    }
    let driver_bin = find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
        .expect("HOITHI_BROWSER_TESTS=1 but chromedriver is not installed (apt-get install chromium-driver)");
    let chromium = find_binary(&["/usr/lib/chromium/chromium", "/usr/bin/chromium"])
        .expect("HOITHI_BROWSER_TESTS=1 but chromium is not installed (apt-get install chromium)");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--disable-quic", format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = String::new();
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    driver,
                    _profile: profile,
                })
            }
            Err(e) => last_err = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot start a browser session: {last_err}");
}

pub async fn screenshot(client: &fantoccini::Client, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = client.screenshot().await.expect("screenshot");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    path
}

#[tokio::test]
async fn an_organizer_signs_in_and_imports_a_unit_tree_in_chromium() {
    let Some(b) = browser(390, 844).await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("btc", "admin", None);
    let c = &b.client;

    c.goto(&app.url("/admin/units")).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert_eq!(
        url.path(),
        "/login",
        "an anonymous visit is sent to the login page"
    );
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("btc")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//h1[contains(., 'Cây đơn vị')]"))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/admin/units");

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("donvi.csv");
    std::fs::write(&csv, TREE_CSV).unwrap();
    c.find(Locator::Css("details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&csv.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/admin/units/import'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = c
        .wait()
        .for_element(Locator::Css(".flash.ok"))
        .await
        .unwrap();
    assert!(flash.text().await.unwrap().contains("6 đơn vị mới"));
    let body = c
        .find(Locator::Css("table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Chi đoàn khu phố 1"), "{body}");
    let shot = screenshot(c, "units-after-import").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 1000);
    b.client.clone().close().await.unwrap();
}
