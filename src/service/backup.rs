//! Backups: a consistent copy of a running SQLite installation
//! (`hoithi backup FILE`, or on a schedule), and a check of a copy or of a
//! restored database (`hoithi backup --check FILE|URL`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::{Connection, SqliteConnection};

use crate::config::{BackupSchedule, DatabaseUrl};
use crate::db::{self, backup as store, DbConn};
use crate::domain::vn_time::fmt_vn;
use crate::error::AppError;
use crate::service::prizes::{verify_published, PrizeCheck};

/// One backup file written.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub path: PathBuf,
    pub bytes: u64,
    pub taken_at: NaiveDateTime,
    pub seconds: f64,
}

/// Writes a consistent copy of the SQLite database at `url` to `target`,
/// which must not exist yet. The copy is written beside the target under a
/// temporary name, flushed to disk, then renamed: a crash never leaves a
/// half-written file under the target's name.
pub fn take(url: &DatabaseUrl, target: &Path) -> Result<Snapshot, AppError> {
    let DatabaseUrl::Sqlite(source) = url else {
        return Err(AppError::invalid(
            "Cơ sở dữ liệu PostgreSQL được sao lưu bằng pg_dump (xem README, mục Vận hành).",
            "A PostgreSQL database is backed up with pg_dump (see the README, section Operating).",
        ));
    };
    if target.exists() {
        return Err(AppError::invalid(
            format!("Tệp {} đã tồn tại; hãy chọn tên khác.", target.display()),
            format!("{} already exists; choose another name.", target.display()),
        ));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(AppError::invalid(
                format!("Thư mục {} không tồn tại.", dir.display()),
                format!("The folder {} does not exist.", dir.display()),
            ));
        }
    }
    if !source.is_file() {
        return Err(AppError::invalid(
            format!("Không thấy cơ sở dữ liệu {}.", source.display()),
            format!("There is no database at {}.", source.display()),
        ));
    }
    let started = Instant::now();
    let partial = partial_name(target);
    let _ = std::fs::remove_file(&partial);
    let partial_str = partial.to_str().ok_or_else(|| {
        AppError::invalid(
            "Đường dẫn tệp sao lưu phải là UTF-8.",
            "The backup path must be UTF-8.",
        )
    })?;
    let mut conn = open_sqlite(source, false)?;
    // Created empty and private first: VACUUM INTO fills an empty file and
    // keeps its mode, so the copy is never readable by others, even briefly.
    db::private_file(&partial).map_err(|e| io_error(&partial, e))?;
    let copied = store::vacuum_into(&mut conn, partial_str).and_then(|()| {
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&partial, target))
            .map_err(|e| io_error(target, e))
    });
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    let bytes = std::fs::metadata(target)
        .map_err(|e| io_error(target, e))?
        .len();
    Ok(Snapshot {
        path: target.to_path_buf(),
        bytes,
        taken_at: db::now(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    target.with_file_name(name)
}

fn io_error(path: &Path, e: std::io::Error) -> AppError {
    AppError::Unavailable(format!("{}: {e}", path.display()))
}

/// Opens a SQLite file without creating it; read-only when asked.
fn open_sqlite(path: &Path, read_only: bool) -> Result<SqliteConnection, AppError> {
    let raw = path
        .to_str()
        .ok_or_else(|| AppError::invalid("Đường dẫn phải là UTF-8.", "The path must be UTF-8."))?;
    // A URI, so the file is never created and can be opened read-only;
    // the characters a URI gives meaning to are escaped.
    let mut escaped = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    let mode = if read_only { "ro" } else { "rw" };
    let mut conn = SqliteConnection::establish(&format!("file:{escaped}?mode={mode}"))
        .map_err(|e| AppError::Unavailable(format!("{}: {e}", path.display())))?;
    conn.batch_execute("PRAGMA busy_timeout = 15000;")?;
    Ok(conn)
}

/// Where the database of a check stands against this program's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatus {
    Current,
    /// Older: `serve` or `migrate` brings it up to date.
    Older,
    /// Written by a newer hoithi: this program must not serve it.
    Newer,
    /// Not a hoithi database.
    Missing,
}

/// What `backup --check` found.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: String,
    pub backend: &'static str,
    /// What the integrity check found wrong (empty: sound).
    pub integrity: Vec<String>,
    pub schema_version: Option<String>,
    pub schema: SchemaStatus,
    pub counts: Vec<(&'static str, i64)>,
    pub prizes: Vec<PrizeCheck>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.integrity.is_empty()
            && matches!(self.schema, SchemaStatus::Current | SchemaStatus::Older)
            && self.prizes.iter().all(PrizeCheck::matches)
    }

    /// The report as printed: Vietnamese first, English after.
    pub fn render(&self) -> String {
        let mut out = format!("Kiểm tra / check: {} ({})\n", self.target, self.backend);
        out.push_str(&integrity_in_words(&self.integrity));
        let version = self.schema_version.as_deref().unwrap_or("—");
        let schema = match self.schema {
            SchemaStatus::Current => "khớp với chương trình / matches this program",
            SchemaStatus::Older => {
                "cũ hơn chương trình, sẽ được cập nhật khi chạy / older, migrated on start"
            }
            SchemaStatus::Newer => {
                "MỚI HƠN chương trình này, không dùng được / NEWER than this program"
            }
            SchemaStatus::Missing => "không phải cơ sở dữ liệu hoithi / not a hoithi database",
        };
        out.push_str(&format!(
            "  Phiên bản lược đồ / schema version: {version} ({schema})\n"
        ));
        for (table, n) in &self.counts {
            let vi = match *table {
                "units" => "đơn vị",
                "banks" => "ngân hàng câu hỏi",
                "contests" => "hội thi",
                "participants" => "thí sinh",
                "attempts" => "lượt thi",
                "answers" => "câu trả lời",
                other => other,
            };
            out.push_str(&format!("  {vi} / {table}: {n}\n"));
        }
        let matching = self.prizes.iter().filter(|p| p.matches()).count();
        out.push_str(&format!(
            "  Danh sách giải đã công bố / published prize lists: {}, khớp SHA-256 / matching: {matching}\n",
            self.prizes.len()
        ));
        for p in &self.prizes {
            let verdict = if p.matches() {
                "khớp / matches"
            } else {
                "KHÔNG KHỚP / DOES NOT MATCH"
            };
            out.push_str(&format!(
                "    {} vòng/round {}: {verdict} (SHA-256 {})\n",
                p.contest, p.round, p.stored
            ));
        }
        out.push_str(if self.ok() {
            "Kết quả / result: OK\n"
        } else {
            "Kết quả / result: CÓ LỖI / FAILED\n"
        });
        out
    }
}

