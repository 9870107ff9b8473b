//! Builds the application: database, secret, listener and the actix server.
//! The same factory serves `hoithi serve` and the integration tests (port 0).

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, NormalizePath, TrailingSlash};
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::{generate_secret, AuthState, Keys};
use crate::config::Settings;
use crate::db::{settings as stored, Db};
use crate::error::AppError;
use crate::web::{html_errors, not_found, routes};

pub const JWT_SECRET_KEY: &str = "jwt_secret";

pub struct Application {
    port: u16,
    server: Server,
    state: AuthState,
}

impl Application {
    /// Connects (running migrations), loads or creates the JWT secret, binds.
    pub async fn build(settings: Settings) -> Result<Application, AppError> {
        let url = settings.database_url.clone();
        let pool_size = settings.pool_size;
        let db = web::block(move || Db::connect(&url, pool_size)).await??;
        let secret = match settings.jwt_secret.clone() {
            Some(s) => s,
            None => {
                db.read(|c| stored::get_or_insert(c, JWT_SECRET_KEY, generate_secret))
                    .await?
            }
        };
        let state = AuthState {
            db,
            keys: Keys::new(secret.as_bytes()),
            token_hours: settings.token_hours,
        };
        let listener = TcpListener::bind(&settings.bind).map_err(|e| {
            AppError::Config(format!(
                "cannot listen on {} (HOITHI_BIND): {e}",
                settings.bind
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .port();
        let server = run(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AuthState {
        &self.state
    }

    /// Serves until SIGTERM/SIGINT, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, state: AuthState) -> Result<Server, AppError> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(html_errors))
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .wrap(from_fn(request_id_header))
            .wrap(TracingLogger::default())
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .shutdown_timeout(30)
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
