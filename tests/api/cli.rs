use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::TestDb;

/// The `hoithi` binary on a test database, logging warnings only.
pub(crate) fn hoithi(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hoithi"));
    c.env("HOITHI_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn");
    c
}

#[test]
fn create_user_prints_a_generated_password_and_refuses_bad_roles() {
    let db = TestDb::new();
    let out = hoithi(&db)
        .args(["create-user", "--username", "quantri", "--role", "admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Mật khẩu / password: "), "{stdout}");

    let out = hoithi(&db)
        .args(["create-user", "--username", "xyz1", "--role", "boss"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Vai trò không hợp lệ"));

    let out = hoithi(&db)
        .args(["create-user", "--username", "quantri", "--role", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a taken username fails");
}

#[test]
fn create_user_reads_the_password_from_stdin() {
    let db = TestDb::new();
    let mut child = hoithi(&db)
        .args([
            "create-user",
            "--username",
            "btc",
            "--role",
            "viewer",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"mot-mat-khau-dai\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("password:"),
        "no generated password is printed"
    );
}

#[test]
fn import_units_reports_bad_rows_and_exits_non_zero() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, crate::helpers::TREE_CSV).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name,level,parent_code,members\nA,A,Xã,,x\n").unwrap();

    let out = hoithi(&db)
        .args(["import-units"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 2"));

    let out = hoithi(&db)
        .args(["import-units"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 đơn vị mới"));

    let out = hoithi(&db).args(["migrate"]).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn an_unknown_database_scheme_is_a_clear_startup_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_hoithi"))
        .args(["migrate"])
        .env("HOITHI_DATABASE_URL", "mysql://root@localhost/x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOITHI_DATABASE_URL"));
    let out = Command::new(env!("CARGO_BIN_EXE_hoithi"))
        .args(["migrate"])
        .env("HOITHI_DATABASE_URL", "sqlite:///no/such/folder/x.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn import_bank_prints_a_summary_or_every_problem() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.aiken");
    std::fs::write(&bad, "Hỏi?\nA. x\nB. y\n").unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/question_banks/dich-vu-cong-truc-tuyen-2023.toml"
    );
    let out = hoithi(&db).args(["import-bank", sample]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("47 câu hỏi") && stdout.contains("thanh-nien"),
        "{stdout}"
    );
    let out = hoithi(&db)
        .args(["import-bank"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.aiken:1 [answer]"));
}

/// Logs going to a file or a pipe carry no colour codes, and a refused
/// request is one `INFO` line, not a `WARN` with a debug dump.
#[test]
fn logs_to_a_pipe_are_plain_and_a_refused_request_is_one_info_line() {
    let db = TestDb::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = hoithi(&db)
        .env("RUST_LOG", "info")
        .env("HOITHI_DEMO", "off")
        .env("HOITHI_BIND", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut answered = false;
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(
                b"GET /api/v1/contests/khong-co HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
            let mut out = String::new();
            std::io::Read::read_to_string(&mut s, &mut out).unwrap();
            assert!(out.starts_with("HTTP/1.1 404"), "{out}");
            answered = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(answered, "the server answered");
    std::thread::sleep(std::time::Duration::from_millis(300));
    server.kill().unwrap();
    let out = server.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains('\u{1b}'), "no ANSI codes:\n{log}");
    assert!(!log.contains("WARN"), "{log}");
    let refused: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("request refused"))
        .collect();
    assert_eq!(refused.len(), 1, "{log}");
    assert!(
        refused[0].contains("INFO") && refused[0].contains("status=404"),
        "{}",
        refused[0]
    );
}

#[test]
fn reset_password_prints_a_one_time_password_that_must_be_changed() {
    let db = TestDb::new();
    let out = hoithi(&db)
        .args(["create-user", "--username", "quantri", "--role", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = hoithi(&db)
        .args(["reset-password", "--username", "QuanTri"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Mật khẩu một lần / one-time password: "))
        .unwrap_or_else(|| panic!("{stdout}"))
        .trim()
        .to_string();
    assert_eq!(password.len(), 16);
    let conn = db.connect();
    let account = conn
        .write_now(|c| hoithi::db::accounts::by_username(c, "quantri"))
        .unwrap()
        .unwrap();
    assert!(
        account.must_change_password,
        "the next sign-in must change it"
    );
    assert!(hoithi::auth::verify_password(
        &password,
        &account.password_hash
    ));

    let out = hoithi(&db)
        .args(["reset-password", "--username", "khong-co"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Không có tài khoản khong-co"));
}

#[test]
fn import_bank_names_unsupported_moodle_questions_and_skips_them_when_asked() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moodle.xml");
    std::fs::write(&path, hoithi::domain::bank::moodle_xml::tests_example()).unwrap();
    let out = hoithi(&db)
        .args(["import-bank", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"Bài luận\" (câu 4)"), "{stderr}");
    let out = hoithi(&db)
        .args(["import-bank", path.to_str().unwrap(), "--skip-unsupported"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Đã bỏ qua \"Bài luận\""), "{stdout}");
}

#[test]
fn import_bank_checks_without_saving_on_dry_run_and_reads_unknown_headers_by_columns() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("khao sat 2024.csv");
    std::fs::write(
        &path,
        "Số TT;Nội dung hỏi;Lựa chọn 1;Lựa chọn 2;Lựa chọn 3;Kết quả\n\
         1;Đoàn TNCS Hồ Chí Minh thành lập năm nào?;1930;1931;1941;B\n\
         2;Ngày thành lập Đoàn?;26/3;19/5;2/9;a\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let out = hoithi(&db).args(["import-bank", file]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[columns]") && stderr.contains("Thiếu cột"),
        "{stderr}"
    );

    let columns = "stem=B,a=C,b=D,c=E,answer=F";
    let out = hoithi(&db)
        .args(["import-bank", file, "--columns", columns, "--dry-run"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("khao-sat-2024")
            && stdout.contains("2 câu hỏi")
            && stdout.contains("--dry-run"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Cột được chọn: stem=B"),
        "the choice is said: {stdout}"
    );

    let out = hoithi(&db)
        .args(["import-bank", file, "--columns", columns])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Đã tạo phiên bản 1"),
        "the dry run saved nothing, so this is the first version: {stdout}"
    );

    let out = hoithi(&db)
        .args(["import-bank", file, "--columns", "stem=B,a=B", "--dry-run"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"a=B\"") && stderr.contains("Thiếu cột"),
        "{stderr}"
    );
}

/// `import-bank` stores a bank with no unit (the admins') unshared;
/// `--shared` shares it with every unit, without its keys.
#[test]
fn import_bank_shares_only_when_asked() {
    use diesel::prelude::*;
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/question_banks/dich-vu-cong-truc-tuyen-2023.toml"
    );
    let shared = |db: &TestDb| -> bool {
        use hoithi::db::schema::banks;
        db.connect()
            .read_now(|c| {
                banks::table
                    .select(banks::shared)
                    .first::<bool>(c)
                    .map_err(Into::into)
            })
            .unwrap()
    };
    for (args, want) in [(&[][..], false), (&["--shared"][..], true)] {
        let db = TestDb::new();
        let out = hoithi(&db)
            .args(["import-bank", sample])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(shared(&db), want, "{args:?}");
    }
}
