//! Storage: one diesel connection type over SQLite and PostgreSQL, a pool, embedded
//! migrations, and the ways to use a connection (`Db::run` for one trip, `Db::write` for one
//! write transaction, `Db::read_one` for a read of one object; request handlers go through
//! `workflow::Service`).
//!
//! Rules kept here so no module has to remember them:
//! - diesel calls are blocking, so they run on actix's blocking thread pool, not on an async
//!   worker — except a SQLite read of one object, which takes less time than the hand-off
//!   (`Db::read_one`);
//! - every write runs in one transaction (IMMEDIATE on SQLite, so concurrent writers queue on
//!   `busy_timeout` instead of failing with "database is locked" when a reader upgrades).

pub mod backup;
pub mod schema;
pub mod types;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::Timelike;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises write transactions on PostgreSQL, across connections and instances.
const WRITE_LOCK_KEY: i64 = 0x7772_6974_6573; // "writes"

/// Serialises schema migrations when several instances start against one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x6365_7274_626f_6479; // "certbody"

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgresql,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgresql
        } else {
            Backend::Sqlite
        }
    }
}

/// The form diesel's establish() expects: `sqlite://path` and a bare path both mean a file.
fn connection_url(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Per-connection settings.
///
/// SQLite: busy_timeout first so the others can wait for a lock.
///
/// PostgreSQL: a read uses one plan per cached statement and connection instead of being
/// planned again on every run. Left to choose, PostgreSQL re-plans whenever the one-size plan
/// looks costlier, as a `LIMIT $n` always makes it look (measured on the directory at
/// 1,000,000 certificates: 345–366 → 164–207 µs of database CPU per search). Keyed reads and
/// the public directory's word ranges plan alike whatever the values. Where a rare value
/// should find its own index, PostgreSQL chooses per run again: in writes
/// (`in_write_transaction`, e.g. claiming mail still to send), in list pages filtered by a
/// status and in directory searches by filters alone (`planned_for_values`). No parallel workers: for a page of twenty rows, starting
/// one costs more than it saves.
#[derive(Debug)]
struct SessionSettings;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConnection::Sqlite(conn) => conn.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            ),
            DbConnection::Postgres(conn) => conn.batch_execute(
                "SET plan_cache_mode = force_generic_plan; \
                 SET max_parallel_workers_per_gather = 0",
            ),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type PooledDbConnection = PooledConnection<ConnectionManager<DbConnection>>;

/// The pool plus the backend it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    backend: Backend,
    /// One permit per pooled connection: requests wait for a connection here, on the async
    /// side, instead of parking blocking threads on the pool's lock (measured: most of the
    /// time of a read under load went to those threads waking each other). `read_one` takes
    /// one only if it need not wait.
    permits: Arc<Semaphore>,
}

impl Db {
    /// Opens a pool; fails fast when the database cannot be reached.
    pub fn connect(url: &str, max_size: u32) -> AppResult<Db> {
        let backend = Backend::from_url(url);
        // SQLite creates the file, not its folder: say so rather than retry for a pool timeout.
        if backend == Backend::Sqlite {
            let folder = std::path::Path::new(connection_url(url)).parent();
            if let Some(folder) = folder.filter(|f| !f.as_os_str().is_empty() && !f.is_dir()) {
                return Err(AppError::Unavailable(format!(
                    "cannot open database: the folder {} does not exist",
                    folder.display()
                )));
            }
        }
        let manager = ConnectionManager::<DbConnection>::new(connection_url(url));
        let pool = Pool::builder()
            .max_size(max_size)
            // Connections are opened on demand: with an idle minimum, r2d2 refills the pool
            // from a background thread, which can still be inside libpq when a CLI command exits.
            .min_idle(Some(0))
            // No `SELECT 1` before every use: a connection that broke is found by its first
            // query and discarded by the pool (diesel marks it broken).
            .test_on_check_out(false)
            .connection_customizer(Box::new(SessionSettings))
            .build(manager)
            .map_err(|e| AppError::Unavailable(format!("cannot open database: {e}")))?;
        Ok(Db {
            pool,
            backend,
            permits: Arc::new(Semaphore::new(max_size as usize)),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn migrate(&self) -> AppResult<Vec<String>> {
        let mut conn = self.pool.get()?;
        if let DbConnection::Postgres(pg) = &mut *conn {
            if postgres_up_to_date(pg)? {
                return Ok(Vec::new());
            }
        }
        let applied = match &mut *conn {
            DbConnection::Sqlite(conn) => conn
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|versions| versions.iter().map(ToString::to_string).collect()),
            DbConnection::Postgres(conn) => {
                conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                    .map_err(AppError::internal)?;
                let result = conn
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|versions| versions.iter().map(ToString::to_string).collect());
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                    .map_err(AppError::internal)?;
                result
            }
        };
        applied.map_err(|e| AppError::internal(format!("migration failed: {e}")))
    }

    /// Runs `f` with one pooled connection on the blocking pool: one trip, outside any
    /// transaction (`f` may open one with `in_write_transaction`).
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::Unavailable("the database pool is closed".into()))?;
        let pool = self.pool.clone();
        actix_web::web::block(move || f(&mut *pool.get()?)).await?
    }

    /// Runs `f`, a read of one object by its key (with its children: a few index lookups),
    /// with one pooled connection. On SQLite, when a connection is idle, it runs right here on
    /// the async worker: such a read of a local file takes less time than handing it to the
    /// blocking pool and waking the worker again (measured: the authenticated application read
    /// went from 0.208 to 0.274 of `/health`). Everything else uses `run`, so that no list,
    /// search, export or rendering can hold up the connections a worker serves; PostgreSQL
    /// reads too, whose round trips would hold the worker.
    pub async fn read_one<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if self.backend == Backend::Sqlite {
            if let Ok(_permit) = self.permits.try_acquire() {
                if let Some(mut conn) = self.pool.try_get() {
                    // A panic answers 500, as from the blocking pool (and the pool discards
                    // a connection left inside a transaction: diesel's `is_broken`).
                    let read = AssertUnwindSafe(move || f(&mut conn));
                    return std::panic::catch_unwind(read)
                        .unwrap_or_else(|_| Err(AppError::internal("a database read panicked")));
                }
            }
        }
        self.run(f).await
    }

    /// Runs `f` in one write transaction on the blocking pool: all of it commits or none.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| in_write_transaction(conn, f)).await
    }
}

