//! certbody: the workflow of a management-system certification body as a REST service.
//! `startup::Application` builds the whole service; `main.rs` is only the command line.

pub mod accounts;
pub mod api;
pub mod appeals;
pub mod applications;
pub mod auditors;
pub mod audits;
pub mod auth;
pub mod cache;
pub mod certificates;
pub mod clock;
pub mod complaints;
pub mod config;
pub mod credentials;
pub mod db;
pub mod decisions;
pub mod demo;
pub mod documents;
pub mod error;
pub mod nonconformities;
pub mod notify;
pub mod pagination;
pub mod programmes;
pub mod scheduler;
pub mod standards;
pub mod startup;
pub mod telemetry;
pub mod trail;
pub mod validate;
pub mod verification;
pub mod watch;
pub mod web;
pub mod workflow;
