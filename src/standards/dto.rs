use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::AuditTimeBand;
use super::store::{Clause, Standard};
use super::StandardId;
use crate::accounts::UserId;

#[derive(Debug, Serialize, ToSchema)]
pub struct StandardSummary {
    #[schema(value_type = String, example = "std-iso-iec-20000-1-2018")]
    pub id: StandardId,
    #[schema(example = "ISO/IEC 20000-1")]
    pub code: String,
    #[schema(example = "2018")]
    pub edition: String,
    /// As cited on certificates.
    #[schema(example = "ISO/IEC 20000-1:2018")]
    pub designation: String,
    pub title: String,
    pub active: bool,
}

impl From<&Standard> for StandardSummary {
    fn from(standard: &Standard) -> Self {
        StandardSummary {
            id: standard.id.clone(),
            code: standard.code.clone(),
            edition: standard.edition.clone(),
            designation: standard.designation(),
            title: standard.title.clone(),
            active: standard.active,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseView {
    #[schema(example = "8.5")]
    pub clause: String,
    #[schema(example = "Service design, build and transition", max_length = 300)]
    pub title: String,
}

impl From<Clause> for ClauseView {
    fn from(clause: Clause) -> Self {
        ClauseView {
            clause: clause.clause,
            title: clause.title,
        }
    }
}

/// Who confirmed an audit-time table against its source document, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmation {
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandardDetail {
    #[serde(flatten)]
    pub summary: StandardSummary,
    /// Largest sum of reductions of the table's audit time the adjustments may make (≤ 30).
    pub max_reduction_percent: f64,
    /// The least share of audit time the CB wants on site (IAF MD 4).
    pub min_on_site_percent: f64,
    pub clauses: Vec<ClauseView>,
    pub audit_time: Vec<AuditTimeBand>,
    /// Where the table's figures come from.
    pub audit_time_source: String,
    /// Unset until an admin confirms the table against its source; applications reviewed
    /// against an unconfirmed table cannot be accepted.
    pub audit_time_confirmed: Option<Confirmation>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStandardRequest {
    #[schema(example = "ISO 22301", max_length = 50)]
    pub code: String,
    #[schema(example = "2019", max_length = 20)]
    pub edition: String,
    #[schema(max_length = 300)]
    pub title: String,
    /// Defaults to 30, the most IAF MD 5 allows.
    pub max_reduction_percent: Option<f64>,
    #[schema(min_items = 1)]
    pub clauses: Vec<ClauseView>,
    #[schema(min_items = 1)]
    pub audit_time: Vec<AuditTimeBand>,
    /// Where the table's figures come from (document, edition, table).
    #[schema(max_length = 1000)]
    pub audit_time_source: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditTimeRequest {
    #[schema(minimum = 0, maximum = 30)]
    pub max_reduction_percent: f64,
    /// The least share of audit time on site (IAF MD 4), 0 to 100; 0 when left out.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub min_on_site_percent: f64,
    #[schema(min_items = 1)]
    pub bands: Vec<AuditTimeBand>,
    /// Where the figures come from (document, edition, table).
    #[schema(max_length = 1000)]
    pub source: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClausesRequest {
    #[schema(min_items = 1)]
    pub clauses: Vec<ClauseView>,
}
