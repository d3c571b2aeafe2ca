//! Request and response bodies of the applications endpoints, and the checks that turn a
//! request into the domain's validated content. `deny_unknown_fields` lives here, at the edge;
//! the domain types stored as JSON read old rows tolerantly.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{
    ApplicationContent, ApplicationState, Consultancy, ConsultancyKind, CurrentCertification,
    CyclePosition, OtherPartyKind, OtherPartyProcess, ServiceInScope, SiteContent, TransferReview,
};
use super::store::{ApplicationDetail, Review};
use super::{ApplicationId, SiteId};
use crate::accounts::domain::parse_country;
use crate::accounts::{OrganisationId, UserId};
use crate::programmes::domain::{
    effective_personnel, Adjustment, AuditTime, BeyondTable, ComplexityChoice, EffectivePersonnel,
};
use crate::standards::domain::Complexity;
use crate::standards::StandardId;
use crate::validate::{optional_text, required_text, Checker};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    #[schema(example = "Head office", max_length = 200)]
    pub name: String,
    #[schema(max_length = 200)]
    pub street: String,
    #[schema(max_length = 100)]
    pub city: String,
    #[schema(max_length = 20)]
    pub postcode: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// People working at this site.
    pub headcount: i64,
    /// The site of the central function (exactly one site is).
    pub is_central: bool,
    /// This site's part of the scope, when it differs from the whole (certificates list it per site).
    #[schema(max_length = 2000)]
    pub scope: Option<String>,
}

/// Management-system consultancy (or internal audits) the applicant received, and who gave it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultancyInput {
    #[schema(max_length = 200)]
    pub provider: String,
    /// `independent`, `related_body` (a body related to the CB), `cb_personnel` (a person now
    /// working for the CB) or `cb_internal_audit` (the CB's own internal audits).
    pub kind: ConsultancyKind,
    /// Required for `cb_personnel`: who it was.
    #[schema(max_length = 200)]
    pub person: Option<String>,
    /// Last day of the consultancy (ISO date); leave it out while it is ongoing.
    pub ended_on: Option<NaiveDate>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// A process operated or supported by another party.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherPartyProcessInput {
    /// The standard's clause naming the process, e.g. `8.7.1` (incident management).
    #[schema(example = "8.7.1")]
    pub process: String,
    /// Who runs it.
    #[schema(max_length = 200)]
    pub party: String,
    pub kind: OtherPartyKind,
}

/// Certification held with another body: the application is a transfer (IAF MD 2).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentCertificationInput {
    #[schema(max_length = 200)]
    pub certification_body: String,
    pub certificate_number: String,
    pub expires_on: NaiveDate,
    /// The accreditation body whose accreditation covers the certificate; leave it out if
    /// the certificate is not accredited (then it is handled as a new client).
    #[schema(max_length = 200)]
    pub accreditation_body: Option<String>,
    /// The accreditation body signed the IAF MLA for this scope.
    #[serde(default)]
    pub iaf_mla_signatory: bool,
    /// A suspended certificate cannot be transferred (IAF MD 2).
    #[serde(default)]
    pub suspended: bool,
}

/// The pre-transfer review (IAF MD 2), required to accept a transfer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferReviewInput {
    #[schema(max_length = 4000)]
    pub open_nonconformities: String,
    #[schema(max_length = 4000)]
    pub last_audit_report: String,
    #[schema(max_length = 4000)]
    pub complaints: String,
    pub cycle_position: CyclePosition,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[schema(value_type = String, example = "std-iso-iec-20000-1-2018")]
    pub standard_id: StandardId,
    #[schema(
        example = "The service management system supporting managed hosting services for business customers"
    )]
    #[schema(max_length = 2000)]
    pub scope_statement: String,
    /// Total effective personnel, which determines the audit time.
    pub total_personnel: i64,
    /// IAF sector codes (1 to 39) of the activities in scope.
    #[serde(default)]
    pub sector_codes: Vec<u8>,
    pub sites: Vec<SiteInput>,
    /// Services in scope; required for ISO/IEC 20000-1, and each must be named in the scope
    /// statement.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub services_in_scope: Vec<String>,
    /// Those of `services_in_scope` that other parties provide or operate.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub services_by_other_parties: Vec<String>,
    /// Processes other parties operate or support (ISO/IEC 20000-1:2018 8.2.3).
    #[serde(default)]
    pub other_party_processes: Vec<OtherPartyProcessInput>,
    /// Management-system consultancy received.
    #[serde(default)]
    pub consultancy: Vec<ConsultancyInput>,
    /// Certification currently held elsewhere (a transfer).
    pub current_certification: Option<CurrentCertificationInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// What the applicant must supply, or why the application is rejected or withdrawn.
    #[schema(max_length = 2000)]
    pub message: String,
}

