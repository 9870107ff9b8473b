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
pub mod banks;
pub mod contests;
pub mod group;
pub mod participants;
pub mod prizes;
pub mod results;
pub mod review;
pub mod schema;
pub mod settings;
pub mod throttle;
pub mod unit_stats;
pub mod units;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::Semaphore;

use crate::config::DatabaseUrl;
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

/// r2d2 manager that dispatches on the URL scheme.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        DbConn::open(&self.url).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type Conn = PooledConnection<Manager>;

fn closed(_: tokio::sync::AcquireError) -> AppError {
    AppError::Unavailable("the database gate is closed".into())
}

/// The application's handle on the database. Cheap to clone.
///
/// Async callers first take a permit from a gate sized like the pool, so
/// under a burst the requests wait in the async queue (cheap, fair) rather
/// than as hundreds of blocking threads parked on the pool.
#[derive(Clone)]
pub struct Db {
    read: Pool<Manager>,
    write: Pool<Manager>,
    read_gate: Arc<Semaphore>,
    write_gate: Arc<Semaphore>,
    /// SQLite in a server: every write goes through group commit.
    group: Option<group::GroupWriter>,
}

impl Db {
    /// Connects, applies pending migrations, and returns the pools.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Db, AppError> {
        let manager = Manager { url: url.clone() };
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .test_on_check_out(false)
                .build(manager.clone())
                .map_err(|e| AppError::Unavailable(format!("cannot connect to {url}: {e}")))
        };
        let read = build(pool_size.max(2))?;
        let read_gate = Arc::new(Semaphore::new(pool_size.max(2) as usize));
        let (write, write_gate) = if url.is_sqlite() {
            (build(1)?, Arc::new(Semaphore::new(1)))
        } else {
            // One pool: reads and writes share its connections and its gate.
            (read.clone(), read_gate.clone())
        };
        let db = Db {
            read,
            write,
            read_gate,
            write_gate,
            group: None,
        };
        {
            let mut conn = db.write.get()?;
            run_migrations(&mut conn)?;
        }
        Ok(db)
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let _permit = self.read_gate.acquire().await.map_err(closed)?;
        let pool = self.read.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// On SQLite, sends every later `write` through one group-commit thread
    /// (see [`group`]); call once, from within the server's runtime.
    pub fn start_group_commit(&mut self, is_sqlite: bool) -> Result<(), AppError> {
        if is_sqlite && self.group.is_none() {
            self.group = Some(group::GroupWriter::start(
                self.write.clone(),
                self.write_gate.clone(),
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
        let _permit = self.write_gate.acquire().await.map_err(closed)?;
        let pool = self.write.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            conn.transaction(|c| f(c))
        })
        .await?
    }

    /// Synchronous variants for the CLI (no actix runtime needed).
    pub fn read_now<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.read.get()?;
        f(&mut conn)
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
        let mut conn = self.write.get()?;
        conn.transaction(|c| f(c))
    }

    /// Runs `work` while holding a PostgreSQL advisory lock shared by every
    /// instance, so first-start work (creating the demo) is done once even
    /// when instances start together. On SQLite it just runs `work`.
    pub async fn exclusive<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        const STARTUP_LOCK: i64 = 7236452;
        let pool = self.write.clone();
        let held = web::block(move || -> Result<Option<Conn>, AppError> {
            let mut conn = pool.get()?;
            if conn.is_sqlite() {
                return Ok(None);
            }
            conn.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))?;
            Ok(Some(conn))
        })
        .await??;
        let out = work.await;
        if let Some(mut conn) = held {
            web::block(move || {
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"))
            })
            .await??;
        }
        out
    }

    /// Readiness probe: can a connection be had and answer `SELECT 1` quickly?
    pub async fn ping(&self) -> Result<(), AppError> {
        let pool = self.read.clone();
        web::block(move || {
            let mut conn = pool.get_timeout(Duration::from_secs(2))?;
            conn.batch_execute("SELECT 1").map_err(AppError::from)
        })
        .await?
    }
}

/// Applies the pending migrations of the connection's backend. On PostgreSQL
/// an advisory lock makes instances that start together take turns.
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
