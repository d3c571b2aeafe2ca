//! Complaints (ISO/IEC 17021-1 9.8, 8.3): anyone files one, with or without a name, and
//! reads its progress back with a reference and a secret; complaint handlers not involved
//! with the subject investigate and decide; substantiated false claims by organisations we
//! do not certify go on a public list of notices.

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
    /// One complaint.
    ComplaintId
);
crate::id_type!(
    /// One public notice of a false claim.
    NoticeId
);
crate::id_type!(
    /// One file attached to a complaint.
    EvidenceId
);

/// Staff routes, below `/api/v1/complaints`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list_complaints)))
        .service(web::resource("/{id}").route(web::get().to(get_complaint)))
        .service(web::resource("/{id}/acknowledge").route(web::post().to(acknowledge)))
        .service(web::resource("/{id}/assign").route(web::post().to(assign)))
        .service(web::resource("/{id}/decide").route(web::post().to(decide)))
        .service(web::resource("/{id}/close").route(web::post().to(close)))
        .service(web::resource("/{id}/notice/withdraw").route(web::post().to(withdraw_notice)))
        .service(web::resource("/{id}/evidence").route(web::get().to(list_evidence)))
        .service(
            web::resource("/{id}/evidence/{evidence_id}").route(web::get().to(download_evidence)),
        );
}

/// Public routes, below `/api/v1/public`.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/complaints").route(web::post().to(submit)))
        .service(web::resource("/complaints/{reference}").route(web::get().to(public_status)))
        .service(
            web::resource("/complaints/{reference}/evidence").route(web::post().to(add_evidence)),
        )
        .service(web::resource("/notices").route(web::get().to(list_notices)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(submit, public_status, add_evidence, list_notices, list_complaints, get_complaint, acknowledge, assign, decide, close,
        withdraw_notice, list_evidence, download_evidence),
    tags((name = "complaints", description = "Complaints from anyone, their independent handling, and public notices of false claims"))
)]
pub struct ApiDoc;
