//! What the appeals API takes and answers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{AppealState, AppealSubject};
use super::store::Appeal;
use super::AppealId;
use crate::accounts::{OrganisationId, UserId};
use crate::certificates::CertificateId;
use crate::decisions::DecisionId;

/// A client's appeal: a refusal names its decision, the others the certificate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    pub subject: AppealSubject,
    /// The refusal appealed against.
    pub decision_id: Option<DecisionId>,
    /// The certificate suspended, withdrawn or reduced in scope.
    pub certificate_id: Option<CertificateId>,
    #[schema(min_length = 1, max_length = 8000)]
    pub grounds: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealView {
    pub id: AppealId,
    pub reference: String,
    pub organisation_id: OrganisationId,
    pub subject: AppealSubject,
    pub decision_id: Option<DecisionId>,
    pub certificate_id: Option<CertificateId>,
    /// Who took the appealed decision: they take no part in the appeal.
    pub decided_by: Option<UserId>,
    pub decided_at: DateTime<Utc>,
    pub grounds: String,
    pub filed_by: UserId,
    pub state: AppealState,
    pub handler_id: Option<UserId>,
    pub outcome_note: Option<String>,
    pub remedied_by: Option<UserId>,
    pub remedy: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub acknowledge_by: NaiveDate,
    pub resolve_by: NaiveDate,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub decided_on_appeal_at: Option<DateTime<Utc>>,
}

impl From<Appeal> for AppealView {
    fn from(a: Appeal) -> AppealView {
        AppealView {
            id: a.id,
            reference: a.reference,
            organisation_id: a.organisation_id,
            subject: a.subject,
            decision_id: a.decision_id,
            certificate_id: a.certificate_id,
            decided_by: a.decided_by,
            decided_at: a.decided_at.and_utc(),
            grounds: a.grounds,
            filed_by: a.filed_by,
            state: a.state,
            handler_id: a.handler_id,
            outcome_note: a.outcome_note,
            remedied_by: a.remedied_by,
            remedy: a.remedy,
            filed_at: a.filed_at.and_utc(),
            acknowledge_by: a.acknowledge_by,
            resolve_by: a.resolve_by,
            acknowledged_at: a.acknowledged_at.map(|at| at.and_utc()),
            decided_on_appeal_at: a.decided_at_on_appeal.map(|at| at.and_utc()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealListQuery {
    /// Staff only; client users always see their own organisation's.
    pub organisation_id: Option<OrganisationId>,
    pub state: Option<AppealState>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealAssignInput {
    /// A decision maker or complaint handler not involved in the appealed decision.
    pub handler_id: UserId,
}
