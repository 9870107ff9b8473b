//! Database access: one connection enum over SQLite and PostgreSQL, a pool,
//! embedded per-backend migrations, and one module per aggregate.
//!
//! All diesel calls go through [`Db::read`] or [`Db::write`], which run the
//! closure on actix's blocking thread pool (`web::block`) with one pooled
//! connection that is never held across an `.await`.
//!
//! On SQLite all writes go through a pool of exactly one connection (the
//! "single writer"), so write transactions never race each other for the
//! database lock and never fail with "database is locked"; readers use the
//! WAL and are not blocked. On PostgreSQL reads and writes share one pool.

pub mod access;
pub mod accounts;
pub mod activities;
pub mod attempts;
pub mod backup;
pub mod banks;
pub mod contests;
pub mod group;
pub mod json;
pub mod media;
pub mod otp;
pub mod participants;
pub mod prepared;
pub mod prizes;
pub mod results;
pub mod review;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod unit_stats;
pub mod units;
pub mod workers;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{DatabaseUrl, DbOptions};
use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to either backend. The variant is chosen by the URL scheme
/// (see [`Manager::connect`]); the derived `establish` is never used, because it
/// hides the real PostgreSQL error behind "Invalid connection url".
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConn {
    /// Opens one connection, applying the SQLite pragmas where needed.
    pub fn open(url: &DatabaseUrl) -> Result<DbConn, diesel::ConnectionError> {
        match url {
            DatabaseUrl::Postgres(u) => PgConnection::establish(u).map(DbConn::Postgres),
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent() {
                    if !parent.as_os_str().is_empty() && !parent.is_dir() {
                        return Err(diesel::ConnectionError::BadConnection(format!(
                            "the folder {} does not exist; refusing to create a new SQLite file there (check HOITHI_DATABASE_URL)",
                            parent.display()
                        )));
                    }
                }
                let path_str = path.to_str().ok_or_else(|| {
                    diesel::ConnectionError::BadConnection(
                        "the SQLite path is not valid UTF-8".into(),
                    )
                })?;
                private_file(path).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!(
                        "cannot make {} private to its owner: {e}",
                        path.display()
                    ))
                })?;
                let mut c = SqliteConnection::establish(path_str)?;
                c.batch_execute(
                    "PRAGMA busy_timeout = 15000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbConn::Sqlite(_))
    }
}

