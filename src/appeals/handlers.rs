//! HTTP handlers of appeals.

use actix_web::{web, HttpResponse};

use super::domain::AppealStep;
use super::dto::*;
use super::service;
use super::AppealId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::pagination::Page;
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// Appeal a refusal (name the decision) or a suspension, withdrawal or scope reduction
/// (name the certificate) of your organisation (client users). One open appeal per decision.
#[utoipa::path(post, path = "/api/v1/appeals", tag = "appeals", request_body = AppealInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = AppealView),
        (status = 403, description = "Only client users appeal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The decision is no longer in effect, or an appeal of it is open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named; a decision or certificate not your organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn file_appeal(
    app: web::Data<Service>,
    auth: Auth,
    input: ApiJson<AppealInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| service::file(tx, caller, input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Appeals, newest first: client users see their organisation's, staff all.
#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals", params(AppealListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<AppealView>),
        (status = 403, description = "Auditors and relying parties do not read appeals", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter out of its range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_appeals(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<AppealListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .read(auth, move |conn, caller| service::list(conn, caller, query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(get, path = "/api/v1/appeals/{id}", tag = "appeals", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AppealView),
        (status = 403, description = "Auditors and relying parties do not read appeals", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_appeal(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AppealId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Put a reviewer in charge (admins and complaint handlers): a decision maker or complaint
/// handler who did not take the appealed decision and is not involved with the client in
/// this cycle (ISO/IEC 17021-1 9.7.3).
#[utoipa::path(post, path = "/api/v1/appeals/{id}/assign", tag = "appeals", params(("id" = String, Path)),
    request_body = AppealAssignInput, security(("bearer" = [])),
    responses(
        (status = 200, body = AppealView),
        (status = 403, description = "Admins and complaint handlers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No appeal has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not acknowledged yet, or already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an active reviewer, or involved in the decision", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn assign(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<AppealId>,
    input: ApiJson<AppealAssignInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::assign(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

crate::step_endpoint!(
    tag = "appeals",
    id = AppealId,
    view = AppealView,
    service = service::step,
    acknowledge,
    "/api/v1/appeals/{id}/acknowledge",
    AppealStep::Acknowledge,
    "Confirm receipt of the appeal to the client (admins and complaint handlers)."
);

crate::step_endpoint!(note = required, tag = "appeals", id = AppealId, view = AppealView, service = service::step,
    uphold, "/api/v1/appeals/{id}/uphold", AppealStep::Uphold,
    "Uphold the appeal, with the reasons in `note` (its assigned reviewer): a decision maker then takes the corrective step.");

crate::step_endpoint!(
    note = required,
    tag = "appeals",
    id = AppealId,
    view = AppealView,
    service = service::step,
    reject,
    "/api/v1/appeals/{id}/reject",
    AppealStep::Reject,
    "Reject the appeal, with the reasons in `note` (its assigned reviewer)."
);

crate::step_endpoint!(tag = "appeals", id = AppealId, view = AppealView, service = service::remedy,
    remedy, "/api/v1/appeals/{id}/remedy", AppealStep::Remedy,
    "The corrective step of an upheld appeal (a decision maker who did not take the appealed decision): reinstates a suspended or withdrawn certificate, restores a reduced scope as a new revision, or links the new grant that followed an appealed refusal.");
