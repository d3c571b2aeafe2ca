//! HTTP handlers of applications: parse, call the service (one trip, one transaction for
//! writes), map to HTTP. The rules live in `service` and `domain`.

use actix_web::{web, HttpResponse};

use super::domain::Transition;
use super::dto::*;
use super::service;
use super::ApplicationId;
use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::pagination::Page;
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// Draft an application for the caller's own organisation (applicants).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Draft created", body = ApplicationView),
        (status = 403, description = "Only client users apply", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_application(
    app: web::Data<Service>,
    auth: Auth,
    body: ApiJson<ApplicationInput>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let view = app
        .write(auth, move |tx, caller| service::create(tx, caller, input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Change a draft, or an application returned for more information (its applicant).
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    request_body = ApplicationInput, security(("bearer" = [])),
    responses(
        (status = 200, body = ApplicationView),
        (status = 403, description = "Only the applicant's side edits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not editable in its state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_application(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ApplicationId>,
    body: ApiJson<ApplicationInput>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::update(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One application: client users see their own organisation's, staff any.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApplicationView),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_application(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ApplicationId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Applications, newest first: client users see their organisation's; admins all, filtered.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<ApplicationView>),
        (status = 403, description = "Role may not list applications", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad limit, offset or date range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_applications(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<ApplicationListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .read(auth, move |conn, caller| service::list(conn, caller, query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

macro_rules! transition_endpoint {
    ($name:ident, $path:literal, $step:expr, $doc:literal, $conflict:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "applications", params(("id" = String, Path)),
            security(("bearer" = [])),
            responses(
                (status = 200, body = ApplicationView),
                (status = 403, description = "Role may not take this step", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            app: web::Data<Service>,
            auth: Auth,
            id: web::Path<ApplicationId>,
        ) -> AppResult<HttpResponse> {
            let view = app
                .write(auth, move |tx, caller| service::transition(tx, caller, &id, $step, None))
                .await?;
            Ok(HttpResponse::Ok().json(view))
        }
    };
}

macro_rules! transition_with_message_endpoint {
    ($name:ident, $path:literal, $step:expr, $doc:literal, $conflict:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "applications", params(("id" = String, Path)),
            request_body = MessageRequest, security(("bearer" = [])),
            responses(
                (status = 200, body = ApplicationView),
                (status = 403, description = "Role may not take this step", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "The message is missing", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            app: web::Data<Service>,
            auth: Auth,
            id: web::Path<ApplicationId>,
            body: ApiJson<MessageRequest>,
        ) -> AppResult<HttpResponse> {
            let message = body.into_inner().message;
            let view = app
                .write(auth, move |tx, caller| {
                    let note = service::required_message(&message)?;
                    service::transition(tx, caller, &id, $step, Some(note))
                })
                .await?;
            Ok(HttpResponse::Ok().json(view))
        }
    };
}

transition_endpoint!(
    submit_application,
    "/api/v1/applications/{id}/submit",
    Transition::Submit,
    "Submit a draft, or resubmit after more information was requested (the applicant).",
    "Not a draft and no information was requested"
);
transition_endpoint!(
    start_review,
    "/api/v1/applications/{id}/start-review",
    Transition::StartReview,
    "Take a submitted application into review (admin).",
    "Not submitted"
);
transition_endpoint!(
    accept_application,
    "/api/v1/applications/{id}/accept",
    Transition::Accept,
    "Accept after a complete review; creates the three-year audit programme (admin).",
    "Not under review, or the review is incomplete"
);
transition_with_message_endpoint!(
    request_information,
    "/api/v1/applications/{id}/request-information",
    Transition::RequestInformation,
    "Return the application asking for more information (admin).",
    "Not under review"
);
transition_with_message_endpoint!(
    reject_application,
    "/api/v1/applications/{id}/reject",
    Transition::Reject,
    "Reject with a reason (admin).",
    "Not under review"
);
transition_with_message_endpoint!(
    withdraw_application,
    "/api/v1/applications/{id}/withdraw",
    Transition::Withdraw,
    "Withdraw before acceptance, with a reason (the applicant).",
    "Already accepted, rejected or withdrawn"
);

/// Record or update the application review (admin; while under review): the checklist,
/// impartiality threats, and justified audit-time adjustments. Answers with what the service
/// computed: audit time from the catalogue, the multi-site sample, and what still blocks acceptance.
#[utoipa::path(put, path = "/api/v1/applications/{id}/review", tag = "applications", params(("id" = String, Path)),
    request_body = ReviewInput, security(("bearer" = [])),
    responses(
        (status = 200, body = ReviewView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not under review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Adjustment without justification, or below the minimum audit time", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_review(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ApplicationId>,
    body: ApiJson<ReviewInput>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::record_review(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The recorded review (staff only: it holds internal notes and impartiality findings).
#[utoipa::path(get, path = "/api/v1/applications/{id}/review", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReviewView),
        (status = 403, description = "Client users do not see the review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown application, or no review yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_review(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ApplicationId>,
) -> AppResult<HttpResponse> {
    let today = app.today();
    let view = app
        .read(auth, move |conn, caller| {
            service::get_review(conn, caller, &id, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
