//! Audits (ISO/IEC 17021-1 9.2-9.4): kinds, modes, the state machine, and what each step
//! needs. Pure rules; the service loads the facts and applies them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::SiteId;
use crate::programmes::domain::ProgrammeAuditKind;

crate::text_enum! {
    pub enum AuditKind {
        Stage1 = "stage1",
        Stage2 = "stage2",
        Surveillance1 = "surveillance1",
        Surveillance2 = "surveillance2",
        Recertification = "recertification",
        /// Outside the programme: a short-notice audit (e.g. after a complaint) or a scope
        /// extension (17021-1 9.6.4); planned with its reason.
        Special = "special",
    }
}

impl From<ProgrammeAuditKind> for AuditKind {
    fn from(kind: ProgrammeAuditKind) -> AuditKind {
        match kind {
            ProgrammeAuditKind::Stage1 => AuditKind::Stage1,
            ProgrammeAuditKind::Stage2 => AuditKind::Stage2,
            ProgrammeAuditKind::Surveillance1 => AuditKind::Surveillance1,
            ProgrammeAuditKind::Surveillance2 => AuditKind::Surveillance2,
            ProgrammeAuditKind::Recertification => AuditKind::Recertification,
        }
    }
}

crate::text_enum! {
    pub enum AuditState {
        Planned = "planned",
        /// The team and plan are final; the client was told.
        Confirmed = "confirmed",
        InProgress = "in_progress",
        ReportDraft = "report_draft",
        /// The report is frozen; changes become new revisions.
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

/// The steps of an audit's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditStep {
    Confirm,
    /// Back to planned: an upheld objection changed the team.
    Replan,
    Start,
    DraftReport,
    Complete,
    Cancel,
}

pub fn next_audit_state(from: AuditState, step: AuditStep) -> Result<AuditState, String> {
    use AuditState::*;
    use AuditStep::*;
    match (from, step) {
        (Planned, Confirm) => Ok(Confirmed),
        (Confirmed, Replan) => Ok(Planned),
        (Confirmed, Start) => Ok(InProgress),
        (InProgress, DraftReport) => Ok(ReportDraft),
        (ReportDraft, Complete) => Ok(Completed),
        (Planned | Confirmed | InProgress, Cancel) => Ok(Cancelled),
        (Completed | Cancelled, _) => Err(format!("the audit is {}", from.label())),
        (_, Start) => Err("only a confirmed audit can start".into()),
        (_, Confirm) => Err("only a planned audit can be confirmed".into()),
        (_, DraftReport) => Err("only an audit in progress can move to its report draft".into()),
        (_, Complete) => Err("only an audit with a report draft can be completed".into()),
        (_, Cancel) => Err("an audit with a report draft cannot be cancelled".into()),
        (Planned, Replan) => Err("the audit is already planned".into()),
        (_, Replan) => Err("the audit has started: its team is final".into()),
    }
}

crate::text_enum! {
    pub enum AuditMode {
        OnSite = "on_site",
        Remote = "remote",
        Hybrid = "hybrid",
    }
}

/// The remote share a mode implies: on site 0 %, remote 100 %, hybrid strictly between.
pub fn check_mode(mode: AuditMode, remote_percent: f64) -> Result<f64, String> {
    match mode {
        AuditMode::OnSite if remote_percent == 0.0 => Ok(0.0),
        AuditMode::Remote if remote_percent == 100.0 => Ok(100.0),
        AuditMode::Hybrid if remote_percent > 0.0 && remote_percent < 100.0 => Ok(remote_percent),
        AuditMode::OnSite => Err("an on-site audit has a remote share of 0".into()),
        AuditMode::Remote => Err("a remote audit has a remote share of 100".into()),
        AuditMode::Hybrid => Err("a hybrid audit has a remote share above 0 and below 100".into()),
    }
}

/// The audit plan (9.2.3), stored as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    pub objectives: String,
    pub scope: String,
    pub criteria: String,
    /// The sites to visit: the programme's sample for this audit (IAF MD 1).
    #[serde(default)]
    pub site_ids: Vec<SiteId>,
    /// The part of `site_ids` drawn at random.
    #[serde(default)]
    pub random_site_ids: Vec<SiteId>,
    /// IAF sector codes in scope; the team must cover each.
    #[serde(default)]
    pub sector_codes: Vec<u8>,
    /// Why a special audit is held.
    #[serde(default)]
    pub special_reason: Option<String>,
    /// People removed by an upheld objection of the client: they do not come back.
    #[serde(default)]
    pub excluded_member_ids: Vec<crate::accounts::UserId>,
}

