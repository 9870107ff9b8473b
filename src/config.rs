//! Settings from environment variables. Every variable has a default so that
//! `cargo run --release` works with nothing configured.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::AppError;

pub const ENV_BIND: &str = "HOITHI_BIND";
pub const ENV_DATABASE_URL: &str = "HOITHI_DATABASE_URL";
pub const ENV_POOL_SIZE: &str = "HOITHI_POOL_SIZE";
pub const ENV_MAX_CONNECTIONS: &str = "HOITHI_MAX_CONNECTIONS";
pub const ENV_CONNECTIONS_PER_ADDRESS: &str = "HOITHI_CONNECTIONS_PER_ADDRESS";
/// Room for a school hall of phones behind one Wi-Fi address, a few
/// connections each, while one address holding thousands is refused.
pub const DEFAULT_CONNECTIONS_PER_ADDRESS: u32 = 512;
pub const ENV_JWT_SECRET: &str = "HOITHI_JWT_SECRET";
pub const ENV_TOKEN_HOURS: &str = "HOITHI_TOKEN_HOURS";

pub const ENV_SWEEP_SECONDS: &str = "HOITHI_SWEEP_SECONDS";
pub const ENV_DEMO: &str = "HOITHI_DEMO";
pub const ENV_OTP_WEBHOOK_URL: &str = "HOITHI_OTP_WEBHOOK_URL";
pub const ENV_OTP_WEBHOOK_TOKEN: &str = "HOITHI_OTP_WEBHOOK_TOKEN";
pub const ENV_PUBLIC_URL: &str = "HOITHI_PUBLIC_URL";
pub const ENV_TRUSTED_PROXIES: &str = "HOITHI_TRUSTED_PROXIES";
pub const ENV_RATE_LIMITS: &str = "HOITHI_RATE_LIMITS";
pub const ENV_OTP_HOURLY_BUDGET: &str = "HOITHI_OTP_HOURLY_BUDGET";
pub const DEFAULT_OTP_HOURLY_BUDGET: u32 = 2_000;
pub const ENV_DB_WAIT_MS: &str = "HOITHI_DB_WAIT_MS";
pub const ENV_DB_STARTUP_WAIT: &str = "HOITHI_DB_STARTUP_WAIT";
pub const ENV_PG_STATEMENT_TIMEOUT_MS: &str = "HOITHI_PG_STATEMENT_TIMEOUT_MS";
pub const ENV_PG_LOCK_TIMEOUT_MS: &str = "HOITHI_PG_LOCK_TIMEOUT_MS";
pub const ENV_BACKUP_DIR: &str = "HOITHI_BACKUP_DIR";
pub const ENV_BACKUP_EVERY: &str = "HOITHI_BACKUP_EVERY";
pub const ENV_BACKUP_KEEP: &str = "HOITHI_BACKUP_KEEP";
pub const DEFAULT_SWEEP_SECONDS: u64 = 5;
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hoithi.db";
pub const DEFAULT_POOL_SIZE: u32 = 16;
pub const DEFAULT_TOKEN_HOURS: i64 = 12;

/// Which database the URL points at. The scheme decides; anything else is an error.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(AppError::Config(format!(
                    "{ENV_DATABASE_URL}: sqlite:// URL needs a file path, e.g. sqlite://hoithi.db"
                )));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        // A bare path (no scheme at all) is a SQLite file, as documented.
        if !raw.is_empty() && !raw.contains("://") {
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(raw)));
        }
        Err(AppError::Config(format!(
            "{ENV_DATABASE_URL}: unsupported database URL scheme in {:?}; use sqlite://PATH or postgres://USER@HOST/DB",
            redact(raw)
        )))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

/// Hide a password in a URL before it is printed.
fn redact(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &raw[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &raw[..s + 3], &creds[..c], &raw[at..]),
                None => raw.to_string(),
            }
        }
        _ => raw.to_string(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => write!(f, "{}", redact(u)),
        }
    }
}

/// How the server uses its database when the database has a bad moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbOptions {
    /// Pooled connections (readers; on PostgreSQL, readers and writers).
    pub pool_size: u32,
    /// Longest wait for a pooled connection before a request gets 503.
    pub wait: Duration,
    /// How long `serve` keeps trying to reach PostgreSQL before giving up.
    pub startup_wait: Duration,
    /// PostgreSQL `statement_timeout` in milliseconds (0: none).
    pub statement_timeout_ms: u64,
    /// PostgreSQL `lock_timeout` in milliseconds (0: none).
    pub lock_timeout_ms: u64,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            pool_size: DEFAULT_POOL_SIZE,
            wait: Duration::from_millis(10_000),
            startup_wait: Duration::from_secs(60),
            statement_timeout_ms: 30_000,
            lock_timeout_ms: 5_000,
        }
    }
}

