//! The public key documents and the status list credential.

use actix_web::{web, HttpResponse};

use super::domain::status_list_credential;
use super::keys::SigningKeys;
use super::STATUS_LIST_PATH;
use crate::certificates;
use crate::error::AppResult;
use crate::workflow::Service;

/// The public URL the service is reached at, for the credentials' links (app data).
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

pub async fn jwks(keys: web::Data<SigningKeys>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(keys.jwks())
}

pub async fn did_document(keys: web::Data<SigningKeys>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/did+json")
        .body(keys.did_document().to_string())
}

/// The Bitstring Status List credential (signed, `application/vc+jwt`): the bit of every
/// suspended or withdrawn certificate is set; reinstatement clears it. No account needed.
#[utoipa::path(get, path = "/api/v1/public/credentials/status", tag = "credentials",
    responses((status = 200, description = "The status list credential, a JWT", content_type = "application/vc+jwt", body = String)))]
pub async fn status_list(
    app: web::Data<Service>,
    keys: web::Data<SigningKeys>,
    public_url: web::Data<PublicUrl>,
) -> AppResult<HttpResponse> {
    let set = app
        .db()
        .run(certificates::store::flagged_status_indexes)
        .await?;
    let list_url = format!("{}{STATUS_LIST_PATH}", public_url.0);
    let credential = status_list_credential(&keys.did, &list_url, &set, app.today());
    Ok(HttpResponse::Ok()
        .content_type("application/vc+jwt")
        .insert_header(("Cache-Control", "public, max-age=60"))
        .body(keys.sign(&credential)?))
}
