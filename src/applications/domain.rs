//! Rules of applications and their review (ISO/IEC 17021-1 9.1.1–9.1.3, IAF MD 1 and MD 5):
//! the state machine, the audit-time arithmetic, the multi-site sample and the three-year
//! programme. Pure functions; no HTTP, no SQL.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;

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
        ApplicationState::ALL.into_iter().find(|state| state.as_str() == value)
    }

    /// The applicant may change the content only while it is with them.
    pub fn is_editable(self) -> bool {
        matches!(self, ApplicationState::Draft | ApplicationState::InformationRequested)
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
pub fn next_state(from: ApplicationState, transition: Transition) -> Result<ApplicationState, String> {
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

/// One band of an audit-time table: effective personnel from `min_personnel` up to
/// `max_personnel` (open-ended when `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditTimeBand {
    pub min_personnel: i64,
    pub max_personnel: Option<i64>,
    /// Stage 1 + stage 2, in auditor days.
    pub initial_days: f64,
    pub surveillance_days: f64,
    pub recertification_days: f64,
}

/// Checks that bands start at 1, follow each other without gaps or overlaps, end open, and
/// have positive days.
pub fn check_bands(bands: &[AuditTimeBand]) -> Result<(), String> {
    let Some(first) = bands.first() else { return Err("needs at least one band".into()) };
    if first.min_personnel != 1 {
        return Err("the first band must start at 1 person".into());
    }
    for (i, band) in bands.iter().enumerate() {
        if band.initial_days <= 0.0 || band.surveillance_days <= 0.0 || band.recertification_days <= 0.0 {
            return Err(format!("band {} must have positive days", i + 1));
        }
        match (band.max_personnel, bands.get(i + 1)) {
            (Some(max), Some(next)) if max >= band.min_personnel && next.min_personnel == max + 1 => {}
            (None, None) => {}
            (None, Some(_)) => return Err(format!("only the last band may be open-ended (band {})", i + 1)),
            (Some(_), None) => return Err("the last band must be open-ended".into()),
            (Some(_), Some(_)) => return Err(format!("band {} must end just before band {} starts", i + 1, i + 2)),
        }
    }
    Ok(())
}

/// The band for `personnel` people (bands checked with `check_bands`).
pub fn band_for(bands: &[AuditTimeBand], personnel: i64) -> Option<&AuditTimeBand> {
    bands.iter().find(|band| personnel >= band.min_personnel && band.max_personnel.is_none_or(|max| personnel <= max))
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

/// Audit days are planned in half days.
fn half_days(days: f64) -> f64 {
    ((days * 2.0).round() / 2.0).max(0.5)
}

/// Applies the justified adjustments to the table's band; refuses to go below the minimum
/// (`max_reduction_percent` below the table, as IAF MD 5 caps reductions).
pub fn compute_audit_time(band: &AuditTimeBand, adjustments: &[Adjustment], max_reduction_percent: f64) -> Result<AuditTime, String> {
    let net_percent: f64 = adjustments.iter().map(|a| a.percent).sum();
    let factor = 1.0 + net_percent / 100.0;
    let minimum = half_days(band.initial_days * (1.0 - max_reduction_percent / 100.0));
    let initial = half_days(band.initial_days * factor);
    if initial < minimum {
        return Err(format!(
            "the adjustments ({net_percent:+}%) would plan {initial} days, below the minimum of {minimum} days \
             ({max_reduction_percent}% under the table's {})",
            band.initial_days
        ));
    }
    // Stage 1 takes about a third, at least half a day; stage 2 the rest.
    let stage1 = half_days(initial / 3.0).min(initial - 0.5).max(0.5);
    Ok(AuditTime {
        table_initial_days: band.initial_days,
        minimum_initial_days: minimum,
        initial_days: initial,
        stage1_days: stage1,
        stage2_days: initial - stage1,
        surveillance_days: half_days(band.surveillance_days * factor.max(1.0 - max_reduction_percent / 100.0)),
        recertification_days: half_days(band.recertification_days * factor.max(1.0 - max_reduction_percent / 100.0)),
    })
}

/// IAF MD 1: sample at least ⌈√n⌉ of n sites; the central function is always visited.
pub fn sample_size(sites: usize) -> usize {
    (sites as f64).sqrt().ceil() as usize
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
    ordered.into_iter().take(size.max(1).min(sites.len())).map(|site| site.id.clone()).collect()
}

/// Consultancy given within this many years is a threat to impartiality (17021-1 5.2).
pub const CONSULTANCY_COOLING_OFF_YEARS: u32 = 2;

/// Whether consultancy that ended on `ended` is within the cooling-off period on `today`.
pub fn consultancy_is_recent(ended: NaiveDate, today: NaiveDate) -> bool {
    ended.checked_add_months(Months::new(12 * CONSULTANCY_COOLING_OFF_YEARS)).is_some_and(|limit| limit >= today)
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
        [Stage1, Stage2, Surveillance1, Surveillance2, Recertification].into_iter().find(|k| k.as_str() == value)
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
/// surveillance 2 a year later, recertification in the half year before expiry (3 years).
pub fn place_cycle(decision: NaiveDate, time: &AuditTime, provisional: bool) -> Vec<PlannedAudit> {
    let window = |kind, start: u32, end: u32, days| PlannedAudit {
        kind,
        window_start: months(decision, start),
        window_end: day_before(months(decision, end)),
        days,
        provisional,
    };
    vec![
        window(ProgrammeAuditKind::Surveillance1, 9, 12, time.surveillance_days),
        window(ProgrammeAuditKind::Surveillance2, 21, 24, time.surveillance_days),
        window(ProgrammeAuditKind::Recertification, 30, 36, time.recertification_days),
    ]
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
            .into_iter()
            .flat_map(|from| transitions.into_iter().filter_map(move |t| next_state(from, t).ok().map(|to| (from, t, to))))
            .collect();
        assert_eq!(
            allowed,
            [
                (Draft, Transition::Submit, Submitted),
                (Draft, Transition::Withdraw, Withdrawn),
                (Submitted, Transition::StartReview, UnderReview),
                (Submitted, Transition::Withdraw, Withdrawn),
                (UnderReview, Transition::RequestInformation, InformationRequested),
                (UnderReview, Transition::Accept, Accepted),
                (UnderReview, Transition::Reject, Rejected),
                (UnderReview, Transition::Withdraw, Withdrawn),
                (InformationRequested, Transition::Submit, Submitted),
                (InformationRequested, Transition::Withdraw, Withdrawn),
            ]
        );
        assert_eq!(next_state(Accepted, Transition::Withdraw).unwrap_err(), "an application that is accepted cannot be withdrawn");
    }

    fn qms_bands() -> Vec<AuditTimeBand> {
        let band = |min, max, initial: f64| AuditTimeBand {
            min_personnel: min,
            max_personnel: max,
            initial_days: initial,
            surveillance_days: half_days(initial / 3.0),
            recertification_days: half_days(initial * 2.0 / 3.0),
        };
        vec![band(1, Some(5), 1.5), band(6, Some(10), 2.0), band(11, Some(15), 2.5), band(16, None, 3.0)]
    }

    #[test]
    fn bands_are_found_at_their_boundaries_and_must_tile() {
        let bands = qms_bands();
        assert!(check_bands(&bands).is_ok());
        let initial = |n| band_for(&bands, n).map(|b| b.initial_days);
        assert_eq!([initial(1), initial(5), initial(6), initial(10), initial(11), initial(16), initial(100_000)],
            [Some(1.5), Some(1.5), Some(2.0), Some(2.0), Some(2.5), Some(3.0), Some(3.0)]);
        assert_eq!(initial(0), None);
        let mut gap = qms_bands();
        gap[1].min_personnel = 7;
        assert!(check_bands(&gap).is_err());
        let mut closed = qms_bands();
        closed[3].max_personnel = Some(20);
        assert!(check_bands(&closed).is_err());
        assert!(check_bands(&[]).is_err());
    }

    #[test]
    fn adjustments_move_audit_time_but_never_below_the_minimum() {
        let band = &qms_bands()[3]; // 3 days
        let plain = compute_audit_time(band, &[], 30.0).unwrap();
        assert_eq!((plain.initial_days, plain.stage1_days, plain.stage2_days), (3.0, 1.0, 2.0));
        assert_eq!((plain.surveillance_days, plain.recertification_days, plain.minimum_initial_days), (1.0, 2.0, 2.0));
        let adjust = |percent| vec![Adjustment { percent, justification: "why".into() }];
        assert_eq!(compute_audit_time(band, &adjust(50.0), 30.0).unwrap().initial_days, 4.5);
        // 3 × 0.7 = 2.1 → 2.0 is the floor: exactly at it is allowed, below is refused.
        assert_eq!(compute_audit_time(band, &adjust(-30.0), 30.0).unwrap().initial_days, 2.0);
        assert!(compute_audit_time(band, &adjust(-40.0), 30.0).is_err());
        let tiny = &qms_bands()[0]; // 1.5 days: stage 1 and 2 still get half a day each at least
        let time = compute_audit_time(tiny, &[], 30.0).unwrap();
        assert_eq!((time.stage1_days, time.stage2_days), (0.5, 1.0));
    }

    #[test]
    fn the_sample_is_the_ceiling_of_the_square_root_with_the_central_function() {
        let sizes: Vec<usize> = [1, 2, 4, 5, 9, 10, 16, 17].into_iter().map(sample_size).collect();
        assert_eq!(sizes, [1, 2, 2, 3, 3, 4, 4, 5]);
        let site = |id: &str, headcount, is_central| SiteForSampling { id: id.into(), headcount, is_central };
        let sites = [site("a", 50, false), site("b", 10, true), site("c", 80, false), site("d", 5, false), site("e", 20, false)];
        assert_eq!(propose_sample(&sites), ["b", "c", "a"]);
        assert_eq!(propose_sample(&sites[..1]), ["a"]);
    }

    #[test]
    fn consultancy_within_two_years_is_a_threat() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert!(consultancy_is_recent(NaiveDate::from_ymd_opt(2024, 11, 26).unwrap(), today));
        assert!(!consultancy_is_recent(NaiveDate::from_ymd_opt(2024, 11, 25).unwrap(), today));
        assert!(consultancy_is_recent(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), today));
    }

    #[test]
    fn the_programme_places_surveillance_within_twelve_months_of_the_decision() {
        let time = compute_audit_time(&qms_bands()[3], &[], 30.0).unwrap();
        let accepted = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let plan = plan_programme(accepted, &time);
        let kinds: Vec<_> = plan.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["stage1", "stage2", "surveillance1", "surveillance2", "recertification"]);
        assert_eq!(plan[0].window_end, NaiveDate::from_ymd_opt(2026, 4, 30).unwrap());
        assert!(!plan[1].provisional && plan[2].provisional);
        let decision = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        let cycle = place_cycle(decision, &time, false);
        assert_eq!(cycle[0].window_end, NaiveDate::from_ymd_opt(2027, 7, 14).unwrap());
        assert!(cycle[0].window_end < decision.checked_add_months(Months::new(12)).unwrap());
        assert_eq!(cycle[2].window_end, NaiveDate::from_ymd_opt(2029, 7, 14).unwrap());
        assert_eq!(plan[4].days, 2.0);
    }
}
