//! Reads one file from a `multipart/form-data` body, within the size limit.

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
    while let Some(mut part) = parts.try_next().await.map_err(malformed)? {
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
    Ok(upload)
}
