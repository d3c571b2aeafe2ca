//! The migration chain on its own: every migration applies to an empty database, reverts
//! cleanly, applies again, and SQLite and PostgreSQL end with the same tables, columns and
//! column types.

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
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_type: String,
}

/// (table, column, type) with each backend's type name brought to one word.
type Columns = BTreeSet<(String, String, String)>;

fn portable_type(declared: &str) -> String {
    match declared.to_lowercase().as_str() {
        "integer" | "bigint" => "bigint".into(),
        "double" | "double precision" => "double".into(),
        "blob" | "bytea" => "binary".into(),
        "timestamp" | "timestamp without time zone" => "timestamp".into(),
        other => other.into(),
    }
}

fn columns(rows: Vec<Column>) -> Columns {
    rows.into_iter()
        .filter(|c| c.table_name != "__diesel_schema_migrations")
        .map(|c| (c.table_name, c.column_name, portable_type(&c.column_type)))
        .collect()
}

fn sqlite_columns(conn: &mut SqliteConnection) -> Columns {
    columns(
        diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type \
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
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS column_type \
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
    // Empty databases (not the template), removed when the test ends, even on panic.
    let file = TempFile(std::env::temp_dir().join(format!(
        "certbody-chain-{}.db",
        uuid::Uuid::new_v4().simple()
    )));
    let mut sqlite = SqliteConnection::establish(&file.0.display().to_string()).unwrap();
    sqlite.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    let sqlite_schema = chain(&mut sqlite, || SQLITE_MIGRATIONS, sqlite_columns);

    let Some(server_url) = postgres_url() else {
        return; // The PostgreSQL half runs with CERTBODY_TEST_POSTGRES_URL (CI sets it).
    };
    let database = EmptyPostgres::create(&server_url);
    let mut postgres = PgConnection::establish(&database.url).unwrap();
    let postgres_schema = chain(&mut postgres, || POSTGRES_MIGRATIONS, postgres_columns);
    assert_eq!(
        sqlite_schema, postgres_schema,
        "SQLite and PostgreSQL migrations must describe the same tables, columns and types"
    );
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

struct EmptyPostgres {
    server_url: String,
    name: String,
    url: String,
}

impl EmptyPostgres {
    fn create(server_url: &str) -> EmptyPostgres {
        let name = format!("certbody_chain_{}", uuid::Uuid::new_v4().simple());
        let mut server = PgConnection::establish(server_url).unwrap();
        server
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        EmptyPostgres {
            url: with_database_name(server_url, &name),
            server_url: server_url.to_owned(),
            name,
        }
    }
}

impl Drop for EmptyPostgres {
    fn drop(&mut self) {
        if let Ok(mut server) = PgConnection::establish(&self.server_url) {
            let _ = server.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The migration that gives planned audits their cycle rebuilds the SQLite table with
/// foreign keys off: rows and the audits that refer to them survive, and the connection
/// checks foreign keys again afterwards.
#[test]
fn the_cycle_migration_keeps_planned_audits_and_the_audits_that_refer_to_them() {
    let file = TempFile(std::env::temp_dir().join(format!(
        "certbody-cycles-{}.db",
        uuid::Uuid::new_v4().simple()
    )));
    let mut conn = SqliteConnection::establish(&file.0.display().to_string()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    while !conn
        .pending_migrations(SQLITE_MIGRATIONS)
        .unwrap()
        .first()
        .is_some_and(|next| next.name().to_string().ends_with("programme_cycles"))
    {
        conn.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    }
    // Parents are left out: only the two tables the rebuild touches matter here.
    conn.batch_execute(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO programme_audits (id, programme_id, kind, position, window_start, window_end,
             planned_days, provisional, sample)
         VALUES ('entry-1', 'programme-1', 'stage1', 1, '2026-01-05', '2026-03-04', 1.5, 0,
             '{\"site_ids\": [], \"random_site_ids\": []}');
         INSERT INTO audits (id, programme_id, programme_audit_id, organisation_id, standard_id,
             kind, state, mode, remote_percent, starts_on, ends_on, days, plan, updated_at)
         VALUES ('audit-1', 'programme-1', 'entry-1', 'org-1', 'std-1', 'stage1', 'completed',
             'on_site', 0, '2026-01-10', '2026-01-11', 1.5, '{}', '2026-01-11 12:00:00');
         PRAGMA foreign_keys = ON;",
    )
    .unwrap();
    conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |conn: &mut SqliteConnection, sql: &str| {
        diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
    };
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM audits a JOIN programme_audits e \
             ON e.id = a.programme_audit_id WHERE e.cycle = 1 AND e.planned_days = 1.5"
        ),
        1,
        "the entry keeps its data and its audit"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT foreign_keys AS n FROM pragma_foreign_keys"
        ),
        1,
        "foreign keys are checked again"
    );
    // A later cycle may plan the same kind again; the same cycle may not.
    let insert = |cycle: i64, id: &str| {
        format!(
            "PRAGMA foreign_keys = OFF; INSERT INTO programme_audits (id, programme_id, kind, \
             position, window_start, window_end, planned_days, provisional, cycle) VALUES \
             ('{id}', 'programme-1', 'stage1', 2, '2029-01-05', '2029-03-04', 1, 0, {cycle})"
        )
    };
    conn.batch_execute(&insert(2, "entry-2")).unwrap();
    assert!(conn.batch_execute(&insert(2, "entry-3")).is_err());
}
