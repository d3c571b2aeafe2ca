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

/// Pending nonconformities of the programmes' audits, with their programme and their
/// audit's first day: each later audit carries them into its plan and verifies them (a
/// minor's accepted plan is checked there).
pub fn pending_in_programmes(
    conn: &mut DbConnection,
    programmes: &[ProgrammeId],
) -> AppResult<Vec<(Finding, ProgrammeId, NaiveDate)>> {
    Ok(findings::table
        .inner_join(audits::table.on(audits::id.eq(findings::audit_id)))
        .filter(audits::programme_id.eq_any(programmes))
        .filter(findings::state.eq_any(pending_states()))
        .order(findings::filed_at.asc())
        .select((
            Finding::as_select(),
            audits::programme_id,
            audits::starts_on,
        ))
        .load(conn)?)
}

fn pending_states() -> Vec<FindingState> {
    FindingState::ALL
        .iter()
        .copied()
        .filter(|state| state.is_pending())
        .collect()
}

/// The nonconformities of a programme's audits, oldest first; with `before`, only those of
/// audits that started before that day.
pub fn in_programme(
    conn: &mut DbConnection,
    programme: &ProgrammeId,
    before: Option<NaiveDate>,
) -> AppResult<Vec<Finding>> {
    let mut query = findings::table
        .inner_join(audits::table.on(audits::id.eq(findings::audit_id)))
        .filter(audits::programme_id.eq(programme))
        .filter(findings::kind.eq_any([FindingKind::Major, FindingKind::Minor]))
        .order(findings::filed_at.asc())
        .select(Finding::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audits::starts_on.lt(before));
    }
    Ok(query.load(conn)?)
}

/// Who may assess the finding's nonconformity: the auditors (not technical experts or
/// observers) of its audit and of the programme's later audits that are not cancelled,
/// which carry it and may verify it.
pub fn assessors(conn: &mut DbConnection, finding: &Finding) -> AppResult<Vec<UserId>> {
    let (programme, starts_on): (ProgrammeId, NaiveDate) = audits::table
        .find(&finding.audit_id)
        .select((audits::programme_id, audits::starts_on))
        .first(conn)?;
    Ok(audit_team_members::table
        .inner_join(audits::table.on(audits::id.eq(audit_team_members::audit_id)))
        .filter(audits::programme_id.eq(programme))
        .filter(audits::state.ne("cancelled"))
        .filter(audits::starts_on.ge(starts_on))
        .filter(audit_team_members::role.eq_any(["lead_auditor", "auditor"]))
        .select(audit_team_members::user_id)
        .distinct()
        .load(conn)?)
}

/// The kind of audit a finding came from, its last day and its programme.
pub fn audit_of(
    conn: &mut DbConnection,
    finding: &Finding,
) -> AppResult<(String, NaiveDate, ProgrammeId)> {
    Ok(audits::table
        .find(&finding.audit_id)
        .select((audits::kind, audits::ends_on, audits::programme_id))
        .first(conn)?)
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

/// Pending nonconformities past a date before `$today`: the answer (while the client
/// owes it) or the verification of a major.
macro_rules! overdue_on {
    ($today:expr) => {
        findings::state
            .eq_any([FindingState::Open, FindingState::Returned])
            .and(findings::response_due.lt($today))
            .or(findings::state
                .eq_any(pending_states())
                .and(findings::closure_due.lt($today)))
    };
}

/// One page of a client's or an assessor's findings, newest first, and the total.
pub fn list(
    conn: &mut DbConnection,
    organisation: Option<&OrganisationId>,
    assessor: Option<&UserId>,
    state: Option<FindingState>,
    overdue: Option<NaiveDate>,
    page: PageRequest,
) -> AppResult<(Vec<Finding>, i64)> {
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
        if let Some(today) = overdue {
            query = query.filter(overdue_on!(today));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((findings::filed_at.desc(), findings::id.asc()))
            .select(Finding::as_select())
    })
}

/// Pending nonconformities with an answer or a verification date before `today`.
pub fn overdue(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Finding>> {
    Ok(findings::table
        .filter(overdue_on!(today))
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
