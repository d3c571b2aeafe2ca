//! Rules of applications and their review (ISO/IEC 17021-1 9.1.1–9.1.3, IAF MD 1 and MD 5):
//! the state machine, the audit-time arithmetic, the multi-site sample and the three-year
//! programme. Pure functions; no HTTP, no SQL.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{ApplicationInput, SiteInput};
use crate::accounts::domain::parse_country;
use crate::auth::Role;
use crate::standards::domain::{half_days, AuditTimeBand};
use crate::validate::{optional_text, required_text, Checker};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    Submitted,
    UnderReview,
    InformationRequested,
    Accepted,
    Rejected,
    Withdrawn,
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 7] = [
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::UnderReview,
        ApplicationState::InformationRequested,
        ApplicationState::Accepted,
        ApplicationState::Rejected,
        ApplicationState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::UnderReview => "under_review",
            ApplicationState::InformationRequested => "information_requested",
            ApplicationState::Accepted => "accepted",
            ApplicationState::Rejected => "rejected",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(value: &str) -> Option<ApplicationState> {
        ApplicationState::ALL
            .into_iter()
            .find(|state| state.as_str() == value)
    }

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
    pub fn role(self) -> Role {
        match self {
            Transition::Submit | Transition::Withdraw => Role::Applicant,
            _ => Role::Admin,
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
                from.as_str().replace('_', " "),
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

const MAX_SITES: usize = 500;
/// IAF sector codes run from 1 (agriculture) to 39 (other social services).
const IAF_SECTORS: std::ops::RangeInclusive<u8> = 1..=39;
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

impl ApplicationContent {
    /// Checks everything but the standard id (which needs the catalogue); `needs_services`
    /// says whether the standard requires the services in scope; `today` bounds dates.
    pub fn check(
        input: &ApplicationInput,
        needs_services: bool,
        today: NaiveDate,
        checker: &mut Checker,
    ) -> Option<ApplicationContent> {
        let scope_statement = checker.check(
            "scope_statement",
            required_text(&input.scope_statement, 2000),
        );
        let total_personnel = checker.check(
            "total_personnel",
            if (1..=MAX_PERSONNEL).contains(&input.total_personnel) {
                Ok(input.total_personnel)
            } else {
                Err(format!("must be between 1 and {MAX_PERSONNEL}"))
            },
        );
        let sector_codes = checker.check(
            "sector_codes",
            match input
                .sector_codes
                .iter()
                .find(|code| !IAF_SECTORS.contains(code))
            {
                Some(code) => Err(format!("{code} is not an IAF sector code (1 to 39)")),
                None => Ok(input.sector_codes.clone()),
            },
        );
        let site_count = checker.check(
            "sites",
            match input.sites.iter().filter(|s| s.is_central).count() {
                _ if input.sites.is_empty() => Err("name at least one site".to_owned()),
                _ if input.sites.len() > MAX_SITES => Err(format!("at most {MAX_SITES} sites")),
                1 => Ok(input.sites.len()),
                _ => Err("exactly one site must be the central function (is_central)".to_owned()),
            },
        );
        let sites: Vec<Option<SiteContent>> = input
            .sites
            .iter()
            .enumerate()
            .map(|(i, site)| check_site(site, &format!("sites[{i}]"), checker))
            .collect();
        let services_in_scope = check_list(&input.services_in_scope, "services_in_scope", checker);
        if needs_services && input.services_in_scope.is_empty() {
            checker.check::<()>(
                "services_in_scope",
                Err("name the services in scope (required for ISO/IEC 20000-1)".into()),
            );
        }
        let outsourced_processes =
            check_list(&input.outsourced_processes, "outsourced_processes", checker);
        let consultancy: Vec<Option<Consultancy>> = input
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
                    optional_text(given.description.as_deref(), 1000),
                );
                Some(Consultancy {
                    provider: provider?,
                    ended_on: ended_on?,
                    description: description?,
                })
            })
            .collect();
        let current_certification = match &input.current_certification {
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
                Some(Some(CurrentCertification {
                    certification_body: body?,
                    certificate_number: number?,
                    expires_on: expires_on?,
                }))
            }
        };
        site_count?;
        Some(ApplicationContent {
            scope_statement: scope_statement?,
            total_personnel: total_personnel?,
            sector_codes: sector_codes?,
            sites: sites.into_iter().collect::<Option<Vec<_>>>()?,
            services_in_scope,
            outsourced_processes,
            consultancy: consultancy.into_iter().collect::<Option<Vec<_>>>()?,
            current_certification: current_certification?,
        })
    }
}