/// A justified change to the table's audit time, in percent (negative reduces).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub percent: f64,
    #[schema(max_length = 2000)]
    pub justification: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    /// Threats to impartiality beyond the consultancy the service flags itself.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub additional_threats: Vec<String>,
    /// The recorded threats have been eliminated or minimised (required to accept if any exist).
    pub threats_addressed: bool,
    /// Language, safety and other notes for the audit team.
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    /// Justified changes to the table's audit time.
    #[serde(default)]
    pub adjustments: Vec<AdjustmentInput>,
    /// Required when the effective personnel exceed the table's last band (IAF MD 5: follow
    /// progression); refused otherwise.
    pub beyond_table: Option<BeyondTableInput>,
    /// Required to accept a transfer of accredited certification (IAF MD 2); refused for
    /// other applications.
    pub transfer: Option<TransferReviewInput>,
    /// How the application's total counts as effective personnel (IAF MD 5 2.3); absent:
    /// everybody full time.
    pub personnel: Option<PersonnelInput>,
    /// Share of the audit time planned remotely, 0 to 100 (IAF MD 4); at least the standard's
    /// `min_on_site_percent` stays on site.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub remote_percent: f64,
    /// For a table with complexity categories (e.g. ISO 14001, IAF MD 5 Table EMS 1): the
    /// category and why; refused for other tables.
    pub complexity: Option<ComplexityInput>,
    /// Risk per site (IAF MD 1: the part of each sample not drawn at random is chosen by
    /// risk); sites left out have none recorded.
    #[serde(default)]
    pub site_risks: Vec<SiteRiskInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRiskInput {
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// 1 (low) to 5 (high).
    #[schema(minimum = 1, maximum = 5)]
    pub score: i64,
    #[schema(max_length = 1000)]
    pub reason: String,
}

/// A site's risk as the review recorded it (internal to the CB).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteRiskView {
    pub site_id: SiteId,
    pub score: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplexityInput {
    /// `high`, `medium`, `low` or `limited`.
    pub category: Complexity,
    #[schema(max_length = 2000)]
    pub justification: String,
}

/// Part-time staff by hours, and a justified reduction for shifts or repetitive work.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonnelInput {
    #[serde(default)]
    pub part_time_people: i64,
    #[serde(default)]
    pub part_time_hours_per_week: f64,
    pub full_time_hours_per_week: f64,
    pub reduced_to: Option<i64>,
    /// Required with `reduced_to`.
    #[schema(max_length = 2000)]
    pub justification: Option<String>,
}

