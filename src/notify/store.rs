//! Storage of the outbox: enqueue (inside the caller's transaction), claim due messages so
//! that concurrent dispatchers never take the same one, and record the outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::MailStatus;
use super::OutboxId;
use crate::db::schema::outbox_messages;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxMessage {
    pub id: OutboxId,
    pub message_id: String,
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// For a message to a list: the link that unsubscribes the recipient (RFC 8058).
    pub list_unsubscribe: Option<String>,
}

pub fn insert(conn: &mut DbConnection, message: &OutboxMessage) -> AppResult<()> {
    diesel::insert_into(outbox_messages::table)
        .values(message)
        .execute(conn)?;
    Ok(())
}

/// Claims the oldest due message for `claimer` until `lease_until` and counts the attempt:
/// a pending message whose time has come, or one whose previous claim lapsed (a dispatcher
/// that died mid-send). Run it in a write transaction; PostgreSQL also skips rows another
/// transaction has locked. Counting at claim time means a message that keeps killing its
/// dispatcher still runs out of attempts.
pub fn claim_next(
    conn: &mut DbConnection,
    claimer: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> AppResult<Option<OutboxMessage>> {
    macro_rules! due {
        () => {
            outbox_messages::table
                .filter(
                    outbox_messages::status
                        .eq(MailStatus::Pending)
                        .and(outbox_messages::next_attempt_at.le(now))
                        .or(outbox_messages::status
                            .eq(MailStatus::Sending)
                            .and(outbox_messages::claimed_until.lt(now))),
                )
                .order(outbox_messages::created_at.asc())
                .select(outbox_messages::id)
        };
    }
    let next: Option<OutboxId> = match conn {
        DbConnection::Postgres(pg) => due!().for_update().skip_locked().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => due!().first(sqlite).optional()?,
    };
    let Some(outbox_id) = next else {
        return Ok(None);
    };
    diesel::update(outbox_messages::table.find(&outbox_id))
        .set((
            outbox_messages::status.eq(MailStatus::Sending),
            outbox_messages::claimed_by.eq(claimer),
            outbox_messages::claimed_until.eq(lease_until),
            outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        ))
        .execute(conn)?;
    find(conn, &outbox_id)
}

/// Records a delivery, if `claimer` still holds the message.
pub fn mark_sent(
    conn: &mut DbConnection,
    outbox_id: &OutboxId,
    claimer: &str,
    at: NaiveDateTime,
) -> AppResult<()> {
    let updated = diesel::update(
        outbox_messages::table
            .filter(outbox_messages::id.eq(outbox_id))
            .filter(outbox_messages::claimed_by.eq(claimer)),
    )
    .set((
        outbox_messages::status.eq(MailStatus::Sent),
        outbox_messages::sent_at.eq(Some(at)),
        outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
        outbox_messages::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    warn_if_claim_lost(updated, outbox_id);
    Ok(())
}

/// Records a failed attempt (already counted by the claim): back to pending at `retry_at`, or dead.
pub fn mark_failed(
    conn: &mut DbConnection,
    outbox_id: &OutboxId,
    claimer: &str,
    new_status: MailStatus,
    retry_at: NaiveDateTime,
    error: &str,
) -> AppResult<()> {
    let updated = diesel::update(
        outbox_messages::table
            .filter(outbox_messages::id.eq(outbox_id))
            .filter(outbox_messages::claimed_by.eq(claimer)),
    )
    .set((
        outbox_messages::status.eq(new_status),
        outbox_messages::next_attempt_at.eq(retry_at),
        outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
        outbox_messages::last_error.eq(Some(error)),
    ))
    .execute(conn)?;
    warn_if_claim_lost(updated, outbox_id);
    Ok(())
}

/// The claim lapsed and another dispatcher took the message over: its outcome counts instead.
fn warn_if_claim_lost(updated: usize, outbox_id: &OutboxId) {
    if updated == 0 {
        tracing::warn!(
            %outbox_id,
            "outcome not recorded: the claim on this message had been taken over"
        );
    }
}

pub fn find(conn: &mut DbConnection, outbox_id: &OutboxId) -> AppResult<Option<OutboxMessage>> {
    crate::at_most_one!(
        conn,
        outbox_messages::table
            .find(outbox_id)
            .select(OutboxMessage::as_select())
    )
}

/// Puts a message that is still `from` back in the queue for an immediate attempt, with a
/// fresh attempt count; false when its status had changed.
pub fn requeue(
    conn: &mut DbConnection,
    outbox_id: &OutboxId,
    from: MailStatus,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let updated = diesel::update(
        outbox_messages::table
            .find(outbox_id)
            .filter(outbox_messages::status.eq(from)),
    )
    .set((
        outbox_messages::status.eq(MailStatus::Pending),
        outbox_messages::attempts.eq(0),
        outbox_messages::next_attempt_at.eq(at),
        outbox_messages::claimed_by.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn list(
    conn: &mut DbConnection,
    wanted: Option<MailStatus>,
    page: PageRequest,
) -> AppResult<(Vec<OutboxMessage>, i64)> {
    let filtered = || {
        let mut query = outbox_messages::table.into_boxed();
        if let Some(wanted) = wanted {
            query = query.filter(outbox_messages::status.eq(wanted));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((
                outbox_messages::created_at.desc(),
                outbox_messages::id.asc(),
            ))
            .select(OutboxMessage::as_select())
    })
}