/// Makes a SQLite database file readable by its owner only (0600), creating
/// it so if it does not exist yet, and its `-wal` and `-shm` files too when
/// they exist (SQLite creates them with the database file's mode). The file
/// holds personal data and the token-signing secret; under the usual umask
/// 022 it would be created world-readable.
///
/// An existing file is never opened here, only `chmod`ed by its path:
/// closing a descriptor of a database file drops every POSIX lock this
/// process holds on it, including SQLite's own, and a connection would then
/// read a stale snapshot.
pub fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if path.as_os_str() == ":memory:" {
            return Ok(());
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(path, private.clone())?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = path.as_os_str().to_os_string();
            side.push(suffix);
            match std::fs::set_permissions(&side, private.clone()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A pooled connection with what the pool needs to heal: whether its last
/// use ended in an error, and when it last answered.
pub struct Pooled {
    conn: DbConn,
    /// The last use failed: check the connection before anyone reuses it.
    suspect: bool,
    /// When the connection last answered (a use without error, or a check).
    fresh_at: Instant,
    /// Bumped by any connection of the pool that fails: a failure on one
    /// connection (a restart, a failover) makes the others suspect too, so
    /// each is checked once before it is lent again.
    failures: Arc<AtomicU64>,
    /// The value of `failures` when this connection last answered.
    seen: u64,
}

impl Pooled {
    /// The last use failed: this connection and its siblings get checked.
    fn failed(&mut self) {
        self.suspect = true;
        self.failures.fetch_add(1, Ordering::AcqRel);
    }

    /// The connection just answered.
    fn answered(&mut self) {
        self.suspect = false;
        self.fresh_at = Instant::now();
        self.seen = self.failures.load(Ordering::Acquire);
    }

    fn trusted(&self) -> bool {
        !self.suspect
            && self.fresh_at.elapsed() < FRESH_FOR
            && self.seen == self.failures.load(Ordering::Acquire)
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// A readiness answer and when it was found.
type Readiness = (Instant, Result<(), String>);

/// How long one readiness answer is reused.
const READINESS_FOR: Duration = Duration::from_secs(1);
/// How long a readiness check waits for a connection: a balancer polling
/// `/readyz` learns of an outage within about a second, not three.
const READINESS_WAIT: Duration = Duration::from_secs(1);

/// The longest pause between two attempts to reconnect after a failure.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

/// A connection that answered this recently is lent out without a check.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// r2d2 manager that dispatches on the URL scheme, sets the PostgreSQL
/// timeouts on every new connection, and never lends out or takes back a
/// connection that has failed.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    options: DbOptions,
    failures: Arc<AtomicU64>,
}

impl Manager {
    /// `url` with the PostgreSQL connect defaults added once.
    fn new(url: &DatabaseUrl, options: &DbOptions) -> Manager {
        let url = match url {
            DatabaseUrl::Postgres(u) => DatabaseUrl::Postgres(with_connect_defaults(u)),
            other => other.clone(),
        };
        Manager {
            url,
            options: options.clone(),
            failures: Arc::default(),
        }
    }

    fn open(&self) -> Result<DbConn, diesel::ConnectionError> {
        let mut conn = DbConn::open(&self.url)?;
        if let DbConn::Postgres(c) = &mut conn {
            c.batch_execute(&format!(
                "SET statement_timeout = {}; SET lock_timeout = {}; \
                 SET idle_in_transaction_session_timeout = 60000",
                self.options.statement_timeout_ms, self.options.lock_timeout_ms
            ))
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        }
        Ok(conn)
    }
}

/// Adds a connect timeout and an application name to a PostgreSQL URL that
/// does not set them, so an unreachable server fails fast and an operator can
/// find hoithi's connections in `pg_stat_activity`.
fn with_connect_defaults(url: &str) -> String {
    let mut out = url.to_string();
    for (key, value) in [("connect_timeout", "5"), ("application_name", "hoithi")] {
        if !out.contains(&format!("{key}=")) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    }
    out
}

fn transaction_broken(conn: &mut DbConn) -> bool {
    use diesel::r2d2::R2D2Connection;
    match conn {
        DbConn::Postgres(c) => c.is_broken(),
        DbConn::Sqlite(c) => c.is_broken(),
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        let conn = self.open().map_err(diesel::r2d2::Error::ConnectionError)?;
        Ok(Pooled {
            conn,
            suspect: false,
            fresh_at: Instant::now(),
            failures: self.failures.clone(),
            seen: self.failures.load(Ordering::Acquire),
        })
    }

    /// On check-out: a connection that answered a moment ago is trusted
    /// (no round trip on the hot path); an idle or suspect one must answer
    /// `SELECT 1`, or the pool drops it and opens another.
    fn is_valid(&self, c: &mut Pooled) -> Result<(), Self::Error> {
        if c.trusted() {
            return Ok(());
        }
        c.conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)?;
        c.answered();
        Ok(())
    }

    /// On return: a connection whose transaction state is broken, or whose
    /// last use failed and which no longer answers, is dropped.
    fn has_broken(&self, c: &mut Pooled) -> bool {
        if std::thread::panicking() || transaction_broken(&mut c.conn) {
            return true;
        }
        if c.suspect {
            if c.conn.batch_execute("SELECT 1").is_err() {
                return true;
            }
            c.answered();
        }
        false
    }
}

pub type Conn = PooledConnection<Manager>;

/// Runs `f` on a pooled connection; an error marks the connection suspect,
/// so it is checked before the pool lends it again.
fn on<T>(
    conn: &mut Pooled,
    f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let out = f(&mut conn.conn);
    match &out {
        Ok(_) => conn.answered(),
        Err(AppError::Unavailable(_) | AppError::Database(_)) => conn.failed(),
        Err(_) => {}
    }
    out
}

fn closed(_: tokio::sync::AcquireError) -> AppError {
    AppError::Unavailable("the database gate is closed".into())
}

/// Whether writes reach the disk: set by every write path, read by
/// `/readyz`. A write that fails for the database's sake (full disk,
/// read-only file, lost connection) marks writes as failing until a later
/// write succeeds and no other has failed for a second: under a partial
/// failure (a full disk takes updates in place but no new rows) the answer
/// stays "failing" instead of flapping with every request.
#[derive(Default)]
pub struct WriteHealth {
    /// Whether a fault is remembered: a write that succeeds while none is
    /// (the usual case, every write) costs one atomic load, no lock.
    faulty: AtomicBool,
    state: Mutex<HealthState>,
}

#[derive(Default)]
struct HealthState {
    last_fault: Option<(Instant, String)>,
    last_success: Option<Instant>,
}

/// How long one failed write keeps the database marked as failing writes.
const FAULT_MEMORY: Duration = Duration::from_secs(1);

impl WriteHealth {
    /// Records the outcome of one write.
    pub fn record<T>(&self, outcome: &Result<T, AppError>) {
        match outcome {
            Ok(_) => self.succeeded(),
            Err(AppError::Unavailable(why)) => self.failed(why),
            Err(_) => {}
        }
    }

    pub fn succeeded(&self) {
        if !self.faulty.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut s) = self.state.lock() {
            s.last_success = Some(Instant::now());
            if let Some((at, _)) = &s.last_fault {
                if at.elapsed() >= FAULT_MEMORY {
                    tracing::info!("database writes succeed again");
                    s.last_fault = None;
                    self.faulty.store(false, Ordering::Release);
                }
            }
        }
    }

    pub fn failed(&self, why: &str) {
        self.faulty.store(true, Ordering::Release);
        if let Ok(mut s) = self.state.lock() {
            if s.last_fault.is_none() {
                tracing::warn!(reason = why, "database writes are failing");
            }
            s.last_fault = Some((Instant::now(), why.to_string()));
        }
    }

    /// Why writes are failing: the last write failed, or one failed within
    /// the last second.
    pub fn failure(&self) -> Option<String> {
        if !self.faulty.load(Ordering::Acquire) {
            return None;
        }
        let s = self.state.lock().ok()?;
        let (at, why) = s.last_fault.as_ref()?;
        let failed_last = s.last_success.is_none_or(|ok| ok < *at);
        (failed_last || at.elapsed() < FAULT_MEMORY).then(|| why.clone())
    }
}

/// The application's handle on the database. Cheap to clone.
///
/// Reads (and on PostgreSQL writes) are queued for as many threads as the
/// pool has connections ([`workers`]), so under a burst requests wait in one
/// FIFO queue rather than as hundreds of blocking threads parked on the
/// pool. Waits are bounded by `DbOptions::wait`: past it, the request gets
/// 503.
#[derive(Clone)]
pub struct Db {
    read: Pool<Manager>,
    write: Pool<Manager>,
    /// The threads that run reads; on PostgreSQL also the writes (one pool).
    workers: Arc<workers::Workers>,
    write_gate: Arc<Semaphore>,
    wait: Duration,
    url: DatabaseUrl,
    health: Arc<WriteHealth>,
    /// The last readiness answer and when it was found: `/readyz` is public,
    /// so a flood of it costs one check a second, not a connection each.
    readiness: Arc<tokio::sync::Mutex<Option<Readiness>>>,
    /// SQLite in a server: every write goes through group commit.
    group: Option<group::GroupWriter>,
}

/// Takes a permit within `wait`, or says the database is too busy. The
/// caller drops it inside its blocking closure, with the connection, not
/// when it is polled again (see [`workers`] for why that wait matters).
async fn enter(gate: &Arc<Semaphore>, wait: Duration) -> Result<OwnedSemaphorePermit, AppError> {
    match tokio::time::timeout(wait, gate.clone().acquire_owned()).await {
        Ok(permit) => permit.map_err(closed),
        Err(_) => Err(AppError::Unavailable(format!(
            "no database connection became free within {} ms",
            wait.as_millis()
        ))),
    }
}

impl Db {
    /// Connects with default options, applies pending migrations, and
    /// returns the pools (the CLI and tests).
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Db, AppError> {
        Self::connect_with(
            url,
            &DbOptions {
                pool_size,
                ..DbOptions::default()
            },
        )
    }

    /// Connects and migrates; on PostgreSQL keeps trying with a growing pause
    /// for up to `startup_wait`, so an instance started before its database
    /// comes up by itself.
    pub fn connect_waiting(url: &DatabaseUrl, options: &DbOptions) -> Result<Db, AppError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(250);
        let mut tries = 1u32;
        loop {
            let attempt = Self::connect_with(url, options);
            match attempt {
                Err(AppError::Unavailable(why))
                    if !url.is_sqlite() && started.elapsed() + pause <= options.startup_wait =>
                {
                    tracing::warn!(
                        database = %url,
                        attempt = tries,
                        retry_in_s = pause.as_secs_f64(),
                        reason = %why,
                        "cơ sở dữ liệu chưa sẵn sàng, thử lại / the database is not reachable yet; retrying"
                    );
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(5));
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// Connects once with `options`, applies pending migrations, and returns the pools.
    pub fn connect_with(url: &DatabaseUrl, options: &DbOptions) -> Result<Db, AppError> {
        let manager = Manager::new(url, options);
        // One plain connection first: it fails at once with the real reason,
        // where the pool would retry for its whole timeout.
        manager.open().map_err(|e| match url {
            DatabaseUrl::Sqlite(_) => AppError::Config(format!("cannot open {url}: {e}")),
            DatabaseUrl::Postgres(_) => {
                AppError::Unavailable(format!("cannot connect to {url}: {e}"))
            }
        })?;
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // r2d2 retries a failed connect with a pause that doubles up to
                // half of this; kept short so an instance reconnects within a
                // second of the database coming back. Callers wait up to
                // `options.wait` through `get_timeout`.
                .connection_timeout(RECONNECT_PAUSE * 2)
                .test_on_check_out(true)
                .build_unchecked(manager.clone())
        };
        let size = options.pool_size.max(2);
        let read = build(size);
        // On PostgreSQL one pool: reads and writes share its connections
        // and threads.
        let write = if url.is_sqlite() {
            build(1)
        } else {
            read.clone()
        };
        // Turns at the one SQLite writer (group commit, the answer writer,
        // writes outside a server); on PostgreSQL writes go to the workers
        // and only the answer writer's thread takes it.
        let write_gate = Arc::new(Semaphore::new(1));
        let db = Db {
            read,
            write,
            workers: Arc::new(workers::Workers::new("db-worker", size as usize)),
            write_gate,
            wait: options.wait,
            url: url.clone(),
            health: Arc::default(),
            readiness: Arc::default(),
            group: None,
        };
        {
            let mut conn = db
                .write
                .get_timeout(options.wait)
                .map_err(|e| AppError::Unavailable(format!("cannot connect to {url}: {e}")))?;
            run_migrations(&mut conn)?;
        }
        Ok(db)
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Whether the last writes succeeded (for `/readyz` and the writers).
    pub fn write_health(&self) -> &Arc<WriteHealth> {
        &self.health
    }

    /// Runs `f` with a read connection on the next free database thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.read.clone();
        self.workers
            .run(self.wait, move |left| {
                let mut conn = pool.get_timeout(left)?;
                on(&mut conn, f)
            })
            .await
    }

    /// On SQLite, sends every later `write` through one group-commit thread
    /// (see [`group`]); call once, from within the server's runtime.
    pub fn start_group_commit(&mut self, is_sqlite: bool) -> Result<(), AppError> {
        if is_sqlite && self.group.is_none() {
            self.group = Some(group::GroupWriter::start(
                self.write.clone(),
                self.write_gate.clone(),
                self.health.clone(),
                self.wait,
                tokio::runtime::Handle::current(),
            )?);
        }
        Ok(())
    }

    /// Runs `f` inside one write transaction (on SQLite in a server: in the
    /// next group-commit batch, under a savepoint of its own).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        if let Some(g) = &self.group {
            return g.write(f).await;
        }
        if !self.url.is_sqlite() {
            let (pool, health) = (self.write.clone(), self.health.clone());
            return self
                .workers
                .run(self.wait, move |left| {
                    let out = pool
                        .get_timeout(left)
                        .map_err(AppError::from)
                        .and_then(|mut conn| on(&mut conn, |c| c.transaction(f)));
                    health.record(&out);
                    out
                })
                .await;
        }
        // SQLite outside a server (no group commit): one writer at a time.
        let started = Instant::now();
        let permit = enter(&self.write_gate, self.wait).await?;
        let pool = self.write.clone();
        let health = self.health.clone();
        let left = self
            .wait
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(10));
        web::block(move || {
            let out = pool
                .get_timeout(left)
                .map_err(AppError::from)
                .and_then(|mut conn| on(&mut conn, |c| c.transaction(f)));
            drop(permit);
            health.record(&out);
            out
        })
        .await?
    }

    /// Synchronous variants for the CLI (no actix runtime needed).
    pub fn read_now<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.read.get_timeout(self.wait)?;
        on(&mut conn, f)
    }

    /// `write_now` for a plain thread of the server (the answer writer): it
    /// first waits its turn at the write gate, like every async writer, so
    /// batches and single writes are served in arrival order.
    pub fn write_in_turn<T>(
        &self,
        runtime: &tokio::runtime::Handle,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let _permit = runtime
            .block_on(self.write_gate.acquire())
            .map_err(closed)?;
        self.write_now(f)
    }

    pub fn write_now<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let out = self
            .write
            .get_timeout(self.wait)
            .map_err(AppError::from)
            .and_then(|mut conn| on(&mut conn, |c| c.transaction(f)));
        self.health.record(&out);
        out
    }

    /// Runs `work` while holding a PostgreSQL advisory lock shared by every
    /// instance, so first-start work (creating the demo) is done once even
    /// when instances start together. On SQLite it just runs `work`.
    pub async fn exclusive<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        const STARTUP_LOCK: i64 = 7236452;
        let (pool, wait) = (self.write.clone(), self.wait);
        let held = web::block(move || -> Result<Option<Conn>, AppError> {
            let mut conn = pool.get_timeout(wait)?;
            if conn.is_sqlite() {
                return Ok(None);
            }
            on(&mut conn, |c| {
                c.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))?;
                Ok(())
            })?;
            Ok(Some(conn))
        })
        .await??;
        let out = work.await;
        if let Some(mut conn) = held {
            web::block(move || {
                on(&mut conn, |c| {
                    c.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"))?;
                    Ok(())
                })
            })
            .await??;
        }
        out
    }

    /// Readiness, checked at most once a second: callers that arrive while a
    /// check runs wait for it and share its answer.
    pub async fn readiness(&self) -> Result<(), String> {
        let mut last = self.readiness.lock().await;
        if let Some((at, answer)) = last.as_ref() {
            if at.elapsed() < READINESS_FOR {
                return answer.clone();
            }
        }
        let answer = self.check_readiness().await;
        *last = Some((Instant::now(), answer.clone()));
        answer
    }

    /// A connection answers `SELECT 1` within a second, and writes are not
    /// failing. When the last writes failed, a small probe write decides (so
    /// `/readyz` turns 200 as soon as writes work again, even when nobody
    /// else is writing).
    async fn check_readiness(&self) -> Result<(), String> {
        let pool = self.read.clone();
        let ping = web::block(move || {
            let mut conn = pool.get_timeout(READINESS_WAIT).map_err(AppError::from)?;
            on(&mut conn, |c| {
                c.batch_execute("SELECT 1").map_err(AppError::from)
            })
        });
        match tokio::time::timeout(2 * READINESS_WAIT, ping).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => return Err(fault_text(&e)),
            Ok(Err(_)) => return Err("the readiness check was cancelled".into()),
            Err(_) => return Err("the database did not answer within 2 s".into()),
        }
        if self.health.failure().is_none() {
            return Ok(());
        }
        let probe = self.write(|c| settings::set(c, "readiness_probe", &now().to_string()));
        match tokio::time::timeout(2 * READINESS_WAIT, probe).await {
            Ok(Ok(())) => {
                self.health.succeeded();
                Ok(())
            }
            Ok(Err(e)) => Err(format!("writes are failing: {}", fault_text(&e))),
            Err(_) => Err(format!(
                "writes are failing: {}",
                self.health.failure().unwrap_or_default()
            )),
        }
    }
}

/// The reason in an error, for operators (health checks, logs).
fn fault_text(e: &AppError) -> String {
    match e {
        AppError::Unavailable(why) => why.clone(),
        other => other.to_string(),
    }
}

/// Applies the pending migrations of the connection's backend. On PostgreSQL
/// an advisory lock makes instances that start together take turns.
/// Runs `f` in a transaction of its own (a savepoint inside another), so
/// what it writes commits or rolls back as one.
pub fn in_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    conn.transaction(f)
}

pub fn run_migrations(conn: &mut DbConn) -> Result<(), AppError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| {
        AppError::Internal(format!("migration failed: {e}"))
    };
    match conn {
        DbConn::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(fail)?;
        }
        DbConn::Postgres(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7236451)")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(fail);
            c.batch_execute("SELECT pg_advisory_unlock(7236451)")?;
            result?;
        }
    }
    Ok(())
}

/// Current time in UTC, as stored in the database (microsecond precision,
/// which both backends keep exactly).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A new time-ordered id, stored as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
