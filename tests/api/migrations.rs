//! The migration chain on its own: every migration applies to an empty database, reverts
//! cleanly, applies again, and SQLite and PostgreSQL end with the same tables and columns.

use std::collections::BTreeSet;

use certbody::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;

use crate::helpers::{postgres_url, with_database_name};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

type Columns = BTreeSet<(String, String)>;

fn columns(rows: Vec<Column>) -> Columns {
    rows.into_iter()
        .filter(|c| c.table_name != "__diesel_schema_migrations")
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

fn sqlite_columns(conn: &mut SqliteConnection) -> Columns {
    columns(
        diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load(conn)
        .unwrap(),
    )
}

fn postgres_columns(conn: &mut PgConnection) -> Columns {
    columns(
        diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load(conn)
        .unwrap(),
    )
}

/// Up, down to nothing, up again; answers the columns at the end.
fn chain<C: MigrationHarness<B> + Connection<Backend = B>, B: diesel::backend::Backend>(
    conn: &mut C,
    migrations: fn() -> diesel_migrations::EmbeddedMigrations,
    list: impl Fn(&mut C) -> Columns,
) -> Columns {
    let applied = conn.run_pending_migrations(migrations()).unwrap().len();
    let first = list(conn);
    assert!(first.len() > 50, "the schema has its tables: {first:?}");
    let reverted = conn.revert_all_migrations(migrations()).unwrap().len();
    assert_eq!(applied, reverted, "every migration reverts");
    assert_eq!(list(conn), Columns::new(), "down leaves no table behind");
    conn.run_pending_migrations(migrations()).unwrap();
    let again = list(conn);
    assert_eq!(first, again, "up after down gives the same schema");
    again
}

#[test]
fn every_migration_goes_up_and_down_and_both_backends_end_alike() {
    let dir = std::env::temp_dir().join(format!(
        "certbody-chain-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let mut sqlite = SqliteConnection::establish(&dir.display().to_string()).unwrap();
    sqlite.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    let sqlite_schema = chain(&mut sqlite, || SQLITE_MIGRATIONS, sqlite_columns);
    drop(sqlite);
    let _ = std::fs::remove_file(&dir);

    let Some(server_url) = postgres_url() else {
        return; // The PostgreSQL half runs with CERTBODY_TEST_POSTGRES_URL (CI sets it).
    };
    let name = format!("certbody_chain_{}", uuid::Uuid::new_v4().simple());
    let mut server = PgConnection::establish(&server_url).unwrap();
    server
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut postgres = PgConnection::establish(&with_database_name(&server_url, &name)).unwrap();
    let postgres_schema = chain(&mut postgres, || POSTGRES_MIGRATIONS, postgres_columns);
    drop(postgres);
    server
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    assert_eq!(
        sqlite_schema, postgres_schema,
        "SQLite and PostgreSQL migrations must describe the same tables and columns"
    );
}