crate::text_enum! {
    /// The team's recommendation to the certification decision maker (9.4.8).
    pub enum Recommendation {
        Grant = "grant",
        Refuse = "refuse",
        Maintain = "maintain",
        Renew = "renew",
        Suspend = "suspend",
    }
}

/// What the team concluded, stored as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    /// Stage 1 only: ready for stage 2 (9.3.1.2).
    #[serde(default)]
    pub stage1_ready: Option<bool>,
    /// Stage 1 only: areas of concern that could become nonconformities at stage 2,
    /// reported to the client.
    #[serde(default)]
    pub areas_of_concern: Vec<String>,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub recommendation: Option<Recommendation>,
}

/// What completing the audit still lacks.
pub fn completion_gaps(kind: AuditKind, outcome: &Outcome) -> Vec<String> {
    let mut gaps = Vec::new();
    if outcome.conclusion.is_none() {
        gaps.push("the conclusion".to_owned());
    }
    if kind == AuditKind::Stage1 {
        if outcome.stage1_ready.is_none() {
            gaps.push("whether the client is ready for stage 2".to_owned());
        }
    } else if outcome.recommendation.is_none() {
        gaps.push("the recommendation to the decision maker".to_owned());
    }
    gaps
}

crate::text_enum! {
    pub enum ObjectionStatus {
        Pending = "pending",
        Upheld = "upheld",
        Dismissed = "dismissed",
    }
}

/// The client's objection to a team member (9.2.3.3), stored as JSON on the member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    pub reason: String,
    pub status: ObjectionStatus,
    pub raised_on: NaiveDate,
    #[serde(default)]
    pub decision_note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audits_move_forward_only_and_cancel_before_the_report() {
        use AuditState::*;
        use AuditStep::*;
        let path = [Confirm, Start, DraftReport, Complete];
        let mut state = Planned;
        for step in path {
            state = next_audit_state(state, step).unwrap();
        }
        assert_eq!(state, Completed);
        assert!(next_audit_state(Completed, Cancel).is_err());
        assert!(next_audit_state(Planned, Start).is_err());
        assert!(next_audit_state(ReportDraft, Cancel).is_err());
        assert_eq!(next_audit_state(Confirmed, Replan), Ok(Planned));
        assert!(next_audit_state(InProgress, Replan).is_err());
    }

    #[test]
    fn the_mode_fixes_the_remote_share() {
        assert_eq!(check_mode(AuditMode::OnSite, 0.0), Ok(0.0));
        assert!(check_mode(AuditMode::OnSite, 10.0).is_err());
        assert!(check_mode(AuditMode::Hybrid, 100.0).is_err());
        assert_eq!(check_mode(AuditMode::Hybrid, 40.0), Ok(40.0));
        assert!(check_mode(AuditMode::Remote, 99.0).is_err());
    }

    #[test]
    fn completion_needs_a_conclusion_and_stage_specific_answers() {
        let outcome = Outcome::default();
        assert_eq!(completion_gaps(AuditKind::Stage1, &outcome).len(), 2);
        let ready = Outcome {
            stage1_ready: Some(true),
            conclusion: Some("ready".into()),
            ..Outcome::default()
        };
        assert!(completion_gaps(AuditKind::Stage1, &ready).is_empty());
        assert_eq!(
            completion_gaps(AuditKind::Stage2, &ready),
            ["the recommendation to the decision maker"]
        );
    }
}
