//! Response bodies of the programme endpoints.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::domain::ProgrammeAuditKind;
use super::store::{Programme, ProgrammeAudit};
use super::ProgrammeId;
use crate::accounts::OrganisationId;
use crate::applications::ApplicationId;
use crate::standards::StandardId;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeAuditView {
    pub kind: ProgrammeAuditKind,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub planned_days: f64,
    /// Placed from an estimated decision date; re-placed when certification is decided.
    pub provisional: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: ProgrammeId,
    pub application_id: ApplicationId,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    /// Date of the certification decision, once taken.
    pub decision_date: Option<NaiveDate>,
    pub audits: Vec<ProgrammeAuditView>,
}

impl ProgrammeView {
    pub fn new(programme: Programme, audits: Vec<ProgrammeAudit>) -> ProgrammeView {
        ProgrammeView {
            id: programme.id,
            application_id: programme.application_id,
            organisation_id: programme.organisation_id,
            standard_id: programme.standard_id,
            decision_date: programme.decision_date,
            audits: audits
                .into_iter()
                .map(|audit| ProgrammeAuditView {
                    kind: audit.kind,
                    window_start: audit.window_start,
                    window_end: audit.window_end,
                    planned_days: audit.planned_days,
                    provisional: audit.provisional,
                })
                .collect(),
        }
    }
}
