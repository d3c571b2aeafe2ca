//! HTTP handlers of certificates: parse, call the service, map to HTTP.

use crate::web::pages::{page_response, Keep};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::domain::{CertificateStep, ScopeChange};
use super::dto::*;
use super::service;
use super::CertificateId;
use crate::auth::Auth;
use crate::credentials::keys::SigningKeys;
use crate::credentials::PublicUrl;
use crate::error::{AppResult, Problem};
use crate::pagination::Page;
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// Certificates the caller may see: a client its own, staff all; newest first.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(CertificateListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<CertificateSummary>)))]
pub async fn list_certificates(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<CertificateListQuery>,
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

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (the default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// Every certificate in the IAF CertSearch upload shape (IAF MD 28), as JSON or CSV
/// (admins). The same as `certbody register export`.
#[utoipa::path(get, path = "/api/v1/certificates/register-export", tag = "certificates", params(ExportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The register: JSON, or CSV with `format=csv`", content(
            (Vec<super::register::RegisterRecord> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, description = "Only admins export", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register_export(
    app: web::Data<Service>,
    auth: Auth,
    query: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    let rules = app.rules();
    let records = app
        .read(auth, move |conn, caller| {
            service::register_export(conn, caller, &rules.cb)
        })
        .await?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(crate::error::AppError::invalid("format", "json or csv")),
    };
    Ok(if csv {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(super::register::to_csv(&records))
    } else {
        HttpResponse::Ok().json(records)
    })
}

/// One certificate: status, current content, revisions and status history.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificates", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CertificateView),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_certificate(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<CertificateId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The certificate's current revision as a W3C Verifiable Credential (a UNTP Digital
/// Conformity Credential) signed as a JWT (`typ: vc+jwt`, EdDSA): verify it with the keys
/// at `/.well-known/jwks.json`; its status is in the list its `credentialStatus` names.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/credential", tag = "certificates", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The credential, a JWT", content_type = "application/vc+jwt", body = String),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_credential(
    app: web::Data<Service>,
    keys: web::Data<SigningKeys>,
    public_url: web::Data<PublicUrl>,
    auth: Auth,
    id: web::Path<CertificateId>,
) -> AppResult<HttpResponse> {
    let (did, url) = (keys.did.clone(), public_url.0.clone());
    let credential = app
        .read(auth, move |conn, caller| {
            service::credential(conn, caller, &id, (&did, &url))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vc+jwt")
        .body(keys.sign(&credential)?))
}

/// The certificate as a print-ready HTML page: the CB, the holder, each site with its
/// scope, the standard, the dates, the revision, the accreditation, a banner when it is not
/// valid, and a QR code that opens its public verification page.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/document.html", tag = "certificates", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_document(
    app: web::Data<Service>,
    public_url: web::Data<PublicUrl>,
    auth: Auth,
    id: web::Path<CertificateId>,
) -> AppResult<HttpResponse> {
    let view = app
        .read_one(auth, move |conn, caller| service::get(conn, caller, &id))
        .await?;
    Ok(page_response(
        StatusCode::OK,
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        Keep::Nowhere,
        super::document::render_html(&view, &public_url.0)?,
    ))
}

/// Suspends an active certificate with its reason and restore date (6 months when absent;
/// ISO/IEC 17021-1 9.6.5). Decision makers.
#[utoipa::path(post, path = "/api/v1/certificates/{id}/suspend", tag = "certificates", params(("id" = String, Path)),
    request_body = SuspensionInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = CertificateView),
        (status = 403, description = "Only decision makers suspend", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No certificate has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not active", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn suspend_certificate(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<CertificateId>,
    input: ApiJson<SuspensionInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::suspend(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

crate::step_endpoint!(
    tag = "certificates",
    id = CertificateId,
    view = CertificateView,
    service = service::step,
    reinstate_certificate,
    "/api/v1/certificates/{id}/reinstate",
    CertificateStep::Reinstate,
    "Reinstates a suspended certificate once conformity is restored (decision makers)."
);
crate::step_endpoint!(
    note = required,
    tag = "certificates",
    id = CertificateId,
    view = CertificateView,
    service = service::step,
    withdraw_certificate,
    "/api/v1/certificates/{id}/withdraw",
    CertificateStep::Withdraw,
    "Withdraws an active or suspended certificate, with the reason in `note` (decision makers)."
);

macro_rules! scope_endpoint {
    ($name:ident, $path:literal, $change:expr, $doc:literal, $conflict:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "certificates", params(("id" = String, Path)),
            request_body = ScopeChangeInput,
            security(("bearer" = [])),
            responses(
                (status = 200, body = CertificateView),
                (status = 403, description = "Only decision makers change scopes", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No certificate has this id", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            app: web::Data<Service>,
            auth: Auth,
            id: web::Path<CertificateId>,
            input: ApiJson<ScopeChangeInput>,
        ) -> AppResult<HttpResponse> {
            let input = input.into_inner();
            let view = app
                .write(auth, move |tx, caller| service::change_scope(tx, caller, &id, $change, input))
                .await?;
            Ok(HttpResponse::Ok().json(view))
        }
    };
}

scope_endpoint!(reduce_scope, "/api/v1/certificates/{id}/scope-reduction", ScopeChange::Reduction,
    "Reduces the certified scope (ISO/IEC 17021-1 9.6.5): a new revision with the sites that stay and their scope; the old one is kept, superseded. Decision makers.",
    "Withdrawn or expired");
scope_endpoint!(extend_scope, "/api/v1/certificates/{id}/scope-extension", ScopeChange::Extension,
    "Extends the certified scope (ISO/IEC 17021-1 9.6.4) after a completed special audit: a new revision; the old one is kept, superseded. Decision makers.",
    "Not active, or no completed special audit since the current issue");

/// The certificate as issued, a PDF/A-2u document with the same content as the HTML page
/// and a QR code to its verification page: the current revision, or `revision`. Each
/// revision's PDF is kept byte for byte; its credential names it by SHA-256.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/document.pdf", tag = "certificates",
    params(("id" = String, Path), PdfQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "Unknown, another organisation's, or no such revision", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_pdf(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<CertificateId>,
    query: web::Query<PdfQuery>,
) -> AppResult<HttpResponse> {
    let revision = query.into_inner().revision;
    let (number, document) = app
        .read(auth, move |conn, caller| {
            service::pdf(conn, caller, &id, revision)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{number}-r{}.pdf\"", document.revision),
        ))
        .body(document.content))
}
