//! Backups. SQLite copies itself online into one consistent, compacted file (`VACUUM
//! INTO`: a read transaction, so the service keeps running and writing meanwhile).
//! PostgreSQL is backed up with its own tools (`pg_dump`), as README's Operations shows.

use diesel::sql_types::Text;
use diesel::RunQueryDsl;

use super::DbConnection;
use crate::error::{AppError, AppResult};

/// Writes a consistent copy of the SQLite database to the file `to`, which must not exist.
pub fn sqlite_copy(conn: &mut DbConnection, to: &str) -> AppResult<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(to)
                .execute(sqlite)?;
            Ok(())
        }
        DbConnection::Postgres(_) => Err(AppError::Conflict(
            "a PostgreSQL database is backed up with pg_dump (see README, Operations)".into(),
        )),
    }
}
