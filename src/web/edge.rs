//! The edge: what every request passes before a handler sees it, and every
//! response gets on its way out.
//!
//! - control characters (NUL and the other C0 controls but tab/CR/LF) in the
//!   path, the query, or a JSON or form body: 400, on both backends alike;
//! - unsafe methods (POST, PUT, PATCH, DELETE) from another origin: 403. A
//!   browser's `Origin` (or `Sec-Fetch-Site`) must name this site; a request
//!   that carries neither may pass only without a session cookie (API
//!   clients with a Bearer token, the command line, load generators);
//! - security headers on every response (CSP, framing, sniffing, referrer).
//!
//! And the client's address, believing forwarded headers only from
//! `HOITHI_TRUSTED_PROXIES`.

use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use ipnet::IpNet;

use crate::auth::{COOKIE_NAME, PARTICIPANT_COOKIE};
use crate::config::PublicUrl;
use crate::error::AppError;

/// What the edge needs from the settings.
#[derive(Clone, Debug, Default)]
pub struct Edge {
    pub public_url: Option<PublicUrl>,
    pub trusted_proxies: Vec<IpNet>,
    /// The origin of absolute links when no public URL is set: the address
    /// the server listens on (`http://localhost:PORT` on a wildcard bind),
    /// never a request's `Host`.
    pub fallback_origin: String,
}

impl Edge {
    /// Cookies are `Secure` when people reach the site over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| u.https)
    }
}

/// A first-party cookie: HttpOnly, SameSite=Lax, path `/`, `Secure` when the
/// public URL is https. `max_age: None` makes the removal cookie.
pub fn cookie(
    req: &HttpRequest,
    name: &'static str,
    value: String,
    max_age: Option<actix_web::cookie::time::Duration>,
) -> actix_web::cookie::Cookie<'static> {
    let secure = req
        .app_data::<web::Data<Edge>>()
        .is_some_and(|e| e.secure_cookies());
    let mut c = actix_web::cookie::Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish();
    match max_age {
        Some(age) => c.set_max_age(age),
        None => c.make_removal(),
    }
    c
}

/// JSON and form bodies are read whole here to be checked, on any path:
/// no more than the largest the app accepts (the API's 256 KB of JSON;
/// pages take 64 KB of form), so an unknown path costs no more than a known one.
const MAX_CHECKED_BODY: usize = 256 * 1024;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn control_char_error(place: &str, place_en: &str) -> AppError {
    AppError::invalid(
        format!("{place} chứa ký tự điều khiển không hợp lệ (ví dụ NUL)."),
        format!("The {place_en} contains a forbidden control character (such as NUL)."),
    )
}

/// C0 controls and DEL, except tab, line feed and carriage return.
pub fn forbidden(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

/// Any control at all (paths and queries have no business with tabs or newlines).
fn forbidden_in_url(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Raw and percent-encoded bytes of a URL part or a form body.
pub fn percent_has(s: &[u8], bad: fn(u8) -> bool) -> bool {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if bad(b) {
            return true;
        }
        if b == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex(s[i + 1]), hex(s[i + 2])) {
                if bad(h * 16 + l) {
                    return true;
                }
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    false
}

/// Raw bytes of a JSON text and its `\uXXXX` escapes.
pub fn json_has_forbidden(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if forbidden(b) {
            return true;
        }
        if b == b'\\' {
            if s.get(i + 1) == Some(&b'u') && i + 5 < s.len() {
                let code = s[i + 2..i + 6]
                    .iter()
                    .try_fold(0u32, |acc, &d| hex(d).map(|v| acc * 16 + v as u32));
                if let Some(c) = code {
                    if c < 0x80 && forbidden(c as u8) {
                        return true;
                    }
                }
                i += 6;
            } else {
                i += 2; // any other escape, including an escaped backslash
            }
            continue;
        }
        i += 1;
    }
    false
}

/// Does `origin` (an `Origin` header) name this site? It must match the
/// public URL's origin, or be the request's own scheme and `Host` (`scheme`
/// is `http` unless a trusted proxy said otherwise: an `https://` origin is
/// another site for a server reached over http).
pub fn same_origin(
    origin: &str,
    host: Option<&str>,
    scheme: &str,
    public: Option<&PublicUrl>,
) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    if public.is_some_and(|p| p.origin == origin) {
        return true;
    }
    let authority = origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"));
    match (authority, host) {
        (Some(a), Some(h)) => !a.is_empty() && a.eq_ignore_ascii_case(h.trim()),
        _ => false,
    }
}

