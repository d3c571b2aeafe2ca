//! Use cases of audit programmes: create one when an application is accepted, show it.

use chrono::Utc;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::domain::{
    draw_cycle_samples, estimated_decision, expiry_after, plan_programme, plan_transfer, AuditTime,
    SiteForSampling,
};
use super::dto::ProgrammeView;
use super::store::{self, Programme};
use super::ProgrammeId;
use crate::applications::domain::CyclePosition;
use crate::applications::{self, ApplicationId};
use crate::auth::Caller;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::workflow::transition::find_visible;

/// The programme of an accepted application, from the review's audit time (17021-1 9.1.3),
/// with each audit's multi-site sample drawn now (IAF MD 1) from a recorded seed.
/// A transfer (IAF MD 2) continues its certificate's cycle from where the pre-transfer
/// review found it (`transfer`), instead of starting with stage 1.
pub fn create(
    conn: &mut DbConnection,
    application: &applications::store::Application,
    time: &AuditTime,
    transfer: Option<CyclePosition>,
) -> AppResult<()> {
    let seed: u64 = rand::random();
    let today = Utc::now().date_naive();
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
    let sites: Vec<SiteForSampling> = applications::store::sites(conn, &application.id)?
        .into_iter()
        .map(|site| SiteForSampling {
            id: site.id,
            headcount: site.headcount,
            is_central: site.is_central,
        })
        .collect();
    let kinds: Vec<_> = plan.iter().map(|audit| audit.kind).collect();
    let samples = draw_cycle_samples(&kinds, &sites, &mut StdRng::seed_from_u64(seed));
    store::insert(conn, &programme, &plan, samples)
}

/// The programme of an application the caller may see; 404 until it is accepted.
pub fn for_application(
    conn: &mut DbConnection,
    caller: &Caller,
    application_id: &ApplicationId,
) -> AppResult<ProgrammeView> {
    find_visible::<applications::ApplicationLifecycle>(conn, caller, application_id)?;
    let (programme, audits) =
        store::find_for_application(conn, application_id)?.ok_or_else(|| {
            AppError::NotFound("no programme: the application is not accepted".into())
        })?;
    Ok(ProgrammeView::new(programme, audits))
}
