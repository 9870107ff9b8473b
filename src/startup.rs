//! Builds the application: database, secret, listener and the actix server.
//! The same factory serves `hoithi serve` and the integration tests (port 0).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::{generate_secret, AppState, Keys};
use crate::config::Settings;
use crate::db::{settings as stored, Db};
use crate::error::AppError;
use crate::service::state::{Clock, SystemClock};
use crate::service::versions::VersionCache;
use crate::web::{html_errors, not_found, routes};

pub const JWT_SECRET_KEY: &str = "jwt_secret";
pub const PEPPER_KEY: &str = "identity_pepper";

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects (running migrations), loads or creates the JWT secret, binds.
    pub async fn build(settings: Settings) -> Result<Application, AppError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// The same, with an injected clock (tests move time without sleeping).
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, AppError> {
        let url = settings.database_url.clone();
        let options = settings.db.clone();
        let is_sqlite = url.is_sqlite();
        let mut db = web::block(move || Db::connect_waiting(&url, &options)).await??;
        db.start_group_commit(is_sqlite)?;
        let secret = match settings.jwt_secret.clone() {
            Some(s) => s,
            None => {
                db.read(|c| stored::get_or_insert(c, JWT_SECRET_KEY, generate_secret))
                    .await?
            }
        };
        let pepper = db
            .read(|c| stored::get_or_insert(c, PEPPER_KEY, generate_secret))
            .await?;
        let state = AppState {
            db: db.clone(),
            keys: Keys::with_clock(secret.as_bytes(), clock.clone()),
            token_hours: settings.token_hours,
            clock,
            versions: Arc::new(VersionCache::default()),
            pepper: Arc::new(pepper.into_bytes()),
            otp: otp_sender(&settings)?,
            answers: crate::service::answer_writer::AnswerWriter::start(db.clone()),
            open_attempts: Arc::default(),
            overall: Arc::default(),
            boards: Arc::default(),
            uploads: Arc::new(crate::service::gate::WorkGate::for_uploads()),
            otp_hourly_budget: settings.otp_hourly_budget,
            revoked: Arc::default(),
            backups: Arc::default(),
            media: Arc::default(),
        };
        state.revoked.refresh(&state.db, state.now()).await?;
        tokio::spawn(refresh_revoked(state.clone()));
        match (&settings.backup, is_sqlite) {
            (Some(schedule), true) => {
                tokio::spawn(crate::service::backup::run_schedule(
                    settings.database_url.clone(),
                    schedule.clone(),
                    state.backups.clone(),
                ));
            }
            (Some(_), false) => tracing::warn!(
                "HOITHI_BACKUP_DIR is ignored on PostgreSQL: back it up with pg_dump (see the README)"
            ),
            (None, _) => {}
        }
        if settings.sweep_seconds > 0 {
            tokio::spawn(sweep_expired(state.clone(), settings.sweep_seconds));
        }
        let listener = TcpListener::bind(&settings.bind).map_err(|e| {
            AppError::Config(format!(
                "cannot listen on {} (HOITHI_BIND): {e}",
                settings.bind
            ))
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let port = local.port();
        if settings.public_url.is_none() && !local.ip().is_loopback() {
            tracing::warn!(
                bind = %local,
                "HOITHI_PUBLIC_URL is not set while listening beyond this machine: links in shares, \
                 QR posters and results point to {}; set HOITHI_PUBLIC_URL to the address people use",
                crate::web::edge::fallback_origin(local)
            );
        }
        let max_connections = connection_cap(raise_open_files_limit(), settings.max_connections);
        let edge = crate::web::edge::Edge {
            public_url: settings.public_url.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            fallback_origin: crate::web::edge::fallback_origin(local),
        };
        let limits = crate::web::limits::IpLimits::new(settings.rate_limits);
        let connections = crate::web::connections::Connections::new(
            settings.connections_per_address,
            settings.rate_limits,
            settings.trusted_proxies.clone(),
        );
        let server = run(
            listener,
            state.clone(),
            edge,
            limits,
            (max_connections, connections),
        )?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM/SIGINT, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Raises the soft limit on open files to the hard limit (a busy contest
/// holds thousands of connections; the usual soft default is 1,024) and
/// returns the limit in force.
pub fn raise_open_files_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => {
            tracing::info!(open_files = n, "open files limit");
            n
        }
        Err(e) => {
            let n = rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(1024);
            tracing::warn!(error = %e, open_files = n, "cannot raise the open files limit");
            n
        }
    }
}

/// Connections each worker accepts: the open-files limit less a reserve for
/// database connections, files and the listener, shared by the workers, so
/// the process sheds load by not accepting instead of failing to open files;
/// fewer when `HOITHI_MAX_CONNECTIONS` says so (each open connection holds
/// its buffers: memory is capped by capping connections).
pub fn connection_cap(open_files: u64, configured: Option<u64>) -> usize {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get() as u64)
        .unwrap_or(1);
    let reserve = 256u64;
    let by_files = open_files.saturating_sub(reserve);
    let total = configured.map_or(by_files, |c| c.min(by_files));
    (total / workers).clamp(32, 25_000) as usize
}

fn run(
    listener: TcpListener,
    state: AppState,
    edge: crate::web::edge::Edge,
    limits: crate::web::limits::IpLimits,
    (max_connections, connections): (usize, Arc<crate::web::connections::Connections>),
) -> Result<Server, AppError> {
    let data = web::Data::new(state);
    // What only the web layer needs lives beside the application state.
    let bodies = web::Data::new(std::sync::Arc::new(crate::web::body::Bodies::new(
        crate::web::body::BodyRules::new(limits.enabled()),
    )));
    let (edge, limits) = (web::Data::new(edge), web::Data::new(limits));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(edge.clone())
            .app_data(limits.clone())
            .app_data(bodies.clone())
            .wrap(from_fn(crate::web::edge::guard))
            .wrap(from_fn(crate::web::body::guard_bodies))
            .wrap(from_fn(html_errors))
            .wrap(from_fn(crate::web::edge::headers))
            .wrap(from_fn(crate::web::edge::trim_path))
            .wrap(from_fn(request_id_header))
            // gzip, brotli or zstd as the client accepts: a paper page and
            // its assets are a third of their size on a phone's connection.
            .wrap(actix_web::middleware::Compress::default())
            .wrap(TracingLogger::<crate::web::trace::RequestSpan>::new())
            .wrap(from_fn(crate::web::body::close_unread))
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .shutdown_timeout(30)
    // Phones on 3G can be slow to send a request; actix's 5 s default
    // answered 408 under load.
    .client_request_timeout(Duration::from_secs(30))
    .max_connections(max_connections)
    // Counted before a byte is read: what actix buffers per connection is
    // spent before any middleware could refuse it.
    .on_connect(move |io, ext| connections.on_connect(io, ext))
    .listen(listener)
    .map_err(|e| AppError::Internal(format!("cannot start the server: {e}")))?
    .run();
    Ok(server)
}

/// Echoes the request id the tracing span uses as `x-request-id`.
async fn request_id_header(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if res.status().is_client_error() {
        let code = res
            .response()
            .error()
            .and_then(|e| e.as_error::<crate::error::AppError>())
            .map(|e| e.code())
            .unwrap_or("client_error");
        tracing::info!(status = res.status().as_u16(), code, "request refused");
    }
    if let Some(id) = id {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&id.to_string()) {
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("x-request-id"),
                v,
            );
        }
    }
    Ok(res)
}

