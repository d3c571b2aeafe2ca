//! Request and response bodies of the audit endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::*;
use super::store::{Audit, TeamMember};
use super::AuditId;
use crate::accounts::{OrganisationId, UserId};
use crate::applications::SiteId;
use crate::auditors::domain::TeamRole;
use crate::nonconformities::dto::FindingView;
use crate::nonconformities::FindingId;
use crate::programmes::{ProgrammeAuditId, ProgrammeId};
use crate::standards::StandardId;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberInput {
    #[schema(value_type = String)]
    pub user_id: UserId,
    pub role: TeamRole,
}

/// Plans an audit: an entry of the agreed programme (`programme_audit_id`), or a special
/// audit of a programme (`programme_id` and `special_reason`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[schema(value_type = Option<String>)]
    pub programme_audit_id: Option<ProgrammeAuditId>,
    #[schema(value_type = Option<String>)]
    pub programme_id: Option<ProgrammeId>,
    /// Why a special audit is held (short notice, scope extension).
    #[schema(max_length = 2000)]
    pub special_reason: Option<String>,
    /// Sites a special audit visits; the central function when absent.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub site_ids: Vec<SiteId>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub mode: AuditMode,
    /// 0 on site, 100 remote, in between for hybrid audits.
    #[schema(minimum = 0, maximum = 100)]
    pub remote_percent: f64,
    /// Audit days; the programme's planned days when absent.
    #[schema(minimum = 0.5, maximum = 1000)]
    pub days: Option<f64>,
    #[schema(min_length = 1, max_length = 4000)]
    pub objectives: String,
    /// The application's scope statement when absent.
    #[schema(max_length = 4000)]
    pub scope: Option<String>,
    /// The standard and the client's documented management system when absent.
    #[schema(max_length = 4000)]
    pub criteria: Option<String>,
    #[schema(min_items = 1, max_items = 20)]
    pub team: Vec<TeamMemberInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    #[schema(min_items = 1, max_items = 20)]
    pub team: Vec<TeamMemberInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    /// Why the client objects to this member (e.g. a former employee, a competitor's consultant).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionDecisionInput {
    pub upheld: bool,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// What the team concluded; only the fields given change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// Stage 1: ready for stage 2.
    pub stage1_ready: Option<bool>,
    /// Stage 1: areas of concern reported to the client.
    #[schema(max_items = 50)]
    pub areas_of_concern: Option<Vec<String>>,
    #[schema(max_length = 8000)]
    pub conclusion: Option<String>,
    pub recommendation: Option<Recommendation>,
}

/// A later change to a completed audit's report: a new revision, the old one kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    #[serde(flatten)]
    pub outcome: OutcomeInput,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    #[param(value_type = Option<String>)]
    pub programme_id: Option<ProgrammeId>,
    pub state: Option<AuditState>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberView {
    pub user_id: UserId,
    pub full_name: String,
    pub role: TeamRole,
    /// The sector codes this member's qualification covers.
    pub sector_codes: Vec<u8>,
    pub objection: Option<Objection>,
}

impl TeamMemberView {
    pub fn new((member, full_name): (TeamMember, String)) -> TeamMemberView {
        TeamMemberView {
            user_id: member.user_id,
            full_name,
            role: member.role,
            sector_codes: member.sector_codes.0,
            objection: member.objection.map(|o| o.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: AuditId,
    pub programme_id: ProgrammeId,
    pub programme_audit_id: Option<ProgrammeAuditId>,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    pub kind: AuditKind,
    pub state: AuditState,
    pub state_note: Option<String>,
    pub mode: AuditMode,
    pub remote_percent: f64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub days: f64,
    pub plan: Plan,
    pub outcome: Outcome,
    pub team: Vec<TeamMemberView>,
    /// Nonconformities of earlier audits of the programme still open: this audit follows
    /// them up (a minor's accepted plan is verified here).
    pub carried_nonconformities: Vec<FindingId>,
    pub updated_at: DateTime<Utc>,
}

impl AuditView {
    pub fn new(
        audit: Audit,
        team: Vec<TeamMemberView>,
        carried_nonconformities: Vec<FindingId>,
    ) -> AuditView {
        AuditView {
            outcome: audit.outcome(),
            id: audit.id,
            programme_id: audit.programme_id,
            programme_audit_id: audit.programme_audit_id,
            organisation_id: audit.organisation_id,
            standard_id: audit.standard_id,
            kind: audit.kind,
            state: audit.state,
            state_note: audit.state_note,
            mode: audit.mode,
            remote_percent: audit.remote_percent,
            starts_on: audit.starts_on,
            ends_on: audit.ends_on,
            days: audit.days,
            plan: audit.plan.0,
            team,
            carried_nonconformities,
            updated_at: audit.updated_at.and_utc(),
        }
    }
}

/// The audit report (17021-1 9.4.8): live while the audit runs, frozen on completion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportContent {
    pub audit_id: AuditId,
    pub organisation: String,
    pub standard: String,
    pub kind: AuditKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub mode: AuditMode,
    pub remote_percent: f64,
    pub objectives: String,
    pub scope: String,
    pub criteria: String,
    pub team: Vec<ReportTeamMember>,
    pub sites_visited: Vec<ReportSite>,
    pub findings: Vec<ReportFinding>,
    /// The nonconformities of the programme's earlier audits, as they stand: this audit
    /// follows them up (17021-1 9.4.8.2, 9.6.2.2).
    #[serde(default)]
    pub earlier_nonconformities: Vec<FollowedUp>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowedUp {
    pub kind: String,
    pub clause: String,
    pub statement: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportTeamMember {
    pub full_name: String,
    pub role: TeamRole,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportSite {
    pub name: String,
    pub city: String,
    pub country: String,
    /// Drawn at random for the sample (IAF MD 1).
    pub random: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportFinding {
    pub kind: String,
    pub clause: String,
    pub requirement: String,
    pub evidence: String,
    pub statement: String,
}

impl From<FindingView> for ReportFinding {
    fn from(f: FindingView) -> Self {
        ReportFinding {
            kind: f.kind.label(),
            clause: f.clause,
            requirement: f.requirement,
            evidence: f.evidence,
            statement: f.statement,
        }
    }
}

/// A report as served: its content, and the revision it is (none while the audit runs).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// 1 when the audit completed, one more per later change; absent while it runs.
    pub revision: Option<i64>,
    /// Why this revision was made (absent for the first).
    pub reason: Option<String>,
    pub frozen_at: Option<DateTime<Utc>>,
    /// Every frozen revision, oldest first.
    pub revisions: Vec<i64>,
    pub content: ReportContent,
}
