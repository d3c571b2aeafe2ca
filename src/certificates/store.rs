//! Storage of certificates, their revisions and their status history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::{CertificateStatus, CertifiedContent};
use super::CertificateId;
use crate::accounts::OrganisationId;
use crate::db::schema::{
    certificate_documents, certificate_events, certificate_revisions, certificates,
};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};
use crate::programmes::ProgrammeId;
use crate::standards::StandardId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: CertificateId,
    pub number: String,
    pub organisation_id: OrganisationId,
    pub programme_id: ProgrammeId,
    pub standard_id: StandardId,
    pub status: CertificateStatus,
    pub original_grant_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revision: i64,
    pub restore_by: Option<NaiveDate>,
    pub status_reason: Option<String>,
    pub updated_at: NaiveDateTime,
    /// Its bit in the credential status list.
    pub status_index: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_revisions)]
pub struct Revision {
    pub certificate_id: CertificateId,
    pub revision: i64,
    pub issued_on: NaiveDate,
    pub content: Json<CertifiedContent>,
    pub reason: Option<String>,
    pub superseded_on: Option<NaiveDate>,
}

/// A revision's PDF as issued.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_documents)]
pub struct Document {
    pub certificate_id: CertificateId,
    pub revision: i64,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_events)]
pub struct StatusEvent {
    pub id: String,
    pub certificate_id: CertificateId,
    pub occurred_on: NaiveDate,
    pub from_status: Option<CertificateStatus>,
    pub to_status: CertificateStatus,
    pub reason: Option<String>,
    /// Shown to anyone who verifies the certificate (suspensions, withdrawals, expiry).
    pub public: bool,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, certificate: &Certificate) -> AppResult<()> {
    diesel::insert_into(certificates::table)
        .values(certificate)
        .execute(conn)?;
    Ok(())
}

/// A free bit of the status lists, drawn at random among the first `bits` so a bit says
/// little about when its certificate was issued (the lists' herd privacy); past the
/// last free one drawn, the lists grow. Writes are serialised, so no two take the same.
pub fn free_status_index(conn: &mut DbConnection, bits: i64) -> AppResult<i64> {
    use rand::Rng;
    for _ in 0..32 {
        let candidate = rand::rng().random_range(0..bits);
        let taken = certificates::table
            .filter(certificates::status_index.eq(candidate))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !taken {
            return Ok(candidate);
        }
    }
    let highest: Option<i64> = certificates::table
        .select(diesel::dsl::max(certificates::status_index))
        .first(conn)?;
    Ok(highest.map_or(0, |i| i + 1).max(bits))
}

/// The status-list bits of the certificates in `status`.
pub fn status_indexes(conn: &mut DbConnection, status: CertificateStatus) -> AppResult<Vec<i64>> {
    Ok(certificates::table
        .filter(certificates::status.eq(status))
        .select(certificates::status_index)
        .load(conn)?)
}

