//! The standards catalogue: certifiable standards with their edition, clause list (to
//! validate finding references) and audit-time table (to compute audit days).

pub mod domain;
mod dto;
mod handlers;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use dto::*;
pub use handlers::*;

crate::id_type!(
    /// A standard in the catalogue, e.g. `std-iso-iec-20000-1-2018`.
    StandardId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::get().to(list_standards))
            .route(web::post().to(create_standard)),
    )
    .service(web::resource("/{id}").route(web::get().to(get_standard)))
    .service(web::resource("/{id}/audit-time").route(web::put().to(replace_audit_time)))
    .service(web::resource("/{id}/audit-time/confirm").route(web::post().to(confirm_audit_time)))
    .service(web::resource("/{id}/clauses").route(web::put().to(replace_clauses)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_standards,
        get_standard,
        create_standard,
        replace_audit_time,
        confirm_audit_time,
        replace_clauses
    ),
    tags((name = "standards", description = "The catalogue of certifiable standards: clauses and audit-time tables"))
)]
pub struct ApiDoc;
