//! Use cases of audit programmes: create one when an application is accepted, show it.

use chrono::{NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

use super::domain::{
    cycle_anchor, draw_cycle_samples, estimated_decision, expiry_after, next_programme_state,
    place_cycle, plan_programme, plan_transfer, AuditTime, ProgrammeState, ProgrammeStep,
    SiteForSampling,
};
use super::dto::{ProgrammeView, Quote};
use super::store::{self, Programme};
use super::ProgrammeId;
use crate::accounts::store as accounts;
use crate::applications::domain::CyclePosition;
use crate::applications::{self, ApplicationId};
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::standards;
use crate::workflow::transition::{find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

/// The programme of an accepted application, from the review's audit time (17021-1 9.1.3),
/// with each audit's multi-site sample drawn now (IAF MD 1) from a recorded seed.
/// A transfer (IAF MD 2) continues its certificate's cycle from where the pre-transfer
/// review found it (`transfer`), instead of starting with stage 1.
pub fn create(
    conn: &mut DbConnection,
    application: &applications::store::Application,
    today: NaiveDate,
    time: &AuditTime,
    transfer: Option<CyclePosition>,
) -> AppResult<()> {
    let seed: u64 = rand::random();
    let programme = Programme {
        id: ProgrammeId::generate(),
        application_id: application.id.clone(),
        organisation_id: application.organisation_id.clone(),
        standard_id: application.standard_id.clone(),
        decision_date: None,
        created_at: now(),
        // Kept bit for bit in a BIGINT.
        sample_seed: seed as i64,
        cycle: 1,
        certificate_expires_on: Some(expiry_after(estimated_decision(today))),
        state: ProgrammeState::Proposed,
        agreed_by: None,
        agreed_at: None,
        new_stage2_required_on: None,
    };
    let held = application
        .current_certification
        .as_ref()
        .map(|held| &held.0);
    let (plan, programme) = match (transfer, held) {
        (Some(position), Some(held)) => {
            let done = match position {
                CyclePosition::AfterInitial => 0,
                CyclePosition::AfterSurveillance1 => 1,
                CyclePosition::AfterSurveillance2 => 2,
            };
            let plan = plan_transfer(today, held.expires_on, done, time);
            let continued = Programme {
                certificate_expires_on: Some(held.expires_on),
                ..programme
            };
            (plan, continued)
        }
        _ => (plan_programme(today, time), programme),
    };
    let sites = sites_for_sampling(conn, &application.id)?;
    let kinds: Vec<_> = plan.iter().map(|audit| audit.kind).collect();
    let samples = draw_cycle_samples(&kinds, &sites, &mut StdRng::seed_from_u64(seed));
    store::insert(conn, &programme, &plan, samples)
}

fn sites_for_sampling(
    conn: &mut DbConnection,
    application: &ApplicationId,
) -> AppResult<Vec<SiteForSampling>> {
    Ok(applications::store::sites(conn, application)?
        .into_iter()
        .map(|site| SiteForSampling {
            risk: site.risk_score.unwrap_or(0),
            id: site.id,
            headcount: site.headcount,
            is_central: site.is_central,
        })
        .collect())
}

/// The programme of an application the caller may see, with the quoted audit time and its
/// justification (IAF MD 5: part of the agreement); 404 until it is accepted.
pub fn for_application(
    conn: &mut DbConnection,
    caller: &Caller,
    application_id: &ApplicationId,
) -> AppResult<ProgrammeView> {
    find_visible::<applications::ApplicationLifecycle>(conn, caller, application_id)?;
    view(conn, application_id)
}

fn view(conn: &mut DbConnection, application_id: &ApplicationId) -> AppResult<ProgrammeView> {
    let (programme, audits) =
        store::find_for_application(conn, application_id)?.ok_or_else(|| {
            AppError::NotFound("no programme: the application is not accepted".into())
        })?;
    let review = applications::store::find_review(conn, application_id)?
        .ok_or_else(|| AppError::internal("an accepted application without its review"))?;
    Ok(ProgrammeView::new(programme, audits, Quote::from(review)))
}

/// The client agrees to the quoted audit time and programme (its own users only).
pub fn agree(
    tx: &mut Tx<'_>,
    caller: &Caller,
    application_id: &ApplicationId,
) -> AppResult<ProgrammeView> {
    take_step::<ProgrammeLifecycle>(tx, caller, application_id, ProgrammeStep::Agree, None)?;
    view(tx.conn, application_id)
}

/// Programmes as the transition kernel sees them, found by their application.
pub struct ProgrammeLifecycle;

impl Lifecycle for ProgrammeLifecycle {
    const ENTITY: &'static str = "programme";
    type Id = ApplicationId;
    type Record = Programme;
    type State = ProgrammeState;
    type Step = ProgrammeStep;

    fn load(conn: &mut DbConnection, id: &ApplicationId) -> AppResult<Option<Programme>> {
        store::find_by_application(conn, id)
    }

    fn scope(programme: &Programme) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: Some(&programme.organisation_id),
            staff: StaffAccess::AnyStaff,
        }
    }

    fn state(programme: &Programme) -> ProgrammeState {
        programme.state
    }

    fn next(from: ProgrammeState, step: ProgrammeStep) -> Result<ProgrammeState, String> {
        next_programme_state(from, step)
    }

    fn roles(_: ProgrammeStep) -> &'static [Role] {
        &[Role::Applicant]
    }

    fn action(_: ProgrammeStep) -> &'static str {
        "agreed"
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &ApplicationId,
        from: ProgrammeState,
        _to: ProgrammeState,
        _note: Option<&str>,
        (by, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::agree(conn, id, from, &by.user_id, at)
    }

    /// The CB's admins learn that stage 1 may now be planned.
    fn notify(
        tx: &mut Tx<'_>,
        programme: &Programme,
        _: ProgrammeStep,
        _: ProgrammeState,
        _: Option<&str>,
    ) -> AppResult<()> {
        let organisation =
            accounts::find_organisation(tx.conn, programme.organisation_id.as_str())?
                .ok_or_else(|| AppError::internal("organisation vanished"))?;
        let standard = standards::store::get(tx.conn, &programme.standard_id)?;
        for admin in accounts::active_users_with_role(tx.conn, Role::Admin)? {
            let context = json!({
                "recipient_name": admin.full_name,
                "organisation_name": organisation.legal_name,
                "standard": standard.designation(),
                "state": "agreed by the client",
                "note": "The client agreed to the quoted audit time and programme; stage 1 can be planned.",
                "application_id": programme.application_id,
            });
            tx.mail(&admin.email, "application_state_changed", context)?;
        }
        Ok(())
    }
}