/// A justified change to the table's audit time, in percent (negative reduces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub percent: f64,
    pub justification: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditTime {
    /// Stage 1 + stage 2 days from the table, before adjustments.
    pub table_initial_days: f64,
    /// The floor no adjustment may go below.
    pub minimum_initial_days: f64,
    pub initial_days: f64,
    pub stage1_days: f64,
    pub stage2_days: f64,
    pub surveillance_days: f64,
    pub recertification_days: f64,
}

/// Applies the justified adjustments to the table's band; refuses to go below the minimum
/// (`max_reduction_percent` below the table, as IAF MD 5 caps reductions).
pub fn compute_audit_time(
    band: &AuditTimeBand,
    adjustments: &[Adjustment],
    max_reduction_percent: f64,
) -> Result<AuditTime, String> {
    let net_percent: f64 = adjustments.iter().map(|a| a.percent).sum();
    let factor = 1.0 + net_percent / 100.0;
    let floor = band.initial_days * (1.0 - max_reduction_percent / 100.0);
    let requested = band.initial_days * factor;
    // Compare before rounding, so rounding can never hide a cut beyond the limit...
    if requested + 1e-9 < floor {
        return Err(format!(
            "the adjustments ({net_percent:+}%) would plan {requested:.2} days, below the minimum of {floor:.2} days \
             ({max_reduction_percent}% under the table's {})",
            band.initial_days
        ));
    }
    // ...and round the floor up, so the planned half days never fall below it either.
    let adjusted = |table_days: f64| {
        let floor = table_days * (1.0 - max_reduction_percent / 100.0);
        half_days(table_days * factor).max((floor * 2.0 - 1e-9).ceil() / 2.0)
    };
    let minimum = (floor * 2.0 - 1e-9).ceil() / 2.0;
    let initial = adjusted(band.initial_days);
    // Stage 1 takes about a third, at least half a day; stage 2 the rest.
    let stage1 = half_days(initial / 3.0).min(initial - 0.5).max(0.5);
    Ok(AuditTime {
        table_initial_days: band.initial_days,
        minimum_initial_days: minimum,
        initial_days: initial,
        stage1_days: stage1,
        stage2_days: initial - stage1,
        surveillance_days: adjusted(band.surveillance_days),
        recertification_days: adjusted(band.recertification_days),
    })
}

/// IAF MD 1: the central function, plus at least ⌈√x⌉ of the x other sites.
pub fn sample_size(sites: usize) -> usize {
    match sites {
        0 | 1 => sites,
        _ => 1 + ((sites - 1) as f64).sqrt().ceil() as usize,
    }
}

/// A site as the sample sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteForSampling {
    pub id: String,
    pub headcount: i64,
    pub is_central: bool,
}

/// The proposed sample: the central function first, then the largest sites, until the
/// sample size is reached. Ties keep the applicant's order.
pub fn propose_sample(sites: &[SiteForSampling]) -> Vec<String> {
    let size = sample_size(sites.len());
    let mut ordered: Vec<&SiteForSampling> = sites.iter().collect();
    ordered.sort_by_key(|site| (!site.is_central, std::cmp::Reverse(site.headcount)));
    ordered
        .into_iter()
        .take(size.max(1).min(sites.len()))
        .map(|site| site.id.clone())
        .collect()
}

/// Management-system consultancy the applicant received (who, and when it ended).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consultancy {
    pub provider: String,
    /// Last day of the consultancy (ISO date); absent while it is ongoing.
    pub ended_on: Option<NaiveDate>,
    pub description: Option<String>,
}

/// Certification held with another body: the application is a transfer (IAF MD 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

/// The impartiality threats the review must record: recent consultancy is flagged
/// automatically; the reviewer adds any others.
pub fn impartiality_threats(
    consultancy: &[Consultancy],
    additional: &[String],
    today: NaiveDate,
) -> Vec<String> {
    consultancy
        .iter()
        .filter(|c| consultancy_is_recent(c.ended_on, today))
        .map(|c| match c.ended_on {
            Some(ended) => format!(
                "management-system consultancy by {} ended on {ended}, within {CONSULTANCY_COOLING_OFF_YEARS} years",
                c.provider
            ),
            None => format!("management-system consultancy by {} is ongoing", c.provider),
        })
        .chain(additional.iter().cloned())
        .collect()
}

/// The review's checklist, as far as acceptance depends on it.
pub struct ReviewChecklist {
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    pub has_threats: bool,
    pub threats_addressed: bool,
}

