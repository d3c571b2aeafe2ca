//! Complaints (ISO/IEC 17021-1 9.8, 8.3): what may be complained about, the handling's
//! states and steps, references and secrets a reporter can keep, and the deadlines.

use sha2::{Digest, Sha256};

crate::text_enum! {
    /// What the complaint is about.
    pub enum ComplaintKind {
        /// An organisation claims a certification from us it does not hold (8.3).
        FalseClaim = "false_claim",
        /// A certificate or mark of ours used misleadingly, e.g. beyond its scope (8.3.3).
        Misuse = "misuse",
        /// A complaint about a client we certify, e.g. its services (9.8.2 asks the CB to
        /// consider whether its certification is still effective).
        CertifiedClient = "certified_client",
        /// A complaint about the certification body itself.
        CertificationBody = "certification_body",
    }
}

crate::text_enum! {
    pub enum ComplaintState {
        Received = "received",
        /// Receipt confirmed, and that the complaint concerns our certification (9.8.5).
        Acknowledged = "acknowledged",
        /// With a handler not involved in the subject (9.8.3).
        Investigating = "investigating",
        /// Substantiated or not, with the actions taken.
        Decided = "decided",
        /// The reporter had formal notice of the end of the process (9.8.7).
        Closed = "closed",
    }
}

crate::text_enum! {
    pub enum ComplaintOutcome {
        Substantiated = "substantiated",
        NotSubstantiated = "not_substantiated",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStep {
    Acknowledge,
    Assign,
    Decide,
    Close,
}

/// The handling in order; each step once.
pub fn next_state(from: ComplaintState, step: ComplaintStep) -> Result<ComplaintState, String> {
    use ComplaintState::*;
    use ComplaintStep::*;
    match (from, step) {
        (Received, Acknowledge) => Ok(Acknowledged),
        (Acknowledged, Assign) => Ok(Investigating),
        // Reassignment while investigating, e.g. when a handler turns out to be involved.
        (Investigating, Assign) => Ok(Investigating),
        (Investigating, Decide) => Ok(Decided),
        (Decided, Close) => Ok(Closed),
        (Received, _) => Err("acknowledge the complaint first".into()),
        (Acknowledged, _) => Err("assign a complaint handler first".into()),
        (Investigating, _) => Err("the complaint is under investigation: decide it first".into()),
        (Decided, _) => Err("the complaint is decided: only closing remains".into()),
        (Closed, _) => Err("the complaint is closed".into()),
    }
}

/// The reporter's secret for reading the complaint back: 20 characters, about 98 bits.
pub fn new_secret() -> String {
    crate::workflow::cases::readable_token(20)
}

/// What is stored of a secret: its SHA-256, hex. A guess costs a request either way, and
/// the secret is long and random, so no slow hash is needed.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().to_uppercase().as_bytes()))
}

/// Claims of certification that may lead to a public notice when substantiated.
pub fn about_a_claim(kind: ComplaintKind) -> bool {
    matches!(kind, ComplaintKind::FalseClaim | ComplaintKind::Misuse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComplaintState::*;
    use ComplaintStep::*;

    #[test]
    fn the_handling_goes_in_order_and_says_what_comes_first() {
        assert_eq!(next_state(Received, Acknowledge), Ok(Acknowledged));
        assert_eq!(next_state(Acknowledged, Assign), Ok(Investigating));
        assert_eq!(next_state(Investigating, Assign), Ok(Investigating));
        assert_eq!(next_state(Investigating, Decide), Ok(Decided));
        assert_eq!(next_state(Decided, Close), Ok(Closed));
        assert!(next_state(Received, Decide)
            .unwrap_err()
            .contains("acknowledge"));
        assert!(next_state(Acknowledged, Close)
            .unwrap_err()
            .contains("assign"));
        assert!(next_state(Decided, Assign).is_err());
        for step in [Acknowledge, Assign, Decide, Close] {
            assert!(next_state(Closed, step).is_err());
        }
    }

    #[test]
    fn secrets_compare_as_typed_loosely() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20);
        assert_eq!(
            secret_digest(&secret),
            secret_digest(&format!(" {} ", secret.to_lowercase()))
        );
        assert_ne!(secret_digest(&secret), secret_digest("SOMETHING-ELSE"));
    }
}
