//! Findings and nonconformities (ISO/IEC 17021-1 9.4.5, 9.4.9-9.4.10): filed by the audit
//! team (through `audits`), answered by the client, accepted or returned and verified by
//! an assessor, with deadlines the scheduler watches.

pub mod domain;
pub mod dto;
mod handlers;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One finding of an audit.
    FindingId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list_findings)))
        .service(web::resource("/{id}").route(web::get().to(get_finding)))
        .service(web::resource("/{id}/response").route(web::post().to(respond)))
        .service(web::resource("/{id}/accept").route(web::post().to(accept_response)))
        .service(web::resource("/{id}/return").route(web::post().to(return_response)))
        .service(web::resource("/{id}/evidence-submitted").route(web::post().to(submit_evidence)))
        .service(web::resource("/{id}/verify").route(web::post().to(verify)))
        .service(
            web::resource("/{id}/documents")
                .route(web::get().to(list_evidence))
                .route(web::post().to(upload_evidence)),
        )
        .service(
            web::resource("/{id}/documents/{document_id}").route(web::get().to(download_evidence)),
        );
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_findings, get_finding, respond, accept_response, return_response, submit_evidence, verify,
        upload_evidence, list_evidence, download_evidence),
    tags((name = "nonconformities", description = "Findings of audits and the follow-up of nonconformities"))
)]
pub struct ApiDoc;