/// The initial audit days for personnel beyond the table, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeyondTableInput {
    /// Stage 1 + stage 2 days; at least the last band's.
    pub initial_days: f64,
    #[schema(max_length = 2000)]
    pub justification: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListQuery {
    pub state: Option<ApplicationState>,
    #[param(value_type = Option<String>)]
    pub standard_id: Option<StandardId>,
    /// Staff only: one client organisation.
    #[param(value_type = Option<String>)]
    pub organisation_id: Option<OrganisationId>,
    /// Created on or after this date (years 1900 to 9999).
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-")]
    pub created_from: Option<NaiveDate>,
    /// Created on or before this date (years 1900 to 9999).
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-")]
    pub created_to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: SiteId,
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub headcount: i64,
    pub is_central: bool,
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    /// e.g. `ISO/IEC 20000-1:2018`.
    pub standard: String,
    pub state: ApplicationState,
    pub scope_statement: String,
    pub total_personnel: i64,
    pub sector_codes: Vec<u8>,
    pub sites: Vec<SiteView>,
    pub services_in_scope: Vec<String>,
    /// Those of the services in scope that other parties provide or operate.
    pub services_by_other_parties: Vec<String>,
    pub other_party_processes: Vec<OtherPartyProcess>,
    pub consultancy: Vec<Consultancy>,
    pub current_certification: Option<CurrentCertification>,
    /// The last message with a state change: information requested, rejection or withdrawal reason.
    pub state_note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ApplicationDetail> for ApplicationView {
    fn from(detail: ApplicationDetail) -> Self {
        let ApplicationDetail {
            application,
            standard,
            sites,
        } = detail;
        ApplicationView {
            id: application.id,
            organisation_id: application.organisation_id,
            standard_id: application.standard_id,
            standard,
            state: application.state,
            scope_statement: application.scope_statement,
            total_personnel: application.total_personnel,
            sector_codes: application.sector_codes.0,
            sites: sites
                .into_iter()
                .map(|s| SiteView {
                    id: s.id,
                    name: s.name,
                    street: s.street,
                    city: s.city,
                    postcode: s.postcode,
                    country: s.country,
                    headcount: s.headcount,
                    is_central: s.is_central,
                    scope: s.scope,
                })
                .collect(),
            services_by_other_parties: application
                .services_in_scope
                .0
                .iter()
                .filter(|s| s.by_other_party)
                .map(|s| s.name.clone())
                .collect(),
            services_in_scope: application
                .services_in_scope
                .0
                .into_iter()
                .map(|s| s.name)
                .collect(),
            other_party_processes: application.outsourced_processes.0,
            consultancy: application.consultancy.0,
            current_certification: application.current_certification.map(|held| held.0),
            state_note: application.state_note,
            submitted_at: application.submitted_at.map(|at| at.and_utc()),
            created_at: application.created_at.and_utc(),
            updated_at: application.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleView {
    /// At least ⌈√sites⌉ (IAF MD 1).
    pub size: usize,
    /// Proposed sites: the central function first, then the largest.
    pub site_ids: Vec<SiteId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    /// Consultancy within two years is listed automatically.
    pub impartiality_threats: Vec<String>,
    pub threats_addressed: bool,
    pub notes: Option<String>,
    pub adjustments: Vec<Adjustment>,
    /// Days entered beyond the table's last band, with their justification.
    pub beyond_table: Option<BeyondTable>,
    /// The pre-transfer review, for a transfer.
    pub transfer: Option<TransferReview>,
    /// Effective personnel as counted for the audit time.
    pub personnel: Option<EffectivePersonnel>,
    /// The complexity category chosen, for a table that has them.
    pub complexity: Option<ComplexityChoice>,
    /// Risk per site, which orders the non-random part of each sample.
    pub site_risks: Vec<SiteRiskView>,
    /// Points about the personnel figures and the audit time for the reviewer to resolve:
    /// sites' headcounts that do not add up to the total, and for several sites that IAF MD 1's
    /// per-site audit time is not applied.
    pub personnel_findings: Vec<String>,
    pub audit_time: AuditTime,
    pub sample: SampleView,
    /// What still prevents acceptance; empty when it may be accepted.
    pub acceptance_blockers: Vec<String>,
    pub reviewer_id: UserId,
    pub updated_at: DateTime<Utc>,
}

impl ReviewView {
    pub fn new(
        review: Review,
        sample_size: usize,
        acceptance_blockers: Vec<String>,
        personnel_findings: Vec<String>,
        site_risks: Vec<SiteRiskView>,
    ) -> Self {
        ReviewView {
            information_sufficient: review.information_sufficient,
            scope_clear: review.scope_clear,
            competence_available: review.competence_available,
            impartiality_threats: review.impartiality_threats.0,
            threats_addressed: review.threats_addressed,
            notes: review.notes,
            adjustments: review.adjustments.0,
            beyond_table: review.beyond_table.map(|entered| entered.0),
            transfer: review.transfer.map(|transfer| transfer.0),
            personnel: review.personnel.map(|personnel| personnel.0),
            complexity: review.complexity.map(|choice| choice.0),
            site_risks,
            personnel_findings,
            audit_time: review.audit_time.0,
            sample: SampleView {
                size: sample_size,
                site_ids: review.sampled_site_ids.0,
            },
            acceptance_blockers,
            reviewer_id: review.reviewer_id,
            updated_at: review.updated_at.and_utc(),
        }
    }
}

const MAX_SITES: usize = 500;
const MAX_PERSONNEL: i64 = 1_000_000;

fn check_site(site: &SiteInput, field: &str, checker: &mut Checker) -> Option<SiteContent> {
    let at = |name: &str| format!("{field}.{name}");
    let name = checker.check(&at("name"), required_text(&site.name, 200));
    let street = checker.check(&at("street"), required_text(&site.street, 200));
    let city = checker.check(&at("city"), required_text(&site.city, 100));
    let postcode = checker.check(&at("postcode"), required_text(&site.postcode, 20));
    let country = checker.check(&at("country"), parse_country(&site.country));
    let scope = checker.check(&at("scope"), optional_text(site.scope.as_deref(), 2000));
    let headcount = checker.check(
        &at("headcount"),
        if (1..=MAX_PERSONNEL).contains(&site.headcount) {
            Ok(site.headcount)
        } else {
            Err(format!("must be between 1 and {MAX_PERSONNEL}"))
        },
    );
    Some(SiteContent {
        name: name?,
        street: street?,
        city: city?,
        postcode: postcode?,
        country: country?,
        headcount: headcount?,
        is_central: site.is_central,
        scope: scope?,
    })
}

fn check_list(items: &[String], field: &str, checker: &mut Checker) -> Vec<String> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| checker.check(&format!("{field}[{i}]"), required_text(item, 300)))
        .collect()
}

impl ApplicationInput {
    /// The validated content. Checks everything but the standard id (which needs the catalogue); `needs_services`
    /// says whether the standard requires the services in scope; `today` bounds dates.
    pub fn check(
        &self,
        clauses: &[String],
        needs_services: bool,
        today: NaiveDate,
        checker: &mut Checker,
    ) -> Option<ApplicationContent> {
        let scope_statement = checker.check(
            "scope_statement",
            required_text(&self.scope_statement, 2000),
        );
        let total_personnel = checker.check(
            "total_personnel",
            if (1..=MAX_PERSONNEL).contains(&self.total_personnel) {
                Ok(self.total_personnel)
            } else {
                Err(format!("must be between 1 and {MAX_PERSONNEL}"))
            },
        );
        let sector_codes = checker.check(
            "sector_codes",
            crate::standards::domain::check_sector_codes(&self.sector_codes),
        );
        let site_count = checker.check(
            "sites",
            match self.sites.iter().filter(|s| s.is_central).count() {
                _ if self.sites.is_empty() => Err("name at least one site".to_owned()),
                _ if self.sites.len() > MAX_SITES => Err(format!("at most {MAX_SITES} sites")),
                1 => Ok(self.sites.len()),
                _ => Err("exactly one site must be the central function (is_central)".to_owned()),
            },
        );
        let sites: Vec<Option<SiteContent>> = self
            .sites
            .iter()
            .enumerate()
            .map(|(i, site)| check_site(site, &format!("sites[{i}]"), checker))
            .collect();
        let services_in_scope = check_list(&self.services_in_scope, "services_in_scope", checker);
        if needs_services && self.services_in_scope.is_empty() {
            checker.check::<()>(
                "services_in_scope",
                Err("name the services in scope (required for ISO/IEC 20000-1)".into()),
            );
        }
        let services_by_other_parties: Vec<String> = self
            .services_by_other_parties
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                checker.check(
                    &format!("services_by_other_parties[{i}]"),
                    if services_in_scope.iter().any(|s| s == name.trim()) {
                        Ok(name.trim().to_owned())
                    } else {
                        Err("must be one of services_in_scope".to_owned())
                    },
                )
            })
            .collect();
        let other_party_processes: Vec<OtherPartyProcess> = self
            .other_party_processes
            .iter()
            .enumerate()
            .filter_map(|(i, given)| {
                let at = |name: &str| format!("other_party_processes[{i}].{name}");
                let process = checker.check(
                    &at("process"),
                    // No clauses: the standard itself is unknown, and named as such already.
                    if clauses.is_empty() || clauses.iter().any(|c| c == given.process.trim()) {
                        Ok(given.process.trim().to_owned())
                    } else {
                        Err("must be a clause of the standard applied for, e.g. 8.7.1".to_owned())
                    },
                );
                let party = checker.check(&at("party"), required_text(&given.party, 200));
                Some(OtherPartyProcess {
                    process: Some(process?),
                    party: party?,
                    kind: Some(given.kind),
                })
            })
            .collect();
        let consultancy: Vec<Option<Consultancy>> = self
            .consultancy
            .iter()
            .enumerate()
            .map(|(i, given)| {
                let provider = checker.check(
                    &format!("consultancy[{i}].provider"),
                    required_text(&given.provider, 200),
                );
                let ended_on = checker.check(
                    &format!("consultancy[{i}].ended_on"),
                    match given.ended_on {
                        Some(ended) if ended > today => {
                            Err("must not be in the future; leave it out while ongoing".into())
                        }
                        ended => Ok(ended),
                    },
                );
                let description = checker.check(
                    &format!("consultancy[{i}].description"),
                    crate::validate::optional_prose(given.description.as_deref(), 1000),
                );
                let person = checker.check(
                    &format!("consultancy[{i}].person"),
                    match (given.kind, optional_text(given.person.as_deref(), 200)) {
                        (ConsultancyKind::CbPersonnel, Ok(None)) => {
                            Err("name the person now working for the certification body".to_owned())
                        }
                        (ConsultancyKind::CbPersonnel, named) => named,
                        (_, Ok(None)) => Ok(None),
                        (_, _) => Err("only for consultancy by cb_personnel".to_owned()),
                    },
                );
                Some(Consultancy {
                    provider: provider?,
                    kind: given.kind,
                    person: person?,
                    ended_on: ended_on?,
                    description: description?,
                })
            })
            .collect();
        let current_certification = match &self.current_certification {
            None => Some(None),
            Some(held) => {
                let body = checker.check(
                    "current_certification.certification_body",
                    required_text(&held.certification_body, 200),
                );
                let number = checker.check(
                    "current_certification.certificate_number",
                    required_text(&held.certificate_number, 100),
                );
                // An expired certificate cannot be transferred (IAF MD 2): that is a new certification.
                let expires_on = checker.check(
                    "current_certification.expires_on",
                    if held.expires_on >= today {
                        Ok(held.expires_on)
                    } else {
                        Err(
                            "the certificate has expired: apply for initial certification"
                                .to_owned(),
                        )
                    },
                );
                let accreditation_body = checker.check(
                    "current_certification.accreditation_body",
                    optional_text(held.accreditation_body.as_deref(), 200),
                );
                checker.check(
                    "current_certification.suspended",
                    if held.suspended {
                        Err("a suspended certificate cannot be transferred (IAF MD 2)".to_owned())
                    } else {
                        Ok(())
                    },
                );
                Some(Some(CurrentCertification {
                    certification_body: body?,
                    certificate_number: number?,
                    expires_on: expires_on?,
                    iaf_mla_signatory: held.iaf_mla_signatory,
                    accreditation_body: accreditation_body?,
                }))
            }
        };
        site_count?;
        Some(ApplicationContent {
            scope_statement: scope_statement?,
            total_personnel: total_personnel?,
            sector_codes: sector_codes?,
            sites: sites.into_iter().collect::<Option<Vec<_>>>()?,
            services_in_scope: services_in_scope
                .into_iter()
                .map(|name| ServiceInScope {
                    by_other_party: services_by_other_parties.contains(&name),
                    name,
                })
                .collect(),
            other_party_processes,
            consultancy: consultancy.into_iter().collect::<Option<Vec<_>>>()?,
            current_certification: current_certification?,
        })
    }
}