/// The integrity lines of the report: "ok", or how many problems and the
/// first of them as SQLite words them.
fn integrity_in_words(problems: &[String]) -> String {
    if problems.is_empty() {
        return "  Toàn vẹn / integrity: ok\n".to_string();
    }
    let n = problems.len();
    let more = if n >= store::MAX_INTEGRITY_PROBLEMS {
        "ít nhất / at least "
    } else {
        ""
    };
    let mut out = format!(
        "  Toàn vẹn / integrity: HỎNG — {more}{n} lỗi cấu trúc; tệp này không dùng được để phục hồi / DAMAGED — {more}{n} structural problem(s); do not restore from this file\n"
    );
    for p in problems.iter().take(10) {
        out.push_str(&format!("    - {p}\n"));
    }
    if n > 10 {
        out.push_str(&format!(
            "    … và {} lỗi khác / and {} more\n",
            n - 10,
            n - 10
        ));
    }
    out
}

/// Why a file cannot be checked at all, in words.
fn unreadable(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::invalid(
        format!(
            "Không đọc được {} như một cơ sở dữ liệu SQLite (tệp hỏng, bị cắt cụt hoặc không phải bản sao lưu hoithi): {e}.",
            path.display()
        ),
        format!(
            "Cannot read {} as an SQLite database (damaged, truncated, or not a hoithi backup): {e}.",
            path.display()
        ),
    )
}

/// Checks a backup file or a restored database (a postgres:// URL): opens
/// it without changing it and reports its integrity, schema version,
/// counts and published prize lists.
pub fn check(target: &str) -> Result<Report, AppError> {
    let url = DatabaseUrl::parse(target)?;
    let (mut conn, integrity, backend) = match &url {
        DatabaseUrl::Sqlite(path) => {
            if !path.is_file() {
                return Err(AppError::invalid(
                    format!("Không thấy tệp {}.", path.display()),
                    format!("There is no file {}.", path.display()),
                ));
            }
            if std::fs::File::open(path).is_err() {
                return Err(unreadable(path, "không mở được tệp / cannot open the file"));
            }
            let mut c = open_sqlite(path, true).map_err(|e| unreadable(path, e))?;
            let integrity = store::integrity_check(&mut c).map_err(|e| unreadable(path, e))?;
            (DbConn::Sqlite(c), integrity, "sqlite")
        }
        DatabaseUrl::Postgres(u) => {
            let c = diesel::PgConnection::establish(u)
                .map_err(|e| AppError::Unavailable(format!("{url}: {e}")))?;
            // PostgreSQL checks pages itself; a restored dump that loads is sound.
            (DbConn::Postgres(c), Vec::new(), "postgresql")
        }
    };
    let schema_version = store::schema_version(&mut conn).ok().flatten();
    let latest = latest_migration(&conn)?;
    let schema = match &schema_version {
        None => SchemaStatus::Missing,
        Some(v) if *v == latest => SchemaStatus::Current,
        Some(v) if *v < latest => SchemaStatus::Older,
        Some(_) => SchemaStatus::Newer,
    };
    let (counts, prizes) = if schema == SchemaStatus::Missing {
        (Vec::new(), Vec::new())
    } else {
        let counted = store::counts(&mut conn)
            .and_then(|counts| verify_published(&mut conn).map(|prizes| (counts, prizes)));
        match counted {
            Ok(found) => found,
            // A damaged file may not even be counted: the problems say why.
            Err(_) if !integrity.is_empty() => (Vec::new(), Vec::new()),
            Err(e) => return Err(e),
        }
    };
    Ok(Report {
        target: url.to_string(),
        backend,
        integrity,
        schema_version,
        schema,
        counts,
        prizes,
    })
}

