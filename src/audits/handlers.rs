//! HTTP handlers of audits: parse, call the service, map to HTTP.

use crate::web::pages::{page_response, Keep};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::domain::AuditStep;
use super::dto::*;
use super::service;
use super::AuditId;
use crate::accounts::UserId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::nonconformities::dto::{FindingInput, FindingView};
use crate::pagination::Page;
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// Audits the caller may see, latest first: a client its own, an auditor those they are
/// on the team of, admins and decision makers all.
#[utoipa::path(get, path = "/api/v1/audits", tag = "audits", params(AuditListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<AuditView>),
        (status = 403, description = "Role may not list audits", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_audits(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<AuditListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .read(auth, move |conn, caller| service::list(conn, caller, query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Plans an audit of an agreed programme, or a special audit (admins). The team is checked
/// (qualification on the dates, conflicts, sector coverage, one lead auditor) and the
/// client is mailed the plan and the team.
#[utoipa::path(post, path = "/api/v1/audits", tag = "audits", request_body = PlanInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = AuditView),
        (status = 403, description = "Only admins plan audits", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The programme is not agreed, or this audit is already planned", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn plan_audit(
    app: web::Data<Service>,
    auth: Auth,
    input: ApiJson<PlanInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| service::plan(tx, caller, input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One audit with its plan, team and outcome.
#[utoipa::path(get, path = "/api/v1/audits/{id}", tag = "audits", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditView),
        (status = 403, description = "Staff not on the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_audit(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Replaces the team of a planned audit (admins); checked like a new plan.
#[utoipa::path(put, path = "/api/v1/audits/{id}/team", tag = "audits", params(("id" = String, Path)),
    request_body = TeamInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditView),
        (status = 403, description = "Only admins change teams", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No audit has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The audit is no longer planned", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_team(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
    input: ApiJson<TeamInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::replace_team(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The client objects to a team member, with its reason, before the audit starts
/// (ISO/IEC 17021-1 9.2.3.3). The admins are mailed; the audit cannot be confirmed or
/// started until an admin decides.
#[utoipa::path(post, path = "/api/v1/audits/{id}/team/{user_id}/objection", tag = "audits",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = ObjectionInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditView),
        (status = 403, description = "Only the client's users object", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown audit, another organisation's, or not a member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The audit started, or an objection is pending", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn object_to_member(
    app: web::Data<Service>,
    auth: Auth,
    path: web::Path<(AuditId, UserId)>,
    input: ApiJson<ObjectionInput>,
) -> AppResult<HttpResponse> {
    let (id, member) = path.into_inner();
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::object(tx, caller, &id, &member, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// An admin upholds or dismisses a pending objection. Upheld: the member leaves the team
/// and a confirmed audit returns to planned, to be confirmed again.
#[utoipa::path(post, path = "/api/v1/audits/{id}/team/{user_id}/objection/decision", tag = "audits",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = ObjectionDecisionInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditView),
        (status = 403, description = "Only admins decide objections", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown audit, or not a member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No objection is pending", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide_objection(
    app: web::Data<Service>,
    auth: Auth,
    path: web::Path<(AuditId, UserId)>,
    input: ApiJson<ObjectionDecisionInput>,
) -> AppResult<HttpResponse> {
    let (id, member) = path.into_inner();
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::decide_objection(tx, caller, &id, &member, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

crate::step_endpoint!(tag = "audits", id = AuditId, view = AuditView, service = service::transition,
    confirm_audit, "/api/v1/audits/{id}/confirm", AuditStep::Confirm,
    "Confirms plan and team (admins): needs a lead auditor, full sector coverage and no pending objection; the client is mailed.");
crate::step_endpoint!(tag = "audits", id = AuditId, view = AuditView, service = service::transition,
    start_audit, "/api/v1/audits/{id}/start", AuditStep::Start,
    "The team starts the audit. Stage 2 needs a completed stage 1 that concluded the client is ready.");
crate::step_endpoint!(
    tag = "audits",
    id = AuditId,
    view = AuditView,
    service = service::transition,
    draft_report,
    "/api/v1/audits/{id}/report-draft",
    AuditStep::DraftReport,
    "The team has finished on site; findings may still be filed while the report is drafted."
);
crate::step_endpoint!(tag = "audits", id = AuditId, view = AuditView, service = service::transition,
    complete_audit, "/api/v1/audits/{id}/complete", AuditStep::Complete,
    "The lead auditor completes the audit: needs the conclusion (and stage 1 readiness or the recommendation); freezes report revision 1 and mails the client.");
crate::step_endpoint!(note = required, tag = "audits", id = AuditId, view = AuditView, service = service::transition,
    cancel_audit, "/api/v1/audits/{id}/cancel", AuditStep::Cancel,
    "Cancels an audit before its report draft (admins), with the reason in `note`; the programme entry may be planned again.");

/// The lead auditor records the conclusion, recommendation and, at stage 1, readiness and
/// areas of concern; only the fields given change.
#[utoipa::path(put, path = "/api/v1/audits/{id}/outcome", tag = "audits", params(("id" = String, Path)),
    request_body = OutcomeInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditView),
        (status = 403, description = "Not the lead auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No audit has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not during the audit (completed reports are revised instead)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_outcome(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
    input: ApiJson<OutcomeInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::record_outcome(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The findings of an audit (its client, its team, admins, decision makers).
#[utoipa::path(get, path = "/api/v1/audits/{id}/findings", tag = "audits", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<FindingView>),
        (status = 403, description = "Staff not on the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_audit_findings(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
) -> AppResult<HttpResponse> {
    let findings = app
        .read(auth, move |conn, caller| {
            service::findings(conn, caller, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(findings))
}

/// A team member files a finding while the audit is in progress or in report draft; the
/// clause must be one of the audited standard's. Nonconformities open with their due dates.
#[utoipa::path(post, path = "/api/v1/audits/{id}/findings", tag = "audits", params(("id" = String, Path)),
    request_body = FindingInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = FindingView),
        (status = 403, description = "Not on the team, or an observer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No audit has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The audit is not in progress or in report draft", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn file_finding(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
    input: ApiJson<FindingInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::file_finding(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The report as JSON: the latest frozen revision once completed (the client sees it
/// only then), the live draft before.
#[utoipa::path(get, path = "/api/v1/audits/{id}/report", tag = "audits", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Staff not on the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, another organisation's, or not yet completed (clients)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_report(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
) -> AppResult<HttpResponse> {
    let (view, _) = app
        .read(auth, move |conn, caller| service::report(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The same report as an HTML page.
#[utoipa::path(get, path = "/api/v1/audits/{id}/report.html", tag = "audits", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 403, description = "Staff not on the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, another organisation's, or not yet completed (clients)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_report_html(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
) -> AppResult<HttpResponse> {
    let (_, html) = app
        .read(auth, move |conn, caller| service::report(conn, caller, &id))
        .await?;
    Ok(page_response(
        StatusCode::OK,
        "default-src 'none'; style-src 'unsafe-inline'",
        Keep::Nowhere,
        html,
    ))
}

/// Changes a completed audit's outcome as a new report revision with its reason (the lead
/// auditor or an admin); earlier revisions stay.
#[utoipa::path(post, path = "/api/v1/audits/{id}/report/revisions", tag = "audits", params(("id" = String, Path)),
    request_body = RevisionInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ReportView),
        (status = 403, description = "Not the lead auditor or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No audit has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The audit is not completed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revise_report(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AuditId>,
    input: ApiJson<RevisionInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::revise_report(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

crate::document_endpoints!(tag = "audits", id = AuditId,
    upload = (upload_document, "/api/v1/audits/{id}/documents", service::upload_document,
        "The client uploads documented information for its stage 1 audit (multipart, one part named `file`); SHA-256 recorded."),
    list = (list_documents, "/api/v1/audits/{id}/documents", service::documents),
    download = (download_document, "/api/v1/audits/{id}/documents/{document_id}", service::document));
