//! Storage of audit programmes and their audits.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::{PlannedAudit, ProgrammeAuditKind, ProgrammeState, Sample};
use super::{ProgrammeAuditId, ProgrammeId};
use crate::accounts::OrganisationId;
use crate::accounts::UserId;
use crate::applications::ApplicationId;
use crate::db::schema::{audit_programmes, programme_audits};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::standards::StandardId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_programmes)]
pub struct Programme {
    pub id: ProgrammeId,
    pub application_id: ApplicationId,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    pub decision_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    /// Seed of the random part of every sample in the cycle, so the draw can be shown later.
    pub sample_seed: i64,
    /// 1 for the initial certification's cycle, then one more per recertification.
    pub cycle: i64,
    /// Three years from the decision; estimated until the decision is taken.
    pub certificate_expires_on: Option<NaiveDate>,
    pub state: ProgrammeState,
    /// The client user who agreed to it, and when.
    pub agreed_by: Option<UserId>,
    pub agreed_at: Option<NaiveDateTime>,
    /// When a major nonconformity stayed unverified 6 months after stage 2 (17021-1 9.5.3):
    /// a new stage 2 is needed before a decision.
    pub new_stage2_required_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_audits)]
pub struct ProgrammeAudit {
    pub id: ProgrammeAuditId,
    pub programme_id: ProgrammeId,
    pub kind: ProgrammeAuditKind,
    pub position: i64,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub planned_days: f64,
    pub provisional: bool,
    pub sample: Json<Sample>,
    /// The three-year cycle it belongs to (`Programme::cycle`).
    pub cycle: i64,
}

/// Stores the programme with its first cycle's audits; `samples[i]` belongs to `plan[i]`.
pub fn insert(
    conn: &mut DbConnection,
    programme: &Programme,
    plan: &[PlannedAudit],
    samples: Vec<Sample>,
) -> AppResult<()> {
    diesel::insert_into(audit_programmes::table)
        .values(programme)
        .execute(conn)?;
    insert_cycle(conn, (&programme.id, programme.cycle), plan, samples)
}