/// Keeps this instance's copy of revoked participant sessions fresh, and
/// every 10 minutes deletes expired sessions and forgotten sign-in counters.
async fn refresh_revoked(state: AppState) {
    let every = Duration::from_secs(crate::service::sessions::REFRESH_SECONDS);
    let housekeeping_every = 600 / crate::service::sessions::REFRESH_SECONDS;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for n in 0u64.. {
        tick.tick().await;
        if let Err(e) = state.revoked.refresh(&state.db, state.now()).await {
            tracing::warn!(error = %e, "refreshing revoked sessions failed");
        }
        if n % housekeeping_every == housekeeping_every - 1 {
            let now = state.now();
            let forgotten = state
                .db
                .write(move |c| {
                    Ok(crate::service::sessions::forget_expired(c, now)?
                        + crate::service::throttle::forget_quiet(c, now)?)
                })
                .await;
            match forgotten {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "forgot expired sessions and sign-in counters"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    }
}

/// Finishes attempts left open past their deadline, every `seconds`. Safe
/// with several instances: each attempt is finished by one conditional update.
async fn sweep_expired(state: AppState, seconds: u64) {
    let mut tick = tokio::time::interval(Duration::from_secs(seconds));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        state.open_attempts.prune(state.now());
        match crate::service::attempts::finish_expired(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(finished = n, "finished expired attempts"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired attempts failed"),
        }
    }
}

fn otp_sender(settings: &Settings) -> Result<Arc<dyn crate::service::otp::OtpSender>, AppError> {
    use crate::service::otp::{LogSender, WebhookSender};
    Ok(match &settings.otp_webhook_url {
        Some(url) => Arc::new(WebhookSender {
            url: url.clone(),
            token: settings.otp_webhook_token.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| {
                    AppError::Config(format!(
                        "cannot build the HTTP client for HOITHI_OTP_WEBHOOK_URL: {e}"
                    ))
                })?,
        }),
        None => Arc::new(LogSender),
    })
}

#[cfg(test)]
mod connection_tests {
    use super::connection_cap;

    #[test]
    fn the_configured_maximum_caps_the_connections_the_files_allow() {
        let by_files = connection_cap(100_000, None);
        let capped = connection_cap(100_000, Some(2_000));
        assert!(capped < by_files);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(capped * workers <= 2_000.max(32 * workers));
        assert_eq!(
            connection_cap(1_000, Some(50_000)),
            connection_cap(1_000, None),
            "never above the files"
        );
    }
}
