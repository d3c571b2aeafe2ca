//! The service layer's shared mechanics, used the same way by every lifecycle stage.
//!
//! - `Service` (app data) runs a request's work in **one** trip to the blocking pool on
//!   **one** pooled connection: the caller's account check and the stage's reads together;
//!   for writes, also the one transaction that holds the change, its audit event and its mail.
//! - `Tx` is what a write sees: the connection inside that transaction, plus `record` (audit
//!   trail) and `mail` (outbox), so a change and what it reports commit together.
//! - `transition` is the kernel every state change goes through: role check, load with the
//!   object-access check, state machine, the stage's hook, guarded update, audit event, mail.
//!
//! A stage's `service.rs` holds its use cases as functions of `(&mut Tx, &Caller, …)` or
//! `(&mut DbConnection, &Caller, …)`; its handlers only parse, call one and map to HTTP.

pub mod transition;

use std::sync::Arc;

use serde_json::Value;

use crate::auth::{Auth, Caller, Role};
use crate::db::{in_read_transaction, in_write_transaction, Db, DbConnection};
use crate::error::AppResult;
use crate::notify::Notifier;
use crate::pagination::{Page, PageRequest};
use crate::trail::{self, Actor, Change};

/// The database and the outbox, as every handler reaches them. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    db: Db,
    notifier: Arc<Notifier>,
}

impl Service {
    pub fn new(db: Db, notifier: Notifier) -> Service {
        Service {
            db,
            notifier: Arc::new(notifier),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Reads as the signed-in caller: account check and `work` on one connection, one trip.
    pub async fn read<T, F>(&self, auth: Auth, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection, &Caller) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db
            .run(move |conn| {
                in_read_transaction(conn, |conn| {
                    let caller = Caller::load(conn, &auth)?;
                    work(conn, &caller)
                })
            })
            .await
    }

    /// One page of a list the caller's role may read: the role check first (so a refused
    /// caller learns nothing from a bad `limit`), then the page request, then `load`.
    pub async fn page<R, F>(
        &self,
        auth: Auth,
        roles: &'static [Role],
        (limit, offset): (Option<i64>, Option<i64>),
        load: F,
    ) -> AppResult<Page<R>>
    where
        F: FnOnce(&mut DbConnection, &Caller, PageRequest) -> AppResult<(Vec<R>, i64)>
            + Send
            + 'static,
        R: Send + 'static,
    {
        self.read(auth, move |conn, caller| {
            caller.require_role(roles)?;
            let page = PageRequest::parse(limit, offset)?;
            let (rows, total) = load(conn, caller, page)?;
            Ok(Page::new(rows, total, page, |row| row))
        })
        .await
    }

    /// Writes as the signed-in caller: the account check, then `work` in one write
    /// transaction with its audit events and mail — all of it commits, or none.
    pub async fn write<T, F>(&self, auth: Auth, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut Tx<'_>, &Caller) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let notifier = self.notifier.clone();
        self.db
            .run(move |conn| {
                // Inside the transaction: writes are serialised, so a deactivation or role
                // change that commits first is seen here, never slipped past.
                in_write_transaction(conn, |conn| {
                    let caller = Caller::load(conn, &auth)?;
                    let actor = Actor::from(&caller);
                    work(&mut Tx::new(conn, &actor, &notifier), &caller)
                })
            })
            .await
    }

    /// Writes for someone without a session: a registering applicant, the operator's CLI.
    pub async fn write_as<T, F>(&self, actor: Actor, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut Tx<'_>) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let notifier = self.notifier.clone();
        self.db
            .run(move |conn| {
                in_write_transaction(conn, |conn| work(&mut Tx::new(conn, &actor, &notifier)))
            })
            .await
    }
}

/// One write transaction: the connection, who acts, and where mail goes.
pub struct Tx<'a> {
    pub conn: &'a mut DbConnection,
    actor: &'a Actor,
    notifier: &'a Notifier,
}

impl<'a> Tx<'a> {
    pub fn new(conn: &'a mut DbConnection, actor: &'a Actor, notifier: &'a Notifier) -> Tx<'a> {
        Tx {
            conn,
            actor,
            notifier,
        }
    }

    /// Appends the audit event of a change made in this transaction.
    pub fn record(&mut self, change: Change<'_>) -> AppResult<()> {
        trail::record(self.conn, self.actor, change)
    }

    /// Queues mail about a change made in this transaction.
    pub fn mail(&mut self, recipient: &str, template: &str, context: Value) -> AppResult<()> {
        self.notifier
            .enqueue(self.conn, recipient, template, context)
    }
}
