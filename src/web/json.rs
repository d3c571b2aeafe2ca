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
        let read = read_json(req, payload);
        Box::pin(async move {
            let body = read.await?;
            body.map(ApiJson).ok_or_else(|| {
                AppError::BadRequest("the body is empty: send a JSON document".into())
            })
        })
    }
}

/// A JSON body an endpoint may go without: no body at all is `None`; a body that is there
/// must be JSON of the right shape, as for `ApiJson` (never silently ignored).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<Self>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req, payload);
        Box::pin(async move { read.await.map(OptionalJson) })
    }
}

/// Reads and parses the body; `None` when nothing was sent. The headers are checked before
/// anything is read, unless they say there is no body.
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = AppResult<Option<T>>> {
    let limit = req.app_data::<JsonLimit>().map_or(256 * 1024, |l| l.0);
    // HTTP/1.1: without a length or a chunked encoding there is no body.
    let headers = req.headers();
    let declared_empty = match headers.get(header::CONTENT_LENGTH) {
        Some(length) => length.as_bytes() == b"0",
        None => !headers.contains_key(header::TRANSFER_ENCODING),
    };
    let checked = check_headers(req, limit);
    let payload = web::Payload::from_request(req, payload).into_inner();
    async move {
        if declared_empty {
            return Ok(None);
        }
        checked?;
        let payload = payload.map_err(|e| AppError::BadRequest(e.to_string()))?;
        let bytes = match payload.to_bytes_limited(limit).await {
            Err(_) => return Err(AppError::PayloadTooLarge { limit }),
            Ok(read) => {
                read.map_err(|e| AppError::BadRequest(format!("cannot read the body: {e}")))?
            }
        };
        if bytes.is_empty() {
            return Ok(None);
        }
        refuse_nul(&bytes)?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(deserializer) {
            Err(error)
                if error
                    .inner()
                    .to_string()
                    .starts_with("invalid type: floating point") =>
            {
                read_with_integral_numbers(&bytes)
            }
            parsed => parsed.map(Some).map_err(json_error),
        }
    }
}

/// JSON Schema counts `3.0` as an integer, and so does the service: when a float is what
/// an integer field refused, the body is read again with every number that has no
/// fractional part as the integer it is (a float field still takes it). Only then, so
/// other bodies are parsed once, strictly (a repeated key stays an error).
fn read_with_integral_numbers<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<Option<T>> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    integral_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value)
        .map(Some)
        .map_err(json_error)
}

fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
                // Below 2^53 every integral float is exactly an integer.
                if float.fract() == 0.0 && float.abs() < 9_007_199_254_740_992.0 {
                    *number = serde_json::Number::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
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

    #[test]
    fn integral_floats_read_as_the_integers_they_are() {
        let mut value =
            serde_json::json!({"headcount": 17362.0, "codes": [33.0, 2.5, 1e3], "big": 1e300});
        integral_numbers_as_integers(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"headcount": 17362, "codes": [33, 2.5, 1000], "big": 1e300})
        );
        assert!(serde_json::from_value::<u8>(value["codes"][0].clone()).is_ok());
    }
}
