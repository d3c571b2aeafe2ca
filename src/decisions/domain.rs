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

/// What the decision maker finds when granting.
#[derive(Debug, Default)]
pub struct GrantFacts {
    /// A completed stage 2 report (9.5.1.2).
    pub stage2_completed: bool,
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
    if !facts.stage2_completed {
        blockers.push("the stage 2 audit is not completed".to_owned());
    }
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
            stage2_completed: true,
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
    }
}