impl ReviewInput {
    /// The complexity category for a table with `categories` (none: the table has none).
    pub fn check_complexity(
        &self,
        categories: &[Complexity],
        checker: &mut Checker,
    ) -> Option<Option<ComplexityChoice>> {
        match (&self.complexity, categories.is_empty()) {
            (None, true) => Some(None),
            (None, false) => {
                let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
                checker.check::<()>(
                    "complexity",
                    Err(format!(
                        "this standard's audit-time table has complexity categories ({}): \
                         choose one with a justification (IAF MD 5)",
                        names.join(", ")
                    )),
                );
                None
            }
            (Some(_), true) => {
                checker.check::<()>(
                    "complexity",
                    Err("this standard's table has no complexity categories".into()),
                );
                None
            }
            (Some(given), false) => {
                let category = checker.check(
                    "complexity.category",
                    if categories.contains(&given.category) {
                        Ok(given.category)
                    } else {
                        Err("not a category of this standard's table".to_owned())
                    },
                );
                let justification = checker.check(
                    "complexity.justification",
                    required_text(&given.justification, 2000),
                );
                Some(Some(ComplexityChoice {
                    category: category?,
                    justification: justification?,
                }))
            }
        }
    }

    /// Effective personnel out of the application's `total` (the figure the table is read
    /// with), checked as a whole under `personnel`.
    pub fn check_personnel(
        &self,
        total: i64,
        checker: &mut Checker,
    ) -> Option<(i64, Option<EffectivePersonnel>)> {
        let Some(given) = &self.personnel else {
            return Some((total, None));
        };
        let justification = checker.check(
            "personnel.justification",
            match (
                given.reduced_to,
                optional_text(given.justification.as_deref(), 2000),
            ) {
                (Some(_), Ok(None)) => {
                    Err("justify the reduction (shifts, repetitive work)".into())
                }
                (_, checked) => checked,
            },
        );
        let effective = checker.check(
            "personnel",
            effective_personnel(
                total,
                given.part_time_people,
                given.part_time_hours_per_week,
                given.full_time_hours_per_week,
                given.reduced_to,
            ),
        )?;
        Some((
            effective,
            Some(EffectivePersonnel {
                part_time_people: given.part_time_people,
                part_time_hours_per_week: given.part_time_hours_per_week,
                full_time_hours_per_week: given.full_time_hours_per_week,
                reduced_to: given.reduced_to,
                justification: justification?,
                effective,
            }),
        ))
    }

