//! Storage of complaints and of the public notices they lead to.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{ComplaintKind, ComplaintOutcome, ComplaintState};
use super::{ComplaintId, EvidenceId, NoticeId};
use crate::accounts::{OrganisationId, UserId};
use crate::certificates::CertificateId;
use crate::db::schema::{complaint_evidence, complaints, public_notices};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};

/// What a decision on a complaint set in motion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ComplaintActions {
    /// Decision makers were asked to consider suspending the certificate concerned.
    #[serde(default)]
    pub suspension_requested: bool,
    /// A public notice of the false claim was published.
    #[serde(default)]
    pub public_notice: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaints)]
pub struct Complaint {
    pub id: ComplaintId,
    pub reference: String,
    pub secret_sha256: String,
    pub kind: ComplaintKind,
    pub organisation_name: String,
    pub certificate_number: Option<String>,
    pub certificate_id: Option<CertificateId>,
    pub organisation_id: Option<OrganisationId>,
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub state: ComplaintState,
    pub handler_id: Option<UserId>,
    pub outcome: Option<ComplaintOutcome>,
    pub public_outcome: Option<String>,
    pub actions: Option<Json<ComplaintActions>>,
    pub received_at: NaiveDateTime,
    pub acknowledge_by: NaiveDate,
    pub resolve_by: NaiveDate,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, complaint: &Complaint) -> AppResult<()> {
    diesel::insert_into(complaints::table)
        .values(complaint)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &ComplaintId) -> AppResult<Option<Complaint>> {
    crate::at_most_one!(
        conn,
        complaints::table.find(id).select(Complaint::as_select())
    )
}

pub fn by_reference(conn: &mut DbConnection, reference: &str) -> AppResult<Option<Complaint>> {
    crate::at_most_one!(
        conn,
        complaints::table
            .filter(complaints::reference.eq(reference))
            .select(Complaint::as_select())
    )
}

/// Moves a complaint from `from` to `to`, stamping the step's time; false if it was not in
/// `from` any more.
pub fn set_state(
    conn: &mut DbConnection,
    id: &ComplaintId,
    (from, to): (ComplaintState, ComplaintState),
    at: NaiveDateTime,
) -> AppResult<bool> {
    let target = complaints::table
        .find(id)
        .filter(complaints::state.eq(from));
    let stamped = match to {
        ComplaintState::Acknowledged => diesel::update(target)
            .set((
                complaints::state.eq(to),
                complaints::acknowledged_at.eq(at),
                complaints::updated_at.eq(at),
            ))
            .execute(conn)?,
        ComplaintState::Decided => diesel::update(target)
            .set((
                complaints::state.eq(to),
                complaints::decided_at.eq(at),
                complaints::updated_at.eq(at),
            ))
            .execute(conn)?,
        ComplaintState::Closed => diesel::update(target)
            .set((
                complaints::state.eq(to),
                complaints::closed_at.eq(at),
                complaints::updated_at.eq(at),
            ))
            .execute(conn)?,
        ComplaintState::Received | ComplaintState::Investigating => diesel::update(target)
            .set((complaints::state.eq(to), complaints::updated_at.eq(at)))
            .execute(conn)?,
    };
    Ok(stamped == 1)
}

pub fn set_handler(conn: &mut DbConnection, id: &ComplaintId, handler: &UserId) -> AppResult<()> {
    diesel::update(complaints::table.find(id))
        .set(complaints::handler_id.eq(handler))
        .execute(conn)?;
    Ok(())
}

/// Links the client a complaint is about, when no certificate of ours named it.
pub fn set_organisation(
    conn: &mut DbConnection,
    id: &ComplaintId,
    organisation: &OrganisationId,
) -> AppResult<()> {
    diesel::update(complaints::table.find(id))
        .set(complaints::organisation_id.eq(organisation))
        .execute(conn)?;
    Ok(())
}

pub fn set_outcome(
    conn: &mut DbConnection,
    id: &ComplaintId,
    (outcome, public_outcome, actions): (ComplaintOutcome, &str, &ComplaintActions),
) -> AppResult<()> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::outcome.eq(outcome),
            complaints::public_outcome.eq(public_outcome),
            complaints::actions.eq(Json(actions.clone())),
        ))
        .execute(conn)?;
    Ok(())
}

