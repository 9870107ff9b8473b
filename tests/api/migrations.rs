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
