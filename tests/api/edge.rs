//! The edge, second pass (issue #25): slow and oversized request bodies, an
//! address's unfinished bodies, and refusals that carry the security
//! headers like every other response.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    contest_fixture, settings_for, spawn_app, spawn_with, TestApp, TestDb, CONTEST,
};

/// Sends a request head announcing `length` bytes of JSON and `sent` of
/// them, then nothing more.
async fn stalled(port: u16, length: usize, sent: usize) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/v1/contests/{CONTEST}/sessions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut body = b"{\"phone\":\"".to_vec();
    body.resize(sent, b'1');
    s.write_all(&body).await.unwrap();
    s
}

/// Everything the server sends until it closes the connection, or None if
/// it is still open after `wait`.
async fn until_closed(s: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_its_connection_is_closed_within_the_deadline() {
    let app = spawn_app().await;
    let started = Instant::now();
    let mut s = stalled(app.port, 262_000, 10_000).await;
    // 10 s of grace for 10 KB (the rate floor gives it no more), and a margin.
    let answer = until_closed(&mut s, Duration::from_secs(25))
        .await
        .expect("the stalled connection was still open after 25 s");
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id"),
        "{answer}"
    );
    assert!(took >= Duration::from_secs(9), "closed too early: {took:?}");
    // The instance still answers.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_body_larger_than_any_route_takes_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let mut s = stalled(app.port, 50_000_000, 100).await;
    let answer = until_closed(&mut s, Duration::from_secs(5))
        .await
        .expect("an oversized body was waited for");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");
    // JSON above the 256 KB the API takes: refused from its declared length.
    let mut s = stalled(app.port, 300_000, 100).await;
    let answer = until_closed(&mut s, Duration::from_secs(5))
        .await
        .expect("an oversized JSON body was waited for");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_unfinished_bodies() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.rate_limits = true;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let mut held = Vec::new();
    for _ in 0..32 {
        held.push(stalled(app.port, 262_000, 1_000).await);
    }
    // Give the server time to take the 32 in.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = stalled(app.port, 262_000, 1_000).await;
    let answer = until_closed(&mut extra, Duration::from_secs(5))
        .await
        .expect("a 33rd unfinished body from one address was waited for");
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("retry-after"), "{answer}");
    // Others are served meanwhile, and so is a body that arrives whole.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/sessions")))
        .json(&serde_json::json!({"phone": "0912000111", "birth_date": "2000-01-01"}))
        .send()
        .await
        .unwrap();
    // No contest in this test: the request is read and answered 404, not
    // refused for want of places.
    assert_eq!(r.status(), 404, "the places were given back");
}

fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    for name in [
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "x-request-id",
    ] {
        assert!(h.contains_key(name), "{what}: no {name} in {h:?}");
    }
}

async fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn refusals_at_the_edge_carry_the_security_headers_and_pages_get_html() {
    let app: TestApp = spawn_app().await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // A foreign origin, on the API and on a page.
    for (path, html) in [
        (format!("/api/v1/contests/{CONTEST}/sessions"), false),
        ("/login".to_string(), true),
    ] {
        let r = plain
            .post(app.url(&path))
            .header("origin", "https://evil.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("username=a&password=b")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert_security_headers(&r, &path);
        let ct = content_type(&r).await;
        assert_eq!(ct.starts_with("text/html"), html, "{path}: {ct}");
    }
    // A NUL in the path, on the API and on a page.
    for (path, html) in [
        ("/api/v1/contests/dv%00c".to_string(), false),
        (format!("/c/{CONTEST}%00"), true),
    ] {
        let r = plain.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert_security_headers(&r, &path);
        let ct = content_type(&r).await;
        assert_eq!(ct.starts_with("text/html"), html, "{path}: {ct}");
        let body = r.text().await.unwrap();
        assert!(body.contains("ký tự điều khiển"), "{path}: {body}");
    }
}

#[tokio::test]
async fn links_never_follow_the_requests_host_header() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    for path in [format!("/c/{CONTEST}"), format!("/c/{CONTEST}/board")] {
        let html = app
            .client
            .get(app.url(&path))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("evil.example"), "{path}: {html}");
        assert!(
            html.contains(&format!("http://127.0.0.1:{}/", app.port)),
            "{path}: links use the listening address: {html}"
        );
    }
}

