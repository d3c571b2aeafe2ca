//! Appeals (ISO/IEC 17021-1 9.7): what a client may appeal, the handling's states and steps.

crate::text_enum! {
    /// The decision appealed against.
    pub enum AppealSubject {
        /// Certification refused.
        Refusal = "refusal",
        Suspension = "suspension",
        Withdrawal = "withdrawal",
        ScopeReduction = "scope_reduction",
    }
}

crate::text_enum! {
    pub enum AppealState {
        Received = "received",
        Acknowledged = "acknowledged",
        /// With someone not involved in the appealed decision (9.7.3).
        Reviewing = "reviewing",
        /// The appeal succeeded: the decision is to be corrected.
        Upheld = "upheld",
        Rejected = "rejected",
        /// The corrective step was taken, e.g. the certificate reinstated.
        Remedied = "remedied",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealStep {
    Acknowledge,
    Assign,
    Uphold,
    Reject,
    Remedy,
}

pub fn next_state(from: AppealState, step: AppealStep) -> Result<AppealState, String> {
    use AppealState::*;
    use AppealStep::*;
    match (from, step) {
        (Received, Acknowledge) => Ok(Acknowledged),
        (Acknowledged | Reviewing, Assign) => Ok(Reviewing),
        (Reviewing, Uphold) => Ok(Upheld),
        (Reviewing, Reject) => Ok(Rejected),
        (Upheld, Remedy) => Ok(Remedied),
        (Received, _) => Err("acknowledge the appeal first".into()),
        (Acknowledged, _) => Err("assign someone to review the appeal first".into()),
        (Reviewing, _) => Err("the appeal is under review: decide it first".into()),
        (Upheld, _) => Err("the appeal was upheld: only the corrective step remains".into()),
        (Rejected | Remedied, _) => Err(format!("the appeal is {}", from.label())),
    }
}

impl AppealState {
    /// Still to be answered or acted on: a second appeal of the same decision waits.
    pub fn is_open(self) -> bool {
        !matches!(self, AppealState::Rejected | AppealState::Remedied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppealState::*;
    use AppealStep::*;

    #[test]
    fn an_appeal_is_reviewed_then_upheld_and_remedied_or_rejected() {
        assert_eq!(next_state(Received, Acknowledge), Ok(Acknowledged));
        assert_eq!(next_state(Acknowledged, Assign), Ok(Reviewing));
        assert_eq!(next_state(Reviewing, Assign), Ok(Reviewing));
        assert_eq!(next_state(Reviewing, Uphold), Ok(Upheld));
        assert_eq!(next_state(Reviewing, Reject), Ok(Rejected));
        assert_eq!(next_state(Upheld, Remedy), Ok(Remedied));
        assert!(next_state(Acknowledged, Uphold)
            .unwrap_err()
            .contains("assign"));
        assert!(next_state(Reviewing, Remedy).is_err());
        assert!(next_state(Rejected, Remedy).is_err());
        assert!(next_state(Upheld, Reject).is_err());
        assert!(Upheld.is_open() && !Rejected.is_open() && !Remedied.is_open());
    }
}
