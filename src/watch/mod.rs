//! Relying parties watch certificates: anyone by email (double opt-in, unsubscribe in every
//! mail), and `relying_party` accounts with watch lists and signed webhooks delivered from
//! an outbox with retries, so a change is never lost while a receiver is down.

pub mod dispatcher;
pub mod domain;
pub mod dto;
mod handlers;
pub mod pages;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One watch: an email subscription or a watch-list entry.
    WatchId
);
crate::id_type!(
    /// One webhook receiver of a relying party.
    EndpointId
);
crate::id_type!(
    /// One webhook delivery (its `webhook-id`).
    DeliveryId
);

/// Relying parties' routes, below `/api/v1/watch`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/certificates")
            .route(web::get().to(list_watched))
            .route(web::post().to(add_watched)),
    )
    .service(web::resource("/certificates/{number}").route(web::delete().to(remove_watched)))
    .service(
        web::resource("/webhooks")
            .route(web::get().to(list_endpoints))
            .route(web::post().to(create_endpoint)),
    )
    .service(web::resource("/webhooks/{id}").route(web::delete().to(delete_endpoint)))
    .service(web::resource("/webhooks/{id}/deliveries").route(web::get().to(list_deliveries)));
}

/// Public routes, below `/api/v1/public`.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/watch").route(web::post().to(subscribe)))
        .service(web::resource("/watch/confirm").route(web::post().to(confirm)))
        .service(web::resource("/watch/unsubscribe").route(web::post().to(unsubscribe)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(subscribe, confirm, unsubscribe, list_watched, add_watched, remove_watched,
        list_endpoints, create_endpoint, delete_endpoint, list_deliveries),
    tags((name = "watch", description = "Watching certificates: email subscriptions and relying parties' watch lists with signed webhooks"))
)]
pub struct ApiDoc;