/// Browsers reach this site over https through a proxy that is neither in
/// `HOITHI_TRUSTED_PROXIES` nor named by `HOITHI_PUBLIC_URL`: every form
/// they send is refused as cross-site. Said once in the log, where the
/// operator looks.
fn warn_https_behind_unknown_proxy() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            "a browser sent an https Origin for this host, but the server is reached over plain \
             http and no trusted proxy said https: its forms are refused as cross-site. Set \
             HOITHI_PUBLIC_URL=https://… or add the proxy to HOITHI_TRUSTED_PROXIES"
        );
    }
}

/// Is the request's peer one of the trusted proxies?
fn from_trusted_proxy(req: &HttpRequest) -> bool {
    let trusted = req
        .app_data::<web::Data<Edge>>()
        .map(|e| e.trusted_proxies.as_slice())
        .unwrap_or(&[]);
    req.peer_addr()
        .is_some_and(|a| trusted.iter().any(|n| n.contains(&a.ip())))
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The cross-site rule for one request (see the module comment).
pub fn cross_site_refusal(req: &HttpRequest, public: Option<&PublicUrl>) -> Option<AppError> {
    if !is_unsafe(req.method()) {
        return None;
    }
    let headers = req.headers();
    let text = |h: &HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    if let Some(origin) = text(&header::ORIGIN) {
        let scheme = if from_trusted_proxy(req) {
            req.connection_info().scheme().to_ascii_lowercase()
        } else {
            "http".to_string()
        };
        let host = text(&header::HOST);
        if same_origin(origin, host, &scheme, public) {
            return None;
        }
        if scheme == "http" && same_origin(origin, host, "https", None) {
            warn_https_behind_unknown_proxy();
        }
        return Some(AppError::CrossSite);
    }
    if let Some(site) = text(&HeaderName::from_static("sec-fetch-site")) {
        return (!matches!(site, "same-origin" | "none")).then_some(AppError::CrossSite);
    }
    let bearer = headers.contains_key(header::AUTHORIZATION);
    let session = req.cookie(COOKIE_NAME).is_some() || req.cookie(PARTICIPANT_COOKIE).is_some();
    (session && !bearer).then_some(AppError::CrossSite)
}

/// Checks the URL, the origin and small text bodies before routing. A
/// refusal is a response, not an error, so it passes back through the
/// middleware that adds the security headers, the request id and, on page
/// paths, the HTML error page.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match check(req).await {
        Ok(req) => next.call(req).await.map(|r| r.map_into_left_body()),
        Err((req, e)) => Ok(req.error_response(e).map_into_right_body()),
    }
}