/// The newest migration this program carries for the connection's backend.
fn latest_migration(conn: &DbConn) -> Result<String, AppError> {
    fn newest<DB: diesel::backend::Backend>(
        source: &impl MigrationSource<DB>,
    ) -> Result<String, AppError> {
        Ok(source
            .migrations()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .iter()
            .map(|m| m.name().version().to_string())
            .max()
            .unwrap_or_default())
    }
    match conn {
        DbConn::Sqlite(_) => newest::<diesel::sqlite::Sqlite>(&db::SQLITE_MIGRATIONS),
        DbConn::Postgres(_) => newest::<diesel::pg::Pg>(&db::POSTGRES_MIGRATIONS),
    }
}

/// The last scheduled backup, as shown to admins.
#[derive(Default)]
pub struct Status {
    state: Mutex<StatusState>,
}

#[derive(Default, Clone)]
struct StatusState {
    schedule: Option<BackupSchedule>,
    last: Option<Snapshot>,
    last_error: Option<(NaiveDateTime, String)>,
}

/// What the admin page shows about backups.
#[derive(Debug, Clone)]
pub struct Summary {
    pub dir: String,
    pub every_minutes: u64,
    pub keep: usize,
    pub last: Option<(String, String, u64)>,
    pub last_error: Option<(String, String)>,
}

impl Status {
    pub fn summary(&self) -> Option<Summary> {
        let s = self.state.lock().ok()?.clone();
        let schedule = s.schedule?;
        Some(Summary {
            dir: schedule.dir.display().to_string(),
            every_minutes: schedule.every.as_secs() / 60,
            keep: schedule.keep,
            last: s.last.map(|l| {
                (
                    fmt_vn(l.taken_at),
                    l.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    l.bytes,
                )
            }),
            last_error: s.last_error.map(|(at, e)| (fmt_vn(at), e)),
        })
    }

    fn update(&self, f: impl FnOnce(&mut StatusState)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
    }
}

const PREFIX: &str = "hoithi-";
const SUFFIX: &str = ".db";

/// The backups of `dir` written by the schedule, oldest first (their names
/// sort by time).
fn scheduled_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Makes the scheduled backups already in `dir` private (0600): those an
/// earlier release wrote are world-readable under umask 022, and hold the
/// token-signing secret.
fn make_scheduled_private(dir: &Path) {
    for file in scheduled_files(dir) {
        if let Err(e) = db::private_file(&file) {
            tracing::warn!(file = %file.display(), error = %e, "cannot make a backup private");
        }
    }
}

/// Takes one scheduled backup into `schedule.dir` and deletes the oldest
/// beyond `schedule.keep`.
pub fn take_scheduled(url: &DatabaseUrl, schedule: &BackupSchedule) -> Result<Snapshot, AppError> {
    std::fs::create_dir_all(&schedule.dir).map_err(|e| io_error(&schedule.dir, e))?;
    make_scheduled_private(&schedule.dir);
    let name = format!(
        "{PREFIX}{}{SUFFIX}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f")
    );
    let snapshot = take(url, &schedule.dir.join(name))?;
    let files = scheduled_files(&schedule.dir);
    for old in files.iter().take(files.len().saturating_sub(schedule.keep)) {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(file = %old.display(), error = %e, "cannot delete an old backup");
        }
    }
    Ok(snapshot)
}

/// Runs the schedule for the life of the server: a backup every
/// `schedule.every`, the outcome logged and kept for the admin page.
pub async fn run_schedule(url: DatabaseUrl, schedule: BackupSchedule, status: Arc<Status>) {
    make_scheduled_private(&schedule.dir);
    let latest = scheduled_files(&schedule.dir).pop().and_then(|path| {
        let meta = std::fs::metadata(&path).ok()?;
        let taken_at = chrono::DateTime::<chrono::Utc>::from(meta.modified().ok()?).naive_utc();
        Some(Snapshot {
            bytes: meta.len(),
            path,
            taken_at,
            seconds: 0.0,
        })
    });
    status.update(|s| {
        s.schedule = Some(schedule.clone());
        s.last = latest;
    });
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + schedule.every, schedule.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (u, s) = (url.clone(), schedule.clone());
        let outcome = tokio::task::spawn_blocking(move || take_scheduled(&u, &s))
            .await
            .unwrap_or_else(|e| Err(AppError::Internal(format!("backup task failed: {e}"))));
        match outcome {
            Ok(snapshot) => {
                tracing::info!(
                    file = %snapshot.path.display(),
                    bytes = snapshot.bytes,
                    seconds = snapshot.seconds,
                    "backup written"
                );
                status.update(|s| {
                    s.last = Some(snapshot);
                    s.last_error = None;
                });
            }
            Err(e) => {
                tracing::error!(error = %e, "scheduled backup failed");
                status.update(|s| s.last_error = Some((db::now(), e.to_string())));
            }
        }
    }
}
