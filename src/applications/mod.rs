//! Applications (ISO/IEC 17021-1 9.1): an applicant drafts and submits a request for
//! certification; the certification body reviews it — information, scope, competence,
//! impartiality, audit time and multi-site sample — and accepts it with a three-year audit
//! programme, asks for more information, or rejects it.

pub mod domain;
pub mod dto;
mod handlers;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;
pub use service::ApplicationLifecycle;

crate::id_type!(
    /// An application for certification.
    ApplicationId
);
crate::id_type!(
    /// A site named in an application.
    SiteId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::get().to(list_applications))
            .route(web::post().to(create_application)),
    )
    .service(
        web::resource("/{id}")
            .route(web::get().to(get_application))
            .route(web::put().to(update_application)),
    )
    .service(web::resource("/{id}/submit").route(web::post().to(submit_application)))
    .service(web::resource("/{id}/start-review").route(web::post().to(start_review)))
    .service(web::resource("/{id}/request-information").route(web::post().to(request_information)))
    .service(web::resource("/{id}/accept").route(web::post().to(accept_application)))
    .service(web::resource("/{id}/reject").route(web::post().to(reject_application)))
    .service(web::resource("/{id}/withdraw").route(web::post().to(withdraw_application)))
    .service(
        web::resource("/{id}/review")
            .route(web::get().to(get_review))
            .route(web::put().to(record_review)),
    );
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        create_application,
        list_applications,
        get_application,
        update_application,
        submit_application,
        start_review,
        request_information,
        accept_application,
        reject_application,
        withdraw_application,
        record_review,
        get_review,
    ),
    tags((name = "applications", description = "Applications for certification, their review and the audit programme"))
)]
pub struct ApiDoc;
