//! `ApiJson<T>`: the JSON body extractor every endpoint uses instead of `web::Json`, so that
//! a wrong content type is 415, an oversized body 413, unparseable JSON 400, and a missing,
//! unknown or mistyped field 422 naming that field — always as problem+json.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::text::nul_in_json;
use crate::error::{AppError, AppResult, FieldError};

/// Largest accepted JSON body, as app data (`CERTBODY_MAX_JSON_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<Self>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<JsonLimit>().map_or(256 * 1024, |l| l.0);
        let checked = check_headers(req, limit);
        let payload = web::Payload::from_request(req, payload).into_inner();
        Box::pin(async move {
            checked?;
            let payload = payload.map_err(|e| AppError::BadRequest(e.to_string()))?;
            let bytes = match payload.to_bytes_limited(limit).await {
                Err(_) => return Err(AppError::PayloadTooLarge { limit }),
                Ok(read) => {
                    read.map_err(|e| AppError::BadRequest(format!("cannot read the body: {e}")))?
                }
            };
            refuse_nul(&bytes)?;
            let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
            serde_path_to_error::deserialize(deserializer)
                .map(ApiJson)
                .map_err(json_error)
        })
    }
}

/// A NUL (`\u0000` in JSON) cannot be stored: 422 naming the field. The body is walked only
/// when the escape occurs at all, so ordinary bodies are parsed once.
fn refuse_nul(bytes: &[u8]) -> AppResult<()> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let field = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|value| nul_in_json(&value));
    match field {
        Some(field) => Err(AppError::invalid(field, "must not contain NUL characters")),
        None => Ok(()),
    }
}

fn check_headers(req: &HttpRequest, limit: usize) -> AppResult<()> {
    let is_json = match req.mime_type() {
        Ok(Some(mime)) => mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"),
        _ => false,
    };
    if !is_json {
        return Err(AppError::UnsupportedMediaType(
            "send the body as `Content-Type: application/json`".into(),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    match declared {
        Some(length) if length > limit => Err(AppError::PayloadTooLarge { limit }),
        _ => Ok(()),
    }
}

fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let inner = err.inner();
    if inner.classify() != Category::Data {
        return AppError::BadRequest(format!("the body is not valid JSON: {inner}"));
    }
    let message = inner.to_string();
    // serde says "missing field `x` at line 1 column 9"; keep the part a person needs.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    let path = err.path().to_string();
    let named = backticked(&message)
        .filter(|_| message.starts_with("missing field") || message.starts_with("unknown field"));
    let field = match (path.as_str(), named) {
        (".", Some(name)) => name.to_owned(),
        (parent, Some(name)) if !parent.ends_with(name) => format!("{parent}.{name}"),
        (".", None) => "body".to_owned(),
        (parent, _) => parent.to_owned(),
    };
    AppError::Validation(vec![FieldError::new(field, message)])
}

/// The first `quoted` word of a serde message.
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Query-string errors (unknown parameter, wrong type) as 400 problems.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| AppError::BadRequest(format!("invalid query string: {err}")).into())
}

/// Path segments that do not parse answer 404: no such resource exists.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _| AppError::NotFound(format!("no such resource: {err}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
        count: u32,
    }

    fn field_of(body: &str) -> String {
        let deserializer = &mut serde_json::Deserializer::from_str(body);
        match json_error(serde_path_to_error::deserialize::<_, Outer>(deserializer).unwrap_err()) {
            AppError::Validation(errors) => errors[0].field.clone(),
            AppError::BadRequest(_) => "<malformed>".into(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_the_field_that_is_missing_unknown_or_mistyped() {
        assert_eq!(field_of(r#"{}"#), "inner");
        assert_eq!(field_of(r#"{"inner": {"name": "a"}}"#), "inner.count");
        assert_eq!(
            field_of(r#"{"inner": {"name": "a", "count": "x"}}"#),
            "inner.count"
        );
        assert_eq!(
            field_of(r#"{"inner": {"name": "a", "count": 1, "extra": 2}}"#),
            "inner.extra"
        );
        assert_eq!(field_of(r#"{"inner": "#), "<malformed>");
    }
}
