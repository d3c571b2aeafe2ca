//! Certification decisions (ISO/IEC 17021-1 9.5): taken by someone who did not audit the
//! client, once the stage 2 report and every nonconformity allow it; a grant issues the
//! certificate and places the cycle in the same transaction.

pub mod domain;
pub mod dto;
mod handlers;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One certification decision.
    DecisionId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::get().to(list_decisions))
            .route(web::post().to(decide)),
    )
    .service(web::resource("/{id}").route(web::get().to(get_decision)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_decisions, decide, get_decision),
    tags((name = "decisions", description = "Certification decisions"))
)]
pub struct ApiDoc;
