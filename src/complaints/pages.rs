//! The complaint pages for people, in the verification site's layout: the form that files
//! a complaint (no script needed), the page that reads one back by reference and secret,
//! and the public notices.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use tracing_actix_web::RequestId;

use actix_web::{HttpRequest, ResponseError};

use super::domain::{ComplaintKind, ComplaintState};
use super::dto::{ComplaintInput, NoticeListQuery};
use super::service;
use crate::documents::upload::{read_form, UploadLimit};
use crate::error::{AppError, AppResult};
use crate::trail::Actor;
use crate::verification::pages::{page, private_page};
use crate::web::public_limit::{Admitted, Filing};
use crate::workflow::Service;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/verify/report", web::get().to(report_form))
        .route("/verify/report", web::post().to(report))
        .route("/verify/complaint", web::get().to(status_form))
        .route("/verify/complaint", web::post().to(status))
        .route("/verify/complaint/evidence", web::post().to(evidence))
        .route("/verify/notices", web::get().to(notices));
}

#[derive(Debug, Deserialize)]
pub struct Prefill {
    number: Option<String>,
    reference: Option<String>,
}

/// The kinds as the form offers them, the chosen one marked.
fn kinds(chosen: Option<ComplaintKind>) -> Value {
    let described = [
        (
            ComplaintKind::FalseClaim,
            "An organisation claims a certification from us that it does not hold",
        ),
        (
            ComplaintKind::Misuse,
            "A certificate or our mark is used in a misleading way",
        ),
        (
            ComplaintKind::CertifiedClient,
            "A complaint about an organisation we certify",
        ),
        (
            ComplaintKind::CertificationBody,
            "A complaint about us, the certification body",
        ),
    ];
    described
        .iter()
        .map(|(kind, label)| json!({"value": kind.as_str(), "label": label, "checked": Some(*kind) == chosen}))
        .collect()
}

pub async fn report_form(
    _: Admitted,
    app: web::Data<Service>,
    prefill: web::Query<Prefill>,
) -> AppResult<HttpResponse> {
    let number = prefill.into_inner().number.unwrap_or_default();
    page(
        StatusCode::OK,
        &app.rules().cb,
        "Report a false claim or misuse",
        json!({"report": true, "kinds": kinds(Some(ComplaintKind::FalseClaim)),
            "form": {"certificate_number": number}}),
    )
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    kind: Option<String>,
    organisation_name: String,
    certificate_number: Option<String>,
    description: String,
    reporter_name: Option<String>,
    reporter_email: Option<String>,
}

/// Files the complaint; the answer page shows the reference and the secret, once.
pub async fn report(
    _: Admitted,
    _: Filing,
    app: web::Data<Service>,
    request_id: RequestId,
    form: web::Form<ReportForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let cb = app.rules().cb.clone();
    let kind = form.kind.as_deref().and_then(ComplaintKind::parse);
    let blank = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let input = ComplaintInput {
        kind: kind.unwrap_or(ComplaintKind::FalseClaim),
        organisation_name: form.organisation_name.clone(),
        certificate_number: blank(&form.certificate_number),
        description: form.description.clone(),
        reporter_name: blank(&form.reporter_name),
        reporter_email: blank(&form.reporter_email),
    };
    let filed = app
        .write_as(Actor::public(Some(request_id.to_string())), move |tx| {
            service::submit(tx, input)
        })
        .await;
    let refilled = json!({"organisation_name": form.organisation_name, "certificate_number": form.certificate_number,
        "description": form.description, "reporter_name": form.reporter_name, "reporter_email": form.reporter_email});
    let response = match filed {
        Ok(receipt) => private_page(
            StatusCode::CREATED,
            &cb,
            "Complaint received",
            json!({"report_done": true, "receipt": receipt}),
        )?,
        Err(AppError::Validation(errors)) => private_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &cb,
            "Report a false claim or misuse",
            json!({"report": true, "kinds": kinds(kind), "form": refilled,
                "errors": errors.iter().map(|e| format!("{}: {}", e.field.replace('_', " "), e.message)).collect::<Vec<_>>()}),
        )?,
        Err(other) => return Err(other),
    };
    Ok(response)
}

