//! Appeals (ISO/IEC 17021-1 9.7): a client appeals a refusal, suspension, withdrawal or
//! scope reduction; someone not involved in that decision reviews it; an upheld appeal
//! leads to the corrective step, taken by a decision maker and linked to the appeal.

pub mod domain;
pub mod dto;
mod handlers;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One appeal.
    AppealId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::get().to(list_appeals))
            .route(web::post().to(file_appeal)),
    )
    .service(web::resource("/{id}").route(web::get().to(get_appeal)))
    .service(web::resource("/{id}/acknowledge").route(web::post().to(acknowledge)))
    .service(web::resource("/{id}/assign").route(web::post().to(assign)))
    .service(web::resource("/{id}/uphold").route(web::post().to(uphold)))
    .service(web::resource("/{id}/reject").route(web::post().to(reject)))
    .service(web::resource("/{id}/remedy").route(web::post().to(remedy)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(file_appeal, list_appeals, get_appeal, acknowledge, assign, uphold, reject, remedy),
    tags((name = "appeals", description = "Clients' appeals against certification decisions, reviewed by people not involved in them"))
)]
pub struct ApiDoc;
