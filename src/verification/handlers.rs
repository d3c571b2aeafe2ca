//! HTTP handlers of public verification: no account, a rate limit per client address,
//! cache headers a CDN can use.

use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use super::domain::PublicCertificate;
use super::dto::*;
use super::service::{self, Lookup};
use crate::auth::Auth;
use crate::certificates::domain::normalise_number;
use crate::credentials::keys::SigningKeys;
use crate::error::{AppError, AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::public_limit::Admitted;
use crate::workflow::public_cache::Cached;
use crate::workflow::Service;

/// How long a CDN or browser may reuse an answer: a status change shows within a minute.
pub const PUBLIC_MAX_AGE: &str = "public, max-age=60";

/// One certificate by its number, as typed (any case, spaces or dashes). Anyone may ask,
/// also about a confidential client's certificate. 422: not one of our numbers as typed
/// (the check character catches typos); 404: well-formed but never issued by us; a
/// withdrawn or expired certificate answers 200 with its status.
#[utoipa::path(get, path = "/api/v1/public/certificates/{number}", tag = "verification",
    params(("number" = String, Path, example = "CB-7K2M-9QXA-Y")),
    responses(
        (status = 200, body = PublicCertificate, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 404, description = "Well-formed, but never issued by this certification body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a certificate number of ours: the problem's `errors` say why", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_public_certificate(
    _: Admitted,
    app: web::Data<Service>,
    request: HttpRequest,
    typed: web::Path<String>,
) -> AppResult<HttpResponse> {
    // Links and QR codes carry the number as issued: the cache's key as it stands.
    if let Some(answer) = app.public_cache().get(&typed) {
        return Ok(cached(&request, answer));
    }
    let rules = app.rules();
    let number = normalise_number(&rules.cb.certificate_prefix, &typed)
        .map_err(|why| AppError::invalid("number", why))?;
    if let Some(answer) = app.public_cache().get(&number) {
        return Ok(cached(&request, answer));
    }
    let key = number.clone();
    let found = app
        .db()
        .read_one(move |conn| service::lookup(conn, &rules.cb, &key))
        .await?;
    match found {
        Lookup::Found { body, etag } => {
            let answer = Cached {
                body: body.into(),
                etag: HeaderValue::from_str(&etag).map_err(AppError::internal)?,
            };
            app.public_cache().put(&number, answer.clone());
            Ok(cached(&request, answer))
        }
        Lookup::NotIssued(message) => Err(AppError::NotFound(message)),
        Lookup::Malformed(why) => Err(AppError::invalid("number", why)),
    }
}

/// The answer, or 304 when the client's tag still matches.
fn cached(request: &HttpRequest, answer: Cached) -> HttpResponse {
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim().as_bytes() == answer.etag.as_bytes() || tag.trim() == "*")
        });
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, answer.etag))
        .insert_header((header::CACHE_CONTROL, PUBLIC_MAX_AGE));
    if unchanged {
        response.finish()
    } else {
        response.content_type(ContentType::json()).body(answer.body)
    }
}

/// The public directory: listed certificates (confidential clients are not) whose holder's
/// name has words starting with the query's words, case and accents ignored; by standard,
/// country and status. Pages of up to 100 within the first 1,000 results.
#[utoipa::path(get, path = "/api/v1/public/certificates", tag = "verification",
    params(DirectoryQuery),
    responses(
        (status = 200, body = DirectoryPage, headers(("Cache-Control" = String))),
        (status = 422, description = "A query parameter out of its range", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn directory(
    _: Admitted,
    app: web::Data<Service>,
    query: web::Query<DirectoryQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = app
        .db()
        .run(move |conn| service::directory(conn, &query))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, PUBLIC_MAX_AGE))
        .content_type(ContentType::json())
        .body(page.to_json()?))
}

/// Many numbers at once (up to 1,000), one answer each, in order: found with the same
/// answer as a single lookup, not issued by us, or malformed with the reason.
#[utoipa::path(post, path = "/api/v1/public/certificates/lookup", tag = "verification",
    request_body = BulkLookupInput,
    responses(
        (status = 200, body = BulkLookupView),
        (status = 422, description = "No numbers, or more than 1,000", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn bulk_lookup(
    _: Admitted,
    app: web::Data<Service>,
    input: ApiJson<BulkLookupInput>,
) -> AppResult<HttpResponse> {
    let numbers = input.into_inner().numbers;
    let rules = app.rules();
    let results = app
        .db()
        .run(move |conn| service::lookup_many(conn, &rules.cb, &numbers))
        .await?;
    Ok(HttpResponse::Ok().json(BulkLookupView { results }))
}

/// One revision's PDF as issued, by certificate number: what the credential names by its
/// SHA-256, so anyone shown a copy can compare it.
#[utoipa::path(get, path = "/api/v1/public/certificates/{number}/revisions/{revision}/document.pdf", tag = "verification",
    params(("number" = String, Path, example = "CB-7K2M-9QXA-Y"), ("revision" = i64, Path, example = 1)),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "Never issued, or no such revision", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a certificate number of ours", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn public_document(
    _: Admitted,
    app: web::Data<Service>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (typed, revision) = path.into_inner();
    let rules = app.rules();
    let (number, pdf) = app
        .db()
        .run(move |conn| service::document(conn, &rules.cb, (&typed, revision)))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400, immutable"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{number}-r{revision}.pdf\""),
        ))
        .body(pdf))
}

/// Checks a credential (the JWT as issued): signed by one of our keys, issued by us, within
/// its validity period, for the current revision, and the certificate active now. A valid
/// signature on a since-withdrawn certificate answers `valid: false` with the status.
#[utoipa::path(post, path = "/api/v1/public/credentials/verify", tag = "verification",
    request_body = CredentialInput,
    responses(
        (status = 200, body = CredentialCheck),
        (status = 422, description = "No credential given", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_credential(
    _: Admitted,
    app: web::Data<Service>,
    keys: web::Data<SigningKeys>,
    input: ApiJson<CredentialInput>,
) -> AppResult<HttpResponse> {
    let token = input.into_inner().credential;
    if token.trim().is_empty() {
        return Err(AppError::invalid("credential", "give the credential's JWT"));
    }
    if token.chars().count() > 100_000 {
        return Err(AppError::invalid(
            "credential",
            "must be at most 100000 characters",
        ));
    }
    let (rules, today) = (app.rules(), app.today());
    let check = app
        .db()
        .run(move |conn| {
            service::verify_credential(conn, (keys.get_ref(), &rules.cb), &token, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(check))
}

/// Lists an organisation's certificates in the public directory or not (admins; 17021-1
/// 8.1.2). A lookup by exact number answers either way.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/confidentiality", tag = "organisations",
    params(("id" = String, Path)),
    request_body = ConfidentialityInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ConfidentialityView),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_confidentiality(
    app: web::Data<Service>,
    auth: Auth,
    id: web::Path<String>,
    input: ApiJson<ConfidentialityInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let view = app
        .write(auth, move |tx, caller| {
            service::set_confidential(tx, caller, &id, input)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
