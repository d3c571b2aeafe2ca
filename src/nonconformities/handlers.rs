//! HTTP handlers of findings and nonconformities: parse, call the service, map to HTTP.

use actix_web::{web, HttpResponse};

use super::domain::FindingStep;
use super::dto::*;
use super::service;
use super::FindingId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::pagination::Page;
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// Findings the caller may see: a client its own, an auditor those of their audits, admins
/// and decision makers all; newest first. `overdue=true` lists what is past its dates.
#[utoipa::path(get, path = "/api/v1/nonconformities", tag = "nonconformities", params(FindingListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<FindingView>),
        (status = 403, description = "Role may not list findings", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_findings(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<FindingListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let today = app.today();
    let page = app
        .read(auth, move |conn, caller| {
            service::list(conn, caller, query, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One finding (its client, its assessors, admins, decision makers).
#[utoipa::path(get, path = "/api/v1/nonconformities/{id}", tag = "nonconformities", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = FindingView),
        (status = 403, description = "Staff not assessing it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_finding(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<FindingId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The client answers a nonconformity: correction, root cause, corrective action and
/// their due dates (ISO/IEC 17021-1 9.4.9); again after the auditor returned it.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/response", tag = "nonconformities", params(("id" = String, Path)),
    request_body = ResponseInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = FindingView),
        (status = 403, description = "Only the client's users answer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting an answer (e.g. closed)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn respond(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<FindingId>,
    input: ApiJson<ResponseInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::respond(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

crate::step_endpoint!(tag = "nonconformities", id = FindingId, view = FindingView, service = service::step,
    accept_response, "/api/v1/nonconformities/{id}/accept", FindingStep::Accept,
    "An assessor accepts the client's response; for a minor, an accepted plan is enough for a decision.");
crate::step_endpoint!(note = required, tag = "nonconformities", id = FindingId, view = FindingView, service = service::step,
    return_response, "/api/v1/nonconformities/{id}/return", FindingStep::Return,
    "An assessor returns the response with the reason (`note`, required); the client answers again.");
crate::step_endpoint!(tag = "nonconformities", id = FindingId, view = FindingView, service = service::step,
    submit_evidence, "/api/v1/nonconformities/{id}/evidence-submitted", FindingStep::SubmitEvidence,
    "The client says its corrective action is implemented; the evidence is uploaded to `/nonconformities/{id}/documents`.");
crate::step_endpoint!(
    tag = "nonconformities",
    id = FindingId,
    view = FindingView,
    service = service::step,
    verify,
    "/api/v1/nonconformities/{id}/verify",
    FindingStep::Verify,
    "An assessor verifies correction and corrective action and closes the nonconformity."
);

crate::document_endpoints!(tag = "nonconformities", id = FindingId,
    upload = (upload_evidence, "/api/v1/nonconformities/{id}/documents", service::upload_evidence,
        "The client uploads evidence of its correction and corrective action (multipart, one part named `file`) until the nonconformity is verified."),
    list = (list_evidence, "/api/v1/nonconformities/{id}/documents", service::evidence),
    download = (download_evidence, "/api/v1/nonconformities/{id}/documents/{document_id}", service::evidence_document));
