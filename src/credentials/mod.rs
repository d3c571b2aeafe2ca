//! Certificates as signed verifiable credentials: the signing keys, their publication
//! (`/.well-known/jwks.json`, `/.well-known/did.json`) and the public status list.

pub mod domain;
mod handlers;
pub mod keys;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

/// The public status lists, below `/api/v1/public` (shared with verification).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/credentials/status/{purpose}").route(web::get().to(status_list)));
}

/// The key documents at the root of the site, where JOSE libraries and did:web resolvers
/// look for them.
pub fn well_known(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/jwks.json", web::get().to(jwks))
        .route("/.well-known/did.json", web::get().to(did_document));
}

/// The path of the status list credentials below the public URL (`/suspension`,
/// `/revocation`).
pub const STATUS_LISTS_PATH: &str = "/api/v1/public/credentials/status";

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(status_list),
    components(schemas(domain::StatusPurpose)),
    tags((name = "credentials", description = "Signed certificate credentials and their status"))
)]
pub struct ApiDoc;