/// Places the cycle from the certification decision (17021-1 9.1.3, 9.6.2): surveillance
/// windows and recertification hang off `decided_on`, the expiry is three years on. False
/// when a decision was recorded meanwhile.
pub fn place_after_decision(
    conn: &mut DbConnection,
    programme: &Programme,
    decided_on: NaiveDate,
) -> AppResult<bool> {
    if !store::record_decision(conn, &programme.id, decided_on, expiry_after(decided_on))? {
        return Ok(false);
    }
    let time = audit_time(conn, programme)?;
    for audit in crate::programmes::domain::place_cycle(decided_on, &time, false) {
        store::place_audit(conn, (&programme.id, programme.cycle), &audit)?;
    }
    Ok(true)
}

/// Records the decision on a transfer (IAF MD 2): the transferred certificate's cycle and
/// expiry continue, so the audits stay where the pre-transfer review placed them. False
/// when a decision was recorded meanwhile.
pub fn record_transfer_decision(
    conn: &mut DbConnection,
    programme: &Programme,
    decided_on: NaiveDate,
    expires_on: NaiveDate,
) -> AppResult<bool> {
    store::record_decision(conn, &programme.id, decided_on, expires_on)
}

/// Starts the next three-year cycle on a recertification grant (17021-1 9.6.3): its
/// surveillance and recertification audits hang off the day after the old expiry, as if
/// decided then, so the cycle continues to `expires_on`; their samples are drawn now from
/// the programme's seed and the cycle number. False when another decision started it.
pub fn start_next_cycle(
    conn: &mut DbConnection,
    programme: &Programme,
    decided_on: NaiveDate,
    expires_on: NaiveDate,
) -> AppResult<bool> {
    if !store::start_cycle(
        conn,
        &programme.id,
        programme.cycle,
        (decided_on, expires_on),
    )? {
        return Ok(false);
    }
    let time = audit_time(conn, programme)?;
    let plan = place_cycle(cycle_anchor(expires_on), &time, false);
    let kinds: Vec<_> = plan.iter().map(|audit| audit.kind).collect();
    let cycle = programme.cycle + 1;
    let seed = (programme.sample_seed as u64).wrapping_add(cycle as u64);
    let samples = draw_cycle_samples(
        &kinds,
        &sites_for_sampling(conn, &programme.application_id)?,
        &mut StdRng::seed_from_u64(seed),
    );
    store::insert_cycle(conn, (&programme.id, cycle), &plan, samples)?;
    Ok(true)
}

fn audit_time(conn: &mut DbConnection, programme: &Programme) -> AppResult<AuditTime> {
    let review = applications::store::find_review(conn, &programme.application_id)?
        .ok_or_else(|| AppError::internal("an accepted application without its review"))?;
    Ok(review.audit_time.0)
}
