//! Storage of audit events: serialised appends, per-entity and per-organisation reads, and
//! the ordered walk that `certbody audit verify` does.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::{event_hash, ChainedEvent, EventContent, GENESIS_HASH};
use crate::db::schema::audit_events;
use crate::db::{new_id, now, DbConnection};
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub organisation_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    pub fn chained(self) -> ChainedEvent {
        ChainedEvent {
            content: EventContent {
                seq: self.seq,
                id: self.id,
                occurred_at: self.occurred_at,
                actor_id: self.actor_id,
                actor_role: self.actor_role,
                organisation_id: self.organisation_id,
                entity_type: self.entity_type,
                entity_id: self.entity_id,
                action: self.action,
                before_state: self.before_state,
                after_state: self.after_state,
                request_id: self.request_id,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

/// What the caller supplies; sequence, time and hashes are filled in here.
pub struct NewEvent {
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub organisation_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
}

/// Appends one event at the end of the chain. Call inside the transaction of the change
/// (`Db::write`): write transactions run one at a time, so reading the last event and
/// appending after it cannot interleave with another append; the primary key on `seq`
/// would refuse a second event at the same place regardless.
pub fn append(conn: &mut DbConnection, event: NewEvent) -> AppResult<AuditEvent> {
    let last: Option<(i64, String)> = audit_events::table
        .order(audit_events::seq.desc())
        .select((audit_events::seq, audit_events::hash))
        .first(conn)
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let content = EventContent {
        seq,
        id: new_id(),
        occurred_at: now(),
        actor_id: event.actor_id,
        actor_role: event.actor_role,
        organisation_id: event.organisation_id,
        entity_type: event.entity_type,
        entity_id: event.entity_id,
        action: event.action,
        before_state: event.before_state,
        after_state: event.after_state,
        request_id: event.request_id,
    };
    let hash = event_hash(&content, &prev_hash);
    let stored = AuditEvent {
        seq: content.seq,
        id: content.id,
        occurred_at: content.occurred_at,
        actor_id: content.actor_id,
        actor_role: content.actor_role,
        organisation_id: content.organisation_id,
        entity_type: content.entity_type,
        entity_id: content.entity_id,
        action: content.action,
        before_state: content.before_state,
        after_state: content.after_state,
        request_id: content.request_id,
        prev_hash,
        hash,
    };
    diesel::insert_into(audit_events::table)
        .values(&stored)
        .execute(conn)?;
    Ok(stored)
}

#[derive(Debug, Default)]
pub struct EventFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Only events about this client organisation's objects.
    pub organisation_id: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &EventFilter,
    page: PageRequest,
) -> AppResult<(Vec<AuditEvent>, i64)> {
    let filtered = || {
        let mut query = audit_events::table.into_boxed();
        if let Some(entity_type) = &filter.entity_type {
            query = query.filter(audit_events::entity_type.eq(entity_type.clone()));
        }
        if let Some(entity_id) = &filter.entity_id {
            query = query.filter(audit_events::entity_id.eq(entity_id.clone()));
        }
        if let Some(organisation_id) = &filter.organisation_id {
            query = query.filter(audit_events::organisation_id.eq(organisation_id.clone()));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order(audit_events::seq.asc())
            .select(AuditEvent::as_select())
    })
}

/// The next `limit` events after `after_seq`, in chain order.
pub fn events_after(
    conn: &mut DbConnection,
    after_seq: i64,
    limit: i64,
) -> AppResult<Vec<AuditEvent>> {
    Ok(audit_events::table
        .filter(audit_events::seq.gt(after_seq))
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?)
}

/// Who took an action (none for the service's own jobs), when, and the event's after-state JSON.
pub type ActionTaken = (Option<String>, chrono::NaiveDateTime, Option<String>);

/// The last time one of `actions` was taken on an entity (e.g. who suspended a certificate).
pub fn last_actor(
    conn: &mut DbConnection,
    (entity_type, entity_id): (&str, &str),
    actions: &[&str],
) -> AppResult<Option<ActionTaken>> {
    crate::at_most_one!(
        conn,
        audit_events::table
            .filter(audit_events::entity_type.eq(entity_type))
            .filter(audit_events::entity_id.eq(entity_id))
            .filter(audit_events::action.eq_any(actions))
            .order(audit_events::seq.desc())
            .limit(1)
            .select((
                audit_events::actor_id,
                audit_events::occurred_at,
                audit_events::after_state
            ))
    )
}