#[tokio::test]
async fn an_https_origin_is_another_site_for_a_server_reached_over_http() {
    let app = spawn_app().await;
    let plain = reqwest::Client::new();
    for (origin, refused) in [
        (format!("https://127.0.0.1:{}", app.port), true),
        (format!("http://127.0.0.1:{}", app.port), false),
    ] {
        let r = plain
            .post(app.url("/login"))
            .header("origin", &origin)
            .header("cookie", "hoithi_token=x")
            .form(&[("username", "nobody"), ("password", "")])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert_eq!(status == 403, refused, "{origin}: {status}");
    }
}

/// Sends a chunked request head and `sent` bytes of a first chunk that
/// announces more, then nothing.
async fn stalled_chunked(port: u16, path: &str, content_type: &str, sent: usize) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        sent * 4
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&vec![b'1'; sent]).await.unwrap();
    s
}

/// A chunked body that stalls is closed like any other, whether a handler
/// reads it (JSON, checked at the edge) or answers without it: actix would
/// otherwise drain a dropped chunked body with no deadline.
#[tokio::test]
async fn a_stalled_chunked_body_is_closed_too_read_or_not() {
    let app = spawn_app().await;
    let sessions = format!("/api/v1/contests/{CONTEST}/sessions");
    let mut read = stalled_chunked(app.port, &sessions, "application/json", 1000).await;
    let mut unread = stalled_chunked(app.port, "/api/v1/auth/logout", "text/plain", 1000).await;
    let mut refused = stalled_chunked(app.port, "/khong-co", "text/plain", 1000).await;
    for (what, s, status) in [
        ("read", &mut read, "408"),
        ("unread", &mut unread, "204"),
        ("refused", &mut refused, "404"),
    ] {
        let answer = until_closed(s, Duration::from_secs(25))
            .await
            .unwrap_or_else(|| panic!("the {what} chunked connection was still open after 25 s"));
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{what}: {answer}"
        );
    }
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_unfinished_chunked_bodies() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.rate_limits = true;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let sessions = format!("/api/v1/contests/{CONTEST}/sessions");
    let mut held = Vec::new();
    for _ in 0..32 {
        held.push(stalled_chunked(app.port, &sessions, "application/json", 100).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = stalled_chunked(app.port, &sessions, "application/json", 100).await;
    let answer = until_closed(&mut extra, Duration::from_secs(5))
        .await
        .expect("a 33rd unfinished chunked body from one address was waited for");
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
}

/// Opens a connection and sends nothing.
async fn idle(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).await.unwrap()
}

/// A GET of /healthz on a fresh raw connection: what came back before the
/// server closed it (empty when it was closed without an answer).
async fn raw_healthz(port: u16) -> String {
    let mut s = idle(port).await;
    // The server may have closed the connection already: a failed write is
    // an answer too.
    let _ = s
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await;
    until_closed(&mut s, Duration::from_secs(5))
        .await
        .expect("the server kept the connection open")
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_connections() {
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.rate_limits = true;
    settings.connections_per_address = 16;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(idle(app.port).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The 17th is refused where it is accepted, before a byte of it is read.
    let answer = raw_healthz(app.port).await;
    assert!(
        answer.starts_with("HTTP/1.1 429"),
        "a 17th connection from one address was served: {answer}"
    );
    assert!(answer.contains("too_many_connections"), "{answer}");
    // One place given back is one connection served.
    held.pop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answer = raw_healthz(app.port).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Without the per-address limits (a rehearsal from one machine) nothing is counted.
    drop(held);
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.connections_per_address = 16;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(idle(app.port).await);
    }
    let answer = raw_healthz(app.port).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn small_bodies_held_open_take_no_place_from_the_address() {
    // 40 answer-sized bodies left unfinished from one address (a hall's
    // Wi-Fi), then a save-sized request from the same address: served.
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.rate_limits = true;
    let app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let mut held = Vec::new();
    for _ in 0..40 {
        held.push(stalled(app.port, 200, 20).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/contests/{CONTEST}/sessions")))
        .json(&serde_json::json!({"phone": "0912000111", "birth_date": "2000-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "served (no contest here), not refused for want of places"
    );
    drop(held);
}
