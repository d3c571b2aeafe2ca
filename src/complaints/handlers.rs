//! HTTP handlers of complaints: the public filing and read-back, the staff handling.

use actix_web::{web, HttpRequest, HttpResponse};
use tracing_actix_web::RequestId;

use super::domain::ComplaintStep;
use super::dto::*;
use super::service;
use super::store::Notice;
use super::{ComplaintId, EvidenceId};
use crate::auth::Auth;
use crate::documents::upload::{read_file, UploadLimit};
use crate::error::{AppError, AppResult, Problem};
use crate::pagination::Page;
use crate::trail::Actor;
use crate::web::json::ApiJson;
use crate::web::public_limit::{Admitted, Filing};
use crate::workflow::Service;

/// The header that carries a complaint's secret when reading it back.
pub const SECRET_HEADER: &str = "Complaint-Secret";

/// File a complaint, no account needed: a false claim of certification, misuse of a
/// certificate or mark, a complaint about a certified client or about the certification
/// body. Anonymous is allowed. The answer's secret is shown once: with the reference it
/// reads the complaint back.
#[utoipa::path(post, path = "/api/v1/public/complaints", tag = "complaints", request_body = ComplaintInput,
    responses(
        (status = 201, body = ComplaintReceipt),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many filings from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    _: Admitted,
    _: Filing,
    app: web::Data<Service>,
    request_id: RequestId,
    input: ApiJson<ComplaintInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let receipt = app
        .write_as(Actor::public(Some(request_id.to_string())), move |tx| {
            service::submit(tx, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// A complaint's progress and public outcome, for whoever holds its reference and secret
/// (header `Complaint-Secret`). Unknown references and wrong secrets answer alike.
#[utoipa::path(get, path = "/api/v1/public/complaints/{reference}", tag = "complaints",
    params(("reference" = String, Path, example = "C-7K2M-9QXA"),
        ("Complaint-Secret" = String, Header, description = "The secret the filing answered with")),
    responses(
        (status = 200, body = PublicComplaintView),
        (status = 404, description = "No complaint has this reference and secret", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No secret sent", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn public_status(
    _: Admitted,
    app: web::Data<Service>,
    request: HttpRequest,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let secret = secret_of(&request)?;
    let view = app
        .db()
        .read_one(move |conn| service::public_status(conn, &reference, &secret))
        .await?;
    // For the secret's holder only: no shared cache keeps it.
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// Public notices: organisations that claimed a certification from us they do not hold,
/// or misused our certificates or marks, as substantiated by a complaint; newest first.
#[utoipa::path(get, path = "/api/v1/public/notices", tag = "complaints", params(NoticeListQuery),
    responses(
        (status = 200, body = Page<Notice>),
        (status = 422, description = "A paging parameter out of its range", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_notices(
    _: Admitted,
    app: web::Data<Service>,
    query: web::Query<NoticeListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .db()
        .run(move |conn| service::notices(conn, query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Complaints, newest first, by state, handler or overdue (complaint handlers and admins).
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<ComplaintView>),
        (status = 403, description = "Complaint handlers and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter out of its range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_complaints(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<ComplaintListQuery>,
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

/// One complaint in full (complaint handlers and admins).
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, description = "Complaint handlers and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No complaint has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_complaint(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ComplaintId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

crate::step_endpoint!(tag = "complaints", id = ComplaintId, view = ComplaintView, service = service::step,
    acknowledge, "/api/v1/complaints/{id}/acknowledge", ComplaintStep::Acknowledge,
    "Confirm receipt to the reporter (mailed when an address was given), with whether the complaint concerns our certification activities (ISO/IEC 17021-1 9.8.5).");

crate::step_endpoint!(tag = "complaints", id = ComplaintId, view = ComplaintView, service = service::step,
    close, "/api/v1/complaints/{id}/close", ComplaintStep::Close,
    "Close a decided complaint: the reporter gets formal notice that its handling has ended (9.8.7). The assigned handler or an admin.");

/// Put a complaint handler in charge who is not involved with the client concerned: not on
/// its audit teams or decisions in the current cycle, no declared conflict (9.8.3).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/assign", tag = "complaints", params(("id" = String, Path)),
    request_body = AssignInput, security(("bearer" = [])),
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, description = "Complaint handlers and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No complaint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not acknowledged yet, or already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an active complaint handler, or involved with the subject", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn assign(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ComplaintId>,
    input: ApiJson<AssignInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::assign(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Decide a complaint under investigation (its assigned handler): substantiated or not,
/// what the reporter is told, and optionally a request to the decision makers to consider
/// suspension or a public notice of a false claim.
/// Withdraws the public notice a complaint led to, with the reason in `note` (admins): the
/// organisation was named wrongly, or has since been certified. It leaves the public list;
/// the trail keeps it and why.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/notice/withdraw", tag = "complaints", params(("id" = String, Path)),
    request_body = crate::workflow::note::RequiredStepNote, security(("bearer" = [])),
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No complaint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The complaint has no public notice in force", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw_notice(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ComplaintId>,
    input: ApiJson<crate::workflow::StepNote>,
) -> AppResult<HttpResponse> {
    let reason = input.into_inner().required()?;
    let view = app
        .write(auth, move |tx, caller| {
            service::withdraw_notice(tx, caller, &id, reason)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/decide", tag = "complaints", params(("id" = String, Path)),
    request_body = ComplaintDecisionInput, security(("bearer" = [])),
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, description = "Not the assigned handler, or involved with the subject", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No complaint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not under investigation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an action the complaint does not allow", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ComplaintId>,
    input: ApiJson<ComplaintDecisionInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::decide(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The secret sent with a reporter's request, or a 422 naming the header.
fn secret_of(request: &HttpRequest) -> AppResult<String> {
    request
        .headers()
        .get(SECRET_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            AppError::invalid(SECRET_HEADER, "send the complaint's secret in this header")
        })
}

/// Attach a file to your complaint until it is decided (multipart, one part named `file`;
/// the secret in `Complaint-Secret`): at most 5, each within the upload limit, of a type
/// its content confirms (PDF, PNG, JPEG, office documents, text).
#[utoipa::path(post, path = "/api/v1/public/complaints/{reference}/evidence", tag = "complaints",
    params(("reference" = String, Path, example = "C-7K2M-9QXA"),
        ("Complaint-Secret" = String, Header, description = "The secret the filing answered with")),
    request_body(content = crate::documents::UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = EvidenceView),
        (status = 404, description = "No complaint has this reference and secret", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or 5 files attached", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, a type not accepted, or content not of its type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No secret sent", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_evidence(
    _: Admitted,
    app: web::Data<Service>,
    request_id: RequestId,
    reference: web::Path<String>,
    request: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let secret = secret_of(&request)?;
    let limit = request
        .app_data::<web::Data<UploadLimit>>()
        .ok_or_else(|| AppError::internal("no upload limit is configured"))?
        .0;
    let upload = read_file(&request, payload, limit).await?;
    let info = app
        .write_as(Actor::public(Some(request_id.to_string())), move |tx| {
            service::add_evidence(tx, (&reference, &secret), upload)
        })
        .await?;
    Ok(HttpResponse::Created().json(info))
}

/// The files attached to a complaint, without their bytes (complaint handlers and admins).
#[utoipa::path(get, path = "/api/v1/complaints/{id}/evidence", tag = "complaints", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<EvidenceView>),
        (status = 403, description = "Complaint handlers and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No complaint has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_evidence(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<ComplaintId>,
) -> AppResult<HttpResponse> {
    let files = app
        .read(auth, move |conn, caller| {
            service::evidence(conn, caller, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(files))
}

/// One attached file as uploaded (an attachment with its own type).
#[utoipa::path(get, path = "/api/v1/complaints/{id}/evidence/{evidence_id}", tag = "complaints",
    params(("id" = String, Path), ("evidence_id" = String, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, description = "Complaint handlers and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint or file", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download_evidence(
    app: web::Data<Service>,
    auth: Auth,
    path: web::Path<(ComplaintId, EvidenceId)>,
) -> AppResult<HttpResponse> {
    let (id, evidence) = path.into_inner();
    let (info, bytes) = app
        .read(auth, move |conn, caller| {
            service::evidence_file(conn, caller, (&id, &evidence))
        })
        .await?;
    Ok(crate::documents::download_response(
        (&info.content_type, &info.filename, &info.sha256),
        bytes,
    ))
}