/// Runs `f` on one snapshot. On SQLite one read transaction replaces one per statement
/// (each takes the WAL's shared-memory locks; measured: 98 → 90 µs of server CPU per
/// authenticated application read). PostgreSQL reads run as they are: a transaction there
/// costs two more round trips, and every statement already sees committed data.
pub fn in_read_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    match conn {
        DbConnection::Sqlite(_) => diesel::Connection::transaction(conn, f),
        DbConnection::Postgres(_) => f(conn),
    }
}

/// Runs `f`, a list filtered by values the caller picks (a status, a state), with PostgreSQL
/// planning it for those values instead of with the sessions' one-size plan
/// (`SessionSettings`), so a rare status still finds its index. It costs a transaction's two
/// more round trips, which list pages can afford. SQLite runs `f` as it is.
pub fn planned_for_values<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    match conn {
        DbConnection::Sqlite(_) => f(conn),
        DbConnection::Postgres(_) => diesel::Connection::transaction(conn, |conn| {
            conn.batch_execute("SET LOCAL plan_cache_mode = auto")?;
            f(conn)
        }),
    }
}

/// diesel's `transaction`, with the write lock taken up front on both backends: SQLite
/// begins `IMMEDIATE`; PostgreSQL takes one transaction-scoped advisory lock. Writes thus run
/// one at a time on either backend — the same semantics everywhere, no check-then-write races,
/// no lock-order deadlocks, and a linear audit chain. A certification body's write volume
/// (people filing records) is far below what one writer at a time sustains; reads never wait.
pub fn in_write_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            let locked = c.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY}); SET LOCAL plan_cache_mode = auto"
            ));
            if let Err(err) = locked {
                let _ = DbConnection::rollback_transaction(conn);
                return Err(AppError::internal(err));
            }
        }
    }
    match f(conn) {
        Ok(value) => match DbConnection::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(err) => {
                // A failed COMMIT may leave the transaction open; make sure it is gone.
                let _ = DbConnection::rollback_transaction(conn);
                Err(err.into())
            }
        },
        Err(err) => {
            DbConnection::rollback_transaction(conn)?;
            Err(err)
        }
    }
}

/// Every row of a query, run on the backend's own connection: `all_rows!(conn, query)`.
///
/// Through the two-backend connection diesel builds the SQL text two or three times per
/// execution even when the statement is cached; on the concrete connection a cached
/// statement is only bound and stepped. The query expression is expanded once per backend
/// (a `Selectable`'s select clause is typed by its backend). Measured on the hot read path:
/// 15k → 25k requests/s.
#[macro_export]
macro_rules! all_rows {
    ($conn:expr, $query:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(conn) => diesel::RunQueryDsl::load($query, conn),
            $crate::db::DbConnection::Postgres(conn) => diesel::RunQueryDsl::load($query, conn),
        }
        .map_err($crate::error::AppError::from)
    };
}

/// The row a query on a unique key finds, if any: `at_most_one!(conn, query)`, run like
/// `all_rows!`. Not diesel's `first()`: its `LIMIT ?` makes SQLite re-prepare the cached
/// statement each time the limit is bound (the planner used the value), which measured as
/// most of a keyed read's time.
#[macro_export]
macro_rules! at_most_one {
    ($conn:expr, $query:expr) => {
        $crate::all_rows!($conn, $query).map(|rows| rows.into_iter().next())
    };
}

/// A random token (UUID v4 text), e.g. to tell one instance's claims and leases from another's.
/// Rows get typed ids instead (`id_type!`).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Current time as stored: UTC, microsecond precision on both backends.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond((now.nanosecond() / 1000) * 1000)
        .unwrap_or(now)
}

/// Whether every embedded migration is applied already, read with plain queries: diesel's
/// harness first creates its bookkeeping table, which needs the right to create tables, so
/// without this a service role with grants only could not start against a migrated database.
fn postgres_up_to_date(conn: &mut PgConnection) -> AppResult<bool> {
    use diesel::migration::MigrationSource;
    use diesel::sql_types::{Bool, Text};
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let bookkept: bool = diesel::select(diesel::dsl::sql::<Bool>(
        "to_regclass('__diesel_schema_migrations') IS NOT NULL",
    ))
    .get_result(conn)?;
    if !bookkept {
        return Ok(false);
    }
    let applied: std::collections::HashSet<String> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Applied>(conn)?
            .into_iter()
            .map(|row| row.version)
            .collect();
    let embedded: std::collections::HashSet<String> =
        MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map_err(AppError::internal)?
            .iter()
            .map(|migration| migration.name().version().to_string())
            .collect();
    let unknown: Vec<&String> = applied.difference(&embedded).collect();
    if !unknown.is_empty() {
        tracing::warn!(
            ?unknown,
            "the database has migrations this binary does not know: it is newer than the binary"
        );
    }
    Ok(embedded.is_subset(&applied))
}
