//! HTTP plumbing shared by every module: the JSON extractor, the error safety net, the
//! health probes, the request-id header and the OpenAPI document.

pub mod client;
pub mod health;
pub mod json;
pub mod openapi;
pub mod pages;
pub mod problems;
pub mod public_limit;
pub mod text;
pub mod text_rules;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing_actix_web::RequestId;

pub use client::{ClientAddress, TrustedProxies};

/// Echoes the request id that every log line of this request carries as `X-Request-Id`,
/// so a user's report can be matched to the logs.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