/// Scheduled backups of an embedded SQLite database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every: Duration,
    /// How many backups to keep; older ones are deleted.
    pub keep: usize,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: String,
    pub database_url: DatabaseUrl,
    pub db: DbOptions,
    /// `None` unless HOITHI_BACKUP_DIR is set.
    pub backup: Option<BackupSchedule>,
    /// `None` means: use (or create) the secret stored in the database.
    pub jwt_secret: Option<String>,
    pub token_hours: i64,
    /// Seconds between sweeps that finish expired attempts (0: off).
    pub sweep_seconds: u64,
    /// Create the demo contest on first start (HOITHI_DEMO=off disables).
    pub demo: bool,
    /// Where one-time codes are POSTed (None: they are logged).
    pub otp_webhook_url: Option<String>,
    pub otp_webhook_token: Option<String>,
    /// The address people use, e.g. `https://hoithi.tinhdoan.vn` (links,
    /// QR posters, the same-origin check, `Secure` cookies when https).
    pub public_url: Option<PublicUrl>,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Per-address rate limits on sign-in, registration, codes and uploads.
    pub rate_limits: bool,
    /// One-time codes a contest may send per hour (the SMS bill's ceiling).
    pub otp_hourly_budget: u32,
    /// Client connections the instance keeps open at once (all workers);
    /// None: as many as the open-files limit allows.
    pub max_connections: Option<u64>,
    /// Connections one client address (IPv6: one /64) may hold open at
    /// once, counted where they are accepted; with `rate_limits` only, and
    /// never for `trusted_proxies`.
    pub connections_per_address: u32,
}

/// The public address: scheme, host and port, no path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    /// `https://host[:port]`, as a browser writes it in `Origin`.
    pub origin: String,
    pub https: bool,
}

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<PublicUrl, AppError> {
        let bad = || {
            AppError::Config(format!(
                "{ENV_PUBLIC_URL}: expected http(s)://host[:port] with no path, got {raw:?}"
            ))
        };
        let raw = raw.trim().trim_end_matches('/');
        let (https, rest) = if let Some(r) = raw.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = raw.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(bad());
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
        if rest.is_empty() || !rest.chars().all(valid) {
            return Err(bad());
        }
        let scheme = if https { "https" } else { "http" };
        Ok(PublicUrl {
            origin: format!("{scheme}://{}", rest.to_ascii_lowercase()),
            https,
        })
    }
}

