//! Documents clients upload: documented information for stage 1 and evidence of
//! corrective actions. Stored in the database with their SHA-256; type and size are
//! checked on the way in. The stages that own them (`audits`, `nonconformities`) serve
//! them to whoever may read the audit or the finding.

pub mod domain;
pub mod store;
pub mod upload;

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::{OrganisationId, UserId};
use crate::audits::AuditId;
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::nonconformities::FindingId;
use crate::trail::Change;
use crate::workflow::Tx;
use store::{DocumentInfo, NewDocument};
use upload::Upload;

crate::id_type!(
    /// One uploaded document.
    DocumentId
);

crate::text_enum! {
    pub enum Purpose {
        /// Documented information reviewed at stage 1 (17021-1 9.3.1.2).
        Stage1Documentation = "stage1_documentation",
        /// Evidence that a nonconformity's correction and corrective action are implemented.
        CorrectiveActionEvidence = "corrective_action_evidence",
    }
}

/// What a document is attached to.
pub struct Owner<'a> {
    pub organisation_id: &'a OrganisationId,
    pub audit_id: Option<&'a AuditId>,
    pub finding_id: Option<&'a FindingId>,
    pub purpose: Purpose,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: DocumentId,
    pub purpose: Purpose,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes, as stored.
    pub sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

impl From<DocumentInfo> for DocumentView {
    fn from(d: DocumentInfo) -> Self {
        DocumentView {
            id: d.id,
            purpose: d.purpose,
            filename: d.filename,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
            uploaded_by: d.uploaded_by,
            uploaded_at: d.uploaded_at.and_utc(),
        }
    }
}

/// The body of `multipart/form-data` uploads, for the API description: exactly one part,
/// `file` (serde's `deny_unknown_fields` is how utoipa is told no other part is taken).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadForm {
    /// The document: PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS, plain text or CSV; not empty.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    pub file: Vec<u8>,
}

/// Stores an upload for `owner` after checking its type against its content, with its
/// audit event.
pub fn attach(
    tx: &mut Tx<'_>,
    caller: &Caller,
    owner: Owner<'_>,
    upload: Upload,
) -> AppResult<DocumentView> {
    let content_type = domain::check_content(&upload.content_type, &upload.bytes)
        .map_err(AppError::UnsupportedMediaType)?;
    let id = DocumentId::generate();
    let filename = domain::safe_filename(&upload.filename);
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    let uploaded_at = tx.now();
    store::insert(
        tx.conn,
        &NewDocument {
            id: &id,
            organisation_id: owner.organisation_id,
            audit_id: owner.audit_id,
            finding_id: owner.finding_id,
            purpose: owner.purpose,
            filename: &filename,
            content_type,
            size_bytes: upload.bytes.len() as i64,
            sha256: &sha256,
            content: &upload.bytes,
            uploaded_by: &caller.user_id,
            uploaded_at,
        },
    )?;
    tx.record(Change {
        entity_type: "document",
        entity_id: id.as_str(),
        organisation_id: Some(owner.organisation_id.as_str()),
        action: "uploaded",
        before: None,
        after: Some(
            serde_json::json!({"audit_id": owner.audit_id, "finding_id": owner.finding_id,
            "purpose": owner.purpose, "filename": filename, "sha256": sha256,
            "size_bytes": upload.bytes.len()}),
        ),
    })?;
    Ok(DocumentView {
        id,
        purpose: owner.purpose,
        filename,
        content_type: content_type.to_owned(),
        size_bytes: upload.bytes.len() as i64,
        sha256,
        uploaded_by: caller.user_id.clone(),
        uploaded_at: uploaded_at.and_utc(),
    })
}

/// The documents attached to an audit or a finding.
pub fn list(
    conn: &mut DbConnection,
    audit: Option<&AuditId>,
    finding: Option<&FindingId>,
) -> AppResult<Vec<DocumentView>> {
    Ok(store::attached_to(conn, audit, finding)?
        .into_iter()
        .map(DocumentView::from)
        .collect())
}

