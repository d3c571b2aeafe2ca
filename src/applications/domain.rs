//! Rules of applications and their review (ISO/IEC 17021-1 9.1.1–9.1.2): the state machine,
//! impartiality threats and what blocks acceptance. Pure functions; no HTTP, no SQL.
//! Audit time, sampling and the programme are the `programmes` module's.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;

crate::text_enum! {
    /// Where an application stands.
    pub enum ApplicationState {
        Draft = "draft",
        Submitted = "submitted",
        UnderReview = "under_review",
        InformationRequested = "information_requested",
        Accepted = "accepted",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
    }
}

impl ApplicationState {
    /// The applicant may change the content only while it is with them.
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            ApplicationState::Draft | ApplicationState::InformationRequested
        )
    }
}

/// Every explicit step an application can take; each is one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    StartReview,
    RequestInformation,
    Accept,
    Reject,
    Withdraw,
}

impl Transition {
    pub fn action(self) -> &'static str {
        match self {
            Transition::Submit => "submitted",
            Transition::StartReview => "review_started",
            Transition::RequestInformation => "information_requested",
            Transition::Accept => "accepted",
            Transition::Reject => "rejected",
            Transition::Withdraw => "withdrawn",
        }
    }

    /// Who may take this step: the applicant's side or the certification body's.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Transition::Submit | Transition::Withdraw => &[Role::Applicant],
            _ => &[Role::Admin],
        }
    }
}

/// The state after `transition` from `from`, or why it is not allowed (a 409).
pub fn next_state(
    from: ApplicationState,
    transition: Transition,
) -> Result<ApplicationState, String> {
    use ApplicationState::*;
    let to = match (from, transition) {
        (Draft | InformationRequested, Transition::Submit) => Submitted,
        (Submitted, Transition::StartReview) => UnderReview,
        (UnderReview, Transition::RequestInformation) => InformationRequested,
        (UnderReview, Transition::Accept) => Accepted,
        (UnderReview, Transition::Reject) => Rejected,
        (Draft | Submitted | UnderReview | InformationRequested, Transition::Withdraw) => Withdrawn,
        _ => {
            return Err(format!(
                "an application that is {} cannot be {}",
                from.label(),
                transition.action().replace('_', " ")
            ))
        }
    };
    Ok(to)
}

/// Standards whose applications must name the services in scope (ISO/IEC 20000-6).
pub fn requires_services(standard_code: &str) -> bool {
    standard_code == "ISO/IEC 20000-1"
}

/// A validated site, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteContent {
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub headcount: i64,
    pub is_central: bool,
    /// This site's part of the scope, when it differs from the whole.
    pub scope: Option<String>,
}

/// The validated content of an application, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationContent {
    pub scope_statement: String,
    pub total_personnel: i64,
    pub sector_codes: Vec<u8>,
    pub sites: Vec<SiteContent>,
    pub services_in_scope: Vec<String>,
    pub outsourced_processes: Vec<String>,
    pub consultancy: Vec<Consultancy>,
    pub current_certification: Option<CurrentCertification>,
}

crate::text_enum! {
    /// Who gave management-system consultancy (or internal audits), as ISO/IEC 17021-1 5.2
    /// tells them apart; each has its own consequence for two years after it ended.
    pub enum ConsultancyKind {
        /// An organisation unrelated to the CB: a threat the review records and addresses.
        Independent = "independent",
        /// A body related to the CB (5.2.7): the CB may not certify that management system.
        RelatedBody = "related_body",
        /// A person now working for the CB (5.2.10): that person may not audit or take part
        /// in certification activities for the client.
        CbPersonnel = "cb_personnel",
        /// The CB's own internal audits (5.2.6): the CB may not certify that management system.
        CbInternalAudit = "cb_internal_audit",
    }
}

impl Default for ConsultancyKind {
    /// Rows stored before the kind was recorded were consultancy by unrelated providers.
    fn default() -> Self {
        ConsultancyKind::Independent
    }
}

/// Management-system consultancy the applicant received (who, and when it ended). Stored
/// as JSON: reading tolerates fields it does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Consultancy {
    pub provider: String,
    #[serde(default)]
    pub kind: ConsultancyKind,
    /// For `cb_personnel`: the person, who must be kept off this client's audits and decisions.
    #[serde(default)]
    pub person: Option<String>,
    /// Last day of the consultancy (ISO date); absent while it is ongoing.
    pub ended_on: Option<NaiveDate>,
    pub description: Option<String>,
}

