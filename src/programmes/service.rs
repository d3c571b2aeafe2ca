//! Use cases of audit programmes: create one when an application is accepted, show it.

use chrono::Utc;

use super::domain::{plan_programme, AuditTime};
use super::dto::ProgrammeView;
use super::store::{self, Programme};
use super::ProgrammeId;
use crate::applications::{self, ApplicationId};
use crate::auth::Caller;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::workflow::transition::find_visible;

/// The programme of an accepted application, from the review's audit time (17021-1 9.1.3).
pub fn create(
    conn: &mut DbConnection,
    application: &applications::store::Application,
    time: &AuditTime,
) -> AppResult<()> {
    let programme = Programme {
        id: ProgrammeId::generate(),
        application_id: application.id.clone(),
        organisation_id: application.organisation_id.clone(),
        standard_id: application.standard_id.clone(),
        decision_date: None,
        created_at: now(),
    };
    store::insert(
        conn,
        &programme,
        &plan_programme(Utc::now().date_naive(), time),
    )
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