/// What the staff list filters on.
#[derive(Debug, Default)]
pub struct ComplaintFilter {
    pub state: Option<ComplaintState>,
    pub handler: Option<UserId>,
    /// Open and past a deadline on this day: unacknowledged past `acknowledge_by`, or not
    /// decided past `resolve_by`.
    pub overdue_on: Option<NaiveDate>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &ComplaintFilter,
    page: PageRequest,
) -> AppResult<(Vec<Complaint>, i64)> {
    let filtered = || {
        let mut query = complaints::table.into_boxed();
        if let Some(state) = filter.state {
            query = query.filter(complaints::state.eq(state));
        }
        if let Some(handler) = &filter.handler {
            query = query.filter(complaints::handler_id.eq(handler.clone()));
        }
        if let Some(today) = filter.overdue_on {
            query = query.filter(
                complaints::state
                    .eq(ComplaintState::Received)
                    .and(complaints::acknowledge_by.lt(today))
                    .or(complaints::state
                        .eq_any([
                            ComplaintState::Received,
                            ComplaintState::Acknowledged,
                            ComplaintState::Investigating,
                        ])
                        .and(complaints::resolve_by.lt(today))),
            );
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((complaints::received_at.desc(), complaints::id))
            .select(Complaint::as_select())
    })
}

/// Every open complaint past a deadline on `today`, oldest first.
pub fn open_past_deadline(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Complaint>> {
    let filter = ComplaintFilter {
        overdue_on: Some(today),
        ..ComplaintFilter::default()
    };
    let all = PageRequest {
        limit: i64::MAX,
        offset: 0,
    };
    let (mut rows, _) = list(conn, &filter, all)?;
    rows.reverse();
    Ok(rows)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = public_notices)]
pub struct Notice {
    #[serde(skip)]
    pub id: NoticeId,
    #[serde(skip)]
    pub complaint_id: ComplaintId,
    /// The organisation's name as it made the claim.
    pub organisation_name: String,
    /// The certificate number it showed, if any.
    pub certificate_number: Option<String>,
    pub statement: String,
    pub published_on: NaiveDate,
    #[serde(skip)]
    pub withdrawn_on: Option<NaiveDate>,
}

pub fn insert_notice(conn: &mut DbConnection, notice: &Notice) -> AppResult<()> {
    diesel::insert_into(public_notices::table)
        .values(notice)
        .execute(conn)?;
    Ok(())
}

/// The complaint's notice, while it is in force.
pub fn notice_in_force(
    conn: &mut DbConnection,
    complaint: &ComplaintId,
) -> AppResult<Option<Notice>> {
    Ok(public_notices::table
        .filter(public_notices::complaint_id.eq(complaint))
        .filter(public_notices::withdrawn_on.is_null())
        .select(Notice::as_select())
        .first(conn)
        .optional()?)
}

pub fn withdraw_notice(conn: &mut DbConnection, id: &NoticeId, on: NaiveDate) -> AppResult<()> {
    diesel::update(public_notices::table.find(id))
        .set(public_notices::withdrawn_on.eq(on))
        .execute(conn)?;
    Ok(())
}

/// Notices in force, newest first.
pub fn notices(conn: &mut DbConnection, page: PageRequest) -> AppResult<(Vec<Notice>, i64)> {
    load_page(
        conn,
        || {
            public_notices::table
                .filter(public_notices::withdrawn_on.is_null())
                .into_boxed()
        },
        page,
        |query| {
            query
                .order((public_notices::published_on.desc(), public_notices::id))
                .select(Notice::as_select())
        },
    )
}

/// A file attached to a complaint, without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = complaint_evidence)]
pub struct EvidenceInfo {
    pub id: EvidenceId,
    pub complaint_id: ComplaintId,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_evidence(
    conn: &mut DbConnection,
    info: &EvidenceInfo,
    content: &[u8],
) -> AppResult<()> {
    diesel::insert_into(complaint_evidence::table)
        .values((
            complaint_evidence::id.eq(&info.id),
            complaint_evidence::complaint_id.eq(&info.complaint_id),
            complaint_evidence::filename.eq(&info.filename),
            complaint_evidence::content_type.eq(&info.content_type),
            complaint_evidence::size_bytes.eq(info.size_bytes),
            complaint_evidence::sha256.eq(&info.sha256),
            complaint_evidence::content.eq(content),
            complaint_evidence::uploaded_at.eq(info.uploaded_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A complaint's files, oldest first.
pub fn evidence_of(
    conn: &mut DbConnection,
    complaint: &ComplaintId,
) -> AppResult<Vec<EvidenceInfo>> {
    Ok(complaint_evidence::table
        .filter(complaint_evidence::complaint_id.eq(complaint))
        .order(complaint_evidence::uploaded_at.asc())
        .select(EvidenceInfo::as_select())
        .load(conn)?)
}

/// One file of a complaint with its bytes.
pub fn evidence_file(
    conn: &mut DbConnection,
    complaint: &ComplaintId,
    id: &EvidenceId,
) -> AppResult<Option<(EvidenceInfo, Vec<u8>)>> {
    crate::at_most_one!(
        conn,
        complaint_evidence::table
            .filter(complaint_evidence::id.eq(id))
            .filter(complaint_evidence::complaint_id.eq(complaint))
            .select((EvidenceInfo::as_select(), complaint_evidence::content))
    )
}