/// Certification held with another body: the application is a transfer (IAF MD 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CurrentCertification {
    pub certification_body: String,
    pub certificate_number: String,
    pub expires_on: NaiveDate,
}

/// Consultancy given within this many years is a threat to impartiality (17021-1 5.2).
pub const CONSULTANCY_COOLING_OFF_YEARS: u32 = 2;

/// Whether consultancy that ended on `ended` (`None`: ongoing) is within the cooling-off
/// period on `today`.
pub fn consultancy_is_recent(ended: Option<NaiveDate>, today: NaiveDate) -> bool {
    ended.is_none_or(|ended| {
        ended
            .checked_add_months(Months::new(12 * CONSULTANCY_COOLING_OFF_YEARS))
            .is_some_and(|limit| limit >= today)
    })
}

/// What recent consultancy means for impartiality (17021-1 5.2).
#[derive(Debug, Default, PartialEq)]
pub struct Impartiality {
    /// Threats the review records and must address before acceptance.
    pub threats: Vec<String>,
    /// What no measure can address: certification is refused until the period has passed.
    pub blockers: Vec<String>,
}

/// Sorts recent consultancy into threats and blockers by who gave it; the reviewer's own
/// findings are threats. Consultancy that ended more than two years ago counts for nothing.
pub fn impartiality(
    consultancy: &[Consultancy],
    additional: &[String],
    today: NaiveDate,
) -> Impartiality {
    let mut found = Impartiality::default();
    for given in consultancy
        .iter()
        .filter(|c| consultancy_is_recent(c.ended_on, today))
    {
        let when = match given.ended_on {
            Some(ended) => {
                format!("ended on {ended}, within {CONSULTANCY_COOLING_OFF_YEARS} years")
            }
            None => "is ongoing".to_owned(),
        };
        let provider = &given.provider;
        match given.kind {
            ConsultancyKind::Independent => found.threats.push(format!(
                "management-system consultancy by {provider} {when}"
            )),
            ConsultancyKind::CbPersonnel => found.threats.push(format!(
                "management-system consultancy by {}, now working for the certification body, {when}: \
                 that person may not audit or take part in certification for this client (17021-1 5.2.10)",
                given.person.as_deref().unwrap_or(provider)
            )),
            ConsultancyKind::RelatedBody => found.blockers.push(format!(
                "management-system consultancy by {provider}, a body related to the certification body, \
                 {when}: this management system may not be certified until two years after it ended (17021-1 5.2.7)"
            )),
            ConsultancyKind::CbInternalAudit => found.blockers.push(format!(
                "internal audits by the certification body ({provider}) {when}: this management system may not \
                 be certified until two years after they ended (17021-1 5.2.6)"
            )),
        }
    }
    found.threats.extend(additional.iter().cloned());
    found
}

/// The review's checklist, as far as acceptance depends on it.
pub struct ReviewChecklist {
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    pub has_threats: bool,
    pub threats_addressed: bool,
    /// The standard's audit-time table is confirmed against its source (now, not when reviewed).
    pub table_confirmed: bool,
    /// Impartiality blockers as of now (a related body's consultancy, the CB's internal audits).
    pub impartiality_blockers: Vec<String>,
}

