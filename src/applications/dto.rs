//! Request and response bodies of the applications endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{
    Adjustment, ApplicationState, AuditTime, Consultancy, CurrentCertification, ProgrammeAuditKind,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    #[schema(example = "Head office")]
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// People working at this site.
    pub headcount: i64,
    /// The site of the central function (exactly one site is).
    pub is_central: bool,
    /// This site's part of the scope, when it differs from the whole (certificates list it per site).
    pub scope: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[schema(example = "std-iso-iec-20000-1-2018")]
    pub standard_id: String,
    #[schema(
        example = "The service management system supporting managed hosting services for business customers"
    )]
    pub scope_statement: String,
    /// Total effective personnel, which determines the audit time.
    pub total_personnel: i64,
    /// IAF sector codes (1 to 39) of the activities in scope.
    #[serde(default)]
    pub sector_codes: Vec<u8>,
    pub sites: Vec<SiteInput>,
    /// Services in scope; required for ISO/IEC 20000-1.
    #[serde(default)]
    pub services_in_scope: Vec<String>,
    #[serde(default)]
    pub outsourced_processes: Vec<String>,
    /// Management-system consultancy received.
    #[serde(default)]
    pub consultancy: Vec<Consultancy>,
    /// Certification currently held elsewhere (a transfer).
    pub current_certification: Option<CurrentCertification>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// What the applicant must supply, or why the application is rejected or withdrawn.
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    /// Threats to impartiality beyond the consultancy the service flags itself.
    #[serde(default)]
    pub additional_threats: Vec<String>,
    /// The recorded threats have been eliminated or minimised (required to accept if any exist).
    pub threats_addressed: bool,
    /// Language, safety and other notes for the audit team.
    pub notes: Option<String>,
    /// Justified changes to the table's audit time.
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListQuery {
    pub state: Option<ApplicationState>,
    pub standard_id: Option<String>,
    /// Staff only: one client organisation.
    pub organisation_id: Option<String>,
    /// Created on or after this date.
    pub created_from: Option<NaiveDate>,
    /// Created on or before this date.
    pub created_to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub headcount: i64,
    pub is_central: bool,
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub organisation_id: String,
    pub standard_id: String,
    /// e.g. `ISO/IEC 20000-1:2018`.
    pub standard: String,
    pub state: ApplicationState,
    pub scope_statement: String,
    pub total_personnel: i64,
    pub sector_codes: Vec<u8>,
    pub sites: Vec<SiteView>,
    pub services_in_scope: Vec<String>,
    pub outsourced_processes: Vec<String>,
    pub consultancy: Vec<Consultancy>,
    pub current_certification: Option<CurrentCertification>,
    /// The last message with a state change: information requested, rejection or withdrawal reason.
    pub state_note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleView {
    /// At least ⌈√sites⌉ (IAF MD 1).
    pub size: usize,
    /// Proposed sites: the central function first, then the largest.
    pub site_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    /// Consultancy within two years is listed automatically.
    pub impartiality_threats: Vec<String>,
    pub threats_addressed: bool,
    pub notes: Option<String>,
    pub adjustments: Vec<Adjustment>,
    pub audit_time: AuditTime,
    pub sample: SampleView,
    /// What still prevents acceptance; empty when it may be accepted.
    pub acceptance_blockers: Vec<String>,
    pub reviewer_id: String,
    pub updated_at: DateTime<Utc>,
}

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
    pub id: String,
    pub application_id: String,
    pub organisation_id: String,
    pub standard_id: String,
    /// Date of the certification decision, once taken.
    pub decision_date: Option<NaiveDate>,
    pub audits: Vec<ProgrammeAuditView>,
}
