//! Request and response bodies of the auditor endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::Grade;
use super::store::{Conflict, Qualification};
use super::{ConflictId, QualificationId};
use crate::accounts::{OrganisationId, UserId};
use crate::standards::StandardId;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    #[schema(value_type = String)]
    pub standard_id: StandardId,
    pub grade: Grade,
    /// IAF sector codes (1 to 39) the person may audit; at least one.
    #[schema(min_items = 1, max_items = 39)]
    pub sector_codes: Vec<u8>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictInput {
    #[schema(value_type = String)]
    pub organisation_id: OrganisationId,
    /// E.g. "former employee until 2025", "relative works there".
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    pub valid_from: NaiveDate,
    /// Last day of the conflict; absent while it lasts.
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationView {
    pub id: QualificationId,
    pub standard_id: StandardId,
    pub grade: Grade,
    pub sector_codes: Vec<u8>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Valid today.
    pub current: bool,
}

impl QualificationView {
    pub fn new(row: Qualification, today: NaiveDate) -> QualificationView {
        QualificationView {
            current: row.valid_from <= today && today <= row.valid_until,
            id: row.id,
            standard_id: row.standard_id,
            grade: row.grade,
            sector_codes: row.sector_codes.0,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictView {
    pub id: ConflictId,
    pub organisation_id: OrganisationId,
    pub reason: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub declared_by: UserId,
    pub declared_at: DateTime<Utc>,
}

impl From<Conflict> for ConflictView {
    fn from(row: Conflict) -> Self {
        ConflictView {
            id: row.id,
            organisation_id: row.organisation_id,
            reason: row.reason,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
            declared_by: row.declared_by,
            declared_at: row.declared_at.and_utc(),
        }
    }
}

/// A staff member's competence record and declared conflicts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditorView {
    pub user_id: UserId,
    pub full_name: String,
    pub qualifications: Vec<QualificationView>,
    pub conflicts: Vec<ConflictView>,
}
