//! The service layer's shared mechanics, used the same way by every lifecycle stage.
//!
//! - `Service` (app data) runs a request's work in **one** trip to the blocking pool on
//!   **one** pooled connection: the caller's account check and the stage's reads together;
//!   for writes, also the one transaction that holds the change, its audit event and its mail.
//!   A read of one object (`read_one`) may run on the async worker instead (`Db::read_one`).
//! - `Tx` is what a write sees: the connection inside that transaction, plus `record` (audit
//!   trail) and `mail` (outbox), so a change and what it reports commit together.
//! - `transition` is the kernel every state change goes through: role check, load with the
//!   object-access check, state machine, the stage's hook, guarded update, audit event, mail.
//!
//! A stage's `service.rs` holds its use cases as functions of `(&mut Tx, &Caller, …)` or
//! `(&mut DbConnection, &Caller, …)`; its handlers only parse, call one and map to HTTP.

pub mod cases;
pub mod impartiality;
pub mod note;
pub mod public_cache;
pub mod transition;

pub use note::StepNote;
pub use public_cache::PublicCache;

use std::sync::Arc;

use serde_json::Value;

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::{Auth, Caller, Role};
use crate::clock::Clock;
use crate::db::{in_read_transaction, in_write_transaction, planned_for_values, Db, DbConnection};
use crate::error::AppResult;
use crate::notify::Notifier;
use crate::pagination::{Page, PageRequest};
use crate::trail::{self, Actor, Change};

/// Periods the certification body sets for its workflow, and what its certificates say
/// about it (configuration, not code).
#[derive(Debug, Clone)]
pub struct Rules {
    /// Days a client has to answer a nonconformity.
    pub nc_response_days: u32,
    /// Days from the audit's last day until a major nonconformity must be verified.
    pub nc_closure_days: u32,
    /// Days after a missed surveillance window before the certificate is suspended.
    pub surveillance_grace_days: u32,
    /// Days to acknowledge and to decide a complaint or an appeal.
    pub case_days: (u32, u32),
    /// Whether webhook endpoints may point into private networks.
    pub webhooks_allow_private: bool,
    pub cb: CbIdentity,
}

/// The certification body as its certificates name it (17021-1 8.2.2; IAF MD 28).
#[derive(Debug, Clone)]
pub struct CbIdentity {
    pub name: String,
    pub address: String,
    /// The CB's certification identity number in the IAF CertSearch register.
    pub register_id: Option<String>,
    /// The accreditation body, when the CB is accredited for its certificates.
    pub accreditation_body: Option<String>,
    /// Leads every certificate number, e.g. `CB` in `CB-7K2M-9QXA-Y`.
    pub certificate_prefix: String,
    /// Where its public pages are, without a trailing slash: certificates' QR codes and
    /// credentials point there.
    pub public_url: String,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            nc_response_days: 30,
            nc_closure_days: 90,
            surveillance_grace_days: 30,
            case_days: (5, 60),
            webhooks_allow_private: false,
            cb: CbIdentity {
                name: "Certification body".into(),
                address: String::new(),
                register_id: None,
                accreditation_body: None,
                certificate_prefix: "CB".into(),
                public_url: "http://127.0.0.1:8080".into(),
            },
        }
    }
}

/// The database, the outbox, the clock and the CB's rules, as every handler reaches them.
/// Cheap to clone.
#[derive(Clone)]
pub struct Service {
    db: Db,
    notifier: Arc<Notifier>,
    clock: Clock,
    rules: Arc<Rules>,
    public: Arc<PublicCache>,
}

impl Service {
    pub fn new(db: Db, notifier: Notifier) -> Service {
        Service {
            db,
            notifier: Arc::new(notifier),
            clock: Clock::default(),
            rules: Arc::new(Rules::default()),
            public: Arc::new(PublicCache::default()),
        }
    }

    /// The same service keeping public answers in `cache`.
    pub fn with_public_cache(self, cache: PublicCache) -> Service {
        Service {
            public: Arc::new(cache),
            ..self
        }
    }

    /// Public answers recently served (see `public_cache`).
    pub fn public_cache(&self) -> &PublicCache {
        &self.public
    }

    /// After a commit: the public answers it changed are dropped from the cache, so the
    /// next lookup reads the committed one.
    fn forget_public(&self, keys: &[String]) {
        for key in keys {
            self.public.forget(key);
        }
    }

