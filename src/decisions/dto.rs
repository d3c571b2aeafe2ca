//! Request and response bodies of certification decisions.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::DecisionOutcome;
use super::store::{Decision, SiteScope};
use super::DecisionId;
use crate::accounts::{OrganisationId, UserId};
use crate::certificates::dto::SiteScopeInput;
use crate::certificates::CertificateId;
use crate::programmes::ProgrammeId;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    #[schema(value_type = String)]
    pub programme_id: ProgrammeId,
    pub outcome: DecisionOutcome,
    /// Why: what the decision maker reviewed and concluded (for a refusal, the reason the
    /// client may appeal against).
    #[schema(min_length = 1, max_length = 8000)]
    pub rationale: String,
    /// The certified scope; the application's scope statement when absent.
    #[schema(max_length = 4000)]
    pub scope: Option<String>,
    /// The certified sites with their scope; every site of the application, with its own
    /// scope or the overall one, when absent.
    pub sites: Option<Vec<SiteScopeInput>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: DecisionId,
    pub programme_id: ProgrammeId,
    pub organisation_id: OrganisationId,
    pub cycle: i64,
    pub outcome: DecisionOutcome,
    pub rationale: String,
    pub site_scopes: Vec<SiteScope>,
    pub decided_by: UserId,
    pub decided_on: NaiveDate,
    /// The certificate a grant issued.
    pub certificate_id: Option<CertificateId>,
    pub certificate_number: Option<String>,
}

impl DecisionView {
    pub fn new(decision: Decision, certificate: Option<(CertificateId, String)>) -> DecisionView {
        let (certificate_id, certificate_number) = certificate.unzip();
        DecisionView {
            id: decision.id,
            programme_id: decision.programme_id,
            organisation_id: decision.organisation_id,
            cycle: decision.cycle,
            outcome: decision.outcome,
            rationale: decision.rationale,
            site_scopes: decision.site_scopes.0,
            decided_by: decision.decided_by,
            decided_on: decision.decided_on,
            certificate_id,
            certificate_number,
        }
    }
}