/// Why the application cannot be accepted yet, if anything (17021-1 9.1.2).
pub fn acceptance_blockers(review: Option<&ReviewChecklist>) -> Vec<String> {
    let Some(review) = review else {
        return vec!["no review has been recorded".to_owned()];
    };
    let mut blockers: Vec<String> = review.impartiality_blockers.clone();
    if !review.information_sufficient {
        blockers.push("the information is not sufficient".to_owned());
    }
    if !review.scope_clear {
        blockers.push("the scope is not clear".to_owned());
    }
    if !review.competence_available {
        blockers.push("no competent auditors are available".to_owned());
    }
    if review.has_threats && !review.threats_addressed {
        blockers.push("the impartiality threats have not been addressed".to_owned());
    }
    if !review.table_confirmed {
        blockers.push(
            "the standard's audit-time table has not been confirmed against its source \
             (an admin confirms it in the catalogue)"
                .to_owned(),
        );
    }
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationState::*;

    #[test]
    fn the_state_machine_allows_exactly_the_documented_steps() {
        let transitions = [
            Transition::Submit,
            Transition::StartReview,
            Transition::RequestInformation,
            Transition::Accept,
            Transition::Reject,
            Transition::Withdraw,
        ];
        let allowed: Vec<(ApplicationState, Transition, ApplicationState)> = ApplicationState::ALL
            .iter()
            .copied()
            .flat_map(|from| {
                transitions
                    .into_iter()
                    .filter_map(move |t| next_state(from, t).ok().map(|to| (from, t, to)))
            })
            .collect();
        assert_eq!(
            allowed,
            [
                (Draft, Transition::Submit, Submitted),
                (Draft, Transition::Withdraw, Withdrawn),
                (Submitted, Transition::StartReview, UnderReview),
                (Submitted, Transition::Withdraw, Withdrawn),
                (
                    UnderReview,
                    Transition::RequestInformation,
                    InformationRequested
                ),
                (UnderReview, Transition::Accept, Accepted),
                (UnderReview, Transition::Reject, Rejected),
                (UnderReview, Transition::Withdraw, Withdrawn),
                (InformationRequested, Transition::Submit, Submitted),
                (InformationRequested, Transition::Withdraw, Withdrawn),
            ]
        );
        assert_eq!(
            next_state(Accepted, Transition::Withdraw).unwrap_err(),
            "an application that is accepted cannot be withdrawn"
        );
    }

    #[test]
    fn acceptance_needs_a_complete_review_with_threats_addressed() {
        let complete = ReviewChecklist {
            information_sufficient: true,
            scope_clear: true,
            competence_available: true,
            has_threats: true,
            threats_addressed: true,
            table_confirmed: true,
            impartiality_blockers: Vec::new(),
        };
        assert!(acceptance_blockers(Some(&complete)).is_empty());
        assert_eq!(acceptance_blockers(None), ["no review has been recorded"]);
        let open = ReviewChecklist {
            threats_addressed: false,
            scope_clear: false,
            impartiality_blockers: Vec::new(),
            ..complete
        };
        assert_eq!(
            acceptance_blockers(Some(&open)),
            [
                "the scope is not clear",
                "the impartiality threats have not been addressed"
            ]
        );
        let unconfirmed = ReviewChecklist {
            table_confirmed: false,
            impartiality_blockers: Vec::new(),
            ..complete
        };
        assert_eq!(acceptance_blockers(Some(&unconfirmed)).len(), 1);
    }

    #[test]
    fn consultancy_within_two_years_is_a_threat() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert!(consultancy_is_recent(
            NaiveDate::from_ymd_opt(2024, 11, 26),
            today
        ));
        assert!(
            consultancy_is_recent(None, today),
            "ongoing consultancy is always a threat"
        );
        assert!(!consultancy_is_recent(
            NaiveDate::from_ymd_opt(2024, 11, 25),
            today
        ));
        assert!(consultancy_is_recent(
            NaiveDate::from_ymd_opt(2026, 1, 1),
            today
        ));
        let given = |provider: &str, kind, ended: Option<NaiveDate>| Consultancy {
            provider: provider.into(),
            kind,
            person: None,
            ended_on: ended,
            description: None,
        };
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let found = impartiality(
            &[
                given("Old Co", ConsultancyKind::Independent, date(2020, 1, 1)),
                given("New Co", ConsultancyKind::Independent, date(2025, 6, 30)),
            ],
            &["shared office".into()],
            today,
        );
        assert_eq!(found.threats.len(), 2);
        assert!(found.threats[0].contains("New Co") && found.threats[0].contains("2025-06-30"));
        assert_eq!(found.threats[1], "shared office");
        assert!(found.blockers.is_empty());
        // A related body or the CB's own internal audits block certification for two years
        // to the day; a person now on the CB's staff is a threat (kept off the team).
        for kind in [
            ConsultancyKind::RelatedBody,
            ConsultancyKind::CbInternalAudit,
        ] {
            let two_years = impartiality(
                &[given("Sister GmbH", kind, date(2024, 11, 26))],
                &[],
                today,
            );
            assert_eq!(
                (two_years.blockers.len(), two_years.threats.len()),
                (1, 0),
                "{kind}"
            );
            let older = impartiality(
                &[given("Sister GmbH", kind, date(2024, 11, 25))],
                &[],
                today,
            );
            assert_eq!(older, Impartiality::default(), "{kind}");
        }
        let colleague = Consultancy {
            person: Some("Jo Auditor".into()),
            ..given("Jo Consulting", ConsultancyKind::CbPersonnel, None)
        };
        let found = impartiality(&[colleague], &[], today);
        assert!(found.blockers.is_empty());
        assert!(found.threats[0].contains("Jo Auditor") && found.threats[0].contains("5.2.10"));
    }
}
