//! One integration-test binary (links once). Every test starts the real application on a
//! random port with its own database: SQLite by default, PostgreSQL when
//! `CERTBODY_TEST_POSTGRES_URL` is set.

mod accounts;
mod appeals;
mod applications;
mod audits;
mod backups;
mod browser;
mod certification;
mod complaints;
mod database_role;
mod demo;
mod errors;
mod helpers;
mod migrations;
mod notifications;
mod operations;
mod renewal;
mod smtp_sink;
mod tokens;
mod trail;
mod verification;
mod watch;
mod webhook_sink;
