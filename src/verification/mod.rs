//! Public verification (ISO/IEC 17021-1 8.1.2, 9.6.5.3): anyone can ask whether a
//! certificate is valid — by number, many numbers at once, by the holder's name in the
//! directory, or by presenting its credential — without an account, within a rate limit.
//! Each certificate's public answer is kept ready (`public_certificates`), written in the
//! same transaction as every change of the certificate, so a lookup is one keyed read.

pub mod domain;
pub mod dto;
mod handlers;
pub mod pages;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

/// The public API, below `/api/v1/public` (the credentials module shares the prefix).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/certificates").route(web::get().to(directory)))
        // Before `/{number}`, which would take it for a number.
        .service(web::resource("/certificates/lookup").route(web::post().to(bulk_lookup)))
        .service(
            web::resource("/certificates/{number}").route(web::get().to(get_public_certificate)),
        )
        .service(
            web::resource("/certificates/{number}/revisions/{revision}/document.pdf")
                .route(web::get().to(public_document)),
        )
        .service(web::resource("/credentials/verify").route(web::post().to(verify_credential)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(get_public_certificate, directory, bulk_lookup, public_document, verify_credential, set_confidentiality),
    tags((name = "verification", description = "Public certificate verification: no account needed"))
)]
pub struct ApiDoc;