    /// The pre-transfer review: given exactly when the application is a transferable
    /// certificate (`transferable`), each finding written out.
    pub fn check_transfer(
        &self,
        transferable: bool,
        checker: &mut Checker,
    ) -> Option<Option<TransferReview>> {
        let Some(given) = &self.transfer else {
            return Some(None);
        };
        if !transferable {
            checker.check::<()>(
                "transfer",
                Err("only for a transfer of accredited certification (IAF MD 2)".into()),
            );
            return None;
        }
        let text = |checker: &mut Checker, name: &str, value: &str| {
            checker.check(&format!("transfer.{name}"), required_text(value, 4000))
        };
        let open_nonconformities =
            text(checker, "open_nonconformities", &given.open_nonconformities);
        let last_audit_report = text(checker, "last_audit_report", &given.last_audit_report);
        let complaints = text(checker, "complaints", &given.complaints);
        Some(Some(TransferReview {
            open_nonconformities: open_nonconformities?,
            last_audit_report: last_audit_report?,
            complaints: complaints?,
            cycle_position: given.cycle_position,
        }))
    }

    /// The entered days beyond the table, with a non-empty justification.
    pub fn check_beyond_table(&self, checker: &mut Checker) -> Option<Option<BeyondTable>> {
        let Some(entered) = &self.beyond_table else {
            return Some(None);
        };
        let justification = checker.check(
            "beyond_table.justification",
            required_text(&entered.justification, 2000),
        )?;
        Some(Some(BeyondTable {
            initial_days: entered.initial_days,
            justification,
        }))
    }

    /// The justified adjustments, each with a non-empty justification and a sensible percent.
    pub fn check_adjustments(&self, checker: &mut Checker) -> Vec<Adjustment> {
        self.adjustments
            .iter()
            .enumerate()
            .filter_map(|(i, adjustment)| {
                let justification = checker.check(
                    &format!("adjustments[{i}].justification"),
                    required_text(&adjustment.justification, 2000),
                );
                let percent = checker.check(
                    &format!("adjustments[{i}].percent"),
                    if adjustment.percent.is_finite()
                        && adjustment.percent != 0.0
                        && adjustment.percent.abs() <= 100.0
                    {
                        Ok(adjustment.percent)
                    } else {
                        Err("must be a non-zero percentage between -100 and 100".to_owned())
                    },
                );
                Some(Adjustment {
                    percent: percent?,
                    justification: justification?,
                })
            })
            .collect()
    }
}
