//! Certificates (ISO/IEC 17021-1 8.2, 9.6.5; IAF MD 28): issued by a grant with a checked
//! number, suspended, reinstated, withdrawn, reduced in scope as new revisions, expired.

pub mod document;
pub mod domain;
pub mod dto;
mod handlers;
pub mod pdf;
pub mod register;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One certificate (its number is what people see).
    CertificateId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list_certificates)))
        // Before `/{id}`, which would take it for an id.
        .service(web::resource("/register-export").route(web::get().to(register_export)))
        .service(web::resource("/{id}").route(web::get().to(get_certificate)))
        .service(web::resource("/{id}/credential").route(web::get().to(get_credential)))
        .service(web::resource("/{id}/document.html").route(web::get().to(get_document)))
        .service(web::resource("/{id}/document.pdf").route(web::get().to(get_pdf)))
        .service(web::resource("/{id}/suspend").route(web::post().to(suspend_certificate)))
        .service(web::resource("/{id}/reinstate").route(web::post().to(reinstate_certificate)))
        .service(web::resource("/{id}/withdraw").route(web::post().to(withdraw_certificate)))
        .service(web::resource("/{id}/scope-reduction").route(web::post().to(reduce_scope)))
        .service(web::resource("/{id}/scope-extension").route(web::post().to(extend_scope)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_certificates, register_export, get_certificate, get_credential, get_document, get_pdf, suspend_certificate, reinstate_certificate,
        withdraw_certificate, reduce_scope, extend_scope),
    tags((name = "certificates", description = "Certificates, their revisions and status"))
)]
pub struct ApiDoc;
