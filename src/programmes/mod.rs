//! Audit programmes (ISO/IEC 17021-1 9.1.3): audit time, the multi-site sample and the
//! placement of every audit of the three-year cycle. Applications create them on acceptance;
//! audits, decisions and certificates read and re-place them.

pub mod domain;
pub mod dto;
mod handlers;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// A three-year audit programme.
    ProgrammeId
);
crate::id_type!(
    /// One audit of a programme (stage 1, stage 2, surveillance, recertification).
    ProgrammeAuditId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/{id}/programme").route(web::get().to(get_programme)))
        .service(web::resource("/{id}/programme/agree").route(web::post().to(agree_programme)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(get_programme, agree_programme))]
pub struct ApiDoc;