/// A document of this audit or finding, with its bytes; 404 for any other.
pub fn download(
    conn: &mut DbConnection,
    id: &DocumentId,
    audit: Option<&AuditId>,
    finding: Option<&FindingId>,
) -> AppResult<(DocumentInfo, Vec<u8>)> {
    store::find(conn, id)?
        .filter(|(info, _)| {
            audit.is_some_and(|a| info.audit_id.as_ref() == Some(a))
                || finding.is_some_and(|f| info.finding_id.as_ref() == Some(f))
        })
        .ok_or_else(|| AppError::NotFound("no document of this record has this id".into()))
}

/// A stored file as an HTTP download: its own type, as an attachment, never sniffed;
/// `file` is its (content type, name, SHA-256).
pub fn download_response(
    (content_type, filename, sha256): (&str, &str, &str),
    bytes: Vec<u8>,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(content_type.to_owned())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("ETag", format!("\"{sha256}\"")))
        .body(bytes)
}

/// The upload, list and download endpoints of a record that holds documents: the stage
/// names its paths and its service functions, the shape is the same everywhere.
#[macro_export]
macro_rules! document_endpoints {
    (tag = $tag:literal, id = $id:ty,
     upload = ($upload:ident, $upload_path:literal, $upload_fn:path, $upload_doc:literal),
     list = ($list:ident, $list_path:literal, $list_fn:path),
     download = ($download:ident, $download_path:literal, $download_fn:path)) => {
        #[doc = $upload_doc]
        #[utoipa::path(post, path = $upload_path, tag = $tag, params(("id" = String, Path)),
            request_body(content = $crate::documents::UploadForm, content_type = "multipart/form-data"),
            security(("bearer" = [])),
            responses(
                (status = 201, body = $crate::documents::DocumentView),
                (status = 403, description = "Only the client's users upload", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The record no longer takes documents", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 413, description = "Larger than the upload limit", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not multipart, a type not accepted, or content not of its type", body = $crate::error::Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $upload(
            app: actix_web::web::Data<$crate::workflow::Service>,
            limit: actix_web::web::Data<$crate::documents::upload::UploadLimit>,
            auth: $crate::auth::Auth,
            id: actix_web::web::Path<$id>,
            req: actix_web::HttpRequest,
            payload: actix_web::web::Payload,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            let upload = $crate::documents::upload::read_file(&req, payload, limit.0).await?;
            let view = app
                .write(auth, move |tx, caller| $upload_fn(tx, caller, &id, upload))
                .await?;
            Ok(actix_web::HttpResponse::Created().json(view))
        }

        /// The documents attached here, without their bytes.
        #[utoipa::path(get, path = $list_path, tag = $tag, params(("id" = String, Path)),
            security(("bearer" = [])),
            responses(
                (status = 200, body = Vec<$crate::documents::DocumentView>),
                (status = 403, description = "Staff not assigned", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = $crate::error::Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $list(
            app: actix_web::web::Data<$crate::workflow::Service>,
            auth: $crate::auth::Auth,
            id: actix_web::web::Path<$id>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            let list = app.read(auth, move |conn, caller| $list_fn(conn, caller, &id)).await?;
            Ok(actix_web::HttpResponse::Ok().json(list))
        }

        /// One document's bytes, as uploaded (an attachment with its own type).
        #[utoipa::path(get, path = $download_path, tag = $tag,
            params(("id" = String, Path), ("document_id" = String, Path)),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The document", content_type = "application/octet-stream", body = Vec<u8>),
                (status = 403, description = "Staff not assigned", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, another organisation's, or not attached here", body = $crate::error::Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $download(
            app: actix_web::web::Data<$crate::workflow::Service>,
            auth: $crate::auth::Auth,
            path: actix_web::web::Path<($id, $crate::documents::DocumentId)>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            let (id, document) = path.into_inner();
            let (info, bytes) = app
                .read(auth, move |conn, caller| $download_fn(conn, caller, &id, &document))
                .await?;
            Ok($crate::documents::download_response(
                (&info.content_type, &info.filename, &info.sha256),
                bytes,
            ))
        }
    };
}
