//! The certification decision (ISO/IEC 17021-1 9.5): what must hold before certification
//! is granted.

use chrono::NaiveDate;

crate::text_enum! {
    pub enum DecisionOutcome {
        Grant = "grant",
        /// Refused, with the reason: the client may appeal (9.7).
        Refuse = "refuse",
    }
}

/// What a decision is about, from where the programme stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecisionKind {
    /// After stage 2: a new certificate valid three years (9.5, 9.6.1).
    #[default]
    Initial,
    /// Certification held with another body, taken over after the pre-transfer review
    /// (IAF MD 2): a certificate whose cycle and expiry continue.
    Transfer,
    /// After the cycle's recertification audit: the certificate renewed (9.6.3).
    Recertification,
}

impl DecisionKind {
    /// The certification type the certificate then shows (IAF MD 28's vocabulary).
    pub fn certification_type(self) -> &'static str {
        match self {
            DecisionKind::Initial => "initial certification",
            DecisionKind::Transfer => "transfer",
            DecisionKind::Recertification => "recertification",
        }
    }
}

/// What the decision maker finds when granting.
#[derive(Debug, Default)]
pub struct GrantFacts {
    pub kind: DecisionKind,
    /// The audit the decision rests on is completed: stage 2 (9.5.1.2) or this cycle's
    /// recertification (9.6.3.2); a transfer rests on the pre-transfer review instead.
    pub audit_completed: bool,
    /// Why the certificate cannot be renewed (9.6.3.2) or taken over (IAF MD 2).
    pub certificate_blocker: Option<String>,
    /// Majors not verified (9.5.2), by clause.
    pub unverified_majors: Vec<String>,
    /// Minors without an accepted plan (9.5.2), by clause.
    pub minors_without_plan: Vec<String>,
    /// Set when a major was not verified within 6 months of stage 2.
    pub new_stage2_required_on: Option<NaiveDate>,
    /// What the application's impartiality check finds now (5.2).
    pub impartiality_blockers: Vec<String>,
}

/// Why certification cannot be granted yet; empty when it can.
pub fn grant_blockers(facts: &GrantFacts) -> Vec<String> {
    let mut blockers = Vec::new();
    if !facts.audit_completed {
        match facts.kind {
            DecisionKind::Initial => blockers.push("the stage 2 audit is not completed".to_owned()),
            DecisionKind::Recertification => {
                blockers.push("this cycle's recertification audit is not completed".to_owned())
            }
            // Decided on the pre-transfer review, which acceptance required.
            DecisionKind::Transfer => {}
        }
    }
    blockers.extend(facts.certificate_blocker.iter().cloned());
    if let Some(on) = facts.new_stage2_required_on {
        blockers.push(format!(
            "a major nonconformity was not verified within 6 months of stage 2 (marked {on}): a new stage 2 is needed (ISO/IEC 17021-1 9.5.3)"
        ));
    }
    if !facts.unverified_majors.is_empty() {
        blockers.push(format!(
            "major nonconformities not verified: {}",
            facts.unverified_majors.join(", ")
        ));
    }
    if !facts.minors_without_plan.is_empty() {
        blockers.push(format!(
            "minor nonconformities without an accepted plan: {}",
            facts.minors_without_plan.join(", ")
        ));
    }
    blockers.extend(facts.impartiality_blockers.iter().cloned());
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_needs_stage_2_and_every_nonconformity_handled() {
        let ready = GrantFacts {
            audit_completed: true,
            ..GrantFacts::default()
        };
        assert!(grant_blockers(&ready).is_empty());
        let open = GrantFacts {
            unverified_majors: vec!["8.7.1".into()],
            minors_without_plan: vec!["9.2".into()],
            ..GrantFacts::default()
        };
        let blockers = grant_blockers(&open);
        assert_eq!(blockers.len(), 3, "{blockers:?}");
        assert!(blockers[1].contains("8.7.1") && blockers[2].contains("9.2"));
        let recertification = GrantFacts {
            kind: DecisionKind::Recertification,
            certificate_blocker: Some("the certificate is suspended".into()),
            ..GrantFacts::default()
        };
        assert_eq!(
            grant_blockers(&recertification),
            [
                "this cycle's recertification audit is not completed",
                "the certificate is suspended"
            ]
        );
        let transfer = GrantFacts {
            kind: DecisionKind::Transfer,
            ..GrantFacts::default()
        };
        assert!(grant_blockers(&transfer).is_empty());
    }
}
