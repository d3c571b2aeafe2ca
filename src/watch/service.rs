//! Use cases of watching: email subscriptions with double opt-in, relying parties' watch
//! lists and webhook endpoints, and telling every watcher when a certificate changes — in
//! the change's own transaction, so no change goes untold.

use std::net::ToSocketAddrs;

use chrono::SecondsFormat;
use rand::Rng;
use serde_json::{json, Value};

use super::domain::*;
use super::dto::*;
use super::store::{self, Delivery, Endpoint, Watch};
use super::{DeliveryId, EndpointId, WatchId};
use crate::accounts::domain::parse_email;
use crate::auth::{Caller, Role};
use crate::certificates::domain::{normalise_number, CertificateStatus};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::trail::Change;
use crate::verification;
use crate::workflow::Tx;

const ENTITY: &str = "watch";
/// Active webhook endpoints one relying party may have.
const MAX_ENDPOINTS: usize = 10;
/// Certificates one relying party may watch.
const MAX_WATCHED: i64 = 10_000;

/// One of our certificate numbers as issued, from `typed` (422 naming `field` when it is
/// not one of ours, 404 when never issued).
fn issued_number(
    conn: &mut DbConnection,
    prefix: &str,
    typed: &str,
    field: &str,
) -> AppResult<String> {
    let number = normalise_number(prefix, typed).map_err(|why| AppError::invalid(field, why))?;
    match verification::store::certificate_id(conn, &number)? {
        Some(_) => Ok(number),
        None => Err(AppError::NotFound(format!(
            "{number} was never issued by us"
        ))),
    }
}

fn new_token() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(b"abcdefghijkmnpqrstuvwxyz23456789"[rng.random_range(0..32)]))
        .collect()
}

/// Asks for an email subscription: a confirmation link goes to the address; nothing is
/// watched until it is followed.
pub fn subscribe(tx: &mut Tx<'_>, input: SubscribeInput) -> AppResult<SubscriptionReceipt> {
    let email = parse_email(&input.email).map_err(|message| AppError::invalid("email", message))?;
    let prefix = tx.rules.cb.certificate_prefix.clone();
    let number = issued_number(
        tx.conn,
        &prefix,
        &input.certificate_number,
        "certificate_number",
    )?;
    let watch = match store::email_watch(tx.conn, &number, &email)? {
        Some(watch) => watch,
        None => {
            let watch = Watch {
                id: WatchId::generate(),
                certificate_number: number.clone(),
                email: Some(email.clone()),
                user_id: None,
                token: Some(new_token()),
                confirmed_at: None,
                created_at: tx.now(),
            };
            store::insert_watch(tx.conn, &watch)?;
            watch
        }
    };
    // A confirmed subscription gets no second mail; the answer is the same either way.
    if watch.confirmed_at.is_none() {
        let token = watch.token.clone().unwrap_or_default();
        let url = tx.rules.cb.public_url.clone();
        tx.mail(
            &email,
            "watch_confirm",
            json!({"number": number, "cb_name": tx.rules.cb.name,
                "confirm_link": format!("{url}/watch/confirm?token={token}")}),
        )?;
    }
    Ok(SubscriptionReceipt {
        certificate_number: number,
        status: "confirmation_sent".into(),
    })
}

/// What a subscription's token is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// The second opt-in: the subscription starts.
    Confirm,
    /// The subscription ends and the address is forgotten (any of its mails has the link).
    Unsubscribe,
}

pub fn use_token(tx: &mut Tx<'_>, token: &str, usage: TokenUse) -> AppResult<SubscriptionView> {
    let watch = store::by_token(tx.conn, token.trim())?
        .ok_or_else(|| AppError::NotFound("this link is unknown or was unsubscribed".into()))?;
    let action = match usage {
        TokenUse::Confirm if watch.confirmed_at.is_some() => None,
        TokenUse::Confirm => {
            store::confirm(tx.conn, &watch.id, tx.now())?;
            Some("confirmed")
        }
        TokenUse::Unsubscribe => {
            store::delete_watch(tx.conn, &watch.id)?;
            Some("unsubscribed")
        }
    };
    if let Some(action) = action {
        tx.record(Change {
            entity_type: ENTITY,
            entity_id: watch.id.as_str(),
            organisation_id: None,
            action,
            before: None,
            after: Some(json!({"certificate_number": watch.certificate_number})),
        })?;
    }
    Ok(SubscriptionView {
        certificate_number: watch.certificate_number,
        confirmed: usage == TokenUse::Confirm,
    })
}

