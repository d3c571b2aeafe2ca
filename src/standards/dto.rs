use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::AuditTimeBand;
use super::store::{Clause, Standard};
use super::StandardId;

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
    #[schema(example = "Service design, build and transition")]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct StandardDetail {
    #[serde(flatten)]
    pub summary: StandardSummary,
    /// Largest reduction of the table's audit time any adjustment may make.
    pub max_reduction_percent: f64,
    pub clauses: Vec<ClauseView>,
    pub audit_time: Vec<AuditTimeBand>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStandardRequest {
    #[schema(example = "ISO 22301")]
    pub code: String,
    #[schema(example = "2019")]
    pub edition: String,
    pub title: String,
    /// Defaults to 30 (IAF MD 5).
    pub max_reduction_percent: Option<f64>,
    pub clauses: Vec<ClauseView>,
    pub audit_time: Vec<AuditTimeBand>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditTimeRequest {
    pub max_reduction_percent: f64,
    pub bands: Vec<AuditTimeBand>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClausesRequest {
    pub clauses: Vec<ClauseView>,
}
