//! One integration-test binary (links once). Every test starts the real application on a
//! random port with its own database: SQLite by default, PostgreSQL when
//! `CERTBODY_TEST_POSTGRES_URL` is set.

mod accounts;
mod applications;
mod audits;
mod browser;
mod certification;
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