/// Adds certificates to a relying party's watch list (up to 1,000 at once); every number
/// must be one we issued, or nothing is added.
pub fn add_watched(
    tx: &mut Tx<'_>,
    caller: &Caller,
    input: WatchListInput,
) -> AppResult<WatchListChange> {
    caller.require_role(&[Role::RelyingParty])?;
    if input.numbers.is_empty() || input.numbers.len() > 1000 {
        return Err(AppError::invalid(
            "numbers",
            "name between 1 and 1,000 numbers",
        ));
    }
    let prefix = tx.rules.cb.certificate_prefix.clone();
    let mut numbers = Vec::new();
    let mut errors = Vec::new();
    for (index, typed) in input.numbers.iter().enumerate() {
        let field = format!("numbers[{index}]");
        match issued_number(tx.conn, &prefix, typed, &field) {
            Ok(number) => numbers.push(number),
            Err(AppError::NotFound(message)) => errors.push(FieldError::new(field, message)),
            Err(AppError::Validation(mut found)) => errors.append(&mut found),
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (_, watched) = store::watch_list(
        tx.conn,
        &caller.user_id,
        PageRequest {
            limit: 1,
            offset: 0,
        },
    )?;
    if watched + numbers.len() as i64 > MAX_WATCHED {
        return Err(AppError::Conflict(format!(
            "a watch list holds at most {MAX_WATCHED} certificates; it has {watched}"
        )));
    }
    let mut change = WatchListChange {
        added: Vec::new(),
        already_watched: Vec::new(),
    };
    for number in numbers {
        if store::user_watch(tx.conn, &caller.user_id, &number)?.is_some()
            || change.added.contains(&number)
        {
            change.already_watched.push(number);
            continue;
        }
        store::insert_watch(
            tx.conn,
            &Watch {
                id: WatchId::generate(),
                certificate_number: number.clone(),
                email: None,
                user_id: Some(caller.user_id.clone()),
                token: None,
                confirmed_at: Some(tx.now()),
                created_at: tx.now(),
            },
        )?;
        change.added.push(number);
    }
    Ok(change)
}

pub fn watched(
    conn: &mut DbConnection,
    caller: &Caller,
    query: WatchPageQuery,
) -> AppResult<Page<WatchedView>> {
    caller.require_role(&[Role::RelyingParty])?;
    let page = PageRequest::parse(query.limit, query.offset)?;
    let (rows, total) = store::watch_list(conn, &caller.user_id, page)?;
    Ok(Page::new(rows, total, page, WatchedView::from))
}

pub fn remove_watched(tx: &mut Tx<'_>, caller: &Caller, typed: &str) -> AppResult<()> {
    caller.require_role(&[Role::RelyingParty])?;
    let prefix = tx.rules.cb.certificate_prefix.clone();
    let number =
        normalise_number(&prefix, typed).map_err(|why| AppError::invalid("number", why))?;
    let watch = store::user_watch(tx.conn, &caller.user_id, &number)?
        .ok_or_else(|| AppError::NotFound("this certificate is not on your watch list".into()))?;
    store::delete_watch(tx.conn, &watch.id)
}

/// Checks a receiver URL against server-side request forgery: every address its host
/// resolves to must be public, unless private receivers are allowed. Resolves names, so
/// call it off the async runtime.
pub fn check_receiver(url: &str, allow_private: bool) -> Result<(), String> {
    let (_, host, port) = receiver(url)?;
    let addresses: Vec<_> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|_| format!("{host} does not resolve"))?
        .collect();
    if addresses.is_empty() {
        return Err(format!("{host} does not resolve"));
    }
    // The addresses themselves are not told: the answer must not map anyone's network.
    match addresses
        .iter()
        .find_map(|address| forbidden_address(address.ip(), allow_private))
    {
        Some(why) => Err(format!(
            "{host} resolves to {why}, which webhooks may not reach"
        )),
        None => Ok(()),
    }
}

/// Registers a webhook receiver whose URL `check_receiver` passed; the answer carries the
/// signing secret, this once.
pub fn create_endpoint(tx: &mut Tx<'_>, caller: &Caller, url: String) -> AppResult<EndpointView> {
    caller.require_role(&[Role::RelyingParty])?;
    if store::endpoints_of(tx.conn, &caller.user_id, true)?.len() >= MAX_ENDPOINTS {
        return Err(AppError::Conflict(format!(
            "at most {MAX_ENDPOINTS} active endpoints per account: delete one first"
        )));
    }
    let endpoint = Endpoint {
        id: EndpointId::generate(),
        user_id: caller.user_id.clone(),
        url,
        secret: new_secret(),
        active: true,
        created_at: tx.now(),
    };
    store::insert_endpoint(tx.conn, &endpoint)?;
    tx.record(Change {
        entity_type: "webhook_endpoint",
        entity_id: endpoint.id.as_str(),
        organisation_id: None,
        action: "created",
        before: None,
        after: Some(json!({"url": endpoint.url})),
    })?;
    Ok(EndpointView::new(endpoint, true))
}

pub fn endpoints(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<EndpointView>> {
    caller.require_role(&[Role::RelyingParty])?;
    Ok(store::endpoints_of(conn, &caller.user_id, false)?
        .into_iter()
        .map(|endpoint| EndpointView::new(endpoint, false))
        .collect())
}

/// The caller's own endpoint (404 for anyone else's).
fn own_endpoint(conn: &mut DbConnection, caller: &Caller, id: &EndpointId) -> AppResult<Endpoint> {
    caller.require_role(&[Role::RelyingParty])?;
    store::endpoint(conn, id)?
        .filter(|endpoint| endpoint.user_id == caller.user_id)
        .ok_or_else(|| AppError::NotFound("no webhook endpoint of yours has this id".into()))
}

/// Stops deliveries to an endpoint; its log stays readable.
pub fn delete_endpoint(tx: &mut Tx<'_>, caller: &Caller, id: &EndpointId) -> AppResult<()> {
    let endpoint = own_endpoint(tx.conn, caller, id)?;
    store::deactivate_endpoint(tx.conn, &endpoint.id)?;
    tx.record(Change {
        entity_type: "webhook_endpoint",
        entity_id: endpoint.id.as_str(),
        organisation_id: None,
        action: "deactivated",
        before: None,
        after: None,
    })
}

pub fn deliveries(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &EndpointId,
    query: WatchPageQuery,
) -> AppResult<Page<DeliveryView>> {
    let endpoint = own_endpoint(conn, caller, id)?;
    let page = PageRequest::parse(query.limit, query.offset)?;
    let (rows, total) = store::deliveries_of(conn, &endpoint.id, page)?;
    Ok(Page::new(rows, total, page, DeliveryView::from))
}

/// What watchers learn about a change of a certificate's public answer.
pub struct CertificateChange<'a> {
    pub number: &'a str,
    pub status: (CertificateStatus, CertificateStatus),
    pub revision: (i64, i64),
    /// The new public answer, as the verification API serves it.
    pub answer: &'a Value,
}

/// Tells everyone watching the certificate about a change of its status or a new revision:
/// mail to confirmed subscribers, a webhook delivery to each active endpoint of watching
/// relying parties — queued in the change's transaction.
pub fn certificate_changed(tx: &mut Tx<'_>, change: CertificateChange<'_>) -> AppResult<()> {
    let event = if change.status.0 != change.status.1 {
        WatchEvent::StatusChanged
    } else if change.revision.0 != change.revision.1 {
        WatchEvent::Revised
    } else {
        return Ok(());
    };
    let watchers = store::watchers(tx.conn, change.number)?;
    if watchers.is_empty() {
        return Ok(());
    }
    let url = tx.rules.cb.public_url.clone();
    let page = format!("{url}/verify/{}", change.number);
    let payload = json!({
        "type": event.as_str(),
        "timestamp": tx.now().and_utc().to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": {
            "number": change.number,
            "status": change.status.1,
            "previous_status": change.status.0,
            "revision": change.revision.1,
            "previous_revision": change.revision.0,
            "certificate": change.answer,
            "page": page,
        }
    })
    .to_string();
    let headline = match event {
        WatchEvent::StatusChanged => format!("is now {}", change.status.1.label()),
        WatchEvent::Revised => format!("was revised (revision {})", change.revision.1),
    };
    for watch in watchers {
        match (&watch.email, &watch.user_id) {
            (Some(email), _) => {
                let unsubscribe = format!(
                    "{url}/watch/unsubscribe?token={}",
                    watch.token.as_deref().unwrap_or("")
                );
                tx.mail_to_list(
                    email,
                    "watch_notice",
                    json!({"number": change.number, "headline": headline, "cb_name": tx.rules.cb.name,
                        "page": page, "unsubscribe_link": unsubscribe}),
                    unsubscribe.clone(),
                )?
            }
            (None, Some(user)) => {
                // A deactivated account hears nothing more.
                let active = crate::accounts::store::find_user(tx.conn, user)?
                    .is_some_and(|account| account.active);
                let endpoints = match active {
                    true => store::endpoints_of(tx.conn, user, true)?,
                    false => Vec::new(),
                };
                for endpoint in endpoints {
                    store::insert_delivery(
                        tx.conn,
                        &Delivery {
                            id: DeliveryId::from_text(format!(
                                "msg_{}",
                                crate::db::new_id().replace('-', "")
                            )),
                            endpoint_id: endpoint.id,
                            event_type: event.as_str().to_owned(),
                            payload: payload.clone(),
                            status: DeliveryStatus::Pending,
                            attempts: 0,
                            next_attempt_at: tx.now(),
                            claimed_by: None,
                            claimed_until: None,
                            last_status_code: None,
                            last_error: None,
                            created_at: tx.now(),
                            delivered_at: None,
                        },
                    )?;
                }
            }
            (None, None) => {}
        }
    }
    Ok(())
}