/// Adds the audits of `cycle` after those already planned; `samples[i]` belongs to `plan[i]`.
pub fn insert_cycle(
    conn: &mut DbConnection,
    (programme_id, cycle): (&ProgrammeId, i64),
    plan: &[PlannedAudit],
    samples: Vec<Sample>,
) -> AppResult<()> {
    let planned = plan_of(conn, programme_id)?.len() as i64;
    for (position, (audit, sample)) in (planned + 1..).zip(plan.iter().zip(samples)) {
        diesel::insert_into(programme_audits::table)
            .values(ProgrammeAudit {
                id: ProgrammeAuditId::generate(),
                programme_id: programme_id.clone(),
                kind: audit.kind,
                position,
                window_start: audit.window_start,
                window_end: audit.window_end,
                planned_days: audit.days,
                provisional: audit.provisional,
                sample: Json(sample),
                cycle,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// The programme of an application, without its audits.
pub fn find_by_application(
    conn: &mut DbConnection,
    application_id: &ApplicationId,
) -> AppResult<Option<Programme>> {
    crate::at_most_one!(
        conn,
        audit_programmes::table
            .filter(audit_programmes::application_id.eq(application_id))
            .select(Programme::as_select())
    )
}

/// Records the client's agreement, only while the programme is still `from`.
pub fn agree(
    conn: &mut DbConnection,
    application_id: &ApplicationId,
    from: ProgrammeState,
    by: &UserId,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let updated = diesel::update(
        audit_programmes::table
            .filter(audit_programmes::application_id.eq(application_id))
            .filter(audit_programmes::state.eq(from)),
    )
    .set((
        audit_programmes::state.eq(ProgrammeState::Agreed),
        audit_programmes::agreed_by.eq(by),
        audit_programmes::agreed_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The audits of a programme's plan in cycle order.
pub fn plan_of(conn: &mut DbConnection, id: &ProgrammeId) -> AppResult<Vec<ProgrammeAudit>> {
    Ok(programme_audits::table
        .filter(programme_audits::programme_id.eq(id))
        .order(programme_audits::position.asc())
        .select(ProgrammeAudit::as_select())
        .load(conn)?)
}

/// The ids of the audits planned for the programme's current cycle.
pub fn cycle_entries(
    conn: &mut DbConnection,
    programme: &Programme,
) -> AppResult<Vec<ProgrammeAuditId>> {
    Ok(programme_audits::table
        .filter(programme_audits::programme_id.eq(&programme.id))
        .filter(programme_audits::cycle.eq(programme.cycle))
        .select(programme_audits::id)
        .load(conn)?)
}

/// The programme of an application with its audits in cycle order.
pub fn find_for_application(
    conn: &mut DbConnection,
    application_id: &ApplicationId,
) -> AppResult<Option<(Programme, Vec<ProgrammeAudit>)>> {
    let Some(programme) = find_by_application(conn, application_id)? else {
        return Ok(None);
    };
    let audits = programme_audits::table
        .filter(programme_audits::programme_id.eq(&programme.id))
        .order(programme_audits::position.asc())
        .select(ProgrammeAudit::as_select())
        .load(conn)?;
    Ok(Some((programme, audits)))
}

/// Marks the programme as needing a new stage 2 before a decision (17021-1 9.5.3).
pub fn require_new_stage2(
    conn: &mut DbConnection,
    id: &ProgrammeId,
    on: NaiveDate,
) -> AppResult<()> {
    diesel::update(audit_programmes::table.find(id))
        .set(audit_programmes::new_stage2_required_on.eq(Some(on)))
        .execute(conn)?;
    Ok(())
}

/// Every programme of a client (one per standard it applied for).
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> AppResult<Vec<Programme>> {
    Ok(audit_programmes::table
        .filter(audit_programmes::organisation_id.eq(organisation))
        .select(Programme::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: &ProgrammeId) -> AppResult<Option<Programme>> {
    crate::at_most_one!(
        conn,
        audit_programmes::table
            .filter(audit_programmes::id.eq(id))
            .select(Programme::as_select())
    )
}

/// One audit of a programme's plan.
pub fn find_audit(
    conn: &mut DbConnection,
    id: &ProgrammeAuditId,
) -> AppResult<Option<ProgrammeAudit>> {
    crate::at_most_one!(
        conn,
        programme_audits::table
            .filter(programme_audits::id.eq(id))
            .select(ProgrammeAudit::as_select())
    )
}

/// Records the certification decision, only if none is recorded yet: of two deciders,
/// one wins. The expiry follows from it.
pub fn record_decision(
    conn: &mut DbConnection,
    id: &ProgrammeId,
    decided_on: NaiveDate,
    expires_on: NaiveDate,
) -> AppResult<bool> {
    let updated = diesel::update(
        audit_programmes::table
            .find(id)
            .filter(audit_programmes::decision_date.is_null()),
    )
    .set((
        audit_programmes::decision_date.eq(Some(decided_on)),
        audit_programmes::certificate_expires_on.eq(Some(expires_on)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a recertification: the programme moves from cycle `from` to the next, with
/// its decision date and expiry, only if it is still in `from` (of two deciders, one wins).
pub fn start_cycle(
    conn: &mut DbConnection,
    id: &ProgrammeId,
    from: i64,
    (decided_on, expires_on): (NaiveDate, NaiveDate),
) -> AppResult<bool> {
    let updated = diesel::update(
        audit_programmes::table
            .find(id)
            .filter(audit_programmes::cycle.eq(from)),
    )
    .set((
        audit_programmes::cycle.eq(from + 1),
        audit_programmes::decision_date.eq(Some(decided_on)),
        audit_programmes::certificate_expires_on.eq(Some(expires_on)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Moves one audit of the plan's `cycle` to its final window.
pub fn place_audit(
    conn: &mut DbConnection,
    (id, cycle): (&ProgrammeId, i64),
    audit: &PlannedAudit,
) -> AppResult<()> {
    diesel::update(
        programme_audits::table
            .filter(programme_audits::programme_id.eq(id))
            .filter(programme_audits::cycle.eq(cycle))
            .filter(programme_audits::kind.eq(audit.kind)),
    )
    .set((
        programme_audits::window_start.eq(audit.window_start),
        programme_audits::window_end.eq(audit.window_end),
        programme_audits::planned_days.eq(audit.days),
        programme_audits::provisional.eq(audit.provisional),
    ))
    .execute(conn)?;
    Ok(())
}
