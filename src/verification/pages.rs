//! The verification pages for people (`/verify`): a search form, a page per certificate
//! with an unmistakable banner, and how to report a false claim. Server-rendered, no
//! script, a strict content security policy, within the public rate limit.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::domain::PublicCertificate;
use super::dto::DirectoryQuery;
use super::service::{self, Lookup};
use crate::certificates::domain::{normalise_number, CertificateStatus};
use crate::error::{AppError, AppResult};
use crate::web::pages::{page_response, Keep};
use crate::web::public_limit::Admitted;
use crate::workflow::{CbIdentity, Service};

const STYLESHEET: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/verify/verify.css"
));

/// Every page may load its stylesheet and submit its form to this site, nothing else.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/verify", web::get().to(search_page))
        .configure(crate::complaints::pages::routes)
        .configure(crate::watch::pages::routes)
        .route("/verify/assets/verify.css", web::get().to(stylesheet))
        .route("/verify/{number}", web::get().to(certificate_page));
}

/// A page of the public site: the verification layout around `context`, with its
/// security headers; cacheable when it succeeds (a certificate issued a moment ago must not
/// be shown as unknown from a cache).
pub fn page(
    status: StatusCode,
    cb: &CbIdentity,
    title: &str,
    context: Value,
) -> AppResult<HttpResponse> {
    let keep = if status.is_success() {
        Keep::Public
    } else {
        Keep::Nowhere
    };
    render_page((status, keep), cb, title, context)
}

/// A page for one person only — a secret, a token, a form's result: never cached.
pub fn private_page(
    status: StatusCode,
    cb: &CbIdentity,
    title: &str,
    context: Value,
) -> AppResult<HttpResponse> {
    render_page((status, Keep::Nowhere), cb, title, context)
}

fn render_page(
    (status, keep): (StatusCode, Keep),
    cb: &CbIdentity,
    title: &str,
    mut context: Value,
) -> AppResult<HttpResponse> {
    context["title"] = json!(title);
    context["cb_name"] = json!(cb.name);
    context["cb_address"] = json!(cb.address);
    let html = crate::web::pages::render("verify", &context)?;
    Ok(page_response(status, CONTENT_SECURITY_POLICY, keep, html))
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}

#[derive(Debug, Deserialize)]
pub struct SearchForm {
    q: Option<String>,
}

/// The search form; a certificate number goes to its page, a name to the directory's
/// matches.
pub async fn search_page(
    _: Admitted,
    app: web::Data<Service>,
    form: web::Query<SearchForm>,
) -> AppResult<HttpResponse> {
    let rules = app.rules();
    let query = form.into_inner().q.unwrap_or_default().trim().to_owned();
    if query.is_empty() {
        return page(
            StatusCode::OK,
            &rules.cb,
            "Verify a certificate",
            json!({"search": true}),
        );
    }
    if let Ok(number) = normalise_number(&rules.cb.certificate_prefix, &query) {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/verify/{number}")))
            .finish());
    }
    let directory = DirectoryQuery {
        q: Some(query.clone()),
        standard: None,
        country: None,
        status: None,
        limit: Some(50),
        offset: None,
    };
    let found = app
        .db()
        .run(move |conn| service::directory(conn, &directory))
        .await;
    let context = match found {
        Ok(page) => {
            let results: Vec<Value> = page
                .items
                .iter()
                .map(|item| serde_json::from_str(item).unwrap_or(Value::Null))
                .collect();
            json!({"search": true, "searched": true, "query": query,
                "one_result": results.len() == 1, "results": results})
        }
        Err(AppError::Validation(errors)) => json!({"search": true, "query": query,
            "problem": errors.first().map(|e| e.message.clone())}),
        Err(other) => return Err(other),
    };
    page(StatusCode::OK, &rules.cb, "Verify a certificate", context)
}

/// One certificate's page, where its QR code leads: the banner says VALID, SUSPENDED,
/// WITHDRAWN, EXPIRED or NOT ISSUED BY US.
pub async fn certificate_page(
    _: Admitted,
    app: web::Data<Service>,
    number: web::Path<String>,
) -> AppResult<HttpResponse> {
    let rules = app.rules();
    let cb = rules.cb.clone();
    let found = app
        .db()
        .read_one(move |conn| service::lookup(conn, &cb, &number))
        .await?;
    match found {
        Lookup::Found { body, .. } => {
            let mut certificate: PublicCertificate =
                serde_json::from_str(&body).map_err(AppError::internal)?;
            // Past its expiry date it is expired, whether or not the hourly job has run.
            let lapsed = certificate.status == CertificateStatus::Active
                && certificate.expires_on < app.today();
            if lapsed {
                certificate.status = CertificateStatus::Expired;
                certificate.status_since = certificate
                    .expires_on
                    .succ_opt()
                    .unwrap_or(certificate.expires_on);
                certificate.valid = false;
            }
            let (banner, class) = match certificate.status {
                CertificateStatus::Active => ("VALID", "valid"),
                CertificateStatus::Suspended => ("SUSPENDED", "suspended"),
                CertificateStatus::Withdrawn => ("WITHDRAWN", "invalid"),
                CertificateStatus::Expired => ("EXPIRED", "invalid"),
            };
            let detail = match certificate.status {
                CertificateStatus::Active => format!("valid until {}", certificate.expires_on),
                other => format!(
                    "{} since {}: this certificate is not valid",
                    other.label(),
                    certificate.status_since
                ),
            };
            let title = format!("Certificate {}", certificate.number);
            page(
                StatusCode::OK,
                &rules.cb,
                &title,
                json!({"certificate": certificate,
                "banner": banner, "banner_class": class, "banner_detail": detail}),
            )
        }
        Lookup::NotIssued(message) => page(
            StatusCode::NOT_FOUND,
            &rules.cb,
            "Not issued by us",
            json!({"not_found": message}),
        ),
        Lookup::Malformed(why) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &rules.cb,
            "Verify a certificate",
            json!({"search": true, "problem": format!("That is not one of our certificate numbers: {why}.")}),
        ),
    }
}
