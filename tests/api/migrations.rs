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
