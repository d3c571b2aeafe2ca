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
    pub services_in_scope: Vec<ServiceInScope>,
    pub other_party_processes: Vec<OtherPartyProcess>,
    pub consultancy: Vec<Consultancy>,
    pub current_certification: Option<CurrentCertification>,
}

crate::text_enum! {
    /// Which kind of other party operates or supports a process (ISO/IEC 20000-1:2018 8.2.3).
    pub enum OtherPartyKind {
        ExternalSupplier = "external_supplier",
        InternalSupplier = "internal_supplier",
        CustomerAsSupplier = "customer_as_supplier",
    }
}

/// A process of the management system operated or supported by another party. Stored as
/// JSON; entries written before processes were structured were plain text and read back
/// as the party alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(from = "StoredOtherParty")]
pub struct OtherPartyProcess {
    /// The clause of the standard naming the process, e.g. `8.7.1`.
    pub process: Option<String>,
    pub party: String,
    pub kind: Option<OtherPartyKind>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StoredOtherParty {
    Structured {
        process: Option<String>,
        party: String,
        kind: Option<OtherPartyKind>,
    },
    Legacy(String),
}

impl From<StoredOtherParty> for OtherPartyProcess {
    fn from(stored: StoredOtherParty) -> Self {
        match stored {
            StoredOtherParty::Structured {
                process,
                party,
                kind,
            } => OtherPartyProcess {
                process,
                party,
                kind,
            },
            StoredOtherParty::Legacy(party) => OtherPartyProcess {
                process: None,
                party,
                kind: None,
            },
        }
    }
}

/// A service in scope, and whether another party provides or operates it. Stored as JSON;
/// entries written before that was recorded were plain names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredService")]
pub struct ServiceInScope {
    pub name: String,
    pub by_other_party: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StoredService {
    Structured { name: String, by_other_party: bool },
    Legacy(String),
}

impl From<StoredService> for ServiceInScope {
    fn from(stored: StoredService) -> Self {
        match stored {
            StoredService::Structured {
                name,
                by_other_party,
            } => ServiceInScope {
                name,
                by_other_party,
            },
            StoredService::Legacy(name) => ServiceInScope {
                name,
                by_other_party: false,
            },
        }
    }
}

/// What keeps a service management system's scope from being certified (ISO/IEC 20000-1:2018
/// 1.2 and 8.2.3; ISO/IEC 20000-6): other parties providing or operating every service in
/// scope, or a scope statement that does not name a service in scope.
pub fn sms_scope_blockers(scope_statement: &str, services: &[ServiceInScope]) -> Vec<String> {
    let mut blockers = Vec::new();
    if !services.is_empty() && services.iter().all(|s| s.by_other_party) {
        blockers.push(
            "other parties provide or operate every service in scope: ISO/IEC 20000-1 cannot be \
             applied to this scope (20000-1:2018 1.2, 8.2.3)"
                .to_owned(),
        );
    }
    let statement = scope_statement.to_lowercase();
    for service in services {
        if !statement.contains(&service.name.to_lowercase()) {
            blockers.push(format!(
                "the scope statement does not name the service \"{}\" (ISO/IEC 20000-6: the \
                 scope names the services and the organisation that manages and delivers them)",
                service.name
            ));
        }
    }
    blockers
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
    /// The accreditation body whose accreditation covers the certificate, if any.
    #[serde(default)]
    pub accreditation_body: Option<String>,
    /// That body is a signatory of the IAF MLA for this scope.
    #[serde(default)]
    pub iaf_mla_signatory: bool,
}

impl CurrentCertification {
    /// IAF MD 2: only certification accredited by an IAF MLA signatory is transferred;
    /// anything else is handled as a new client (initial certification). `Err` says why.
    pub fn transferable(&self) -> Result<(), String> {
        match (&self.accreditation_body, self.iaf_mla_signatory) {
            (Some(_), true) => Ok(()),
            (None, _) => Err("the certificate is not accredited".into()),
            (Some(body), false) => {
                Err(format!("{body} is not an IAF MLA signatory for this scope"))
            }
        }
    }
}

crate::text_enum! {
    /// Where in its three-year cycle a transferred certificate stands (IAF MD 2).
    pub enum CyclePosition {
        /// Certified; the first surveillance audit is next.
        AfterInitial = "after_initial",
        AfterSurveillance1 = "after_surveillance1",
        /// Both surveillance audits done; recertification is next.
        AfterSurveillance2 = "after_surveillance2",
    }
}

/// The pre-transfer review (IAF MD 2): what a competent person of the accepting CB found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransferReview {
    /// Open nonconformities of the issuing CB, and how they stand.
    pub open_nonconformities: String,
    /// The last audit report seen (which audit, when).
    pub last_audit_report: String,
    /// Complaints received and actions taken.
    pub complaints: String,
    pub cycle_position: CyclePosition,
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
    /// What keeps the scope from being certified (`sms_scope_blockers`).
    pub scope_blockers: Vec<String>,
    /// A transferable certificate whose pre-transfer review is not recorded (IAF MD 2).
    pub transfer_review_missing: bool,
}

/// Why the application cannot be accepted yet, if anything (17021-1 9.1.2).
pub fn acceptance_blockers(review: Option<&ReviewChecklist>) -> Vec<String> {
    let Some(review) = review else {
        return vec!["no review has been recorded".to_owned()];
    };
    let mut blockers: Vec<String> = review.impartiality_blockers.clone();
    blockers.extend(review.scope_blockers.iter().cloned());
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
    if review.transfer_review_missing {
        blockers.push(
            "the pre-transfer review is not recorded (IAF MD 2): open nonconformities, the last \
             audit report, complaints and where the certificate stands in its cycle"
                .to_owned(),
        );
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
            scope_blockers: Vec::new(),
            transfer_review_missing: false,
        };
        assert!(acceptance_blockers(Some(&complete)).is_empty());
        assert_eq!(acceptance_blockers(None), ["no review has been recorded"]);
        let open = ReviewChecklist {
            threats_addressed: false,
            scope_clear: false,
            impartiality_blockers: Vec::new(),
            scope_blockers: Vec::new(),
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
            scope_blockers: Vec::new(),
            ..complete
        };
        assert_eq!(acceptance_blockers(Some(&unconfirmed)).len(), 1);
    }

