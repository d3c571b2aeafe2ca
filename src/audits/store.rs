//! Storage of audits, their teams and their frozen reports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::{AuditKind, AuditMode, AuditState, Objection, ObjectionStatus, Outcome, Plan};
use super::AuditId;
use crate::accounts::{OrganisationId, UserId};
use crate::auditors::domain::TeamRole;
use crate::db::schema::{audit_reports, audit_team_members, audits, users};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};
use crate::programmes::{ProgrammeAuditId, ProgrammeId};
use crate::standards::StandardId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audits)]
pub struct Audit {
    pub id: AuditId,
    pub programme_id: ProgrammeId,
    pub programme_audit_id: Option<ProgrammeAuditId>,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    pub kind: AuditKind,
    pub state: AuditState,
    pub mode: AuditMode,
    pub remote_percent: f64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub days: f64,
    pub plan: Json<Plan>,
    pub outcome: Option<Json<Outcome>>,
    pub state_note: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl Audit {
    pub fn outcome(&self) -> Outcome {
        self.outcome
            .as_ref()
            .map(|o| o.0.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_team_members)]
pub struct TeamMember {
    pub audit_id: AuditId,
    pub user_id: UserId,
    pub role: TeamRole,
    /// The sector codes the member's qualification covers on the audit's dates.
    pub sector_codes: Json<Vec<u8>>,
    pub objection: Option<Json<Objection>>,
    pub added_at: NaiveDateTime,
}

impl TeamMember {
    pub fn has_pending_objection(&self) -> bool {
        self.objection
            .as_ref()
            .is_some_and(|o| o.0.status == ObjectionStatus::Pending)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_reports)]
pub struct FrozenReport {
    pub audit_id: AuditId,
    pub revision: i64,
    pub content: Json<serde_json::Value>,
    pub html: String,
    pub reason: Option<String>,
    pub frozen_by: UserId,
    pub frozen_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, audit: &Audit, team: &[TeamMember]) -> AppResult<()> {
    diesel::insert_into(audits::table)
        .values(audit)
        .execute(conn)?;
    replace_team(conn, &audit.id, team)
}

pub fn find(conn: &mut DbConnection, id: &AuditId) -> AppResult<Option<Audit>> {
    crate::at_most_one!(
        conn,
        audits::table
            .filter(audits::id.eq(id))
            .select(Audit::as_select())
    )
}

/// The team with each member's name, lead auditor first.
pub fn team(conn: &mut DbConnection, id: &AuditId) -> AppResult<Vec<(TeamMember, String)>> {
    teams(conn, std::slice::from_ref(id))
}

/// The teams of several audits in one query, each lead auditor first.
pub fn teams(conn: &mut DbConnection, ids: &[AuditId]) -> AppResult<Vec<(TeamMember, String)>> {
    let mut members: Vec<(TeamMember, String)> = audit_team_members::table
        .inner_join(users::table.on(users::id.eq(audit_team_members::user_id)))
        .filter(audit_team_members::audit_id.eq_any(ids))
        .select((TeamMember::as_select(), users::full_name))
        .load(conn)?;
    members.sort_by_key(|(member, name)| (member.role != TeamRole::LeadAuditor, name.clone()));
    Ok(members)
}

pub fn replace_team(conn: &mut DbConnection, id: &AuditId, team: &[TeamMember]) -> AppResult<()> {
    diesel::delete(audit_team_members::table.filter(audit_team_members::audit_id.eq(id)))
        .execute(conn)?;
    for member in team {
        diesel::insert_into(audit_team_members::table)
            .values(member)
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_objection(
    conn: &mut DbConnection,
    id: &AuditId,
    user_id: &UserId,
    objection: &Objection,
) -> AppResult<()> {
    diesel::update(
        audit_team_members::table
            .filter(audit_team_members::audit_id.eq(id))
            .filter(audit_team_members::user_id.eq(user_id)),
    )
    .set(audit_team_members::objection.eq(Some(Json(objection.clone()))))
    .execute(conn)?;
    Ok(())
}

pub fn remove_member(conn: &mut DbConnection, id: &AuditId, user_id: &UserId) -> AppResult<()> {
    diesel::delete(
        audit_team_members::table
            .filter(audit_team_members::audit_id.eq(id))
            .filter(audit_team_members::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Moves the audit from `from` to `to`, only if it is still in `from`.
pub fn set_state(
    conn: &mut DbConnection,
    id: &AuditId,
    from: AuditState,
    to: AuditState,
    note: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let changed = diesel::update(audits::table.find(id).filter(audits::state.eq(from)))
        .set((
            audits::state.eq(to),
            audits::state_note.eq(note),
            audits::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn set_plan(conn: &mut DbConnection, id: &AuditId, plan: &Plan) -> AppResult<()> {
    diesel::update(audits::table.find(id))
        .set(audits::plan.eq(Json(plan.clone())))
        .execute(conn)?;
    Ok(())
}

pub fn set_outcome(
    conn: &mut DbConnection,
    id: &AuditId,
    outcome: &Outcome,
    at: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(audits::table.find(id))
        .set((
            audits::outcome.eq(Some(Json(outcome.clone()))),
            audits::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The audit of a programme entry that is not cancelled, if one is planned.
pub fn live_for_entry(
    conn: &mut DbConnection,
    entry: &ProgrammeAuditId,
) -> AppResult<Option<AuditId>> {
    crate::at_most_one!(
        conn,
        audits::table
            .filter(audits::programme_audit_id.eq(entry))
            .filter(audits::state.ne(AuditState::Cancelled))
            .select(audits::id)
    )
}

/// The audits of a programme, in date order.
pub fn of_programme(conn: &mut DbConnection, programme: &ProgrammeId) -> AppResult<Vec<Audit>> {
    Ok(audits::table
        .filter(audits::programme_id.eq(programme))
        .order((audits::starts_on.asc(), audits::id.asc()))
        .select(Audit::as_select())
        .load(conn)?)
}

/// What a list may be narrowed to.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub organisation_id: Option<OrganisationId>,
    pub team_member: Option<UserId>,
    pub programme_id: Option<ProgrammeId>,
    pub state: Option<AuditState>,
}

/// One page of audits, latest first, and the total.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: PageRequest,
) -> AppResult<(Vec<Audit>, i64)> {
    let filtered = || {
        let mut query = audits::table.into_boxed();
        if let Some(organisation) = &filter.organisation_id {
            query = query.filter(audits::organisation_id.eq(organisation.clone()));
        }
        if let Some(member) = &filter.team_member {
            query = query.filter(
                audits::id.eq_any(
                    audit_team_members::table
                        .filter(audit_team_members::user_id.eq(member.clone()))
                        .select(audit_team_members::audit_id),
                ),
            );
        }
        if let Some(programme) = &filter.programme_id {
            query = query.filter(audits::programme_id.eq(programme.clone()));
        }
        if let Some(state) = filter.state {
            query = query.filter(audits::state.eq(state));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((audits::starts_on.desc(), audits::id.asc()))
            .select(Audit::as_select())
    })
}

pub fn insert_report(conn: &mut DbConnection, report: &FrozenReport) -> AppResult<()> {
    diesel::insert_into(audit_reports::table)
        .values(report)
        .execute(conn)?;
    Ok(())
}

/// Every frozen revision, oldest first.
pub fn reports(conn: &mut DbConnection, id: &AuditId) -> AppResult<Vec<FrozenReport>> {
    Ok(audit_reports::table
        .filter(audit_reports::audit_id.eq(id))
        .order(audit_reports::revision.asc())
        .select(FrozenReport::as_select())
        .load(conn)?)
}

/// Who was on the team (observers included) of a live audit of one cycle of `programme`:
/// its planned audits `entries`, and special audits starting on or after `since` (any,
/// without it).
pub fn members_in_cycle(
    conn: &mut DbConnection,
    programme: &ProgrammeId,
    (entries, since): (&[ProgrammeAuditId], Option<NaiveDate>),
) -> AppResult<Vec<UserId>> {
    let members: Vec<(UserId, Option<ProgrammeAuditId>, NaiveDate)> = audit_team_members::table
        .inner_join(audits::table.on(audits::id.eq(audit_team_members::audit_id)))
        .filter(audits::programme_id.eq(programme))
        .filter(audits::state.ne(AuditState::Cancelled))
        .select((
            audit_team_members::user_id,
            audits::programme_audit_id,
            audits::starts_on,
        ))
        .load(conn)?;
    Ok(members
        .into_iter()
        .filter(|(_, entry, starts_on)| match entry {
            Some(entry) => entries.contains(entry),
            None => since.is_none_or(|since| *starts_on >= since),
        })
        .map(|(user, _, _)| user)
        .collect())
}