/// Why the application cannot be accepted yet, if anything (17021-1 9.1.2).
pub fn acceptance_blockers(review: Option<&ReviewChecklist>) -> Vec<&'static str> {
    let Some(review) = review else {
        return vec!["no review has been recorded"];
    };
    let mut blockers = Vec::new();
    if !review.information_sufficient {
        blockers.push("the information is not sufficient");
    }
    if !review.scope_clear {
        blockers.push("the scope is not clear");
    }
    if !review.competence_available {
        blockers.push("no competent auditors are available");
    }
    if review.has_threats && !review.threats_addressed {
        blockers.push("the impartiality threats have not been addressed");
    }
    blockers
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeAuditKind {
    Stage1,
    Stage2,
    Surveillance1,
    Surveillance2,
    Recertification,
}

impl ProgrammeAuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgrammeAuditKind::Stage1 => "stage1",
            ProgrammeAuditKind::Stage2 => "stage2",
            ProgrammeAuditKind::Surveillance1 => "surveillance1",
            ProgrammeAuditKind::Surveillance2 => "surveillance2",
            ProgrammeAuditKind::Recertification => "recertification",
        }
    }

    pub fn parse(value: &str) -> Option<ProgrammeAuditKind> {
        use ProgrammeAuditKind::*;
        [
            Stage1,
            Stage2,
            Surveillance1,
            Surveillance2,
            Recertification,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAudit {
    pub kind: ProgrammeAuditKind,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub days: f64,
    /// Placed from an estimated decision date; re-placed when the decision is taken.
    pub provisional: bool,
}

fn months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n)).unwrap_or(date)
}

/// Days before the month mark, so "within 12 months" windows end inside the limit.
fn day_before(date: NaiveDate) -> NaiveDate {
    date.pred_opt().unwrap_or(date)
}

/// The three-year programme from acceptance. Stage 1 within three months, stage 2 within six;
/// surveillance and recertification windows hang off the certification decision — until it
/// exists they are placed from the end of the stage 2 window and marked provisional.
pub fn plan_programme(accepted_on: NaiveDate, time: &AuditTime) -> Vec<PlannedAudit> {
    let estimated_decision = months(accepted_on, 6);
    let mut plan = vec![
        PlannedAudit {
            kind: ProgrammeAuditKind::Stage1,
            window_start: accepted_on,
            window_end: months(accepted_on, 3),
            days: time.stage1_days,
            provisional: false,
        },
        PlannedAudit {
            kind: ProgrammeAuditKind::Stage2,
            window_start: months(accepted_on, 1),
            window_end: estimated_decision,
            days: time.stage2_days,
            provisional: false,
        },
    ];
    plan.extend(place_cycle(estimated_decision, time, true));
    plan
}

