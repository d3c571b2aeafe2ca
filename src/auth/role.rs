use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Role identifiers, identical in tokens, the API, the CLI and the database.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum Role {
    /// A client organisation's user: applies, answers nonconformities, appeals.
    Applicant,
    /// Scheme manager running the certification body.
    Admin,
    Auditor,
    /// Certification reviewer; must not have audited the client.
    DecisionMaker,
    ComplaintHandler,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Applicant,
        Role::Admin,
        Role::Auditor,
        Role::DecisionMaker,
        Role::ComplaintHandler,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::DecisionMaker => "decision_maker",
            Role::ComplaintHandler => "complaint_handler",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }

    /// Staff of the certification body, as opposed to client users.
    pub fn is_staff(self) -> bool {
        self != Role::Applicant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_through_text_and_json() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(Role::parse("Admin"), None);
    }
}