pub fn number_taken(conn: &mut DbConnection, number: &str) -> AppResult<bool> {
    Ok(certificates::table
        .filter(certificates::number.eq(number))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn find(conn: &mut DbConnection, id: &CertificateId) -> AppResult<Option<Certificate>> {
    crate::at_most_one!(
        conn,
        certificates::table
            .filter(certificates::id.eq(id))
            .select(Certificate::as_select())
    )
}

/// One page of certificates, newest first; a client's only when `organisation` is given.
pub fn list(
    conn: &mut DbConnection,
    organisation: Option<&OrganisationId>,
    restore_overdue_on: Option<NaiveDate>,
    page: PageRequest,
) -> AppResult<(Vec<Certificate>, i64)> {
    let filtered = || {
        let mut query = certificates::table.into_boxed();
        if let Some(organisation) = organisation {
            query = query.filter(certificates::organisation_id.eq(organisation.clone()));
        }
        if let Some(today) = restore_overdue_on {
            query = query
                .filter(certificates::status.eq(CertificateStatus::Suspended))
                .filter(certificates::restore_by.lt(today));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((certificates::issued_on.desc(), certificates::id.asc()))
            .select(Certificate::as_select())
    })
}

/// Moves the certificate from `from` to `to` with its reason and restore date, only if it
/// is still in `from`.
pub fn set_status(
    conn: &mut DbConnection,
    id: &CertificateId,
    (from, to): (CertificateStatus, CertificateStatus),
    reason: Option<&str>,
    restore_by: Option<NaiveDate>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let changed = diesel::update(
        certificates::table
            .find(id)
            .filter(certificates::status.eq(from)),
    )
    .set((
        certificates::status.eq(to),
        certificates::status_reason.eq(reason),
        certificates::restore_by.eq(restore_by),
        certificates::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Makes `revision` current: the certificate's revision and issue date follow it.
pub fn set_revision(
    conn: &mut DbConnection,
    id: &CertificateId,
    revision: i64,
    issued_on: NaiveDate,
    at: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::revision.eq(revision),
            certificates::issued_on.eq(issued_on),
            certificates::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A renewal: the new revision and dates, active again, with no suspension pending.
pub fn renew(
    conn: &mut DbConnection,
    id: &CertificateId,
    (revision, issued_on, expires_on): (i64, NaiveDate, NaiveDate),
    at: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::revision.eq(revision),
            certificates::issued_on.eq(issued_on),
            certificates::expires_on.eq(expires_on),
            certificates::status.eq(CertificateStatus::Active),
            certificates::status_reason.eq(None::<String>),
            certificates::restore_by.eq(None::<NaiveDate>),
            certificates::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_restore_by(conn: &mut DbConnection, id: &CertificateId, on: NaiveDate) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set(certificates::restore_by.eq(Some(on)))
        .execute(conn)?;
    Ok(())
}

pub fn insert_revision(conn: &mut DbConnection, revision: &Revision) -> AppResult<()> {
    diesel::insert_into(certificate_revisions::table)
        .values(revision)
        .execute(conn)?;
    Ok(())
}

pub fn insert_document(conn: &mut DbConnection, document: &Document) -> AppResult<()> {
    diesel::insert_into(certificate_documents::table)
        .values(document)
        .execute(conn)?;
    Ok(())
}

/// The PDF of one revision.
pub fn document(
    conn: &mut DbConnection,
    id: &CertificateId,
    revision: i64,
) -> AppResult<Option<Document>> {
    crate::at_most_one!(
        conn,
        certificate_documents::table
            .find((id, revision))
            .select(Document::as_select())
    )
}

/// The SHA-256 of one revision's PDF, without its bytes.
pub fn document_digest(
    conn: &mut DbConnection,
    id: &CertificateId,
    revision: i64,
) -> AppResult<Option<String>> {
    crate::at_most_one!(
        conn,
        certificate_documents::table
            .find((id, revision))
            .select(certificate_documents::sha256)
    )
}

pub fn supersede(
    conn: &mut DbConnection,
    id: &CertificateId,
    revision: i64,
    on: NaiveDate,
) -> AppResult<()> {
    diesel::update(certificate_revisions::table.find((id, revision)))
        .set(certificate_revisions::superseded_on.eq(Some(on)))
        .execute(conn)?;
    Ok(())
}

/// Every revision, oldest first.
pub fn revisions(conn: &mut DbConnection, id: &CertificateId) -> AppResult<Vec<Revision>> {
    Ok(certificate_revisions::table
        .filter(certificate_revisions::certificate_id.eq(id))
        .order(certificate_revisions::revision.asc())
        .select(Revision::as_select())
        .load(conn)?)
}

/// The current revisions of `certificates`, in one query.
pub fn current_revisions(
    conn: &mut DbConnection,
    certificates: &[Certificate],
) -> AppResult<Vec<Revision>> {
    let ids: Vec<&CertificateId> = certificates.iter().map(|c| &c.id).collect();
    let revisions: Vec<Revision> = certificate_revisions::table
        .filter(certificate_revisions::certificate_id.eq_any(ids))
        .select(Revision::as_select())
        .load(conn)?;
    Ok(revisions
        .into_iter()
        .filter(|r| {
            certificates
                .iter()
                .any(|c| c.id == r.certificate_id && c.revision == r.revision)
        })
        .collect())
}

pub fn insert_event(conn: &mut DbConnection, event: &StatusEvent) -> AppResult<()> {
    diesel::insert_into(certificate_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// The status history, oldest first.
pub fn events(conn: &mut DbConnection, id: &CertificateId) -> AppResult<Vec<StatusEvent>> {
    Ok(certificate_events::table
        .filter(certificate_events::certificate_id.eq(id))
        .order((
            certificate_events::recorded_at.asc(),
            certificate_events::id.asc(),
        ))
        .select(StatusEvent::as_select())
        .load(conn)?)
}

/// Certificates still in force (active or suspended).
pub fn in_force(conn: &mut DbConnection) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(
            certificates::status.eq_any([CertificateStatus::Active, CertificateStatus::Suspended]),
        )
        .select(Certificate::as_select())
        .load(conn)?)
}

/// Active or suspended certificates whose expiry date is before `today`.
pub fn past_expiry(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(
            certificates::status.eq_any([CertificateStatus::Active, CertificateStatus::Suspended]),
        )
        .filter(certificates::expires_on.lt(today))
        .select(Certificate::as_select())
        .load(conn)?)
}

/// Every certificate of one organisation.
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(organisation))
        .select(Certificate::as_select())
        .load(conn)?)
}

/// The certificate a programme's grant issued, if any.
pub fn of_programme(
    conn: &mut DbConnection,
    programme: &ProgrammeId,
) -> AppResult<Option<Certificate>> {
    crate::at_most_one!(
        conn,
        certificates::table
            .filter(certificates::programme_id.eq(programme))
            .select(Certificate::as_select())
    )
}

/// Every certificate with its current revision's content and whether its holder is
/// confidential, by number.
pub fn with_current_content(
    conn: &mut DbConnection,
) -> AppResult<Vec<(Certificate, CertifiedContent, bool)>> {
    use crate::db::schema::organisations;
    let rows: Vec<(Certificate, Json<CertifiedContent>, bool)> = certificates::table
        .inner_join(
            certificate_revisions::table.on(certificate_revisions::certificate_id
                .eq(certificates::id)
                .and(certificate_revisions::revision.eq(certificates::revision))),
        )
        .inner_join(organisations::table.on(organisations::id.eq(certificates::organisation_id)))
        .order(certificates::number.asc())
        .select((
            Certificate::as_select(),
            certificate_revisions::content,
            organisations::confidential,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(certificate, content, confidential)| (certificate, content.0, confidential))
        .collect())
}
