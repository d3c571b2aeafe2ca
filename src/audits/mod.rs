//! Audits (ISO/IEC 17021-1 9.2-9.4): planned from the agreed programme with a checked team,
//! objected to by the client, run by the team, concluded and reported; the report freezes
//! on completion and later changes are revisions. Findings are filed here and followed up
//! in `nonconformities`.

pub mod domain;
pub mod dto;
mod handlers;
mod report;
pub mod service;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// One audit (stage 1, stage 2, surveillance, recertification, special).
    AuditId
);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::get().to(list_audits))
            .route(web::post().to(plan_audit)),
    )
    .service(web::resource("/{id}").route(web::get().to(get_audit)))
    .service(web::resource("/{id}/team").route(web::put().to(replace_team)))
    .service(
        web::resource("/{id}/team/{user_id}/objection").route(web::post().to(object_to_member)),
    )
    .service(
        web::resource("/{id}/team/{user_id}/objection/decision")
            .route(web::post().to(decide_objection)),
    )
    .service(web::resource("/{id}/confirm").route(web::post().to(confirm_audit)))
    .service(web::resource("/{id}/start").route(web::post().to(start_audit)))
    .service(web::resource("/{id}/report-draft").route(web::post().to(draft_report)))
    .service(web::resource("/{id}/complete").route(web::post().to(complete_audit)))
    .service(web::resource("/{id}/cancel").route(web::post().to(cancel_audit)))
    .service(web::resource("/{id}/outcome").route(web::put().to(record_outcome)))
    .service(
        web::resource("/{id}/findings")
            .route(web::get().to(list_audit_findings))
            .route(web::post().to(file_finding)),
    )
    .service(web::resource("/{id}/report").route(web::get().to(get_report)))
    .service(web::resource("/{id}/report.html").route(web::get().to(get_report_html)))
    .service(web::resource("/{id}/report/revisions").route(web::post().to(revise_report)))
    .service(
        web::resource("/{id}/documents")
            .route(web::get().to(list_documents))
            .route(web::post().to(upload_document)),
    )
    .service(
        web::resource("/{id}/documents/{document_id}").route(web::get().to(download_document)),
    );
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_audits, plan_audit, get_audit, replace_team, object_to_member, decide_objection,
        confirm_audit, start_audit, draft_report, complete_audit, cancel_audit, record_outcome,
        list_audit_findings, file_finding, get_report, get_report_html, revise_report,
        upload_document, list_documents, download_document),
    tags((name = "audits", description = "Audit planning, teams, objections, outcome and reports"))
)]
pub struct ApiDoc;
