use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::helpers::{postgres_base, TestDb};

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .expect("migrations folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_names_in_the_same_order() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

fn columns(db: &TestDb) -> Vec<Column> {
    let handle = db.connect(); // runs the migrations of this backend
    let mut cols = handle
        .read_now(|c| {
            let sql = if c.is_sqlite() {
                "SELECT m.name AS table_name, p.name AS column_name, (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
            } else {
                "SELECT table_name::text AS table_name, column_name::text AS column_name, (is_nullable = 'YES') AS nullable \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'"
            };
            diesel::sql_query(sql).load::<Column>(c).map_err(Into::into)
        })
        .expect("columns");
    cols.sort();
    cols
}

#[test]
#[ignore = "needs PostgreSQL (HOITHI_TEST_POSTGRES_URL); .ci/run runs it with --include-ignored"]
fn both_migration_sets_produce_the_same_tables_columns_and_nullability() {
    let base =
        postgres_base().expect("HOITHI_TEST_POSTGRES_URL names the PostgreSQL to compare with");
    let sqlite = columns(&TestDb::sqlite());
    let postgres = columns(&TestDb::postgres(&base));
    assert!(sqlite.len() > 10, "{sqlite:?}");
    assert_eq!(sqlite, postgres);
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct BankShared {
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Bool)]
    shared: bool,
}

/// Reverts the migrations, newest first, down to and including `version`
/// (digits only): the later ones are reverted too, so a test of one
/// migration keeps working once others come after it.
macro_rules! revert_through {
    ($conn:expr, $migrations:expr, $version:literal) => {{
        use diesel_migrations::MigrationHarness;
        loop {
            let reverted = $conn.revert_last_migration($migrations).expect("revert");
            let digits: String = reverted
                .to_string()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            if digits == $version {
                break;
            }
        }
    }};
}

/// Applies the migrations before bank sharing, stores a unit's bank and a
/// bank with no unit, applies the rest, and reads the banks back.
macro_rules! upgrade_banks {
    ($conn:expr, $migrations:expr) => {{
        use diesel_migrations::MigrationHarness;
        let conn = $conn;
        loop {
            let applied = conn.run_next_migration($migrations).expect("migrate");
            let digits: String = applied.to_string().chars().filter(char::is_ascii_digit).collect();
            if digits == "20261130000010" {
                break;
            }
        }
        for sql in [
            "INSERT INTO units (id, code, name, level, parent_id, path, depth, created_at, updated_at) \
             VALUES ('u1', 'XA-A', 'Đoàn xã An Phú', 'Đoàn cơ sở', NULL, '/u1/', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
            "INSERT INTO banks (id, slug, unit_id, created_at) VALUES ('b1', 'cua-xa', 'u1', '2026-11-01 00:00:00')",
            "INSERT INTO banks (id, slug, unit_id, created_at) VALUES ('b2', 'cua-admin', NULL, '2026-11-01 00:00:00')",
        ] {
            diesel::sql_query(sql).execute(conn).expect("insert");
        }
        conn.run_pending_migrations($migrations).expect("migrate the rest");
        let mut banks = diesel::sql_query("SELECT slug, shared FROM banks")
            .load::<BankShared>(conn)
            .expect("banks");
        banks.sort();
        banks
    }};
}

/// Every bank is kept; a unit's bank starts unshared; a bank with no unit
/// (the admins', readable by every organizer until now) stays usable by
/// every unit, shared without its keys.
#[test]
fn the_sharing_migration_keeps_every_bank_and_shares_only_the_admins() {
    let want = vec![
        BankShared {
            slug: "cua-admin".into(),
            shared: true,
        },
        BankShared {
            slug: "cua-xa".into(),
            shared: false,
        },
    ];
    let db = TestDb::sqlite();
    let mut conn =
        diesel::SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).expect("open");
    assert_eq!(
        upgrade_banks!(&mut conn, hoithi::db::SQLITE_MIGRATIONS),
        want
    );
    if let Some(base) = postgres_base() {
        let db = TestDb::postgres(&base);
        let mut conn = diesel::PgConnection::establish(&db.url).expect("connect");
        assert_eq!(
            upgrade_banks!(&mut conn, hoithi::db::POSTGRES_MIGRATIONS),
            want
        );
    }
}

