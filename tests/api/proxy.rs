//! hoithi behind the shipped nginx configuration (issue #31). `.ci/proxy.sh`
//! starts nginx with `deploy/nginx.conf` (only the domain, the certificate,
//! the ports and the upstream changed) and a self-signed certificate, then
//! runs this test with where to find it:
//!
//! - `HOITHI_PROXY_TEST_URL`: the public https address (`https://localhost:18443`);
//! - `HOITHI_PROXY_TEST_CA`: the certificate to trust;
//! - `HOITHI_PROXY_TEST_UPSTREAM`: where nginx expects hoithi (`127.0.0.1:18089`).
//!
//! The test starts hoithi there itself, as `deploy/hoithi.env` configures it
//! (public URL, the proxy as the only trusted peer, the rate limits on),
//! and talks to it from 127.0.0.2, so the address hoithi records can only
//! have come from nginx's `X-Forwarded-For`. Ignored by default; it fails
//! when run without the proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hoithi::config::PublicUrl;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use serde_json::Value;

use crate::helpers::{
    attempt, contest_fixture, registration, settings_for, spawn_with, submit, TestApp, TestDb,
    CONTEST, PASSWORD,
};

/// The test client's own address: not the proxy's 127.0.0.1.
const CLIENT: &str = "127.0.0.2";

struct Proxy {
    url: String,
    ca: reqwest::Certificate,
    upstream: String,
}

fn proxy() -> Proxy {
    let var = |k: &str| {
        std::env::var(k)
            .unwrap_or_else(|_| panic!("{k} is not set: run this test with .ci/proxy.sh"))
    };
    let pem = std::fs::read(var("HOITHI_PROXY_TEST_CA")).expect("the proxy's certificate");
    Proxy {
        url: var("HOITHI_PROXY_TEST_URL")
            .trim_end_matches('/')
            .to_string(),
        ca: reqwest::Certificate::from_pem(&pem).expect("a PEM certificate"),
        upstream: var("HOITHI_PROXY_TEST_UPSTREAM"),
    }
}

/// A browser at 127.0.0.2 that trusts the test certificate, keeps cookies
/// and sends `origin` as pages and scripts do.
fn client(p: &Proxy, origin: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_str(origin).expect("origin"));
    let host = reqwest::Url::parse(&p.url).expect("proxy url");
    let port = host.port_or_known_default().unwrap_or(443);
    let to: SocketAddr = ([127, 0, 0, 1], port).into();
    reqwest::Client::builder()
        .add_root_certificate(p.ca.clone())
        .local_address(CLIENT.parse::<IpAddr>().ok())
        .resolve(host.host_str().unwrap_or("localhost"), to)
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The address hoithi recorded for a participant.
fn recorded_ip(app: &TestApp, participant_id: &str) -> Option<String> {
    let id = participant_id.to_string();
    app.state
        .db
        .read_now(move |c| Ok(hoithi::db::participants::by_id(c, &id)?.ip))
        .expect("participant")
}

/// A page's text, which must answer 200.
async fn page(app: &TestApp, path: &str) -> String {
    let r = app.client.get(app.url(path)).send().await.expect("page");
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.expect("text")
}

/// Registers `phone`; returns the participant's id and token.
async fn register(
    client: &reqwest::Client,
    base: &str,
    phone: &str,
    forged: bool,
) -> (String, String) {
    let mut req = client
        .post(format!("{base}/api/v1/contests/{CONTEST}/participants"))
        .json(&registration(phone, "CD-A1"));
    if forged {
        req = req
            .header("X-Forwarded-For", "203.0.113.9")
            .header("Forwarded", "for=198.51.100.7");
    }
    let r = req.send().await.expect("registration");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let body: Value = r.json().await.expect("json");
    let text = |k: &str| body[k].as_str().expect(k).to_string();
    (text("participant_id"), text("token"))
}

#[tokio::test]
#[ignore = "needs nginx in front: .ci/proxy.sh runs it"]
async fn a_participant_and_an_organizer_through_https_behind_nginx() {
    let p = proxy();
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.bind = p.upstream.clone();
    settings.public_url = Some(PublicUrl::parse(&p.url).expect("public url"));
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    settings.rate_limits = true;
    let mut app = spawn_with(db, Arc::new(hoithi::service::state::SystemClock), settings).await;
    let direct = app.address.clone();
    app.address = p.url.clone();
    app.client = client(&p, &p.url);

    // HTTPS with HTTP/2 from nginx, HSTS from hoithi (once).
    let r = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("home page");
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), reqwest::Version::HTTP_2, "nginx speaks HTTP/2");
    let hsts: Vec<_> = r
        .headers()
        .get_all("strict-transport-security")
        .iter()
        .collect();
    assert_eq!(hsts.len(), 1, "HSTS sent once: {hsts:?}");
    assert!(hsts[0].to_str().unwrap().contains("max-age="), "{hsts:?}");

    // The organizer side through the API (bank upload, sharing, contest).
    let admin = contest_fixture(&app, 30, 1).await;
    assert!(!admin.is_empty());

    // A participant's journey: register, take the paper, submit.
    let (id, token) = register(&app.client, &app.address, "0912000001", false).await;
    assert_eq!(
        recorded_ip(&app, &id).as_deref(),
        Some(CLIENT),
        "the client, from X-Forwarded-For"
    );
    let attempt_id = attempt(&app, &token, 3).await;
    submit(&app, &token, &attempt_id, Some(1)).await;
    let r = app
        .client
        .get(app.url(&format!("/c/{CONTEST}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // What a client says about itself through the proxy is replaced.
    let (forged, _) = register(&app.client, &app.address, "0912000002", true).await;
    assert_eq!(recorded_ip(&app, &forged).as_deref(), Some(CLIENT));

    // Links and QR posters use the public address.
    let poster = page(&app, &format!("/c/{CONTEST}/poster")).await;
    assert!(
        poster.contains(&format!("{}/c/{CONTEST}", p.url)),
        "{poster}"
    );
    let contest_page = page(&app, &format!("/c/{CONTEST}")).await;
    assert!(
        contest_page.contains(&format!("content=\"{}/c/{CONTEST}", p.url)),
        "og:url is the public address"
    );

    // An organizer signs in on the page: https origin accepted, Secure cookie.
    let login = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        303,
        "{}",
        login.text().await.unwrap_or_default()
    );
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(!cookies.is_empty());
    for c in &cookies {
        assert!(c.contains("Secure"), "not Secure over https: {c}");
    }
    let r = app
        .client
        .get(app.url("/admin/contests"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "signed in through the proxy");
    // The same form from the http origin is another site.
    let http_origin = p.url.replacen("https://", "http://", 1);
    let r = client(&p, &http_origin)
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "an http origin passed the same-origin check"
    );

    // Straight to hoithi, bypassing nginx, a forged X-Forwarded-For is not believed.
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_str(&direct).unwrap());
    let around = reqwest::Client::builder()
        .local_address(CLIENT.parse::<IpAddr>().ok())
        .default_headers(headers)
        .build()
        .unwrap();
    let (sneaky, _) = register(&around, &direct, "0912000003", true).await;
    assert_eq!(recorded_ip(&app, &sneaky).as_deref(), Some(CLIENT));
}
