//! HTTP handlers of certification decisions: parse, call the service, map to HTTP.

use actix_web::{web, HttpResponse};

use super::dto::*;
use super::service;
use super::DecisionId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// Grants or refuses certification (decision makers who did not audit the client). A grant
/// issues the certificate and places the cycle from today.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "decisions", request_body = DecisionInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = DecisionView),
        (status = 403, description = "Not a decision maker, or one who audited the client or has a conflict with it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A prerequisite is missing (stage 2 report, nonconformities, 6-month limit, impartiality) or it was granted already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    app: web::Data<Service>,
    auth: Auth,
    input: ApiJson<DecisionInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| service::decide(tx, caller, input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecisionListQuery {
    #[param(value_type = String)]
    pub programme_id: crate::programmes::ProgrammeId,
}

/// The decisions on a programme, oldest first (its client, and staff).
#[utoipa::path(get, path = "/api/v1/decisions", tag = "decisions", params(DecisionListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DecisionView>),
        (status = 404, description = "Unknown programme, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_decisions(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<DecisionListQuery>,
) -> AppResult<HttpResponse> {
    let programme_id = query.into_inner().programme_id;
    let decisions = app
        .read(auth, move |conn, caller| {
            service::of_programme(conn, caller, &programme_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(decisions))
}

/// One decision (its client, and staff).
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DecisionView),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_decision(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<DecisionId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
