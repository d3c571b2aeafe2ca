//! Response bodies of the programme endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::domain::{
    Adjustment, AuditTime, BeyondTable, ProgrammeAuditKind, ProgrammeState, Sample,
};
use super::store::{Programme, ProgrammeAudit};
use super::{ProgrammeAuditId, ProgrammeId};
use crate::accounts::OrganisationId;
use crate::accounts::UserId;
use crate::applications::store::Review;
use crate::applications::ApplicationId;
use crate::standards::StandardId;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeAuditView {
    /// Plans this audit: `POST /api/v1/audits` with `programme_audit_id`.
    pub id: ProgrammeAuditId,
    pub kind: ProgrammeAuditKind,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub planned_days: f64,
    /// Placed from an estimated decision date; re-placed when certification is decided.
    pub provisional: bool,
    /// The sites to visit (IAF MD 1): the central function first, then the others; the
    /// ones drawn at random are listed again in `random_site_ids`.
    pub sample: Sample,
    /// The three-year cycle: 1 from the initial certification, one more per
    /// recertification, whose grant adds the next cycle's audits.
    pub cycle: i64,
}

/// What the client agrees to (IAF MD 5: the audit time and its justification are part of
/// the agreement): the computed days, the adjustments with their reasons, and the days
/// entered beyond the table. Nothing else of the CB's internal review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Quote {
    pub audit_time: AuditTime,
    pub adjustments: Vec<Adjustment>,
    pub beyond_table: Option<BeyondTable>,
}

impl From<Review> for Quote {
    fn from(review: Review) -> Self {
        Quote {
            audit_time: review.audit_time.0,
            adjustments: review.adjustments.0,
            beyond_table: review.beyond_table.map(|entered| entered.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: ProgrammeId,
    pub application_id: ApplicationId,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    /// Date of the certification decision, once taken.
    pub decision_date: Option<NaiveDate>,
    /// Seed of the random part of the samples, to show the draw later.
    pub sample_seed: i64,
    /// 1 for the initial certification, then one more per recertification.
    pub cycle: i64,
    /// Three years from the certification decision; estimated (like the provisional
    /// audits) until the decision is taken.
    pub certificate_expires_on: Option<NaiveDate>,
    /// `proposed` until the client agrees to it, then `agreed`.
    pub state: ProgrammeState,
    pub agreed_by: Option<UserId>,
    pub agreed_at: Option<DateTime<Utc>>,
    /// Set when a major nonconformity stayed unverified 6 months after stage 2: a new
    /// stage 2 is needed before a decision (ISO/IEC 17021-1 9.5.3).
    pub new_stage2_required_on: Option<NaiveDate>,
    pub quote: Quote,
    pub audits: Vec<ProgrammeAuditView>,
}

impl ProgrammeView {
    pub fn new(programme: Programme, audits: Vec<ProgrammeAudit>, quote: Quote) -> ProgrammeView {
        ProgrammeView {
            id: programme.id,
            application_id: programme.application_id,
            organisation_id: programme.organisation_id,
            standard_id: programme.standard_id,
            decision_date: programme.decision_date,
            sample_seed: programme.sample_seed,
            cycle: programme.cycle,
            certificate_expires_on: programme.certificate_expires_on,
            state: programme.state,
            agreed_by: programme.agreed_by,
            agreed_at: programme.agreed_at.map(|at| at.and_utc()),
            new_stage2_required_on: programme.new_stage2_required_on,
            quote,
            audits: audits
                .into_iter()
                .map(|audit| ProgrammeAuditView {
                    id: audit.id,
                    kind: audit.kind,
                    window_start: audit.window_start,
                    window_end: audit.window_end,
                    planned_days: audit.planned_days,
                    provisional: audit.provisional,
                    sample: audit.sample.0,
                    cycle: audit.cycle,
                })
                .collect(),
        }
    }
}
