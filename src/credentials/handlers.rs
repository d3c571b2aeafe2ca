//! The public key documents and the status list credential.

use actix_web::{web, HttpResponse};

use super::domain::{status_list_credential, StatusPurpose};
use super::keys::SigningKeys;
use super::STATUS_LISTS_PATH;
use crate::certificates;
use crate::error::{AppError, AppResult};
use crate::web::public_limit::Admitted;
use crate::workflow::Service;

/// The public URL the service is reached at, for the credentials' links (app data).
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

pub async fn jwks(_: Admitted, keys: web::Data<SigningKeys>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(keys.jwks())
}

pub async fn did_document(_: Admitted, keys: web::Data<SigningKeys>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/did+json")
        .body(keys.did_document().to_string())
}

/// A Bitstring Status List credential (signed, `application/vc+jwt`): `suspension` has the
/// bit of every suspended certificate set (reinstatement clears it), `revocation` that of
/// every withdrawn one. No account needed.
#[utoipa::path(get, path = "/api/v1/public/credentials/status/{purpose}", tag = "credentials",
    params(("purpose" = StatusPurpose, Path, example = "suspension")),
    responses(
        (status = 200, description = "The status list credential, a JWT", content_type = "application/vc+jwt", body = String),
        (status = 404, description = "No such list", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn status_list(
    _: Admitted,
    app: web::Data<Service>,
    keys: web::Data<SigningKeys>,
    public_url: web::Data<PublicUrl>,
    purpose: web::Path<String>,
) -> AppResult<HttpResponse> {
    let purpose = StatusPurpose::parse(&purpose)
        .ok_or_else(|| AppError::NotFound("the lists are suspension and revocation".into()))?;
    let set = app
        .db()
        .run(move |conn| certificates::store::status_indexes(conn, purpose.status()))
        .await?;
    let list_url = format!("{}{STATUS_LISTS_PATH}/{}", public_url.0, purpose.as_str());
    let credential = status_list_credential(&keys.did, (&list_url, purpose), &set, app.today());
    Ok(HttpResponse::Ok()
        .content_type("application/vc+jwt")
        .insert_header(("Cache-Control", "public, max-age=60"))
        .body(keys.sign(&credential)?))
}
