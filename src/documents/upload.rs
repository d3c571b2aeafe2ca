//! Reads one file (and, for a page's form, a few short text fields) from a
//! `multipart/form-data` body, within the size limit.

use actix_multipart::Multipart;
use actix_web::web::{Bytes, Payload};
use actix_web::HttpRequest;
use futures_util::TryStreamExt;

use crate::error::{AppError, AppResult};

/// The largest upload, in bytes (`CERTBODY_MAX_UPLOAD_BYTES`); app data.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

/// A file as received: its name, declared type and bytes.
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The part named `file`; other parts are refused. A body over `limit` stops being read
/// at the limit (413).
pub async fn read_file(req: &HttpRequest, payload: Payload, limit: usize) -> AppResult<Upload> {
    read_form(req, payload, limit, &[])
        .await
        .map(|(_, upload)| upload)
}

/// Longest text field a form may send with its file.
const MAX_FIELD_BYTES: usize = 200;

/// The part named `file` and the text parts named in `fields` (each at most 200 bytes, in
/// any order, as (name, value)); other parts are refused.
pub async fn read_form(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
    fields: &[&'static str],
) -> AppResult<(Vec<(&'static str, String)>, Upload)> {
    let declared = req
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !declared.starts_with("multipart/form-data") {
        return Err(AppError::UnsupportedMediaType(
            "send the document as multipart/form-data with one part named `file`".into(),
        ));
    }
    let malformed = |err: actix_multipart::MultipartError| {
        AppError::BadRequest(format!("malformed multipart body: {err}"))
    };
    let mut parts = Multipart::new(req.headers(), payload);
    let mut upload = None;
    let mut texts = Vec::new();
    while let Some(mut part) = parts.try_next().await.map_err(malformed)? {
        if let Some(name) = fields.iter().find(|field| part.name() == Some(field)) {
            let mut value = Vec::new();
            while let Some(chunk) = part.try_next().await.map_err(malformed)? {
                value.extend_from_slice(&chunk);
                if value.len() > MAX_FIELD_BYTES {
                    return Err(AppError::invalid(*name, "too long"));
                }
            }
            let value = String::from_utf8(value)
                .map_err(|_| AppError::invalid(*name, "must be text (UTF-8)"))?;
            texts.push((*name, value));
            continue;
        }
        if part.name() != Some("file") || upload.is_some() {
            return Err(AppError::invalid(
                "file",
                "send exactly one part, named `file`",
            ));
        }
        let filename = part
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("")
            .to_owned();
        let content_type = part
            .content_type()
            .map(|mime| mime.essence_str().to_owned())
            .unwrap_or_default();
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = part.try_next().await.map_err(malformed)? {
            let chunk: Bytes = chunk;
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        upload = Some(Upload {
            filename,
            content_type,
            bytes,
        });
    }
    let upload = upload.ok_or_else(|| AppError::invalid("file", "no part named `file`"))?;
    if upload.bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    Ok((texts, upload))
}