    /// The same service reading time from `clock` and applying `rules`.
    pub fn with(self, clock: Clock, rules: Rules) -> Service {
        Service {
            clock,
            rules: Arc::new(rules),
            ..self
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    pub fn rules(&self) -> Arc<Rules> {
        self.rules.clone()
    }

    /// Reads as the signed-in caller: account check and `work` on one connection, one trip.
    pub async fn read<T, F>(&self, auth: Auth, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection, &Caller) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.run(as_caller(auth, work)).await
    }

    /// As `read`, for `work` that reads one object by its id, with its children: a few index
    /// lookups, which `Db::read_one` may run on the async worker. Lists, reports, exports and
    /// files use `read`.
    pub async fn read_one<T, F>(&self, auth: Auth, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection, &Caller) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.read_one(as_caller(auth, work)).await
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
            let (rows, total) = planned_for_values(conn, |conn| load(conn, caller, page))?;
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
        let service = self.clone();
        self.db
            .run(move |conn| {
                // Inside the transaction: writes are serialised, so a deactivation or role
                // change that commits first is seen here, never slipped past.
                let (result, changed) = in_write_transaction(conn, |conn| {
                    let caller = Caller::load(conn, &auth)?;
                    let actor = Actor::from(&caller);
                    let mut tx = Tx::new(conn, &actor, &service);
                    let result = work(&mut tx, &caller)?;
                    Ok((result, tx.changed_public))
                })?;
                service.forget_public(&changed);
                Ok(result)
            })
            .await
    }

    /// Writes for someone without a session: a registering applicant, the operator's CLI.
    pub async fn write_as<T, F>(&self, actor: Actor, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut Tx<'_>) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let service = self.clone();
        self.db
            .run(move |conn| {
                let (result, changed) = in_write_transaction(conn, |conn| {
                    let mut tx = Tx::new(conn, &actor, &service);
                    let result = work(&mut tx)?;
                    Ok((result, tx.changed_public))
                })?;
                service.forget_public(&changed);
                Ok(result)
            })
            .await
    }
}

/// `work` after the caller's account check, on one snapshot.
fn as_caller<T>(
    auth: Auth,
    work: impl FnOnce(&mut DbConnection, &Caller) -> AppResult<T>,
) -> impl FnOnce(&mut DbConnection) -> AppResult<T> {
    move |conn| {
        in_read_transaction(conn, |conn| {
            let caller = Caller::load(conn, &auth)?;
            work(conn, &caller)
        })
    }
}

/// One write transaction: the connection, who acts, where mail goes, what time it is,
/// the CB's rules and the public answers it may change.
pub struct Tx<'a> {
    pub conn: &'a mut DbConnection,
    actor: &'a Actor,
    notifier: &'a Notifier,
    clock: &'a Clock,
    pub rules: &'a Rules,
    /// Keys of public answers this transaction changes, forgotten once it commits.
    changed_public: Vec<String>,
}

impl<'a> Tx<'a> {
    fn new(conn: &'a mut DbConnection, actor: &'a Actor, service: &'a Service) -> Tx<'a> {
        Tx {
            conn,
            actor,
            notifier: &service.notifier,
            clock: &service.clock,
            rules: &service.rules,
            changed_public: Vec::new(),
        }
    }

    /// Notes a public answer this transaction changes: the instance's cache drops it once
    /// the transaction commits.
    pub fn changes_public(&mut self, key: &str) {
        self.changed_public.push(key.to_owned());
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Appends the audit event of a change made in this transaction.
    pub fn record(&mut self, change: Change<'_>) -> AppResult<()> {
        trail::record(self.conn, self.actor, change)
    }

    /// Queues mail about a change made in this transaction.
    pub fn mail(&mut self, recipient: &str, template: &str, context: Value) -> AppResult<()> {
        self.notifier
            .enqueue(self.conn, recipient, template, context, None)
    }

    /// Mail to one member of a list, with the link that takes them off it (sent as
    /// `List-Unsubscribe`, one-click).
    pub fn mail_to_list(
        &mut self,
        recipient: &str,
        template: &str,
        context: Value,
        unsubscribe: String,
    ) -> AppResult<()> {
        self.notifier
            .enqueue(self.conn, recipient, template, context, Some(unsubscribe))
    }
}
