//! Command line: `serve` (the default), `migrate`, `create-user`,
//! `reset-password`, `unlock`, `backup`, `import-units`, `import-bank`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::{units, Db};
use crate::error::AppError;
use crate::service::accounts::{create, NewAccount};
use crate::startup::Application;

#[derive(Parser)]
#[command(
    name = "hoithi",
    version,
    about = "Hội thi trực tuyến — online contests for the Youth Union"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo contest (dvc-2023) now, if it does not exist.
    Demo,
    /// Create a staff account; prints a generated password when none is given.
    CreateUser {
        #[arg(long)]
        username: String,
        /// admin, organizer or viewer
        #[arg(long)]
        role: String,
        /// The unit an organizer manages (its subtree).
        #[arg(long)]
        unit: Option<String>,
        /// Shown name, e.g. "Ban Tổ chức Đoàn xã".
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give an account a new one-time password (printed once; it must be
    /// changed at the next sign-in) and end every session of it.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Clear every sign-in lock of an account (after wrong passwords, its
    /// own or anyone's); audited.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Write a consistent copy of the running SQLite database to FILE, or
    /// with --check, check a copy (a file, or a restored postgres:// URL).
    #[command(arg_required_else_help = true)]
    Backup {
        /// The new backup file (it must not exist).
        #[arg(conflicts_with = "check")]
        file: Option<std::path::PathBuf>,
        /// Check a backup file or a restored database instead; the exit
        /// status is non-zero when anything is wrong.
        #[arg(long, value_name = "FILE_OR_URL")]
        check: Option<String>,
    },
    /// Import a unit tree from CSV (code,name,level,parent_code,members).
    ImportUnits { file: std::path::PathBuf },
    /// Import question banks (Word, XLSX, CSV, text, Moodle XML, GIFT, Aiken, TOML); each file is all or nothing.
    ImportBank {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[command(flatten)]
        how: BankImport,
    },
}

/// How `import-bank` reads and stores its files.
#[derive(clap::Args)]
struct BankImport {
    /// The unit that owns new banks (its organizers may update them).
    #[arg(long)]
    unit: Option<String>,
    /// Bank slug for formats that carry none (default: from the file name).
    #[arg(long)]
    slug: Option<String>,
    /// Bank title for formats that carry none (default: the file name).
    #[arg(long)]
    title: Option<String>,
    /// Skip questions of unsupported types (a Moodle XML essay…), listing
    /// them, instead of refusing the file.
    #[arg(long)]
    skip_unsupported: bool,
    /// Which column holds what, for a sheet whose headers are not known:
    /// "stem=C,a=D,b=E,c=F,d=G,answer=H" (letters or 1-based numbers;
    /// also topic, difficulty, points, kind, id, explanation, source).
    #[arg(long, value_name = "KEY=COL,…")]
    columns: Option<String>,
    /// Check the files and print what would be imported, saving nothing.
    #[arg(long)]
    dry_run: bool,
    /// Share the banks with the units below their owner (every unit, for
    /// a bank with no --unit): they use them without the answer keys.
    #[arg(long)]
    shared: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let (vi, en) = e.messages();
            eprintln!("Lỗi: {vi}\nError: {en}");
            if matches!(
                e,
                AppError::Unavailable(_) | AppError::Database(_) | AppError::Internal(_)
            ) {
                eprintln!("       ({e})");
            }
            for p in e.problems() {
                eprintln!(
                    "  dòng/row {}: {} — {} ({})",
                    p.row, p.field, p.message, p.message_en
                );
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal, not in a file or a pipe.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if std::env::var("HOITHI_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn backup(
    settings: &Settings,
    file: Option<std::path::PathBuf>,
    check: Option<String>,
) -> Result<(), AppError> {
    use crate::service::backup;
    if let Some(target) = check {
        let report = backup::check(&target)?;
        print!("{}", report.render());
        return if report.ok() {
            Ok(())
        } else {
            Err(AppError::invalid(
                "Bản sao lưu có lỗi (xem trên).",
                "The backup failed its check (see above).",
            ))
        };
    }
    let Some(file) = file else {
        return Err(AppError::invalid(
            "Cần tên tệp sao lưu: hoithi backup TỆP.",
            "Name the backup file: hoithi backup FILE.",
        ));
    };
    let snapshot = backup::take(&settings.database_url, &file)?;
    println!(
        "Đã sao lưu {} vào {} ({} byte, {:.1} s) / backed up to {}.
Kiểm tra / check it: hoithi backup --check {}",
        settings.database_url,
        snapshot.path.display(),
        snapshot.bytes,
        snapshot.seconds,
        snapshot.path.display(),
        snapshot.path.display()
    );
    Ok(())
}

fn connect(settings: &Settings) -> Result<Db, AppError> {
    Db::connect(&settings.database_url, 2)
}

fn run(command: Command) -> Result<(), AppError> {
    let settings = Settings::from_env()?;
    match command {
        Command::Serve => serve(settings),
        Command::Demo => demo(settings),
        Command::Backup { file, check } => backup(&settings, file, check),
        Command::Migrate => {
            connect(&settings)?;
            println!(
                "Đã cập nhật cơ sở dữ liệu {} / migrations applied.",
                settings.database_url
            );
            Ok(())
        }
        Command::CreateUser {
            username,
            role,
            unit,
            name,
            password_stdin,
        } => {
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s).map_err(|e| {
                    AppError::invalid(
                        "Không đọc được mật khẩu.",
                        format!("cannot read stdin: {e}"),
                    )
                })?;
                Some(s.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let db = connect(&settings)?;
            let input = NewAccount {
                username,
                password,
                role,
                unit_code: unit,
                display_name: name,
            };
            let created = db.write_now(|c| create(c, input))?;
            println!(
                "Đã tạo tài khoản {} ({:?}).",
                created.username, created.role
            );
            if let Some(pw) = created.generated_password {
                println!("Mật khẩu / password: {pw}");
            }
            Ok(())
        }
        Command::ResetPassword { username } => {
            let db = connect(&settings)?;
            let password = db.write_now(|c| {
                crate::service::accounts::reset_from_cli(c, &username, crate::db::now())
            })?;
            println!(
                "Đã đặt lại mật khẩu của {} / password reset for {}.",
                username.trim(),
                username.trim()
            );
            println!("Mật khẩu một lần / one-time password: {password}");
            println!("Người dùng phải đổi mật khẩu này ở lần đăng nhập tới / it must be changed at the next sign-in.");
            Ok(())
        }
        Command::Unlock { username } => {
            let db = connect(&settings)?;
            let cleared = db.write_now(|c| {
                crate::service::accounts::unlock_from_cli(c, &username, crate::db::now())
            })?;
            println!(
                "Đã mở khóa đăng nhập của {u} ({cleared} bộ đếm đã xóa) / sign-in locks of {u} cleared ({cleared} counters).",
                u = username.trim()
            );
            Ok(())
        }
        Command::ImportBank { files, how } => import_banks(&settings, files, how),
        Command::ImportUnits { file } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                AppError::invalid(
                    format!("Không đọc được tệp {}: {e}", file.display()),
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            let db = connect(&settings)?;
            let s = db.write_now(|c| {
                units::import_csv(
                    c,
                    &bytes,
                    None,
                    crate::domain::vn_time::today(crate::db::now()),
                )
            })?;
            println!(
                "Đã nhập {}: {} đơn vị mới, {} cập nhật, {} số liệu đoàn viên.",
                file.display(),
                s.created,
                s.updated,
                s.member_counts
            );
            Ok(())
        }
    }
}

/// A file's bytes, at most `max` + 1 of them: a larger file is refused by
/// the parser's size check without ever being read whole.
fn read_at_most(path: &std::path::Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn import_banks(
    settings: &Settings,
    files: Vec<std::path::PathBuf>,
    how: BankImport,
) -> Result<(), AppError> {
    use crate::service::banks::{check_noted, import_now, share_now, ImportRequest};
    let db = if how.dry_run {
        None
    } else {
        Some(connect(settings)?)
    };
    let mut failed = 0;
    for file in &files {
        let name = file.display().to_string();
        let result = read_at_most(file, crate::domain::bank::MAX_FILE_BYTES)
            .map_err(|e| {
                AppError::invalid(
                    format!("Không đọc được tệp {name}: {e}"),
                    format!("cannot read {name}: {e}"),
                )
            })
            .and_then(|bytes| {
                let req = ImportRequest {
                    file_name: name.clone(),
                    bytes,
                    format: None,
                    slug: how.slug.clone(),
                    title: how.title.clone(),
                    skip_unsupported: how.skip_unsupported,
                    columns: how.columns.clone(),
                };
                match &db {
                    Some(db) => db
                        .write_now(|c| {
                            let outcome = import_now(c, how.unit.as_deref(), &req)?;
                            if how.shared {
                                share_now(c, &outcome.slug)?;
                            }
                            Ok(outcome)
                        })
                        .map(|o| (o.message, o.notes, o.summary)),
                    None => check_noted(&req).map(|(bank, _, notes)| {
                        (
                            format!(
                                "hợp lệ: ngân hàng {} \"{}\", {} câu hỏi — chưa lưu (--dry-run) / valid, nothing saved.",
                                bank.slug,
                                bank.title,
                                bank.questions.len()
                            ),
                            notes,
                            crate::domain::bank::summary(&bank),
                        )
                    }),
                }
            });
        match result {
            Ok((message, notes, summary)) => {
                println!("{name}: {message}");
                for n in &notes {
                    println!("  {n}");
                }
                println!(
                    "  {:<28} {:>5} {:>5} {:>5} {:>6}",
                    "chủ đề / topic", "dễ", "TB", "khó", "tổng"
                );
                for t in &summary {
                    println!(
                        "  {:<28} {:>5} {:>5} {:>5} {:>6}",
                        t.topic, t.easy, t.medium, t.hard, t.total
                    );
                }
            }
            Err(e) => {
                failed += 1;
                let (vi, en) = e.messages();
                eprintln!("{name}: {vi} / {en}");
                for p in e.problems() {
                    eprintln!(
                        "  {name}:{} [{}] {} / {}",
                        p.row, p.field, p.message, p.message_en
                    );
                }
            }
        }
    }
    if failed > 0 {
        Err(AppError::invalid(
            format!("{failed}/{} tệp không nhập được.", files.len()),
            format!("{failed} of {} files were not imported.", files.len()),
        ))
    } else {
        Ok(())
    }
}

fn print_demo(base: &str, info: &crate::service::demo::DemoInfo) {
    println!("Đã tạo hội thi mẫu / demo contest created:");
    println!("  Thí sinh / participants:  {base}/c/{}", info.slug);
    println!("  Ban tổ chức / organizers: {base}/login");
    for (user, role, password) in &info.accounts {
        println!(
            "    {user} ({}) — mật khẩu / password: {password}",
            role.as_str()
        );
    }
    println!("  (Mật khẩu chỉ hiện một lần / passwords are shown only once.)");
}

fn demo(settings: Settings) -> Result<(), AppError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::Internal(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let mut s = settings.clone();
        s.bind = "127.0.0.1:0".into();
        s.sweep_seconds = 0;
        let app = Application::build(s).await?;
        match crate::service::demo::ensure(app.state(), false).await? {
            Some(info) => print_demo(&format!("http://{}", settings.bind), &info),
            None => println!("Hội thi mẫu đã có / the demo contest already exists."),
        }
        Ok(())
    })
}

fn serve(settings: Settings) -> Result<(), AppError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::Internal(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let app = Application::build(settings.clone()).await?;
        let host = settings
            .bind
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or("127.0.0.1");
        let base = format!(
            "http://{}:{}",
            if host == "0.0.0.0" { "127.0.0.1" } else { host },
            app.port()
        );
        println!(
            "hoithi đang chạy tại / is serving at {base}/  (cơ sở dữ liệu / database: {})",
            settings.database_url
        );
        if settings.demo {
            if let Some(info) = crate::service::demo::ensure(app.state(), true).await? {
                print_demo(&base, &info);
            }
        }
        tracing::info!(port = app.port(), database = %settings.database_url, "serving");
        app.run_until_stopped()
            .await
            .map_err(|e| AppError::Internal(format!("server error: {e}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bank_file_is_read_only_up_to_one_byte_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lon.csv");
        std::fs::write(&path, vec![b'a'; 5_000]).unwrap();
        assert_eq!(read_at_most(&path, 1_000).unwrap().len(), 1_001);
        assert_eq!(read_at_most(&path, 10_000).unwrap().len(), 5_000);
        assert!(read_at_most(&dir.path().join("khong-co"), 10).is_err());
    }
}
