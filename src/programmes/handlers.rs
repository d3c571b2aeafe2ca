//! HTTP handlers of programmes: parse, call the service, map to HTTP.

use actix_web::{web, HttpResponse};

use super::dto::ProgrammeView;
use super::service;
use crate::applications::ApplicationId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::workflow::Service;

/// The three-year audit programme of an accepted application (its organisation and staff).
#[utoipa::path(get, path = "/api/v1/applications/{id}/programme", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProgrammeView),
        (status = 404, description = "Unknown, another organisation's, or not accepted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_programme(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ApplicationId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read(auth, move |conn, caller| {
            service::for_application(conn, caller, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The client agrees to the quoted audit time and programme (a user of its organisation;
/// 17021-1 5.1.2). Stage 1 can be planned afterwards; the CB's admins are told.
#[utoipa::path(post, path = "/api/v1/applications/{id}/programme/agree", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProgrammeView),
        (status = 403, description = "Only the client's users agree", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, another organisation's, or not accepted", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already agreed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn agree_programme(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ApplicationId>,
) -> AppResult<HttpResponse> {
    let view = app
        .write(auth, move |tx, caller| service::agree(tx, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
