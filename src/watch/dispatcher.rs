//! The webhook dispatcher: claims due deliveries, POSTs each payload signed the Standard
//! Webhooks way, and records the outcome, retrying with backoff. Run by the scheduler
//! inside `certbody serve`. Receivers' names are resolved by the connection itself through
//! a resolver that refuses private addresses, so a name cannot resolve to a public address
//! when checked and to a private one when connected to.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use actix_tls::connect::{Connector as TcpConnector, Resolve, Resolver};
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;

use super::domain::{forbidden_address, receiver, retry_after, signature, DeliveryStatus};
use super::store::{self, Delivery, Endpoint};
use crate::db::Db;
use crate::error::AppResult;

/// How long one delivery may take; longer counts as a failure.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Most deliveries in one pass.
const BATCH: usize = 50;

pub struct WebhookDispatcher {
    db: Db,
    allow_private: bool,
    max_attempts: i64,
    client: awc::Client,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub failed: usize,
}

impl WebhookDispatcher {
    pub fn new(db: Db, allow_private: bool, max_attempts: i64) -> WebhookDispatcher {
        let resolver = Resolver::custom(GuardedResolver { allow_private });
        WebhookDispatcher {
            db,
            allow_private,
            max_attempts: max_attempts.max(1),
            // A redirect could lead anywhere, past the address check: not followed.
            client: awc::Client::builder()
                .connector(awc::Connector::new().connector(TcpConnector::new(resolver).service()))
                .timeout(TIMEOUT)
                .disable_redirects()
                .finish(),
        }
    }

    /// One pass over due deliveries, one claim at a time.
    pub async fn run_once(&self, started: NaiveDateTime) -> AppResult<DeliveryReport> {
        let mut report = DeliveryReport::default();
        let clock = Instant::now();
        for _ in 0..BATCH {
            // A pass can take minutes: each delivery is stamped with its own time.
            let now = started + clock.elapsed();
            let claimer = crate::db::new_id();
            let claim = claimer.clone();
            // Longer than a delivery can take: a dispatcher that dies mid-send releases it.
            let lease_until = now + Duration::from_secs(120);
            let claimed = self
                .db
                .write(move |conn| store::claim_delivery(conn, &claim, now, lease_until))
                .await?;
            let Some((delivery, endpoint)) = claimed else {
                break;
            };
            let outcome = self.attempt(&delivery, &endpoint, now).await;
            let (status, retry_at) = match &outcome {
                Ok(_) => (DeliveryStatus::Delivered, now),
                Err(_) if delivery.attempts >= self.max_attempts || !endpoint.active => {
                    (DeliveryStatus::Dead, now)
                }
                Err(_) => (
                    DeliveryStatus::Pending,
                    now + retry_after(delivery.attempts),
                ),
            };
            let (code, error) = match outcome {
                Ok(code) => (Some(code), None),
                Err((code, error)) => {
                    report.failed += 1;
                    tracing::warn!(delivery_id = %delivery.id, attempts = delivery.attempts,
                        status = status.as_str(), %error, "webhook not delivered");
                    (code, Some(error))
                }
            };
            if status == DeliveryStatus::Delivered {
                report.delivered += 1;
            }
            self.db
                .write(move |conn| {
                    store::record_attempt(
                        conn,
                        (&delivery.id, &claimer),
                        status,
                        (code, error.as_deref()),
                        (now, retry_at),
                    )
                })
                .await?;
        }
        Ok(report)
    }

    /// One POST: the receiver's status code on a 2xx, else the code (if any) and why.
    async fn attempt(
        &self,
        delivery: &Delivery,
        endpoint: &Endpoint,
        now: NaiveDateTime,
    ) -> Result<i64, (Option<i64>, String)> {
        if !endpoint.active {
            return Err((None, "the endpoint was deleted".into()));
        }
        // An address in the URL itself is never resolved: checked here.
        let (_, host, _) = receiver(&endpoint.url).map_err(|why| (None, why))?;
        if let Some(why) = host
            .parse::<IpAddr>()
            .ok()
            .and_then(|address| forbidden_address(address, self.allow_private))
        {
            return Err((
                None,
                format!("the receiver is {why}, which webhooks may not reach"),
            ));
        }
        let timestamp = now.and_utc().timestamp();
        let signed = signature(
            &endpoint.secret,
            (delivery.id.as_str(), timestamp),
            &delivery.payload,
        )
        .map_err(|why| (None, why))?;
        let response = self
            .client
            .post(&endpoint.url)
            .insert_header(("content-type", "application/json"))
            .insert_header(("webhook-id", delivery.id.as_str()))
            .insert_header(("webhook-timestamp", timestamp.to_string()))
            .insert_header(("webhook-signature", signed))
            .send_body(delivery.payload.clone())
            .await
            .map_err(|e| (None, format!("no answer: {e}")))?;
        let code = i64::from(response.status().as_u16());
        if response.status().is_success() {
            Ok(code)
        } else {
            Err((Some(code), format!("the receiver answered {code}")))
        }
    }
}

/// Resolves a receiver's name for the connection and refuses it when any of its addresses
/// is one webhooks may not reach.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            match addresses
                .iter()
                .find_map(|address| forbidden_address(address.ip(), self.allow_private))
            {
                Some(why) => {
                    Err(format!("{host} resolves to {why}, which webhooks may not reach").into())
                }
                None => Ok(addresses),
            }
        })
    }
}
