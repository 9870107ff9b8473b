//! Keeping the hot path's writes prepared.
//!
//! diesel keeps a prepared statement per connection for each query it calls
//! safe to cache, and prepares every other one again on each call. Two of
//! its own nodes say "unsafe" whatever their content: every `UPDATE` (its
//! `SET` list may skip `None` fields) and, on PostgreSQL, a derived
//! `Insertable` whose fields may become `DEFAULT`. It does so to keep the
//! cache bounded, not for correctness: such a statement would be cached
//! under its SQL text and bind types. A start, a submit and a registration
//! are a handful of such writes; preparing them each time cost PostgreSQL
//! ~40–50 µs of parsing and planning per statement, and SQLite's
//! `sqlite3Prepare` ran on the one writer.
//!
//! So the hot path's inserts derive `Insertable` with
//! `treat_none_as_default_value = false` (a `None` is `NULL`, as the schema
//! has no default for a nullable column), and its updates are
//! [`update`]s: the same SQL as diesel's, keyed by its text. The filter and
//! the changes keep their own say: a variable `IN` list still marks the
//! statement unsafe, so the cache cannot grow with the input.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression};
use diesel::query_builder::{AsChangeset, AstPass, QueryFragment, QueryId};
use diesel::sql_types::Bool;
use diesel::{QueryResult, RunQueryDsl, Table};

/// `UPDATE table SET … WHERE …`, prepared once per connection and text.
#[derive(Debug, Clone, Copy)]
pub struct Update<F, V, W> {
    from: F,
    set: V,
    filter: W,
}

/// An `UPDATE` of `table`'s rows matching `filter`, kept prepared.
pub fn update<T, V, W>(table: T, filter: W, set: V) -> Update<T::FromClause, V::Changeset, W>
where
    T: Table,
    V: AsChangeset<Target = T>,
    W: Expression<SqlType = Bool> + AppearsOnTable<T>,
{
    Update {
        from: table.from_clause(),
        set: set.as_changeset(),
        filter,
    }
}

impl<F, V, W> QueryId for Update<F, V, W> {
    // No static id: the cache key is the statement's text and bind types.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<F, V, W, DB> QueryFragment<DB> for Update<F, V, W>
where
    DB: Backend,
    F: QueryFragment<DB>,
    V: QueryFragment<DB>,
    W: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // As diesel's own: nothing to set is an error, not `SET  WHERE`.
        if self.set.is_noop(out.backend())? {
            return Err(diesel::result::Error::QueryBuilderError(Box::new(
                diesel::result::EmptyChangeset,
            )));
        }
        out.push_sql("UPDATE ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.set.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<F, V, W, Conn> RunQueryDsl<Conn> for Update<F, V, W> {}

#[cfg(test)]
mod tests {
    use super::update;
    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    diesel::table! {
        t (id) {
            id -> Integer,
            n -> Integer,
            note -> Nullable<Text>,
        }
    }

    // As the hot path's records: one form whatever is `None` (with diesel's
    // default, SQLite keeps one statement per set of `None`s and PostgreSQL
    // none at all).
    #[derive(Insertable)]
    #[diesel(table_name = t, treat_none_as_default_value = false)]
    struct Row {
        id: i32,
        n: i32,
        note: Option<String>,
    }

    /// A connection that counts the statements diesel puts in its cache.
    fn counted() -> (SqliteConnection, Arc<AtomicUsize>) {
        let mut c = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        c.batch_execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT);
             INSERT INTO t (id, n) VALUES (1, 0), (2, 0);",
        )
        .expect("schema");
        let cached = Arc::new(AtomicUsize::new(0));
        let seen = cached.clone();
        let count = move |e: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { .. } = e {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        };
        let count: Box<dyn Instrumentation> = Box::new(count);
        c.set_instrumentation(count);
        (c, cached)
    }

    fn rows(c: &mut SqliteConnection) -> Vec<(i32, i32, Option<String>)> {
        t::table.order(t::id).load(c).expect("rows")
    }

    #[test]
    fn an_update_is_prepared_once_and_stays_exact() {
        let (mut c, cached) = counted();
        for _ in 0..3 {
            for id in [1, 2] {
                let n = update(t::table, t::id.eq(id), t::n.eq(t::n + 1))
                    .execute(&mut c)
                    .expect("update");
                assert_eq!(n, 1);
            }
        }
        assert_eq!(cached.load(Ordering::SeqCst), 1);
        // A second text is a second statement; matching nothing is fine.
        let n = update(
            t::table,
            t::id.eq(2).and(t::n.gt(100)),
            (t::n.eq(0), t::note.eq(Some("x"))),
        )
        .execute(&mut c)
        .expect("update");
        assert_eq!(n, 0);
        assert_eq!(cached.load(Ordering::SeqCst), 2);
        assert_eq!(rows(&mut c), vec![(1, 3, None), (2, 3, None)]);
    }

    #[derive(AsChangeset)]
    #[diesel(table_name = t)]
    struct Note {
        note: Option<String>,
    }

    #[test]
    fn nothing_to_set_is_refused_and_changes_nothing() {
        let (mut c, _) = counted();
        let refused = update(t::table, t::id.eq(1), &Note { note: None }).execute(&mut c);
        assert!(matches!(
            refused,
            Err(diesel::result::Error::QueryBuilderError(_))
        ));
        let set = update(
            t::table,
            t::id.eq(1),
            &Note {
                note: Some("n".into()),
            },
        )
        .execute(&mut c)
        .expect("update");
        assert_eq!(set, 1);
        assert_eq!(rows(&mut c)[0], (1, 0, Some("n".into())));
    }

    #[test]
    fn diesel_alone_prepares_an_update_every_time() {
        let (mut c, cached) = counted();
        for _ in 0..3 {
            diesel::update(t::table.find(1))
                .set(t::n.eq(t::n + 1))
                .execute(&mut c)
                .expect("update");
        }
        assert_eq!(cached.load(Ordering::SeqCst), 0);
        assert_eq!(rows(&mut c)[0], (1, 3, None));
    }

    #[test]
    fn a_variable_in_list_is_still_never_kept() {
        let (mut c, cached) = counted();
        for ids in [vec![1], vec![1, 2]] {
            update(t::table, t::id.eq_any(ids), t::n.eq(t::n + 1))
                .execute(&mut c)
                .expect("update");
        }
        assert_eq!(cached.load(Ordering::SeqCst), 0);
        assert_eq!(rows(&mut c), vec![(1, 2, None), (2, 1, None)]);
    }

    #[test]
    fn an_insert_without_defaults_is_prepared_once() {
        let (mut c, cached) = counted();
        for (id, note) in [(3, None), (4, Some("b".to_string())), (5, None)] {
            diesel::insert_into(t::table)
                .values(&Row { id, n: 7, note })
                .execute(&mut c)
                .expect("insert");
        }
        assert_eq!(cached.load(Ordering::SeqCst), 1);
        assert_eq!(
            rows(&mut c)[2..],
            [(3, 7, None), (4, 7, Some("b".into())), (5, 7, None)]
        );
    }
}
