//! HTTP handlers of auditors: parse, call the service, map to HTTP.

use actix_web::{web, HttpResponse};

use super::dto::*;
use super::service;
use crate::accounts::UserId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// A staff member's qualifications and declared conflicts (admins, or the person).
#[utoipa::path(get, path = "/api/v1/auditors/{user_id}", tag = "auditors", params(("user_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditorView),
        (status = 403, description = "Neither an admin nor the person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No staff member has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_auditor(
    app: web::Data<Service>,
    auth: Auth,
    user_id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let today = app.today();
    let view = app
        .read(auth, move |conn, caller| {
            service::profile(conn, caller, &user_id, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Records a qualification of an auditor: standard, grade, IAF sector codes and validity
/// (admins). Teams are checked against it on the audit's dates.
#[utoipa::path(post, path = "/api/v1/auditors/{user_id}/qualifications", tag = "auditors", params(("user_id" = String, Path)),
    request_body = QualificationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = QualificationView),
        (status = 403, description = "Only admins record qualifications", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No staff member has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_qualification(
    app: web::Data<Service>,
    auth: Auth,
    user_id: web::Path<UserId>,
    input: ApiJson<QualificationInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::add_qualification(tx, caller, &user_id, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Declares a conflict of interest with a client (the person themselves, or an admin).
/// The person is kept off that client's audit teams for the period.
#[utoipa::path(post, path = "/api/v1/auditors/{user_id}/conflicts", tag = "auditors", params(("user_id" = String, Path)),
    request_body = ConflictInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ConflictView),
        (status = 403, description = "Neither an admin nor the person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No staff member has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn declare_conflict(
    app: web::Data<Service>,
    auth: Auth,
    user_id: web::Path<UserId>,
    input: ApiJson<ConflictInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::declare_conflict(tx, caller, &user_id, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