#[derive(QueryableByName, Debug)]
struct OldAnswer {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    position: i32,
    #[diesel(sql_type = Text)]
    choices: String,
}

/// Answers of a submitted attempt as the previous release stored them
/// (option letters joined by commas, '' for a question left blank), then
/// migrated: each reads back as the same keys and the attempt grades to the
/// score it was given. Runs on the suite's backend (both in CI).
#[tokio::test]
async fn typed_answers_keep_every_stored_answer_and_its_grade() {
    use crate::helpers::{attempt, contest_fixture, join, spawn_app, submit};
    use diesel_migrations::MigrationHarness;
    use hoithi::db::DbConn;

    let app = spawn_app().await;
    contest_fixture(&app, 30, 1).await;
    let token = join(&app, "0912000777", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &token, 3).await;
    // One question answered wrong, one left blank on purpose.
    for (pos, body) in [
        (4, serde_json::json!({"choices": ["A", "B"]})),
        (5, serde_json::json!({"choices": []})),
    ] {
        let r = app
            .put(
                &format!("/api/v1/attempts/{id}/answers/{pos}"),
                &token,
                &body,
            )
            .await;
        // A single-answer question refuses two keys: then one key.
        if r.status() == 422 {
            let r = app
                .put(
                    &format!("/api/v1/attempts/{id}/answers/{pos}"),
                    &token,
                    &serde_json::json!({"choices": ["A"]}),
                )
                .await;
            assert_eq!(r.status(), 204);
        } else {
            assert_eq!(r.status(), 204);
        }
    }
    submit(&app, &token, &id, None).await;
    let (aid, st) = (id.clone(), app.state.clone());
    let read = move || {
        let (aid, st) = (aid.clone(), st.clone());
        st.db
            .read_now(move |c| {
                let a = hoithi::db::attempts::by_id(c, &aid)?.expect("attempt");
                let v = st.versions.get(c, &a.bank_version_id)?;
                let answers = hoithi::db::attempts::answers_of(c, &aid)?;
                let score = hoithi::domain::paper::score(&a.paper()?, &v.pool, &answers);
                Ok((answers, score.score, a.score))
            })
            .expect("read")
    };
    let (before, regraded, stored) = read();
    assert_eq!(Some(regraded), stored);
    assert_eq!(before.len(), 5, "{before:?}");

    // Back to the previous release's schema: the letters as it stored them.
    let old: Vec<OldAnswer> = app
        .state
        .db
        .write_now(|c| {
            let sql = "SELECT position, choices FROM answers ORDER BY position";
            let loaded = match c {
                DbConn::Sqlite(c) => {
                    revert_through!(c, hoithi::db::SQLITE_MIGRATIONS, "20261205000012");
                    diesel::sql_query(sql).load(c)?
                }
                DbConn::Postgres(c) => {
                    revert_through!(c, hoithi::db::POSTGRES_MIGRATIONS, "20261205000012");
                    diesel::sql_query(sql).load(c)?
                }
            };
            Ok(loaded)
        })
        .expect("the previous schema");
    assert_eq!(old.len(), 5);
    for a in &old {
        let want = before[&a.position].keys().join(",");
        assert_eq!(a.choices, want, "position {}", a.position);
    }
    assert!(old.iter().any(|a| a.choices.is_empty()), "a blank answer");

    // The migration again, on what the previous release left.
    app.state
        .db
        .write_now(|c| {
            match c {
                DbConn::Sqlite(c) => c
                    .run_pending_migrations(hoithi::db::SQLITE_MIGRATIONS)
                    .map(|_| ()),
                DbConn::Postgres(c) => c
                    .run_pending_migrations(hoithi::db::POSTGRES_MIGRATIONS)
                    .map(|_| ()),
            }
            .expect("migrate");
            Ok(())
        })
        .expect("migrated");
    let (after, regraded, stored) = read();
    assert_eq!(after, before, "every answer reads back the same");
    assert_eq!(Some(regraded), stored, "and grades to the same score");
}
