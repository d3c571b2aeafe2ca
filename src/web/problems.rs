//! The last line of defence for the error format: any error response that did not come
//! from `AppError` (unknown route, wrong method, an extractor's own error) is rewritten as
//! problem+json, keeping its status and headers such as `Allow`. HTML pages with an error
//! status are left as they are.

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;

use crate::error::{Problem, PROBLEM_JSON};

pub fn problem_for_bare_errors<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // A problem, or a page for people (e.g. "not issued by us"), is the answer meant.
    let deliberate = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == PROBLEM_JSON || v.starts_with("text/html"));
    if deliberate {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, original) = res.into_parts();
    let detail = match status.as_u16() {
        404 => format!("no resource at {}", req.path()),
        405 => format!("{} is not allowed on {}", req.method(), req.path()),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let slug = status
        .canonical_reason()
        .unwrap_or("error")
        .to_lowercase()
        .replace(' ', "-");
    let mut problem = Problem::new(status, &slug, detail).response();
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<EitherBody<B>> =
        ServiceResponse::new(req, problem).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
