//! Text the database cannot store (a NUL character: PostgreSQL refuses it in TEXT) is
//! refused at the edge, so no request reaches storage with it: in a path segment (400), a
//! query parameter (422 naming it) or a JSON body field (422 naming it, in `ApiJson`).
//! A NUL can only arrive percent-encoded (`%00`) in a URL, or escaped (`\u0000`) in JSON.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use serde_json::Value;

use crate::error::AppError;

fn has_encoded_nul(text: &str) -> bool {
    text.contains("%00")
}

/// Middleware: refuses a path or query string carrying a NUL.
pub async fn refuse_nul_in_url(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = if let Some(segment) = req.path().split('/').find(|s| has_encoded_nul(s)) {
        Some(AppError::BadRequest(format!(
            "the path segment `{segment}` contains a NUL character"
        )))
    } else {
        nul_query_parameter(req.query_string())
            .map(|name| AppError::invalid(name, "must not contain NUL characters"))
    };
    match refused {
        Some(error) => Ok(req
            .into_response(error.error_response())
            .map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// The name of the first query parameter whose name or value holds a NUL.
fn nul_query_parameter(query: &str) -> Option<String> {
    query
        .split('&')
        .find(|pair| has_encoded_nul(pair))
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if has_encoded_nul(name) || name.is_empty() {
                "query".to_owned()
            } else {
                name.to_owned()
            }
        })
}

/// The path (`sites[0].name`) of the first key or string in a JSON body holding a NUL.
pub fn nul_in_json(value: &Value) -> Option<String> {
    fn walk(value: &Value, path: &str) -> Option<String> {
        let here = || {
            if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            }
        };
        match value {
            Value::String(text) if text.contains('\0') => Some(here()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.contains('\0') {
                    Some(here())
                } else {
                    walk(item, &at)
                }
            }),
            _ => None,
        }
    }
    walk(value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_where_the_nul_is() {
        assert_eq!(nul_query_parameter("q=a%00b&limit=5"), Some("q".into()));
        assert_eq!(nul_query_parameter("limit=5&q=a%00b"), Some("q".into()));
        assert_eq!(nul_query_parameter("%00=1"), Some("query".into()));
        assert_eq!(
            nul_query_parameter("q=a%2500"),
            None,
            "an encoded percent sign is not a NUL"
        );
        let body = serde_json::json!({"sites": [{"name": "ok"}, {"name": "a\u{0}b"}], "x": 1});
        assert_eq!(nul_in_json(&body), Some("sites[1].name".into()));
        assert_eq!(nul_in_json(&serde_json::json!({"a": ["fine"]})), None);
    }
}
