//! The CB's people as auditors (ISO/IEC 17021-1 7.1-7.2, 5.2): qualifications per standard,
//! grade and IAF sector with validity dates, declared conflicts of interest, and the checks
//! audit teams (and later deciders and complaint handlers) are held to.

pub mod domain;
pub mod dto;
mod handlers;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One qualification of one person.
    QualificationId
);
crate::id_type!(
    /// One declared conflict of interest.
    ConflictId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/{user_id}").route(web::get().to(get_auditor)))
        .service(
            web::resource("/{user_id}/qualifications").route(web::post().to(add_qualification)),
        )
        .service(web::resource("/{user_id}/conflicts").route(web::post().to(declare_conflict)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(get_auditor, add_qualification, declare_conflict),
    tags((name = "auditors", description = "Qualifications and conflicts of interest of the CB's staff"))
)]
pub struct ApiDoc;
