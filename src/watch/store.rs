//! Storage of watches, webhook endpoints and the webhook outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::DeliveryStatus;
use super::{DeliveryId, EndpointId, WatchId};
use crate::accounts::UserId;
use crate::db::schema::{watches, webhook_deliveries, webhook_endpoints};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = watches)]
pub struct Watch {
    pub id: WatchId,
    pub certificate_number: String,
    /// An email subscription's address; `None` for a relying party's account.
    pub email: Option<String>,
    pub user_id: Option<UserId>,
    /// Confirms and unsubscribes an email subscription.
    pub token: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_watch(conn: &mut DbConnection, watch: &Watch) -> AppResult<()> {
    diesel::insert_into(watches::table)
        .values(watch)
        .execute(conn)?;
    Ok(())
}

pub fn email_watch(conn: &mut DbConnection, number: &str, email: &str) -> AppResult<Option<Watch>> {
    crate::at_most_one!(
        conn,
        watches::table
            .filter(watches::certificate_number.eq(number))
            .filter(watches::email.eq(email))
            .select(Watch::as_select())
    )
}

pub fn by_token(conn: &mut DbConnection, token: &str) -> AppResult<Option<Watch>> {
    crate::at_most_one!(
        conn,
        watches::table
            .filter(watches::token.eq(token))
            .select(Watch::as_select())
    )
}

pub fn confirm(conn: &mut DbConnection, id: &WatchId, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(watches::table.find(id))
        .set(watches::confirmed_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn delete_watch(conn: &mut DbConnection, id: &WatchId) -> AppResult<()> {
    diesel::delete(watches::table.find(id)).execute(conn)?;
    Ok(())
}

/// Who watches `number`: confirmed email subscriptions and relying parties' accounts.
pub fn watchers(conn: &mut DbConnection, number: &str) -> AppResult<Vec<Watch>> {
    Ok(watches::table
        .filter(watches::certificate_number.eq(number))
        .filter(watches::confirmed_at.is_not_null())
        .select(Watch::as_select())
        .load(conn)?)
}

pub fn user_watch(
    conn: &mut DbConnection,
    user: &UserId,
    number: &str,
) -> AppResult<Option<Watch>> {
    crate::at_most_one!(
        conn,
        watches::table
            .filter(watches::user_id.eq(user))
            .filter(watches::certificate_number.eq(number))
            .select(Watch::as_select())
    )
}

/// A relying party's watch list, by number.
pub fn watch_list(
    conn: &mut DbConnection,
    user: &UserId,
    page: PageRequest,
) -> AppResult<(Vec<Watch>, i64)> {
    load_page(
        conn,
        || {
            watches::table
                .filter(watches::user_id.eq(user.clone()))
                .into_boxed()
        },
        page,
        |query| {
            query
                .order(watches::certificate_number)
                .select(Watch::as_select())
        },
    )
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: EndpointId,
    pub user_id: UserId,
    pub url: String,
    pub secret: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert_endpoint(conn: &mut DbConnection, endpoint: &Endpoint) -> AppResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(endpoint)
        .execute(conn)?;
    Ok(())
}

pub fn endpoint(conn: &mut DbConnection, id: &EndpointId) -> AppResult<Option<Endpoint>> {
    crate::at_most_one!(
        conn,
        webhook_endpoints::table
            .find(id)
            .select(Endpoint::as_select())
    )
}

/// A user's endpoints, active ones only when `active_only`.
pub fn endpoints_of(
    conn: &mut DbConnection,
    user: &UserId,
    active_only: bool,
) -> AppResult<Vec<Endpoint>> {
    let mut query = webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq(user))
        .into_boxed();
    if active_only {
        query = query.filter(webhook_endpoints::active.eq(true));
    }
    Ok(query
        .order(webhook_endpoints::created_at)
        .select(Endpoint::as_select())
        .load(conn)?)
}

pub fn deactivate_endpoint(conn: &mut DbConnection, id: &EndpointId) -> AppResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(webhook_endpoints::active.eq(false))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: DeliveryId,
    pub endpoint_id: EndpointId,
    pub event_type: String,
    /// The body as sent, byte for byte: the signature covers it.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

pub fn insert_delivery(conn: &mut DbConnection, delivery: &Delivery) -> AppResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values(delivery)
        .execute(conn)?;
    Ok(())
}

/// Claims the oldest due delivery with its endpoint until `lease_until`, counting the
/// attempt: pending and due, or sending with a lapsed claim (a dispatcher that died).
/// PostgreSQL skips rows another dispatcher holds; SQLite serialises writers anyway.
pub fn claim_delivery(
    conn: &mut DbConnection,
    claimer: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> AppResult<Option<(Delivery, Endpoint)>> {
    macro_rules! due {
        () => {
            webhook_deliveries::table
                .filter(
                    webhook_deliveries::status
                        .eq(DeliveryStatus::Pending)
                        .and(webhook_deliveries::next_attempt_at.le(now))
                        .or(webhook_deliveries::status
                            .eq(DeliveryStatus::Sending)
                            .and(webhook_deliveries::claimed_until.lt(now))),
                )
                .order(webhook_deliveries::created_at.asc())
                .select(webhook_deliveries::id)
        };
    }
    let next: Option<DeliveryId> = match conn {
        DbConnection::Postgres(pg) => due!().for_update().skip_locked().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => due!().first(sqlite).optional()?,
    };
    let Some(id) = next else {
        return Ok(None);
    };
    diesel::update(webhook_deliveries::table.find(&id))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Sending),
            webhook_deliveries::claimed_by.eq(claimer),
            webhook_deliveries::claimed_until.eq(lease_until),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        ))
        .execute(conn)?;
    crate::at_most_one!(
        conn,
        webhook_deliveries::table
            .inner_join(webhook_endpoints::table)
            .filter(webhook_deliveries::id.eq(&id))
            .select((Delivery::as_select(), Endpoint::as_select()))
    )
}

/// The outcome of one attempt, if `claimer` still holds the delivery: delivered, or back
/// to pending at `retry_at` (or dead), with the receiver's status code or the error.
pub fn record_attempt(
    conn: &mut DbConnection,
    (id, claimer): (&DeliveryId, &str),
    status: DeliveryStatus,
    (code, error): (Option<i64>, Option<&str>),
    (now, retry_at): (NaiveDateTime, NaiveDateTime),
) -> AppResult<()> {
    let delivered_at = (status == DeliveryStatus::Delivered).then_some(now);
    let updated = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::claimed_by.eq(claimer)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::next_attempt_at.eq(retry_at),
        webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::last_status_code.eq(code),
        webhook_deliveries::last_error.eq(error),
        webhook_deliveries::delivered_at.eq(delivered_at),
    ))
    .execute(conn)?;
    if updated == 0 {
        tracing::warn!(delivery_id = %id, "outcome not recorded: another dispatcher took the delivery over");
    }
    Ok(())
}

/// An endpoint's delivery log, newest first.
pub fn deliveries_of(
    conn: &mut DbConnection,
    endpoint: &EndpointId,
    page: PageRequest,
) -> AppResult<(Vec<Delivery>, i64)> {
    load_page(
        conn,
        || {
            webhook_deliveries::table
                .filter(webhook_deliveries::endpoint_id.eq(endpoint.clone()))
                .into_boxed()
        },
        page,
        |query| {
            query
                .order((
                    webhook_deliveries::created_at.desc(),
                    webhook_deliveries::id,
                ))
                .select(Delivery::as_select())
        },
    )
}
