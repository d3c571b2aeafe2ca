//! Findings and the life of a nonconformity (ISO/IEC 17021-1 9.4.5, 9.4.9-9.4.10, 9.5.3).

use chrono::{Months, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    pub enum FindingKind {
        /// Affects the capability of the management system to achieve its intended results.
        Major = "major",
        Minor = "minor",
        /// An opportunity for improvement: no solution prescribed, no answer required.
        Improvement = "improvement",
        /// Good practice worth recording.
        Positive = "positive",
    }
}

impl FindingKind {
    pub fn is_nonconformity(self) -> bool {
        matches!(self, FindingKind::Major | FindingKind::Minor)
    }
}

crate::text_enum! {
    pub enum FindingState {
        /// Observations and opportunities for improvement: nothing to answer.
        Noted = "noted",
        Open = "open",
        /// The client stated correction, cause and corrective action.
        Responded = "responded",
        /// The auditor sent the response back with a reason.
        Returned = "returned",
        /// The auditor accepted the plan; for a minor this suffices for a decision.
        Accepted = "accepted",
        /// The client submitted evidence of implementation.
        EvidenceSubmitted = "evidence_submitted",
        /// Implementation and effectiveness verified: closed.
        Verified = "verified",
    }
}

impl FindingState {
    /// Still needs the client or the auditor.
    pub fn is_pending(self) -> bool {
        !matches!(self, FindingState::Noted | FindingState::Verified)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingStep {
    Respond,
    Accept,
    Return,
    SubmitEvidence,
    Verify,
}

pub fn next_finding_state(from: FindingState, step: FindingStep) -> Result<FindingState, String> {
    use FindingState::*;
    use FindingStep::*;
    match (from, step) {
        (Noted, _) => Err("this finding is not a nonconformity: nothing to answer".into()),
        (Verified, _) => Err("the nonconformity is verified and closed".into()),
        (Open | Returned, Respond) => Ok(Responded),
        (Responded, Accept) => Ok(Accepted),
        (Responded, Return) => Ok(Returned),
        (Accepted, SubmitEvidence) => Ok(EvidenceSubmitted),
        // A minor's accepted plan may be verified at the next audit without separate
        // evidence; a major needs its evidence (checked by the service, which knows the kind).
        (Accepted | EvidenceSubmitted, Verify) => Ok(Verified),
        (_, Respond) => Err("the response was already given; wait for the auditor".into()),
        (_, Accept | Return) => Err("there is no response waiting for review".into()),
        (_, SubmitEvidence) => Err("evidence follows an accepted response".into()),
        (_, Verify) => Err("only an accepted nonconformity can be verified".into()),
    }
}

/// The client's answer to a nonconformity, stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Response {
    pub correction: String,
    pub root_cause: String,
    pub corrective_action: String,
    pub correction_due: NaiveDate,
    pub action_due: NaiveDate,
}

/// When the answer is due and, for a major, when it must be verified, counted from the
/// later of the audit's last day and the day the finding is filed. A minor needs only an
/// accepted plan; its verification is at the next audit. A major from stage 2 must be
/// verified within 6 months of stage 2's last day whatever the CB's own period (9.5.3).
pub fn deadlines(
    kind: FindingKind,
    audit: (NaiveDate, bool),
    filed_on: NaiveDate,
    (response_days, closure_days): (u32, u32),
) -> (NaiveDate, Option<NaiveDate>) {
    let (ends_on, is_stage2) = audit;
    let from = ends_on.max(filed_on);
    let response = from + TimeDelta::days(response_days.into());
    let closure = (kind == FindingKind::Major).then(|| {
        let closure = from + TimeDelta::days(closure_days.into());
        if is_stage2 {
            closure.min(new_stage2_limit(ends_on))
        } else {
            closure
        }
    });
    (response, closure)
}

/// After this day an unverified major from stage 2 means a new stage 2 (9.5.3).
pub fn new_stage2_limit(stage2_ends_on: NaiveDate) -> NaiveDate {
    stage2_ends_on
        .checked_add_months(Months::new(6))
        .unwrap_or(NaiveDate::MAX)
}

/// The clause, when the audited standard's clause tree lists it (e.g. `8.5.1`).
pub fn check_clause(clause: &str, tree: &[String]) -> Result<String, String> {
    let clause = clause.trim();
    if tree.iter().any(|listed| listed == clause) {
        Ok(clause.to_owned())
    } else {
        Err(format!(
            "{clause:?} is not a clause of the audited standard (e.g. {})",
            tree.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_nonconformity_goes_response_review_evidence_verification() {
        use FindingState::*;
        use FindingStep::*;
        assert_eq!(next_finding_state(Open, Respond), Ok(Responded));
        assert_eq!(next_finding_state(Responded, Return), Ok(Returned));
        assert_eq!(next_finding_state(Returned, Respond), Ok(Responded));
        assert_eq!(next_finding_state(Responded, Accept), Ok(Accepted));
        assert_eq!(
            next_finding_state(Accepted, SubmitEvidence),
            Ok(EvidenceSubmitted)
        );
        assert_eq!(next_finding_state(EvidenceSubmitted, Verify), Ok(Verified));
        assert!(next_finding_state(Verified, Respond).is_err());
        assert!(next_finding_state(Open, Verify).is_err());
        assert!(next_finding_state(Noted, Respond).is_err());
        assert!(next_finding_state(Accepted, Respond).is_err());
    }

    #[test]
    fn a_major_closes_within_six_months_of_stage_2_whatever_the_setting() {
        let end = day("2026-03-31");
        let periods = (30, 365);
        assert_eq!(
            deadlines(FindingKind::Minor, (end, true), end, periods),
            (day("2026-04-30"), None)
        );
        assert_eq!(
            deadlines(FindingKind::Major, (end, true), end, periods),
            (day("2026-04-30"), Some(day("2026-09-30")))
        );
        assert_eq!(
            deadlines(FindingKind::Major, (end, false), end, periods).1,
            Some(day("2027-03-31")),
            "the 6-month rule is stage 2's"
        );
        assert_eq!(
            deadlines(FindingKind::Major, (end, true), end, (30, 90)).1,
            Some(day("2026-06-29"))
        );
        // Filed after the audit's last day: the periods run from the filing.
        assert_eq!(
            deadlines(FindingKind::Minor, (end, true), day("2026-04-10"), periods).0,
            day("2026-05-10")
        );
    }

    #[test]
    fn clause_references_must_resolve_in_the_tree() {
        let tree: Vec<String> = ["8", "8.5", "8.5.1"].map(String::from).to_vec();
        assert_eq!(check_clause(" 8.5.1 ", &tree), Ok("8.5.1".into()));
        assert!(check_clause("8.5.9", &tree).is_err());
        assert!(check_clause("", &tree).is_err());
    }
}