/// `10.0.0.0/8, 127.0.0.1, ::1` → networks (a bare address is one host).
pub fn parse_proxies(raw: &str) -> Result<Vec<ipnet::IpNet>, AppError> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    AppError::Config(format!(
                        "{ENV_TRUSTED_PROXIES}: {s:?} is not an address or a CIDR network"
                    ))
                })
        })
        .collect()
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, AppError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the settings through `get`, so tests need not touch the real environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, AppError> {
        let bind = get(ENV_BIND).unwrap_or_else(|| DEFAULT_BIND.to_string());
        let database_url = DatabaseUrl::parse(
            &get(ENV_DATABASE_URL).unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        )?;
        let pool_size = match get(ENV_POOL_SIZE) {
            None => DEFAULT_POOL_SIZE,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (2..=256).contains(&n) => n,
                _ => {
                    return Err(AppError::Config(format!(
                        "{ENV_POOL_SIZE}: expected a number from 2 to 256, got {v:?}"
                    )))
                }
            },
        };
        let defaults = DbOptions::default();
        let db = DbOptions {
            pool_size,
            wait: Duration::from_millis(number(
                &get,
                ENV_DB_WAIT_MS,
                defaults.wait.as_millis() as u64,
                100..=120_000,
            )?),
            startup_wait: Duration::from_secs(number(
                &get,
                ENV_DB_STARTUP_WAIT,
                defaults.startup_wait.as_secs(),
                0..=3_600,
            )?),
            statement_timeout_ms: number(
                &get,
                ENV_PG_STATEMENT_TIMEOUT_MS,
                defaults.statement_timeout_ms,
                0..=3_600_000,
            )?,
            lock_timeout_ms: number(
                &get,
                ENV_PG_LOCK_TIMEOUT_MS,
                defaults.lock_timeout_ms,
                0..=3_600_000,
            )?,
        };
        let backup = match get(ENV_BACKUP_DIR).filter(|d| !d.trim().is_empty()) {
            None => None,
            Some(dir) => Some(BackupSchedule {
                dir: PathBuf::from(dir.trim()),
                every: match get(ENV_BACKUP_EVERY) {
                    None => Duration::from_secs(6 * 3600),
                    Some(v) => parse_duration(&v).ok_or_else(|| {
                        AppError::Config(format!(
                            "{ENV_BACKUP_EVERY}: expected a duration of at least a minute such as 30m, 6h or 1d, got {v:?}"
                        ))
                    })?,
                },
                keep: number(&get, ENV_BACKUP_KEEP, 14, 1..=10_000)? as usize,
            }),
        };
        let jwt_secret = match get(ENV_JWT_SECRET) {
            None => None,
            Some(s) if s.len() >= 32 => Some(s),
            Some(_) => {
                return Err(AppError::Config(format!(
                    "{ENV_JWT_SECRET}: the secret must be at least 32 characters long"
                )))
            }
        };
        let token_hours = match get(ENV_TOKEN_HOURS) {
            None => DEFAULT_TOKEN_HOURS,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if (1..=24 * 30).contains(&n) => n,
                _ => {
                    return Err(AppError::Config(format!(
                        "{ENV_TOKEN_HOURS}: expected a number of hours from 1 to 720, got {v:?}"
                    )))
                }
            },
        };
        let sweep_seconds = match get(ENV_SWEEP_SECONDS) {
            None => DEFAULT_SWEEP_SECONDS,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= 3600)
                .ok_or_else(|| {
                    AppError::Config(format!(
                        "{ENV_SWEEP_SECONDS}: expected seconds from 0 to 3600, got {v:?}"
                    ))
                })?,
        };
        let demo = !matches!(
            get(ENV_DEMO).as_deref().map(str::trim),
            Some("off" | "0" | "false" | "no")
        );
        let otp_webhook_url = get(ENV_OTP_WEBHOOK_URL)
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        if let Some(u) = &otp_webhook_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(AppError::Config(format!(
                    "{ENV_OTP_WEBHOOK_URL}: expected an http(s):// URL, got {u:?}"
                )));
            }
        }
        let public_url = get(ENV_PUBLIC_URL)
            .filter(|u| !u.trim().is_empty())
            .map(|u| PublicUrl::parse(&u))
            .transpose()?;
        let trusted_proxies = parse_proxies(&get(ENV_TRUSTED_PROXIES).unwrap_or_default())?;
        let rate_limits = !matches!(
            get(ENV_RATE_LIMITS).as_deref().map(str::trim),
            Some("off" | "0" | "false" | "no")
        );
        let otp_hourly_budget = match get(ENV_OTP_HOURLY_BUDGET) {
            None => DEFAULT_OTP_HOURLY_BUDGET,
            Some(v) => v.trim().parse::<u32>().map_err(|_| {
                AppError::Config(format!(
                    "{ENV_OTP_HOURLY_BUDGET}: expected a number of codes per hour, got {v:?}"
                ))
            })?,
        };
        let max_connections = match get(ENV_MAX_CONNECTIONS) {
            None => None,
            Some(_) => Some(number(&get, ENV_MAX_CONNECTIONS, 0, 64..=100_000)?),
        };
        let connections_per_address = number(
            &get,
            ENV_CONNECTIONS_PER_ADDRESS,
            u64::from(DEFAULT_CONNECTIONS_PER_ADDRESS),
            8..=100_000,
        )? as u32;
        Ok(Settings {
            max_connections,
            connections_per_address,
            public_url,
            trusted_proxies,
            rate_limits,
            otp_hourly_budget,
            otp_webhook_url,
            otp_webhook_token: get(ENV_OTP_WEBHOOK_TOKEN).filter(|t| !t.is_empty()),
            sweep_seconds,
            demo,
            bind,
            database_url,
            db,
            backup,
            jwt_secret,
            token_hours,
        })
    }
}

/// A whole number from the environment, within `range`, or `default` when unset.
fn number(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, AppError> {
    match get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                AppError::Config(format!(
                    "{key}: expected a number from {} to {}, got {v:?}",
                    range.start(),
                    range.end()
                ))
            }),
    }
}

