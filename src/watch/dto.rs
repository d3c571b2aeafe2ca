//! What the watch API takes and answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::DeliveryStatus;
use super::store::{Delivery, Endpoint, Watch};
use super::{DeliveryId, EndpointId};

/// An email subscription to one certificate's changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    #[schema(example = "CB-7K2M-9QXA-Y", max_length = 100)]
    pub certificate_number: String,
    #[schema(max_length = 254, format = "email")]
    pub email: String,
}

/// The same answer whether the address was new, waiting or confirmed, so it reveals nothing
/// about who watches what.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionReceipt {
    pub certificate_number: String,
    /// Always `confirmation_sent`: the subscription starts when the mailed link is followed.
    pub status: String,
}

/// A token from a confirmation or notification mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    #[schema(max_length = 100)]
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub certificate_number: String,
    pub confirmed: bool,
}

/// Numbers a relying party adds to its watch list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchListInput {
    #[schema(min_items = 1, max_items = 1000)]
    pub numbers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchListChange {
    /// Numbers now watched that were not before, as issued.
    pub added: Vec<String>,
    pub already_watched: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchedView {
    pub certificate_number: String,
    pub since: DateTime<Utc>,
}

impl From<Watch> for WatchedView {
    fn from(watch: Watch) -> WatchedView {
        WatchedView {
            certificate_number: watch.certificate_number,
            since: watch.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// Where deliveries are POSTed: `https://` (or `http://`), not into private networks
    /// unless the operator allows it.
    #[schema(example = "https://hooks.example.com/certificates", max_length = 2000)]
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: EndpointId,
    pub url: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Shown once, when the endpoint is created: verifies each delivery's
    /// `webhook-signature` (Standard Webhooks, HMAC-SHA256).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl EndpointView {
    pub fn new(endpoint: Endpoint, with_secret: bool) -> EndpointView {
        EndpointView {
            id: endpoint.id,
            url: endpoint.url,
            active: endpoint.active,
            created_at: endpoint.created_at.and_utc(),
            secret: with_secret.then_some(endpoint.secret),
        }
    }
}

/// One delivery in an endpoint's log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Sent as `webhook-id`: the same on every retry, so receivers can drop repeats.
    pub id: DeliveryId,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The body as sent.
    pub payload: String,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> DeliveryView {
        DeliveryView {
            id: d.id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.and_utc(),
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: d.created_at.and_utc(),
            delivered_at: d.delivered_at.map(|at| at.and_utc()),
            payload: d.payload,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WatchPageQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}
