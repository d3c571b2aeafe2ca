//! The audit trail: every state change appends one event (who, when, what, before/after) to
//! an append-only, hash-chained log, in the same transaction as the change.
//!
//! The one call: `trail::record(conn, &actor, Change { .. })` inside `Db::write`.

pub mod domain;
mod handlers;
pub mod store;

use actix_web::web;
use serde_json::Value;
use tracing_actix_web::RequestId;
use utoipa::OpenApi;

pub use handlers::*;

use crate::accounts::UserId;
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::error::AppResult;

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    /// A role identifier, or `operator` (command line) or `system` (scheduled jobs).
    pub role: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// Someone not yet signed in (e.g. registering), known by the account the call creates.
    pub fn new_account(user_id: &UserId, role: crate::auth::Role, request_id: RequestId) -> Actor {
        Actor {
            user_id: Some(user_id.clone()),
            role: role.as_str().to_owned(),
            request_id: Some(request_id.to_string()),
        }
    }

    /// An operator at the command line of the server.
    pub fn operator() -> Actor {
        Actor {
            user_id: None,
            role: "operator".into(),
            request_id: None,
        }
    }

    /// Someone from the public without an account (a complaint, a watch request).
    pub fn public(request_id: Option<String>) -> Actor {
        Actor {
            user_id: None,
            role: "public".into(),
            request_id,
        }
    }

    /// A scheduled job.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            role: "system".into(),
            request_id: None,
        }
    }
}

impl From<&Caller> for Actor {
    /// A signed-in user acting through the API.
    fn from(caller: &Caller) -> Actor {
        Actor {
            user_id: Some(caller.user_id.clone()),
            role: caller.role.as_str().to_owned(),
            request_id: caller.request_id.clone(),
        }
    }
}

/// One state change of one object.
pub struct Change<'a> {
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    /// The client organisation the object belongs to: its users may read the event.
    pub organisation_id: Option<&'a str>,
    pub action: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Appends the event for `change`. Call it inside the transaction that makes the change.
pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change<'_>) -> AppResult<()> {
    store::append(
        conn,
        store::NewEvent {
            actor_id: actor.user_id.as_ref().map(ToString::to_string),
            actor_role: actor.role.clone(),
            organisation_id: change.organisation_id.map(str::to_owned),
            entity_type: change.entity_type.to_owned(),
            entity_id: change.entity_id.to_owned(),
            action: change.action.to_owned(),
            before_state: change.before.map(|v| v.to_string()),
            after_state: change.after.map(|v| v.to_string()),
            request_id: actor.request_id.clone(),
        },
    )?;
    Ok(())
}

/// Result of walking the whole chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact {
        events: i64,
        last_hash: Option<String>,
    },
    Broken(domain::ChainBreak),
}

/// Walks the whole chain in batches; stops at the first broken link.
pub fn verify_chain(conn: &mut DbConnection) -> AppResult<Verification> {
    const BATCH: i64 = 1000;
    let mut last: Option<(i64, String)> = None;
    loop {
        let after = last.as_ref().map_or(0, |(seq, _)| *seq);
        let batch: Vec<_> = store::events_after(conn, after, BATCH)?
            .into_iter()
            .map(store::AuditEvent::chained)
            .collect();
        if batch.is_empty() {
            return Ok(Verification::Intact {
                events: last.as_ref().map_or(0, |(seq, _)| *seq),
                last_hash: last.map(|(_, hash)| hash),
            });
        }
        match domain::verify_segment(last, &batch) {
            Ok(end) => last = end,
            Err(broken) => return Ok(Verification::Broken(broken)),
        }
    }
}

/// Checks a previously recorded anchor: event `seq` must still exist with `hash`. The chain
/// alone cannot show that its newest events were removed or rewritten together; an anchor kept
/// outside the database (printed by every verify) can.
pub fn check_anchor(
    conn: &mut DbConnection,
    seq: i64,
    hash: &str,
) -> AppResult<Result<(), String>> {
    let event = store::events_after(conn, seq - 1, 1)?
        .into_iter()
        .next()
        .filter(|event| event.seq == seq);
    Ok(match event {
        Some(event) if event.hash == hash => Ok(()),
        Some(_) => Err(format!(
            "event {seq} no longer has the anchored hash: history was rewritten"
        )),
        None => Err(format!("event {seq} is gone: the trail was cut back")),
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list_events)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_events),
    tags((name = "audit trail", description = "The append-only, hash-chained record of every change"))
)]
pub struct ApiDoc;