/// "90s", "30m", "6h", "1d" or a plain number of seconds; at least a minute.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let secs = match unit.trim() {
        "s" => n,
        "m" | "min" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    (60..=366 * 86_400)
        .contains(&secs)
        .then(|| Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, AppError> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn nothing_configured_means_local_sqlite_on_port_8080() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database_url, DatabaseUrl::Sqlite("hoithi.db".into()));
        assert_eq!(s.db, DbOptions::default());
        assert!(s.backup.is_none());
        assert!(s.jwt_secret.is_none());
    }

    #[test]
    fn database_timeouts_and_backups_are_read_and_checked() {
        let s = settings(&[
            (ENV_DB_WAIT_MS, "2500"),
            (ENV_PG_STATEMENT_TIMEOUT_MS, "0"),
            (ENV_BACKUP_DIR, "/var/backups/hoithi"),
            (ENV_BACKUP_EVERY, "30m"),
            (ENV_BACKUP_KEEP, "3"),
        ])
        .expect("valid");
        assert_eq!(s.db.wait, Duration::from_millis(2500));
        assert_eq!(s.db.statement_timeout_ms, 0);
        assert_eq!(
            s.backup,
            Some(BackupSchedule {
                dir: "/var/backups/hoithi".into(),
                every: Duration::from_secs(1800),
                keep: 3
            })
        );
        for (key, bad) in [
            (ENV_DB_WAIT_MS, "0"),
            (ENV_DB_WAIT_MS, "soon"),
            (ENV_PG_LOCK_TIMEOUT_MS, "-1"),
            (ENV_BACKUP_KEEP, "0"),
        ] {
            let e = settings(&[(ENV_BACKUP_DIR, "/b"), (key, bad)]).unwrap_err();
            assert!(e.to_string().contains(key), "{key}={bad}: {e}");
        }
        assert!(settings(&[(ENV_BACKUP_DIR, "/b"), (ENV_BACKUP_EVERY, "10s")]).is_err());
        assert_eq!(parse_duration("6h"), Some(Duration::from_secs(21_600)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
    }

    #[test]
    fn the_scheme_picks_the_backend() {
        assert!(
            matches!(DatabaseUrl::parse("sqlite:///tmp/x.db"), Ok(DatabaseUrl::Sqlite(p)) if p.to_str() == Some("/tmp/x.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse("data/h.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
    }

    #[test]
    fn an_unknown_scheme_is_an_error_naming_the_variable() {
        let err = settings(&[(ENV_DATABASE_URL, "mysql://root@localhost/x")]).unwrap_err();
        assert!(err.to_string().contains(ENV_DATABASE_URL), "{err}");
    }

    #[test]
    fn the_public_url_gives_the_origin_and_proxies_parse_as_networks() {
        let u = PublicUrl::parse("https://Hoithi.TinhDoan.vn/").unwrap();
        assert_eq!(u.origin, "https://hoithi.tinhdoan.vn");
        assert!(u.https);
        assert!(PublicUrl::parse("https://x.vn/path").is_err());
        assert!(PublicUrl::parse("ftp://x.vn").is_err());
        let p = parse_proxies("10.0.0.0/8, 127.0.0.1 ::1").unwrap();
        assert_eq!(p.len(), 3);
        assert!(p[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(parse_proxies("10.0.0.0/33").is_err());
        assert!(parse_proxies("").unwrap().is_empty());
    }

    #[test]
    fn passwords_are_hidden_when_a_url_is_printed() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db/hoithi").unwrap();
        assert_eq!(url.to_string(), "postgres://app:***@db/hoithi");
    }

    #[test]
    fn out_of_range_numbers_and_short_secrets_are_refused() {
        assert!(settings(&[(ENV_POOL_SIZE, "1")]).is_err());
        assert!(settings(&[(ENV_MAX_CONNECTIONS, "10")]).is_err());
        assert_eq!(
            settings(&[(ENV_MAX_CONNECTIONS, "4000")])
                .unwrap()
                .max_connections,
            Some(4000)
        );
        assert!(settings(&[(ENV_CONNECTIONS_PER_ADDRESS, "2")]).is_err());
        assert_eq!(
            settings(&[]).unwrap().connections_per_address,
            DEFAULT_CONNECTIONS_PER_ADDRESS
        );
        assert_eq!(
            settings(&[(ENV_CONNECTIONS_PER_ADDRESS, "64")])
                .unwrap()
                .connections_per_address,
            64
        );
        assert!(settings(&[(ENV_POOL_SIZE, "abc")]).is_err());
        assert!(settings(&[(ENV_JWT_SECRET, "short")]).is_err());
        assert!(settings(&[(ENV_TOKEN_HOURS, "0")]).is_err());
    }
}