pub async fn status_form(
    _: Admitted,
    app: web::Data<Service>,
    prefill: web::Query<Prefill>,
) -> AppResult<HttpResponse> {
    let reference = prefill.into_inner().reference.unwrap_or_default();
    page(
        StatusCode::OK,
        &app.rules().cb,
        "Your complaint",
        json!({"complaint_lookup": true, "reference": reference}),
    )
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    reference: String,
    secret: String,
}

/// A complaint's progress, by reference and secret (posted, so the secret stays out of
/// addresses and logs).
pub async fn status(
    _: Admitted,
    app: web::Data<Service>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let StatusForm { reference, secret } = form.into_inner();
    status_page(&app, reference, secret, None).await
}

/// The complaint's page; while it takes evidence, with a form to attach a file (which
/// carries the secret, on a page no one caches).
async fn status_page(
    app: &Service,
    reference: String,
    secret: String,
    note: Option<String>,
) -> AppResult<HttpResponse> {
    let cb = app.rules().cb.clone();
    let shown = reference.clone();
    let asked = (reference.clone(), secret.clone());
    let found = app
        .db()
        .read_one(move |conn| service::public_status(conn, &asked.0, &asked.1))
        .await;
    let response = match found {
        Ok(complaint) => {
            let open = !matches!(
                complaint.state,
                ComplaintState::Decided | ComplaintState::Closed
            );
            private_page(
                StatusCode::OK,
                &cb,
                "Your complaint",
                json!({"complaint": complaint, "evidence_open": open, "reference": reference,
                    "secret": secret, "evidence_note": note}),
            )?
        }
        Err(AppError::NotFound(message)) => private_page(
            StatusCode::NOT_FOUND,
            &cb,
            "Your complaint",
            json!({"complaint_lookup": true, "reference": shown, "problem": message}),
        )?,
        Err(other) => return Err(other),
    };
    Ok(response)
}

/// A file attached from the complaint's page (multipart: `reference`, `secret`, `file`),
/// then the page again, saying what became of it.
pub async fn evidence(
    _: Admitted,
    app: web::Data<Service>,
    request_id: RequestId,
    request: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let limit = request
        .app_data::<web::Data<UploadLimit>>()
        .ok_or_else(|| AppError::internal("no upload limit is configured"))?
        .0;
    let (fields, upload) = match read_form(&request, payload, limit, &["reference", "secret"]).await
    {
        Ok(read) => read,
        Err(problem) => {
            return private_page(
                problem.status_code(),
                &app.rules().cb,
                "Your complaint",
                json!({"complaint_lookup": true, "problem": problem.to_string()}),
            )
        }
    };
    let field = |name| {
        fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default()
    };
    let (reference, secret) = (field("reference"), field("secret"));
    let key = (reference.clone(), secret.clone());
    let stored = app
        .write_as(Actor::public(Some(request_id.to_string())), move |tx| {
            service::add_evidence(tx, (&key.0, &key.1), upload)
        })
        .await;
    let note = match stored {
        Ok(file) => format!("We received {} ({} bytes).", file.filename, file.size_bytes),
        Err(problem) if problem.status_code().is_client_error() => problem.to_string(),
        Err(other) => return Err(other),
    };
    status_page(&app, reference, secret, Some(note)).await
}

pub async fn notices(_: Admitted, app: web::Data<Service>) -> AppResult<HttpResponse> {
    let query = NoticeListQuery {
        limit: Some(200),
        offset: None,
    };
    let found = app
        .db()
        .run(move |conn| service::notices(conn, query))
        .await?;
    page(
        StatusCode::OK,
        &app.rules().cb,
        "Public notices",
        json!({"notices": true, "items": found.items}),
    )
}
