//! HTTP handlers of watching: public email subscriptions, relying parties' watch lists and
//! webhook endpoints.

use actix_web::{web, HttpResponse};
use tracing_actix_web::RequestId;

use super::dto::*;
use super::service::{self, TokenUse};
use super::EndpointId;
use crate::auth::{Auth, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::pagination::Page;
use crate::trail::Actor;
use crate::web::json::ApiJson;
use crate::web::public_limit::{Admitted, Filing};
use crate::workflow::Service;

/// Subscribe an email address to one certificate's changes of status and scope. A
/// confirmation link is mailed (double opt-in); every notification carries a link that
/// unsubscribes at once. The answer is the same for a new, waiting or confirmed address.
#[utoipa::path(post, path = "/api/v1/public/watch", tag = "watch", request_body = SubscribeInput,
    responses(
        (status = 202, body = SubscriptionReceipt),
        (status = 404, description = "A well-formed number we never issued", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an email address, or not one of our certificate numbers", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many filings from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn subscribe(
    _: Admitted,
    _: Filing,
    app: web::Data<Service>,
    request_id: RequestId,
    input: ApiJson<SubscribeInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let receipt = app
        .write_as(Actor::public(Some(request_id.to_string())), move |tx| {
            service::subscribe(tx, input)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(receipt))
}

/// Confirm a subscription with the token from the confirmation mail.
#[utoipa::path(post, path = "/api/v1/public/watch/confirm", tag = "watch", request_body = TokenInput,
    responses(
        (status = 200, body = SubscriptionView),
        (status = 404, description = "Unknown token, or unsubscribed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm(
    _: Admitted,
    app: web::Data<Service>,
    request_id: RequestId,
    input: ApiJson<TokenInput>,
) -> AppResult<HttpResponse> {
    let token = input.into_inner().token;
    let view = by_token(&app, request_id, token, TokenUse::Confirm).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Confirms or ends a subscription by its token, for someone without an account.
pub(crate) async fn by_token(
    app: &Service,
    request_id: RequestId,
    token: String,
    usage: TokenUse,
) -> AppResult<SubscriptionView> {
    app.write_as(Actor::public(Some(request_id.to_string())), move |tx| {
        service::use_token(tx, &token, usage)
    })
    .await
}

/// End a subscription with the token from any of its mails; the address is deleted.
#[utoipa::path(post, path = "/api/v1/public/watch/unsubscribe", tag = "watch", request_body = TokenInput,
    responses(
        (status = 200, body = SubscriptionView),
        (status = 404, description = "Unknown token, or already unsubscribed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn unsubscribe(
    _: Admitted,
    app: web::Data<Service>,
    request_id: RequestId,
    input: ApiJson<TokenInput>,
) -> AppResult<HttpResponse> {
    let token = input.into_inner().token;
    let view = by_token(&app, request_id, token, TokenUse::Unsubscribe).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The caller's watch list, by number (relying parties).
#[utoipa::path(get, path = "/api/v1/watch/certificates", tag = "watch", params(WatchPageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<WatchedView>),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A paging parameter out of its range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_watched(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<WatchPageQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .read(auth, move |conn, caller| {
            service::watched(conn, caller, query)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Add up to 1,000 certificates to the watch list (relying parties); every number must be
/// one we issued, or none is added.
#[utoipa::path(post, path = "/api/v1/watch/certificates", tag = "watch", request_body = WatchListInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = WatchListChange),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The watch list would exceed its maximum", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Numbers that are not ours or were never issued, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_watched(
    app: web::Data<Service>,
    auth: Auth,
    input: ApiJson<WatchListInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let change = app
        .write(auth, move |tx, caller| {
            service::add_watched(tx, caller, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(change))
}

#[utoipa::path(delete, path = "/api/v1/watch/certificates/{number}", tag = "watch",
    params(("number" = String, Path, example = "CB-7K2M-9QXA-Y")), security(("bearer" = [])),
    responses(
        (status = 204, description = "No longer watched"),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not on the watch list", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not one of our certificate numbers", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_watched(
    app: web::Data<Service>,
    auth: Auth,
    number: web::Path<String>,
) -> AppResult<HttpResponse> {
    app.write(auth, move |tx, caller| {
        service::remove_watched(tx, caller, &number)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's webhook endpoints (relying parties); secrets are not shown again.
#[utoipa::path(get, path = "/api/v1/watch/webhooks", tag = "watch", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<EndpointView>),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_endpoints(app: web::Data<Service>, auth: Auth) -> AppResult<HttpResponse> {
    let endpoints = app.read(auth, service::endpoints).await?;
    Ok(HttpResponse::Ok().json(endpoints))
}

/// Register a webhook receiver (relying parties). Every change of a watched certificate is
/// POSTed to it with `webhook-id`, `webhook-timestamp` and `webhook-signature` headers
/// (Standard Webhooks: HMAC-SHA256 with the secret answered here, once), retried with
/// backoff until it answers 2xx. URLs resolving to private, loopback or link-local
/// addresses are refused unless the operator allows them.
#[utoipa::path(post, path = "/api/v1/watch/webhooks", tag = "watch", request_body = EndpointInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = EndpointView),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has its maximum of active endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an http(s) URL, or it reaches a private network", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_endpoint(
    app: web::Data<Service>,
    auth: Auth,
    input: ApiJson<EndpointInput>,
) -> AppResult<HttpResponse> {
    let url = input.into_inner().url.trim().to_owned();
    if url.len() > 2000 {
        return Err(AppError::invalid("url", "must be at most 2,000 characters"));
    }
    // The role first: only relying parties may make the server resolve a name. A second
    // trip on purpose, so no transaction waits on the name service.
    app.read(auth.clone(), |_, caller| {
        caller.require_role(&[Role::RelyingParty])
    })
    .await?;
    let allow_private = app.rules().webhooks_allow_private;
    let checked = url.clone();
    web::block(move || service::check_receiver(&checked, allow_private))
        .await?
        .map_err(|why| AppError::invalid("url", why))?;
    let endpoint = app
        .write(auth, move |tx, caller| {
            service::create_endpoint(tx, caller, url)
        })
        .await?;
    Ok(HttpResponse::Created().json(endpoint))
}

/// Stop deliveries to an endpoint (relying parties); its log stays readable.
#[utoipa::path(delete, path = "/api/v1/watch/webhooks/{id}", tag = "watch",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your endpoints", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_endpoint(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<EndpointId>,
) -> AppResult<HttpResponse> {
    app.write(auth, move |tx, caller| {
        service::delete_endpoint(tx, caller, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An endpoint's delivery log, newest first: status, attempts, the receiver's last answer.
#[utoipa::path(get, path = "/api/v1/watch/webhooks/{id}/deliveries", tag = "watch",
    params(("id" = String, Path), WatchPageQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = Page<DeliveryView>),
        (status = 403, description = "Relying parties only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A paging parameter out of its range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_deliveries(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<EndpointId>,
    query: web::Query<WatchPageQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .read(auth, move |conn, caller| {
            service::deliveries(conn, caller, &id, query)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