/// Surveillance 1 in the last quarter before 12 months from the decision (17021-1 9.6.2),
/// surveillance 2 a year later, recertification between six and three months before expiry
/// (3 years), leaving time for corrections and the decision before the certificate lapses.
pub fn place_cycle(decision: NaiveDate, time: &AuditTime, provisional: bool) -> Vec<PlannedAudit> {
    let window = |kind, start: u32, end: u32, days| PlannedAudit {
        kind,
        window_start: months(decision, start),
        window_end: day_before(months(decision, end)),
        days,
        provisional,
    };
    vec![
        window(
            ProgrammeAuditKind::Surveillance1,
            9,
            12,
            time.surveillance_days,
        ),
        window(
            ProgrammeAuditKind::Surveillance2,
            21,
            24,
            time.surveillance_days,
        ),
        window(
            ProgrammeAuditKind::Recertification,
            30,
            33,
            time.recertification_days,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::domain::sample_bands;
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
            .into_iter()
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
    fn adjustments_move_audit_time_but_never_below_the_minimum() {
        let band = &sample_bands()[3]; // 3 days
        let plain = compute_audit_time(band, &[], 30.0).unwrap();
        assert_eq!(
            (plain.initial_days, plain.stage1_days, plain.stage2_days),
            (3.0, 1.0, 2.0)
        );
        assert_eq!(
            (
                plain.surveillance_days,
                plain.recertification_days,
                plain.minimum_initial_days
            ),
            (1.0, 2.0, 2.5)
        );
        let adjust = |percent| {
            vec![Adjustment {
                percent,
                justification: "why".into(),
            }]
        };
        assert_eq!(
            compute_audit_time(band, &adjust(50.0), 30.0)
                .unwrap()
                .initial_days,
            4.5
        );
        // Floor 3 × 0.7 = 2.1 days: a 30% cut is allowed and planned as 2.5 (never 2.0, which
        // would undercut it); 31% and 40% are refused even though 2.07 would round to 2.0.
        assert_eq!(
            compute_audit_time(band, &adjust(-30.0), 30.0)
                .unwrap()
                .initial_days,
            2.5
        );
        assert!(compute_audit_time(band, &adjust(-31.0), 30.0).is_err());
        assert!(compute_audit_time(band, &adjust(-40.0), 30.0).is_err());
        // Two adjustments add up; a justified increase offsets a reduction.
        let both = [
            Adjustment {
                percent: -40.0,
                justification: "a".into(),
            },
            Adjustment {
                percent: 20.0,
                justification: "b".into(),
            },
        ];
        assert_eq!(
            compute_audit_time(band, &both, 30.0).unwrap().initial_days,
            2.5
        );
        // Surveillance and recertification keep to the same floor: 1.0 × 0.7 is planned as 1.0, not 0.5.
        let cut = compute_audit_time(band, &adjust(-30.0), 30.0).unwrap();
        assert_eq!(
            (cut.surveillance_days, cut.recertification_days),
            (1.0, 1.5)
        );
        let tiny = &sample_bands()[0]; // 1.5 days: stage 1 and 2 still get half a day each at least
        let time = compute_audit_time(tiny, &[], 30.0).unwrap();
        assert_eq!((time.stage1_days, time.stage2_days), (0.5, 1.0));
    }

    #[test]
    fn the_sample_is_the_ceiling_of_the_square_root_with_the_central_function() {
        // Central function + ⌈√(n−1)⌉ of the others, never more than there are.
        let sizes: Vec<usize> = [1, 2, 3, 4, 5, 10, 11, 17, 18]
            .into_iter()
            .map(sample_size)
            .collect();
        assert_eq!(sizes, [1, 2, 3, 3, 3, 4, 5, 5, 6]);
        assert!((1..200)
            .all(|n| sample_size(n) <= n && sample_size(n) >= (n as f64).sqrt().ceil() as usize));
        let site = |id: &str, headcount, is_central| SiteForSampling {
            id: id.into(),
            headcount,
            is_central,
        };
        let sites = [
            site("a", 50, false),
            site("b", 10, true),
            site("c", 80, false),
            site("d", 5, false),
            site("e", 20, false),
        ];
        assert_eq!(propose_sample(&sites), ["b", "c", "a"]);
        assert_eq!(propose_sample(&sites[..1]), ["a"]);
    }

    #[test]
    fn acceptance_needs_a_complete_review_with_threats_addressed() {
        let complete = ReviewChecklist {
            information_sufficient: true,
            scope_clear: true,
            competence_available: true,
            has_threats: true,
            threats_addressed: true,
        };
        assert!(acceptance_blockers(Some(&complete)).is_empty());
        assert_eq!(acceptance_blockers(None), ["no review has been recorded"]);
        let open = ReviewChecklist {
            threats_addressed: false,
            scope_clear: false,
            ..complete
        };
        assert_eq!(
            acceptance_blockers(Some(&open)),
            [
                "the scope is not clear",
                "the impartiality threats have not been addressed"
            ]
        );
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
        let given = |provider: &str, y, m, d| Consultancy {
            provider: provider.into(),
            ended_on: NaiveDate::from_ymd_opt(y, m, d),
            description: None,
        };
        let threats = impartiality_threats(
            &[given("Old Co", 2020, 1, 1), given("New Co", 2025, 6, 30)],
            &["shared office".into()],
            today,
        );
        assert_eq!(threats.len(), 2);
        assert!(threats[0].contains("New Co") && threats[0].contains("2025-06-30"));
        assert_eq!(threats[1], "shared office");
    }

    #[test]
    fn the_programme_places_surveillance_within_twelve_months_of_the_decision() {
        let time = compute_audit_time(&sample_bands()[3], &[], 30.0).unwrap();
        let accepted = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let plan = plan_programme(accepted, &time);
        let kinds: Vec<_> = plan.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "stage1",
                "stage2",
                "surveillance1",
                "surveillance2",
                "recertification"
            ]
        );
        assert_eq!(
            plan[0].window_end,
            NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()
        );
        assert!(!plan[1].provisional && plan[2].provisional);
        let decision = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        let cycle = place_cycle(decision, &time, false);
        assert_eq!(
            cycle[0].window_end,
            NaiveDate::from_ymd_opt(2027, 7, 14).unwrap()
        );
        assert!(cycle[0].window_end < decision.checked_add_months(Months::new(12)).unwrap());
        assert_eq!(
            cycle[2].window_end,
            NaiveDate::from_ymd_opt(2029, 4, 14).unwrap()
        );
        assert_eq!(plan[4].days, 2.0);
    }
}
