//! The request span. tracing-actix-web's default span computes its fields
//! before it asks whether anyone records them: the matched route (the
//! router's regular expressions run a second time), the connection info
//! (headers parsed, the peer address formatted) and the user agent — ~5 % of
//! the server's CPU in a run of saves, with logs at `warn`. This one has the
//! same fields and computes them only when the span is recorded.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // The field expressions below run only when the span is enabled.
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().as_deref().unwrap_or("default"),
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            http.user_agent = %request
                .headers()
                .get("user-agent")
                .and_then(|h| h.to_str().ok())
                .unwrap_or(""),
            http.target = %request.path(),
            http.status_code = Empty,
            otel.status_code = Empty,
            request_id = %request
                .extensions()
                .get::<RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default(),
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // Recording into a disabled span does nothing; errors are formatted
        // only for an error response, as before.
        if !span.is_disabled() {
            DefaultRootSpanBuilder::on_request_end(span, outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestSpan;
    use actix_web::test::TestRequest;
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use tracing_actix_web::RootSpanBuilder;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(level: tracing::Level) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let req = TestRequest::get()
                .uri("/api/v1/me?x=1")
                .insert_header(("user-agent", "phone/1.0"))
                .peer_addr("203.0.113.7:4000".parse().expect("address"))
                .to_srv_request();
            let span = RequestSpan::on_request_start(&req);
            span.in_scope(|| tracing::warn!("inside"));
        });
        let bytes = out.0.lock().expect("log buffer").clone();
        String::from_utf8(bytes).expect("utf-8 log")
    }

    #[test]
    fn a_recorded_span_carries_the_request_fields() {
        let line = logged(tracing::Level::INFO);
        for field in [
            "http.method=GET",
            "http.route=default",
            "http.client_ip=203.0.113.7",
            "http.user_agent=phone/1.0",
            "http.target=/api/v1/me",
            "request_id=",
        ] {
            assert!(line.contains(field), "{field} missing from {line}");
        }
        // The query string is not logged (it may carry a share token).
        assert!(!line.contains("x=1"), "{line}");
    }

    #[test]
    fn below_its_level_the_event_is_logged_without_the_span() {
        let line = logged(tracing::Level::WARN);
        assert!(line.contains("inside"), "{line}");
        assert!(!line.contains("http.method"), "{line}");
    }
}
