//! Request and response bodies of findings and nonconformities.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{FindingKind, FindingState, Response};
use super::store::Finding;
use super::FindingId;
use crate::accounts::UserId;
use crate::audits::AuditId;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub kind: FindingKind,
    /// A clause of the audited standard, as its clause tree lists it (e.g. `8.5.1`).
    #[schema(example = "8.7.1", min_length = 1, max_length = 20)]
    pub clause: String,
    /// The requirement not met (or the practice observed).
    #[schema(min_length = 1, max_length = 2000)]
    pub requirement: String,
    /// The objective evidence seen.
    #[schema(min_length = 1, max_length = 4000)]
    pub evidence: String,
    /// The statement of the finding.
    #[schema(min_length = 1, max_length = 4000)]
    pub statement: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    #[schema(min_length = 1, max_length = 4000)]
    pub correction: String,
    #[schema(min_length = 1, max_length = 4000)]
    pub root_cause: String,
    #[schema(min_length = 1, max_length = 4000)]
    pub corrective_action: String,
    pub correction_due: NaiveDate,
    pub action_due: NaiveDate,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingListQuery {
    pub state: Option<FindingState>,
    /// Only nonconformities whose answer or closure is overdue.
    pub overdue: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingView {
    pub id: FindingId,
    pub audit_id: AuditId,
    pub kind: FindingKind,
    pub clause: String,
    pub requirement: String,
    pub evidence: String,
    pub statement: String,
    pub state: FindingState,
    /// The last step's remark, e.g. why a response was returned.
    pub state_note: Option<String>,
    pub response: Option<Response>,
    pub response_due: Option<NaiveDate>,
    pub closure_due: Option<NaiveDate>,
    pub filed_by: UserId,
    pub filed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Finding> for FindingView {
    fn from(f: Finding) -> Self {
        FindingView {
            id: f.id,
            audit_id: f.audit_id,
            kind: f.kind,
            clause: f.clause,
            requirement: f.requirement,
            evidence: f.evidence,
            statement: f.statement,
            state: f.state,
            state_note: f.state_note,
            response: f.response.map(|r| r.0),
            response_due: f.response_due,
            closure_due: f.closure_due,
            filed_by: f.filed_by,
            filed_at: f.filed_at.and_utc(),
            updated_at: f.updated_at.and_utc(),
        }
    }
}