    #[test]
    fn an_sms_scope_needs_its_services_named_and_not_all_run_by_others() {
        let service = |name: &str, by_other_party| ServiceInScope {
            name: name.into(),
            by_other_party,
        };
        let statement = "The SMS of Acme supporting managed hosting and the service desk";
        let one_outsourced = [
            service("Managed hosting", true),
            service("Service desk", false),
        ];
        assert!(sms_scope_blockers(statement, &one_outsourced).is_empty());
        let all = sms_scope_blockers(
            statement,
            &[
                service("Managed hosting", true),
                service("Service desk", true),
            ],
        );
        assert_eq!(all.len(), 1);
        assert!(all[0].contains("8.2.3"));
        let unnamed = sms_scope_blockers("The SMS of Acme", &one_outsourced);
        assert_eq!(unnamed.len(), 2);
        assert!(unnamed[1].contains("Service desk"));
        assert!(sms_scope_blockers("anything", &[]).is_empty());
        let legacy: Vec<ServiceInScope> = serde_json::from_str(r#"["Hosting"]"#).unwrap();
        assert_eq!(legacy, [service("Hosting", false)]);
        // Plain-text entries stored before processes were structured still read.
        let legacy: Vec<OtherPartyProcess> =
            serde_json::from_str(r#"["Data centre facilities", {"process": "8.7.1", "party": "X", "kind": "internal_supplier"}]"#)
                .unwrap();
        assert_eq!(legacy[0].party, "Data centre facilities");
        assert_eq!(legacy[0].process, None);
        assert_eq!(legacy[1].kind, Some(OtherPartyKind::InternalSupplier));
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