async fn check(mut req: ServiceRequest) -> Result<ServiceRequest, (ServiceRequest, AppError)> {
    let uri = req.uri();
    if percent_has(uri.path().as_bytes(), forbidden_in_url) {
        return Err((req, control_char_error("Đường dẫn", "path")));
    }
    if uri
        .query()
        .is_some_and(|q| percent_has(q.as_bytes(), forbidden_in_url))
    {
        return Err((req, control_char_error("Tham số truy vấn", "query")));
    }
    let public = req
        .app_data::<web::Data<Edge>>()
        .and_then(|e| e.public_url.clone());
    if let Some(e) = cross_site_refusal(req.request(), public.as_ref()) {
        return Err((req, e));
    }
    let kind = body_kind(req.headers());
    if kind != BodyKind::Other {
        let bytes = match read_body(&mut req).await {
            Ok(b) => b,
            Err(e) => return Err((req, e)),
        };
        let bad = match kind {
            BodyKind::Json => json_has_forbidden(&bytes),
            BodyKind::Form => percent_has(&bytes, forbidden),
            BodyKind::Other => false,
        };
        if bad {
            return Err((req, control_char_error("Dữ liệu gửi lên", "request body")));
        }
        req.set_payload(actix_web::dev::Payload::from(bytes));
    }
    Ok(req)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_CHECKED_BODY) {
        return Err(AppError::TooLarge {
            limit: MAX_CHECKED_BODY as u64,
        });
    }
    let mut payload = req.take_payload();
    // Sized once from the declared length: growing by doubling held up to
    // twice the body for every connection still sending one.
    let mut out = web::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::invalid(
                "Không đọc được dữ liệu gửi lên.",
                format!("Cannot read the request body: {e}"),
            )
        })?;
        if out.len() + chunk.len() > MAX_CHECKED_BODY {
            return Err(AppError::TooLarge {
                limit: MAX_CHECKED_BODY as u64,
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// The path with repeated slashes merged and a trailing slash trimmed
/// (`/c//x/` → `/c/x`), or None when it is already so — the common case,
/// decided without allocating.
pub fn normalized_path(path: &str) -> Option<String> {
    let clean = !path.contains("//") && (path.len() <= 1 || !path.ends_with('/'));
    if clean {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for part in path.split('/').filter(|p| !p.is_empty()) {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// Routes `/c/x/` and `/c//x` as `/c/x`, like actix's `NormalizePath` but
/// without a regular expression on every request (it was 2–14 % of the
/// server's CPU under load).
pub async fn trim_path(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(path) = normalized_path(req.path()) {
        let uri = req.uri().clone();
        let with_query = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = uri.into_parts();
        if let Ok(pq) = with_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = actix_web::http::Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    next.call(req).await
}

/// Adds the security headers to every response (unless a handler set its own).
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<Edge>>()
        .is_some_and(|e| e.secure_cookies());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    // Checked once: `from_static` validates every byte when called at run
    // time (the policy alone was ~2,000 instructions per response).
    static VALUES: LazyLock<[HeaderValue; 5]> = LazyLock::new(|| {
        [
            CONTENT_SECURITY_POLICY,
            "DENY",
            "nosniff",
            "same-origin",
            "max-age=15552000",
        ]
        .map(HeaderValue::from_static)
    });
    let names = [
        header::CONTENT_SECURITY_POLICY,
        header::X_FRAME_OPTIONS,
        header::X_CONTENT_TYPE_OPTIONS,
        header::REFERRER_POLICY,
        header::STRICT_TRANSPORT_SECURITY,
    ];
    let count = if https { 5 } else { 4 };
    for (name, value) in names.into_iter().zip(VALUES.iter()).take(count) {
        if !h.contains_key(&name) {
            h.insert(name, value.clone());
        }
    }
    Ok(res)
}

/// The client's address: the peer, unless the peer is a trusted proxy; then
/// the right-most address in `X-Forwarded-For` (or `Forwarded: for=`) that is
/// not itself a trusted proxy.
pub fn client_ip_from(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut hops: Vec<&str> = Vec::new();
    for v in headers.get_all("x-forwarded-for") {
        if let Ok(s) = v.to_str() {
            hops.extend(s.split(','));
        }
    }
    if hops.is_empty() {
        for v in headers.get_all(header::FORWARDED) {
            if let Ok(s) = v.to_str() {
                for element in s.split(',') {
                    for pair in element.split(';') {
                        let (k, v) = pair.split_once('=').unwrap_or(("", ""));
                        if k.trim().eq_ignore_ascii_case("for") {
                            hops.push(v);
                        }
                    }
                }
            }
        }
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            None => break, // garbage: believe nothing further left
        }
    }
    Some(client)
}

/// `203.0.113.7`, `203.0.113.7:5000`, `2001:db8::1`, `[2001:db8::1]:443`,
/// `"[2001:db8::1]"` (the quoted form of `Forwarded`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = hop.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

/// The site's own origin for absolute links (shares, QR posters):
/// `HOITHI_PUBLIC_URL` when set, else the address the server listens on.
/// Never the request's `Host` or a forwarded host: a link must not be
/// pointed away by whoever sends the request.
pub fn site_origin(req: &HttpRequest) -> String {
    match req.app_data::<web::Data<Edge>>() {
        Some(e) => match &e.public_url {
            Some(u) => u.origin.clone(),
            None => e.fallback_origin.clone(),
        },
        None => "http://localhost".to_string(),
    }
}

/// The origin of links when no public URL is set, from the listening address.
pub fn fallback_origin(local: SocketAddr) -> String {
    if local.ip().is_unspecified() {
        format!("http://localhost:{}", local.port())
    } else {
        format!("http://{local}")
    }
}

/// The client's address for a request, by the app's proxy settings.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req
        .app_data::<web::Data<Edge>>()
        .map(|e| e.trusted_proxies.as_slice())
        .unwrap_or(&[]);
    client_ip_from(req.peer_addr().map(|a| a.ip()), req.headers(), trusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_controls_are_found_raw_percent_encoded_and_json_escaped() {
        assert!(percent_has(b"/api/v1/contests/dv%00c", forbidden_in_url));
        assert!(percent_has(b"a=1%0d", forbidden_in_url));
        assert!(!percent_has(b"/c/dvc-2023%20x%", forbidden_in_url));
        assert!(percent_has(b"name=A%00B", forbidden));
        assert!(!percent_has(b"notes=line%0Aline", forbidden));
        assert!(json_has_forbidden(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_forbidden(br#"{"a":"\u001B"}"#));
        assert!(!json_has_forbidden(br#"{"a":"\\u0000 is text"}"#));
        assert!(!json_has_forbidden(br#"{"a":"tab\tnew\nline \u00e0"}"#));
    }

    #[test]
    fn only_this_sites_origin_is_same_origin() {
        let public = PublicUrl::parse("https://hoithi.example.vn").unwrap();
        let host = Some("127.0.0.1:8080");
        assert!(same_origin("http://127.0.0.1:8080", host, "http", None));
        // The right host with another scheme is another origin.
        assert!(!same_origin("https://127.0.0.1:8080", host, "http", None));
        assert!(same_origin("https://127.0.0.1:8080", host, "https", None));
        assert!(same_origin(
            "https://hoithi.example.vn",
            Some("10.0.0.5:8080"),
            "http",
            Some(&public)
        ));
        assert!(!same_origin("https://evil.example", host, "http", None));
        assert!(!same_origin(
            "https://a.hoithi.example.vn",
            Some("hoithi.example.vn"),
            "https",
            Some(&public)
        ));
        assert!(!same_origin("null", host, "http", None));
        assert!(!same_origin("http://", Some(""), "http", None));
        assert!(!same_origin("httpx://127.0.0.1:8080", host, "http", None));
    }

    fn hdrs(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarded_headers_are_believed_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = crate::config::parse_proxies("10.0.0.0/8").unwrap();
        let xff = hdrs(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9")]);
        // From an untrusted peer: the peer, whatever it claims.
        assert_eq!(
            client_ip_from(Some(ip("203.0.113.5")), &xff, &proxies),
            Some(ip("203.0.113.5"))
        );
        // From the proxy: the right-most untrusted hop, not the spoofable left one.
        assert_eq!(
            client_ip_from(Some(ip("10.0.0.2")), &xff, &proxies),
            Some(ip("198.51.100.9"))
        );
        let v6 = hdrs(&[("x-forwarded-for", "[2001:db8::7]:443")]);
        assert_eq!(
            client_ip_from(Some(ip("10.0.0.2")), &v6, &proxies),
            Some(ip("2001:db8::7"))
        );
        let fwd = hdrs(&[("forwarded", "for=\"[2001:db8::9]\";proto=https")]);
        assert_eq!(
            client_ip_from(Some(ip("10.0.0.2")), &fwd, &proxies),
            Some(ip("2001:db8::9"))
        );
        // No proxies configured: headers are ignored.
        assert_eq!(
            client_ip_from(Some(ip("10.0.0.2")), &xff, &[]),
            Some(ip("10.0.0.2"))
        );
        // IPv6 peers keep their whole address.
        assert_eq!(
            client_ip_from(Some(ip("2001:db8::1")), &HeaderMap::new(), &[]),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn links_without_a_public_url_use_the_listening_address() {
        let sa = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            fallback_origin(sa("127.0.0.1:8080")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(fallback_origin(sa("0.0.0.0:8080")), "http://localhost:8080");
        assert_eq!(fallback_origin(sa("[::1]:8080")), "http://[::1]:8080");
    }

    #[test]
    fn paths_are_trimmed_and_merged_only_when_needed() {
        assert_eq!(normalized_path("/"), None);
        assert_eq!(normalized_path("/api/v1/contests/x"), None);
        assert_eq!(
            normalized_path("/api/v1/contests/x/"),
            Some("/api/v1/contests/x".into())
        );
        assert_eq!(normalized_path("//c///x//"), Some("/c/x".into()));
        assert_eq!(normalized_path("//"), Some("/".into()));
    }
}
