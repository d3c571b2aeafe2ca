//! Documents in the database: the bytes with their SHA-256, so every instance serves them
//! and backups hold them (no shared volume to keep in step).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DocumentId, Purpose};
use crate::accounts::{OrganisationId, UserId};
use crate::audits::AuditId;
use crate::db::schema::documents;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::nonconformities::FindingId;

/// A document without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentInfo {
    pub id: DocumentId,
    pub organisation_id: OrganisationId,
    pub audit_id: Option<AuditId>,
    pub finding_id: Option<FindingId>,
    pub purpose: Purpose,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocument<'a> {
    pub id: &'a DocumentId,
    pub organisation_id: &'a OrganisationId,
    pub audit_id: Option<&'a AuditId>,
    pub finding_id: Option<&'a FindingId>,
    pub purpose: Purpose,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a UserId,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, document: &NewDocument<'_>) -> AppResult<()> {
    diesel::insert_into(documents::table)
        .values(document)
        .execute(conn)?;
    Ok(())
}

/// The documents of an audit or of a finding, oldest first.
pub fn attached_to(
    conn: &mut DbConnection,
    audit: Option<&AuditId>,
    finding: Option<&FindingId>,
) -> AppResult<Vec<DocumentInfo>> {
    let mut query = documents::table
        .select(DocumentInfo::as_select())
        .order((documents::uploaded_at.asc(), documents::id.asc()))
        .into_boxed();
    if let Some(audit) = audit {
        query = query.filter(documents::audit_id.eq(audit));
    }
    if let Some(finding) = finding {
        query = query.filter(documents::finding_id.eq(finding));
    }
    Ok(query.load(conn)?)
}

/// A document with its bytes.
pub fn find(
    conn: &mut DbConnection,
    id: &DocumentId,
) -> AppResult<Option<(DocumentInfo, Vec<u8>)>> {
    crate::at_most_one!(
        conn,
        documents::table
            .filter(documents::id.eq(id))
            .select((DocumentInfo::as_select(), documents::content))
    )
}
