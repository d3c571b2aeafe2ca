//! Storage of findings. The audit team is read from the audits' tables directly, so this
//! module needs nothing of `audits` (which files findings and puts them in its report).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::{FindingKind, FindingState, Response};
use super::FindingId;
use crate::accounts::{OrganisationId, UserId};
use crate::audits::AuditId;
use crate::db::schema::{audit_team_members, audits, findings};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};
use crate::programmes::ProgrammeId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = findings)]
pub struct Finding {
    pub id: FindingId,
    pub audit_id: AuditId,
    pub organisation_id: OrganisationId,
    pub kind: FindingKind,
    pub clause: String,
    pub requirement: String,
    pub evidence: String,
    pub statement: String,
    pub state: FindingState,
    pub response: Option<Json<Response>>,
    pub response_due: Option<NaiveDate>,
    pub closure_due: Option<NaiveDate>,
    pub state_note: Option<String>,
    pub filed_by: UserId,
    pub filed_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, finding: &Finding) -> AppResult<()> {
    diesel::insert_into(findings::table)
        .values(finding)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &FindingId) -> AppResult<Option<Finding>> {
    crate::at_most_one!(
        conn,
        findings::table
            .filter(findings::id.eq(id))
            .select(Finding::as_select())
    )
}

/// The findings of one audit, in filing order.
pub fn of_audit(conn: &mut DbConnection, audit_id: &AuditId) -> AppResult<Vec<Finding>> {
    Ok(findings::table
        .filter(findings::audit_id.eq(audit_id))
        .order((findings::filed_at.asc(), findings::id.asc()))
        .select(Finding::as_select())
        .load(conn)?)
}

/// Pending nonconformities of the programmes' audits, with their programme: each next
/// audit carries those of the others into its plan and verifies them (a minor's accepted
/// plan is checked there).
pub fn pending_in_programmes(
    conn: &mut DbConnection,
    programmes: &[ProgrammeId],
) -> AppResult<Vec<(Finding, ProgrammeId)>> {
    let pending: Vec<FindingState> = FindingState::ALL
        .iter()
        .copied()
        .filter(|state| state.is_pending())
        .collect();
    Ok(findings::table
        .inner_join(audits::table.on(audits::id.eq(findings::audit_id)))
        .filter(audits::programme_id.eq_any(programmes))
        .filter(findings::state.eq_any(pending))
        .order(findings::filed_at.asc())
        .select((Finding::as_select(), audits::programme_id))
        .load(conn)?)
}

/// Who may work on the finding's nonconformity: the team of its audit and of any later
/// audit of the same programme (which carries it and may verify it).
pub fn assessors(conn: &mut DbConnection, finding: &Finding) -> AppResult<Vec<UserId>> {
    let programme: ProgrammeId = audits::table
        .find(&finding.audit_id)
        .select(audits::programme_id)
        .first(conn)?;
    Ok(audit_team_members::table
        .inner_join(audits::table.on(audits::id.eq(audit_team_members::audit_id)))
        .filter(audits::programme_id.eq(programme))
        .filter(audit_team_members::role.ne("observer"))
        .select(audit_team_members::user_id)
        .distinct()
        .load(conn)?)
}

/// Moves the finding from `from` to `to` (with the client's response when it brings one),
/// only if it is still in `from`.
pub fn set_state(
    conn: &mut DbConnection,
    id: &FindingId,
    from: FindingState,
    to: FindingState,
    note: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let changed = diesel::update(findings::table.find(id).filter(findings::state.eq(from)))
        .set((
            findings::state.eq(to),
            findings::state_note.eq(note),
            findings::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn set_response(conn: &mut DbConnection, id: &FindingId, response: &Response) -> AppResult<()> {
    diesel::update(findings::table.find(id))
        .set(findings::response.eq(Some(Json(response.clone()))))
        .execute(conn)?;
    Ok(())
}

/// One page of a client's or an assessor's findings, newest first, and the total.
pub fn list(
    conn: &mut DbConnection,
    organisation: Option<&OrganisationId>,
    assessor: Option<&UserId>,
    state: Option<FindingState>,
    overdue_on: Option<NaiveDate>,
    page: PageRequest,
) -> AppResult<(Vec<Finding>, i64)> {
    let overdue_ids: Option<Vec<FindingId>> = match overdue_on {
        Some(today) => Some(overdue(conn, today)?.into_iter().map(|f| f.id).collect()),
        None => None,
    };
    let filtered = || {
        let mut query = findings::table.into_boxed();
        if let Some(organisation) = organisation {
            query = query.filter(findings::organisation_id.eq(organisation.clone()));
        }
        if let Some(assessor) = assessor {
            query = query.filter(
                findings::audit_id.eq_any(
                    audit_team_members::table
                        .filter(audit_team_members::user_id.eq(assessor.clone()))
                        .select(audit_team_members::audit_id),
                ),
            );
        }
        if let Some(state) = state {
            query = query.filter(findings::state.eq(state));
        }
        if let Some(ids) = &overdue_ids {
            query = query.filter(findings::id.eq_any(ids.clone()));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((findings::filed_at.desc(), findings::id.asc()))
            .select(Finding::as_select())
    })
}

/// Pending nonconformities with an answer or closure date before `today`.
pub fn overdue(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Finding>> {
    let awaiting_client = [FindingState::Open, FindingState::Returned];
    let unclosed: Vec<FindingState> = FindingState::ALL
        .iter()
        .copied()
        .filter(|state| state.is_pending())
        .collect();
    Ok(findings::table
        .filter(
            findings::state
                .eq_any(awaiting_client)
                .and(findings::response_due.lt(today))
                .or(findings::state
                    .eq_any(unclosed)
                    .and(findings::closure_due.lt(today))),
        )
        .select(Finding::as_select())
        .load(conn)?)
}

/// Majors found at stage 2 and not verified, with the programme and stage 2's last day.
pub fn unverified_stage2_majors(
    conn: &mut DbConnection,
) -> AppResult<Vec<(Finding, ProgrammeId, NaiveDate)>> {
    Ok(findings::table
        .inner_join(audits::table.on(audits::id.eq(findings::audit_id)))
        .filter(audits::kind.eq("stage2"))
        .filter(findings::kind.eq(FindingKind::Major))
        .filter(findings::state.ne(FindingState::Verified))
        .select((Finding::as_select(), audits::programme_id, audits::ends_on))
        .load(conn)?)
}
